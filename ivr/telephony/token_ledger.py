"""Stream tokens in the shared database: handed out once per call, spent once, on any instance.

One row per CallSid, inserted when the webhook issues the call's token and never inserted again
while it is kept:

- the webhook inserts it (insert-once): a second webhook for the same CallSid (a replay, or the
  same request retried) gets no token, so it can neither replace the live call's token nor race
  it with a second one (`ivr.web.voice` answers that webhook with the dispatcher fallback);
- `start` spends it (an update that matches only an unspent row with the token's own expiry), so
  a replayed `start` is refused on every instance, and a token from any other issue never matches;
- the row is kept until the call has surely ended (its token's expiry plus MAX_CALL_SECONDS), then
  pruned, so the rule holds for the whole life of the call, not just the token's 30 s.

Times are Unix seconds in integers: the same on every instance and backend (SQLite would hand a
timezone-aware datetime back naive).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from sqlalchemy import BigInteger, Index, String, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column

from schedules.models import Base

_log = logging.getLogger(__name__)
PRUNE_EVERY_S = 60.0
DB_TIMEOUT_S = 3.0  # a stuck database refuses this one call (to the fallback) instead of holding it


class StreamTokenRow(Base):
    __tablename__ = "stream_tokens"
    __table_args__ = (Index("ix_stream_tokens_keep_until", "keep_until"),)

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    keep_until: Mapped[int] = mapped_column(BigInteger)
    spent_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class TokenLedger:
    def __init__(self, keep_after_expiry_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._keep = int(keep_after_expiry_s)
        self._clock = clock
        self._next_prune = 0.0

    async def issue(self, engine: AsyncEngine, call_sid: str, expires_at: int, now: int) -> bool:
        """True if this is the call's first token; False if one was already issued (and is kept)."""
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(StreamTokenRow)
            .values(call_sid=call_sid, expires_at=expires_at, keep_until=expires_at + self._keep)
            .on_conflict_do_nothing(index_elements=["call_sid"])
            .returning(StreamTokenRow.call_sid)
        )
        async with asyncio.timeout(DB_TIMEOUT_S):
            async with engine.begin() as conn:
                inserted = (await conn.execute(statement)).first() is not None
        if self._clock() >= self._next_prune:
            self._next_prune = self._clock() + PRUNE_EVERY_S
            try:
                async with asyncio.timeout(DB_TIMEOUT_S):
                    await self.prune(engine, now)
            except Exception as exc:  # the token is issued; pruning waits for the next minute
                _log.warning("stream token prune failed: %s", type(exc).__name__)
        return inserted

    async def spend(self, engine: AsyncEngine, call_sid: str, expires_at: int, now: int) -> bool:
        """True exactly once for the token issued for this call with this expiry."""
        statement = (
            update(StreamTokenRow)
            .where(StreamTokenRow.call_sid == call_sid, StreamTokenRow.expires_at == expires_at,
                   StreamTokenRow.spent_at.is_(None))
            .values(spent_at=now)
            .returning(StreamTokenRow.call_sid)
        )
        async with asyncio.timeout(DB_TIMEOUT_S), engine.begin() as conn:
            return (await conn.execute(statement)).first() is not None

    async def prune(self, engine: AsyncEngine, now: int) -> int:
        async with engine.begin() as conn:
            result = await conn.execute(delete(StreamTokenRow).where(StreamTokenRow.keep_until < now))
        return int(getattr(result, "rowcount", 0) or 0)
