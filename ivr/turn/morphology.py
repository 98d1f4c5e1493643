"""The morphological analysis the turn classifier reads: Sudachi (sudachidict-core), offline.

Sudachi rather than pyopenjtalk-plus's frontend: it is ten times faster per utterance (the
frontend also works out accents and number readings the classifier never uses), it knows more of
the 相槌 as interjections (ははは, ﾊｲ, へぇー, そうかそうか split right), and its normalized forms fold
the spellings of content words (成程/なる程/ナルホド → 成る程, わかる/解る/判る → 分かる, リョーカイ → 了解).

The dictionary is loaded once per process (about 0.1 s) and only read afterwards. Sudachi's
tokenizer object is not thread-safe; the service calls it from its event loop thread only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jtext.folds import utterance_text


@dataclass(frozen=True)
class Morpheme:
    """One word of an utterance. `kana` is its surface folded to hiragana: what lexicons compare."""

    surface: str
    kana: str
    pos: str  # the main part of speech: 感動詞, 助詞, 助動詞, 名詞, …
    pos_detail: str  # the second level: フィラー, 終助詞, 準体助詞, 固有名詞, 数詞, …
    lemma: str  # Sudachi's normalized form (分かる for わかっ, 了解 for りょーかい)



def is_katakana(text: str) -> bool:
    """Written in katakana: a transcriber's ハイ or ソウデスネ, or a name or loanword (スズキ, ハイエース)."""
    return bool(text) and all("ァ" <= c <= "ヺ" or c == "ー" for c in text)


class Analyser:
    """Splits an utterance into `Morpheme`s. Build one per process (`default_analyser`)."""

    def __init__(self) -> None:
        from sudachipy import Dictionary  # imported here: loading the dictionary is the cold start

        self._tokenizer: Any = Dictionary(dict="core").tokenizer(mode="C")

    def analyse(self, text: str) -> list[Morpheme]:
        """`text` already folded (`utterance_text` without hiragana)."""
        if not text:
            return []
        out = []
        for m in self._tokenizer.tokenize(text):
            pos = m.part_of_speech()
            surface = m.surface()
            key = utterance_text(surface, as_hiragana=True)
            out.append(Morpheme(surface, key, pos[0], pos[1], m.normalized_form()))
        return out


@lru_cache(maxsize=1)
def default_analyser() -> Analyser:
    return Analyser()
