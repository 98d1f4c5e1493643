"""Timelines through the pure turn controller, with a hand-driven clock."""

from __future__ import annotations

import pytest

from ivr.turn.machine import Discard, Interrupt, Respond, TurnConfig, TurnController


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += ms / 1000


def make(mode: str = "barge_in", speak_delay_ms: int = 0, cooldown: int = 600) -> tuple[TurnController, FakeClock]:
    clock = FakeClock()
    config = TurnConfig(mode=mode, speak_delay_ms=speak_delay_ms, response_cooldown_ms=cooldown)  # type: ignore[arg-type]
    return TurnController(config, clock), clock


def utter(tc: TurnController, clock: FakeClock, item: str, ms: int, text: str | None, gap_ms: int = 300) -> list:
    """Speech of `ms` length, then its transcript `gap_ms` later; returns every action on the way."""
    actions = tc.speech_started(item)
    step = 100
    for _ in range(ms // step):
        clock.advance(step)
        actions += tc.tick()
    actions += tc.speech_stopped(item)
    clock.advance(gap_ms)
    actions += tc.tick()
    if text is not None:
        actions += tc.transcript(item, text)
    return actions


AIZUCHI = ["はい", "ええ", "うん", "うんうん", "へー", "なるほど", "そうですね", "はいはい", "ハイ。",
           # the forms that used to cut the bot off: two in a row, particles, casual and regional, laughter
           "はい、ええ", "はいええ", "なるほどね", "そうなんですね", "そっか", "そうかそうか", "はいよ", "せやな",
           "んだんだ", "そうたい", "ははは", "うーん", "えー"]
MEANINGFUL = ["いいえ", "ちょっと待って", "違います", "もしもし", "何時ですか", "12-34", "佐藤です",
              "はい、でも時間が違います", "ええと、3番ですか", "そっか、じゃあ住所は", "はい？"]


@pytest.mark.parametrize("word", AIZUCHI)
def test_aizuchi_while_bot_speaks_is_discarded_and_bot_plays_on(word: str) -> None:
    tc, clock = make()
    tc.bot_started()
    clock.advance(2000)
    actions = utter(tc, clock, "u1", 400, word)
    assert actions == [Discard("aizuchi", "u1", word)]
    assert tc.bot_speaking


@pytest.mark.parametrize("word", MEANINGFUL)
def test_meaningful_speech_while_bot_speaks_interrupts_then_answers(word: str) -> None:
    tc, clock = make()
    tc.bot_started()
    actions = utter(tc, clock, "u1", 500, word)
    assert actions == [Interrupt(actions[0].reason, "u1", word), Respond(actions[1].reason, "u1")]
    assert not tc.bot_speaking


def test_long_overlap_interrupts_before_the_words_are_known_and_answers_at_its_end() -> None:
    tc, clock = make()
    tc.bot_started()
    tc.speech_started("u1")
    clock.advance(1100)
    assert tc.tick() == []
    clock.advance(200)
    assert tc.tick() == [Interrupt("long_speech", "u1", "")]
    clock.advance(900)
    assert tc.speech_stopped("u1") == [Respond("after_interruption", "u1")]
    assert tc.transcript("u1", "はいはいはいはい") == []  # already answered: no second decision


def test_yes_after_a_yes_no_question_is_an_answer() -> None:
    tc, clock = make()
    tc.expect_yes_no()
    tc.bot_started()
    clock.advance(1500)
    actions = utter(tc, clock, "u1", 300, "はい")
    assert [type(a) for a in actions] == [Interrupt, Respond]
    assert actions[0].reason == "yes_no_answer"
    assert not tc.expecting_yes_no  # the answer was taken; the next はい is a 相槌 again
    tc.bot_started()
    assert utter(tc, clock, "u2", 300, "はい") == [Discard("aizuchi", "u2", "はい")]


def test_yes_when_the_bot_is_silent_is_a_turn() -> None:
    tc, clock = make(cooldown=0)
    assert utter(tc, clock, "u1", 300, "はい") == [Respond("caller_turn", "u1")]


def test_aizuchi_just_after_the_bot_stops_falls_in_the_cooldown() -> None:
    tc, clock = make(cooldown=600)
    tc.bot_started()
    clock.advance(3000)
    tc.bot_stopped()
    clock.advance(200)
    assert utter(tc, clock, "u1", 300, "はい") == [Discard("aizuchi", "u1", "はい")]
    clock.advance(1000)  # well after the cooldown, a plain はい is the caller's turn
    assert utter(tc, clock, "u2", 300, "はい") == [Respond("caller_turn", "u2")]


def test_missing_transcript_while_bot_speaks_is_dropped_as_noise() -> None:
    tc, clock = make()
    tc.bot_started()
    actions = utter(tc, clock, "u1", 300, None)
    assert actions == []
    clock.advance(1300)
    assert tc.tick() == [Discard("no_transcript", "u1", "")]


def test_speak_delay_waits_and_a_resumed_caller_keeps_the_floor() -> None:
    tc, clock = make(speak_delay_ms=300, cooldown=0)
    tc.speech_started("u1")
    clock.advance(800)
    assert tc.speech_stopped("u1") == []
    clock.advance(200)
    assert tc.tick() == []
    tc.speech_started("u2")  # resumed within the delay: no answer yet
    clock.advance(500)
    assert tc.tick() == []
    assert tc.speech_stopped("u2") == []
    assert tc.next_deadline() == pytest.approx(clock.now + 0.3)
    clock.advance(300)
    assert tc.tick() == [Respond("caller_turn", "u2")]


def test_turn_mode_never_acts_on_speech_during_playback() -> None:
    tc, clock = make(mode="turn")
    tc.bot_started()
    actions = utter(tc, clock, "u1", 2500, "いいえ違います")  # long and meaningful, still not acted on
    assert actions == [Discard("bot_speaking", "u1", "")]
    assert tc.bot_speaking


def test_turn_mode_passes_the_turn_when_playback_ends() -> None:
    tc, clock = make(mode="turn")
    tc.bot_started()
    tc.speech_started("u1")
    clock.advance(500)
    tc.bot_stopped()  # marks say the audio has played
    clock.advance(300)
    assert tc.speech_stopped("u1") == [Respond("turn_passed", "u1")]
    clock.advance(100)
    assert utter(tc, clock, "u2", 300, "はい") == [Respond("caller_turn", "u2")]


def test_yes_just_after_a_yes_no_question_inside_the_cooldown_is_an_answer() -> None:
    tc, clock = make(cooldown=600)
    tc.expect_yes_no()
    tc.bot_started()
    clock.advance(1500)
    tc.bot_stopped()  # the question has played out
    clock.advance(100)  # inside the cooldown, where a plain はい would be a 相槌
    assert utter(tc, clock, "u1", 300, "はい") == [Respond("yes_no_answer", "u1")]


@pytest.mark.parametrize("word", ["はい、そうです", "ええ、そうです", "うん、そう", "はいはい"])
def test_yes_phrases_answer_a_yes_no_question(word: str) -> None:
    tc, clock = make(cooldown=600)
    tc.expect_yes_no()
    tc.bot_started()
    clock.advance(1000)
    tc.bot_stopped()
    clock.advance(100)
    assert utter(tc, clock, "u1", 400, word) == [Respond("yes_no_answer", "u1")]
    tc.bot_started()  # no question pending: the same words over a long answer are a 相槌 again
    clock.advance(1000)
    assert utter(tc, clock, "u2", 400, word) == [Discard("aizuchi", "u2", word)]


def test_a_delayed_answer_keeps_its_reason() -> None:
    tc, clock = make(speak_delay_ms=100, cooldown=600)
    tc.expect_yes_no()
    tc.bot_started()
    clock.advance(1000)
    tc.bot_stopped()
    clock.advance(50)
    assert utter(tc, clock, "u1", 300, "はい") == []  # waits the speak delay
    clock.advance(100)
    assert tc.tick() == [Respond("yes_no_answer", "u1")]


def _question_played(tc: TurnController, clock: FakeClock) -> None:
    tc.expect_yes_no()
    tc.bot_started()
    clock.advance(1000)
    tc.bot_stopped()  # the read-back question has played out
    clock.advance(100)  # the caller answers inside the cooldown


@pytest.mark.parametrize("word", ["うーん", "えーと", "あー", "えー", "う〜ん"])
def test_hesitation_after_a_yes_no_question_is_no_answer_and_waits_for_one(word: str) -> None:
    """うーん used to fold onto うん and answer the read-back as a yes; it only buys time now."""
    tc, clock = make(cooldown=600)
    _question_played(tc, clock)
    assert utter(tc, clock, "u1", 400, word) == []
    assert tc.expecting_yes_no
    assert tc.next_deadline() == pytest.approx(clock.now + 2.5)
    clock.advance(1000)
    assert tc.tick() == []
    assert tc.speech_started("u2") == []  # the caller goes on: the pending answer is dropped
    clock.advance(400)
    assert tc.speech_stopped("u2") == [Respond("caller_turn", "u2")]  # past the cooldown: the caller's turn
    clock.advance(2000)
    assert tc.tick() == []
    assert not tc.expecting_yes_no


def test_hesitation_alone_lets_the_bot_ask_again_after_the_wait() -> None:
    tc, clock = make(cooldown=600)
    _question_played(tc, clock)
    assert utter(tc, clock, "u1", 400, "うーん") == []
    clock.advance(2000)
    assert tc.tick() == []
    clock.advance(600)
    assert tc.tick() == [Respond("hesitation", "u1")]


@pytest.mark.parametrize("word", ["いいえ", "違います", "いや、違います", "ちゃうちゃう"])
def test_no_after_a_yes_no_question_is_an_answer(word: str) -> None:
    tc, clock = make(cooldown=600)
    _question_played(tc, clock)
    assert utter(tc, clock, "u1", 400, word) == [Respond("yes_no_answer", "u1")]


@pytest.mark.parametrize("word", ["はい、でも時間が違います", "いいえ、鈴木です", "もう一度お願いします"])
def test_content_after_a_yes_no_question_is_answered_as_content(word: str) -> None:
    tc, clock = make(cooldown=600)
    _question_played(tc, clock)
    assert utter(tc, clock, "u1", 400, word) == [Respond("interrupt", "u1")]


def test_an_acknowledgement_after_a_yes_no_question_is_the_callers_turn() -> None:
    tc, clock = make(cooldown=600)
    _question_played(tc, clock)
    assert utter(tc, clock, "u1", 400, "なるほど") == [Respond("caller_turn", "u1")]


def test_hesitation_over_the_question_itself_is_a_backchannel() -> None:
    tc, clock = make(cooldown=600)
    tc.expect_yes_no()
    tc.bot_started()
    clock.advance(300)
    assert utter(tc, clock, "u1", 400, "うーん") == [Discard("aizuchi", "u1", "うーん")]
    assert tc.bot_speaking and tc.expecting_yes_no
