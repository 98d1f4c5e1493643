"""The alerts the console shows: identification limits that tripped since a given time.

`tripped_limits(sessionmaker, since)` is the one call the dispatchers' console makes. A plate
limit names the serial (what a dispatcher needs to warn that vehicle's drivers); a caller limit
names only a short reference to the caller's keyed hash, which tells two alerts about the same
caller apart and nothing more: the number itself is never stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lookup.attempt_ledger import IdentLockoutRow, LimitKind
from lookup.caller_key import caller_reference

_UTC = dt.UTC


@dataclass(frozen=True)
class TrippedLimit:
    """One limit that tripped. `subject`: the plate serial (1234) for "plate", a caller reference
    (8 hex characters of the hash, or "withheld") for "caller"."""

    kind: LimitKind
    subject: str
    tripped_at: dt.datetime  # timezone-aware, UTC
    until: dt.datetime  # when the lock lifts unless more attempts fail (refused ones don't count)
    failures: int  # failures in the window when it tripped
    call_sid: str  # the call whose failure tripped it

    def active(self, now: dt.datetime) -> bool:
        return self.until > now


def _utc(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, _UTC)


async def tripped_limits(sessionmaker: async_sessionmaker[AsyncSession], since: dt.datetime) -> list[TrippedLimit]:
    """Every limit that tripped at or after `since` (aware, or naive UTC), newest first."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=_UTC)
    stmt = (select(IdentLockoutRow).where(IdentLockoutRow.tripped_at >= int(since.timestamp()))
            .order_by(IdentLockoutRow.tripped_at.desc(), IdentLockoutRow.id.desc()))
    async with sessionmaker() as session:
        rows = (await session.execute(stmt)).scalars().all()
    return [
        TrippedLimit(
            kind="plate" if row.kind == "plate" else "caller",
            subject=row.subject if row.kind == "plate" else caller_reference(row.subject),
            tripped_at=_utc(row.tripped_at), until=_utc(row.until_at), failures=row.failures, call_sid=row.call_sid,
        )
        for row in rows
    ]
