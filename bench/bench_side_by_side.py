"""The service against a minimal pass-through bridge: CPU per call-minute, and their ratio.

    .venv/bin/python -m bench.bench_side_by_side --calls 50 --seconds 20 --rounds 3

Same callers, same Realtime stand-in, same 20 ms frames both ways (`bench.bench_calls`), with
in turn, in every round: the pass-through (`bench.passthrough_bridge`: plain aiohttp, no checks,
no turn logic, no marks), the service with its Realtime socket on aiohttp (`REALTIME_SOCKET=aiohttp`,
the default) and the service on the openai SDK's own connection (`REALTIME_SOCKET=sdk`, the
fallback). The order turns each round so a change in the machine's load falls on all of them.

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
import statistics

from bench.bench_calls import Options, RunResult, _cpu_plan, _parent_affinity, _run, _table

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


def _report(results: dict[str, list[RunResult]], calls: int, opts: Options) -> None:
    print(f"\nside by side: {calls} calls of {opts.seconds:g} s, {len(next(iter(results.values())))} rounds, "
          f"pass-through on the {opts.passthrough_loop} event loop, the service on uvloop\n")
    rows: list[tuple[str, ...]] = []
    for name, runs in results.items():
        for i, res in enumerate(runs):
            r = res.row
            other = max(0.0, r["machine_cores"] - r["svc_cores"] - r["standin_cores"] - r["callers_cores"])
            rows.append((name, str(i + 1), f"{cpu_per_call_minute(res):.3f}", f"{r['svc_cores']:.3f}",
                         f"{other:.2f}", f"{res.load_before:.2f}", f"{r['up_lost']}/{r['up_sent']}",
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
    args = parser.parse_args()
    from ivr.commands.serve import event_loop_factory

    service_cpus, sim_cpus = _cpu_plan(True)
    opts = Options(args.seconds, args.ramp, 5.0, False, service_cpus, sim_cpus,
                   passthrough_loop=args.passthrough_loop)
    names = [n for n in TARGETS if not (args.no_sdk and "SDK" in n)]
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        results = runner.run(_rounds(args.calls, args.rounds, opts, names))
    _report(results, args.calls, opts)


if __name__ == "__main__":
    main()
