"""Katakana conventions shared by every reading, and the comparison QA relies on.

Convention (what `reading()` returns):
- Katakana only, plus two separators: a space between parts of an address (a short, natural
  pause) and PAUSE ("、") between the groups of a phone number (a clear pause the voice keeps).
- Long vowels are spelled the way standard kana orthography and Japan Post spell them:
  トウキョウト, レイゾウ, ジュウニガツ. "ー" appears only where the word itself is written with it
  (loanwords: バース, パレット) or where the speaker stretches a digit (phone ニー, ゴー).
- Particles are written as said: は → ワ, へ → エ.

Voices read both spellings of a long vowel the same, so readings are compared on
`jtext.folds.reading_key`: QA case files may write トーキョート or トウキョウト and both match.
"""

from __future__ import annotations

from dataclasses import dataclass

from jtext.folds import reading_key
from jtext.openjtalk import PAUSE

__all__ = ["PAUSE", "Reading", "same_reading"]


@dataclass(frozen=True, slots=True)
class Reading:
    """A rendered reading and whether any of it is a guess.

    `uncertain` is True when the general dictionary (pyopenjtalk) had to read kanji or Latin letters
    that neither Japan Post's data nor a reading rule covers: a town Japan Post does not list, a
    building or other name, a Kyoto street outside the street table. It is False when every part
    came from Japan Post's kana (prefecture, district, city, ward, town, 大字/字, listed buildings),
    from the rules for numbers, dates, times, units and Kyoto's directions, or from kana written in
    the text itself. A reading a dispatcher typed in the file is not rendered, so never uncertain.
    """

    kana: str
    uncertain: bool = False


def same_reading(a: str, b: str) -> bool:
    """True when two readings sound the same under the conventions above."""
    return reading_key(a) == reading_key(b)
