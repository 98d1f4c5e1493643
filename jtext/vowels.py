"""The vowel of each katakana mora, and which following letter makes it a long vowel.

One table for every fold that has to hear long vowels alike (サトー = サトウ, トウキョウ = トーキョー,
オーノ = オオノ). Small ャュョ and ァィゥェォ carry the vowel of the mora they end (キョ is an o-sound).
ッ and ン carry no vowel: a vowel after them starts a new mora, it does not lengthen anything.
"""

from __future__ import annotations

_ROWS = {
    "ア": "アカガサザタダナハバパマヤラワァャ",
    "イ": "イキギシジチヂニヒビピミリィ",
    "ウ": "ウクグスズツヅヌフブプムユルゥュヴ",
    "エ": "エケゲセゼテデネヘベペメレェ",
    "オ": "オコゴソゾトドノホボポモヨロヲォョ",
}
VOWEL_OF: dict[str, str] = {ch: vowel for vowel, row in _ROWS.items() for ch in row}

# Which letter after a mora of each vowel is heard as that vowel held long: the same vowel again
# (カア, オオ), and as standard spelling writes long e and o, エイ and オウ.
LENGTHENS: dict[str, str] = {"ア": "ア", "イ": "イ", "ウ": "ウ", "エ": "エイ", "オ": "オウ"}


def vowel_of(mora: str) -> str:
    """The vowel a katakana letter ends on ("" for ッ, ン and anything that is not a kana)."""
    return VOWEL_OF.get(mora, "")


def lengthens(vowel: str, letter: str) -> bool:
    """True when `letter` after a mora ending in `vowel` only holds that vowel (ト+ウ, ケ+イ, カ+ア)."""
    return bool(vowel) and letter in LENGTHENS.get(vowel, "")
