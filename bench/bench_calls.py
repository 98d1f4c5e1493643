"""N concurrent simulated calls through the bridge, real-time 20 ms frames both ways.

    .venv/bin/python -m bench.bench_calls --calls 50 100 200 --seconds 10 --ramp 3

Three processes, so the service's figures are its own: the service (the real `ivr` web app and
bridges, on uvloop and with its startup heap frozen, as `ivr serve` runs), a lean Realtime
stand-in (`bench.call_standin`) and the callers (this process, `bench.call_callers`). Both
simulators send preformatted frames and parse only what they must. With `--pin` (the default)
the service has the first CPU and the simulators the others, so they do not preempt it. Every
frame carries its sender's CLOCK_MONOTONIC (shared by all processes) and a sequence number; see
`bench.call_stamps`.

Figures per run:
- service added latency: inside the service, from the sender's stamp (taken just before the
  sender's socket write) to the service's own socket write of that frame, through the bridge's
  frame probe (`BridgeConfig.frame_probe`, set only here). It covers loopback delivery, waiting
  in the service's socket and event loop, and the bridge's work: what the service adds.
- bridge in->out: the part of that spent between the bridge getting the parsed frame and its write.
- end to end: from the sender's stamp to the receiving simulator's reading of it, so it also
  carries the receiving simulator's own scheduling delay (an upper bound).
- CPU: user+system time over the steady window (every call streaming both ways) of the service,
  the simulators and everything else on the machine; per call, as a share of one core. The probe
  costs the service about 5 %; `--no-probe` measures without it.
- lost: frames sent but never received, each way, and marks never echoed, after the callers
  drain before hanging up (see `bench.call_callers`): the tail in flight is not a loss.

Frames a caller sends before it first hears the bot wait, by design, in the bridge's buffer while
the Realtime session opens: they count for loss, not for latency. The service's pid is printed
so a profiler (`py-spy record --pid PID`) can be attached. `BENCH_CHILD=script.py` runs the child
processes through a wrapper script instead of this module (to bench another version of the
service, or add instrumentation); the wrapper ends by calling `bench.bench_calls.main()`.

`--link sdk` runs the service (or the pass-through) on the openai SDK's own Realtime connection
instead of aiohttp's;
`--target passthrough` puts the minimal bridge of `bench.passthrough_bridge` in the service's
place (`bench.bench_side_by_side` compares them). `bench.bench_soak` and `bench.bench_workers`
drive the same processes for ten minutes, and through the real `ivr serve --workers N`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

import orjson

from bench.call_callers import CallerTally
from bench.call_stamps import STAMP_B64_CHARS, Latencies, age_ms


# ----- child: the Realtime stand-in ---------------------------------------------------------------
async def _standin_main(tmp: Path, frames: int, aftercall: int) -> None:
    from bench.aftercall_load import Standins
    from bench.call_standin import LoadStandin

    standin = await LoadStandin(frames).start()
    http = await Standins.start() if aftercall else None  # the summary model and Twilio Messages
    if http is not None:
        (tmp / "aftercall.urls").write_text(http.urls())
    (tmp / "standin.port").write_text(str(standin.port))
    await _until_stdin_closes()
    await standin.close()
    if http is not None:
        await http.close()
        (tmp / "aftercall.standins").write_bytes(orjson.dumps(http.stats()))
    (tmp / "standin.json").write_bytes(orjson.dumps(standin.stats()))
    (tmp / "standin.up").write_bytes(standin.latencies.to_bytes())


# ----- child: the service ----------------------------------------------------------------------------
class ServiceProbe:
    """The bridge's frame probe: when the bridge got each frame and when it had written it out.

    Per forwarded frame it records the frame's age at the write (wire -> out: the sender's stamp
    to the service's write) and the time the bridge held it (in -> out).
    """

    def __init__(self) -> None:
        self.wire = {"up": Latencies(), "down": Latencies()}
        self.held = Latencies()
        self._arrived: dict[str, int] = {}

    def __call__(self, direction: Literal["up", "down"], stage: Literal["in", "out"], payload_b64: str) -> None:
        key = payload_b64[:STAMP_B64_CHARS]
        if stage == "in":
            self._arrived[key] = time.monotonic_ns()
            return
        arrived = self._arrived.pop(key, None)
        ms, warmup = age_ms(key)
        if warmup:
            return
        self.wire[direction].add(ms)
        if arrived is not None:
            self.held.add((time.monotonic_ns() - arrived) / 1e6)


async def _service_main(tmp: Path, realtime_url: str, calls: int, with_probe: bool, aftercall: int,
                        aftercall_rate: float, link: str = "aiohttp") -> None:
    import logging

    from ivr.sim.harness import sim_settings, start_service
    from ivr.sim.scripted_conversation import ScriptedFactory
    from ivr.web.app import bridge_config_from_settings
    from ivr.web.heap import freeze_startup_heap
    from schedules.migrate import upgrade

    logging.basicConfig(level=logging.WARNING)
    db = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    await upgrade(db)  # the service keeps stream tokens in it
    settings = sim_settings(realtime_url, database_url=db, max_concurrent_calls=calls + 10, log_level="WARNING",
                            realtime_socket=link)
    probe = ServiceProbe()
    config = dataclasses.replace(bridge_config_from_settings(settings), frame_probe=probe if with_probe else None)
    after = None
    if aftercall:  # the after-call worker runs beside the calls, on the service's event loop
        from bench.aftercall_load import done_counts, prepare
        from schedules.db import make_engine, make_sessionmaker

        engine = make_engine(db)
        sessionmaker = make_sessionmaker(engine)
        after = await prepare(db, sessionmaker, settings, (tmp / "aftercall.urls").read_text(), aftercall,
                              aftercall_rate)
    service = await start_service(settings, ScriptedFactory(), bridge_config=config)
    freeze_startup_heap()  # as `ivr serve` does once it listens
    if after is not None:
        after.worker.start()
    (tmp / "service.port").write_text(service.url.rsplit(":", 1)[1])
    await _until_stdin_closes()
    if after is not None:
        await after.worker.stop()
        (tmp / "aftercall.jobs").write_bytes(orjson.dumps(await done_counts(sessionmaker)))
        await engine.dispose()
    await service.close()
    (tmp / "service.up").write_bytes(probe.wire["up"].to_bytes())
    (tmp / "service.down").write_bytes(probe.wire["down"].to_bytes())
    (tmp / "service.held").write_bytes(probe.held.to_bytes())


async def _passthrough_main(tmp: Path, realtime_url: str, link: str = "aiohttp") -> None:
    """The minimal bridge (`bench.passthrough_bridge`) in the service's place: no probe, so no service latency."""
    from bench.passthrough_bridge import PassthroughBridge

    bridge = await PassthroughBridge(realtime_url, link).start()
    (tmp / "service.port").write_text(str(bridge.port))
    await _until_stdin_closes()
    await bridge.close()
    for name in ("service.up", "service.down", "service.held"):
        (tmp / name).write_bytes(Latencies().to_bytes())


