"""The bridge's ordering rules without sockets: fake Twilio and Realtime links and a fake clock.

The test plays the model (server events pushed into the link) and Twilio (mark echoes), and moves
time by hand, so each timeline is exact and nothing waits. The end-to-end tests check the same
behaviour on the real protocols through the stand-ins.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from fakes import FakeCallControl, FakeClock, FakeRealtime, FakeRealtimeLink, FakeTwilio, audio, settle

from ivr.bridge.call import BridgeConfig, CallBridge
from ivr.bridge.metrics import BridgeMetrics
from ivr.conversation import CallContext, CallerDirective, ToolOutcome
from ivr.guidance.person_request import asks_for_person
from ivr.prompts.store import DEFAULT_PROMPTS
from ivr.sim.scripted_conversation import ScriptedConversation, ScriptedFactory, ToolImpl
from ivr.turn.machine import TurnConfig
from ivr.turn.vad_presets import PRESETS

SID = "CAfake0001"
PROMPTS = DEFAULT_PROMPTS.snapshot()
END_CALL: dict[str, ToolImpl] = {"end_call": ToolOutcome(output={"status": "ending"}, action="hangup", reason="done")}


def person_rule(text: str) -> CallerDirective | None:
    return CallerDirective("transfer", "caller_asked_for_person") if asks_for_person(text) else None


@dataclass
class Rig:
    bridge: CallBridge
    clock: FakeClock
    realtime: FakeRealtime
    twilio: FakeTwilio
    control: FakeCallControl
    factory: ScriptedFactory
    echoed: set[str] = field(default_factory=set)

    @property
    def link(self) -> FakeRealtimeLink:
        return self.realtime.links[-1]

    @property
    def conv(self) -> ScriptedConversation:
        return self.factory.calls[SID]

    async def response(self, rid: str, item: str | None = None, chunks_ms: tuple[int, ...] = (),
                       *, calls: tuple[tuple[str, str], ...] = (), done: bool = True) -> None:
        """The model's response `rid`: created, its audio item in chunks, its function calls, done."""
        events: list[dict[str, Any]] = [{"type": "response.created", "response": {"id": rid}}]
        if item is not None:
            events.append({"type": "response.output_item.added", "response_id": rid, "item": {"id": item}})
            events += [{"type": "response.output_audio.delta", "response_id": rid, "item_id": item,
                        "content_index": 0, "delta": audio(ms)} for ms in chunks_ms]
        events += [{"type": "response.function_call_arguments.done", "response_id": rid, "call_id": f"{rid}-{name}",
                    "name": name, "arguments": args} for name, args in calls]
        if done:
            if item is not None:
                events.append({"type": "response.output_audio.done", "response_id": rid, "item_id": item})
            events.append({"type": "response.done", "response": {"id": rid}})
        await self.link.push(*events)

    async def play(self, marks: int | None = None) -> None:
        """Twilio plays the next `marks` chunks (all that are queued, by default) and echoes them."""
        queued = [m for m in self.twilio.marks() if m not in self.echoed]
        for name in queued[:marks]:
            self.echoed.add(name)
            self.bridge.on_mark(name)
        await settle()

    async def caller_says(self, item: str, text: str, ms: int = 400) -> None:
        await self.link.push({"type": "input_audio_buffer.speech_started", "item_id": item})
        await self.clock.advance(ms)
        await self.link.push({"type": "input_audio_buffer.speech_stopped", "item_id": item},
                             {"type": "input_audio_buffer.committed", "item_id": item})
        await self.clock.advance(200)
        await self.link.push({"type": "conversation.item.input_audio_transcription.completed", "item_id": item,
                              "transcript": text})

    def creates(self) -> list[dict[str, Any]]:
        return self.link.of_type("response.create")


async def start(tools: dict[str, ToolImpl] | None = None, caller_rule: Any = None, **config: Any) -> Rig:
    clock = FakeClock()
    realtime, twilio = FakeRealtime(), FakeTwilio()
    control = FakeCallControl(clock)
    factory = ScriptedFactory(tools, caller_rule)
    turn = TurnConfig(mode="barge_in", speak_delay_ms=0, response_cooldown_ms=300)
    bridge = CallBridge(twilio=twilio, connector=realtime, factory=factory,
                        config=BridgeConfig(preset=PRESETS["standard"], turn=turn, **config),
                        call_control=control, metrics=BridgeMetrics(), clock=clock)
    bridge.begin()
    await settle()
    await bridge.on_start(CallContext(call_sid=SID, stream_sid="MZfake"))
    await settle()
    return Rig(bridge, clock, realtime, twilio, control, factory)


