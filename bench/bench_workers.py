"""How many calls `ivr serve --workers 2` carries on this machine with p99 added latency under 10 ms
and no frame lost.

    .venv/bin/python -m bench.bench_workers --calls 50 100 150 200 250 --seconds 20

Each step starts the real `ivr serve --workers N` (gunicorn, the guidance conversation, a scratch
PostgreSQL database; `bench.probed_serve` adds the frame probe to each worker) and runs that many
simulated calls through it (`bench.bench_calls`: the Twilio callers and the lean Realtime stand-in,
20 ms frames both ways). Nothing is pinned: the workers, the two simulator processes and
whatever else runs on the machine share its cores, so the simulators' CPU (printed) comes out of
the same budget. A step passes when the p99 of the service's added latency (the sender's stamp to
the service's write, both directions) is under the limit, no frame is lost either way and no call
failed; the answer is the largest passing step below the first failing one.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os

from bench.bench_calls import Options, RunResult, _run, _table


def passes(res: RunResult, limit_ms: float) -> bool:
    r = res.row
    p99 = max(r["svc_up"][1], r["svc_down"][1])
    return (not math.isnan(p99) and p99 < limit_ms and r["up_lost"] == 0 and r["down_lost"] == 0
            and r["failed"] == 0)


async def _steps(calls: list[int], opts: Options, limit_ms: float, keep_going: bool) -> list[RunResult]:
    results = []
    for n in calls:
        print(f"{n} calls on {opts.workers} workers", flush=True)
        res = await _run(n, opts)
        results.append(res)
        if not passes(res, limit_ms) and not keep_going:
            break
    return results


def _report(results: list[RunResult], opts: Options, limit_ms: float) -> None:
    def lat(v: tuple[float, float, float]) -> str:
        return f"{v[0]:.2f} / {v[1]:.2f} / {v[2]:.1f}"

    print(f"\nworkers: `ivr serve --workers {opts.workers}` on {os.cpu_count()} cores, {opts.seconds:g} s calls, "
          f"nothing pinned\n")
    _table(
        ("calls", "added up p50/p99/max ms", "added down p50/p99/max ms", "lost up", "lost down", "failed",
         "machine cores", "simulator cores", "load before", f"p99 < {limit_ms:g} ms, none lost"),
        [(str(res.calls), lat(r["svc_up"]), lat(r["svc_down"]), f"{r['up_lost']}/{r['up_sent']}",
          f"{r['down_lost']}/{r['down_sent']}", str(r["failed"]), f"{r['machine_cores']:.2f}",
          f"{r['standin_cores'] + r['callers_cores']:.2f}", f"{res.load_before:.2f}",
          "yes" if passes(res, limit_ms) else "no")
         for res in results for r in (res.row,)],
    )
    carried = 0
    for res in results:
        if not passes(res, limit_ms):
            break
        carried = res.calls
    print(f"\nanswer: {carried} calls with p99 added latency under {limit_ms:g} ms and no frame lost "
          f"(the largest passing step before the first failing one)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[50, 100, 150, 200, 250, 300])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each call")
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds over which calls start")
    parser.add_argument("--limit-ms", type=float, default=10.0, help="p99 added latency a step must stay under")
    parser.add_argument("--keep-going", action="store_true", help="run every step, even after one fails")
    args = parser.parse_args()
    from ivr.commands.serve import event_loop_factory

    opts = Options(args.seconds, args.ramp, 5.0, True, None, None, target="workers", workers=args.workers)
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        results = runner.run(_steps(args.calls, opts, args.limit_ms, args.keep_going))
    _report(results, opts, args.limit_ms)


if __name__ == "__main__":
    main()
