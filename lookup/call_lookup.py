"""Per-call identification: the call's attempts, the second factor, and the limits across calls.

This is the one place that counts a call's attempts and decides the hand-off; the phone
conversation (ivr/guidance) holds one `CallLookup` per call and only maps its answers onto the
flow. Every answer but `matched` counts as an attempt (`COUNTED`: not_found, invalid, ambiguous
and confirm), and so does a wrong second factor; on the third the answer says to hand the call to
a dispatcher, and every later lookup in that call returns the same hand-off without touching the
schedule.

With an `AttemptLedger` the same attempts also count across calls, against the plate serial and
the caller's number (a keyed hash), and a lookup or second factor is refused, before the schedule
is read, while either limit holds (`lookup.attempt_ledger`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lookup.attempt_ledger import AttemptLedger, LimitKind, Trip
from lookup.result import (
    CALLER_LOCKED,
    COUNTED,
    NAME_MISSING,
    PLATE_LOCKED,
    TOO_MANY_FAILURES,
    WRONG_SECOND_FACTOR,
    DriverInfo,
    LookupResult,
)
from lookup.second_factor import tail_matches
from lookup.service import lookup_driver
from lookup.spoken_digits import spoken_digits
from schedules.models import Driver

MAX_FAILURES = 3
_LOCK_REASON: dict[LimitKind, str] = {"plate": PLATE_LOCKED, "caller": CALLER_LOCKED}

VerifyStatus = Literal["verified", "wrong", "not_pending", "refused"]


@dataclass(frozen=True)
class VerifyResult:
    """A second factor's outcome. `driver` is set only when `verified`; a `refused` or last `wrong`
    one carries `handoff`."""

    status: VerifyStatus
    driver: DriverInfo | None = None
    attempts_left: int | None = None
    handoff: bool = False
    reason: str = ""


class CallLookup:
    """Lookups for one call (never share it between calls), with the call's attempt count.

    `ledger`, `caller_key` and `call_sid` count the same attempts across calls; `on_trip` hears of
    each limit that one of this call's failures tripped (the service counts it in its metrics)."""

    def __init__(self, *, caller_phone: str | None = None, max_failures: int = MAX_FAILURES,
                 ledger: AttemptLedger | None = None, caller_key: str = "", call_sid: str = "",
                 on_trip: Callable[[Trip], None] | None = None) -> None:
        self.caller_phone = caller_phone
        self.max_failures = max_failures
        self.failures = 0
        self.last: LookupResult | None = None
        self.pending: LookupResult | None = None  # the `confirm` awaiting its second factor
        self._ledger = ledger
        self._caller_key = caller_key
        self._call_sid = call_sid
        self._on_trip = on_trip
        self._confirms_counted = 0  # this call's confirms in the ledger, forgiven if the call then proves itself

    @property
    def handed_off(self) -> bool:
        return self.failures >= self.max_failures

    @property
    def attempts_left(self) -> int:
        return max(0, self.max_failures - self.failures)

    def record(self, result: LookupResult) -> LookupResult:
        """Count `result` against this call. An attempt that did not identify comes back with the
        attempts left and, on the last allowed one, marked as the hand-off. Pure: no I/O."""
        if result.status in COUNTED:
            self.failures += 1
            result = dataclasses.replace(result, attempts_left=self.attempts_left)
            if self.handed_off:
                result = dataclasses.replace(result, handoff=True)
        self.last = result
        self.pending = result if result.status == "confirm" and not result.handoff else None
        return result

    def refuse(self, reason: str = TOO_MANY_FAILURES) -> LookupResult:
        """The answer once the call has been handed off (or a limit holds): no lookup, no data."""
        self.pending = None
        return LookupResult(status="not_found", digits=None, name_key=None, handoff=True, reason=reason,
                            attempts_left=0)

    async def _locked(self, serial: str | None) -> LimitKind | None:
        if self._ledger is None:
            return None
        return await self._ledger.locked(serial=serial, caller_key=self._caller_key)

    async def _count_across_calls(self, serial: str | None, outcome: str) -> None:
        if self._ledger is None:
            return
        trips = await self._ledger.record_failure(call_sid=self._call_sid, serial=serial,
                                                  caller_key=self._caller_key, outcome=outcome)
        self._confirms_counted += outcome == "confirm"
        for trip in trips:
            if self._on_trip is not None:
                self._on_trip(trip)

    async def _identified(self) -> None:
        if self._ledger is not None and self._confirms_counted:
            await self._ledger.forgive(self._call_sid)
            self._confirms_counted = 0

    async def lookup(self, session: AsyncSession, *, date: dt.date, vehicle_text: str, name_text: str) -> LookupResult:
        """`lookup_driver` with this call's caller ID, counted against this call (and across calls).
        Once handed off, or while a limit holds, `session` is never used (an AsyncSession opens no
        connection until its first query) and the schedule is not read."""
        if self.handed_off:
            return self.refuse()
        serial = spoken_digits(vehicle_text, "vehicle")
        lock = await self._locked(serial)
        if lock is not None:
            self.failures = self.max_failures
            return self.refuse(_LOCK_REASON[lock])
        result = self.record(await lookup_driver(
            session, date=date, vehicle_text=vehicle_text, name_text=name_text, caller_phone=self.caller_phone))
        if result.status in COUNTED and result.reason != NAME_MISSING:
            await self._count_across_calls(result.digits, result.status)
        elif result.status == "matched":
            await self._identified()
        return result

    async def verify_phone_tail(self, session: AsyncSession, *, said: str, heard: frozenset[str]) -> VerifyResult:
        """The second factor of the pending `confirm`: `said` (four digits, as the model relayed
        them) must be the last four of the driver's phone on file and among `heard` (what the
        caller's own transcript says). A wrong one counts like a failed lookup."""
        pending = self.pending
        if self.handed_off:
            self.refuse()
            return VerifyResult("refused", attempts_left=0, handoff=True, reason=TOO_MANY_FAILURES)
        if pending is None or pending.driver is None or pending.second_factor != "phone_last4":
            return VerifyResult("not_pending")
        lock = await self._locked(pending.driver.serial)
        if lock is not None:
            self.failures = self.max_failures
            self.refuse()
            return VerifyResult("refused", attempts_left=0, handoff=True, reason=_LOCK_REASON[lock])
        phone = (await session.execute(select(Driver.phone).where(Driver.id == pending.driver.id))).scalar()
        if tail_matches(said, heard, phone):
            self.pending = None
            await self._identified()
            return VerifyResult("verified", driver=pending.driver)
        self.failures += 1
        await self._count_across_calls(pending.driver.serial, WRONG_SECOND_FACTOR)
        if self.handed_off:
            self.pending = None
            return VerifyResult("wrong", attempts_left=0, handoff=True, reason=WRONG_SECOND_FACTOR)
        return VerifyResult("wrong", attempts_left=self.attempts_left, reason=WRONG_SECOND_FACTOR)

