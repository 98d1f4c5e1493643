"""Regression tests from a review of the bridge against the real protocols: each names a way a live
deployment broke (or would have) and asserts it no longer does."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from bridge_support import METRICS_AUTH, eventually, rig

from ivr.conversation import CallContext, ToolOutcome
from ivr.sim.realtime_standin import Reply, Say, Script, ScriptedToolCall, session_problem
from ivr.sim.scripted_conversation import ScriptedConversation, ScriptedFactory
from ivr.sim.twilio_caller import outbound_problem
from ivr.web.state import STATE


def bridge_tasks() -> list[asyncio.Task[Any]]:
    """Tasks still running code of the bridge or the media socket."""
    out = []
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        if code is not None and ("/ivr/bridge/" in code.co_filename or "/ivr/web/" in code.co_filename):
            out.append(task)
    return out


def short_script(**kw: Any) -> Script:
    kw.setdefault("greeting", Say("ご用件をどうぞ。", ms=300))
    return Script(**kw)


async def test_a_stream_refused_at_start_closes_the_realtime_socket_it_opened(tmp_path: Path) -> None:
    """A replayed `start` passes the HMAC, so its Realtime session opens while the token is spent;
    the spend fails (the call's token is already used) and that session must close again."""
    async with rig(tmp_path, short_script) as r:
        first = await r.call()
        await eventually(lambda: first.playout.bytes_received > 0, what="greeting")
        replay = r.caller(call_sid=first.call_sid)
        replay.parameters = dict(first.parameters)
        await replay.connect()
        await replay.wait_closed()
        await asyncio.sleep(0.3)  # a session the replay opened has had time to show up at the stand-in
        await eventually(lambda: all(s.closed.is_set() for s in r.standin.sessions[1:]),
                         what="the Realtime socket of a refused stream closed")
        assert all(s.received == [] for s in r.standin.sessions[1:])  # and nothing was configured on it
        await first.hangup()
        await eventually(lambda: not r.service.app[STATE].bridges, what="bridge released")
        await eventually(lambda: not bridge_tasks(), what="no bridge task left")


async def test_stop_before_start_and_a_duplicate_start_leave_nothing_open(tmp_path: Path) -> None:
    async with rig(tmp_path, short_script) as r:
        early = r.caller()
        assert (await early.dial()).status == 200
        await early.open_socket()
        await early.send(early.stop_event())  # Twilio's `stop` before any `start`
        await early.wait_closed()
        assert r.standin.connections_attempted == 0  # no token, no Realtime session

        twice = await r.call()
        await eventually(lambda: twice.playout.bytes_received >= 300 * 8, what="greeting")
        await twice.send(twice.start_event())  # a second `start` is ignored, not a second session
        await twice.speak(200)
        assert len(r.standin.sessions) == 1 and not twice.closed.is_set()
        await twice.hangup()
        await eventually(lambda: all(s.closed.is_set() for s in r.standin.sessions), what="all Realtime closed")
        await eventually(lambda: not bridge_tasks(), what="no bridge task left")


async def test_a_refused_response_create_does_not_leave_the_bot_mute(tmp_path: Path) -> None:
    script = lambda: short_script(reject_creates=1, replies=[Reply([Say("承知しました。", ms=300)])],  # noqa: E731
                                  caller_says=["いちにのさんよん"])
    async with rig(tmp_path, script) as r:
        caller = await r.call()
        session = (await r.standin.wait_sessions(1))[0]
        # The greeting's response.create was refused with an `error` naming its event_id...
        await eventually(lambda: session.errors_sent, what="the refusal")
        refused = session.errors_sent[0]["event_id"]
        assert refused and refused == session.of_type("response.create")[0]["event_id"]
        # ...so the bridge asked once more and the greeting plays, and later turns still get answers.
        await eventually(lambda: caller.playout.bytes_received >= 300 * 8, what="greeting after a refusal")
        await eventually(lambda: not caller.playout.playing and not caller.playout.marks, what="greeting played")
        await caller.speak(400)
        await eventually(lambda: caller.playout.bytes_received >= 600 * 8, what="the answer")
        assert len(session.errors_sent) == 1
        await caller.hangup()


async def test_malformed_realtime_events_are_skipped_and_the_call_goes_on(tmp_path: Path) -> None:
    script = lambda: short_script(replies=[Reply([Say("承知しました。", ms=300)])],  # noqa: E731
                                  caller_says=["いちにのさんよん"])
    async with rig(tmp_path, script) as r:
        caller = await r.call()
        session = (await r.standin.wait_sessions(1))[0]
        await eventually(lambda: caller.playout.bytes_received >= 300 * 8, what="greeting")
        for junk in ({"type": "response.created", "response": "oops"},
                     {"type": "response.output_audio.delta", "response_id": "r", "item_id": "i",
                      "content_index": "zero", "delta": "AAAA"},
                     {"type": "error", "error": "not an object"},
                     {"type": "conversation.item.input_audio_transcription.completed", "transcript": None},
                     {"type": "some.future.event", "payload": [1, 2]}):
            await session.send(junk)
        await eventually(lambda: not caller.playout.playing and not caller.playout.marks, what="greeting played")
        before = caller.playout.bytes_received
        await caller.speak(400)
        await eventually(lambda: caller.playout.bytes_received >= before + 300 * 8, what="the call still answers")
        await caller.hangup()


async def test_a_tool_call_of_a_response_the_caller_cut_off_is_not_run(tmp_path: Path) -> None:
    ran: list[str] = []

    async def end_call(args: dict[str, Any]) -> ToolOutcome:
        ran.append("end_call")
        return ToolOutcome(output={"status": "ending"}, action="hangup", reason="done")

    script = lambda: short_script(  # noqa: E731
        replies=[Reply([Say("それでは失礼します。", ms=200), ScriptedToolCall("end_call", {}, ms=3000)]),
                 Reply([Say("はい、どうぞ。", ms=300)])],
        caller_says=["ありがとう", "ちょっと待って、もう一つ"])
    async with rig(tmp_path, script, factory=ScriptedFactory({"end_call": end_call})) as r:
        caller = await r.call()
        session = (await r.standin.wait_sessions(1))[0]
        await eventually(lambda: not caller.playout.playing and caller.playout.bytes_received, what="greeting")
        await caller.speak(300)
        await eventually(lambda: session.of_type("response.create")[1:] and not caller.playout.playing
                         and caller.playout.bytes_received >= 500 * 8, what="goodbye played, call streaming")
        await caller.speak(500)  # meaningful speech while the model is still writing end_call's arguments
        await eventually(lambda: "response.cancel" in session.types(), what="the response cancelled")
        outputs = await eventually(lambda: [json.loads(e["item"]["output"])
                                            for e in session.of_type("conversation.item.create")],
                                   what="the model told the call was not run")
        assert outputs == [{"status": "not_run", "reason": "caller_interrupted"}]
        await caller.silence(600)
        assert ran == [] and not caller.closed.is_set()
        assert r.service.twilio_rest.updates == []
        await caller.hangup()


async def test_a_tool_name_the_model_invents_is_not_a_metrics_label(tmp_path: Path) -> None:
    script = lambda: short_script(  # noqa: E731
        replies=[Reply([ScriptedToolCall("090-1234-5678 佐藤", {})])],
        after_tool={"090-1234-5678 佐藤": Reply([Say("失礼しました。", ms=200)])},
        caller_says=["いちにのさんよん"])
    async with rig(tmp_path, script, factory=ScriptedFactory({"lookup_driver": ToolOutcome(output={})})) as r:
        caller = await r.call()
        await eventually(lambda: not caller.playout.playing and caller.playout.bytes_received, what="greeting")
        await caller.speak(400)
        session = r.standin.sessions[0]
        out = await eventually(lambda: session.of_type("conversation.item.create"), what="the tool's answer")
        assert json.loads(out[0]["item"]["output"])["error"]["code"] == "unknown_tool"
        resp = await (await caller._client()).get(r.service.url + "/metrics", headers=METRICS_AUTH)
        body = await resp.text()
        assert "1234-5678" not in body and "佐藤" not in body
        assert 'ivr_tool_seconds_count{tool="unknown"} 1.0' in body
        await caller.hangup()


async def test_what_the_bridge_sends_is_what_twilio_and_the_realtime_api_accept(tmp_path: Path) -> None:
    script = lambda: Script(  # noqa: E731
        greeting=Say("お電話ありがとうございます。", ms=400),
        replies=[Reply([Say("次の届け先は……", ms=3000)]), Reply([Say("どうぞ。", ms=300)])],
        caller_says=["いちにのさんよん", "いいえ違います"], pace=0.09)
    async with rig(tmp_path, script) as r:
        caller = await r.call()
        session = (await r.standin.wait_sessions(1))[0]
        await eventually(lambda: not caller.playout.playing and caller.playout.bytes_received, what="greeting")
        await caller.speak(400)
        await eventually(lambda: caller.playout.bytes_received >= 1200 * 8, what="the long answer")
        await caller.speak(500)  # cut it off: clear, cancel, truncate
        truncate = await eventually(lambda: session.of_type("conversation.item.truncate"), what="truncate")
        assert set(truncate[0]) >= {"item_id", "content_index", "audio_end_ms"}
        await eventually(lambda: session.types().count("response.create") == 3, what="the answer")
        await caller.hangup()
        assert session.errors_sent == [], session.errors_sent
        assert caller.protocol_errors == [], caller.protocol_errors
        assert caller.playout.clears == 1 and caller.playout.played_marks


def test_the_standin_refuses_beta_session_shapes_the_real_api_refuses() -> None:
    good = {"type": "realtime", "output_modalities": ["audio"],
            "audio": {"input": {"format": {"type": "audio/pcmu"},
                                "turn_detection": {"type": "server_vad", "threshold": 0.85,
                                                   "create_response": False, "interrupt_response": False}},
                      "output": {"format": {"type": "audio/pcmu"}, "voice": "marin"}}}
    assert session_problem(good) is None
    assert session_problem({**good, "type": None}) is not None
    assert session_problem({**good, "modalities": ["audio"]}) is not None
    assert session_problem({**good, "input_audio_format": "g711_ulaw"}) is not None
    assert session_problem({**good, "audio": {"input": {"format": {"type": "g711_ulaw"}}}}) is not None
    vad = {"input": {"turn_detection": {"type": "server_vad", "eagerness": "low"}}}
    assert session_problem({**good, "audio": vad}) is not None


def test_the_twilio_caller_refuses_frames_twilio_refuses() -> None:
    assert outbound_problem({"event": "media", "streamSid": "MZ1", "media": {"payload": "AAAA"}}, "MZ1") is None
    assert outbound_problem({"event": "media", "streamSid": "", "media": {"payload": "AAAA"}}, "MZ1") is not None
    assert outbound_problem({"event": "media", "streamSid": "MZ1", "media": {"payload": "@@"}}, "MZ1") is not None
    assert outbound_problem({"event": "mark", "streamSid": "MZ1", "mark": {}}, "MZ1") is not None
    assert outbound_problem({"event": "stop", "streamSid": "MZ1"}, "MZ1") is not None


async def _metrics_text(r: Any, caller: Any) -> str:
    resp = await (await caller._client()).get(r.service.url + "/metrics", headers=METRICS_AUTH)
    return str(await resp.text())


async def _assert_handed_to_dispatcher(r: Any, caller: Any, session: Any) -> None:
    """The caller is not left in silence: a `<Dial>` to the dispatcher with the transfer line, the call
    recorded as transferred with a fixed reason, the Realtime socket closed and no bridge task left."""
    update = (await eventually(lambda: r.service.twilio_rest.updates, what="the transfer"))[0]
    assert update.call_sid == caller.call_sid
    assert ">+81312345678</Number></Dial>" in update.form["Twiml"]
    assert "配車係におつなぎします" in update.form["Twiml"]  # no bot spoke: Twilio says the line
    conv = r.factory.calls[caller.call_sid]
    await eventually(lambda: conv.finished.is_set(), what="call finished")
    assert conv.outcome == "transferred"
    assert conv.texts("transfer") == ["realtime_session_failed"]
    await eventually(lambda: session.closed.is_set(), what="the Realtime socket closed")
    await caller.wait_closed()
    await eventually(lambda: not r.service.app[STATE].bridges, what="bridge released")
    await eventually(lambda: not bridge_tasks(), what="no bridge task left")
    assert 'ivr_transfers_total{reason="realtime_session_failed"} 1.0' in await _metrics_text(r, caller)
    assert len(r.service.twilio_rest.updates) == 1 and len(r.standin.sessions) == 1


async def test_a_refused_session_update_hands_the_caller_to_a_dispatcher(tmp_path: Path) -> None:
    async with rig(tmp_path, lambda: short_script(reject_session_updates=1)) as r:
        caller = await r.call()
        session = (await r.standin.wait_sessions(1))[0]
        await _assert_handed_to_dispatcher(r, caller, session)
        refused = session.errors_sent[0]["event_id"]
        assert refused and refused == session.of_type("session.update")[0]["event_id"]
        # The refusal came before anything the default (pcm16) session would say: the caller heard none of it.
        assert caller.playout.bytes_received == 0


class _UnsendableToolsConversation(ScriptedConversation):
    def tools(self) -> list[dict[str, Any]]:
        return [{"type": "function", "name": "lookup_driver", "parameters": {"type": "object", "maximum": Decimal(9)}}]


class _UnsendableToolsFactory(ScriptedFactory):
    async def __call__(self, ctx: CallContext) -> ScriptedConversation:
        conv = _UnsendableToolsConversation(ctx, self.tools, self.caller_rule)
        self.calls[ctx.call_sid] = conv
        return conv


async def test_a_session_update_that_cannot_be_sent_hands_the_caller_to_a_dispatcher(tmp_path: Path) -> None:
    # A tool schema JSON cannot carry: the link's send fails with an encoding error, not a drop.
    async with rig(tmp_path, short_script, factory=_UnsendableToolsFactory()) as r:
        caller = await r.call()
        session = (await r.standin.wait_sessions(1))[0]
        await _assert_handed_to_dispatcher(r, caller, session)
        assert session.received == []
