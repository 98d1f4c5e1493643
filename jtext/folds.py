"""Every way this project folds Japanese text before comparing or parsing it, as named variants.

They are not one function because they answer different questions, and what one must drop
another must keep:

- `utterance_text` (what the caller said over the bot, before the morphological analysis): width,
  case, wave dashes as ー and a run of ー as one; KEEPS the long marks, because うーん (hesitation)
  and うん (yes) are different words.
- `phrase_key` (a request for a person inside a sentence): hiragana, lower case; drops spaces,
  commas, ー, brackets and quotes but keeps small kana and the sentence marks 。.!?.
- `number_slot_text` (the vehicle/phone slot, before the digit parser): hiragana, lower case;
  drops nothing, because the parser accounts for every character.
- `name_kana_key` (driver and caller names): katakana only, every long vowel as one ー.
- `reading_key` (QA comparison of readings): katakana, long vowels as vowel letters; drops only
  spaces, pauses and ・.
- `search_text` (destination search): width and case only; every script stays as written.
- `numbers_text` (text before the reading rules): width only, with dashes and 1,200-commas between
  digits in one spelling.
- `place_name_key` (looking place names up in Japan Post's data): the ケ of 霞ヶ関/霞ケ関/霞が関 in one
  spelling, nothing else, and the same length, so a match on the key is a match on the text.

All of them fold width first (`scripts.width`), so half-width kana and full-width digits never
make two keys.
"""

from __future__ import annotations

import re

from jtext.scripts import HYPHENS, KANJI, LONG_MARK, hiragana, katakana, width
from jtext.vowels import lengthens, vowel_of

# ヅ/ヂ sound exactly like ズ/ジ in standard Japanese; a transcriber picks either.
_YOTSUGANA = {"ヅ": "ズ", "ヂ": "ジ"}


# --- keys for what a caller says over the bot ------------------------------------------------

_WAVE_DASHES = re.compile(r"[〜~]+")  # width() has already turned ～ (U+FF5E) into ~
_LONG_MARKS = re.compile(r"ー{2,}")


def utterance_text(text: str, *, as_hiragana: bool = False) -> str:
    """Fold the spellings a transcriber varies without changing the word said.

    Width (half-width katakana, full-width Latin, digits and ！？), wave dashes as the long-vowel
    mark, a run of long-vowel marks as one (うーーん is うーん), Latin in lower case (ＯＫ, Ok,
    ｗｗｗ). Long-vowel marks are *kept*: うーん (hesitation) and うん (yes), えー (a filler) and
    ええ (yes) are different words, which is how 「うーん」 once passed as a yes.

    `as_hiragana=True` also writes katakana as hiragana: the key the turn classifier's lexicons
    compare (ハイ, ﾊｲ and はい are one word). The morphological analysis itself runs on the text with
    its katakana, where a loanword or a name in katakana is still one word (ハイエース is a van).
    """
    folded = _LONG_MARKS.sub("ー", _WAVE_DASHES.sub("ー", width(text))).lower()
    return hiragana(folded) if as_hiragana else folded


_PHRASE_DROP = re.compile(r"[\s、,・ー〜~\-「」『』()（）\"']")


def phrase_key(text: str) -> str:
    """The key for finding a phrase inside a sentence (「オペレーターと話したい」).

    It keeps small kana (話したいっ is not 話したい…) and the sentence
    marks 。.!?, because a negation only cancels a request in the same sentence; Latin letters are
    lower-cased so a typed "OK" and "ok" meet.
    """
    return _PHRASE_DROP.sub("", hiragana(text).lower())


def number_slot_text(text: str) -> str:
    """The vehicle or phone slot as the digit parser reads it: hiragana, ASCII digits, lower case.

    Nothing is dropped: the parser must account for every character (a dash groups 12-34, a space
    separates numbers, ろ in よろしく makes it a word), so this only settles width and script.
    """
    return hiragana(text or "").lower()


# --- keys for names and readings ----------------------------------------------------------------

