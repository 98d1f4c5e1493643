"""Self-corrections in what a caller said: 1234じゃなくて5678, 佐藤、いや、加藤です.

A driver who corrects themselves mid-answer means what follows the correction, as a dispatcher
would take it; the number reader and the name reader both keep only that, so the markers live
here once. Markers are written in hiragana and kanji; each reader gets them in its own script.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jtext.scripts import LONG_MARK

CORRECTIONS = (
    "じゃなくて", "じゃなく", "じゃなかった", "じゃない", "ではなくて", "ではなく", "ではなかった", "ではない",
    "やなくて", "ちがう", "ちがった", "ちがいます", "ちがいました", "違う", "違った", "違います", "違いました",
    "まちがえた", "まちがえました", "間違えた", "間違えました", "まちがい", "間違い", "ていせい", "訂正",
)
# Short ones that other sounds spell (れい|や, に|い|や): a correction only after a pause or first.
CORRECTIONS_AFTER_PAUSE = ("いやいや", "いや", "ちゃうちゃう", "ちゃう")
_PAUSE_MARKS = "、。，,.!！?？"
_PAUSES = rf"\s{_PAUSE_MARKS}"


def correction_pattern(script: Callable[[str], str], *, short_ones_alone: bool = False) -> re.Pattern[str]:
    """The markers in `script` (hiragana or katakana). `short_ones_alone`: いや and ちゃう must also be
    followed by a pause, for text in which the kana after them could begin a name (いやま)."""

    def alternatives(words: tuple[str, ...]) -> str:
        return "|".join(re.escape(script(w)) for w in sorted(words, key=len, reverse=True))

    after = f"(?=[{_PAUSES}]|$)" if short_ones_alone else ""
    short = f"(?<![^{_PAUSES}])(?:{alternatives(CORRECTIONS_AFTER_PAUSE)}){after}"
    return re.compile(f"{alternatives(CORRECTIONS)}|{short}")


def after_last_correction(pattern: re.Pattern[str], text: str) -> str:
    """What follows the last correction in `text` (from past the pause or the stretched vowel after
    the marker: いやー、1234), or `text` when there is none."""
    found = list(pattern.finditer(text))
    return text[found[-1].end() :].lstrip(f" \u3000{LONG_MARK}{_PAUSE_MARKS}") if found else text
