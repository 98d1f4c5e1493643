"""How a call turned out: the one list of outcomes, stored on the call record and shown by `ivr calls`.

The conversation's state decides the outcome (see ivr/guidance/state.py); the recorder stores
it; the console and the command line only read it. A `StrEnum`, so a stored value, a JSON field
and a comparison with the plain string all agree.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    IN_PROGRESS = "in_progress"  # the record's value until the call finishes
    SERVED = "served"  # the identified driver heard their schedule
    TRANSFERRED = "transferred"  # handed (or on its way) to a dispatcher
    NOT_FOUND = "not_found"  # the caller was never identified after a failed lookup
    HUNG_UP = "hung_up"  # ended before any of the above
