"""Small kana renderings the tools need beyond the stored readings (dates, ordinals, digits)."""

from __future__ import annotations

import datetime as dt

from schedules.readings import reading

_DIGITS = {"0": "ゼロ", "1": "イチ", "2": "ニー", "3": "サン", "4": "ヨン",
           "5": "ゴー", "6": "ロク", "7": "ナナ", "8": "ハチ", "9": "キュウ"}


def digits_kana(digits: str) -> str:
    """A number read digit by digit, the way a vehicle number is read back on the phone."""
    return " ".join(_DIGITS[d] for d in digits if d in _DIGITS)


def date_kana(day: dt.date) -> str:
    return reading(f"{day.month}月{day.day}日", "date")


def ordinal_kana(n: int) -> str:
    return reading(f"{n}件目", "count")
