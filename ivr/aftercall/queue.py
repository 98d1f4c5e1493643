"""The durable after-call queue: enqueue inside the finishing transaction, claim, settle.

Claiming is one `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED) RETURNING`:
on PostgreSQL, instances and processes claim disjoint rows without waiting on each other; SQLite has
one writer at a time and ignores FOR UPDATE, and a single UPDATE statement is atomic there, so the
same statement is its single-writer equivalent. A claim is a lease with a token: a worker that dies
leaves its rows `running` until the lease ends, then any worker takes them again, and a late
settle by the old holder (its token no longer matches) changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall.models import AfterCallJob
from schedules.models import utcnow

PENDING, RUNNING, DONE, FAILED, SKIPPED = "pending", "running", "done", "failed", "skipped"


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    call_id: int
    kind: str
    attempts: int  # including this one
    token: str
    payload: dict[str, Any] = field(default_factory=dict)


async def enqueue(session: AsyncSession, call_id: int, kind: str, *, payload: dict[str, Any] | None = None,
                  skipped: str = "", now: dt.datetime | None = None) -> None:
    """Add the call's job of `kind` in the caller's transaction, once: a call finished twice (a reconnect,
    a second instance) keeps its first row. `skipped` records a job decided against, with its reason."""
    now = now or utcnow()
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {
        "call_id": call_id, "kind": kind, "state": SKIPPED if skipped else PENDING, "attempts": 0,
        "next_attempt_at": now, "last_error": skipped, "payload": payload or {}, "result_text": "",
        "external_id": "", "delivery_status": "", "created_at": now, "updated_at": now,
        "finished_at": now if skipped else None,
    }
    await session.execute(insert(AfterCallJob).values(**values).on_conflict_do_nothing(
        index_elements=["call_id", "kind"]))


async def claim(sessionmaker: async_sessionmaker[AsyncSession], *, limit: int, lease_s: float,
                now: dt.datetime | None = None, kinds: tuple[str, ...] | None = None) -> list[ClaimedJob]:
    """Take up to `limit` due jobs (pending and due, or running with an expired lease)."""
    if limit <= 0:
        return []
    now = now or utcnow()
    token = uuid.uuid4().hex
    due = or_(and_(AfterCallJob.state == PENDING, AfterCallJob.next_attempt_at <= now),
              and_(AfterCallJob.state == RUNNING, AfterCallJob.lease_until < now))
    picked = select(AfterCallJob.id).where(due)
    if kinds is not None:
        picked = picked.where(AfterCallJob.kind.in_(kinds))
    picked = picked.order_by(AfterCallJob.next_attempt_at, AfterCallJob.id).limit(limit)
    picked = picked.with_for_update(skip_locked=True)
    stmt = (
        update(AfterCallJob)
        .where(AfterCallJob.id.in_(picked.scalar_subquery()))
        .values(state=RUNNING, claim_token=token, attempts=AfterCallJob.attempts + 1,
                lease_until=now + dt.timedelta(seconds=lease_s), updated_at=now)
        .returning(AfterCallJob.id, AfterCallJob.call_id, AfterCallJob.kind, AfterCallJob.attempts,
                   AfterCallJob.payload)
        .execution_options(synchronize_session=False)
    )
    async with sessionmaker.begin() as session:
        rows = (await session.execute(stmt)).all()
    return sorted((ClaimedJob(r.id, r.call_id, r.kind, r.attempts, token, dict(r.payload or {})) for r in rows),
                  key=lambda j: j.id)


async def _settle(sessionmaker: async_sessionmaker[AsyncSession], job: ClaimedJob, **values: Any) -> bool:
    """Write the attempt's result if this worker still holds the job; False when it lost the lease."""
    values.setdefault("updated_at", utcnow())
    stmt = (
        update(AfterCallJob)
        .where(AfterCallJob.id == job.id, AfterCallJob.claim_token == job.token, AfterCallJob.state == RUNNING)
        .values(lease_until=None, claim_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    async with sessionmaker.begin() as session:
        result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


async def complete(sessionmaker: async_sessionmaker[AsyncSession], job: ClaimedJob, *, text: str = "",
                   external_id: str = "", delivery_status: str = "") -> bool:
    now = utcnow()
    return await _settle(sessionmaker, job, state=DONE, last_error="", result_text=text, external_id=external_id,
                         delivery_status=delivery_status, finished_at=now, updated_at=now)


async def skip(sessionmaker: async_sessionmaker[AsyncSession], job: ClaimedJob, reason: str) -> bool:
    now = utcnow()
    return await _settle(sessionmaker, job, state=SKIPPED, last_error=reason[:300], finished_at=now, updated_at=now)


async def fail(sessionmaker: async_sessionmaker[AsyncSession], job: ClaimedJob, reason: str) -> bool:
    now = utcnow()
    return await _settle(sessionmaker, job, state=FAILED, last_error=reason[:300], finished_at=now, updated_at=now)


async def retry_later(sessionmaker: async_sessionmaker[AsyncSession], job: ClaimedJob, reason: str,
                      at: dt.datetime) -> bool:
    return await _settle(sessionmaker, job, state=PENDING, last_error=reason[:300], next_attempt_at=at)


async def release(sessionmaker: async_sessionmaker[AsyncSession], job: ClaimedJob) -> bool:
    """Give a job back untried (the worker is stopping): it is due at once and the attempt is not counted."""
    return await _settle(sessionmaker, job, state=PENDING, attempts=AfterCallJob.attempts - 1,
                         next_attempt_at=utcnow())


async def depth(sessionmaker: async_sessionmaker[AsyncSession], kinds: tuple[str, ...]) -> dict[str, int]:
    """{kind: jobs pending or running} for each of `kinds` (0 when none)."""
    async with sessionmaker() as session:
        rows = await session.execute(
            select(AfterCallJob.kind, func.count()).select_from(AfterCallJob)
            .where(AfterCallJob.state.in_((PENDING, RUNNING)), AfterCallJob.kind.in_(kinds))
            .group_by(AfterCallJob.kind))
        found = {kind: int(n) for kind, n in rows}
    return {kind: found.get(kind, 0) for kind in kinds}


async def unsettled(sessionmaker: async_sessionmaker[AsyncSession], kinds: tuple[str, ...]) -> int:
    """How many jobs of `kinds` are still pending or running."""
    return sum((await depth(sessionmaker, kinds)).values())
