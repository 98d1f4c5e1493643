"""The calls benchmark with dispatchers watching: the same run without and with N consoles open on
the live view (`/console/calls/live`, server-sent events polling the database), side by side.

    .venv/bin/python -m bench.bench_console_live --calls 100 --viewers 10 --seconds 10
    .venv/bin/python -m bench.bench_console_live --poll-cost --calls 100 --viewers 10

It runs `bench.bench_calls` as it is (same processes, pinning, probe and figures) twice in one go,
changing only this: the service's calls write their transcripts to the database (as real calls
do: a `CallRecorder` per call, a line every `--line-every` seconds besides what the bridge records),
so the live views have something to read, and for the second run N viewers are signed in to the
console (a session made in the service's database) and hold its live stream open for the whole
run. The viewers run in the callers' process, on the simulators' CPUs: what the console costs the
service (its polls, the rows it reads, the events it sends) lands on the service's own core,
which is what this measures. The database is the benchmark's SQLite file.

`--poll-cost` measures the live views' poll alone, in one process, away from the calls' noise:
the CPU and wall time of each poll with `--calls` calls in progress, for one view and for
`--viewers` views (the views share one poll per process, so the second figure is what each
additional dispatcher costs: their share of the news, no query).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

import bench.bench_calls as calls_bench
from ivr.conversation import CallContext, EventKind
from ivr.sim import scripted_conversation

COOKIE_FILE = "BENCH_CONSOLE_COOKIE"  # where the service child leaves the viewers' session cookie
LINE_EVERY = "BENCH_CONSOLE_LINE_EVERY"
VIEWER = "bench-viewer"
VIEWER_PASSWORD = "bench viewer password 1"


# ----- child: the service, with its calls recorded --------------------------------------------------
class RecordedConversation(scripted_conversation.ScriptedConversation):
    """The benchmark's scripted conversation, also writing its transcript as a real call does."""

    def __init__(self, ctx: CallContext, sessionmaker: Any, line_every: float) -> None:
        from ivr.records.recorder import CallRecorder

        super().__init__(ctx, {})
        self.recorder = CallRecorder(sessionmaker, ctx.call_sid)
        self._line_every = line_every
        self._talk: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.recorder.start(turn_mode="barge_in")
        if self._line_every > 0:
            self._talk = asyncio.get_running_loop().create_task(self._lines())

    async def _lines(self) -> None:
        """A caller's and the bot's lines at a conversation's pace (the load stand-in sends no transcripts)."""
        n = 0
        while True:
            await asyncio.sleep(self._line_every)
            n += 1
            self.record("caller" if n % 2 else "bot", f"line {n}")

    def record(self, kind: EventKind, text: str = "", data: dict[str, Any] | None = None) -> None:
        super().record(kind, text, data)
        self.recorder.add(kind, text, data)

    async def finish(self) -> None:
        if self._talk is not None:
            self._talk.cancel()
        await super().finish()
        assert self.outcome is not None
        await self.recorder.finish(outcome=self.outcome, driver_id=None, lookup_failures=0)


class RecordedFactory(scripted_conversation.ScriptedFactory):
    def __init__(self, sessionmaker: Any, line_every: float) -> None:
        super().__init__()
        self._sm = sessionmaker
        self._line_every = line_every

    async def __call__(self, ctx: CallContext) -> RecordedConversation:  # type: ignore[override]
        conv = RecordedConversation(ctx, self._sm, self._line_every)
        await conv.start()
        return conv


async def _service_with_console(tmp: Path, *args: Any) -> None:
    """bench_calls' service, after a viewer account and session are made and calls record themselves."""
    from ivr.console.sessions import start_session
    from ivr.console.users import add_user
    from schedules.db import make_engine, make_sessionmaker
    from schedules.migrate import upgrade

    db = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    await upgrade(db)
    engine = make_engine(db)
    sm = make_sessionmaker(engine)
    token = await start_session(sm, await add_user(sm, VIEWER, "dispatcher", VIEWER_PASSWORD))
    await asyncio.to_thread(Path(os.environ[COOKIE_FILE]).write_text, token)
    line_every = float(os.environ.get(LINE_EVERY, "2"))
    scripted_conversation.ScriptedFactory = lambda: RecordedFactory(sm, line_every)  # type: ignore[assignment,misc]
    try:
        await _service_main(tmp, *args)
    finally:
        await engine.dispose()


