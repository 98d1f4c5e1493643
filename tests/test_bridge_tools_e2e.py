"""Tools run off the audio path: failures and timeouts reach the model as errors, fillers cover waits."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path
from typing import Any

import aiohttp
from bridge_support import METRICS_AUTH, eventually, fast_config, rig

from ivr.conversation import ToolOutcome
from ivr.sim.realtime_standin import Reply, Say, Script, ScriptedToolCall
from ivr.sim.scripted_conversation import ScriptedFactory
from ivr.web.state import STATE


def tool_script(vehicles: itertools.count) -> Script:  # type: ignore[type-arg]
    vehicle = f"{next(vehicles):04d}"
    return Script(
        greeting=Say("ご用件をどうぞ。", ms=300),
        replies=[Reply([ScriptedToolCall("lookup_driver", {"vehicle": vehicle})])],
        after_tool={"lookup_driver": lambda out: Reply([Say("OK" if out.get("ok") else "ERROR", ms=300)])},
        caller_says=["車番です"],
    )


async def lookup(args: dict[str, Any]) -> ToolOutcome:
    if args["vehicle"] == "0000":
        raise RuntimeError("database on fire")
    if args["vehicle"] == "0002":
        await asyncio.sleep(5)
    return ToolOutcome(output={"ok": True, "vehicle": args["vehicle"]})


def outputs(session: Any) -> list[dict[str, Any]]:
    return [json.loads(e["item"]["output"]) for e in session.of_type("conversation.item.create")]


async def test_failing_tool_returns_an_error_and_other_calls_are_unaffected(tmp_path: Path) -> None:
    counter = itertools.count(0)
    factory = ScriptedFactory({"lookup_driver": lookup})
    async with rig(tmp_path, lambda: tool_script(counter), factory=factory) as r:
        first = await r.call()
        await r.standin.wait_sessions(1)
        second = await r.call()
        await r.standin.wait_sessions(2)
        for caller in (first, second):
            await eventually(lambda c=caller: c.playout.bytes_received >= 300 * 8, what="greeting")  # type: ignore[misc]
        await asyncio.gather(first.speak(400), second.speak(400))
        failing, healthy = r.standin.sessions
        await eventually(lambda: outputs(failing) and outputs(healthy), what="tool outputs")
        assert outputs(failing)[0]["ok"] is False
        assert outputs(failing)[0]["error"]["code"] == "tool_failed"
        assert outputs(healthy)[0] == {"ok": True, "vehicle": "0001"}
        # Both calls go on: the model answers each tool output with its own line.
        for caller, said in ((first, "ERROR"), (second, "OK")):
            conv = r.factory.calls[caller.call_sid]
            await eventually(lambda c=conv, w=said: w in c.texts("bot"), what=f"answer {said}")  # type: ignore[misc]
            await eventually(lambda c=caller: c.playout.bytes_received >= 600 * 8, what="answer audio")  # type: ignore[misc]
        assert r.service.app[STATE].metrics.tool_errors.labels("lookup_driver")._value.get() == 1
        await first.hangup()
        await second.hangup()


async def test_slow_tool_gets_a_filler_then_times_out_as_an_error(tmp_path: Path) -> None:
    counter = itertools.count(2)  # vehicle 0002 sleeps 5 s
    factory = ScriptedFactory({"lookup_driver": lookup})
    config = fast_config(tool_timeout=2.0, filler_after=0.5)
    async with rig(tmp_path, lambda: tool_script(counter), factory=factory, config=config) as r:
        caller = await r.call()
        await eventually(lambda: caller.playout.bytes_received >= 300 * 8, what="greeting")
        await caller.speak(400)
        session = r.standin.sessions[0]
        filler = await eventually(
            lambda: [e for e in session.of_type("response.create") if e.get("response", {}).get("metadata")],
            within=3, what="a filler while the tool runs")
        assert filler[0]["response"]["conversation"] == "none"
        await eventually(lambda: outputs(session), within=4, what="timeout output")
        assert outputs(session)[0]["error"]["code"] == "tool_timeout"
        await caller.hangup()


async def test_malformed_frames_are_skipped_and_the_call_goes_on(tmp_path: Path) -> None:
    script = lambda: Script(  # noqa: E731
        greeting=Say("ご用件をどうぞ。", ms=300), replies=[Reply([Say("はい、承知しました。", ms=300)])],
        caller_says=["いちにのさんよん"])
    async with rig(tmp_path, script) as r:
        bystander = await r.call()
        caller = await r.call()
        await eventually(lambda: caller.playout.bytes_received >= 300 * 8, what="greeting")
        for junk in ("not json", "[1,2,3]", '{"event": 5}', '{"event": "media"}', '{"event": "media", "media": 7}',
                     '{"event": "weird"}', '{"event": "mark", "mark": null}', '{"event": "dtmf", "dtmf": {}}'):
            await caller.send_raw(junk)
        assert caller._ws is not None
        await caller._ws.send_bytes(b"\x00\x01binary")
        await caller.speak(400)
        await eventually(lambda: caller.playout.bytes_received >= 600 * 8, what="the call still answers")
        assert r.service.app[STATE].metrics.bad_frames._value.get() >= 7
        # An oversized frame ends only that call; the bystander keeps its stream.
        await bystander.send_raw('{"event": "media", "media": {"payload": "' + "A" * 70_000 + '"}}')
        await bystander.wait_closed()
        await caller.speak(300)
        assert not caller.closed.is_set()
        await caller.hangup()


async def test_health_ready_and_metrics(tmp_path: Path) -> None:
    async with rig(tmp_path, Script) as r, aiohttp.ClientSession() as http:
        assert (await http.get(r.service.url + "/healthz")).status == 200
        ready = await http.get(r.service.url + "/readyz")
        assert ready.status == 200 and (await ready.json())["status"] == "ready"
        text = await (await http.get(r.service.url + "/metrics", headers=METRICS_AUTH)).text()
        assert "ivr_calls_active" in text and "ivr_aizuchi_ignored_total" in text


async def test_readyz_fails_when_the_database_is_unreachable(tmp_path: Path) -> None:
    bad = f"sqlite+aiosqlite:///{tmp_path}/missing/dir/x.db"
    async with rig(tmp_path, Script) as r, aiohttp.ClientSession() as http:
        r.service.app[STATE].engine = __import__("schedules.db", fromlist=["make_engine"]).make_engine(bad)
        assert (await http.get(r.service.url + "/readyz")).status == 503
