"""Who has the floor: a pure state machine fed with VAD, transcript and playback events.

No sockets and no sleeping: the bridge feeds it events, asks `next_deadline()` when to call
`tick()`, and carries out the returned actions. Time comes from an injected clock, so tests
replay exact timelines.

Barge-in rules: speech that overlaps the bot (or lands within the cooldown just after it) is
judged on its words (`TurnClassifier`): a backchannel is dropped and the bot plays on; anything
with content, or speech that goes on longer than `long_speech_ms`, interrupts (clear, cancel,
truncate) and is answered. When the bot has just asked a yes/no question, a yes or a no is an
answer; a hesitation (うーん, えーと) is not: the caller gets `hesitation_wait_ms` to go on before
the bot speaks again. In `turn` mode speech that ends while the bot is still playing is dropped,
and the turn passes when the playback ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ivr.turn.classifier import TurnClass, TurnClassifier, TurnContext, default_classifier, turn_class
from ivr.turn.stance import Stance

Clock = Callable[[], float]
TurnMode = Literal["turn", "barge_in"]


@dataclass(frozen=True)
class TurnConfig:
    mode: TurnMode = "barge_in"
    speak_delay_ms: int = 100
    response_cooldown_ms: int = 600
    long_speech_ms: int = 1200
    transcript_wait_ms: int = 1500
    hesitation_wait_ms: int = 2500  # after a yes/no question, うーん waits this long for the answer


@dataclass(frozen=True)
class Interrupt:
    """Stop the bot now: clear the caller's playback, cancel the response, truncate what was unheard."""

    reason: str
    item_id: str
    text: str = ""


@dataclass(frozen=True)
class Respond:
    """Ask the model for an answer to what the caller said."""

    reason: str
    item_id: str


@dataclass(frozen=True)
class Discard:
    """Remove the caller's item from the conversation so the model never answers it."""

    reason: str
    item_id: str
    text: str = ""


Action = Interrupt | Respond | Discard


@dataclass
class _Utterance:
    item_id: str
    started_at: float
    overlapped: bool
    stopped_at: float | None = None
    transcript: str | None = None
    settled: bool = False
    interrupted: bool = False
    long_at: float | None = None
    wait_until: float | None = None


