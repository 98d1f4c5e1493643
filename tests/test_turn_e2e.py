"""Timelines through the real bridge, on the stand-ins: what the caller says over the bot, as
transcribed, decides whether the bot plays on, is cut off, or is answered (issue 9).

Each category of 相槌 that used to cut a long answer off is said over one: it must neither cut the
answer nor be answered. Content glued to a 相槌 still cuts it, at the heard position. After a
yes/no question, a yes or a no is answered at once and a hesitation is not taken for an answer."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from bridge_support import Rig, eventually, rig

from ivr.bridge.call import BridgeConfig
from ivr.conversation import ToolOutcome
from ivr.sim.realtime_standin import Reply, Say, Script, ScriptedToolCall, StandinSession
from ivr.sim.scripted_conversation import ScriptedFactory
from ivr.sim.twilio_caller import TwilioCaller
from ivr.turn.machine import TurnConfig
from ivr.turn.vad_presets import PRESETS

GREETING_MS, ANSWER_MS, QUESTION_MS = 400, 9000, 900
FIRST_UTTERANCE = "いちにのさんよん、スズキです"


def turn_config(**kw: int) -> BridgeConfig:
    """Production-like pacing: a 600 ms cooldown after the bot, in which a 相槌 still counts as overlapping."""
    turn = TurnConfig(mode="barge_in", speak_delay_ms=0, response_cooldown_ms=600, hesitation_wait_ms=1500, **kw)
    return BridgeConfig(preset=PRESETS["standard"], turn=turn)


async def _greeted_and_asked(r: Rig) -> tuple[TwilioCaller, StandinSession]:
    caller = await r.call()
    session = (await r.standin.wait_sessions(1))[0]
    await eventually(lambda: caller.playout.bytes_received >= GREETING_MS * 8, what="greeting audio")
    await eventually(lambda: not caller.playout.playing and not caller.playout.marks, what="greeting played")
    await caller.silence(700)  # past the greeting's cooldown: the caller's turn
    await caller.speak(600)
    return caller, session


def _long_answer_script(said_over_it: list[str]) -> Script:
    return Script(
        greeting=Say("お電話ありがとうございます。", ms=GREETING_MS),
        replies=[Reply([Say("次の届け先は有明物流センター、東京都江東区有明三丁目……", ms=ANSWER_MS)]),
                 Reply([Say("はい、どうぞ。", ms=400)])],
        caller_says=[FIRST_UTTERANCE, *said_over_it],
        pace=0.05,  # faster than real time: the answer is still playing after every utterance said over it
    )


def _answer_item(session: StandinSession) -> str:
    return str([i for i in session.items.values() if i.get("role") == "assistant"][-1]["id"])


BACKCHANNELS = {
    "two in a row, particles, repeats": ["はいええ", "なるほどね", "うんうんうん", "そうなんですね"],
    "casual, elongated, laughter": ["そっか", "はいよ", "はーい", "ははは"],
    "Kansai, Tohoku, Kyushu, Chugoku": ["せやな", "んだんだ", "そうたい", "ほうじゃね"],
    "transcriber spellings": ["ﾊｲﾊｲ", "成程", "了解っす", "ソウデスネ"],
}


@pytest.mark.parametrize("forms", list(BACKCHANNELS.values()), ids=list(BACKCHANNELS))
async def test_backchannels_over_a_long_answer_neither_cut_it_nor_get_answered(tmp_path: Path,
                                                                               forms: list[str]) -> None:
    async with rig(tmp_path, lambda: _long_answer_script(forms), config=turn_config()) as r:
        caller, session = await _greeted_and_asked(r)
        await eventually(lambda: caller.playout.bytes_received >= (GREETING_MS + 1000) * 8, what="the long answer")
        answer = _answer_item(session)
        creates = session.types().count("response.create")
        for n, _ in enumerate(forms, start=1):
            marks = len(caller.playout.played_marks)
            await caller.speak(300, then_silence_ms=400)  # a short 相槌 over the bot
            await eventually(lambda n=n: len(session.of_type("conversation.item.delete")) == n, within=3,  # type: ignore[misc]
                             what=f"相槌 {n} dropped")
            assert len(caller.playout.played_marks) > marks, "the answer went on playing"
        assert caller.playout.playing, "the answer is still playing after every 相槌"
        assert caller.playout.clears == 0
        types = session.types()
        assert "response.cancel" not in types and "conversation.item.truncate" not in types
        assert types.count("response.create") == creates, "no 相槌 was answered"
        assert answer not in {e["item_id"] for e in session.of_type("conversation.item.delete")}
        conv = r.factory.calls[caller.call_sid]
        assert conv.texts("aizuchi_ignored") == forms
        assert conv.texts("interruption") == []
        await caller.hangup()


@pytest.mark.parametrize("words", ["はい、でも時間が違います", "そっか、じゃあ住所は"])
async def test_content_glued_to_a_backchannel_cuts_the_answer_at_the_heard_position(tmp_path: Path,
                                                                                   words: str) -> None:
    async with rig(tmp_path, lambda: _long_answer_script([words]), config=turn_config()) as r:
        caller, session = await _greeted_and_asked(r)
        await eventually(lambda: caller.playout.bytes_received >= (GREETING_MS + 1500) * 8, what="the long answer")
        answer = _answer_item(session)
        creates = session.types().count("response.create")
        await caller.speak(700)
        truncate = await eventually(lambda: session.of_type("conversation.item.truncate"), what="truncate")
        assert caller.playout.clears == 1
        types = session.types()
        assert types.index("response.cancel") < types.index("conversation.item.truncate")
        await eventually(lambda: session.types().count("response.create") == creates + 1, what="the answer")
        heard = caller.playout.played_ms_at_clear[0] - GREETING_MS
        assert truncate[0]["item_id"] == answer
        assert heard - 250 <= truncate[0]["audio_end_ms"] <= heard
        conv = r.factory.calls[caller.call_sid]
        await eventually(lambda: conv.texts("interruption") == [words], what="interruption recorded")
        assert conv.texts("aizuchi_ignored") == []
        await caller.hangup()


def _read_back_script(answers: list[str]) -> Script:
    return Script(
        greeting=Say("お電話ありがとうございます。", ms=GREETING_MS),
        replies=[
            Reply([ScriptedToolCall("read_back")]),
            Reply([Say("承知しました。", ms=400)]),
            Reply([Say("はい。", ms=300)]),
        ],
        after_tool={"read_back": Reply([Say("スズキ イチロウさんでよろしいですか。", ms=QUESTION_MS)])},
        caller_says=[FIRST_UTTERANCE, *answers],
    )


def _read_back_factory() -> ScriptedFactory:
    return ScriptedFactory(tools={"read_back": ToolOutcome(output={"status": "confirm"}, expects_yes_no=True)})


async def _question_played(caller: TwilioCaller, session: StandinSession) -> int:
    await eventually(lambda: caller.playout.bytes_received >= (GREETING_MS + QUESTION_MS) * 8, within=8,
                     what="the read-back question")
    await eventually(lambda: not caller.playout.playing and not caller.playout.marks, within=5,
                     what="the question played")
    return session.types().count("response.create")


@pytest.mark.parametrize("answer", ["はい、そうです", "いいえ、違います", "ちゃうちゃう"])
async def test_a_yes_or_a_no_right_after_the_question_is_answered_at_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, answer: str) -> None:
    caplog.set_level(logging.INFO, logger="ivr.call")
    async with rig(tmp_path, lambda: _read_back_script([answer]), factory=_read_back_factory(),
                   config=turn_config()) as r:
        caller, session = await _greeted_and_asked(r)
        creates = await _question_played(caller, session)
        await caller.speak(300)  # at once: inside the cooldown, where a plain 相槌 would be dropped
        await eventually(lambda: session.types().count("response.create") == creates + 1, within=3,
                         what="the answer to the yes/no question")
        assert "respond reason=yes_no_answer" in caplog.text
        assert session.of_type("conversation.item.delete") == []
        await caller.hangup()


async def test_hesitation_after_the_question_is_not_an_answer_and_the_answer_that_follows_is(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ivr.call")
    async with rig(tmp_path, lambda: _read_back_script(["うーん", "はい"]), factory=_read_back_factory(),
                   config=turn_config()) as r:
        caller, session = await _greeted_and_asked(r)
        creates = await _question_played(caller, session)
        conv = r.factory.calls[caller.call_sid]
        await caller.speak(400, then_silence_ms=900)  # 「うーん」 inside the cooldown, then a pause
        await eventually(lambda: conv.texts("caller")[-1:] == ["うーん"], what="うーん transcribed")
        assert session.types().count("response.create") == creates, "うーん was taken for an answer"
        turns = caplog.text.count("respond reason=caller_turn")
        await caller.speak(300)  # 「はい」, after the cooldown: the caller's turn
        await eventually(lambda: session.types().count("response.create") == creates + 1, within=3,
                         what="the answer to はい")
        assert caplog.text.count("respond reason=caller_turn") == turns + 1
        assert "respond reason=yes_no_answer" not in caplog.text and "respond reason=hesitation" not in caplog.text
        assert session.of_type("conversation.item.delete") == []  # the model hears うーん and はい both
        await caller.silence(1000)  # past the moment うーん's wait would have ended
        assert session.types().count("response.create") == creates + 1  # that wait was dropped
        await caller.hangup()


async def test_hesitation_alone_gets_the_question_asked_again_after_the_wait(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ivr.call")
    async with rig(tmp_path, lambda: _read_back_script(["えーと"]), factory=_read_back_factory(),
                   config=turn_config()) as r:
        caller, session = await _greeted_and_asked(r)
        creates = await _question_played(caller, session)
        conv = r.factory.calls[caller.call_sid]
        await caller.speak(400, then_silence_ms=600)
        await eventually(lambda: conv.texts("caller")[-1:] == ["えーと"], what="えーと transcribed")
        assert session.types().count("response.create") == creates
        await eventually(lambda: session.types().count("response.create") == creates + 1, within=4,
                         what="the bot speaking again after the hesitation wait")
        assert "respond reason=hesitation" in caplog.text
        await caller.hangup()
