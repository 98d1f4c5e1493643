"""A big schedule uploaded through the console: `.venv/bin/python -m bench.bench_console_upload [--stops N]`.

Prints how soon the page starts, how many progress lines arrive while the file loads, the total
time, and the longest stall of the event loop the console shares with the calls' audio (a ticker
every 5 ms measures how late it wakes): the load's parsing, validation and rendering run in a
thread, so that stall should stay far below a 20 ms audio frame. A fresh PostgreSQL database on
127.0.0.1, as `bench_load`.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import re
import time

import aiohttp

from bench.schedule_data import JA_HEADERS, bench_rows
from bench.scratch_pg import scratch_database
from ivr.config import ConsoleConfig
from ivr.console.users import add_user
from ivr.conversation import CallContext, Conversation
from ivr.sim.harness import sim_settings, start_service
from schedules.db import make_engine, make_sessionmaker

PASSWORD = "bench password 1"


async def _no_calls(ctx: CallContext) -> Conversation:
    raise RuntimeError("no calls in this benchmark")


async def _ticker(stalls: list[tuple[float, float]], stop: asyncio.Event, every: float = 0.005) -> None:
    """(lateness, when) of every wake-up."""
    start = time.perf_counter()
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(every)
        stalls.append((time.perf_counter() - before - every, before - start))


def _csv(date: str, stops: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(JA_HEADERS)
    writer.writerows(bench_rows(date, stops))
    return out.getvalue().encode("utf-8-sig")


async def _token(http: aiohttp.ClientSession, url: str) -> str:
    page = await (await http.get(url)).text()
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


async def _upload(http: aiohttp.ClientSession, base: str, data: bytes, label: str) -> None:
    form = aiohttp.FormData()
    form.add_field("csrf_token", await _token(http, base + "/console/schedules"))
    form.add_field("file", data, filename="bench.csv", content_type="text/csv")
    stalls: list[tuple[float, float]] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(_ticker(stalls, stop))
    started = time.perf_counter()
    first_byte = None
    steps: list[tuple[float, str]] = []
    body = b""
    async with http.post(base + "/console/schedules/upload", data=form) as response:
        async for chunk in response.content.iter_any():
            now = time.perf_counter() - started
            first_byte = first_byte if first_byte is not None else now
            body += chunk
            steps += [(now, s.decode()) for s in re.findall(rb'<div class="step">([^<]*)', chunk)]
    total = time.perf_counter() - started
    stop.set()
    await ticker
    outcome = re.search(rb'data-outcome="(\w+)"', body)
    print(f"{label}: {len(data) / 1024 / 1024:.1f} MB into postgresql: {outcome.group(1).decode() if outcome else '?'}")
    print(f"  first byte of the page   {first_byte or 0:7.2f} s")
    print(f"  progress lines           {len(steps):7d}")
    for at, text in steps[:: max(1, len(steps) // 6)]:
        print(f"    {at:6.2f} s  {text}")
    print(f"  total                    {total:7.2f} s")
    stalls.sort()
    late = [s for s, _ in stalls]
    print(f"  event loop lateness      p50 {late[len(late) // 2] * 1000:6.1f} ms   "
          f"p99 {late[int(len(late) * 0.99)] * 1000:6.1f} ms   max {late[-1] * 1000:6.1f} ms")
    print("  longest stalls (began at): " + ", ".join(f"{s * 1000:.0f} ms ({at:.2f} s)" for s, at in stalls[-4:]))


async def run(stops: int) -> None:
    async with scratch_database() as url:
        engine = make_engine(url)
        settings = sim_settings("ws://127.0.0.1:9/v1", database_url=url)
        config = ConsoleConfig.from_settings(settings)
        config = ConsoleConfig(**{**config.__dict__, "secure_cookies": False})
        service = await start_service(settings, _no_calls, engine=engine, console=config)
        await add_user(make_sessionmaker(engine), "bench", "dispatcher", PASSWORD)
        try:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                await http.post(service.url + "/console/login", data={
                    "csrf_token": await _token(http, service.url + "/console/login"),
                    "username": "bench", "password": PASSWORD})
                # The first load in a process also loads the reading dictionaries; the second is every evening.
                await _upload(http, service.url, _csv("2026-12-01", stops), f"first upload of {stops:,} stops")
                await _upload(http, service.url, _csv("2026-12-02", stops), f"next upload of {stops:,} stops")
        finally:
            await service.close()
            await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stops", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(run(args.stops))


if __name__ == "__main__":
    main()
