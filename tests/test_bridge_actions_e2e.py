"""End to end on the stand-ins: hand-over and hang-up, decided by the caller's words or by a tool.

The real app, bridge, openai SDK and twilio SDK; the Twilio REST stand-in records the call updates
(with their arrival time, compared with the caller simulator's playout clock)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bridge_support import eventually, fast_config, rig

from ivr.conversation import CallerDirective, ToolOutcome
from ivr.guidance.person_request import asks_for_person
from ivr.sim.realtime_standin import Reply, Say, Script, ScriptedToolCall
from ivr.sim.scripted_conversation import ScriptedFactory
from ivr.sim.twilio_caller import TwilioCaller

GREETING_MS = 400


def person_rule(text: str) -> CallerDirective | None:
    return CallerDirective("transfer", "caller_asked_for_person") if asks_for_person(text) else None


async def after_greeting(caller: TwilioCaller) -> None:
    """The greeting has played out and the response cooldown is over: the caller's turn."""
    await eventually(lambda: caller.playout.bytes_received >= GREETING_MS * 8, what="greeting audio")
    await eventually(lambda: not caller.playout.playing and not caller.playout.marks, what="greeting played")
    await caller.silence(400)


async def test_caller_asking_for_a_person_is_transferred_though_the_model_does_not(tmp_path: Path) -> None:
    script = lambda: Script(  # noqa: E731
        greeting=Say("お電話ありがとうございます。", ms=GREETING_MS),
        replies=[Reply([Say("車番の四桁をお願いします。", ms=800)])],  # the model misses the request
        caller_says=["オペレーターお願いします"],
    )
    factory = ScriptedFactory(caller_rule=person_rule)
    async with rig(tmp_path, script, factory=factory) as r:
        caller = await r.call()
        session = (await r.standin.wait_sessions(1))[0]
        await after_greeting(caller)
        await caller.speak(700)
        update = (await eventually(lambda: r.service.twilio_rest.updates, within=8, what="transfer"))[0]
        assert update.call_sid == caller.call_sid
        assert ">+81312345678</Number></Dial>" in update.form["Twiml"]
        # The model said nothing about it, so Twilio says the prompts' transfer line before the dial.
        assert "<Say" in update.form["Twiml"] and "配車係におつなぎします" in update.form["Twiml"]
        # The model's current answer played to its end (no clear), then the call was handed over,
        # and the model was not asked for anything more (greeting and that answer only).
        assert caller.playout.bytes_received >= (GREETING_MS + 800) * 8
        assert caller.playout.clears == 0
        assert update.at >= caller.playout.play_end - 0.01
        assert session.types().count("response.create") == 2
        conv = r.factory.calls[caller.call_sid]
        await eventually(lambda: conv.finished.is_set(), what="call finished")
        assert conv.outcome == "transferred"
        assert conv.texts("transfer") == ["caller_asked_for_person"]
        assert [d.reason for d in conv.directives] == ["caller_asked_for_person"]
        assert not any(name == "transfer_to_dispatcher" for name, _ in conv.tool_calls)
        await eventually(lambda: session.closed.is_set(), what="Realtime socket closed")
        await caller.wait_closed()
        assert len(r.service.twilio_rest.updates) == 1


async def test_person_request_and_the_models_own_transfer_make_one_transfer(tmp_path: Path) -> None:
    script = lambda: Script(  # noqa: E731
        greeting=Say("お電話ありがとうございます。", ms=GREETING_MS),
        replies=[Reply([Say("配車係におつなぎします。", ms=500),
                        ScriptedToolCall("transfer_to_dispatcher", {"reason": "caller_request"})])],
        after_tool={"transfer_to_dispatcher": Reply([Say("少々お待ちください。", ms=400)])},
        caller_says=["人と話したいです"],
    )
    tools = {"transfer_to_dispatcher": ToolOutcome(output={"status": "transferring"}, action="transfer",
                                                   reason="caller_request")}
    factory = ScriptedFactory(tools, caller_rule=person_rule)
    async with rig(tmp_path, script, factory=factory) as r:
        caller = await r.call()
        await after_greeting(caller)
        await caller.speak(700)
        await eventually(lambda: r.service.twilio_rest.updates, within=8, what="transfer")
        conv = r.factory.calls[caller.call_sid]
        await eventually(lambda: conv.finished.is_set(), what="call finished")
        await asyncio.sleep(0.3)  # room for a second transfer, which must not come
        assert len(r.service.twilio_rest.updates) == 1
        assert len(conv.texts("transfer")) == 1
        assert conv.outcome == "transferred"


async def test_end_call_hangs_up_after_the_goodbye_has_played(tmp_path: Path) -> None:
    goodbye_ms = 1200
    script = lambda: Script(  # noqa: E731
        greeting=Say("お電話ありがとうございます。", ms=GREETING_MS),
        replies=[Reply([ScriptedToolCall("end_call")])],
        after_tool={"end_call": Reply([Say("ありがとうございました。お気をつけて。", ms=goodbye_ms)])},
        caller_says=["以上です。ありがとう"],
    )
    tools = {"end_call": ToolOutcome(output={"status": "ending"}, action="hangup", reason="done")}
    factory = ScriptedFactory(tools, caller_rule=person_rule)
    async with rig(tmp_path, script, factory=factory) as r:
        caller = await r.call()
        session = (await r.standin.wait_sessions(1))[0]
        await after_greeting(caller)
        await caller.speak(600)
        update = (await eventually(lambda: r.service.twilio_rest.updates, within=8, what="hang-up"))[0]
        assert update.call_sid == caller.call_sid
        assert "<Hangup />" in update.form["Twiml"]
        # The whole goodbye reached the caller and had played (every mark echoed) before the hang-up.
        assert caller.playout.bytes_received >= (GREETING_MS + goodbye_ms) * 8
        assert caller.playout.clears == 0
        assert update.at >= caller.playout.play_end - 0.01
        assert len(caller.playout.played_marks) == len(caller.events("mark"))
        await eventually(lambda: session.closed.is_set(), what="Realtime socket closed")
        await caller.wait_closed()
        conv = r.factory.calls[caller.call_sid]
        await eventually(lambda: conv.finished.is_set(), what="call finished")
        assert conv.finish_count == 1
        assert conv.outcome != "transferred" and conv.texts("transfer") == []
        assert conv.tool_calls == [("end_call", {})]
        assert len(r.service.twilio_rest.updates) == 1


