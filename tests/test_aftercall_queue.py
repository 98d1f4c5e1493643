"""The durable queue on PostgreSQL and SQLite: enqueued with the call record, claimed once by any of
several instances, leases, and the savepoint that keeps the record when the after-call work fails."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from aftercall_support import call_row, driver_id, heard_stop, jobs, record_call, served_lines
from guidance_support import load_days
from sqlalchemy import func, select

from ivr.aftercall import queue
from ivr.aftercall.enqueue import AfterCallEnqueuer
from ivr.aftercall.models import AfterCallJob
from ivr.records.models import CallRecord
from schedules.db import make_engine, make_sessionmaker
from schedules.models import utcnow


async def _calls(sessionmaker, n: int) -> list[int]:
    ids = []
    for i in range(n):
        ids.append(await record_call(sessionmaker, f"CA{i:04d}", [("caller", "もしもし", {})], driver=None))
    return ids


async def test_jobs_commit_with_the_finished_record_and_only_once(sessionmaker) -> None:
    hook = AfterCallEnqueuer(summaries=True, sms=False)
    call_id = await record_call(sessionmaker, "CA1", [("caller", "もしもし", {})], driver=None, hook=hook)
    assert (await jobs(sessionmaker, call_id))["summary"].state == "pending"
    async with sessionmaker.begin() as session:  # the same call finished again (a reconnect): still one row
        await hook(session, call_id, caller_phone=None)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(AfterCallJob)) == 1


async def test_a_rolled_back_finish_leaves_no_job(sessionmaker) -> None:
    [call_id] = await _calls(sessionmaker, 1)
    try:
        async with sessionmaker.begin() as session:
            (await session.get(CallRecord, call_id)).outcome = "hung_up"  # type: ignore[union-attr]
            await queue.enqueue(session, call_id, "summary")
            raise RuntimeError("the process died before commit")
    except RuntimeError:
        pass
    assert await jobs(sessionmaker, call_id) == {}


async def test_failing_after_call_work_rolls_back_alone_and_the_record_still_closes(sessionmaker) -> None:
    async def broken(session, call_id: int, *, caller_phone: str | None) -> None:
        await queue.enqueue(session, call_id, "summary")
        await queue.enqueue(session, call_id + 10_000, "sms")  # no such call: a foreign-key violation

    call_id = await record_call(sessionmaker, "CA1", [("caller", "もしもし", {})], driver=None, hook=broken)
    call = await call_row(sessionmaker, call_id)
    assert call.outcome == "served" and call.ended_at is not None
    assert await jobs(sessionmaker) == {}


async def test_claims_take_due_jobs_in_order_and_count_attempts(sessionmaker) -> None:
    ids = await _calls(sessionmaker, 3)
    now = utcnow()
    async with sessionmaker.begin() as session:
        await queue.enqueue(session, ids[0], "summary", now=now - dt.timedelta(seconds=5))
        await queue.enqueue(session, ids[1], "summary", now=now + dt.timedelta(hours=1))  # not due yet
        await queue.enqueue(session, ids[2], "sms", skipped="caller_id_mismatch")  # decided against: never run
    claimed = await queue.claim(sessionmaker, limit=10, lease_s=60, now=now)
    assert [(j.call_id, j.kind, j.attempts) for j in claimed] == [(ids[0], "summary", 1)]
    assert await queue.claim(sessionmaker, limit=10, lease_s=60, now=now) == []  # running, lease held
    assert await queue.retry_later(sessionmaker, claimed[0], "openai:http_500", now)
    again = await queue.claim(sessionmaker, limit=10, lease_s=60, now=now)
    assert [(j.id, j.attempts) for j in again] == [(claimed[0].id, 2)]
    assert (await jobs(sessionmaker, ids[2]))["sms"].state == "skipped"


async def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_settle(sessionmaker) -> None:
    [call_id] = await _calls(sessionmaker, 1)
    async with sessionmaker.begin() as session:
        await queue.enqueue(session, call_id, "summary")
    first = (await queue.claim(sessionmaker, limit=1, lease_s=30))[0]
    later = utcnow() + dt.timedelta(seconds=31)  # the first worker died; its lease ran out
    second = (await queue.claim(sessionmaker, limit=1, lease_s=30, now=later))[0]
    assert second.id == first.id and second.attempts == 2 and second.token != first.token
    assert not await queue.complete(sessionmaker, first, text="stale")
    assert await queue.complete(sessionmaker, second, text="fresh")
    assert (await jobs(sessionmaker, call_id))["summary"].result_text == "fresh"


async def test_a_released_job_is_due_again_without_counting_the_attempt(sessionmaker) -> None:
    [call_id] = await _calls(sessionmaker, 1)
    async with sessionmaker.begin() as session:
        await queue.enqueue(session, call_id, "summary")
    job = (await queue.claim(sessionmaker, limit=1, lease_s=30))[0]
    assert await queue.release(sessionmaker, job)
    row = (await jobs(sessionmaker, call_id))["summary"]
    assert (row.state, row.attempts) == ("pending", 0)
    assert [j.attempts for j in await queue.claim(sessionmaker, limit=1, lease_s=30)] == [1]


async def test_two_instances_claiming_at_once_never_share_a_job(sessionmaker, db_url) -> None:
    ids = await _calls(sessionmaker, 40)
    async with sessionmaker.begin() as session:
        for call_id in ids:
            await queue.enqueue(session, call_id, "summary")
    engines = [make_engine(db_url) for _ in range(2)]  # two instances: their own engines and connections
    try:
        makers = [make_sessionmaker(e) for e in engines]

        async def instance(sm) -> list[int]:
            taken: list[int] = []
            while batch := await queue.claim(sm, limit=3, lease_s=60):
                taken.extend(j.id for j in batch)
                await asyncio.sleep(0)
            return taken

        results = await asyncio.gather(*(instance(sm) for sm in makers for _ in range(3)))
    finally:
        for e in engines:
            await e.dispose()
    taken = [job for r in results for job in r]
    assert len(taken) == 40 and len(set(taken)) == 40
    assert sum(1 for r in results if r) >= 2  # the work was shared, not done by one claimer


async def test_the_sms_job_names_the_stop_read_and_never_the_number(sessionmaker, tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    stop_id, kana = await heard_stop(sessionmaker, "佐藤 健一")
    sato = await driver_id(sessionmaker, "佐藤 健一")
    call_id = await record_call(sessionmaker, "CA1", served_lines(kana), driver=sato,
                                hook=AfterCallEnqueuer(summaries=False, sms=True))
    row = (await jobs(sessionmaker, call_id))["sms"]
    assert row.state == "pending" and row.payload["stop_id"] == stop_id
    assert "09011110001" not in str(row.payload) and "+81" not in str(row.payload)
