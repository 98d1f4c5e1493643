"""The small steps every fold is made of: width, script, and the character classes we test for.

A transcriber and a dispatcher write the same word in full width or half width, hiragana or
katakana (ｻﾄｳ, さとう, サトウ); NFKC settles width (and turns full-width digits and Latin letters
into ASCII), jaconv settles the script. Kept as separate steps because the folds differ in which
script they land on: keys for spoken phrases compare in hiragana, names and readings in katakana.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

# Kanji as they occur in Japanese names and places: CJK unified ideographs with extension A, the
# compatibility block (﨑), and the iteration mark 々 and 〆, which stand for a kanji (佐々木).
KANJI = "\u3005\u3006\u3400-\u9fff\uf900-\ufaff"
_KANJI_RE = re.compile(f"[{KANJI}]")

# Every dash people type between digits (12-34, 03‐1234‐5678, a minus from a spreadsheet).
# The long-vowel mark ー is typed as a dash too, but it is a kana in its own right, so each rule
# says whether it takes ー as well.
HYPHENS = "-‐‑‒–—―−"
LONG_MARK = "ー"


def width(text: str) -> str:
    """NFKC: half-width kana to full width, full-width digits and Latin letters to ASCII."""
    return unicodedata.normalize("NFKC", text)


def katakana(text: str) -> str:
    """Width folded, then hiragana to katakana (さとう → サトウ, ｻﾄｳ → サトウ)."""
    return str(jaconv.hira2kata(width(text)))


def hiragana(text: str) -> str:
    """Width folded, then katakana to hiragana (ハイ → はい, ﾊｲ → はい)."""
    return str(jaconv.kata2hira(width(text)))


def has_kanji(text: str) -> bool:
    return _KANJI_RE.search(text) is not None
