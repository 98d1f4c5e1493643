"""DISPATCH_HOURS: the desk's weekly timetable, e.g. ``mon-fri 08:00-19:00; sat 08:00-12:00``.

Entries are separated by ``;`` (or new lines); each names days, then one or more ranges separated
by commas. Days are ``mon`` … ``sun`` or 月 … 日, alone, in lists (``mon,wed``) or ranges
(``mon-fri``, ``fri-mon`` wraps the week), and ``hol`` (祝) for Japan's public holidays: without a
``hol`` entry the desk is closed on them. A range ending at or before its start runs past midnight
into the next day (``fri 22:00-06:00`` ends Saturday 06:00) and belongs to the day it starts on;
``24:00`` ends at midnight. An empty timetable means always open.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_JA_DAYS = "月火水木金土日"
HOLIDAY = "hol"
_DAY_ALIASES = {
    **{name: i for i, name in enumerate(DAY_NAMES)},
    **{ch: i for i, ch in enumerate(_JA_DAYS)},
    **{ch + "曜": i for i, ch in enumerate(_JA_DAYS)},
    **{ch + "曜日": i for i, ch in enumerate(_JA_DAYS)},
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
_HOLIDAY_ALIASES = {"hol", "holiday", "holidays", "祝", "祝日", "祝祭日"}
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
DAY_MINUTES = 24 * 60


@dataclass(frozen=True, order=True)
class Span:
    """Minutes from the start day's midnight: start in [0, 1440), start < end ≤ start + 1440."""

    start: int
    end: int


@dataclass(frozen=True)
class Timetable:
    """Open spans per weekday (0 = Monday) and for public holidays; `always_open` when none was set."""

    days: dict[int, tuple[Span, ...]] = field(default_factory=dict)
    holidays: tuple[Span, ...] | None = None  # None: closed on public holidays
    always_open: bool = False

    def spans(self, weekday: int, *, holiday: bool) -> tuple[Span, ...]:
        if holiday:
            return self.holidays or ()
        return self.days.get(weekday, ())


def _minutes(text: str, part: str, *, end: bool) -> int:
    m = _TIME.fullmatch(text)
    if not m:
        raise ValueError(f"{part!r}: {text!r} is not a time (HH:MM)")
    hour, minute = int(m.group(1)), int(m.group(2))
    if minute > 59 or hour > 24 or (hour == 24 and (minute or not end)):
        raise ValueError(f"{part!r}: {text!r} is not a time of day (00:00-23:59, or 24:00 as an end)")
    return hour * 60 + minute


def _span(text: str, part: str) -> Span:
    start_s, sep, end_s = text.partition("-")
    if not sep:
        raise ValueError(f"{part!r}: {text!r} is not a range (HH:MM-HH:MM)")
    start = _minutes(start_s.strip(), part, end=False)
    end = _minutes(end_s.strip(), part, end=True)
    if end == start:
        raise ValueError(f"{part!r}: {text!r} opens and closes at the same time")
    if end < start:
        end += DAY_MINUTES  # runs past midnight into the next day
    return Span(start, end)


def _day(token: str, part: str) -> int:
    day = _DAY_ALIASES.get(token)
    if day is None:
        raise ValueError(f"{part!r}: unknown day {token!r} (mon … sun, 月 … 日, or hol)")
    return day


def _days(text: str, part: str) -> tuple[set[int], bool]:
    days: set[int] = set()
    holiday = False
    for token in filter(None, (t.strip() for t in re.split(r"[,、]", text))):
        if token in _HOLIDAY_ALIASES:
            holiday = True
            continue
        first, sep, last = token.partition("-")
        if not sep:
            days.add(_day(token, part))
            continue
        a, b = _day(first.strip(), part), _day(last.strip(), part)
        days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    if not days and not holiday:
        raise ValueError(f"{part!r}: no days named")
    return days, holiday


def parse_timetable(text: str) -> Timetable:
    """The timetable written in `text`; a ValueError names the entry at fault."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = re.sub(r"[〜~～]", "-", text)
    entries = [e.strip() for e in re.split(r"[;\n]", text) if e.strip()]
    if not entries:
        return Timetable(always_open=True)
    days: dict[int, list[Span]] = {}
    holidays: list[Span] | None = None
    for entry in entries:
        m = re.fullmatch(r"(?P<days>[^\d]+?)\s+(?P<spans>\d.*)", entry)
        if not m:
            raise ValueError(f"{entry!r}: expected days then hours, e.g. 'mon-fri 08:00-19:00'")
        named, holiday = _days(re.sub(r"\s*-\s*", "-", m.group("days")), entry)
        spans = [_span(s.strip(), entry) for s in re.split(r"[,、]", m.group("spans")) if s.strip()]
        for day in named:
            days.setdefault(day, []).extend(spans)
        if holiday:
            holidays = (holidays or []) + spans
    return Timetable(
        days={d: tuple(sorted(s)) for d, s in days.items()},
        holidays=tuple(sorted(holidays)) if holidays is not None else None,
    )
