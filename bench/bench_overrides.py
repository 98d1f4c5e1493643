"""How long a reading fix takes on a big day, and what the 読み上げ確認 list costs:
`.venv/bin/python -m bench.bench_overrides [--stops N] [--overrides K]`.

Loads a day of N stops (default 10,000) into a fresh PostgreSQL database, then times: listing
every reading of the day with its source (what the page reads); a fix of the most common address,
which rewrites its stops and the whole day's embedded destination documents in one transaction;
its revert; and a reload of the same rows with K active fixes carried over, against a reload
without any (both after a first load that warms the address index). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.schedule_data import JA_HEADERS, bench_rows
from bench.scratch_pg import scratch_database
from schedules.db import make_engine, make_sessionmaker
from schedules.overrides import IndexTarget, readings_for_date, revert_override, set_override
from schedules.search.embedded import EmbeddedSearch
from schedules.search.indexing import embedded_on_loaded

DATE = dt.date(2026, 12, 1)
ADDRESS_COLUMN = JA_HEADERS.index("住所")
NAME_COLUMN = JA_HEADERS.index("届け先")


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(JA_HEADERS)
        writer.writerows(rows)
    return path


async def run(stops: int, overrides: int) -> None:
    from schedules.loader import load_schedule

    rows = bench_rows(DATE.isoformat(), stops)
    with tempfile.TemporaryDirectory() as tmp:
        first, again = _write(Path(tmp) / "a.csv", rows), _write(Path(tmp) / "b.csv", rows[::-1])
        async with scratch_database() as url:
            engine = make_engine(url)
            try:
                sm = make_sessionmaker(engine)
                index = IndexTarget("default", EmbeddedSearch(sm))
                await load_schedule(sm, first, on_loaded=embedded_on_loaded("default"))  # warms the address index
                started = time.perf_counter()
                await load_schedule(sm, again, on_loaded=embedded_on_loaded("default"))
                plain_load = time.perf_counter() - started

                started = time.perf_counter()
                items = await readings_for_date(sm, DATE) or []
                listing = time.perf_counter() - started

                address, count = Counter(r[ADDRESS_COLUMN] for r in rows).most_common(1)[0]
                started = time.perf_counter()
                change = await set_override(sm, kind="address", text=address, reading="カクニンズミ ジュウショ",
                                            user="bench", since=DATE, index=index)
                fix = time.perf_counter() - started
                started = time.perf_counter()
                await revert_override(sm, override_id=change.override_id, user="bench", since=DATE, index=index)
                revert = time.perf_counter() - started

                names = [name for name, _ in Counter(r[NAME_COLUMN] for r in rows).most_common(overrides)]
                for number, name in enumerate(names):
                    kana = f"カクニン {'ア' * (number % 20 + 1)}"
                    await set_override(sm, kind="destination", text=name, reading=kana, user="bench", since=DATE,
                                       index=index)
                started = time.perf_counter()
                report = await load_schedule(sm, first, on_loaded=embedded_on_loaded("default"))
                fixed_load = time.perf_counter() - started
            finally:
                await engine.dispose()

    print(f"a day of {len(rows):,} stops in PostgreSQL: {len(items):,} readings listed")
    print(f"  list every reading with its source   {listing:7.2f} s")
    print(f"  fix one address ({count} stops), re-index   {fix:7.2f} s")
    print(f"  revert it (re-render, re-index)      {revert:7.2f} s")
    print(f"  reload without fixes                 {plain_load:7.2f} s")
    print(f"  reload with {len(names)} active fixes        {fixed_load:7.2f} s  "
          f"({report.summary.readings_from_overrides:,} readings carried over)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stops", type=int, default=10_000)
    parser.add_argument("--overrides", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.stops, args.overrides))


if __name__ == "__main__":
    main()