async def _workers_main(tmp: Path, realtime_url: str, calls: int, workers: int) -> None:
    """`ivr serve --workers N` as deployed (gunicorn, the guidance conversation, PostgreSQL), with the
    frame probe in each worker (`bench.probed_serve`); their histograms are merged when it stops."""
    import signal

    from bench.scratch_pg import scratch_database
    from ivr.sim.instances import ServeProcess, free_port, serve_env

    probes = tmp / "probes"
    probes.mkdir()
    async with scratch_database() as db:
        env = serve_env(database_url=db, realtime_url=realtime_url, twilio_api_url="http://127.0.0.1:9",
                        max_concurrent_calls=str(calls + 10), log_level="WARNING", bench_probe_dir=str(probes),
                        summary_model="")  # no summaries: the after-call work has its own benchmark
        port = free_port()
        log_path = tmp / "serve.log"
        with log_path.open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.probed_serve", "serve", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), env=env, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True)
        serve = ServeProcess("ivr", port, proc, log_path)
        await serve.wait_ready()
        (tmp / "service.port").write_text(str(port))
        await _until_stdin_closes()
        proc.send_signal(signal.SIGTERM)  # the drain: no call is left, so the workers exit at once
        await serve.wait_exit(60)
    for name in ("up", "down", "held"):
        merged = Latencies()
        for path in probes.glob(f"*.{name}"):
            merged.merge(Latencies(path.read_bytes()))
        (tmp / f"service.{name}").write_bytes(merged.to_bytes())


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


