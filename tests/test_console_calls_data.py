"""The console's calls data: the day's rows, transcripts as shown, the live cursor, follow-ups and
the dashboard's figures, on both backends; the pure parts without a database."""

from __future__ import annotations

import datetime as dt

from call_console_support import EXPECTED, TZ, XSS, seed_day
from guidance_support import DAY
from sqlalchemy import event

from ivr.aftercall.view import FollowUp
from ivr.records.call_list import CallFacts, LiveFacts, build_rows, live_call_ids, load_rows
from ivr.records.dashboard import DayCall, figures, percentile
from ivr.records.dashboard_query import day_figures
from ivr.records.event_cursor import HOLE_TTL_S, EventCursor
from ivr.records.follow_up import clear_follow_up
from ivr.records.live_feed import LiveFeed, LiveView
from ivr.records.live_hub import LiveHub
from ivr.records.outcome import Outcome
from ivr.records.recorder import CallRecorder
from ivr.records.transcript_view import RawEvent, call_events, display_lines, events_since, last_event_id
from schedules.models import utcnow

T0 = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)


# ----- pure --------------------------------------------------------------------------------------
def test_percentiles_are_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([7], 95) == 7
    assert percentile([300, 400, 450, 500, 800], 50) == 450
    assert percentile([300, 400, 450, 500, 800], 95) == 800
    assert percentile(list(range(1, 101)), 95) == 95


def test_figures_count_each_chart() -> None:
    start = dt.datetime(2026, 12, 1, 9, 30, tzinfo=TZ)
    calls = [
        DayCall(start, "served", first_audio_ms=[("greeting", 500), ("reply", 900)], lookups=1, identified=True,
                aizuchi_ignored=2),
        DayCall(start.replace(hour=23), "transferred", transfer_reason="lookup_failed", lookups=3, interruptions=1),
        DayCall(start, "served", lookups=2, identified=True),
        DayCall(start, "hung_up"),
    ]
    got = figures(DAY, calls)
    assert got.calls == 4 and got.per_hour[9] == 3 and got.per_hour[23] == 1 and sum(got.per_hour) == 4
    assert got.outcomes == {"in_progress": 0, "served": 2, "transferred": 1, "not_found": 0, "hung_up": 1}
    assert got.transfers == {"lookup_failed": 1}
    assert got.turns == {"aizuchi_ignored": 2, "interruption": 1}
    assert got.lookups == {"first_try": 1, "after_retry": 1, "never": 1} and got.retried_lookups == 3
    assert got.as_json()["first_audio"] == [["greeting", {"n": 1, "p50": 500, "p95": 500}],
                                            ["reply", {"n": 1, "p50": 900, "p95": 900}]]


def test_an_empty_day_has_empty_charts() -> None:
    got = figures(DAY, []).as_json()
    assert got["calls"] == 0 and got["per_hour"] == [0] * 24 and got["transfers"] == []
    assert got["first_audio"][1] == ["reply", {"n": 0, "p50": None, "p95": None}]


def _ev(i: int, kind: str, text: str = "", data: dict | None = None) -> RawEvent:
    return RawEvent(i, 1, i, T0, kind, text, data or {})


def test_transcript_marks_and_hides() -> None:
    lines = display_lines([
        _ev(1, "system", "first_audio", {"after": "greeting", "ms": 300}),
        _ev(2, "bot", "ご用件は"),
        _ev(3, "aizuchi_ignored", "はい"),
        _ev(4, "interruption", "ちがう", {"heard_ms": 800, "reason": "meaningful"}),
        _ev(5, "tool_call", "lookup_driver", {"arguments": '{"vehicle_number": "1234"}'}),
        _ev(6, "tool_result", "lookup_driver", {"output": {"status": "matched", "stop": {"x": "y"}},
                                                "action": "none"}),
        _ev(7, "system", "identified", {"driver_id": 3}),
        _ev(8, "system", "dtmf", {"digit": "7"}),
        _ev(9, "transfer", "caller_asked_for_person", {"reason": "caller_asked_for_person"}),
        _ev(10, "caller", XSS),
    ])
    assert [(x.kind, x.text, x.detail) for x in lines] == [
        ("bot", "ご用件は", ""),
        ("aizuchi_ignored", "はい", ""),
        ("interruption", "ちがう", "heard_ms=800"),
        ("tool_call", "lookup_driver", '{"vehicle_number": "1234"}'),
        ("tool_result", "lookup_driver", "status=matched"),  # never the whole output
        ("system", "", ""),  # a keypad press, without its digit
        ("transfer", "caller_asked_for_person", ""),
        ("caller", XSS, ""),  # passed through: the page escapes it
    ]


