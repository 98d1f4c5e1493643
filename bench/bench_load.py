"""How long a big depot group's day takes to load: `.venv/bin/python -m bench.bench_load [--stops N]`.

The target is 10,000 stops, readings included, in under 30 s into PostgreSQL on a 2-core box.
By default a fresh PostgreSQL database is created on 127.0.0.1 and dropped afterwards, so the
figure includes upserting every driver and vehicle as on a first load.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.schedule_data import JA_HEADERS, bench_rows
from bench.scratch_pg import scratch_database
from schedules.db import make_engine, make_sessionmaker
from schedules.loader import LoadReport, load_schedule
from schedules.migrate import upgrade


async def _load(url: str, path: Path) -> tuple[LoadReport, float]:
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        report = await load_schedule(make_sessionmaker(engine), path)
        return report, time.perf_counter() - started
    finally:
        await engine.dispose()


async def run(stops: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-schedule.csv"
        rows = bench_rows("2026-12-01", stops)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(JA_HEADERS)
            writer.writerows(rows)

        url = database_url
        if url is None:
            async with scratch_database() as url:
                report, total = await _load(url, path)
        else:
            await upgrade(url)
            report, total = await _load(url, path)

    s = report.summary
    backend = make_url(url).get_backend_name()
    print(f"load of {len(rows):,} stops into {backend}: {report.outcome}")
    if report.errors:
        for problem in report.errors[:10]:
            print("  ", problem)
    print(f"  vehicles {s.vehicles:,}  drivers {s.drivers:,}  readings rendered {s.readings_rendered:,} "
          f"({s.distinct_texts_rendered:,} distinct texts)")
    for phase in ("validation", "rendering", "writing"):
        print(f"  {phase:<11} {report.timings.get(phase, 0.0):7.2f} s")
    print(f"  {'total':<11} {total:7.2f} s  (target: under 30 s for 10,000 stops)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stops", type=int, default=10_000)
    parser.add_argument("--database-url", help="load into this (migrated on the fly) database instead of a fresh one")
    args = parser.parse_args()
    asyncio.run(run(args.stops, args.database_url))


if __name__ == "__main__":
    main()
