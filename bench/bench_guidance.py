"""Tool latency on the example schedule: what a driver waits for between speaking and hearing.

Run: .venv/bin/python -m bench.bench_guidance [--calls N]
Loads examples/schedule-2026-12-01.csv into a temporary SQLite file, then plays N short calls
directly against the Conversation (lookup → next stop → destination question) and prints
per-tool median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from ivr.config import GuidanceConfig, SearchConfig
from ivr.conversation import CallContext
from ivr.guidance.factory import build_factory
from ivr.settings import load_settings
from schedules.db import make_engine, make_sessionmaker
from schedules.migrate import upgrade_sync
from schedules.search.indexing import load_and_index

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "schedule-2026-12-01.csv"


async def run(calls: int) -> None:
    import datetime as dt

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await asyncio.to_thread(upgrade_sync, url)
        settings = load_settings(database_url=url)
        engine = make_engine(url)
        sm = make_sessionmaker(engine)
        t0 = time.perf_counter()
        await load_and_index(sm, EXAMPLE, depot_id=settings.depot_id,
                             search=SearchConfig.from_settings(settings).make(sm))
        print(f"load + index example schedule: {(time.perf_counter() - t0) * 1000:.0f} ms")
        factory = build_factory(GuidanceConfig.from_settings(settings), sm, today=lambda: dt.date(2026, 12, 1))
        timings: dict[str, list[float]] = {}
        steps = [
            ("lookup_driver", {"vehicle_number": "いちにのさんよん", "driver_name": "さとう けんいち"}),
            ("get_next_stop", {}),
            ("search_destination_info", {"question": "受付が休みの時間はありますか"}),
            ("get_schedule", {"day": "today"}),
        ]
        for i in range(calls):
            conv = await factory(CallContext(call_sid=f"CAbench{i:05d}"))
            for name, args in steps:
                t = time.perf_counter()
                await conv.run_tool(name, json.dumps(args, ensure_ascii=False))
                timings.setdefault(name, []).append((time.perf_counter() - t) * 1000)
            await conv.finish()
        for name, values in timings.items():
            values.sort()
            p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
            print(f"{name:26} median {statistics.median(values):6.1f} ms   p95 {p95:6.1f} ms   (n={len(values)})")
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=30)
    asyncio.run(run(parser.parse_args().calls))


if __name__ == "__main__":
    main()
