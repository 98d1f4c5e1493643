"""Katakana conventions shared by every reading, and the comparison QA relies on.

Convention (what `reading()` returns):
- Katakana only, plus two separators: a space between parts of an address (a short, natural
  pause) and PAUSE ("、") between the groups of a phone number (a clear pause the voice keeps).
- Long vowels are spelled the way standard kana orthography and Japan Post spell them:
  トウキョウト, レイゾウ, ジュウニガツ. "ー" appears only where the word itself is written with it
  (loanwords: バース, パレット) or where the speaker stretches a digit (phone ニー, ゴー).
- Particles are written as said: は → ワ, へ → エ.

Voices read both spellings of a long vowel the same, so `reading_key` folds them for
comparisons: QA case files may write トーキョート or トウキョウト and both match.
"""

from __future__ import annotations

import re
import unicodedata

PAUSE = "、"

_ROWS = {
    "ア": "アカガサザタダナハバパマヤャラワァ",
    "イ": "イキギシジチヂニヒビピミリィ",
    "ウ": "ウクグスズツヅヌフブプムユュルゥヴッ",
    "エ": "エケゲセゼテデネヘベペメレェ",
    "オ": "オコゴソゾトドノホボポモヨョロヲォ",
}
_VOWEL = {ch: vowel for vowel, chars in _ROWS.items() for ch in chars}
_HIRA_TO_KATA = {code: code + 0x60 for code in range(ord("ぁ"), ord("ゖ") + 1)}
_SEPARATORS = re.compile(r"[\s、。，,・･'’]+")


def to_katakana(text: str) -> str:
    """Hiragana to katakana, half-width to full-width; everything else unchanged."""
    return unicodedata.normalize("NFKC", text).translate(_HIRA_TO_KATA)


def reading_key(text: str) -> str:
    """A comparison key: separators dropped, long-vowel spellings folded, ヅ/ヂ as ズ/ジ.

    ー takes the previous vowel; ウ after an o- or u-sound and イ after an e-sound count as that
    vowel, so トーキョート, トウキョウト and トオキョオト share one key.
    """
    kana = _SEPARATORS.sub("", to_katakana(text)).replace("ヅ", "ズ").replace("ヂ", "ジ")
    out: list[str] = []
    prev = ""
    for ch in kana:
        if ch == "ー" and prev in ("ア", "イ", "ウ", "エ", "オ"):
            ch = prev
        elif ch == "ウ" and prev in ("オ", "ウ"):
            ch = prev
        elif ch == "イ" and prev == "エ":
            ch = "エ"
        out.append(ch)
        prev = _VOWEL.get(ch, "")
    return "".join(out)


def same_reading(a: str, b: str) -> bool:
    """True when two readings sound the same under the conventions above."""
    return reading_key(a) == reading_key(b)


def merge_long_vowels(pron: str, read: str) -> str:
    """The spoken form `pron` with its ー spelled as the dictionary reading `read` spells them.

    pyopenjtalk gives both: `pron` carries the sound changes (ロッポン, ワ for は) and writes
    long vowels with ー; `read` spells them with the vowel (トウキョウ). Only where the two align
    letter for letter and `pron` has ー is the vowel taken from `read`.
    """
    pron = pron.replace("’", "")
    if "ー" not in pron or len(pron) != len(read):
        return pron
    return "".join(r if p == "ー" and r in "アイウエオ" else p for p, r in zip(pron, read, strict=True))
