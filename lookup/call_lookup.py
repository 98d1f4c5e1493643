"""Per-call lookup state: failures are counted per call so nobody can enumerate numbers by trying.

This is the one place that counts a call's failed lookups and decides the hand-off; the phone
conversation (ivr/guidance) holds one `CallLookup` per call and only maps its answers onto the
flow. Each `not_found`, `invalid` or `ambiguous` answer and each denied read-back counts as a
failure; on the third the answer says to hand the call to a dispatcher, and every later lookup
in that call returns the same hand-off without touching the schedule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from lookup.result import FAILED, TOO_MANY_FAILURES, LookupResult
from lookup.service import lookup_driver

MAX_FAILURES = 3


class CallLookup:
    """Lookups for one call (never share it between calls), with the call's failure count."""

    def __init__(self, *, caller_phone: str | None = None, max_failures: int = MAX_FAILURES) -> None:
        self.caller_phone = caller_phone
        self.max_failures = max_failures
        self.failures = 0
        self.last: LookupResult | None = None

    @property
    def handed_off(self) -> bool:
        return self.failures >= self.max_failures

    @property
    def attempts_left(self) -> int:
        return max(0, self.max_failures - self.failures)

    def record(self, result: LookupResult) -> LookupResult:
        """Count `result` against this call. A failure comes back with the attempts left and, on
        the last allowed one, marked as the hand-off. Pure: no I/O."""
        if result.status in FAILED:
            self.failures += 1
            result = dataclasses.replace(result, attempts_left=self.attempts_left)
            if self.handed_off:
                result = dataclasses.replace(result, handoff=True)
        self.last = result
        return result

    def refuse(self) -> LookupResult:
        """The answer once the call has been handed off: no lookup, no data."""
        return LookupResult(
            status="not_found", digits=None, name_key=None, handoff=True, reason=TOO_MANY_FAILURES,
            attempts_left=0,
        )

    async def lookup(self, session: AsyncSession, *, date: dt.date, vehicle_text: str, name_text: str) -> LookupResult:
        """`lookup_driver` with this call's caller ID, counted against this call. Once handed off,
        `session` is never used (an AsyncSession opens no connection until its first query)."""
        if self.handed_off:
            return self.refuse()
        result = await lookup_driver(
            session, date=date, vehicle_text=vehicle_text, name_text=name_text, caller_phone=self.caller_phone
        )
        return self.record(result)

    def read_back_denied(self) -> LookupResult | None:
        """The caller said the read-back name (a `confirm`) is not theirs: one more failure.
        Returns the hand-off answer when that was the last allowed failure, else None."""
        self.failures += 1
        self.last = None
        return self.refuse() if self.handed_off else None