_service_main = calls_bench._service_main


# ----- parent: the viewers ----------------------------------------------------------------------------
@dataclasses.dataclass
class ViewerTally:
    connected: int = 0
    messages: int = 0
    lines: int = 0
    failed: int = 0


async def _viewer(http: aiohttp.ClientSession, url: str, token: str, tally: ViewerTally,
                  connected: asyncio.Event, wanted: int) -> None:
    from ivr.console.sessions import COOKIE

    try:
        async with http.get(url, headers={"Cookie": f"{COOKIE}={token}"}) as resp:
            if resp.status != 200 or not resp.headers.get("Content-Type", "").startswith("text/event-stream"):
                tally.failed += 1
                connected.set()
                return
            tally.connected += 1
            if tally.connected + tally.failed >= wanted:
                connected.set()
            async for line in resp.content:
                if line.startswith(b"data: "):
                    tally.messages += 1
                    tally.lines += line.count(b'"kind"')
    except (aiohttp.ClientError, asyncio.CancelledError):
        pass


class Viewers:
    """N browsers' worth of live views, opened once the service listens (before the calls start)."""

    def __init__(self, n: int, cookie_file: Path) -> None:
        self.n = n
        self.cookie_file = cookie_file
        self.tally = ViewerTally()
        self._tasks: list[asyncio.Task[None]] = []
        self._http: aiohttp.ClientSession | None = None

    async def open(self, port: int) -> None:
        if not self.n:
            return
        token = self.cookie_file.read_text()
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_read=None))
        connected = asyncio.Event()
        url = f"http://127.0.0.1:{port}/console/calls/live?after=0"
        self._tasks = [asyncio.get_running_loop().create_task(
            _viewer(self._http, url, token, self.tally, connected, self.n)) for _ in range(self.n)]
        await asyncio.wait_for(connected.wait(), 30)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()


async def _run_with(calls: int, opts: calls_bench.Options, viewers: Viewers) -> calls_bench.RunResult:
    original = calls_bench._wait_file

    async def wait_then_view(path: Path, proc: Any) -> str:
        text = await original(path, proc)
        if path.name == "service.port":
            await viewers.open(int(text))
        return text

    calls_bench._wait_file = wait_then_view  # type: ignore[assignment]
    try:
        return await calls_bench._run(calls, opts)
    finally:
        calls_bench._wait_file = original  # type: ignore[assignment]
        await viewers.close()


def _lat(v: tuple[float, float, float]) -> str:
    return "-" if math.isnan(v[0]) else f"{v[0]:.2f} / {v[1]:.2f} / {v[2]:.1f}"


async def _parent(calls: int, n: int, repeat: int, opts: calls_bench.Options) -> None:
    if opts.sim_cpus:
        os.sched_setaffinity(0, opts.sim_cpus)
    rows: list[tuple[str, calls_bench.RunResult, ViewerTally | None]] = []
    with tempfile.TemporaryDirectory(prefix="bench_console_") as tmp:
        os.environ[COOKIE_FILE] = str(Path(tmp) / "cookie")
        for _ in range(repeat):
            for watching in (0, n):
                viewers = Viewers(watching, Path(tmp) / "cookie")
                result = await _run_with(calls, opts, viewers)
                rows.append((f"{watching} live views", result, viewers.tally if watching else None))
    print(f"\ncalls benchmark with the console's live view: {calls} calls of {opts.seconds:g} s, transcripts "
          f"recorded (a line every {os.environ.get(LINE_EVERY, '2')} s per call); latency in ms, p50 / p99 / max\n")
    calls_bench._table(
        ("run", "service cores", "% of a core per call", "service added, up", "service added, down",
         "bridge in->out", "lost up", "lost down", "failed calls", "events sent to views", "lines"),
        [(label, f"{r['svc_cores']:.2f}", f"{r['svc_pct_per_call']:.3f}", _lat(r["svc_up"]), _lat(r["svc_down"]),
          _lat(r["held"]), f"{r['up_lost']}/{r['up_sent']}", f"{r['down_lost']}/{r['down_sent']}", str(r["failed"]),
          f"{t.messages} ({t.connected} open, {t.failed} refused)" if t else "-", str(t.lines) if t else "-")
         for label, res, t in rows for r in (res.row,)],
    )
    print("\nservice cores and latency as in bench.bench_calls; events sent to views: server-sent events the "
          "viewers got\n(one per poll that found something), lines: transcript lines in them, summed over views.")


