"""The dispatch desk's opening hours: a weekly timetable, Japan's public holidays, and closed dates.

Pure logic with an injected clock; nothing here does I/O. The transfer path calls
`transfer_decision(desk)` (desk = `DeskHours.from_settings(settings)`, built once per process): dial,
or say the closed line (ivr/prompts/opening_hours.md) and flag the call. See docs/after-call.md.
"""

from ivr.opening_hours.closures import Closures, parse_closures
from ivr.opening_hours.desk import DeskHours, DeskStatus
from ivr.opening_hours.speech import closed_line, opening_kana
from ivr.opening_hours.timetable import Timetable, parse_timetable
from ivr.opening_hours.transfer import TransferDecision, transfer_decision

__all__ = [
    "Closures",
    "DeskHours",
    "DeskStatus",
    "Timetable",
    "TransferDecision",
    "closed_line",
    "opening_kana",
    "parse_closures",
    "parse_timetable",
    "transfer_decision",
]
