"""The service against a minimal pass-through bridge: CPU per call-minute, and their ratio.

    .venv/bin/python -m bench.bench_side_by_side --calls 50 --seconds 30 --rounds 3 [--syscalls]

Same callers, same Realtime stand-in, same 20 ms frames both ways (`bench.bench_calls`) for the
bridges named by `--bridges`:
- `passthrough-sdk` (the default yardstick): the minimal bridge as one would first write it
  (`bench.passthrough_bridge`: plain aiohttp for Twilio, no checks, no turn logic, no marks) on
  the openai SDK's Realtime connection, used as the SDK documents it;
- `passthrough-aiohttp`: the same bridge on aiohttp's client WebSocket, the socket the service
  uses: a stricter yardstick than the issue's, for what the service's own work costs;
- `service`: the service, its Realtime socket on aiohttp (`REALTIME_SOCKET=aiohttp`, the default);
- `service-sdk`: the service on the SDK's connection (`REALTIME_SOCKET=sdk`, the fallback).

By default they run at once, each with `--calls` calls, on the same CPU (the simulators on the
other): a bridge's CPU per frame depends on how busy the machine is (a busy loop reads several
frames per wake-up), so bridges measured one after the other on a shared machine are not
comparable, and bridges measured together are. Together they must not fill their CPU, or each
reads several frames per wake-up and the costly one looks cheaper: the default pair takes about
0.8 of it at 50 calls. `--in-turn` runs them one after another instead, the order turning each
round.

CPU per call-minute is the bridge process's user + system CPU seconds over the steady window
(every call streaming both ways), per call, per minute of call. Each service is compared with
each pass-through, round by round (against the pass-through of its own round), then the median
over rounds: below 1 the service spends less CPU on a call-minute than the minimal bridge,
although it does more (signatures, tokens, turn control, marks, metrics). The goal (issue 11) is
at most 0.6. No frame probe in either (`--no-probe`), so neither pays for being measured.
`--syscalls` also counts each bridge's system calls per frame (caller and model frames both
ways) over 5 s of the steady window, with `perf stat`.
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
from bench.call_stamps import FRAME_S

TARGETS = {
    "pass-through (SDK socket)": {"target": "passthrough", "link": "sdk"},
    "pass-through (aiohttp socket)": {"target": "passthrough", "link": "aiohttp"},
    "service (aiohttp socket)": {"target": "service", "link": "aiohttp"},
    "service (SDK socket)": {"target": "service", "link": "sdk"},
}
BRIDGES = dict(zip(("passthrough-sdk", "passthrough-aiohttp", "service", "service-sdk"), TARGETS, strict=True))
DEFAULT_BRIDGES = ["passthrough-sdk", "service"]


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


async def _count_syscalls(pid: int, at: float, seconds: float) -> float:
    """System calls the process makes in `seconds` from `at`, counted by the kernel (`perf stat` on the
    raw_syscalls tracepoint, which costs the process far less than strace); -1 if perf cannot count."""
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    try:
        perf = await asyncio.create_subprocess_exec(
            "perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-p", str(pid), "--", "sleep", f"{seconds:g}",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    except OSError:
        return -1
    _, err = await perf.communicate()
    for line in err.decode(errors="replace").splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2].startswith("raw_syscalls:sys_enter") and fields[0].isdigit():
            return float(fields[0])
    return -1


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
        window = max(1.0, min(5.0, opts.seconds - opts.ramp - 5.0))  # inside the steady part of every call
        counting = asyncio.gather(*(_count_syscalls(proc.pid, t0 + opts.ramp + 3.0, window)
                                    for _, proc in procs.values())) if opts.syscalls else None
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            await asyncio.gather(*(
                run_call(session, f"http://127.0.0.1:{ports[name]}", frames=opts.frames,
                         start_at=t0 + opts.ramp * i / calls + rng.uniform(0, 0.02), drain_s=opts.drain,
                         tally=tallies[name])
                for i in range(calls) for name in names
            ))
        sampling.cancel()
        counts = await counting if counting is not None else [-1.0] * len(names)
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
    frames = window * calls * 2 / FRAME_S  # each call's frames both ways through the bridge in the window
    syscalls = dict(zip(procs, counts, strict=True))
    return {name: {"svc_cores": cores[name], "other": max(0.0, machine - sum(cores.values())),
                   "syscalls_per_frame": syscalls[name] / frames if syscalls[name] >= 0 else -1.0,
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
            per_frame = r.get("syscalls_per_frame", -1.0)
            rows.append((name, str(i + 1), f"{cpu_per_call_minute(res):.3f}",
                         "-" if per_frame < 0 else f"{per_frame:.2f}", f"{r['svc_cores']:.3f}",
                         f"{other:.2f}", f"{res.load_before:.2f}",
                         "-" if r["up_lost"] < 0 else f"{r['up_lost']}/{r['up_sent']}",
                         f"{r['down_lost']}/{r['down_sent']}", str(r["failed"])))
    _table(("bridge", "round", "CPU s per call-minute", "syscalls per frame", "bridge cores", "other cores",
            "load before", "lost up", "lost down", "failed calls"), rows)
    yardsticks = {name: runs for name, runs in results.items() if name.startswith("pass-through")}
    print()
    for name, runs in results.items():
        print(f"{name}: median {statistics.median(cpu_per_call_minute(res) for res in runs):.3f} CPU s per call-minute")
    for name, runs in results.items():
        if name in yardsticks:
            continue
        for base_name, base in yardsticks.items():
            ratios = [cpu_per_call_minute(s) / cpu_per_call_minute(p) for s, p in zip(runs, base, strict=True)]
            print(f"{name} / {base_name}: by round {', '.join(f'{x:.2f}' for x in ratios)}, "
                  f"median {statistics.median(ratios):.2f} (goal: at most 0.6)")
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
    parser.add_argument("--bridges", nargs="+", choices=list(BRIDGES), default=DEFAULT_BRIDGES,
                        help="which bridges to run (default: %(default)s); each service is compared with each "
                             "pass-through")
    parser.add_argument("--syscalls", action="store_true",
                        help="also count each bridge's system calls per frame over 5 s of every round (needs perf "
                             "and the right to trace; the bridges run at once)")
    parser.add_argument("--in-turn", action="store_true",
                        help="run the bridges one after another instead of all at once")
    args = parser.parse_args()
    from ivr.commands.serve import event_loop_factory

    service_cpus, sim_cpus = _cpu_plan(True)
    opts = Options(args.seconds, args.ramp, 5.0, False, service_cpus, sim_cpus,
                   passthrough_loop=args.passthrough_loop, syscalls=args.syscalls)
    if args.syscalls and args.in_turn:
        parser.error("--syscalls counts bridges run at once; leave out --in-turn")
    names = [BRIDGES[key] for key in dict.fromkeys(args.bridges)]
    if not any(n.startswith("pass-through") for n in names) or all(n.startswith("pass-through") for n in names):
        parser.error("--bridges needs at least one pass-through and one service")
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        rounds = _rounds if args.in_turn else _together_rounds
        results = runner.run(rounds(args.calls, args.rounds, opts, names))
    _report(results, args.calls, opts, args.in_turn)


if __name__ == "__main__":
    main()
