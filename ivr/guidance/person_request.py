"""Does the caller ask for a person? Decided in code from the transcript, never by the model.

A driver who says 「オペレーター」 or 「人と話したい」 must reach a dispatcher even when the model
misses it, so this check runs on every final caller transcript. The phrases live in
`person_request.csv` (edited without a code change, like the 相槌 lexicon). It is deliberately
simple: a phrase anywhere in a sentence is a request, unless a negation follows it right away
(「人と話したいわけじゃない」, 「オペレーターはいらない」) or later in the same sentence
(「オペレーターと話したくない」). A false positive costs a transfer to a person, which is cheap;
a missed request strands a driver, which is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ivr.phrase_table import read_phrase_table
from jtext.folds import phrase_key

_SENTENCE = re.compile(r"[。.!?]")
# Particles a negation may follow the phrase through: オペレーター「は」いらない, 話したい「わけ」じゃない.
_LINK = re.compile(r"(?:わけ|とか|って|なんか|なんて|は|が|も|の|ん)*")
_KINDS = ("person", "refuse_next", "refuse_clause")


@dataclass(frozen=True)
class PersonRequestRules:
    phrases: tuple[str, ...]
    refuse_next: tuple[str, ...]
    refuse_clause: tuple[str, ...]

    @classmethod
    def from_csv(cls, path: Path | None = None) -> PersonRequestRules:
        groups = read_phrase_table(path, package="ivr.guidance", filename="person_request.csv", kinds=_KINDS,
                                   normalize=phrase_key, label="person request dictionary")
        if not groups["person"]:
            raise ValueError("person request dictionary: no person phrases")

        def longest_first(keys: set[str]) -> tuple[str, ...]:
            return tuple(sorted(keys, key=lambda k: (-len(k), k)))

        return cls(longest_first(groups["person"]), longest_first(groups["refuse_next"]),
                   longest_first(groups["refuse_clause"]))

    def match(self, transcript: str) -> str | None:
        """The (normalized) phrase by which the caller asks for a person, or None."""
        for sentence in _SENTENCE.split(phrase_key(transcript)):
            for phrase in self.phrases:
                start = sentence.find(phrase)
                while start >= 0:
                    if not self._refused(sentence[start + len(phrase):]):
                        return phrase
                    start = sentence.find(phrase, start + 1)
        return None

    def _refused(self, rest: str) -> bool:
        link = _LINK.match(rest)
        after_link = rest[link.end():] if link else rest
        if after_link.startswith(self.refuse_next) or rest.startswith(self.refuse_next):
            return True
        return any(neg in rest for neg in self.refuse_clause)


@lru_cache(maxsize=1)
def default_rules() -> PersonRequestRules:
    return PersonRequestRules.from_csv()


def asks_for_person(transcript: str, rules: PersonRequestRules | None = None) -> bool:
    return (rules or default_rules()).match(transcript) is not None
