"""The one text fold the turn classifier needs (to move into `jtext/` when that package lands)."""

from __future__ import annotations

import re
import unicodedata

import jaconv

_WAVE_DASHES = re.compile(r"[〜~]+")  # NFKC has already turned ～ (U+FF5E) into ~
_LONG_VOWELS = re.compile(r"ー{2,}")


def fold_transcript(text: str, *, hiragana: bool = False) -> str:
    """Fold the spellings a transcriber varies without changing the word said.

    NFKC (half-width katakana, full-width Latin, digits and ！？), wave dashes as the long-vowel
    mark, a run of long-vowel marks as one (うーーん is うーん), Latin in lower case (ＯＫ, Ok,
    ｗｗｗ). Long-vowel marks are *kept*: うーん (hesitation) and うん (yes), えー (a filler) and
    ええ (yes) are different words, which is how 「うーん」 used to pass as a yes.

    `hiragana=True` also writes katakana as hiragana: the key the classifier's lexicons compare
    (ハイ, ﾊｲ and はい are one word). The morphological analysis itself runs on the text with its
    katakana, where a loanword or a name in katakana is still one word (ハイエース is a van, not はい).
    """
    folded = unicodedata.normalize("NFKC", text)
    folded = _LONG_VOWELS.sub("ー", _WAVE_DASHES.sub("ー", folded)).lower()
    return jaconv.kata2hira(folded) if hiragana else folded
