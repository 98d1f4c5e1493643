"""Failed identification attempts, counted across calls and instances in the shared database.

A call's own limit (three attempts, `lookup.call_lookup`) stops nobody who simply calls again. So
every attempt that did not identify a driver is written here, against the plate serial it named
and against the caller's number (as a keyed hash, `lookup.caller_key`: never the number), and a
lookup is refused, before the schedule is read, while either has `limit` failures within the
window. That caps how many names or phone digits anyone can try on one plate, and how many plates
one number can try, per window, however many calls they make.

What counts: `not_found`, `ambiguous` (except a number said without a name, which reads nothing),
`invalid`, `confirm` (a near or surname-only match that still needs a second factor) and a wrong
second factor. A `confirm` that the same call then proves (the right phone digits, or the full
name) is forgiven: it was the driver. A lookup refused because a limit holds is not counted, so a
lock lifts once its failures age out of the window.

When a failure brings a count to its limit, a row is written to `ident_lockouts`: the alert the
console lists (`lookup.tripped_limits`) and the metrics count. Times are Unix seconds in integers,
the same on every instance and backend.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from schedules.models import Base

LimitKind = Literal["plate", "caller"]
LIMIT_KINDS: tuple[LimitKind, ...] = ("plate", "caller")
CONFIRM_OUTCOME = "confirm"
PRUNE_EVERY_S = 60.0
LOCKOUTS_KEPT_S = 90 * 24 * 3600  # the alerts stay for the console long after the failures are pruned

_log = logging.getLogger(__name__)


class IdentAttemptRow(Base):
    """One attempt that did not identify a driver."""

    __tablename__ = "ident_attempts"
    __table_args__ = (
        Index("ix_ident_attempts_serial_at", "serial", "at"),
        Index("ix_ident_attempts_caller_key_at", "caller_key", "at"),
        Index("ix_ident_attempts_call_sid", "call_sid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[int] = mapped_column(BigInteger)
    call_sid: Mapped[str] = mapped_column(String(64))
    serial: Mapped[str | None] = mapped_column(String(8), nullable=True)  # None: no usable number was said
    caller_key: Mapped[str] = mapped_column(String(64))  # HMAC of the caller's number, or "withheld"
    outcome: Mapped[str] = mapped_column(String(32))  # a lookup status or "wrong_phone_digits"
    forgiven: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class IdentLockoutRow(Base):
    """A limit that tripped: the plate serial or the caller (hash) and when."""

    __tablename__ = "ident_lockouts"
    __table_args__ = (Index("ix_ident_lockouts_tripped_at", "tripped_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # a LimitKind
    subject: Mapped[str] = mapped_column(String(64))  # the serial, or the caller key
    tripped_at: Mapped[int] = mapped_column(BigInteger)
    until_at: Mapped[int] = mapped_column(BigInteger)  # when the lock lifts if nothing more fails
    failures: Mapped[int] = mapped_column(Integer)
    call_sid: Mapped[str] = mapped_column(String(64))  # the call whose failure tripped it


@dataclass(frozen=True)
class AttemptLimits:
    """Failures allowed per plate serial and per caller number within `window_s` seconds."""

    per_plate: int = 10
    per_caller: int = 10
    window_s: int = 24 * 3600

    def __post_init__(self) -> None:
        if self.per_plate < 1 or self.per_caller < 1 or self.window_s < 1:
            raise ValueError("identification limits must be at least 1")

    def limit(self, kind: LimitKind) -> int:
        return self.per_plate if kind == "plate" else self.per_caller


@dataclass(frozen=True)
class Trip:
    """A limit that one failure just tripped."""

    kind: LimitKind
    failures: int
    until_at: int


class AttemptLedger:
    """The shared failure counts. One per process; it holds no call's state, only the prune timer."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], limits: AttemptLimits, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._sm = sessionmaker
        self.limits = limits
        self._clock = clock
        self._next_prune = 0.0

    def _now(self) -> int:
        return int(self._clock())

    def _subjects(self, serial: str | None, caller_key: str) -> list[tuple[LimitKind, str]]:
        out: list[tuple[LimitKind, str]] = []
        if serial:
            out.append(("plate", serial))
        if caller_key:
            out.append(("caller", caller_key))
        return out

    @staticmethod
    def _column(kind: LimitKind) -> Any:
        return IdentAttemptRow.serial if kind == "plate" else IdentAttemptRow.caller_key

    async def _counts(self, session: AsyncSession, subjects: list[tuple[LimitKind, str]],
                      since: int) -> dict[LimitKind, int]:
        counts: dict[LimitKind, int] = {}
        for kind, subject in subjects:
            stmt = select(func.count()).select_from(IdentAttemptRow).where(
                self._column(kind) == subject, IdentAttemptRow.at > since,
                IdentAttemptRow.forgiven.is_(False))
            counts[kind] = int((await session.execute(stmt)).scalar_one())
        return counts

    async def locked(self, *, serial: str | None, caller_key: str) -> LimitKind | None:
        """Which limit (plate first) holds for this serial or caller now, if any."""
        since = self._now() - self.limits.window_s
        async with self._sm() as session:
            counts = await self._counts(session, self._subjects(serial, caller_key), since)
        return next((kind for kind in LIMIT_KINDS if counts.get(kind, 0) >= self.limits.limit(kind)), None)

    async def record_failure(self, *, call_sid: str, serial: str | None, caller_key: str,
                             outcome: str) -> list[Trip]:
        """Count one failed attempt; returns the limits it brought to their limit (each trips once
        per lock: a count already past its limit with a lockout still running trips nothing)."""
        now = self._now()
        since = now - self.limits.window_s
        subjects = self._subjects(serial, caller_key)
        trips: list[Trip] = []
        async with self._sm.begin() as session:
            session.add(IdentAttemptRow(at=now, call_sid=call_sid, serial=serial, caller_key=caller_key,
                                        outcome=outcome, forgiven=False))
            await session.flush()
            counts = await self._counts(session, subjects, since)
            for kind, subject in subjects:
                limit = self.limits.limit(kind)
                if counts[kind] < limit or await self._lockout_running(session, kind, subject, now):
                    continue
                until = await self._lock_lifts_at(session, kind, subject, since, limit)
                session.add(IdentLockoutRow(kind=kind, subject=subject, tripped_at=now, until_at=until,
                                            failures=counts[kind], call_sid=call_sid))
                trips.append(Trip(kind, counts[kind], until))
        await self._maybe_prune(now)
        return trips

    async def _lockout_running(self, session: AsyncSession, kind: LimitKind, subject: str, now: int) -> bool:
        stmt = select(IdentLockoutRow.id).where(IdentLockoutRow.kind == kind, IdentLockoutRow.subject == subject,
                                                IdentLockoutRow.until_at > now).limit(1)
        return (await session.execute(stmt)).first() is not None

    async def _lock_lifts_at(self, session: AsyncSession, kind: LimitKind, subject: str, since: int,
                             limit: int) -> int:
        """The lock holds while `limit` failures are in the window: it lifts when the oldest of the
        latest `limit` failures ages out."""
        stmt = (select(IdentAttemptRow.at)
                .where(self._column(kind) == subject, IdentAttemptRow.at > since, IdentAttemptRow.forgiven.is_(False))
                .order_by(IdentAttemptRow.at.desc(), IdentAttemptRow.id.desc()).offset(limit - 1).limit(1))
        oldest = (await session.execute(stmt)).scalar_one()
        return int(oldest) + self.limits.window_s

    async def forgive(self, call_sid: str) -> None:
        """The call proved who it is: its near-match attempts (`confirm`) no longer count."""
        async with self._sm.begin() as session:
            await session.execute(
                update(IdentAttemptRow)
                .where(and_(IdentAttemptRow.call_sid == call_sid, IdentAttemptRow.outcome == CONFIRM_OUTCOME))
                .values(forgiven=True))

    async def _maybe_prune(self, now: int) -> None:
        if self._clock() < self._next_prune:
            return
        self._next_prune = self._clock() + PRUNE_EVERY_S
        try:
            await self.prune(now)
        except Exception as exc:  # the failure is counted; pruning waits for the next minute
            _log.warning("identification attempts prune failed: %s", type(exc).__name__)

    async def prune(self, now: int) -> None:
        """Failures older than the window count for nothing; alerts are kept much longer."""
        async with self._sm.begin() as session:
            await session.execute(delete(IdentAttemptRow).where(IdentAttemptRow.at <= now - self.limits.window_s))
            await session.execute(delete(IdentLockoutRow).where(IdentLockoutRow.tripped_at <= now - LOCKOUTS_KEPT_S))