async def _poll_cost(calls: int, views: list[int], polls: int, line_every: float) -> None:
    """The live views' own cost, away from the calls' noise: one process, a SQLite file, `calls`
    calls in progress each writing a line every `line_every` s (of the poll interval's time), and
    the hub's poll timed in CPU (this process, all threads: the driver's too) and wall clock."""
    import datetime as dt
    import statistics
    import time

    from ivr.console.live_stream import POLL_S
    from ivr.records.live_feed import LiveView
    from ivr.records.live_hub import LiveHub
    from ivr.records.outcome import Outcome
    from ivr.records.recorder import CallRecorder
    from schedules.db import make_engine, make_sessionmaker
    from schedules.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="bench_console_poll_") as tmp:
        db = f"sqlite+aiosqlite:///{tmp}/poll.db"
        await upgrade(db)
        engine = make_engine(db)
        sm = make_sessionmaker(engine)
        recorders = [CallRecorder(sm, f"CApoll{i:04d}") for i in range(calls)]
        for rec in recorders:
            await rec.start(turn_mode="barge_in")
        per_poll = max(1, round(calls * POLL_S / line_every))
        print(f"\nthe live views' poll: {calls} calls in progress, {per_poll} new lines per poll "
              f"(a line every {line_every:g} s per call, a poll every {POLL_S} s), {polls} polls\n")
        rows = []
        for n in views:
            hub = LiveHub(sm, dt.UTC, poll_s=POLL_S)
            subs = [hub.subscribe(LiveView(), start=0) for _ in range(n)]
            cpu: list[float] = []
            wall: list[float] = []
            for i in range(polls):
                for rec in recorders[(i * per_poll) % calls:][:per_poll]:
                    rec.add("caller", f"line {i}")
                await asyncio.gather(*(rec.flush() for rec in recorders))
                c0, w0 = time.process_time(), time.perf_counter()
                await hub.tick()
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
                for sub in subs:
                    while not sub.updates.empty():
                        sub.updates.get_nowait()
            cpu.sort()
            wall.sort()
            share = statistics.mean(cpu) / (POLL_S * 1000) * 100
            rows.append((str(n), f"{statistics.mean(cpu):.2f} / {cpu[int(len(cpu) * 0.99) - 1]:.2f}",
                         f"{statistics.median(wall):.2f} / {wall[int(len(wall) * 0.99) - 1]:.2f}", f"{share:.2f} %"))
        calls_bench._table(("views", "CPU ms per poll, mean / p99", "wall ms per poll, p50 / p99",
                            "share of one core"), rows)
        for rec in recorders:
            await rec.finish(outcome=Outcome.HUNG_UP, driver_id=None, lookup_failures=0)
        await engine.dispose()


def main() -> None:
    if "--role" in sys.argv:  # a child of bench_calls, started through BENCH_CHILD
        calls_bench._service_main = _service_with_console  # type: ignore[assignment]
        calls_bench.main()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100, help="concurrent calls")
    parser.add_argument("--viewers", type=int, default=10, help="live views open in the second run")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each call")
    parser.add_argument("--line-every", type=float, default=2.0, help="seconds between transcript lines per call")
    parser.add_argument("--ramp", type=float, default=3.0, help="seconds over which calls start")
    parser.add_argument("--repeat", type=int, default=1, help="pairs of runs")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=True,
                        help="service on the first CPU, simulators and viewers on the others (default on)")
    parser.add_argument("--poll-cost", action="store_true",
                        help="instead: time the live views' poll alone (1 and --viewers views, --calls calls live)")
    args = parser.parse_args()
    from ivr.commands.serve import event_loop_factory

    if args.poll_cost:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            runner.run(_poll_cost(args.calls, [1, args.viewers], 200, args.line_every))
        return

    os.environ["BENCH_CHILD"] = "-m bench.bench_console_live"
    os.environ[LINE_EVERY] = str(args.line_every)
    service_cpus, sim_cpus = calls_bench._cpu_plan(args.pin)
    opts = calls_bench.Options(args.seconds, args.ramp, 5.0, True, service_cpus, sim_cpus)
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(_parent(args.calls, args.viewers, args.repeat, opts))


if __name__ == "__main__":
    main()
