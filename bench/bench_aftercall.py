"""The after-call worker's cost on the event loop it shares with the calls.

    .venv/bin/python -m bench.bench_aftercall [--jobs 300] [--db sqlite|postgresql|both]

The worker process is pinned to one CPU, as the calls benchmark pins the service; the model and
Twilio stand-ins run in a child process on the other CPUs, so the figures are the worker's own. A
probe task sleeps 5 ms again and again and records how late it wakes: the event loop's lag, which
is what a media frame waiting in that loop would be delayed by. It is measured for a few seconds
with the worker idle (the startup heap frozen, as `ivr serve` does), then while the worker works
through a backlog of finished calls (a summary and an SMS each, through the real openai and twilio
SDKs) as fast as it can. Figures: jobs a second, CPU milliseconds per job on the worker's process,
and the loop lag p50 / p99 / max, idle and busy. The calls benchmark with `--aftercall` measures the
same worker beside 200 live calls.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

PROBE_S = 0.005
IDLE_S = 3.0


async def _probe(samples: list[float]) -> None:
    while True:
        t = time.perf_counter()
        await asyncio.sleep(PROBE_S)
        samples.append((time.perf_counter() - t - PROBE_S) * 1000)


def _pcts(samples: list[float]) -> str:
    s = sorted(samples)
    return f"{s[len(s) // 2]:.2f} / {s[int(len(s) * 0.99)]:.2f} / {s[-1]:.1f}"


@asynccontextmanager
async def _database(kind: str, tmp: Path) -> AsyncIterator[str]:
    if kind == "postgresql":
        from bench.scratch_pg import scratch_database

        async with scratch_database() as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{tmp / 'aftercall.db'}"


async def _one(kind: str, jobs: int, urls: str) -> tuple[str, ...]:
    from bench.aftercall_load import done_counts, prepare
    from ivr.sim.harness import sim_settings
    from ivr.web.heap import freeze_startup_heap
    from schedules.db import make_engine, make_sessionmaker

    with tempfile.TemporaryDirectory(prefix="bench_aftercall_") as tmp_dir:
        async with _database(kind, Path(tmp_dir)) as url:
            engine = make_engine(url)
            sessionmaker = make_sessionmaker(engine)
            try:
                after = await prepare(url, sessionmaker, sim_settings("ws://127.0.0.1:9/v1", database_url=url), urls,
                                      jobs // 2, 0.0)
                freeze_startup_heap()  # as `ivr serve` does once it listens, after building the worker
                idle: list[float] = []
                probe = asyncio.get_running_loop().create_task(_probe(idle))
                await asyncio.sleep(IDLE_S)
                busy: list[float] = []
                probe.cancel()
                probe = asyncio.get_running_loop().create_task(_probe(busy))
                t0, c0 = time.perf_counter(), time.process_time()
                await after.worker.drain(600)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                probe.cancel()
                await after.worker.close()
                done = await done_counts(sessionmaker)
            finally:
                await engine.dispose()
    n = done.get("summary_done", 0) + done.get("sms_done", 0)
    return (kind, str(n), f"{n / wall:.1f}", f"{cpu * 1000 / max(n, 1):.1f}", _pcts(idle), _pcts(busy))


async def _standins_main(tmp: Path) -> None:
    from bench.aftercall_load import Standins

    standins = await Standins.start()
    (tmp / "urls").write_text(standins.urls())
    stop = asyncio.Event()
    asyncio.get_running_loop().add_reader(sys.stdin.fileno(), stop.set)
    await stop.wait()
    await standins.close()


def _spawn_standins(tmp: Path, cpus: set[int]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bench.bench_aftercall", "--role", "standins", "--tmp", str(tmp)],
                            stdin=subprocess.PIPE, preexec_fn=lambda: os.sched_setaffinity(0, cpus))


async def _parent(kinds: list[str], jobs: int) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="bench_aftercall_") as tmp_dir:
        tmp = Path(tmp_dir)
        child = _spawn_standins(tmp, set(cpus[1:]) or set(cpus))
        try:
            for _ in range(200):
                if (tmp / "urls").exists():
                    break
                await asyncio.sleep(0.05)
            urls = (tmp / "urls").read_text()
            os.sched_setaffinity(0, {cpus[0]})
            rows = [await _one(kind, jobs, urls) for kind in kinds]
        finally:
            if child.stdin is not None:
                child.stdin.close()
            child.wait(30)
    head = ("database", "jobs", "jobs/s", "CPU ms per job", "loop lag idle, ms p50/p99/max",
            "loop lag busy, ms p50/p99/max")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print(f"\nafter-call worker, a backlog of {jobs} jobs (summaries and SMS), worker pinned to one CPU\n")
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print(f"\nload average now {os.getloadavg()[0]:.2f}: other work on the machine shows in every lag figure.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=300, help="jobs in the backlog (half summaries, half SMS)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--role", choices=["parent", "standins"], default="parent", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from ivr.commands.serve import event_loop_factory

    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        if args.role == "standins":
            runner.run(_standins_main(Path(args.tmp)))
        else:
            kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
            runner.run(_parent(kinds, args.jobs))


if __name__ == "__main__":
    main()
