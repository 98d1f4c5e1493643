"""The dispatch desk's opening hours: a weekly timetable, Japan's public holidays, and closed dates.

Pure logic with an injected clock; nothing here does I/O. The transfer path asks `DeskHours.status()`
whether a hand-over can be attempted now and, when it cannot, `closed_line()` for what the bot says
(ivr/prompts/opening_hours.md). See docs/after-call.md for the settings.
"""

from ivr.opening_hours.closures import Closures, parse_closures
from ivr.opening_hours.desk import DeskHours, DeskStatus
from ivr.opening_hours.speech import closed_line, opening_kana
from ivr.opening_hours.timetable import Timetable, parse_timetable

__all__ = [
    "Closures",
    "DeskHours",
    "DeskStatus",
    "Timetable",
    "closed_line",
    "opening_kana",
    "parse_closures",
    "parse_timetable",
]
