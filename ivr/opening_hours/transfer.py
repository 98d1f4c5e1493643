"""The one question the transfer path asks before dialling the dispatcher: is anyone at the desk?

`transfer_decision` is what a hand-over calls (once, when the hand-over is wanted): `attempt` says
whether to dial; when not, `say` is the bot's line (kana, from ivr/prompts/opening_hours.md) and
`opens_at` is what the console's follow-up flag shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ivr.opening_hours.desk import DeskHours
from ivr.opening_hours.speech import closed_line


@dataclass(frozen=True)
class TransferDecision:
    attempt: bool
    say: str = ""
    opens_at: dt.datetime | None = None


def transfer_decision(desk: DeskHours, now: dt.datetime | None = None) -> TransferDecision:
    status = desk.status(now)
    if status.open:
        return TransferDecision(attempt=True)
    return TransferDecision(attempt=False, say=closed_line(status), opens_at=status.opens_at)