class TurnController:
    def __init__(self, config: TurnConfig, clock: Clock, classifier: TurnClassifier | None = None) -> None:
        self.config = config
        self._clock = clock
        self._classifier = classifier or default_classifier()
        self._bot_active = False
        self._bot_stopped_at: float | None = None
        self._yes_no = False
        self._utterances: dict[str, _Utterance] = {}
        self._respond_at: float | None = None
        self._respond_item = ""
        self._respond_reason = ""

    # ----- what the bridge reports -------------------------------------------------------------
    @property
    def bot_speaking(self) -> bool:
        return self._bot_active

    @property
    def expecting_yes_no(self) -> bool:
        return self._yes_no

    def bot_started(self) -> list[Action]:
        self._bot_active = True
        self._bot_stopped_at = None
        return []

    def bot_stopped(self) -> list[Action]:
        """The bot's response is done and every chunk has played (or was cleared)."""
        if self._bot_active:
            self._bot_active = False
            self._bot_stopped_at = self._clock()
        return []

    def expect_yes_no(self) -> None:
        self._yes_no = True

    def speech_started(self, item_id: str) -> list[Action]:
        now = self._clock()
        self._forget_settled()
        self._respond_at = None  # the caller goes on: wait for the end of this utterance too
        overlapped = self._bot_active or (
            self.config.mode == "barge_in"
            and self._bot_stopped_at is not None
            and (now - self._bot_stopped_at) * 1000 < self.config.response_cooldown_ms
        )
        utt = _Utterance(item_id, now, overlapped)
        if overlapped and self.config.mode == "barge_in":
            utt.long_at = now + self.config.long_speech_ms / 1000
        self._utterances[item_id] = utt
        return []

    def speech_stopped(self, item_id: str) -> list[Action]:
        now = self._clock()
        utt = self._utterances.get(item_id) or _Utterance(item_id, now, self._bot_active)
        self._utterances[item_id] = utt
        utt.stopped_at = now
        utt.long_at = None
        if utt.settled:
            return []
        if not utt.overlapped:
            return self._schedule_response(utt, "caller_turn")
        if self.config.mode == "turn":
            if self._bot_active:
                return self._discard(utt, "bot_speaking")
            return self._schedule_response(utt, "turn_passed")
        if utt.interrupted:
            return self._schedule_response(utt, "after_interruption")
        if utt.transcript is not None:
            return self._decide(utt)
        utt.wait_until = now + self.config.transcript_wait_ms / 1000
        return []

    def transcript(self, item_id: str, text: str) -> list[Action]:
        utt = self._utterances.get(item_id)
        if utt is None:
            return []
        utt.transcript = text
        if utt.settled or utt.stopped_at is None or not utt.overlapped or self.config.mode == "turn":
            return []
        if utt.interrupted:
            return []
        return self._decide(utt)

    def tick(self) -> list[Action]:
        now = self._clock()
        actions: list[Action] = []
        for utt in list(self._utterances.values()):
            if utt.settled:
                continue
            if utt.long_at is not None and now >= utt.long_at:
                utt.long_at = None
                if self._bot_active and not utt.interrupted:
                    actions.extend(self._interrupt(utt, "long_speech"))
            if utt.wait_until is not None and now >= utt.wait_until:
                utt.wait_until = None
                if self._bot_active:
                    actions.extend(self._discard(utt, "no_transcript"))
                else:
                    actions.extend(self._schedule_response(utt, "caller_turn"))
        if self._respond_at is not None and now >= self._respond_at:
            self._respond_at = None
            actions.append(self._respond(self._respond_item, self._respond_reason))
        self._forget_settled()
        return actions

    def next_deadline(self) -> float | None:
        times = [self._respond_at] if self._respond_at is not None else []
        for utt in self._utterances.values():
            if not utt.settled:
                times.extend(t for t in (utt.long_at, utt.wait_until) if t is not None)
        return min(times) if times else None

    # ----- decisions ---------------------------------------------------------------------------
    def _decide(self, utt: _Utterance) -> list[Action]:
        stance = self._classifier.stance(utt.transcript or "")
        context = TurnContext.AFTER_YES_NO_QUESTION if self._yes_no else TurnContext.BOT_SPEAKING
        heard = turn_class(stance, context)
        if heard in (TurnClass.YES, TurnClass.NO):
            return self._answer(utt, "yes_no_answer")
        if heard is TurnClass.INTERRUPT:
            return self._answer(utt, "interrupt")
        if stance is Stance.EMPTY:
            return self._discard(utt, "no_words") if self._bot_active else self._answer(utt, "caller_turn")
        if heard is TurnClass.BACKCHANNEL or self._bot_active:
            return self._discard(utt, "aizuchi")  # over the question itself, うーん is a 相槌 too
        if stance is Stance.HESITATION:  # the question has played: the caller is thinking, not answering
            return self._schedule_response(utt, "hesitation", self.config.hesitation_wait_ms)
        return self._answer(utt, "caller_turn")  # そっか, なるほど: no answer; the bot asks again

    def _answer(self, utt: _Utterance, reason: str) -> list[Action]:
        actions: list[Action] = []
        if self._bot_active:
            actions.extend(self._interrupt(utt, reason))
        actions.extend(self._schedule_response(utt, reason))
        return actions

    def _interrupt(self, utt: _Utterance, reason: str) -> list[Action]:
        utt.interrupted = True
        self._bot_active = False
        self._bot_stopped_at = None  # no cooldown after we cut the bot off ourselves
        return [Interrupt(reason, utt.item_id, utt.transcript or "")]

    def _discard(self, utt: _Utterance, reason: str) -> list[Action]:
        utt.settled = True
        utt.wait_until = None
        return [Discard(reason, utt.item_id, utt.transcript or "")]

    def _schedule_response(self, utt: _Utterance, reason: str, delay_ms: int | None = None) -> list[Action]:
        if utt.stopped_at is None:
            return []  # still talking: `speech_stopped` schedules the answer
        utt.settled = True
        utt.wait_until = None
        delay_ms = self.config.speak_delay_ms if delay_ms is None else delay_ms
        if delay_ms <= 0:
            return [self._respond(utt.item_id, reason)]
        self._respond_at = self._clock() + delay_ms / 1000
        self._respond_item, self._respond_reason = utt.item_id, reason
        return []

    def _respond(self, item_id: str, reason: str) -> Respond:
        self._yes_no = False
        return Respond(reason, item_id)

    def _forget_settled(self) -> None:
        for key in [k for k, u in self._utterances.items() if u.settled and u.stopped_at is not None]:
            del self._utterances[key]
