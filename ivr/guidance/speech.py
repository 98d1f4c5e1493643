"""Small kana renderings the tools need beyond the stored readings (dates, ordinals).

The heard vehicle number is rendered by the lookup itself (lookup.result.digits_kana).
"""

from __future__ import annotations

import datetime as dt

from schedules.readings import reading


def date_kana(day: dt.date) -> str:
    return reading(f"{day.month}月{day.day}日", "date")


def ordinal_kana(n: int) -> str:
    return reading(f"{n}件目", "count")


def count_kana(n: int) -> str:
    """A number of stops, as the model may say it (「あと2件」): kana, never a digit to read itself."""
    return reading(f"{n}件", "count")
