"""One attempt at writing a `PendingRecord`: all of it in one transaction, or, when the database
refuses a statement (not an outage), piece by piece so one bad line costs only itself.

Errors are logged by exception type only: a database error's message carries the statement's
parameters (transcript lines, tool arguments with names and numbers).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.pending import PendingRecord
from ivr.records.store import InTransaction, apply_finish, database_answers, insert_events, is_outage, open_row

log = logging.getLogger("ivr.records.recorder")


class Outage(Exception):
    """The database is away; nothing of the attempt was kept."""


async def write_record(sm: async_sessionmaker[AsyncSession], rec: PendingRecord, *, timeout_s: float,
                       also: InTransaction | None = None,
                       before_commit: Callable[[], None] | None = None) -> int:
    """Write what `rec` holds and drop it from `rec`; returns the call's row id.

    Raises `Outage` when the database is away (`rec` unchanged but for its base); any other error
    is a refused statement, for `sift`."""
    events = list(rec.events)
    finish = rec.finish if not rec.finished else None
    try:
        async with asyncio.timeout(timeout_s), sm.begin() as session:
            # Once the row is known the lines go straight to it, as any writer of one table would.
            call_id = rec.call_id if rec.call_id is not None else await open_row(session, rec)
            assert rec.base is not None
            await insert_events(session, call_id, rec.base, events)
            if finish is not None:
                await apply_finish(session, call_id, finish, also=also, on_also_failed=_also_failed(rec.call_sid))
            if before_commit is not None:
                before_commit()
    except Exception as exc:
        if await _away(sm, exc):
            raise Outage(type(exc).__name__) from exc
        raise
    del rec.events[:len(events)]
    rec.call_id = call_id
    if finish is not None:
        rec.finished = True
    return call_id


async def write_or_sift(sm: async_sessionmaker[AsyncSession], rec: PendingRecord, *, timeout_s: float,
                        also: InTransaction | None = None) -> int | None:
    """The call's row id once `rec` is written (refused pieces logged and dropped); raises `Outage`."""
    try:
        return await write_record(sm, rec, timeout_s=timeout_s, also=also)
    except Outage:
        raise
    except Exception as exc:
        log.warning("call %s: the record was refused whole (%s); writing it line by line", rec.call_sid,
                    type(exc).__name__)
    return await _sift(sm, rec, timeout_s=timeout_s, also=also)


async def _sift(sm: async_sessionmaker[AsyncSession], rec: PendingRecord, *, timeout_s: float,
                also: InTransaction | None) -> int | None:
    try:
        call_id = rec.call_id if rec.call_id is not None else await _attempt(sm, rec, timeout_s,
                                                                            lambda s: open_row(s, rec))
        rec.call_id = call_id
    except Outage:
        raise
    except Exception as exc:
        log.error("call %s: could not open the call record: %s", rec.call_sid, type(exc).__name__)
        rec.events.clear()
        rec.finished = True
        return None
    assert rec.base is not None
    base = rec.base
    while rec.events:
        event = rec.events[0]

        async def one(session: AsyncSession, event=event) -> None:  # type: ignore[no-untyped-def]
            await insert_events(session, call_id, base, [event])

        try:
            await _attempt(sm, rec, timeout_s, one)
        except Outage:
            raise
        except Exception as exc:
            log.error("call %s: could not record a %s event: %s", rec.call_sid, event.kind, type(exc).__name__)
        rec.events.pop(0)
    finish = rec.finish
    if finish is not None and not rec.finished:
        try:
            await _attempt(sm, rec, timeout_s, lambda s: apply_finish(
                s, call_id, finish, also=also, on_also_failed=_also_failed(rec.call_sid)))
        except Outage:
            raise
        except Exception as exc:
            log.error("call %s: could not close the call record: %s", rec.call_sid, type(exc).__name__)
        rec.finished = True
    return call_id


async def _attempt(sm: async_sessionmaker[AsyncSession], rec: PendingRecord, timeout_s: float, work):  # type: ignore[no-untyped-def]
    try:
        async with asyncio.timeout(timeout_s), sm.begin() as session:
            return await work(session)
    except Exception as exc:
        if await _away(sm, exc):
            raise Outage(type(exc).__name__) from exc
        raise


async def _away(sm: async_sessionmaker[AsyncSession], exc: BaseException) -> bool:
    """No answer within the attempt's own limit is an outage as it stands (probing again would only
    make a call's start wait longer on a hung database); another error is one if `SELECT 1` fails too."""
    return isinstance(exc, TimeoutError) or (is_outage(exc) and not await database_answers(sm))


def _also_failed(call_sid: str) -> Callable[[BaseException], None]:
    def failed(exc: BaseException) -> None:
        log.error("call %s: after-call work not queued: %s", call_sid, type(exc).__name__)

    return failed
