"""Classifies what a caller said over the bot, or after a yes/no question, from the language.

The utterance is folded (`utterance_text`), analysed by Sudachi (`morphology`), read into words
with a role (`reading`: the supervisor's `aizuchi.csv` first, then the closed classes of
`lexemes`), and judged by the grammar of `stance`. Over the bot, only an utterance made of
acknowledgements, fillers, yes-words, particles and laughter is a backchannel; anything with
content interrupts, because wrongly ignoring a driver is worse than stopping the bot for a moment.
After a yes/no question only a clear yes is `yes` (in a name read-back, うーん is not a yes).

One classifier serves every call: it holds the read-only analyser and lexicon, never call state.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

import jaconv

from ivr.turn.lexemes import FUNCTION_ROLES, KATAKANA_FUNCTION_WORDS, Role
from ivr.turn.lexicon import Lexicon, default_lexicon
from ivr.turn.morphology import Analyser, default_analyser, is_katakana
from ivr.turn.reading import Word, read_words
from ivr.turn.stance import Stance, judge
from jtext.folds import utterance_text


class TurnClass(StrEnum):
    """What the turn machine (and `ivr qa turns`) does with an utterance."""

    BACKCHANNEL = "backchannel"  # over the bot: it plays on, nothing is answered
    INTERRUPT = "interrupt"  # the bot stops and the caller is answered
    YES = "yes"
    NO = "no"
    OTHER = "other"  # after a yes/no question: not an answer (hesitation, そっか); or no words at all


class TurnContext(StrEnum):
    BOT_SPEAKING = "bot_speaking"
    AFTER_YES_NO_QUESTION = "after_yes_no_question"


_OVER_THE_BOT = {
    Stance.EMPTY: TurnClass.OTHER,
    Stance.HESITATION: TurnClass.BACKCHANNEL,
    Stance.ACKNOWLEDGE: TurnClass.BACKCHANNEL,
    Stance.YES: TurnClass.BACKCHANNEL,
    Stance.SELF: TurnClass.INTERRUPT,
    Stance.NO: TurnClass.INTERRUPT,
    Stance.CONTENT: TurnClass.INTERRUPT,
}
_AFTER_YES_NO = {
    Stance.EMPTY: TurnClass.OTHER,
    Stance.HESITATION: TurnClass.OTHER,
    Stance.ACKNOWLEDGE: TurnClass.OTHER,
    Stance.YES: TurnClass.YES,
    Stance.SELF: TurnClass.YES,
    Stance.NO: TurnClass.NO,
    Stance.CONTENT: TurnClass.INTERRUPT,
}


def turn_class(stance: Stance, context: TurnContext) -> TurnClass:
    return (_AFTER_YES_NO if context is TurnContext.AFTER_YES_NO_QUESTION else _OVER_THE_BOT)[stance]


class TurnClassifier:
    def __init__(self, analyser: Analyser | None = None, lexicon: Lexicon | None = None) -> None:
        self._analyser = analyser or default_analyser()
        self._lexicon = lexicon or default_lexicon()

    def stance(self, transcript: str) -> Stance:
        stance = judge(self.words(transcript))
        if stance is Stance.CONTENT:
            unit = _repeated_unit(transcript)
            if unit is not None:
                return judge(self.words(unit))
        return stance

    def classify(self, transcript: str, context: TurnContext = TurnContext.BOT_SPEAKING) -> TurnClass:
        return turn_class(self.stance(transcript), context)

    def words(self, transcript: str) -> list[Word]:
        return self._respell_katakana(read_words(self._analyser.analyse(utterance_text(transcript)), self._lexicon))

    def _respell_katakana(self, words: list[Word]) -> list[Word]:
        """A run of katakana read as content (ソウデスネ as one unknown noun, ハイハイ as 這い這い) is read
        again in hiragana, and kept that way only if it then says nothing but backchannel words: a
        transcriber's spelling of そうですね. A name or a loanword (スズキ, ハイエース) stays content."""
        out: list[Word] = []
        i = 0
        while i < len(words):
            end = i + 1
            while _katakana(words[i]) and end < len(words) and _katakana(words[end]) and words[end].attached:
                end += 1
            run, i = words[i:end], end
            if _katakana(run[0]) and any(w.role is Role.CONTENT for w in run):
                kana = jaconv.kata2hira("".join(w.surface for w in run))
                again = read_words(self._analyser.analyse(kana), self._lexicon)
                if _backchannel_spelling(again):
                    out += [Word(w.role, w.kana, run[0].attached if k == 0 else w.attached, w.lemma, w.surface)
                            for k, w in enumerate(again)]
                    continue
            out += run
        return out


_PAUSES = re.compile(r"[\s、。,.!…・]+")


def _repeated_unit(transcript: str) -> str | None:
    """The unit of an utterance that only says one thing again and again (そうたいそうたい, ほだほだほだ),
    which Sudachi may split across the repeats (そう|たいそう|たい): the unit is read instead."""
    text = _PAUSES.sub("", utterance_text(transcript))
    for period in range(1, len(text) // 2 + 1):
        if len(text) % period == 0 and text[:period] * (len(text) // period) == text:
            return text[:period]
    return None


def _backchannel_spelling(words: list[Word]) -> bool:
    """Katakana read again in hiragana says only backchannel words: known words (no interjection
    guessed from a part of speech) with plain particles (no stretched or stray ones)."""
    if judge(words) in (Stance.CONTENT, Stance.EMPTY):
        return False
    return all(w.kana in KATAKANA_FUNCTION_WORDS if w.role in FUNCTION_ROLES else w.known for w in words)


def _katakana(word: Word) -> bool:
    return is_katakana(word.surface)


@lru_cache(maxsize=1)
def default_classifier() -> TurnClassifier:
    return TurnClassifier()


def warm_up() -> None:
    """Load the morphological dictionary now, at start-up, not during the first call's first 相槌."""
    default_classifier().classify("はい")
