"""N concurrent simulated calls through the bridge, real-time 20 ms frames both ways.

    .venv/bin/python -m bench.bench_calls --calls 50 100 200 --seconds 10 --ramp 3

Three processes, so the service's figures are its own: the service (the real `ivr` web app and
bridges, on uvloop as `ivr serve` runs), a lean Realtime stand-in, and the callers (this process,
lean too: preformatted frames, one sender and one reader coroutine per call). Every frame carries
its sender's CLOCK_MONOTONIC (shared by all processes) and a sequence number; see
`bench.call_stamps`.

Figures per run:
- service added latency: inside the service, from the sender's stamp (taken just before the
  sender's socket write) to the service's own socket write of that frame (a probe the bridge calls
  only when the benchmark sets `BridgeConfig.frame_probe`). It covers loopback delivery, waiting in
  the service's socket and event loop, and the bridge's work: what the bridge adds to a frame.
- end to end: from the sender's stamp to the receiving simulator's reading of it, so it also
  carries the receiving simulator's own scheduling delay (an upper bound).
- service CPU per call: the service process's user+system time over the steady window (every
  call streaming both ways), per call, as a share of one core.
- lost: frames sent but never received, each way, after the callers drain before hanging up
  (see `bench.call_callers`), so the tail in flight at hang-up is not counted as lost.

Frames a caller sends before it first hears the bot wait, by design, in the bridge's buffer while
the Realtime session opens: they count for loss, not for latency. The service's pid is printed
so a profiler (`py-spy record --pid PID`) can be attached.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

import orjson

from bench.call_callers import CallerTally
from bench.call_stamps import Latencies, age_ms


# ----- child: the Realtime stand-in ---------------------------------------------------------------
async def _standin_main(tmp: Path, frames: int) -> None:
    from bench.call_standin import LoadStandin

    standin = await LoadStandin(frames).start()
    (tmp / "standin.port").write_text(str(standin.port))
    await _until_stdin_closes()
    await standin.close()
    (tmp / "standin.json").write_bytes(orjson.dumps(standin.stats()))
    (tmp / "standin.up").write_bytes(standin.latencies.to_bytes())


# ----- child: the service ----------------------------------------------------------------------------
class ServiceProbe:
    """The bridge's frame probe: age of each forwarded frame at the moment the service sent it."""

    def __init__(self) -> None:
        self.up = Latencies()
        self.down = Latencies()

    def __call__(self, direction: Literal["up", "down"], payload_b64: str) -> None:
        ms, warmup = age_ms(payload_b64)
        if not warmup:
            (self.up if direction == "up" else self.down).add(ms)


async def _service_main(tmp: Path, realtime_url: str, calls: int) -> None:
    import logging

    from ivr.sim.harness import sim_settings, start_service
    from ivr.sim.scripted_conversation import ScriptedFactory
    from ivr.web.app import bridge_config_from_settings
    from ivr.web.heap import freeze_startup_heap

    logging.basicConfig(level=logging.WARNING)
    db = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    settings = sim_settings(realtime_url, database_url=db, max_concurrent_calls=calls + 10, log_level="WARNING")
    probe = ServiceProbe()
    config = dataclasses.replace(bridge_config_from_settings(settings), frame_probe=probe)
    service = await start_service(settings, ScriptedFactory(), bridge_config=config)
    freeze_startup_heap()  # as `ivr serve` does once it listens
    (tmp / "service.port").write_text(service.url.rsplit(":", 1)[1])
    await _until_stdin_closes()
    await service.close()
    (tmp / "service.up").write_bytes(probe.up.to_bytes())
    (tmp / "service.down").write_bytes(probe.down.to_bytes())


async def _until_stdin_closes() -> None:
    """Children stop when the parent closes their stdin (no signals, nothing left behind)."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_reader(sys.stdin.fileno(), stop.set)
    await stop.wait()


# ----- parent: the callers -----------------------------------------------------------------------
def _cpu_seconds(pid: int | None = None) -> float:
    fields = Path(f"/proc/{pid or 'self'}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float:
    """CPU seconds all processes on the machine spent busy (not idle, not waiting for I/O)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


class _CpuSampler:
    """CPU seconds of a few processes sampled every 0.2 s, to read off any window afterwards."""

    def __init__(self, pids: dict[str, int | None]) -> None:
        self.pids = pids
        self.samples: list[tuple[float, dict[str, float]]] = []

    async def run(self) -> None:
        while True:
            cpu = {k: _cpu_seconds(p) for k, p in self.pids.items()}
            cpu["machine"] = _machine_busy_seconds()
            self.samples.append((time.monotonic(), cpu))
            await asyncio.sleep(0.2)

    def cores(self, name: str, start: float, end: float) -> float:
        """Average cores used by `name` between the samples nearest inside [start, end]."""
        inside = [(t, cpu[name]) for t, cpu in self.samples if start <= t <= end]
        if len(inside) < 2:
            return float("nan")
        (t0, c0), (t1, c1) = inside[0], inside[-1]
        return (c1 - c0) / (t1 - t0)


