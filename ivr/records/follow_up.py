"""Marking a call's follow-up done from the console: who cleared it, and when.

A call is flagged by the service (`follow_up_reason`, e.g. `after_hours`: the desk was closed and
nobody took the call); a dispatcher who has called the driver back marks it done. Clearing is one
conditional UPDATE, so two dispatchers pressing the button at once record the first of them.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.models import CallRecord
from schedules.models import utcnow


async def clear_follow_up(sessionmaker: async_sessionmaker[AsyncSession], call_id: int, by: str) -> bool:
    """True when this cleared an open follow-up; False when there was none or it was already done."""
    async with sessionmaker.begin() as session:
        result = await session.execute(
            update(CallRecord)
            .where(CallRecord.id == call_id, CallRecord.follow_up_reason.is_not(None),
                   CallRecord.follow_up_cleared_at.is_(None))
            .values(follow_up_cleared_at=utcnow(), follow_up_cleared_by=by)
        )
    return bool(getattr(result, "rowcount", 0) == 1)