def test_cursor_asks_again_for_an_id_committed_late() -> None:
    now = [0.0]
    cursor = EventCursor(10, lambda: now[0])
    assert cursor.seen([11, 13]) == [11, 13] and cursor.holes() == [12]
    assert cursor.seen([12, 13, 14]) == [12, 14] and cursor.holes() == []  # 13 is not handed out twice
    assert cursor.seen([16]) == [16] and cursor.holes() == [15]
    now[0] = HOLE_TTL_S + 1  # a rolled-back write: stop asking
    assert cursor.holes() == []


def test_cursor_looks_back_once_at_the_page_snapshot() -> None:
    cursor = EventCursor(5, lambda: 0.0, lookback=3)
    assert cursor.holes() == [3, 4, 5]
    assert cursor.seen([4, 5, 6]) == [4, 5, 6] and cursor.holes() == [3]


def test_rows_read_a_live_calls_driver_and_hand_over_from_its_transcript() -> None:
    started = T0
    calls = [
        CallFacts(1, "CA1", started, None, "in_progress", None, DAY, {}),
        CallFacts(2, "CA2", started, started + dt.timedelta(seconds=75), "transferred", 8, DAY,
                  {"transfer_reason": "lookup_failed"}, "after_hours", None, None),
    ]
    live = {1: LiveFacts(driver_id=7, transfer_reason="caller_asked_for_person")}
    done = FollowUp("summary", "done", 1, "", "佐藤さん\n配送先を案内", "", "", None)
    rows = build_rows(calls, live, {7: "鈴木 一郎", 8: "佐藤 健一"}, {(7, DAY): ("練馬 100 え 90-12",)},
                      {2: {"summary": done}})
    first, second = rows
    assert (first.live, first.handed_over, first.driver_name, first.vehicles, first.duration_s) == (
        True, True, "鈴木 一郎", ("練馬 100 え 90-12",), None)
    assert (second.live, second.handed_over, second.driver_name, second.duration_s) == (False, True, "佐藤 健一", 75)
    assert second.transfer_reason == "lookup_failed" and second.follow_up_open
    assert second.summary == "佐藤さん / 配送先を案内" and second.sms == "-"


# ----- both backends -----------------------------------------------------------------------------
async def test_day_rows_from_recorded_calls(sessionmaker, tmp_path) -> None:
    seeded = await seed_day(sessionmaker, tmp_path)
    rows = await load_rows(sessionmaker, day=DAY, tz=TZ)
    assert [r.id for r in rows] == [seeded.hung_up, seeded.live, seeded.person, seeded.not_found, seeded.served]
    by_id = {r.id: r for r in rows}
    served, live = by_id[seeded.served], by_id[seeded.live]
    assert (served.driver_name, served.vehicles, served.duration_s, served.outcome) == (
        "佐藤 健一", ("品川 100 あ 12-34",), 62, "served")
    assert (live.live, live.handed_over, live.driver_name, live.transfer_reason) == (
        True, True, "鈴木 一郎", "caller_asked_for_person")
    assert by_id[seeded.not_found].transfer_reason == "lookup_failed"
    assert by_id[seeded.hung_up].follow_up_open
    assert await load_rows(sessionmaker, day=DAY + dt.timedelta(days=1), tz=TZ) == []
    assert [r.id for r in await load_rows(sessionmaker, ids=[seeded.live], tz=TZ)] == [seeded.live]
    assert await live_call_ids(sessionmaker, [seeded.live, seeded.served]) == {seeded.live}


async def test_transcript_and_events_since(sessionmaker, tmp_path) -> None:
    seeded = await seed_day(sessionmaker, tmp_path)
    lines = display_lines(await call_events(sessionmaker, seeded.person))
    assert [(x.kind, x.text) for x in lines] == [
        ("bot", "お電話ありがとうございます。"), ("caller", f"担当の人に代わって {XSS}"),
        ("transfer", "caller_asked_for_person")]
    async with sessionmaker() as session:
        last = await last_event_id(session)
        everything = await events_since(session, 0)
        assert await events_since(session, last) == []
        assert [e.id for e in await events_since(session, last, also=[lines[0].id])] == [lines[0].id]
    assert len(everything) == last and [e.id for e in everything] == sorted(e.id for e in everything)


async def test_follow_up_is_cleared_once_with_who(sessionmaker, tmp_path) -> None:
    seeded = await seed_day(sessionmaker, tmp_path)
    assert await clear_follow_up(sessionmaker, seeded.served, "yamada") is False  # nothing to clear
    assert await clear_follow_up(sessionmaker, seeded.hung_up, "yamada") is True
    assert await clear_follow_up(sessionmaker, seeded.hung_up, "tanaka") is False
    row = (await load_rows(sessionmaker, ids=[seeded.hung_up], tz=TZ))[0]
    assert not row.follow_up_open and row.follow_up_cleared_by == "yamada" and row.follow_up_cleared_at