@dataclasses.dataclass(frozen=True)
class Options:
    seconds: float
    ramp: float
    drain: float
    probe: bool
    service_cpus: set[int] | None
    sim_cpus: set[int] | None
    aftercall: int = 0  # finished calls whose summary and SMS the worker makes during the run (0 = off)
    aftercall_rate: float = 0.0  # those calls finish this many a second during the run; 0 = all queued before it
    target: str = "service"  # "passthrough": the minimal bridge of bench.passthrough_bridge; "workers": `ivr serve`
    workers: int = 2  # with target "workers"
    link: str = "aiohttp"  # the Realtime socket: the service's REALTIME_SOCKET, or the passthrough's
    passthrough_loop: str = "asyncio"  # the passthrough's event loop, as `web.run_app` gives it, or "uvloop"
    syscalls: bool = False  # side by side: count each bridge's system calls per frame (perf)

    @property
    def frames(self) -> int:
        return round(self.seconds * 50)


@dataclasses.dataclass
class RunResult:
    calls: int
    load_before: float
    row: dict[str, Any]


Watch = Callable[[int], Awaitable[None]]
"""Runs beside the calls with the service's pid (the soak samples its memory); cancelled at the end."""


async def _run(calls: int, opts: Options, watch: Watch | None = None) -> RunResult:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_calls_") as tmp_dir:
        tally, sampler, files = await _drive(Path(tmp_dir), calls, opts, watch)
    row = _row(calls, tally, sampler, files)
    return RunResult(calls, load_before, row)


async def _drive(tmp: Path, calls: int, opts: Options,
                 watch: Watch | None = None) -> tuple[CallerTally, _CpuSampler, dict[str, bytes]]:
    """Starts the stand-in and the service, runs the calls, stops both; returns what they recorded."""
    import aiohttp

    from bench.call_callers import run_call

    standin = _spawn("--role", "standin", "--tmp", str(tmp), "--frames", str(opts.frames),
                     "--aftercall-calls", str(opts.aftercall), cpus=opts.sim_cpus)
    service: subprocess.Popen[bytes] | None = None
    try:
        realtime_port = await _wait_file(tmp / "standin.port", standin)
        service = _spawn("--role", opts.target, "--tmp", str(tmp), "--calls", str(calls),
                         "--realtime-url", f"ws://127.0.0.1:{realtime_port}/v1",
                         "--probe" if opts.probe else "--no-probe", "--aftercall-calls", str(opts.aftercall),
                         "--aftercall-rate", str(opts.aftercall_rate), "--link", opts.link,
                         "--passthrough-loop", opts.passthrough_loop, "--workers", str(opts.workers),
                         cpus=opts.service_cpus)
        service_port = await _wait_file(tmp / "service.port", service)
        print(f"  {calls} calls: service pid={service.pid}, stand-in pid={standin.pid}", flush=True)
        sampler = _CpuSampler({"service": service.pid, "standin": standin.pid, "callers": None})
        sampling = asyncio.get_running_loop().create_task(sampler.run())
        watching = asyncio.ensure_future(watch(service.pid)) if watch is not None else None
        tally = CallerTally()
        rng = random.Random(calls)
        t0 = time.monotonic() + 0.2
        # Calls start spread over the ramp, each on a random 20 ms phase, as real calls arrive.
        starts = [t0 + opts.ramp * i / calls + rng.uniform(0, 0.02) for i in range(calls)]
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            await asyncio.gather(*(
                run_call(session, f"http://127.0.0.1:{service_port}", frames=opts.frames, start_at=s,
                         drain_s=opts.drain, tally=tally)
                for s in starts
            ))
        sampling.cancel()
        if watching is not None:
            watching.cancel()
    finally:
        for proc in (service, standin):
            if proc is not None and proc.stdin is not None:
                proc.stdin.close()
        for proc in (service, standin):
            if proc is not None:
                proc.wait(30)
    names = ("standin.json", "standin.up", "service.up", "service.down", "service.held")
    files = {name: (tmp / name).read_bytes() for name in names}
    for name in ("aftercall.jobs", "aftercall.standins"):
        if (tmp / name).exists():
            files[name] = (tmp / name).read_bytes()
    return tally, sampler, files


