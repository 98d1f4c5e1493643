"""The service against a minimal pass-through bridge: CPU per call-minute, and their ratio.

    .venv/bin/python -m bench.bench_side_by_side --calls 50 --seconds 20 --rounds 3

Same callers, same Realtime stand-in, same 20 ms frames both ways (`bench.bench_calls`) for: the
pass-through (`bench.passthrough_bridge`: plain aiohttp, no checks, no turn logic, no marks), the
service with its Realtime socket on aiohttp (`REALTIME_SOCKET=aiohttp`, the default) and the
service on the openai SDK's own connection (`REALTIME_SOCKET=sdk`, the fallback). By default all
of them run at once, each with `--calls` calls, on the same CPU (the simulators on the other):
a bridge's CPU per frame depends on how busy the machine is (a busy loop reads several frames per
wake-up), so bridges measured one after the other on a shared machine are not comparable, and
bridges measured together are. `--in-turn` runs them one after another instead, the order
turning each round.

CPU per call-minute is the bridge process's user + system CPU seconds over the steady window
(every call streaming both ways), per call, per minute of call. The ratio is
service / pass-through, round by round (each against the pass-through of its own round), then the
median over rounds: below 1 the service spends less CPU on a call-minute than the minimal bridge,
although it does more (signatures, tokens, turn control, marks, metrics). The goal (issue 11) is
at most 0.6. No frame probe in either (`--no-probe`), so neither pays for being measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_calls import (
    Options,
    RunResult,
    _cpu_plan,
    _CpuSampler,
    _parent_affinity,
    _run,
    _spawn,
    _table,
    _wait_file,
)
from bench.call_callers import CallerTally

TARGETS = {
    "pass-through": {"target": "passthrough", "link": "aiohttp"},
    "service (aiohttp socket)": {"target": "service", "link": "aiohttp"},
    "service (SDK socket)": {"target": "service", "link": "sdk"},
}


def cpu_per_call_minute(res: RunResult) -> float:
    """CPU seconds the bridge process spent per call per minute of call."""
    return res.row["svc_cores"] / res.calls * 60


async def _rounds(calls: int, rounds: int, base: Options, names: list[str]) -> dict[str, list[RunResult]]:
    _parent_affinity(base)
    results: dict[str, list[RunResult]] = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            opts = Options(**{**base.__dict__, **TARGETS[name]})
            print(f"round {r + 1}/{rounds}: {name}", flush=True)
            results[name].append(await _run(calls, opts))
    return results


async def _together_rounds(calls: int, rounds: int, base: Options, names: list[str]) -> dict[str, list[RunResult]]:
    _parent_affinity(base)
    results: dict[str, list[RunResult]] = {name: [] for name in names}
    for r in range(rounds):
        print(f"round {r + 1}/{rounds}: {', '.join(names)} at once, {calls} calls each", flush=True)
        load_before = os.getloadavg()[0]
        with tempfile.TemporaryDirectory(prefix="bench_sbs_") as tmp:
            rows = await _together(Path(tmp), calls, base, names)
        for name in names:
            results[name].append(RunResult(calls, load_before, rows[name]))
    return results


async def _together(tmp: Path, calls: int, opts: Options, names: list[str]) -> dict[str, dict[str, float | int]]:
    """One stand-in, every bridge at once on the service CPU, `calls` callers each."""
    import aiohttp

    from bench.call_callers import run_call

    standin = _spawn("--role", "standin", "--tmp", str(tmp), "--frames", str(opts.frames),
                     "--aftercall-calls", "0", cpus=opts.sim_cpus)
    procs = {}
    try:
        realtime_port = await _wait_file(tmp / "standin.port", standin)
        for i, name in enumerate(names):
            sub = tmp / f"bridge{i}"
            sub.mkdir()
            t = TARGETS[name]
            procs[name] = (sub, _spawn("--role", t["target"], "--tmp", str(sub), "--calls", str(calls),
                                       "--realtime-url", f"ws://127.0.0.1:{realtime_port}/v1", "--no-probe",
                                       "--aftercall-calls", "0", "--link", t["link"],
                                       "--passthrough-loop", opts.passthrough_loop, cpus=opts.service_cpus))
        ports = {name: await _wait_file(sub / "service.port", proc) for name, (sub, proc) in procs.items()}
        sampler = _CpuSampler({name: proc.pid for name, (_, proc) in procs.items()})
        sampling = asyncio.ensure_future(sampler.run())
        tallies = {name: CallerTally() for name in names}
        rng = random.Random(calls)
        t0 = time.monotonic() + 0.2
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            await asyncio.gather(*(
                run_call(session, f"http://127.0.0.1:{ports[name]}", frames=opts.frames,
                         start_at=t0 + opts.ramp * i / calls + rng.uniform(0, 0.02), drain_s=opts.drain,
                         tally=tallies[name])
                for i in range(calls) for name in names
            ))
        sampling.cancel()
    finally:
        for proc in [standin, *(p for _, p in procs.values())]:
            if proc.stdin is not None:
                proc.stdin.close()
        for proc in [standin, *(p for _, p in procs.values())]:
            proc.wait(30)
    start = max(t.all_flowing_at for t in tallies.values())
    end = min(t.first_done_at for t in tallies.values())
    machine = sampler.cores("machine", start, end)
    cores = {name: sampler.cores(name, start, end) for name in names}
    return {name: {"svc_cores": cores[name], "other": max(0.0, machine - sum(cores.values())),
                   "up_sent": tallies[name].sent, "up_lost": -1, "down_sent": calls * opts.frames,
                   "down_lost": calls * opts.frames - tallies[name].media_in, "failed": tallies[name].failed}
            for name in names}


def _report(results: dict[str, list[RunResult]], calls: int, opts: Options, in_turn: bool) -> None:
    how = "one after another" if in_turn else f"all at once on one CPU, {calls} calls each"
    print(f"\nside by side: {calls} calls of {opts.seconds:g} s, {len(next(iter(results.values())))} rounds, {how}; "
          f"pass-through on the {opts.passthrough_loop} event loop, the service on uvloop\n")
    rows: list[tuple[str, ...]] = []
    for name, runs in results.items():
        for i, res in enumerate(runs):
            r = res.row
            other = r["other"] if "other" in r else max(
                0.0, r["machine_cores"] - r["svc_cores"] - r["standin_cores"] - r["callers_cores"])
            rows.append((name, str(i + 1), f"{cpu_per_call_minute(res):.3f}", f"{r['svc_cores']:.3f}",
                         f"{other:.2f}", f"{res.load_before:.2f}",
                         "-" if r["up_lost"] < 0 else f"{r['up_lost']}/{r['up_sent']}",
                         f"{r['down_lost']}/{r['down_sent']}", str(r["failed"])))
    _table(("bridge", "round", "CPU s per call-minute", "bridge cores", "other cores", "load before", "lost up",
            "lost down", "failed calls"), rows)
    base = results["pass-through"]
    print()
    for name, runs in results.items():
        per_min = statistics.median(cpu_per_call_minute(res) for res in runs)
        line = f"{name}: median {per_min:.3f} CPU s per call-minute"
        if name != "pass-through":
            ratios = [cpu_per_call_minute(s) / cpu_per_call_minute(p) for s, p in zip(runs, base, strict=True)]
            line += (f"; ratio service / pass-through by round {', '.join(f'{x:.2f}' for x in ratios)}, "
                     f"median {statistics.median(ratios):.2f} (goal: at most 0.6)")
        print(line)
    print("\nother cores: CPU the rest of the machine used meanwhile (other work on the same 2 cores); "
          "compare rounds with little of it.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each call")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each bridge, interleaved")
    parser.add_argument("--ramp", type=float, default=3.0, help="seconds over which calls start")
    parser.add_argument("--passthrough-loop", choices=["asyncio", "uvloop"], default="asyncio",
                        help="the pass-through's event loop (default asyncio's, as a plain aiohttp app runs)")
    parser.add_argument("--no-sdk", action="store_true", help="leave out the service on the SDK's socket")
    parser.add_argument("--in-turn", action="store_true",
                        help="run the bridges one after another instead of all at once")
    args = parser.parse_args()
    from ivr.commands.serve import event_loop_factory

    service_cpus, sim_cpus = _cpu_plan(True)
    opts = Options(args.seconds, args.ramp, 5.0, False, service_cpus, sim_cpus,
                   passthrough_loop=args.passthrough_loop)
    names = [n for n in TARGETS if not (args.no_sdk and "SDK" in n)]
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        rounds = _rounds if args.in_turn else _together_rounds
        results = runner.run(rounds(args.calls, args.rounds, opts, names))
    _report(results, args.calls, opts, args.in_turn)


if __name__ == "__main__":
    main()
