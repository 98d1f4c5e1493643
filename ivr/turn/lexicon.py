"""Classifies what a caller said over the bot: a 相槌, a yes, or something that must interrupt.

The phrase lists live in `aizuchi.csv` so a supervisor can add a regional 相槌 without a code
change. Only an utterance made *entirely* of backchannel phrases is a 相槌; everything else
(a name, a number, a question, 「いいえ」) is meaningful, because wrongly ignoring a driver is
worse than stopping the bot for a moment.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import jaconv

from ivr.phrase_table import read_phrase_table

_DROP = re.compile(r"[\s、。,.!！・…ー〜~\-ぁぃぅぇぉっゃゅょゎ「」『』()（）]")
_QUESTION = re.compile(r"[?？]|(どこ|いつ|なに|なん|どう|だれ|どれ|いくら|ですか|ますか)")
_NUMBER = re.compile(r"[0-9０-９〇一二三四五六七八九十百千]")
MAX_AIZUCHI_CHARS = 12


class Kind(StrEnum):
    AIZUCHI = "aizuchi"
    AFFIRMATIVE = "affirmative"
    INTERRUPT = "interrupt"
    MEANINGFUL = "meaningful"
    EMPTY = "empty"


def normalize(text: str) -> str:
    """Fold the spellings a transcriber may produce (ハイ, はいっ, へぇー) onto one key."""
    folded = jaconv.kata2hira(unicodedata.normalize("NFKC", text))
    return _DROP.sub("", folded)


@dataclass(frozen=True)
class Lexicon:
    aizuchi: frozenset[str]
    affirmative: frozenset[str]
    interrupt: frozenset[str]

    @classmethod
    def from_csv(cls, path: Path | None = None) -> Lexicon:
        groups = read_phrase_table(path, package="ivr.turn", filename="aizuchi.csv",
                                   kinds=("aizuchi", "affirmative", "interrupt"), normalize=normalize,
                                   label="aizuchi dictionary")
        return cls(frozenset(groups["aizuchi"]), frozenset(groups["affirmative"]), frozenset(groups["interrupt"]))

    def classify(self, transcript: str) -> Kind:
        raw = transcript.strip()
        if not raw:
            return Kind.EMPTY
        key = normalize(raw)
        if not key:
            return Kind.EMPTY
        if any(phrase in key for phrase in self.interrupt):
            return Kind.INTERRUPT
        if _QUESTION.search(raw) or _NUMBER.search(raw):
            return Kind.MEANINGFUL
        if len(key) > MAX_AIZUCHI_CHARS:
            return Kind.MEANINGFUL
        if key in self.affirmative or _covers(key, self.affirmative):
            return Kind.AFFIRMATIVE  # はい、そうです answers a yes/no question as surely as はい
        if _covers(key, self.aizuchi | self.affirmative):
            return Kind.AIZUCHI
        return Kind.MEANINGFUL


def _covers(key: str, phrases: frozenset[str]) -> bool:
    """True when `key` is a run of phrases (はいはいそうですね); short strings, so a plain DP."""
    ok = [False] * (len(key) + 1)
    ok[len(key)] = True
    for i in range(len(key) - 1, -1, -1):
        ok[i] = any(key.startswith(p, i) and ok[i + len(p)] for p in phrases)
    return ok[0]


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon.from_csv()