def _row(calls: int, tally: CallerTally, sampler: _CpuSampler, files: dict[str, bytes]) -> dict[str, Any]:
    stand = orjson.loads(files["standin.json"])
    up_e2e = Latencies(files["standin.up"])
    up_svc = Latencies(files["service.up"])
    down_svc = Latencies(files["service.down"])
    held = Latencies(files["service.held"])
    start, end = tally.all_flowing_at, tally.first_done_at
    steady = end - start
    svc_cores = sampler.cores("service", start, end)
    return {
        "failed": tally.failed,
        "steady_from": start,
        "steady_to": end,
        "steady_s": steady,
        "svc_cores": svc_cores,
        "svc_pct_per_call": svc_cores / calls * 100,
        "standin_cores": sampler.cores("standin", start, end),
        "callers_cores": sampler.cores("callers", start, end),
        "machine_cores": sampler.cores("machine", start, end),
        "svc_up": (up_svc.percentile(0.5), up_svc.percentile(0.99), up_svc.percentile(1.0)),
        "svc_down": (down_svc.percentile(0.5), down_svc.percentile(0.99), down_svc.percentile(1.0)),
        "held": (held.percentile(0.5), held.percentile(0.99), held.percentile(1.0)),
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
        "aftercall": {**orjson.loads(files.get("aftercall.jobs", b"{}")),
                      **orjson.loads(files.get("aftercall.standins", b"{}"))},
    }


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def _print_tables(results: list[RunResult], opts: Options) -> None:
    def lat(v: tuple[float, float, float]) -> str:
        return "-" if math.isnan(v[0]) else f"{v[0]:.2f} / {v[1]:.2f} / {v[2]:.1f}"

    print(f"\ncalls benchmark: {opts.seconds:g} s calls, real-time 20 ms frames both ways"
          f"{'' if opts.probe else ', no probe in the service (no service latency figures)'}\n")
    _table(
        ("calls", "service cores", "service % of a core per call", "simulator cores", "other cores", "load before",
         "lost up", "lost down", "marks unechoed", "failed calls"),
        [(str(res.calls), f"{r['svc_cores']:.2f}", f"{r['svc_pct_per_call']:.3f}",
          f"{r['callers_cores'] + r['standin_cores']:.2f}",
          f"{max(0.0, r['machine_cores'] - r['svc_cores'] - r['standin_cores'] - r['callers_cores']):.2f}",
          f"{res.load_before:.2f}", f"{r['up_lost']}/{r['up_sent']}", f"{r['down_lost']}/{r['down_sent']}",
          f"{r['marks_unechoed']}/{r['marks_in']}", str(r["failed"]))
         for res in results for r in (res.row,)],
    )
    print("\nlatency in ms, p50 / p99 / max\n")
    _table(
        ("calls", "service added, up", "service added, down", "bridge in->out", "end to end, up", "end to end, down"),
        [(str(res.calls), lat(r["svc_up"]), lat(r["svc_down"]), lat(r["held"]), lat(r["e2e_up"]), lat(r["e2e_down"]))
         for res in results for r in (res.row,)],
    )
    print("""
cores: CPU used over the steady window (every call streaming both ways): the service, the two simulator
  processes, and everything else on the machine (other engineers' work competes for the same 2 cores).
service added: the sender's stamp (just before its socket write) -> the service's write of that frame,
  measured in the service: loopback, waiting in the service's socket and event loop, and the bridge's work.
bridge in->out: from the bridge getting the parsed frame from one socket to its write to the other.
end to end: the sender's stamp -> the receiving simulator, which adds its own scheduling delay.
up = caller -> model (Twilio media -> input_audio_buffer.append); down = model -> caller (delta -> media + mark).""")
    for res in results:
        r = res.row
        if r["aftercall"]:
            a = r["aftercall"]
            arrival = (f"{opts.aftercall_rate:g} calls a second finishing during the run" if opts.aftercall_rate > 0
                       else f"{opts.aftercall} finished calls queued before the run")
            print(f"  {res.calls} calls: after-call worker on, {arrival}: "
                  f"{a.get('summary_done', 0)} summaries and {a.get('sms_done', 0)} SMS done during it "
                  f"({a.get('summaries_asked', 0)} model requests, {a.get('sms_sent', 0)} messages sent)")
        if r["sessions"] != r["calls_ok"] + r["failed"]:
            print(f"  {res.calls} calls: {r['sessions']} Realtime sessions for {r['calls_ok']} calls")
        if r["up_warmup"] or r["marks_missing"] or r["clears"]:
            print(f"  {res.calls} calls: {r['up_warmup']} warm-up frames (sent before the bot was heard, so not in "
                  f"latency), {r['marks_missing']} media without a mark, {r['clears']} clears")