def _spawn(*args: str, cpus: set[int] | None) -> subprocess.Popen[bytes]:
    child = os.environ["BENCH_CHILD"].split() if os.environ.get("BENCH_CHILD") else ["-m", "bench.bench_calls"]
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    return subprocess.Popen([sys.executable, *child, *args], stdin=subprocess.PIPE, preexec_fn=pin)


def _cpu_plan(pin: bool) -> tuple[set[int] | None, set[int] | None]:
    """(service CPUs, simulator CPUs): with --pin the simulators keep off the service's core."""
    cpus = sorted(os.sched_getaffinity(0))
    if not pin or len(cpus) < 2:
        return None, None
    return {cpus[0]}, set(cpus[1:])


def _read_if_written(path: Path) -> str:
    return path.read_text() if path.exists() else ""


async def _wait_file(path: Path, proc: subprocess.Popen[bytes]) -> str:
    for _ in range(600):
        if text := _read_if_written(path):
            return text
        if proc.poll() is not None:
            raise SystemExit(f"child exited with {proc.returncode}")
        await asyncio.sleep(0.05)
    raise SystemExit(f"child did not start ({path.name})")


@dataclasses.dataclass
class RunResult:
    calls: int
    load_before: float
    row: dict[str, Any]


async def _run(
    calls: int, seconds: float, ramp: float, drain: float, cpus: tuple[set[int] | None, set[int] | None]
) -> RunResult:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_calls_") as tmp_dir:
        tally, sampler, files = await _drive(Path(tmp_dir), calls, round(seconds * 50), ramp, drain, cpus)
    row = _row(calls, tally, sampler, files)
    return RunResult(calls, load_before, row)


async def _drive(
    tmp: Path, calls: int, frames: int, ramp: float, drain: float, cpus: tuple[set[int] | None, set[int] | None]
) -> tuple[CallerTally, _CpuSampler, dict[str, bytes]]:
    """Starts the stand-in and the service, runs the calls, stops both; returns what they recorded."""
    import aiohttp

    from bench.call_callers import run_call

    service_cpus, sim_cpus = cpus
    standin = _spawn("--role", "standin", "--tmp", str(tmp), "--frames", str(frames), cpus=sim_cpus)
    service: subprocess.Popen[bytes] | None = None
    try:
        realtime_port = await _wait_file(tmp / "standin.port", standin)
        service = _spawn("--role", "service", "--tmp", str(tmp), "--calls", str(calls),
                         "--realtime-url", f"ws://127.0.0.1:{realtime_port}/v1", cpus=service_cpus)
        service_port = await _wait_file(tmp / "service.port", service)
        print(f"  {calls} calls: service pid={service.pid}, stand-in pid={standin.pid}", flush=True)
        sampler = _CpuSampler({"service": service.pid, "standin": standin.pid, "callers": None})
        sampling = asyncio.get_running_loop().create_task(sampler.run())
        tally = CallerTally()
        rng = random.Random(calls)
        t0 = time.monotonic() + 0.2
        # Calls start spread over the ramp, each on a random 20 ms phase, as real calls arrive.
        starts = [t0 + ramp * i / calls + rng.uniform(0, 0.02) for i in range(calls)]
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            await asyncio.gather(*(
                run_call(session, f"http://127.0.0.1:{service_port}", frames=frames, start_at=s, drain_s=drain,
                         tally=tally)
                for s in starts
            ))
        sampling.cancel()
    finally:
        for proc in (service, standin):
            if proc is not None and proc.stdin is not None:
                proc.stdin.close()
        for proc in (service, standin):
            if proc is not None:
                proc.wait(30)
    names = ("standin.json", "standin.up", "service.up", "service.down")
    return tally, sampler, {name: (tmp / name).read_bytes() for name in names}


