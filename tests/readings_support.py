"""A simulated call that asks for the next stop, for the reading-fix tests: the real webhook, media
socket, bridge and tools against the scripted Realtime stand-in, on the test's database.

What the tests check is the `get_next_stop` output the stand-in model received (the
`function_call_output`), which is exactly what a real model would be told to read out."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bridge_support import fast_config
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ivr.config import GuidanceConfig
from ivr.guidance.factory import build_factory
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE, sim_settings, start_service
from ivr.sim.realtime_standin import RealtimeStandin, Reply, ScriptedToolCall
from ivr.sim.scenarios import COMMON_AFTER_TOOL, Scenario, Turn, lookup, play_call
from ivr.sim.twilio_caller import TwilioCaller


def next_stop_call(vehicle: str, name: str, question: str | None = None) -> Scenario:
    """The driver gives the number and name; the model looks them up and asks for the next stop;
    with a `question`, the driver then asks it and the model searches the destination's notes."""
    asks = [Turn(question, ms=900)] if question else []
    searches = [Reply([ScriptedToolCall("search_destination_info", {"question": question})])] if question else []
    return Scenario(
        name="next_stop",
        turns=[Turn(f"{vehicle}、{name}です", ms=900), *asks, Turn("以上です")],
        replies=[lookup(vehicle, name), *searches, Reply([ScriptedToolCall("end_call")])],
        after_tool=dict(COMMON_AFTER_TOOL),
        speech_scale=0.35,
    )


def received_outputs(standin: RealtimeStandin, tool: str) -> list[dict[str, Any]]:
    """The `function_call_output`s the stand-in model received for `tool`, in order."""
    out: list[dict[str, Any]] = []
    for session in standin.sessions:
        names = {i.get("call_id"): i.get("name") for i in session.items.values() if i.get("type") == "function_call"}
        for event in session.of_type("conversation.item.create"):
            item = event.get("item") or {}
            if item.get("type") == "function_call_output" and names.get(item.get("call_id")) == tool:
                out.append(json.loads(item["output"]))
    return out


async def play_next_stop_call(sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine, today: dt.date,
                              vehicle: str = "いちにのさんよん", name: str = "さとう けんいち",
                              question: str | None = None) -> RealtimeStandin:
    """Play one call through the real service; returns the stand-in model with what it received."""
    scenario = next_stop_call(vehicle, name, question)
    standin = await RealtimeStandin(scenario.script).start()
    settings = sim_settings(standin.url)
    factory = build_factory(GuidanceConfig.from_settings(settings), sessionmaker, today=lambda: today)
    running = await start_service(settings, factory, engine=engine, bridge_config=fast_config())
    caller = TwilioCaller(running.url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE)
    try:
        await play_call(caller, scenario, within=15)
    finally:
        await caller.close()
        await running.close()
        await standin.close()
    return standin


async def next_stop_heard(sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine,
                          today: dt.date) -> dict[str, Any]:
    """Play one call and return the `stop` of the one `get_next_stop` output the model received."""
    outputs = received_outputs(await play_next_stop_call(sessionmaker, engine, today), "get_next_stop")
    assert len(outputs) == 1 and outputs[0]["status"] == "found", outputs
    stop: dict[str, Any] = outputs[0]["stop"]
    return stop