def _parent_affinity(opts: Options) -> None:
    """The callers (this process) keep off the service's CPU, as the stand-in does."""
    if opts.sim_cpus:
        os.sched_setaffinity(0, opts.sim_cpus)


async def _parent(calls: list[int], repeat: int, opts: Options) -> None:
    _parent_affinity(opts)
    results = []
    for n in calls:
        for _ in range(repeat):
            results.append(await _run(n, opts))
    _print_tables(results, opts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[50], help="concurrent calls; several = several runs")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each call")
    parser.add_argument("--ramp", type=float, default=3.0, help="seconds over which calls start")
    parser.add_argument("--drain", type=float, default=5.0, help="longest wait for frames in flight before hang-up")
    parser.add_argument("--repeat", type=int, default=1, help="runs per number of calls")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=True,
                        help="service on the first CPU, simulators on the others (default on)")
    parser.add_argument("--probe", action=argparse.BooleanOptionalAction, default=True,
                        help="time frames inside the service (default on; costs it ~5%% CPU)")
    parser.add_argument("--aftercall", action="store_true",
                        help="run the after-call worker (summaries and SMS) in the service during the calls")
    parser.add_argument("--aftercall-rate", type=float, default=2.0,
                        help="with --aftercall: calls finishing a second during the run, each leaving a summary and "
                             "an SMS (default 2: 200 calls of 100 s); 0 = a backlog of --aftercall-calls, all due")
    parser.add_argument("--aftercall-calls", type=int, default=None,
                        help="finished calls queued for it (default: enough for the run, or 2000 with rate 0)")
    parser.add_argument("--link", choices=["aiohttp", "sdk"], default="aiohttp",
                        help="the Realtime socket: the service's REALTIME_SOCKET, or the pass-through's "
                             "(default aiohttp)")
    parser.add_argument("--target", choices=["service", "passthrough"], default="service",
                        help="what the callers call: the service, or the minimal bridge of bench.passthrough_bridge")
    parser.add_argument("--passthrough-loop", choices=["asyncio", "uvloop"], default="asyncio",
                        help="the passthrough's event loop (default asyncio's, as a plain aiohttp app runs)")
    parser.add_argument("--workers", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--role", choices=["parent", "standin", "service", "passthrough", "workers"], default="parent",
                        help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    parser.add_argument("--realtime-url", help=argparse.SUPPRESS)
    parser.add_argument("--frames", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from ivr.commands.serve import event_loop_factory

    enough = 2000 if args.aftercall_rate <= 0 else int(args.aftercall_rate * (args.seconds + args.ramp + 30))
    aftercall = args.aftercall_calls if args.aftercall_calls is not None else (enough if args.aftercall else 0)
    uv = event_loop_factory()  # every process on uvloop: the service as `ivr serve` runs, the simulators to stay cheap
    if args.role == "passthrough" and args.passthrough_loop == "asyncio":
        uv = None
    with asyncio.Runner(loop_factory=uv) as runner:
        if args.role == "passthrough":
            runner.run(_passthrough_main(Path(args.tmp), args.realtime_url, args.link))
        elif args.role == "workers":
            runner.run(_workers_main(Path(args.tmp), args.realtime_url, args.calls[0], args.workers))
        elif args.role == "standin":
            runner.run(_standin_main(Path(args.tmp), args.frames, aftercall))
        elif args.role == "service":
            runner.run(_service_main(Path(args.tmp), args.realtime_url, args.calls[0], args.probe, aftercall,
                                     args.aftercall_rate, args.link))
        else:
            service_cpus, sim_cpus = _cpu_plan(args.pin)
            opts = Options(args.seconds, args.ramp, args.drain, args.probe, service_cpus, sim_cpus, aftercall,
                           args.aftercall_rate, target=args.target, link=args.link,
                           passthrough_loop=args.passthrough_loop)
            runner.run(_parent(args.calls, args.repeat, opts))


if __name__ == "__main__":
    main()
