"""The supervisor's override: regional words and exceptions in `aizuchi.csv`, edited without a code change.

The classifier reads the language on its own (`lexemes.py`); this file is for what the analyser
gets wrong or a depot says differently: Kansai せや, Tohoku んだ, Kagoshima じゃっど, or an
exception such as そういうこと. A phrase matches *whole words* of the utterance (a run of the
analyser's tokens, never part of one), optionally repeated (んだんだ), so いえ is never found
inside はいええ. Particles and the copula after it are read by the grammar as usual (せやな, んだべ).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ivr.phrase_table import read_phrase_table
from ivr.turn.lexemes import Role
from jtext.folds import utterance_text

KINDS: dict[str, Role] = {
    "backchannel": Role.ACK,  # a 相槌 that never answers a yes/no question (なるほど)
    "yes": Role.YES,  # a 相槌 that also answers yes (はい, せや, んだ)
    "no": Role.NO,  # answers no; always cuts the bot off (ちゃう, んにゃ)
    "hesitation": Role.HESITATION,  # a filler: never an answer, never cuts the bot off
    "interrupt": Role.CONTENT,  # always cuts the bot off (せやけど: "but")
}


def _fold(phrase: str) -> str:
    return "".join(utterance_text(phrase, as_hiragana=True).split())


@dataclass(frozen=True)
class Lexicon:
    phrases: dict[str, Role]

    @classmethod
    def from_csv(cls, path: Path | None = None) -> Lexicon:
        groups = read_phrase_table(path, package="ivr.turn", filename="aizuchi.csv", kinds=tuple(KINDS),
                                   normalize=_fold, label="aizuchi dictionary")
        phrases: dict[str, Role] = {}
        for kind, keys in groups.items():
            for key in keys:
                if phrases.setdefault(key, KINDS[kind]) is not KINDS[kind]:
                    raise ValueError(f"aizuchi dictionary: {key!r} is listed under two kinds")
        return cls(phrases)

    def match(self, words: str) -> Role | None:
        """The role of `words` (the kana of whole tokens, joined) if it is a phrase, a phrase repeated,
        or a phrase with its last sound stretched (せやー, おおきにー)."""
        if len(words) > 2 and words.endswith("ー") and not self.phrases.get(words):
            words = words.rstrip("ー")
        role = self.phrases.get(words)
        if role is not None:
            return role
        for period in range(1, len(words) // 2 + 1):
            if len(words) % period == 0 and words[:period] * (len(words) // period) == words:
                role = self.phrases.get(words[:period])
                if role is not None:
                    return role
        return None


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon.from_csv()