async def greeted(rig: Rig) -> None:
    """The greeting is said and has played out; the caller has the floor."""
    await rig.response("r0", "g0", (200, 200))
    await rig.play()
    await rig.clock.advance(400)


async def test_the_session_is_configured_before_the_greeting_is_asked_for() -> None:
    rig = await start()
    assert rig.link.types() == ["session.update", "response.create"]
    assert rig.creates()[0]["response"]["instructions"].endswith(rig.conv.greeting())
    await greeted(rig)
    assert not rig.bridge.voice.speaking and rig.twilio.audio_bytes() == 400 * 8
    await rig.bridge.close("test")


async def test_a_response_cut_off_before_it_was_created_is_cancelled_and_never_heard() -> None:
    rig = await start(tools={"lookup": ToolOutcome(output={"status": "found"})})
    await greeted(rig)
    # The model answers with a tool call; the tool's answer asks for the next response while the
    # first one's audio is still playing.
    await rig.response("r1", "a1", (300,), calls=(("lookup", "{}"),))
    assert len(rig.creates()) == 2 and rig.bridge.voice.speaking
    media_before = rig.twilio.events().count("media")

    await rig.caller_says("u1", "いいえ、違います")  # before `response.created` of the new answer
    assert rig.link.of_type("response.cancel") == [{"type": "response.cancel"}]
    assert rig.twilio.events()[-1] == "clear"

    await rig.response("r2", "a2", (400,), done=False)
    assert rig.link.of_type("response.cancel")[-1] == {"type": "response.cancel", "response_id": "r2"}
    assert rig.twilio.events().count("media") == media_before, "the cancelled answer was heard"
    assert [c.get("response", {}).get("conversation") for c in rig.creates()] == [None, None]
    await rig.link.push({"type": "response.done", "response": {"id": "r2"}})
    # Only now is the caller's own turn answered.
    assert len(rig.creates()) == 3
    await rig.bridge.close("test")


async def test_an_interruption_truncates_at_what_the_caller_heard() -> None:
    rig = await start()
    await greeted(rig)
    await rig.response("r1", "a1", (100, 100, 100), done=False)
    await rig.play(marks=2)  # 200 ms heard, 100 ms still queued at Twilio
    await rig.caller_says("u1", "ちょっと待って")
    truncate = rig.link.of_type("conversation.item.truncate")
    assert truncate == [{"type": "conversation.item.truncate", "item_id": "a1", "content_index": 0,
                         "audio_end_ms": 200}]
    types = rig.link.types()
    assert types.index("response.cancel") < types.index("conversation.item.truncate")
    assert rig.twilio.events().count("clear") == 1
    assert [d["heard_ms"] for k, _, d in rig.conv.events if k == "interruption"] == [200]
    await rig.play()  # Twilio echoes the cleared mark: that audio was never heard
    assert rig.bridge.playback.played_ms("a1") == 200
    await rig.bridge.close("test")


async def test_an_interruption_before_anything_was_heard_deletes_the_item() -> None:
    rig = await start()
    await greeted(rig)
    await rig.response("r1", "a1", (300,), done=False)
    await rig.caller_says("u1", "もしもし")
    assert rig.link.of_type("conversation.item.delete")[0] == {"type": "conversation.item.delete", "item_id": "a1"}
    assert rig.link.of_type("conversation.item.truncate") == []
    await rig.bridge.close("test")


async def test_a_aizuchi_over_the_bot_is_dropped_and_the_bot_plays_on() -> None:
    rig = await start()
    await greeted(rig)
    await rig.response("r1", "a1", (500,), done=False)
    await rig.caller_says("u1", "はい")
    assert rig.link.of_type("conversation.item.delete") == [{"type": "conversation.item.delete", "item_id": "u1"}]
    assert "clear" not in rig.twilio.events() and rig.link.of_type("response.cancel") == []
    assert rig.conv.texts("aizuchi_ignored") == ["はい"]
    await rig.bridge.close("test")


