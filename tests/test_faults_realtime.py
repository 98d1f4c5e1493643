"""The Realtime connection drops mid-answer, on real sockets with the real conversation and tools.

A new session must resume the same call with what is known (the driver identified, the step
reached), so the driver never repeats the vehicle number; if no session can be opened (refused,
or a server that never answers), the caller is handed to the dispatcher within 3 s.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bridge_support import eventually, fast_config
from guidance_support import DAY, load_days
from records_support import finished_call
from sqlalchemy import select

from ivr.config import GuidanceConfig
from ivr.guidance.factory import build_factory
from ivr.prompts.store import PromptStore
from ivr.records.models import CallEventRecord, CallRecord
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE, RunningService, sim_settings, start_service
from ivr.sim.realtime_standin import RealtimeStandin, Reply, Say, Script, ScriptedToolCall, StandinSession
from ivr.sim.twilio_caller import TwilioCaller
from schedules.search.base import DestinationDoc, DestinationSearch, SearchHit

HANDOVER_S = 3.0  # the bound, from the drop to Twilio's REST update
LOADED_MACHINE_SLACK_S = 0.5  # two cores shared with other test runs: scheduling delay, not design
DRIVER_KANA = "サトウ ケンイチ"
GREETING_MS = 500
CONFIRMED_MS = 300


def first_session() -> Script:
    """Greets, looks the driver up (matched), starts reading the next stop: a long answer."""
    return Script(
        greeting=Say("お電話ありがとうございます。車番とお名前をお願いします。", ms=GREETING_MS),
        replies=[Reply([ScriptedToolCall("lookup_driver", {"vehicle_number": "いちにのさんよん",
                                                           "driver_name": "さとう けんいち"})])],
        after_tool={
            "lookup_driver": Reply([Say("確認できました。", ms=CONFIRMED_MS), ScriptedToolCall("get_next_stop")]),
            "get_next_stop": Reply([Say("次の届け先は、アリアケ ブツリュウ センターです。住所は", ms=8000)]),
        },
        caller_says=["いちにのさんよん、さとうけんいちです"],
    )


def resumed_session() -> Script:
    """After the drop: the resumption, then the caller asks again and the model reads the stop."""
    return Script(
        greeting=Say("失礼しました。続きをお伝えします。", ms=500),
        replies=[Reply([ScriptedToolCall("get_next_stop")])],
        after_tool={"get_next_stop": Reply([Say("次の届け先はアリアケです。", ms=500)])},
        caller_says=["次の届け先をお願いします"],
    )


def per_session(*scripts: Callable[[], Script]) -> Callable[[], Script]:
    made = itertools.count()

    def factory() -> Script:
        return scripts[min(next(made), len(scripts) - 1)]()

    return factory


@asynccontextmanager
async def service(sessionmaker, engine, script: Callable[[], Script],  # type: ignore[no-untyped-def]
                  search: Callable[[DestinationSearch], DestinationSearch] | None = None,
                  ) -> AsyncIterator[tuple[RealtimeStandin, RunningService]]:
    standin = await RealtimeStandin(script).start()
    settings = sim_settings(standin.url)
    config = GuidanceConfig.from_settings(settings)
    wrapped = search(config.search.make(sessionmaker)) if search is not None else None
    factory = build_factory(config, sessionmaker, today=lambda: DAY, search=wrapped)
    running = await start_service(settings, factory, engine=engine, bridge_config=fast_config())
    try:
        yield standin, running
    finally:
        await running.close()
        await standin.close()


def function_calls(session: StandinSession) -> list[str]:
    return [i.get("name", "") for i in session.items.values() if i.get("type") == "function_call"]


def outputs(session: StandinSession, tool: str) -> list[dict[str, Any]]:
    names = {i.get("call_id"): i.get("name") for i in session.items.values() if i.get("type") == "function_call"}
    return [json.loads(e["item"]["output"]) for e in session.of_type("conversation.item.create")
            if e["item"].get("type") == "function_call_output" and names.get(e["item"].get("call_id")) == tool]


async def reading_the_stop(standin: RealtimeStandin, caller: TwilioCaller) -> StandinSession:
    """Dialled, identified, and the bot is reading the next stop (the moment the test drops the socket)."""
    assert (await caller.dial()).status == 200
    await caller.connect()
    await eventually(lambda: caller.playout.bytes_received > 0, within=10, what="the greeting")
    await eventually(lambda: not caller.playout.playing, within=10, what="the greeting played")
    await caller.speak(900)
    (first,) = await standin.wait_sessions(1)
    await eventually(lambda: outputs(first, "get_next_stop"), within=10, what="the next stop looked up")
    # The stand-in sends a reply's audio in one burst: count from the start of the call (greeting,
    # "確認できました", then the stop), and the caller is still hearing the 8 s answer.
    heard_some_of_the_stop = (GREETING_MS + CONFIRMED_MS + 800) * 8
    await eventually(lambda: caller.playout.bytes_received > heard_some_of_the_stop and caller.playout.playing,
                     within=10, what="the answer playing")
    return first


async def test_a_drop_mid_answer_resumes_with_the_driver_identified(sessionmaker, engine, tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    async with service(sessionmaker, engine, per_session(first_session, resumed_session)) as (standin, running):
        caller = TwilioCaller(running.url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE)
        try:
            first = await reading_the_stop(standin, caller)
            assert [o["status"] for o in outputs(first, "lookup_driver")] == ["matched"]
            await standin.drop_all()  # mid-answer

            second = (await standin.wait_sessions(2))[1]
            await eventually(lambda: second.of_type("response.create"), within=5, what="the resumption")
            # The new session is told who the caller is and where the call was, in the prompts' words.
            prompts = PromptStore().snapshot()
            identified = prompts.line("resumed_identified").replace("{driver_name_kana}", DRIVER_KANA)
            instructions = second.of_type("session.update")[0]["session"]["instructions"]
            assert instructions.startswith(prompts.instructions) and identified in instructions
            resumption = second.of_type("response.create")[0]["response"]["instructions"]
            assert resumption.startswith(prompts.line("resumed")) and identified in resumption
            assert prompts.step("next_stop") in resumption  # the step reached: reading the next stop

            # The caller goes on without repeating anything: the stop is read with no second lookup.
            await eventually(lambda: not caller.playout.playing, within=10, what="the resumption played")
            await caller.speak(900)
            await eventually(lambda: outputs(second, "get_next_stop"), within=10, what="the stop again")
            assert [o["status"] for o in outputs(second, "get_next_stop")] == ["found"]
            assert "lookup_driver" not in function_calls(second)
            assert running.twilio_rest.updates == [], "the call went on with the bot"
            await caller.hangup()
        finally:
            await caller.close()
        call, _ = await finished_call(sessionmaker, caller.call_sid)
        assert call.outcome == "served"
        async with sessionmaker() as session:
            calls = (await session.execute(select(CallEventRecord.text).where(
                CallEventRecord.call_id == call.id, CallEventRecord.kind == "tool_call"))).scalars().all()
        assert list(calls).count("lookup_driver") == 1


QUESTION = "駐車場はどこですか"
PARKING_ANSWER = "駐車場は建物の裏手です。"


class HeldSearch:
    """The day's real search, answering only once the test lets it: a slow index (the database
    itself answers, so the tool is left to run: ivr/guidance/stall.py)."""

    def __init__(self, inner: DestinationSearch) -> None:
        self.inner = inner
        self.score_floor = inner.score_floor
        self.asked = asyncio.Event()
        self.release = asyncio.Event()

    async def replace_day(self, depot_id: str, date: dt.date, docs: list[DestinationDoc]) -> None:
        await self.inner.replace_day(depot_id, date, docs)

    async def search(self, *, depot_id: str, date: dt.date, text: str, destination_key: str | None = None,
                     top: int = 3) -> list[SearchHit]:
        self.asked.set()
        await self.release.wait()
        return await self.inner.search(depot_id=depot_id, date=date, text=text, destination_key=destination_key,
                                        top=top)


def asks_about_parking() -> Script:
    """Greets, identifies the driver, and asks the (slow) search a question about the next stop."""
    return Script(
        greeting=Say("お電話ありがとうございます。車番とお名前をお願いします。", ms=GREETING_MS),
        replies=[Reply([ScriptedToolCall("lookup_driver", {"vehicle_number": "いちにのさんよん",
                                                           "driver_name": "さとう けんいち"})])],
        after_tool={"lookup_driver": Reply([Say("確認できました。", ms=CONFIRMED_MS),
                                            ScriptedToolCall("search_destination_info", {"question": QUESTION})])},
        caller_says=["いちにのさんよん、さとうけんいちです。駐車場はどこですか"],
    )


def answers_after_the_drop() -> Script:
    """The new session: the resumption, then the answer from the search output it is given."""
    return Script(
        greeting=Say("失礼しました。", ms=300),
        after_tool={"search_destination_info": Reply([Say(PARKING_ANSWER, ms=600)])},
    )


async def test_a_drop_while_a_tool_runs_gives_its_output_to_the_new_session(
        sessionmaker, engine, tmp_path: Path) -> None:
    """The socket drops while the search is still running; the search answers after the new session
    opened. The new session gets the call and its output (it never saw the call) and answers from
    it: the caller hears the answer without asking again, and nothing is asked twice."""
    await load_days(sessionmaker, tmp_path)
    held: list[HeldSearch] = []

    def hold(inner: DestinationSearch) -> DestinationSearch:
        held.append(HeldSearch(inner))
        return held[0]

    async with service(sessionmaker, engine, per_session(asks_about_parking, answers_after_the_drop),
                       search=hold) as (standin, running):
        caller = TwilioCaller(running.url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE)
        try:
            assert (await caller.dial()).status == 200
            await caller.connect()
            await eventually(lambda: caller.playout.bytes_received > 0, within=10, what="the greeting")
            await eventually(lambda: not caller.playout.playing, within=10, what="the greeting played")
            await caller.speak(900)
            (first,) = await standin.wait_sessions(1)
            (search,) = held
            await asyncio.wait_for(search.asked.wait(), 10)
            await standin.drop_all()  # the search is still running
            second = (await standin.wait_sessions(2))[1]
            await eventually(lambda: second.of_type("session.update"), within=5, what="the new session")
            # No answer starts while a tool runs (the model would answer without it): the resumption waits.
            assert second.of_type("response.create") == []
            search.release.set()

            await eventually(lambda: outputs(second, "search_destination_info"), within=10,
                             what="the search's output in the new session")
            assert function_calls(second) == ["search_destination_info"]
            (carried,) = outputs(second, "search_destination_info")
            assert outputs(first, "search_destination_info") == []
            await eventually(lambda: second.of_type("response.create"), within=10, what="a response to the output")
            await eventually(lambda: not caller.playout.playing, within=10, what="the answer played")
            assert running.twilio_rest.updates == [], "the call went on with the bot"
            await caller.hangup()
        finally:
            search.release.set()
            await caller.close()

    async with sessionmaker() as session:
        call = (await session.execute(select(CallRecord).where(CallRecord.call_sid == caller.call_sid))).scalar()
        assert call is not None
        events = (await session.execute(select(CallEventRecord).where(CallEventRecord.call_id == call.id)
                                        .order_by(CallEventRecord.seq))).scalars().all()
    results = [e.data for e in events if e.kind == "tool_result" and e.text == "search_destination_info"]
    assert [r["output"] for r in results] == [carried], "the new session got what the tool answered"
    said = [e.text for e in events if e.kind == "bot"]
    assert PARKING_ANSWER in said, said
    assert [e.text for e in events if e.kind == "tool_call"].count("search_destination_info") == 1
    assert sum(1 for e in events if e.kind == "caller") == 1, "the caller asked once"


async def _no_session_handed_over(sessionmaker, engine, tmp_path: Path, *, stall: bool) -> float:  # type: ignore[no-untyped-def]
    await load_days(sessionmaker, tmp_path)
    async with service(sessionmaker, engine, first_session) as (standin, running):
        caller = TwilioCaller(running.url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE)
        try:
            await reading_the_stop(standin, caller)
            standin.stall_new = stall
            standin.refuse_new = not stall
            dropped = time.monotonic()
            await standin.drop_all()
            await eventually(lambda: running.twilio_rest.updates, within=10, what="the hand-over")
            update = running.twilio_rest.updates[0]
            assert update.call_sid == caller.call_sid and "<Dial>" in update.form["Twiml"]
            await caller.wait_closed(10)
            assert len(standin.sessions) == 1 and standin.connections_attempted == 2
            return update.at - dropped
        finally:
            await caller.close()


async def test_no_new_session_refused_hands_over_within_3_s(sessionmaker, engine, tmp_path: Path) -> None:
    elapsed = await _no_session_handed_over(sessionmaker, engine, tmp_path, stall=False)
    print(f"drop -> Twilio REST update (refused): {elapsed:.2f} s")
    assert elapsed <= HANDOVER_S + LOADED_MACHINE_SLACK_S


async def test_no_new_session_from_a_hung_server_hands_over_within_3_s(sessionmaker, engine, tmp_path: Path) -> None:
    elapsed = await _no_session_handed_over(sessionmaker, engine, tmp_path, stall=True)
    print(f"drop -> Twilio REST update (server never answers): {elapsed:.2f} s")
    assert elapsed <= HANDOVER_S + LOADED_MACHINE_SLACK_S
