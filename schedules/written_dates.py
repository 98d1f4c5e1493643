"""Dates and times as dispatchers write them in schedule cells, read strictly.

Excel and people write the same date many ways (2026/12/1, 2026年12月1日, 令和8年12月1日,
2026/12/1(火)) and the same time many ways (9:00, ９時, 9時半, 午後3時, 3:00 PM). Every form
accepted here has exactly one meaning; anything that could mean two things is refused with
the reason, because a driver who hears the wrong day or hour is worse off than a dispatcher
who fixes one cell: 12月1日 has no year, 9:5 may be 9:05 or 9:50, 午後12時 is noon to some
and midnight to others, and a weekday that contradicts its date means one of them is a typo.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_REIWA_START = 2018  # 令和1年 (元年) is 2019
_WEEKDAYS = "月火水木金土日"

_WEEKDAY = r"(?:\s*[(（]?\s*(?P<weekday>[月火水木金土日])(?:曜日?)?\s*[)）]?)?"
_MIDNIGHT = r"(?:[\sT]+0?0:00(?::00)?)?"
_SEP_DATE = re.compile(
    r"(?:(?P<year>\d{4})|(?:令和|R)\s*(?P<era>\d{1,2}|元))\s*(?P<s1>[-/.年])\s*(?P<month>\d{1,2})\s*(?P<s2>[-/.月])"
    r"\s*(?P<day>\d{1,2})\s*日?" + _WEEKDAY + _MIDNIGHT
)
_COMPACT_DATE = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})" + _WEEKDAY)
_NO_YEAR = re.compile(r"\d{1,2}\s*(?:月\s*\d{1,2}\s*日|/\s*\d{1,2})" + _WEEKDAY)

_CLOCK = re.compile(r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?")
_KANJI_TIME = re.compile(r"(?P<hour>\d{1,2})\s*時\s*(?:(?P<half>半)|(?P<minute>\d{1,2})\s*分)?")
_MERIDIEM_BEFORE = re.compile(r"(?P<ampm>午前|午後|AM|PM)\s*(?P<rest>.+)", re.IGNORECASE)
_MERIDIEM_AFTER = re.compile(r"(?P<rest>.+?)\s*(?P<ampm>AM|PM|午前|午後)", re.IGNORECASE)


def parse_date(text: str) -> dt.date | str:
    """The date, or the reason it is not one (2026-02-30 is 'impossible', 'tomorrow' is not a date)."""
    plain = unicodedata.normalize("NFKC", text).strip()
    match = _SEP_DATE.fullmatch(plain) or _COMPACT_DATE.fullmatch(plain)
    if not match:
        if _NO_YEAR.fullmatch(plain):
            return f"the year is missing in {text!r}; write it as 2026-12-01"
        return f"not a date: {text!r}; write it as 2026-12-01"
    groups = match.groupdict()
    if groups.get("era"):
        year = _REIWA_START + (1 if groups["era"] == "元" else int(groups["era"]))
    else:
        year = int(groups["year"])
    try:
        date = dt.date(year, int(groups["month"]), int(groups["day"]))
    except ValueError:
        return f"impossible date {text}"
    weekday = groups.get("weekday")
    if weekday and _WEEKDAYS[date.weekday()] != weekday:
        return f"{date.isoformat()} is a {_WEEKDAYS[date.weekday()]}曜日, not {weekday}: check the date in {text!r}"
    return date


def parse_time(text: str) -> dt.time | str:
    """The time of day, or the reason it is not one (25:00 is impossible; 'noon' is not a time)."""
    plain = unicodedata.normalize("NFKC", text).strip()
    ampm = ""
    meridiem = _MERIDIEM_BEFORE.fullmatch(plain) or _MERIDIEM_AFTER.fullmatch(plain)
    if meridiem:
        ampm, plain = meridiem.group("ampm").upper(), meridiem.group("rest").strip()
    match = _CLOCK.fullmatch(plain) or _KANJI_TIME.fullmatch(plain)
    if not match:
        return f"not a time: {text!r}; write it as 09:30"
    groups = match.groupdict()
    hour = int(groups["hour"])
    minute = 30 if groups.get("half") else int(groups["minute"] or 0)
    second = int(groups.get("second") or 0)
    if ampm:
        if hour > 12 or (ampm in ("午前", "午後") and hour == 12):
            return f"ambiguous time {text!r}: write it in 24-hour form, e.g. 12:30 or 00:30"
        if ampm in ("AM", "PM") and hour == 0:
            return f"ambiguous time {text!r}: write it in 24-hour form, e.g. 12:30 or 00:30"
        hour = hour % 12 + (12 if ampm in ("PM", "午後") else 0)
    if hour > 23 or minute > 59 or second > 59:
        return f"impossible time {text}"
    return dt.time(hour, minute, second)


__all__ = ["parse_date", "parse_time"]