async def test_transfer_outranks_a_hang_up_asked_for_in_the_same_response() -> None:
    tools: dict[str, ToolImpl] = {
        **END_CALL,
        "transfer_to_dispatcher": ToolOutcome(output={"status": "transferring"}, action="transfer",
                                              reason="caller_request"),
    }
    rig = await start(tools=tools)
    await greeted(rig)
    await rig.response("r1", calls=(("end_call", "{}"), ("transfer_to_dispatcher", "{}")))
    await rig.response("r2", "a2", (300,))  # the model's answer to the tools: the transfer line
    assert rig.control.transfers == [] and rig.control.hangups == []  # it is still playing
    await rig.play()
    assert [(sid, reason, announce) for sid, reason, announce, _ in rig.control.transfers] == [
        (SID, "caller_request", False)]  # the bot said the line: Twilio does not say it again
    assert rig.control.hangups == []
    await rig.bridge.wait_closed()
    assert rig.conv.outcome == "transferred" and rig.conv.texts("transfer") == ["caller_request"]


async def test_asking_for_a_person_during_the_goodbye_transfers_instead_of_hanging_up() -> None:
    rig = await start(tools=END_CALL, caller_rule=person_rule)
    await greeted(rig)
    await rig.response("r1", calls=(("end_call", "{}"),))
    await rig.response("r2", "bye", (800,))
    await rig.caller_says("u1", "あ、オペレーターお願いします")
    await rig.play()
    await settle()
    assert [t[1] for t in rig.control.transfers] == ["caller_asked_for_person"] and rig.control.hangups == []
    await rig.bridge.wait_closed()
    assert rig.conv.outcome == "transferred"


async def test_the_hang_up_waits_for_the_goodbye_to_play_out() -> None:
    rig = await start(tools=END_CALL)
    await greeted(rig)
    await rig.response("r1", calls=(("end_call", "{}"),))
    await rig.response("r2", "bye", (400, 400))
    await rig.clock.advance(5000)
    await rig.play(marks=1)
    assert rig.control.hangups == []
    await rig.clock.advance(400)
    await rig.play()
    assert [sid for sid, _ in rig.control.hangups] == [SID]
    assert rig.control.hangups[0][1] == rig.clock.now()  # at the last mark's echo, not later
    await rig.bridge.wait_closed()
    assert rig.twilio.closed and rig.link.closed


async def test_a_goodbye_that_never_finishes_playing_hangs_up_at_the_grace_deadline() -> None:
    rig = await start(tools=END_CALL, action_grace=20.0)
    await greeted(rig)
    await rig.response("r1", calls=(("end_call", "{}"),))
    asked_at = rig.clock.now()
    await rig.response("r2", "bye", (400,))
    await rig.clock.advance(19_900)  # Twilio never echoes the goodbye's mark
    assert rig.control.hangups == []
    await rig.clock.advance(200)
    assert [sid for sid, _ in rig.control.hangups] == [SID]
    assert rig.control.hangups[0][1] - asked_at == 20.0


async def test_fillers_play_only_while_a_tool_runs_after_quiet_and_not_too_often() -> None:
    release = asyncio.Event()

    async def slow(args: dict[str, Any]) -> ToolOutcome:
        await release.wait()
        return ToolOutcome(output={"status": "found"})

    rig = await start(tools={"slow": slow}, filler_after=1.2, filler_every=5.0)
    await greeted(rig)
    await rig.response("r1", calls=(("slow", "{}"),))  # no audio: the bot falls quiet at once

    def fillers() -> list[dict[str, Any]]:
        return [c for c in rig.creates() if c.get("response", {}).get("conversation") == "none"]

    await rig.clock.advance(1100)
    assert fillers() == []
    await rig.clock.advance(200)
    assert len(fillers()) == 1
    assert fillers()[0]["response"]["instructions"] == PROMPTS.line("filler")
    assert fillers()[0]["response"]["metadata"] == {"purpose": "filler"}
    await rig.clock.advance(500)
    assert len(fillers()) == 1, "no filler while the first one is still on its way"
    await rig.link.push({"type": "response.created", "response": {"id": "f1", "metadata": {"purpose": "filler"}}},
                        {"type": "response.output_item.added", "response_id": "f1", "item": {"id": "fi1"}},
                        {"type": "response.output_audio.delta", "response_id": "f1", "item_id": "fi1",
                         "delta": audio(600)},
                        {"type": "response.output_audio_transcript.done", "response_id": "f1",
                         "transcript": "少々お待ちください"},
                        {"type": "response.done", "response": {"id": "f1"}})
    await rig.play()
    await rig.clock.advance(3000)  # quiet long enough again, but the last filler was under 5 s ago
    assert len(fillers()) == 1
    await rig.clock.advance(1500)
    assert len(fillers()) == 2
    assert rig.conv.texts("bot") == [], "a filler is not part of the conversation's record"

    release.set()
    await settle()
    output = rig.link.of_type("conversation.item.create")[-1]["item"]
    assert output["call_id"] == "r1-slow" and json.loads(output["output"]) == {"status": "found"}
    assert rig.creates()[-1] == fillers()[-1], "the answer waits for the filler on its way"
    await rig.link.push({"type": "response.created", "response": {"id": "f2", "metadata": {"purpose": "filler"}}},
                        {"type": "response.done", "response": {"id": "f2"}})
    assert "conversation" not in rig.creates()[-1].get("response", {})  # now the answer to the tool
    await rig.clock.advance(10_000)
    assert len(fillers()) == 2, "no filler once no tool runs"
    await rig.bridge.close("test")


