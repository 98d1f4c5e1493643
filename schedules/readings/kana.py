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
    """A rendered reading and whether it rests on a guess of the general dictionary.

    For an address, `uncertain` is True when pyopenjtalk had to read kanji or Latin letters of a
    place name that Japan Post's data does not cover: text before the address's first block number
    that is not a Japan Post unit (a town Japan Post doesn't list, a 小字 after 字, an address whose
    city isn't found), or a Kyoto street outside the street table. It is False when the place names
    all come from Japan Post's kana (prefecture, district, city, ward, town, 大字/字) or are written
    in kana; numbers, units and Kyoto's directions are read by rule, and text after the block
    numbers (buildings, floors, 第2倉庫) is not a place name, so neither counts.
    For free text (names, cargo, notes, and dates, times or phones that no rule could read) it is
    True when pyopenjtalk read any kanji or Latin letters.
    A reading a dispatcher typed in the file is not rendered, so it is never uncertain.
    """

    kana: str
    uncertain: bool = False


def same_reading(a: str, b: str) -> bool:
    """True when two readings sound the same under the conventions above."""
    return reading_key(a) == reading_key(b)
