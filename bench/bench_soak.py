"""Soak: 200 calls for 10 minutes on one instance; does the service's resident memory stay flat?

    .venv/bin/python -m bench.bench_soak                 # 200 calls, 10 minutes
    .venv/bin/python -m bench.bench_soak --minutes 1     # a quick run

The calls benchmark's setup (`bench.bench_calls`: the service in its own process with the frame
probe, the lean Realtime stand-in, the callers; 20 ms frames both ways for the whole call), with
the service's resident memory (VmRSS) read every `--interval` seconds. Printed: the RSS series,
its least-squares slope in MB per minute over the steady window (every call streaming both ways)
with the slope's standard error, frames lost each way (must be 0) and the p99 of the service's
added latency each way. The slope is called flat when it is within noise: under twice its standard
error, or under 0.1 MB a minute (6 MB an hour). The probe and the simulators keep fixed-size
histograms (`bench.call_stamps.Latencies`), so what they measure never grows with the run.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from pathlib import Path

from bench.bench_calls import Options, RunResult, _cpu_plan, _parent_affinity, _run

FLAT_MB_PER_MIN = 0.1


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def slope(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares slope of (minutes, MB) and its standard error."""
    n = len(points)
    if n < 3:
        return math.nan, math.nan
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    b = sum((x - mx) * (y - my) for x, y in points) / sxx
    resid = sum((y - my - b * (x - mx)) ** 2 for x, y in points)
    return b, math.sqrt(resid / (n - 2) / sxx)


class RssSeries:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.samples: list[tuple[float, float]] = []  # (monotonic time, MB)

    async def watch(self, pid: int) -> None:
        while True:
            try:
                self.samples.append((time.monotonic(), rss_mb(pid)))
            except FileNotFoundError:
                return
            await asyncio.sleep(self.interval)


async def _soak(calls: int, opts: Options, series: RssSeries) -> RunResult:
    _parent_affinity(opts)
    return await _run(calls, opts, series.watch)


def _report(res: RunResult, series: RssSeries, minutes: float) -> None:
    r = res.row
    t0 = series.samples[0][0] if series.samples else 0.0
    print(f"\nsoak: {res.calls} calls of {minutes:g} min, the service's resident memory every {series.interval:g} s "
          f"(load before {res.load_before:.2f})\n")
    print("  min    RSS MB   (* = steady window: every call streaming both ways)")
    steady = []
    for t, mb in series.samples:
        inside = r["steady_from"] <= t <= r["steady_to"]
        if inside:
            steady.append(((t - t0) / 60, mb))
        print(f"  {(t - t0) / 60:5.2f}  {mb:7.1f}  {'*' if inside else ''}")
    b, se = slope(steady)
    flat = not math.isnan(b) and (abs(b) < 2 * se or abs(b) < FLAT_MB_PER_MIN)
    print(f"\nslope: {b:+.3f} MB/min (standard error {se:.3f}, over {len(steady)} samples in the steady window): "
          f"{'flat' if flat else 'NOT flat'}")
    late = steady[len(steady) // 2:]
    b2, se2 = slope(late)
    late_flat = not math.isnan(b2) and (abs(b2) < 2 * se2 or abs(b2) < FLAT_MB_PER_MIN)
    print(f"slope over the second half of it: {b2:+.3f} MB/min (standard error {se2:.3f}): "
          f"{'flat' if late_flat else 'NOT flat'} (a leak grows in both halves; a one-off step, such as buffers "
          f"grown while the machine stalled the service, only in one)")
    if steady:
        print(f"RSS in the steady window: {min(mb for _, mb in steady):.1f} .. {max(mb for _, mb in steady):.1f} MB")
    print(f"frames lost: up {r['up_lost']} of {r['up_sent']}, down {r['down_lost']} of {r['down_sent']}; "
          f"marks unechoed {r['marks_unechoed']} of {r['marks_in']}; failed calls {r['failed']}")
    print(f"service added latency p99: up {r['svc_up'][1]:.2f} ms, down {r['svc_down'][1]:.2f} ms "
          f"(p50 {r['svc_up'][0]:.2f} / {r['svc_down'][0]:.2f}, max {r['svc_up'][2]:.1f} / {r['svc_down'][2]:.1f})")
    print(f"service CPU {r['svc_cores']:.2f} cores; simulators {r['standin_cores'] + r['callers_cores']:.2f}; "
          f"whole machine {r['machine_cores']:.2f} of 2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of every call (default 10)")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between RSS samples")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which calls start")
    args = parser.parse_args()
    from ivr.commands.serve import event_loop_factory

    service_cpus, sim_cpus = _cpu_plan(True)
    opts = Options(args.minutes * 60, args.ramp, 10.0, True, service_cpus, sim_cpus)
    series = RssSeries(args.interval)
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        res = runner.run(_soak(args.calls, opts, series))
    _report(res, series, args.minutes)


if __name__ == "__main__":
    main()
