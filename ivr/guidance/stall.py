"""A tool that is slow to answer: is the database hung, or is the tool just slow?

A database that stops answering without refusing (a network partition, a paused server, a pool
connection whose peer vanished) raises nothing: the tool would wait out the bridge's
`TOOL_TIMEOUT_SECONDS` and the caller would get an apology with no way forward. So a tool that has
not answered within `PROBE_AFTER_S` gets the call's database asked a trivial query (`SELECT 1`,
at most `PROBE_TIMEOUT_S`); no answer means the database is away, the tool is cancelled and the
caller is handed over (`DatabaseStalled`). A database that answers leaves the tool to its normal
time limit: a slow search index, say, is not an outage.

The figures fit the 3 s hand-over, counted from the model asking for the tool (see
`ivr/bridge/handover.py` `URGENT_HANDOVER_S`): away is known at most 1.3 s after the ask, which
leaves about 1.2 s for the apology before the transfer. A healthy database answers a tool in tens
of milliseconds, so the probe runs only when something is already wrong (or the machine is very
loaded, where a probe that answers costs one trivial query).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
PROBE_AFTER_S = 0.8  # a tool still running after this gets the database probed
PROBE_TIMEOUT_S = 0.5  # the probe's own limit: SELECT 1 on a live database takes milliseconds


class DatabaseStalled(Exception):
    """The tool was still waiting and the database did not answer the probe: it is away."""


async def unless_stalled(work: Awaitable[T], probe: Callable[[], Awaitable[bool]], *,
                         probe_after_s: float = PROBE_AFTER_S,
                         abandoned: set[asyncio.Task[object]] | None = None) -> T:
    """`work`'s result; raises `DatabaseStalled` (with `work` cancelled) when it is still running
    after `probe_after_s` and `probe()` answers False.

    The cancelled tool is not waited for: its cleanup may itself wait on the hung socket. It is
    kept in `abandoned` (the caller's, per call) until it ends, so it is neither lost nor leaked."""
    task: asyncio.Task[T] = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=probe_after_s)
        if done:
            return task.result()
        probing = asyncio.ensure_future(probe())
        try:
            await asyncio.wait({task, probing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not probing.done():
                probing.cancel()
                with contextlib.suppress(BaseException):
                    await probing
        if task.done():
            return task.result()
        if probing.cancelled() or probing.exception() is not None or not probing.result():
            _abandon(task, abandoned)
            raise DatabaseStalled
        return await task
    except asyncio.CancelledError:
        _abandon(task, abandoned)
        raise


def _abandon(task: asyncio.Task[T], abandoned: set[asyncio.Task[object]] | None) -> None:
    if task.done():
        return
    task.cancel()
    if abandoned is not None:
        abandoned.add(task)
        task.add_done_callback(abandoned.discard)
    task.add_done_callback(_quiet)


def _quiet(task: asyncio.Task[object]) -> None:
    """A cancelled tool's late error is of no use to anyone: retrieved so asyncio does not log it."""
    if not task.cancelled():
        task.exception()