async def test_a_goodbye_cut_off_by_the_caller_does_not_hang_up(tmp_path: Path) -> None:
    goodbye_ms = 3000
    script = lambda: Script(  # noqa: E731
        greeting=Say("お電話ありがとうございます。", ms=GREETING_MS),
        replies=[Reply([ScriptedToolCall("end_call")]), Reply([Say("はい、どうぞ。", ms=400)])],
        after_tool={"end_call": Reply([Say("ありがとうございました。お気をつけて。", ms=goodbye_ms)])},
        caller_says=["以上です", "あ、もう一つあります"],
    )
    tools = {"end_call": ToolOutcome(output={"status": "ending"}, action="hangup", reason="done")}
    config = fast_config(action_grace=2.0)  # a stale hang-up deadline would fire within the test
    async with rig(tmp_path, script, factory=ScriptedFactory(tools), config=config) as r:
        caller = await r.call()
        session = (await r.standin.wait_sessions(1))[0]
        await after_greeting(caller)
        await caller.speak(600)
        await eventually(lambda: caller.playout.bytes_received >= (GREETING_MS + goodbye_ms) * 8, what="goodbye")
        await caller.silence(300)
        await caller.speak(500)  # 「あ、もう一つあります」 over the goodbye
        await eventually(lambda: caller.playout.clears == 1, what="the goodbye cut off")
        await eventually(lambda: caller.playout.bytes_received >= (GREETING_MS + goodbye_ms + 400) * 8,
                         what="the model answers the caller")
        await eventually(lambda: not caller.playout.playing and not caller.playout.marks, what="answer played")
        await caller.silence(2500)  # past the hang-up's grace deadline
        assert r.service.twilio_rest.updates == []
        assert not caller.closed.is_set() and not session.closed.is_set()
        await caller.hangup()


async def test_asking_for_a_person_over_a_long_answer_cuts_it_and_transfers(tmp_path: Path) -> None:
    script = lambda: Script(  # noqa: E731
        greeting=Say("お電話ありがとうございます。", ms=GREETING_MS),
        replies=[Reply([Say("次の届け先は有明物流センター、東京都江東区有明三丁目……", ms=4000)])],
        caller_says=["いちにのさんよん、佐藤です", "オペレーターに代わってください"],
    )
    async with rig(tmp_path, script, factory=ScriptedFactory(caller_rule=person_rule)) as r:
        caller = await r.call()
        session = (await r.standin.wait_sessions(1))[0]
        await after_greeting(caller)
        await caller.speak(600)
        await eventually(lambda: caller.playout.bytes_received >= (GREETING_MS + 1000) * 8, what="long answer")
        await caller.silence(500)
        await caller.speak(700)  # 「オペレーターに代わってください」 over the answer
        update = (await eventually(lambda: r.service.twilio_rest.updates, within=8, what="transfer"))[0]
        assert "<Dial>" in update.form["Twiml"]
        assert caller.playout.clears == 1  # barge-in: the answer was cut off, not played to its end
        assert session.types().count("response.create") == 2  # no answer was asked for after the request
        conv = r.factory.calls[caller.call_sid]
        await eventually(lambda: conv.finished.is_set(), what="call finished")
        assert conv.outcome == "transferred" and conv.texts("transfer") == ["caller_asked_for_person"]


async def test_a_transfer_the_model_announced_is_not_announced_again_by_twilio(tmp_path: Path) -> None:
    script = lambda: Script(  # noqa: E731
        greeting=Say("お電話ありがとうございます。", ms=GREETING_MS),
        replies=[Reply([ScriptedToolCall("transfer_to_dispatcher", {"reason": "caller_request"})])],
        after_tool={"transfer_to_dispatcher": Reply([Say("配車係におつなぎします。", ms=500)])},
        caller_says=["分からないことがあります"],
    )
    tools = {"transfer_to_dispatcher": ToolOutcome(output={"status": "transferring"}, action="transfer",
                                                   reason="caller_request")}
    async with rig(tmp_path, script, factory=ScriptedFactory(tools)) as r:
        caller = await r.call()
        await after_greeting(caller)
        await caller.speak(700)
        update = (await eventually(lambda: r.service.twilio_rest.updates, within=8, what="transfer"))[0]
        # The model's answer to the tool's output (the transfer line) played out, then the dial, unannounced.
        assert caller.playout.bytes_received >= (GREETING_MS + 500) * 8
        assert update.at >= caller.playout.play_end - 0.01
        assert ">+81312345678</Number></Dial>" in update.form["Twiml"]
        assert "<Say" not in update.form["Twiml"]
        conv = r.factory.calls[caller.call_sid]
        await eventually(lambda: conv.finished.is_set(), what="call finished")
        assert conv.outcome == "transferred" and conv.texts("transfer") == ["caller_request"]
