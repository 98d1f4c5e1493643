"""The lookup on a real database (PostgreSQL and SQLite), with the shipped trap roster loaded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lookup.call_lookup import CallLookup
from lookup.service import lookup_driver
from schedules.loader import load_schedule
from schedules.models import ScheduleDay

ROSTER = Path(__file__).parent / "cases" / "lookup_roster.csv"
DAY = dt.date(2026, 12, 1)


async def _load(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    report = await load_schedule(sessionmaker, ROSTER)
    assert report.ok, report.errors


async def test_traps_of_the_roster_get_the_right_status(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _load(sessionmaker)
    expected = [
        ("いちにのさんよん", "サトウ", None, "matched", "佐藤 健一"),
        ("12-34", "斉藤", None, "matched", "斎藤 健一"),
        ("5678", "オオタ", None, "ambiguous", None),
        ("5678", "オオタ", "+81 90-2222-0001", "matched", "太田 裕樹"),
        ("八王子 5678", "オオタ ユウキ", None, "matched", "大田 優希"),
        ("3333", "オノ", None, "matched", "小野 翔太"),
        ("4444", "オノ", None, "confirm", "大野 誠"),
        ("8080", "サイトウ", None, "ambiguous", None),
        ("2020", "渡邊", None, "ambiguous", None),
        ("1111", "高橋", None, "matched", "髙橋 誠"),
        ("・123", "山崎", None, "matched", "山﨑 大輝"),
        ("・・12", "すずきみずき", None, "matched", "鈴木 美月"),
        ("1234", "田中", "090-1111-0001", "not_found", None),
        ("よろしく", "コバヤシ", None, "invalid", None),
    ]
    async with sessionmaker() as session:
        for vehicle, name, phone, status, driver in expected:
            r = await lookup_driver(session, date=DAY, vehicle_text=vehicle, name_text=name, caller_phone=phone)
            assert (r.status, r.driver.name if r.driver else None) == (status, driver), (vehicle, name, phone)


async def test_other_dates_and_replaced_versions_are_not_searched(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _load(sessionmaker)
    async with sessionmaker() as session:
        next_day = DAY + dt.timedelta(days=1)
        other_day = await lookup_driver(session, date=next_day, vehicle_text="1234", name_text="サトウ")
        assert other_day.status == "not_found"
        await session.execute(update(ScheduleDay).values(is_current=False))
        await session.commit()
        stale = await lookup_driver(session, date=DAY, vehicle_text="1234", name_text="サトウ")
        assert stale.status == "not_found"


async def test_three_failures_hand_the_call_to_a_dispatcher(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _load(sessionmaker)
    call = CallLookup()
    async with sessionmaker() as session:
        first = await call.lookup(session, date=DAY, vehicle_text="9999", name_text="サトウ")
        second = await call.lookup(session, date=DAY, vehicle_text="よろしく", name_text="サトウ")
        assert not first.handoff and not second.handoff and call.failures == 2
        assert (first.attempts_left, second.attempts_left) == (2, 1)
        third = await call.lookup(session, date=DAY, vehicle_text="1234", name_text="ヤマダ")
        assert third.handoff and third.attempts_left == 0
        assert third.to_tool_output()["handoff"] is True and third.to_tool_output()["attempts_left"] == 0
        # Even a correct number and name is refused now: nobody can go on trying numbers.
        later = await call.lookup(session, date=DAY, vehicle_text="1234", name_text="サトウ")
        assert later.handoff and later.driver is None and "driver_name_kana" not in later.to_tool_output()


async def test_after_the_hand_off_the_schedule_is_not_queried(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine,
) -> None:
    await _load(sessionmaker)
    call = CallLookup()
    async with sessionmaker() as session:
        for _ in range(3):
            await call.lookup(session, date=DAY, vehicle_text="9999", name_text="サトウ")
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with sessionmaker() as session:
            later = await call.lookup(session, date=DAY, vehicle_text="1234", name_text="サトウ")
            refused_statements = list(statements)
            fresh = await CallLookup().lookup(session, date=DAY, vehicle_text="1234", name_text="サトウ")
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert later.handoff and refused_statements == []
    assert fresh.status == "matched" and statements  # the listener does see a lookup that runs
    assert call.failures == 3  # a refused lookup is not counted again


async def test_success_does_not_count_and_denied_read_back_does(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _load(sessionmaker)
    call = CallLookup(caller_phone="09033330003")
    async with sessionmaker() as session:
        ok = await call.lookup(session, date=DAY, vehicle_text="1234", name_text="サトウ")
        assert ok.status == "matched" and call.failures == 0 and ok.attempts_left is None
        maybe = await call.lookup(session, date=DAY, vehicle_text="4444", name_text="オノ")
        assert maybe.status == "confirm" and call.failures == 0
    assert call.read_back_denied() is None and call.failures == 1
    assert call.read_back_denied() is None and call.failures == 2
    handoff = call.read_back_denied()
    assert handoff is not None and handoff.handoff and handoff.driver is None and call.handed_off


async def test_tool_output_of_a_real_lookup_holds_only_the_callers_kana(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _load(sessionmaker)
    async with sessionmaker() as session:
        r = await lookup_driver(session, date=DAY, vehicle_text="5678", name_text="オオタ")
        assert len(r.candidates) == 2
        out = r.to_tool_output()
        assert set(out) == {"status", "heard_vehicle_number_kana"}
        assert out["heard_vehicle_number_kana"] == "ゴー ロク ナナ ハチ"
        m = await lookup_driver(session, date=DAY, vehicle_text="1234", name_text="サトウ")
        out = m.to_tool_output()
        assert set(out) == {"status", "driver_name_kana"}
        assert out["driver_name_kana"] == "サトウ ケンイチ" and "斎藤" not in str(out)


async def test_tool_output_holds_no_ascii_digits_or_name_key(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _load(sessionmaker)
    call = CallLookup()
    said = [("いちにのさんご", "サトウ"), ("1234", "サトウ"), ("4444", "オノ"), ("よろしく", "サトウ")]
    allowed = {"status", "driver_name_kana", "heard_vehicle_number_kana", "attempts_left", "handoff"}
    async with sessionmaker() as session:
        for vehicle, name in said:
            out = (await call.lookup(session, date=DAY, vehicle_text=vehicle, name_text=name)).to_tool_output()
            assert set(out) <= allowed, out
            spoken = [v for k, v in out.items() if k.endswith("_kana")]
            assert not any(ch.isascii() and ch.isalnum() for v in spoken for ch in v), out
