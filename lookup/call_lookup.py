"""Per-call lookup state: failures are counted per call so nobody can enumerate numbers by trying.

Create one `CallLookup` per phone call (never share it). Each `not_found`, `invalid` or
`ambiguous` answer and each denied read-back counts as a failure; on the third the answer's
instruction says to hand the call to a dispatcher, and every later lookup in that call returns
the same hand-off without touching the schedule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from lookup.result import INSTRUCTIONS, LookupResult
from lookup.service import lookup_driver

MAX_FAILURES = 3
_FAILED = frozenset({"not_found", "invalid", "ambiguous"})


class CallLookup:
    """Lookups for one call, with the failure count and the driver awaiting a read-back."""

    def __init__(self, *, caller_phone: str | None = None, max_failures: int = MAX_FAILURES) -> None:
        self.caller_phone = caller_phone
        self.max_failures = max_failures
        self.failures = 0
        self.last: LookupResult | None = None

    @property
    def handed_off(self) -> bool:
        return self.failures >= self.max_failures

    def _handoff(self, result: LookupResult) -> LookupResult:
        return dataclasses.replace(result, instruction=INSTRUCTIONS["handoff"], handoff=True)

    def record(self, result: LookupResult) -> LookupResult:
        """Count `result` against this call; past the limit, its instruction becomes the hand-off."""
        if result.status in _FAILED:
            self.failures += 1
        if self.handed_off and result.status in _FAILED:
            result = self._handoff(result)
        self.last = result
        return result

    def refuse(self) -> LookupResult:
        """The answer once the call has been handed off: no lookup, no data."""
        return LookupResult(
            status="not_found", digits=None, name_key=None, instruction=INSTRUCTIONS["handoff"], handoff=True,
            reason="too many failed lookups in this call",
        )

    async def lookup(self, session: AsyncSession, *, date: dt.date, vehicle_text: str, name_text: str) -> LookupResult:
        """`lookup_driver` with this call's caller ID, counted against this call."""
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