async def test_no_filler_before_the_bot_has_spoken() -> None:
    release = asyncio.Event()

    async def slow(args: dict[str, Any]) -> ToolOutcome:
        await release.wait()
        return ToolOutcome(output={})

    rig = await start(tools={"slow": slow}, filler_after=0.5)
    # The model calls a tool in its very first response, which has no audio: the bot never spoke.
    await rig.link.push({"type": "response.created", "response": {"id": "r0"}},
                        {"type": "response.function_call_arguments.done", "response_id": "r0", "call_id": "c1",
                         "name": "slow", "arguments": "{}"},
                        {"type": "response.done", "response": {"id": "r0"}})
    await rig.clock.advance(300)
    assert [c for c in rig.creates() if c.get("response", {}).get("conversation") == "none"] == []
    release.set()
    await rig.bridge.close("test")


async def test_a_tool_call_in_a_cancelled_response_is_not_run() -> None:
    rig = await start(tools=END_CALL)
    await greeted(rig)
    await rig.response("r1", "a1", (500,), done=False)
    await rig.caller_says("u1", "ちょっと待って")
    await rig.response("r1", calls=(("end_call", "{}"),))
    assert rig.conv.tool_calls == []
    skipped = rig.link.of_type("conversation.item.create")[-1]["item"]
    assert json.loads(skipped["output"]) == {"status": "not_run", "reason": "caller_interrupted"}
    await rig.play()
    await rig.clock.advance(30_000)
    assert rig.control.hangups == []
    await rig.bridge.close("test")


async def test_a_dropped_session_resumes_with_the_prompts_line_and_no_session_hands_over() -> None:
    rig = await start(max_connects=2)
    await greeted(rig)
    await rig.link.drop()
    assert len(rig.realtime.links) == 2
    second = rig.link
    assert second.types() == ["session.update", "response.create"]
    assert second.of_type("response.create")[0]["response"]["instructions"] == PROMPTS.line("resumed")
    await second.drop()  # no third socket in this call: the dispatcher takes over, Twilio says the line
    assert [(r, a) for _, r, a, _ in rig.control.transfers] == [("realtime_unavailable", True)]
    await rig.bridge.wait_closed()
    assert rig.conv.outcome == "transferred"


async def test_a_refused_session_update_hands_over() -> None:
    rig = await start()
    event_id = rig.link.of_type("session.update")[0]["event_id"]
    await rig.link.push({"type": "error", "error": {"type": "invalid_request_error", "event_id": event_id}})
    assert [r for _, r, _, _ in rig.control.transfers] == ["realtime_session_failed"]
    await rig.bridge.wait_closed()
    assert len(rig.realtime.links) == 1


async def test_a_tool_that_raises_gets_the_conversations_stand_in_answer() -> None:
    async def broken(args: dict[str, Any]) -> ToolOutcome:
        raise RuntimeError("boom")

    rig = await start(tools={"broken": broken})
    await greeted(rig)
    await rig.response("r1", calls=(("broken", "{}"),))
    output = json.loads(rig.link.of_type("conversation.item.create")[-1]["item"]["output"])
    assert output["ok"] is False and output["error"]["code"] == "tool_failed"
    assert output["instruction"] == PROMPTS.step("tool_unavailable")
    assert rig.control.transfers == []
    await rig.bridge.close("test")


