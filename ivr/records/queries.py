"""Reading call records back: the call list and one call's transcript, for `ivr calls` and the console."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.models import CallEventRecord, CallRecord
from schedules.models import Driver


@dataclass(frozen=True)
class CallSummary:
    id: int
    call_sid: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    outcome: str
    driver_name: str
    schedule_date: dt.date | None
    events: int


@dataclass(frozen=True)
class EventLine:
    seq: int
    at: dt.datetime
    kind: str
    text: str
    data: dict[str, Any]


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; they were written as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def list_calls(sessionmaker: async_sessionmaker[AsyncSession], *, date: dt.date | None = None,
                     tz: dt.tzinfo = dt.UTC, limit: int = 200) -> list[CallSummary]:
    """Calls newest first; `date` selects calls started on that local day (in `tz`)."""
    counts = (
        select(CallEventRecord.call_id, func.count().label("n")).group_by(CallEventRecord.call_id)
    ).subquery()
    stmt = (
        select(CallRecord, Driver.name, counts.c.n)
        .outerjoin(Driver, Driver.id == CallRecord.driver_id)
        .outerjoin(counts, counts.c.call_id == CallRecord.id)
        .order_by(CallRecord.started_at.desc(), CallRecord.id.desc())
    )
    if date is not None:
        start = dt.datetime.combine(date, dt.time(), tzinfo=tz).astimezone(dt.UTC)
        stmt = stmt.where(CallRecord.started_at >= start, CallRecord.started_at < start + dt.timedelta(days=1))
    stmt = stmt.limit(limit)
    async with sessionmaker() as session:
        rows = (await session.execute(stmt)).all()
    return [
        CallSummary(id=c.id, call_sid=c.call_sid, started_at=as_utc(c.started_at),
                    ended_at=as_utc(c.ended_at) if c.ended_at else None, outcome=c.outcome,
                    driver_name=name or "", schedule_date=c.schedule_date, events=int(n or 0))
        for c, name, n in rows
    ]


async def get_call(sessionmaker: async_sessionmaker[AsyncSession], call_id: int
                   ) -> tuple[CallSummary, list[EventLine]] | None:
    async with sessionmaker() as session:
        call = await session.get(CallRecord, call_id)
        if call is None:
            return None
        driver = await session.get(Driver, call.driver_id) if call.driver_id else None
        events = (await session.execute(
            select(CallEventRecord).where(CallEventRecord.call_id == call_id).order_by(CallEventRecord.seq)
        )).scalars().all()
    summary = CallSummary(id=call.id, call_sid=call.call_sid, started_at=as_utc(call.started_at),
                          ended_at=as_utc(call.ended_at) if call.ended_at else None, outcome=call.outcome,
                          driver_name=driver.name if driver else "", schedule_date=call.schedule_date,
                          events=len(events))
    return summary, [EventLine(e.seq, as_utc(e.at), e.kind, e.text, dict(e.data or {})) for e in events]
