"""Katakana readings of what drivers will hear, rendered when a schedule loads.

`reading(text, kind)` is the one entry point the review command and the tools use;
`checked_reading(text, kind)` also says whether the reading is a guess of the general dictionary
(`Reading.uncertain`), which the loader records; `window_reading(start, end)` renders an arrival
window. Each kind has its own module: addresses (`address`, backed by the Japan Post index in
`address_index`, and `kyoto` for street addresses), dates and times (`datetime_kana`), phone
numbers (`phone`), counts and free text (`numbers`, `text`). Spelling
conventions and the comparison QA uses are in `kana` (PAUSE, `same_reading`); the Japanese-text
rules these share with the lookup (folds, pyopenjtalk, long vowels) are in `jtext`.

Readings are memoized per (text, kind); the address index is built once per process (and
cached on disk), so rendering thousands of stops costs little after the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal, get_args

from schedules.readings.datetime_kana import date_reading, time_reading, window_kana
from schedules.readings.kana import PAUSE, Reading, same_reading
from schedules.readings.text import text_reading

ReadingKind = Literal["address", "date", "time", "count", "phone", "text"]
KINDS: tuple[str, ...] = get_args(ReadingKind)

__all__ = [
    "KINDS", "PAUSE", "Reading", "ReadingKind", "checked_reading", "reading", "readings", "same_reading",
    "window_reading",
]


def _by_rule(kana: str | None, text: str) -> Reading:
    return Reading(kana) if kana else Reading(*text_reading(text))


@lru_cache(maxsize=200_000)
def _reading(text: str, kind: str) -> Reading:
    if kind == "address":
        from schedules.readings.address import address_reading

        return address_reading(text)
    if kind == "date":
        return _by_rule(date_reading(text), text)
    if kind == "time":
        return _by_rule(time_reading(text), text)
    if kind == "phone":
        from schedules.readings.phone import phone_kana

        return _by_rule(phone_kana(text), text)
    return Reading(*text_reading(text))


def checked_reading(text: str, kind: ReadingKind = "text") -> Reading:
    """The reading of `text` as `kind`, with whether it is a guess (see `Reading.uncertain`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown reading kind {kind!r}; expected one of {', '.join(KINDS)}")
    text = text.strip() if text else ""
    return _reading(text, kind) if text else Reading("")


def reading(text: str, kind: ReadingKind = "text") -> str:
    """The katakana a Japanese speaker would say for `text`, read as `kind`."""
    return checked_reading(text, kind).kana


def readings(texts: Iterable[str], kind: ReadingKind = "text") -> list[str]:
    """`reading` for many texts at once (same order)."""
    return [reading(t, kind) for t in texts]


def window_reading(start: dt.time | None, end: dt.time | None) -> str:
    """The spoken time window: 'クジカラ ジュウジマデ'; one end alone, or '' when neither is set."""
    return window_kana(start, end)
