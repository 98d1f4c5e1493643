"""What the bot says when the desk is closed: the next opening in kana, worded in ivr/prompts/opening_hours.md.

Dates and times are read by the schedule readings' rules (ツイタチ, ハチジハン, ゴゴ ニジ), so the bot
reads kana and never has to guess at a digit.
"""

from __future__ import annotations

import datetime as dt

from ivr.opening_hours.desk import DeskStatus
from ivr.prompts.store import SectionFile
from schedules.readings import reading

PROMPTS = SectionFile("opening_hours.md", ("closed", "closed_no_opening", "when", "today", "tomorrow", "date"))
_WEEKDAY_KANJI = "月火水木金土日"


def time_kana(at: dt.datetime) -> str:
    """08:00 → ゴゼンハチジ, 08:30 → ゴゼンハチジハン, 13:15 → ゴゴイチジジュウゴフン, 12:00 → ジュウニジ."""
    hour, minute = at.hour, at.minute
    if hour < 12:
        clock = f"午前{hour}時"
    elif hour == 12:
        clock = "12時"
    else:
        clock = f"午後{hour - 12}時"
    clock += "半" if minute == 30 else f"{minute}分" if minute else ""
    return reading(clock, "time")


def day_kana(at: dt.datetime, now: dt.datetime, prompts: SectionFile = PROMPTS) -> str:
    days = (at.date() - now.date()).days
    if days == 0:
        return prompts.section("today")
    if days == 1:
        return prompts.section("tomorrow")
    date = reading(f"{at.month}月{at.day}日({_WEEKDAY_KANJI[at.weekday()]})", "date")
    return prompts.section("date").format(date=date)


def opening_kana(status: DeskStatus, prompts: SectionFile = PROMPTS) -> str:
    """The next opening as said ('アシタノ ゴゼンハチジ'); '' when the desk is open or never opens."""
    if status.open or status.opens_at is None:
        return ""
    return prompts.section("when").format(day=day_kana(status.opens_at, status.at, prompts),
                                          time=time_kana(status.opens_at))


def closed_line(status: DeskStatus, prompts: SectionFile = PROMPTS) -> str:
    """The bot's whole line for a closed desk ('' when it is open)."""
    if status.open:
        return ""
    when = opening_kana(status, prompts)
    if not when:
        return prompts.section("closed_no_opening")
    return prompts.section("closed").format(when=when)
