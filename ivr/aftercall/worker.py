"""The after-call worker: claims due jobs, runs each kind's handler, settles the row.

It runs as a background task of `ivr serve`, on the same event loop as the calls, so it only ever
awaits: database work through the async engine, HTTP through the SDKs' async clients, and nothing
CPU-heavy. Each job runs in its own task, at most `concurrency` at once; the worker holds no
database connection while a handler waits on a remote service. Logs name the job, the call id
and a reason code, never a phone number, a name or a transcript. Every process serving calls runs
its own worker loop (`ivr.aftercall.service.install`); they share the queue in the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall import queue
from ivr.aftercall.metrics import AfterCallMetrics
from ivr.aftercall.outcomes import Done, JobFailed, Skip
from ivr.aftercall.queue import ClaimedJob
from ivr.aftercall.retry import RetryPolicy
from schedules.models import utcnow

log = logging.getLogger("ivr.aftercall")
LEASE_S = 300.0  # longer than any handler may take (each bounds its remote calls well below this)
STOP_GRACE_S = 5.0
MAX_IDLE_S = 30.0  # the longest pause between polls while the database is failing
DEPTH_EVERY_S = 15.0  # how often the loop samples the queue's depth for the metrics (a scrape's interval)


class Handler(Protocol):
    async def __call__(self, job: ClaimedJob, sessionmaker: async_sessionmaker[AsyncSession]) -> Done | Skip: ...


@runtime_checkable
class Closable(Protocol):
    async def close(self) -> None: ...


class AfterCallWorker:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], handlers: Mapping[str, Handler], *,
                 policy: RetryPolicy | None = None, poll_s: float = 2.0, concurrency: int = 4,
                 lease_s: float = LEASE_S, rng: random.Random | None = None,
                 clock: Callable[[], dt.datetime] = utcnow, metrics: AfterCallMetrics | None = None) -> None:
        self._sm = sessionmaker
        self._handlers = dict(handlers)
        self.policy = policy or RetryPolicy()
        self._poll_s = poll_s
        self._concurrency = concurrency
        self._lease_s = lease_s
        self._rng = rng or random.Random()
        self._clock = clock
        self.metrics = metrics or AfterCallMetrics(kinds=tuple(self._handlers))
        self._depth_due = 0.0  # the event loop's time of the next depth sample
        self._running: dict[asyncio.Task[None], ClaimedJob] = {}
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._backlog = False  # the last claim filled every free slot: more may be due right now

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of job this worker runs (the others stay queued for a worker that has a handler)."""
        return tuple(self._handlers)

    # ----- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._run(), name="aftercall-worker")

    def wake(self) -> None:
        """Poll now (a call has just finished here) instead of at the next interval."""
        self._wake.set()

    async def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Claim nothing more; let running jobs finish for `grace_s`, then give the rest back untried;
        then close what the handlers hold open (the SDKs' connection pools)."""
        self._stopping = True
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        if self._running:
            _, stuck = await asyncio.wait(list(self._running), timeout=grace_s)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        await self.close()

    async def close(self) -> None:
        """Close the handlers' clients (also after `drain`, for a worker that never ran its loop)."""
        for handler in self._handlers.values():
            if isinstance(handler, Closable):
                try:
                    await handler.close()
                except Exception as exc:
                    log.warning("aftercall: could not close a %s client (%s)", type(handler).__name__,
                                type(exc).__name__)

    # ----- the loop ----------------------------------------------------------------------------------
    async def _run(self) -> None:
        idle = self._poll_s
        while not self._stopping:
            self._wake.clear()  # before claiming, so a wake-up during the claim is not lost
            try:
                await self.run_once()
                await self._sample_depth()
                idle = self._poll_s
            except Exception as exc:  # the database is down: try again later, slower each time
                log.warning("aftercall: could not claim jobs: %s", type(exc).__name__)
                self._backlog, idle = False, min(MAX_IDLE_S, idle * 2)
            if self._backlog and len(self._running) < self._concurrency:
                continue  # more may be due right now; otherwise wait for the next poll or a wake-up
            try:
                await asyncio.wait_for(self._wake.wait(), idle)
            except TimeoutError:
                pass

    async def run_once(self) -> int:
        """Claim what free slots allow and start those jobs; returns how many were claimed."""
        free = self._concurrency - len(self._running)
        if free <= 0 or self._stopping:
            return 0
        jobs = await queue.claim(self._sm, limit=free, lease_s=self._lease_s, now=self._clock(),
                                 kinds=tuple(self._handlers))
        self._backlog = len(jobs) == free
        for job in jobs:
            task = asyncio.get_running_loop().create_task(self._attempt(job), name=f"aftercall-{job.kind}-{job.id}")
            self._running[task] = job
            task.add_done_callback(self._job_done)
        return len(jobs)

    async def _sample_depth(self) -> None:
        now = asyncio.get_running_loop().time()
        if now < self._depth_due or not self._handlers:
            return
        self._depth_due = now + DEPTH_EVERY_S
        self.metrics.depth(await queue.depth(self._sm, tuple(self._handlers)))

    def _job_done(self, task: asyncio.Task[None]) -> None:
        self._running.pop(task, None)
        if self._backlog and not self._stopping:
            self._wake.set()  # a slot is free and work is waiting: no need to wait for the poll

    async def drain(self, timeout_s: float = 30.0) -> None:
        """Run until every job of this worker's kinds is settled, retries included (tests and the demo;
        the service just keeps polling). A job waiting past `timeout_s` for its retry raises TimeoutError."""
        async with asyncio.timeout(timeout_s):
            while True:
                claimed = await self.run_once()
                if self._running:
                    await asyncio.wait(list(self._running), return_when=asyncio.FIRST_COMPLETED)
                elif not claimed:
                    if not await queue.unsettled(self._sm, tuple(self._handlers)):
                        return
                    await asyncio.sleep(min(self._poll_s, 0.05))

    # ----- one attempt -------------------------------------------------------------------------------
    async def _attempt(self, job: ClaimedJob) -> None:
        handler = self._handlers[job.kind]
        try:
            result = await handler(job, self._sm)
        except asyncio.CancelledError:
            await self._settle(queue.release(self._sm, job), job, "released")
            raise
        except JobFailed as exc:
            await self._failed(job, exc)
            return
        except Exception as exc:  # a bug or an unexpected library error: retried, named by type only
            await self._failed(job, JobFailed(f"internal:{type(exc).__name__}", retryable=True))
            return
        if isinstance(result, Skip):
            await self._settle(queue.skip(self._sm, job, result.reason), job, "skipped", result.reason)
        else:
            await self._settle(queue.complete(self._sm, job, text=result.text, external_id=result.external_id,
                                              delivery_status=result.delivery_status), job, "done")

    async def _failed(self, job: ClaimedJob, exc: JobFailed) -> None:
        if not exc.retryable or self.policy.exhausted(job.attempts):
            await self._settle(queue.fail(self._sm, job, exc.reason), job, "failed", exc.reason)
            return
        delay = self.policy.delay(job.attempts, self._rng, at_least=exc.retry_after or 0.0)
        at = self._clock() + dt.timedelta(seconds=delay)
        await self._settle(queue.retry_later(self._sm, job, exc.reason, at), job, "retried",
                           f"{exc.reason} in {delay:.0f}s")

    async def _settle(self, write: Awaitable[bool], job: ClaimedJob, result: str, detail: str = "") -> None:
        """`result` is one of the metrics' RESULTS (or "released", not counted); `detail` a reason code."""
        what = f"{result}:{detail}" if detail else result
        try:
            held = await asyncio.shield(write)
        except Exception as exc:  # the row stays `running`; its lease ends and another attempt follows
            log.warning("aftercall job=%d call=%d %s: could not record (%s)", job.id, job.call_id, what,
                        type(exc).__name__)
            return
        if held:
            log.info("aftercall job=%d call=%d kind=%s attempt=%d %s", job.id, job.call_id, job.kind,
                     job.attempts, what)
            if result != "released":
                self.metrics.settled(job.kind, result)
        else:
            log.warning("aftercall job=%d call=%d lost its lease before settling (%s)", job.id, job.call_id, what)
