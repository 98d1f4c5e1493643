"""`unless_stalled`: a slow tool and a probe of the database, with events instead of timings (the
probe is due at once: `probe_after_s=0`), so the order of things is tested, never a duration."""

from __future__ import annotations

import asyncio

import pytest

from ivr.guidance.stall import DatabaseStalled, unless_stalled


class SlowTool:
    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.cancelled = False

    async def run(self) -> str:
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return "answer"


class Calls(list[int]):
    """The probe's calls, and an event for the first."""

    def __init__(self) -> None:
        super().__init__()
        self.first = asyncio.Event()


def probe(answers: bool, calls: Calls, gate: asyncio.Event | None = None):  # type: ignore[no-untyped-def]
    async def run() -> bool:
        calls.append(1)
        calls.first.set()
        if gate is not None:
            await gate.wait()
        return answers

    return run


async def test_a_tool_that_answers_in_time_never_probes_the_database() -> None:
    calls = Calls()

    async def quick() -> str:
        return "answer"

    assert await unless_stalled(quick(), probe(False, calls), probe_after_s=5) == "answer"
    assert calls == []


async def test_a_slow_tool_on_a_database_that_answers_is_left_to_finish() -> None:
    tool, calls = SlowTool(), Calls()
    running = asyncio.ensure_future(unless_stalled(tool.run(), probe(True, calls), probe_after_s=0))
    await calls.first.wait()
    await asyncio.sleep(0.01)
    assert not running.done(), "a database that answers: the tool keeps its own time limit"
    tool.release.set()
    assert await running == "answer" and not tool.cancelled


async def test_a_slow_tool_on_a_database_that_does_not_answer_is_cancelled_and_kept_until_it_ends() -> None:
    tool, calls = SlowTool(), Calls()
    abandoned: set[asyncio.Task[object]] = set()
    with pytest.raises(DatabaseStalled):
        await unless_stalled(tool.run(), probe(False, calls), probe_after_s=0, abandoned=abandoned)
    assert calls == [1] and len(abandoned) == 1
    (left,) = abandoned
    await asyncio.gather(left, return_exceptions=True)
    await asyncio.sleep(0)  # its done callbacks
    assert tool.cancelled and not abandoned


async def test_a_probe_that_raises_counts_as_no_answer() -> None:
    async def broken() -> bool:
        raise OSError("refused")

    with pytest.raises(DatabaseStalled):
        await unless_stalled(SlowTool().run(), broken, probe_after_s=0)


async def test_a_tool_that_answers_while_the_probe_waits_wins_and_the_probe_is_dropped() -> None:
    tool, calls, gate = SlowTool(), Calls(), asyncio.Event()
    running = asyncio.ensure_future(unless_stalled(tool.run(), probe(False, calls, gate), probe_after_s=0))
    await calls.first.wait()
    tool.release.set()
    assert await running == "answer"


async def test_the_bridge_giving_up_on_the_tool_cancels_it() -> None:
    tool, calls, gate = SlowTool(), Calls(), asyncio.Event()
    running = asyncio.ensure_future(unless_stalled(tool.run(), probe(True, calls, gate), probe_after_s=0))
    await calls.first.wait()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    await asyncio.sleep(0)
    assert tool.cancelled
