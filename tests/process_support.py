"""Shared pieces for the tests on real `ivr serve` processes: stand-ins, callers, call records."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ivr.records.models import CallRecord
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE
from ivr.sim.instances import ServeProcess, serve_env, start_serve
from ivr.sim.realtime_standin import RealtimeStandin, Reply, Say, Script
from ivr.sim.twilio_caller import TwilioCaller
from ivr.sim.twilio_rest_standin import TwilioRestStandin
from schedules.db import make_engine, make_sessionmaker

GREETING_MS = 800
REPLY_MS = 500


def chatty_script() -> Script:
    """A model that greets and answers every utterance with a short line, for as long as the call lasts."""
    return Script(greeting=Say("お電話ありがとうございます。", ms=GREETING_MS),
                  replies=[Reply([Say("はい、承知しました。", ms=REPLY_MS)]) for _ in range(20)],
                  caller_says=["もしもし"] * 20)


@dataclass
class StandIns:
    realtime: RealtimeStandin
    rest: TwilioRestStandin

    def serve_env(self, database_url: str, **settings: str) -> dict[str, str]:
        """The environment of an `ivr serve` on `database_url` that talks to these stand-ins."""
        return serve_env(database_url=database_url, realtime_url=self.realtime.url, twilio_api_url=self.rest.url,
                         **settings)

    def updates_for(self, call_sid: str) -> list[str]:
        """The TwiML of every REST update Twilio got for this call (a hand-over is a `<Dial>`)."""
        return [u.form.get("Twiml", "") for u in self.rest.updates if u.call_sid == call_sid]


@asynccontextmanager
async def stand_ins(script: Callable[[], Script] = chatty_script) -> AsyncIterator[StandIns]:
    realtime = await RealtimeStandin(script).start()
    rest = await TwilioRestStandin(SIM_AUTH_TOKEN).start()
    try:
        yield StandIns(realtime, rest)
    finally:
        await rest.close()
        await realtime.close()


@asynccontextmanager
async def serving(database_url: str, log_dir: Path, *, workers: int = 1, environ: dict[str, str] | None = None,
                  **settings: str) -> AsyncIterator[tuple[StandIns, ServeProcess]]:
    """The stand-ins and a ready `ivr serve` talking to them (`environ`: more variables, not settings)."""
    async with stand_ins() as sims:
        server = await start_serve({**sims.serve_env(database_url, **settings), **(environ or {})}, log_dir,
                                   workers=workers)
        try:
            await server.wait_ready()
            yield sims, server
        finally:
            await server.stop()


async def until(check: Callable[[], Any], within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
    return value


def caller(url: str, headers: dict[str, str] | None = None) -> TwilioCaller:
    """A simulated Twilio call to `url`; `headers` go with both its webhook and its socket upgrade."""
    return TwilioCaller(url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE, headers=headers)


async def greeted(call: TwilioCaller, within: float = 20.0) -> TwilioCaller:
    """Webhook, socket and `start`; returns once the greeting's audio arrives."""
    resp = await call.dial()
    assert resp.status == 200, call.twiml
    await call.connect()
    await until(lambda: call.playout.bytes_received > 0 or call.closed.is_set(), within, "the greeting")
    assert call.playout.bytes_received > 0, "the call was closed before its greeting"
    return call


async def turn(call: TwilioCaller, within: float = 20.0) -> bool:
    """The caller says something once the bot is quiet; True if the bot answered with new audio."""
    await until(lambda: not call.playout.playing or call.closed.is_set(), within, "the bot to finish")
    before = call.playout.bytes_received
    await call.speak(500, then_silence_ms=500)
    try:
        await until(lambda: call.playout.bytes_received > before or call.closed.is_set(), within, "an answer")
    except AssertionError:
        return False
    return call.playout.bytes_received > before


async def keep_streaming(call: TwilioCaller) -> None:
    """Silence frames as Twilio sends them during a pause, until the call is closed."""
    while not call.closed.is_set():
        try:
            await call.silence(200)
        except (ConnectionError, RuntimeError, AssertionError):
            return


async def call_records(database_url: str, call_sids: list[str]) -> dict[str, CallRecord]:
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = (await session.execute(select(CallRecord).where(CallRecord.call_sid.in_(call_sids)))).scalars().all()
        return {row.call_sid: row for row in rows}
    finally:
        await engine.dispose()
