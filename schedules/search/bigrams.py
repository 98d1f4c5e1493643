"""Character-bigram scoring for Japanese text: no word segmenter, no dictionary download.

Japanese has no spaces, so words are approximated by overlapping character pairs (after NFKC
folding of width), plus single kanji so that 休み still meets 休止. Pairs holding hiragana are
mostly particles and endings (「ですか」「には」「が休」), so they weigh little; katakana pairs are
loanwords and readings (バース, キタガワ) and weigh fully. The score is the share of the
question's weight found in a document, in [0, 1], which makes a fixed floor meaningful.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from jtext.folds import search_text
from jtext.scripts import KANJI

_SPLIT = re.compile(r"[\s\u3000、。，．,.!?！？「」『』（）()・:：;；\-〜~]+")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
_KANJI = re.compile(f"[{KANJI}]")
FUNCTION_WEIGHT = 0.15
KANJI_WEIGHT = 0.5


def bigrams(text: str) -> list[str]:
    """Overlapping pairs and single kanji of each run of text between punctuation."""
    grams: list[str] = []
    for chunk in _SPLIT.split(search_text(text)):
        if len(chunk) == 1:
            grams.append(chunk)
        grams.extend(chunk[i : i + 2] for i in range(len(chunk) - 1))
        grams.extend(c for c in chunk if _KANJI.match(c) and len(chunk) > 1)
    return grams


def gram_weight(gram: str) -> float:
    if _HIRAGANA.search(gram):
        return FUNCTION_WEIGHT
    return KANJI_WEIGHT if len(gram) == 1 else 1.0


def coverage_scores(query: str, docs: Sequence[str]) -> list[float]:
    """For each doc, the weighted share of the query's terms it contains (0 = nothing, 1 = all).

    No corpus statistics on purpose: a question is asked about one destination, and a note that
    many destinations share (受付休止) is no less an answer for being common.
    """
    q = set(bigrams(query))
    if not q:
        return [0.0 for _ in docs]
    weights = {g: gram_weight(g) for g in q}
    total = sum(weights.values())
    sets = [set(bigrams(d)) for d in docs]
    return [sum(w for g, w in weights.items() if g in s) / total for s in sets]
