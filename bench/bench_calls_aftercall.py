"""The calls benchmark with the after-call work off and on, in the same run, side by side.

    .venv/bin/python -m bench.bench_calls_aftercall [--calls 200] [--seconds 10] [--repeat 2]
                                                     [--aftercall-rate 2]

"Nothing here can delay the audio": the same calls (`bench.bench_calls`, unchanged: three
processes, the service pinned to the first CPU) run alternately without and with the after-call
worker in the service process (summaries and SMS through the real openai and twilio SDKs against
their stand-ins, calls finishing at `--aftercall-rate` a second), `--repeat` times each, so both
see the same machine load. Printed: per run and as the median over the runs of each mode, the
service's added latency up and down (p50 / p99 / max), the bridge's in->out time, its CPU per call,
frames lost, and how much after-call work was done during the run.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
from typing import Any

from bench.bench_calls import Options, RunResult, _cpu_plan, _run


def _lat(v: tuple[float, float, float]) -> str:
    return "-" if math.isnan(v[0]) else f"{v[0]:.2f} / {v[1]:.2f} / {v[2]:.1f}"


def _median(rows: list[dict[str, Any]], key: str) -> tuple[float, float, float]:
    return tuple(statistics.median(r[key][i] for r in rows) for i in range(3))  # type: ignore[return-value]


def _line(mode: str, r: dict[str, Any]) -> list[str]:
    a = r.get("aftercall") or {}
    work = f"{a.get('summary_done', 0)} summaries, {a.get('sms_done', 0)} SMS" if a else "-"
    return [mode, _lat(r["svc_up"]), _lat(r["svc_down"]), _lat(r["held"]), f"{r['svc_pct_per_call']:.3f}",
            f"{r['up_lost']}/{r['up_sent']}", f"{r['down_lost']}/{r['down_sent']}", str(r["failed"]), work]


def _print(calls: int, off: list[RunResult], on: list[RunResult], opts_on: Options) -> None:
    head = ["after-call", "service added up", "service added down", "bridge in->out", "svc % core/call",
            "lost up", "lost down", "failed", "after-call work done in the run"]
    rows = [_line("off", r.row) for r in off] + [_line("on", r.row) for r in on]
    for mode, runs in (("off, median", off), ("on, median", on)):
        rs = [r.row for r in runs]
        rows.append([mode, _lat(_median(rs, "svc_up")), _lat(_median(rs, "svc_down")), _lat(_median(rs, "held")),
                     f"{statistics.median(r['svc_pct_per_call'] for r in rs):.3f}", "", "", "", ""])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print(f"\n{calls} calls of {opts_on.seconds:g} s, after-call worker off vs on "
          f"({opts_on.aftercall_rate:g} calls a second finishing, each a summary and an SMS); "
          "latency ms p50 / p99 / max\n")
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


async def _compare(calls: int, repeat: int, off: Options, on: Options) -> None:
    if off.sim_cpus:
        import os

        os.sched_setaffinity(0, off.sim_cpus)
    results: dict[str, list[RunResult]] = {"off": [], "on": []}
    for _ in range(repeat):
        for mode, opts in (("off", off), ("on", on)):
            print(f"  run: after-call {mode}", flush=True)
            results[mode].append(await _run(calls, opts))
    _print(calls, results["off"], results["on"], on)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="concurrent calls")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each call")
    parser.add_argument("--ramp", type=float, default=3.0, help="seconds over which calls start")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each mode, alternating")
    parser.add_argument("--aftercall-rate", type=float, default=2.0,
                        help="calls finishing a second during the run, each leaving a summary and an SMS")
    args = parser.parse_args()
    from ivr.commands.serve import event_loop_factory

    service_cpus, sim_cpus = _cpu_plan(True)
    queued = int(args.aftercall_rate * (args.seconds + args.ramp + 30))
    off = Options(args.seconds, args.ramp, 5.0, True, service_cpus, sim_cpus)
    on = Options(args.seconds, args.ramp, 5.0, True, service_cpus, sim_cpus, queued, args.aftercall_rate)
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(_compare(args.calls, args.repeat, off, on))


if __name__ == "__main__":
    main()
