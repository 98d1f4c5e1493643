"""Dates and times as said on the phone: ツイタチ, ハツカ, シガツ, クジ, レイジ.

Hours use ナナ for 7 (ナナジ, ジュウナナジ): over a noisy line シチジ is too close to イチジ, and
this is what dispatchers say. Days and months keep their fixed readings (ナノカ, シチガツ).
"""

from __future__ import annotations

import datetime as dt
import re

from jtext.folds import numbers_text
from schedules.readings.numbers import counted, number_kana

_DAYS = {
    1: "ツイタチ",
    2: "フツカ",
    3: "ミッカ",
    4: "ヨッカ",
    5: "イツカ",
    6: "ムイカ",
    7: "ナノカ",
    8: "ヨウカ",
    9: "ココノカ",
    10: "トオカ",
    14: "ジュウヨッカ",
    20: "ハツカ",
    24: "ニジュウヨッカ",
    17: "ジュウシチニチ",
    19: "ジュウクニチ",
    27: "ニジュウシチニチ",
    29: "ニジュウクニチ",
}
_MONTHS = {4: "シガツ", 7: "シチガツ", 9: "クガツ"}
_HOURS = {4: "ヨジ", 9: "クジ", 14: "ジュウヨジ", 19: "ジュウクジ", 24: "ニジュウヨジ"}
_WEEKDAYS = ("ゲツヨウビ", "カヨウビ", "スイヨウビ", "モクヨウビ", "キンヨウビ", "ドヨウビ", "ニチヨウビ")
_WEEKDAY_KANJI = "月火水木金土日"


def day_kana(day: int) -> str:
    """Day of the month: 1 → ツイタチ, 20 → ハツカ, 11 → ジュウイチニチ."""
    return _DAYS.get(day) or number_kana(day) + "ニチ"


def month_kana(month: int) -> str:
    """4 → シガツ, 12 → ジュウニガツ."""
    return _MONTHS.get(month) or number_kana(month) + "ガツ"


def year_kana(year: int) -> str:
    """2026 → ニセンニジュウロクネン (4年 ヨネン)."""
    return counted(year, "ネン") if year % 10 != 4 else number_kana(year)[:-2] + "ヨネン"


def hour_kana(hour: int) -> str:
    """0 → レイジ, 4 → ヨジ, 7 → ナナジ, 9 → クジ, 16 → ジュウロクジ."""
    if hour == 0:
        return "レイジ"
    return _HOURS.get(hour) or number_kana(hour) + "ジ"


def minute_kana(minute: int) -> str:
    """1 → イップン, 3 → サンプン, 10 → ジュップン, 15 → ジュウゴフン; 30 is サンジュップン."""
    return counted(minute, "フン", "p", "プン", "プン", yon_voiced=True)


def time_kana(hour: int, minute: int = 0, half: bool = False) -> str:
    """クジ, クジハン, ジュウジサンジュップン."""
    if half:
        return hour_kana(hour) + "ハン"
    return hour_kana(hour) + (minute_kana(minute) if minute else "")


def date_parts_kana(year: int | None, month: int | None, day: int | None, weekday: str = "") -> str:
    """Year, month, day (each optional) separated by spaces, then the weekday if given."""
    parts = []
    if year is not None:
        parts.append(year_kana(year))
    if month is not None:
        parts.append(month_kana(month))
    if day is not None:
        parts.append(day_kana(day))
    if weekday:
        parts.append(weekday)
    return " ".join(parts)


_WEEKDAY_RE = r"(?:\s*[(（]?\s*([月火水木金土日])(?:曜日?)?\s*[)）]?)?"
_DATE_RES = (
    re.compile(r"(?:(\d{4})年)?\s*(?:(\d{1,2})月)?\s*(\d{1,2})日" + _WEEKDAY_RE),
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _WEEKDAY_RE),
    re.compile(r"()(\d{1,2})/(\d{1,2})" + _WEEKDAY_RE),
    re.compile(r"(\d{4})年\s*(\d{1,2})月()"),
    re.compile(r"()(\d{1,2})月()"),
)
_TIME_RES = (
    re.compile(r"(午前|午後)?\s*(\d{1,2})時(?:(半)|(\d{1,2})分)?"),
    re.compile(r"(午前|午後)?\s*(\d{1,2}):(\d{2})()(?::\d{2})?"),  # seconds (09:00:00) are never said
)


def _date_match_kana(m: re.Match[str]) -> str | None:
    groups = m.groups()
    year_s, month_s, day_s = groups[0], groups[1], groups[2]
    year = int(year_s) if year_s else None
    month = int(month_s) if month_s else None
    day = int(day_s) if day_s else None
    if (month is not None and not 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        return None
    wd = groups[3] if len(groups) > 3 and groups[3] else ""
    weekday = _WEEKDAYS[_WEEKDAY_KANJI.index(wd)] if wd else ""
    return date_parts_kana(year, month, day, weekday)


def date_reading(text: str) -> str | None:
    """The reading of a whole date ('2026-12-01', '12月1日', '12/1(火)', '1日'), None if not one."""
    text = numbers_text(text).strip()
    for pattern in _DATE_RES:
        m = pattern.fullmatch(text)
        if m:
            return _date_match_kana(m)
    return None


def _time_match_kana(m: re.Match[str]) -> str | None:
    ampm, hour_s, third, fourth = m.groups()
    hour = int(hour_s)
    if pattern_is_clock(m):
        minute = int(third)
        half = False
    else:
        half = third == "半"
        minute = int(fourth) if fourth else 0
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        return None
    prefix = {"午前": "ゴゼン", "午後": "ゴゴ"}.get(ampm or "", "")
    return prefix + time_kana(hour, minute, half)


def pattern_is_clock(m: re.Match[str]) -> bool:
    """True for 9:30 style matches (the third group holds minutes)."""
    return m.re is _TIME_RES[1]


def time_reading(text: str) -> str | None:
    """The reading of a whole time ('9:00', '午前0時', '14時半'), None if not one."""
    text = numbers_text(text).strip()
    for pattern in _TIME_RES:
        m = pattern.fullmatch(text)
        if m:
            return _time_match_kana(m)
    return None


def clock_kana(value: dt.time) -> str:
    """A `datetime.time` as said: 09:00 → クジ, 10:30 → ジュウジサンジュップン."""
    return time_kana(value.hour, value.minute)


def window_kana(start: dt.time | None, end: dt.time | None) -> str:
    """'クジカラ ジュウジマデ'; one end alone gives 'クジカラ' or 'ジュウジマデ'; neither gives ''."""
    parts = []
    if start is not None:
        parts.append(clock_kana(start) + "カラ")
    if end is not None:
        parts.append(clock_kana(end) + "マデ")
    return " ".join(parts)


DATE_IN_TEXT = re.compile(
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}/\d{1,2}(?=\s*[(（][月火水木金土日])|(?:\d{4}年\s*)?\d{1,2}月\s*\d{1,2}日|\d{4}年\s*\d{1,2}月|\d{1,2}月)"
    r"(?:\s*[(（][月火水木金土日](?:曜日?)?[)）])?"
)
TIME_IN_TEXT = re.compile(r"(?:午前|午後)?\s*(?:\d{1,2}時(?:半|\d{1,2}分)?|\d{1,2}:\d{2}(?::\d{2})?)(?![\d:])")