async def test_a_tool_answering_after_a_drop_gives_the_new_session_the_call_and_its_output() -> None:
    """The session that asked is gone; the one now serving the call never saw the call: it gets the
    call and the output as a pair of items, and the answer is asked for once the tool is done."""
    release = asyncio.Event()

    async def slow(args: dict[str, Any]) -> ToolOutcome:
        await release.wait()
        return ToolOutcome(output={"status": "found", "stop": "アリアケ"})

    rig = await start(tools={"slow": slow}, max_connects=2)
    await greeted(rig)
    await rig.response("r1", calls=(("slow", '{"q": 1}'),))
    first = rig.link
    await first.drop()
    second = rig.link
    assert second is not first and second.types() == ["session.update"], "no answer while the tool runs"
    release.set()
    await settle()
    assert first.of_type("conversation.item.create") == []
    call, output = (e["item"] for e in second.of_type("conversation.item.create"))
    assert call == {"type": "function_call", "call_id": "r1-slow", "name": "slow", "arguments": '{"q": 1}'}
    assert output["type"] == "function_call_output" and output["call_id"] == "r1-slow"
    assert json.loads(output["output"]) == {"status": "found", "stop": "アリアケ"}
    assert second.types()[-1] == "response.create", "the model answers from it"
    await rig.bridge.close("test")


async def test_a_tool_answering_between_sessions_reaches_the_next_one_as_it_opens() -> None:
    release = asyncio.Event()

    async def slow(args: dict[str, Any]) -> ToolOutcome:
        await release.wait()
        return ToolOutcome(output={"status": "found"})

    rig = await start(tools={"slow": slow}, max_connects=2)
    await greeted(rig)
    await rig.response("r1", calls=(("slow", "{}"),))
    rig.realtime.hold = asyncio.Event()  # the next socket opens only when the test says
    await rig.link.drop()
    release.set()
    await settle()
    assert len(rig.realtime.links) == 1
    rig.realtime.hold.set()
    await settle()
    second = rig.realtime.links[1]
    assert second.types()[:3] == ["session.update", "conversation.item.create", "conversation.item.create"]
    call, output = (e["item"] for e in second.of_type("conversation.item.create"))
    assert call["type"] == "function_call" and output["call_id"] == call["call_id"] == "r1-slow"
    assert second.types()[-1] == "response.create"
    await rig.bridge.close("test")


async def test_an_urgent_hand_over_counts_its_bound_from_the_tools_ask() -> None:
    """A tool found out slowly (a hung database, probed) leaves the rest of the bound, not all of it."""
    release = asyncio.Event()

    async def stalled(args: dict[str, Any]) -> ToolOutcome:
        await release.wait()
        return ToolOutcome(output={"error": "database_unavailable"}, action="transfer",
                           reason="database_unavailable", urgent=True)

    rig = await start(tools={"stalled": stalled})
    await greeted(rig)
    await rig.response("r1", calls=(("stalled", "{}"),))
    await rig.clock.advance(1300)
    release.set()
    await settle()
    await rig.response("r2", "a2", (5000,), done=False)  # the apology, longer than what is left
    await rig.clock.advance(1100)
    assert rig.control.transfers == []
    await rig.clock.advance(150)
    assert [r for _, r, _, _ in rig.control.transfers] == ["database_unavailable"]


async def test_short_deltas_share_a_mark_and_an_item_ends_with_one() -> None:
    """Twilio is asked for a mark per 100 ms of audio, not per delta; the last of an item is marked
    when the model says it is done, and an item's tail before the next item's audio, so the caller's
    heard position never runs ahead of what played and the bot is quiet only once all of it played."""
    rig = await start()
    await rig.response("r0", "g0", (20,) * 12, done=False)
    assert rig.twilio.events() == ["media"] * 5 + ["mark"] + ["media"] * 5 + ["mark"] + ["media"] * 2
    await rig.link.push({"type": "response.output_audio.done", "response_id": "r0", "item_id": "g0"},
                        {"type": "response.done", "response": {"id": "r0"}})
    assert rig.twilio.events()[-1] == "mark" and len(rig.twilio.marks()) == 3
    await rig.play(2)
    assert rig.bridge.playback.played_ms("g0") == 200 and rig.bridge.voice.speaking
    await rig.play()
    assert rig.bridge.playback.played_ms("g0") == 240
    await rig.clock.advance(400)
    assert not rig.bridge.voice.speaking
    before = len(rig.twilio.frames)
    await rig.response("r1", "a1", (20, 20), done=False)
    await rig.response("r2", "b1", (20,), done=False)
    tail = [f["event"] for f in rig.twilio.frames[before:]]
    assert tail == ["media", "media", "mark", "media"]  # a1's 40 ms marked before b1's audio
    await rig.bridge.close("test")
