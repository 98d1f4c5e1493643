"""What a dispatcher may type as a reading: kana only, stored as katakana with single spaces.

Drivers hear exactly this string, so anything a voice could misread (kanji, Latin letters, digits)
is refused with the runs at fault named, the same rule the schedule file's kana columns follow
(`schedules.validation.not_kana`). Hiragana and half-width kana are accepted and folded.
"""

from __future__ import annotations

import re

from schedules.validation import kana_reading, not_kana

_KANA_LETTER = re.compile(r"[\u30a1-\u30fa]")


class OverrideRefused(ValueError):
    """A fix or a revert that cannot be made; `reason` is a stable code the console words itself."""

    def __init__(self, reason: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.detail = detail


def checked_override_reading(raw: str, limit: int) -> str:
    """The katakana to store for `raw`, or OverrideRefused naming what is wrong."""
    reading = kana_reading(raw or "")
    if not reading:
        raise OverrideRefused("empty", "the reading is empty")
    bad = not_kana(reading)
    if bad:
        found = ", ".join(bad[:5])
        raise OverrideRefused("not_kana", f"a reading must be written in kana; found {found}", found)
    if not _KANA_LETTER.search(reading):
        raise OverrideRefused("empty", "the reading holds no kana letter")
    if len(reading) > limit:
        raise OverrideRefused("too_long", f"the reading is too long ({len(reading)} kana, at most {limit})",
                              str(limit))
    return reading
