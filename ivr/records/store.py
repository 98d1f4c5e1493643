"""Writes a `PendingRecord` into the call tables, any number of times with the same result.

The row is found by its CallSid or made; events go in with "on conflict do nothing" on their
(call, seq), and the finish (outcome, end time, and the after-call work queued in the same
transaction) is applied only to a row not yet finished. So a live recorder's retry, the
process's own retries and a replayed spool file may all write the same record safely.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.models import CallEventRecord, CallRecord
from ivr.records.outcome import Outcome
from ivr.records.pending import PendingEvent, PendingFinish, PendingRecord

InTransaction = Callable[[AsyncSession, int], Awaitable[None]]  # (session, call id) in the finishing transaction
OnFailure = Callable[[BaseException], None]
PROBE_TIMEOUT_S = 1.0  # a database that cannot answer SELECT 1 within this is away
INSERT_CHUNK = 500  # rows per INSERT: well under SQLite's limit on bound parameters


def is_outage(exc: BaseException) -> bool:
    """The database could not be reached or answered in time, as opposed to refusing a statement.

    An outage is waited out (the record stays in memory, then in the spool); a refused statement
    (a bug, a constraint) would be refused again, so it is logged and not retried."""
    if isinstance(exc, IntegrityError | ProgrammingError | DataError):
        return False
    return isinstance(exc, DBAPIError | OSError | TimeoutError | ConnectionError)


async def database_answers(sm: async_sessionmaker[AsyncSession], *, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """Whether the database answers a trivial query: an error that looked like an outage (SQLite's
    OperationalError also means "no such table") is then a refused statement, not an outage."""
    try:
        async with asyncio.timeout(timeout_s), sm() as session:
            await session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


async def open_row(session: AsyncSession, rec: PendingRecord) -> int:
    """The call's row id, made if missing; learns `rec.base` the first time."""
    call = (await session.execute(select(CallRecord).where(CallRecord.call_sid == rec.call_sid))).scalar()
    if call is None:
        call = CallRecord(call_sid=rec.call_sid, started_at=rec.started_at, turn_mode=rec.turn_mode,
                          schedule_date=rec.schedule_date, metrics={})
        session.add(call)
        await session.flush()
        if rec.base is None:
            rec.base = 0
    elif rec.base is None:  # the same call reconnected: its transcript goes on after what is stored
        rec.base = int((await session.execute(
            select(func.coalesce(func.max(CallEventRecord.seq), 0)).where(CallEventRecord.call_id == call.id)
        )).scalar_one())
    return call.id


async def insert_events(session: AsyncSession, call_id: int, base: int, events: list[PendingEvent]) -> None:
    if not events:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for start in range(0, len(events), INSERT_CHUNK):
        rows = [{"call_id": call_id, "seq": base + e.local_seq, "kind": e.kind, "text": e.text, "data": e.data,
                 "at": e.at} for e in events[start:start + INSERT_CHUNK]]
        statement = insert(CallEventRecord).values(rows).on_conflict_do_nothing(index_elements=["call_id", "seq"])
        await session.execute(statement)


async def apply_finish(session: AsyncSession, call_id: int, finish: PendingFinish, *,
                       also: InTransaction | None = None, on_also_failed: OnFailure | None = None) -> None:
    """Closes the row once: a row already finished (an earlier write of this same record) is left as is."""
    call = await session.get(CallRecord, call_id)
    if call is None or call.ended_at is not None:
        return
    call.outcome = Outcome(finish.outcome).value
    call.ended_at = finish.ended_at
    call.driver_id = finish.driver_id
    call.lookup_failures = finish.lookup_failures
    if finish.metrics:
        call.metrics = {**(call.metrics or {}), **finish.metrics}
    if finish.follow_up:
        call.follow_up_reason = finish.follow_up
    if also is not None:
        try:
            async with session.begin_nested():  # its failure rolls back only its own writes
                await also(session, call_id)
        except Exception as exc:
            if on_also_failed is not None:
                on_also_failed(exc)
