"""`make bench` / `python -m bench`: every benchmark in turn, each printing its own figures.

Each runs in its own process so one's caches and event loop never flatter another's numbers.
The lookup, load, calls and workers benchmarks need PostgreSQL on 127.0.0.1:5432 (as the tests do).
The soak alone takes ten minutes (`python -m bench.bench_soak --minutes 1` for a quick one).
"""

from __future__ import annotations

import subprocess
import sys

BENCHES = [
    ("readings", ["bench.bench_readings"]),
    ("turns", ["bench.bench_turns"]),
    ("load", ["bench.bench_load"]),
    ("overrides", ["bench.bench_overrides"]),
    ("console_upload", ["bench.bench_console_upload"]),
    ("lookup", ["bench.bench_lookup"]),
    ("calls", ["bench.bench_calls", "--calls", "200", "--seconds", "10"]),
    ("greeting", ["bench.bench_greeting", "--calls", "40", "--connect-ms", "0", "150"]),
    ("aftercall", ["bench.bench_aftercall"]),
    ("calls_aftercall", ["bench.bench_calls_aftercall", "--calls", "200", "--seconds", "10"]),
    ("side_by_side", ["bench.bench_side_by_side", "--calls", "50", "--seconds", "20", "--rounds", "3"]),
    ("workers", ["bench.bench_workers", "--workers", "2"]),
    ("soak", ["bench.bench_soak", "--calls", "200", "--minutes", "10"]),  # the longest: ten minutes
]


def main() -> int:
    wanted = set(sys.argv[1:])
    failed = []
    for name, args in BENCHES:
        if wanted and name not in wanted:
            continue
        print(f"\n=== {name} ===", flush=True)
        if subprocess.call([sys.executable, "-m", *args]) != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
