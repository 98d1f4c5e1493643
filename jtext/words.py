"""Is a run of kana an ordinary word? Asked of the general dictionary (Sudachi with sudachidict-core).

Number readings are short and common sounds, so a word can be made of nothing else: いちご is a
strawberry (いち ご), にし the west and a family name (に し), ごご the afternoon, よく "well". The
spoken-number parser must not read those as digits, and no list of words written here could be
complete, so it asks the dictionary: a run that the dictionary spells as content words (nouns,
verbs, adjectives, adverbs, interjections...) written without a numeral is a word. Numerals
themselves (いち, はち, いちいち 一々) are never words here: they are what the parser is for.

The dictionary works offline; it is loaded once per process, on first use (about 0.1 s), and only
read afterwards.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# The parts of speech that make a word a word (particles, auxiliaries, suffixes and prefixes don't:
# に and し alone are a particle and a verb form in any sentence, and always a digit in a number slot).
CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "副詞", "形状詞", "代名詞", "感動詞", "連体詞", "接続詞"})
_NUMERAL = re.compile("[〇一二三四五六七八九十百千万億兆零壱弐参拾々]")
MIN_WORD_LENGTH = 2  # one kana is a particle, a verb stem or a digit as often as a word


@lru_cache(maxsize=1)
def dictionary() -> Any:
    """The process's one Sudachi dictionary (the turn classifier's analyser reads it too)."""
    from sudachipy import Dictionary  # imported here: loading the dictionary is the cold start

    return Dictionary(dict="core")


@lru_cache(maxsize=32768)
def is_word(kana: str) -> bool:
    """`kana` (hiragana) is spelled exactly so as a content word of the dictionary, in its own form
    (a noun, an adverb, a verb as a dictionary lists it: しく 敷く, not the stem しに of 死ぬ), and
    none of its entries is a numeral (数詞, or written with a numeral such as 一々)."""
    if len(kana) < MIN_WORD_LENGTH:
        return False
    entries = dictionary().lookup(kana)
    if any(m.part_of_speech()[1] == "数詞" or _NUMERAL.search(m.normalized_form()) for m in entries):
        return False
    return any(m.part_of_speech()[0] in CONTENT_POS and m.dictionary_form() == kana for m in entries)