_NAME_SAME_SOUND = str.maketrans({**_YOTSUGANA, "ヲ": "オ", "ヰ": "イ", "ヱ": "エ", "ヵ": "カ", "ヶ": "ケ"})
_NAME_LETTER = re.compile(r"[ァ-ヴー]")


def name_kana_key(kana: str) -> str:
    """A name's katakana as a key: long vowels as one ー, ヅ/ヂ and old kana folded, the rest dropped.

    Spoken names are transcribed with long vowels spelled any way (サトー, サトウ; オーノ, オオノ),
    so every long vowel becomes a single ー, however often it was stretched (サトーー); a name
    never reads ヲ/ヰ/ヱ differently from オ/イ/エ, so those fold too. Only katakana letters stay:
    the caller's frames and the schedule's spacing are handled by the name key around this.
    """
    out: list[str] = []
    prev_vowel = ""
    prev_long = False
    for ch in kana.translate(_NAME_SAME_SOUND):
        if ch == LONG_MARK:
            if prev_vowel and not prev_long:
                out.append(LONG_MARK)
                prev_long = True
            continue
        if not _NAME_LETTER.match(ch):
            continue
        if not prev_long and lengthens(prev_vowel, ch):
            out.append(LONG_MARK)
            prev_long = True
            continue
        out.append(ch)
        prev_vowel, prev_long = vowel_of(ch), False
    return "".join(out)


_READING_SEPARATORS = re.compile(r"[\s、。，,・･'’]+")
_READING_SAME_SOUND = str.maketrans(_YOTSUGANA)


def reading_key(text: str) -> str:
    """A reading as QA compares it: separators dropped, long-vowel spellings folded, ヅ/ヂ as ズ/ジ.

    Readings are spelled with vowel letters (トウキョウト) and a voice says ー and the vowel alike,
    so here ー becomes the vowel it holds, and ウ after an o- or u-sound and イ after an e-sound
    count as that vowel: トーキョート, トウキョウト and トオキョオト share one key. Unlike
    `name_kana_key` nothing is dropped but separators, so a wrong letter is still a difference.
    """
    kana = _READING_SEPARATORS.sub("", katakana(text)).translate(_READING_SAME_SOUND)
    out: list[str] = []
    prev = ""
    for ch in kana:
        if prev and (ch == LONG_MARK or lengthens(prev, ch)):
            ch = prev
        out.append(ch)
        prev = vowel_of(ch)
    return "".join(out)


# --- text folds that keep the text readable ------------------------------------------------------


def search_text(text: str) -> str:
    """Width and case folded only (ﾊﾞｰｽ → バース, ＡＢＣ → abc): search compares written text as
    written, in every script, because a destination's name and a caller's question share letters,
    not readings."""
    return width(text).lower()


_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=\d)\s*[{re.escape(HYPHENS)}{LONG_MARK}]\s*(?=\d)")
_THOUSANDS_SEP = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


_KE_BETWEEN_KANJI = re.compile(f"(?<=[{KANJI}])[ヶケがガ](?=[{KANJI}])")


def place_name_key(text: str) -> str:
    """A place name as it is looked up: 霞ヶ関, 霞ケ関 and 霞が関 (古ヶ場, 古ケ場) are one name, the
    same particle written with a small ヶ, a ケ or a が between kanji, and Japan Post and dispatchers
    pick differently. Only that letter changes, one for one, so the key is as long as the text."""
    if "ヶ" not in text and "が" not in text and "ガ" not in text:
        return text  # the common case, without the regex
    return _KE_BETWEEN_KANJI.sub("ケ", text)


def numbers_text(text: str) -> str:
    """Text with its numbers in one spelling before the reading rules see it: width folded, any
    dash (or ー) between digits as '-', thousands separators dropped (1,200 → 1200).

    Readings keep every other character, since the words around a number are read too."""
    return _THOUSANDS_SEP.sub("", _DASH_BETWEEN_DIGITS.sub("-", width(text)))