def _row(calls: int, tally: CallerTally, sampler: _CpuSampler, files: dict[str, bytes]) -> dict[str, Any]:
    stand = orjson.loads(files["standin.json"])
    up_e2e = Latencies(files["standin.up"])
    up_svc = Latencies(files["service.up"])
    down_svc = Latencies(files["service.down"])
    start, end = tally.all_flowing_at, tally.first_done_at
    steady = end - start
    svc_cores = sampler.cores("service", start, end)
    return {
        "failed": tally.failed,
        "steady_s": steady,
        "svc_cores": svc_cores,
        "svc_pct_per_call": svc_cores / calls * 100,
        "standin_cores": sampler.cores("standin", start, end),
        "callers_cores": sampler.cores("callers", start, end),
        "machine_cores": sampler.cores("machine", start, end),
        "svc_up": (up_svc.percentile(0.5), up_svc.percentile(0.99), up_svc.percentile(1.0)),
        "svc_down": (down_svc.percentile(0.5), down_svc.percentile(0.99), down_svc.percentile(1.0)),
        "e2e_up": (up_e2e.percentile(0.5), up_e2e.percentile(0.99), up_e2e.percentile(1.0)),
        "e2e_down": (tally.latencies.percentile(0.5), tally.latencies.percentile(0.99),
                     tally.latencies.percentile(1.0)),
        "up_sent": tally.sent,
        "up_warmup": tally.sent_warmup,
        "up_lost": tally.sent - stand["received"],
        "down_sent": stand["deltas_sent"],
        "down_lost": stand["deltas_sent"] - tally.media_in,
        "marks_in": tally.marks_in,
        "marks_unechoed": tally.marks_in - tally.marks_echoed,
        "marks_missing": tally.media_in - tally.marks_in,
        "clears": tally.clears,
        "sessions": stand["sessions"],
        "calls_ok": tally.calls_ok,
    }


def _print_table(results: list[RunResult], seconds: float) -> None:
    def lat(v: tuple[float, float, float]) -> str:
        return f"{v[0]:.2f} / {v[1]:.2f} / {v[2]:.1f}"

    print()
    print(f"calls benchmark: {seconds:g} s calls, 20 ms frames both ways; latencies in ms as p50 / p99 / max")
    head = ("calls", "load", "steady s", "svc cores", "svc %core/call", "svc added up", "svc added down",
            "e2e up", "e2e down", "lost up", "lost down", "marks unechoed", "failed", "sim cores", "other cores")
    rows = []
    for res in results:
        r = res.row
        rows.append((
            str(res.calls), f"{res.load_before:.2f}", f"{r['steady_s']:.1f}", f"{r['svc_cores']:.2f}",
            f"{r['svc_pct_per_call']:.3f}", lat(r["svc_up"]), lat(r["svc_down"]), lat(r["e2e_up"]),
            lat(r["e2e_down"]), f"{r['up_lost']}/{r['up_sent']}", f"{r['down_lost']}/{r['down_sent']}",
            f"{r['marks_unechoed']}/{r['marks_in']}", str(r["failed"]),
            f"{r['standin_cores'] + r['callers_cores']:.2f}",
            f"{r['machine_cores'] - r['svc_cores'] - r['standin_cores'] - r['callers_cores']:.2f}",
        ))
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print()
    print("svc added: sender's stamp -> the service's socket write, measured in the service (what the bridge adds).")
    print("e2e: sender's stamp -> the receiving simulator (adds that simulator's own scheduling delay).")
    print("cores: CPU over the steady window (all calls streaming both ways), for the service, the simulators "
          "(stand-in + callers) and everything else on the machine (other cores); load: 1-min loadavg before the run.")
    for res in results:
        r = res.row
        if r["sessions"] != r["calls_ok"] + r["failed"]:
            print(f"  {res.calls} calls: {r['sessions']} Realtime sessions for {r['calls_ok']} calls")
        if r["up_warmup"] or r["marks_missing"] or r["clears"]:
            print(f"  {res.calls} calls: {r['up_warmup']} warm-up frames (sent before the bot was heard; not in "
                  f"latency), {r['marks_missing']} media without a mark, {r['clears']} clears")


async def _parent(calls: list[int], seconds: float, ramp: float, drain: float, repeat: int, pin: bool) -> None:
    cpus = _cpu_plan(pin)
    if cpus[1]:
        os.sched_setaffinity(0, cpus[1])
    results = []
    for n in calls:
        for _ in range(repeat):
            results.append(await _run(n, seconds, ramp, drain, cpus))
    _print_table(results, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[50], help="concurrent calls; several = several runs")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each call")
    parser.add_argument("--ramp", type=float, default=3.0, help="seconds over which calls start")
    parser.add_argument("--drain", type=float, default=5.0, help="longest wait for frames in flight before hang-up")
    parser.add_argument("--repeat", type=int, default=1, help="runs per number of calls")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=True,
                        help="service on the first CPU, simulators on the others (default on)")
    parser.add_argument("--role", choices=["parent", "standin", "service"], default="parent", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    parser.add_argument("--realtime-url", help=argparse.SUPPRESS)
    parser.add_argument("--frames", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from ivr.commands.serve import event_loop_factory

    uv = event_loop_factory()  # every process on uvloop: the service as `ivr serve` runs, the simulators to stay cheap
    with asyncio.Runner(loop_factory=uv) as runner:
        if args.role == "standin":
            runner.run(_standin_main(Path(args.tmp), args.frames))
        elif args.role == "service":
            runner.run(_service_main(Path(args.tmp), args.realtime_url, args.calls[0]))
        else:
            runner.run(_parent(args.calls, args.seconds, args.ramp, args.drain, args.repeat, args.pin))


if __name__ == "__main__":
    main()