async def test_dashboard_figures_from_recorded_calls(sessionmaker, tmp_path) -> None:
    await seed_day(sessionmaker, tmp_path)
    got = (await day_figures(sessionmaker, DAY, TZ)).as_json()
    assert {k: got[k] for k in EXPECTED} == EXPECTED
    empty = (await day_figures(sessionmaker, DAY - dt.timedelta(days=1), TZ)).as_json()
    assert empty["calls"] == 0 and empty["per_hour"] == [0] * 24


async def test_live_feed_follows_a_call_from_start_to_end(sessionmaker, tmp_path) -> None:
    seeded = await seed_day(sessionmaker, tmp_path)
    async with sessionmaker() as session:
        start = await last_event_id(session)
    page = {seeded.served, seeded.not_found, seeded.person, seeded.hung_up, seeded.live}
    feed = LiveFeed(sessionmaker, after=start, tz=TZ, known=page, live={seeded.live})
    one = LiveFeed(sessionmaker, after=start, tz=TZ, call_id=seeded.live, live={seeded.live})
    first = await feed.poll()  # the look-back hands the snapshot's last lines again (the page drops repeats)
    assert first.lines and {x.call_id for x in first.lines} <= page and {c.id for c in first.calls} <= page
    assert {x.call_id for x in (await one.poll()).lines} == {seeded.live}
    today = LiveFeed(sessionmaker, after=0, tz=TZ, since=utcnow() - dt.timedelta(hours=1))
    assert not await today.poll()  # the seeded calls started on another day: not on today's page
    assert not await feed.poll()

    rec = CallRecorder(sessionmaker, "CAnew")
    await rec.start(turn_mode="barge_in", schedule_date=DAY)
    rec.add("bot", "お電話ありがとうございます。")
    rec.add("system", "first_audio", {"after": "greeting", "ms": 410})
    await rec.flush()
    update = await feed.poll()
    assert [(c.id, c.live) for c in update.calls] == [(rec.call_id, True)]
    assert [c.id for c in (await today.poll()).calls] == [rec.call_id]
    assert [(x.call_id, x.text) for x in update.lines] == [(rec.call_id, "お電話ありがとうございます。")]
    assert not (await one.poll()).lines  # the other call's feed sees none of it

    rec.add("caller", "いちにのさんよん、佐藤健一です")
    rec.add("system", "identified", {"driver_id": seeded.sato})
    await rec.flush()
    update = await feed.poll()
    assert [x.text for x in update.lines] == ["いちにのさんよん、佐藤健一です"]
    assert [(c.id, c.driver_name) for c in update.calls] == [(rec.call_id, "佐藤 健一")]
    update = await feed.poll()
    assert not update  # nothing happened: nothing sent

    await rec.finish(outcome=Outcome.SERVED, driver_id=seeded.sato, lookup_failures=0)
    update = await feed.poll()
    assert [(c.id, c.live, c.outcome) for c in update.calls] == [(rec.call_id, False, "served")]
    assert not await feed.poll()


async def test_one_poll_serves_every_view(sessionmaker, engine, tmp_path) -> None:
    await seed_day(sessionmaker, tmp_path)
    async with sessionmaker() as session:
        start = await last_event_id(session)
    hub = LiveHub(sessionmaker, TZ, poll_s=0.75)
    first = hub.subscribe(LiveView(), start=start)
    rec = CallRecorder(sessionmaker, "CAhub")
    await rec.start(turn_mode="barge_in", schedule_date=DAY)
    rec.add("caller", "もしもし")
    await rec.flush()
    await hub.tick()
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    async def tick_after(line: str) -> int:
        rec.add("bot", line)
        await rec.flush()
        statements.clear()
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            await hub.tick()
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
        return len(statements)

    alone = await tick_after("一つ目")
    others = [hub.subscribe(LiveView(), start=start) for _ in range(4)]
    assert await tick_after("二つ目") == alone  # five views cost what one does
    for sub in [first, *others]:
        updates = []
        while not sub.updates.empty():
            updates.append(sub.updates.get_nowait()[1])
        assert "二つ目" in [x.text for u in updates for x in u.lines]
    assert [c.id for c in updates[0].calls] == [rec.call_id]  # a view that joined late still gets the row
    hub.unsubscribe(first)
    for sub in others:
        hub.unsubscribe(sub)
    assert hub.views == 0
