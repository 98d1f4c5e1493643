"""How long a caller waits for the first word: from Twilio's `start` to the first audio frame back.

    .venv/bin/python -m bench.bench_greeting --calls 40 --connect-ms 0 150 [--database-url URL]

Calls are placed one after another (no load: this measures the path, not contention) through the
real web app, media socket, bridge and guidance conversation (its call record is written at
`start`), against the Realtime stand-in and a migrated database (a fresh SQLite file unless
`--database-url` names another). Like Twilio, the caller sends `connected` and `start` as soon as
the upgrade completes. `--connect-ms` adds that much delay before each Realtime socket opens, to
stand for the TLS and WebSocket handshake with the real API that a local stand-in does not have.

Figures per connect delay: p50, p90 and max of start -> first audio, in milliseconds. The
stand-in answers `response.create` at once, so the figures are the service's own share of the
greeting delay plus the modelled handshake.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


async def _one_call(service_url: str, auth: str, public: str) -> float:
    from ivr.sim.twilio_caller import CONNECTED, TwilioCaller

    first_audio = asyncio.get_running_loop().create_future()

    def heard(_: bytes) -> None:
        if not first_audio.done():
            first_audio.set_result(time.perf_counter())

    caller = TwilioCaller(service_url, auth_token=auth, public_base_url=public, on_media=heard)
    try:
        resp = await caller.dial()
        if resp.status != 200:
            raise RuntimeError(f"webhook answered {resp.status}")
        await caller.open_socket()
        await caller.send(CONNECTED)
        started = time.perf_counter()
        await caller.send(caller.start_event())
        heard_at = await asyncio.wait_for(first_audio, 10)
        return (heard_at - started) * 1000
    finally:
        await caller.hangup()


async def _run(calls: int, connect_ms: float, database_url: str | None, tmp: Path) -> list[float]:
    from ivr.bridge.realtime_client import RealtimeLink, sdk_connector
    from ivr.config import GuidanceConfig
    from ivr.guidance.factory import build_factory
    from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE, sim_settings, start_service
    from ivr.sim.realtime_standin import RealtimeStandin, Say, Script
    from schedules.db import make_engine, make_sessionmaker
    from schedules.migrate import upgrade

    url = database_url or f"sqlite+aiosqlite:///{tmp / f'greeting-{connect_ms:g}.db'}"
    await upgrade(url)
    standin = await RealtimeStandin(lambda: Script(greeting=Say("お電話ありがとうございます。", ms=400))).start()
    settings = sim_settings(standin.url, database_url=url, log_level="WARNING")
    plain = sdk_connector(settings)

    async def slow_connect() -> RealtimeLink:
        await asyncio.sleep(connect_ms / 1000)
        return await plain()

    engine = make_engine(url)
    service = await start_service(
        settings, build_factory(GuidanceConfig.from_settings(settings), make_sessionmaker(engine)), engine=engine,
        realtime_connector=slow_connect
    )
    try:
        await _one_call(service.url, SIM_AUTH_TOKEN, SIM_PUBLIC_BASE)  # warm-up: imports, pools
        return [await _one_call(service.url, SIM_AUTH_TOKEN, SIM_PUBLIC_BASE) for _ in range(calls)]
    finally:
        await service.close()
        await standin.close()
        await engine.dispose()


def _row(connect_ms: float, ms: list[float]) -> str:
    ordered = sorted(ms)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return (f"connect +{connect_ms:>5.0f} ms   start -> first audio: p50 {statistics.median(ms):6.1f} ms"
            f"   p90 {p90:6.1f} ms   max {ordered[-1]:6.1f} ms   ({len(ms)} calls)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_greeting", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--connect-ms", type=float, nargs="+", default=[0.0, 150.0])
    parser.add_argument("--database-url", default=None,
                        help="a database to migrate and use (default: a fresh SQLite file)")
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        for connect_ms in args.connect_ms:
            ms: Any = asyncio.run(_run(args.calls, connect_ms, args.database_url, Path(tmp)))
            print(_row(connect_ms, ms), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
