"""The demo's running service: the real app (service and console) on the embedded defaults, with the
scripted Realtime stand-in in place of the model, and the demo call it can place on itself.

`ivr demo` starts one, plays a call and stops it; `ivr demo --serve` keeps it running for a
browser; the console's demo button (and `ivr demo --call` from another terminal) place more calls
through the Twilio caller simulator, each a fresh copy of the same scripted conversation.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ivr.config import ConsoleConfig, GuidanceConfig, SearchConfig
from ivr.conversation import CallContext, Conversation
from ivr.settings import load_settings
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE, RunningService, sim_settings, start_service
from ivr.sim.realtime_standin import RealtimeStandin
from ivr.sim.scenarios import Scenario, Turn, play_call, served_with_correction
from ivr.sim.twilio_caller import TwilioCaller
from schedules.loader import LoadReport

log = logging.getLogger("ivr.demo")

# The demo's driver in the example schedule, the number the "speech recognizer" mishears first,
# and a question the destination notes answer.
DEMO_DRIVER = "さとう けんいち"
DEMO_HEARD = "いちにのさんご"
DEMO_SAID = "いちにのさんよん"
DEMO_QUESTION = "受付が休みになる時間はありますか"

Observer = Callable[[str, str, dict[str, Any]], None]


def demo_scenario() -> Scenario:
    return served_with_correction(DEMO_HEARD, DEMO_SAID, DEMO_DRIVER, DEMO_QUESTION)


async def call_service(url: str, *, within: float = 30, on_turn: Callable[[Turn], None] | None = None) -> str:
    """One demo call placed on the demo service at `url`; returns its CallSid when it has ended."""
    caller = TwilioCaller(url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE)
    try:
        await play_call(caller, demo_scenario(), within=within, on_turn=on_turn)
    finally:
        await caller.close()
    return caller.call_sid


@dataclass
class DemoSite:
    report: LoadReport
    day: dt.date
    engine: AsyncEngine
    sm: async_sessionmaker[AsyncSession]
    standin: RealtimeStandin
    service: RunningService
    observer: Observer | None = None  # sees the transcript of every call as it is recorded
    calls: set[asyncio.Task[str]] = field(default_factory=set)

    @property
    def url(self) -> str:
        return self.service.url

    async def place_call(self, on_turn: Callable[[Turn], None] | None = None) -> str:
        return await call_service(self.url, on_turn=on_turn)

    async def start_call(self) -> str:
        """Start a demo call in the background (the console's demo button); returns at once."""
        task = asyncio.create_task(self.place_call())
        self.calls.add(task)
        task.add_done_callback(self._call_done)
        return "started"

    def _call_done(self, task: asyncio.Task[str]) -> None:
        self.calls.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("demo call failed: %s", type(task.exception()).__name__)

    async def close(self) -> None:
        for task in list(self.calls):
            task.cancel()
        await asyncio.gather(*self.calls, return_exceptions=True)
        await self.service.close()
        await self.standin.close()
        await self.engine.dispose()


async def start_demo_site(database_url: str, schedule: Path, *, host: str = "127.0.0.1", port: int = 0,
                          observer: Observer | None = None) -> DemoSite | LoadReport:
    """Migrate, load `schedule` (unless already current), start the stand-in and the service with its
    console in demo mode. The schedule's report instead of a site when it did not load."""
    from ivr.guidance.conversation import GuidanceConversation
    from ivr.guidance.factory import build_factory
    from schedules.db import make_engine, make_sessionmaker
    from schedules.migrate import upgrade_sync
    from schedules.search.indexing import load_and_index

    await asyncio.to_thread(upgrade_sync, database_url)
    engine = make_engine(database_url)
    try:
        sm = make_sessionmaker(engine)
        settings = load_settings(database_url=database_url)
        report = await load_and_index(sm, schedule, depot_id=settings.depot_id,
                                      search=SearchConfig.from_settings(settings).make(sm))
        if not report.ok or report.summary.date is None:
            await engine.dispose()
            return report
        day = report.summary.date
        standin = await RealtimeStandin(demo_scenario().script).start()
    except BaseException:
        await engine.dispose()
        raise
    sim = sim_settings(standin.url, database_url=database_url)
    inner = build_factory(GuidanceConfig.from_settings(sim), sm, today=lambda: day)
    site: DemoSite | None = None

    async def factory(ctx: CallContext) -> Conversation:
        conv = await inner(ctx)
        if isinstance(conv, GuidanceConversation) and site is not None and site.observer is not None:
            conv.observer = site.observer
        return conv

    async def demo_call() -> str:
        assert site is not None
        return await site.start_call()

    # The demo is served over plain http on this machine: cookies without Secure, the demo button on.
    console = dataclasses.replace(ConsoleConfig.from_settings(sim, demo=True), secure_cookies=False)
    try:
        service = await start_service(sim, factory, engine=engine, host=host, port=port, console=console,
                                      demo_call=demo_call)
    except BaseException:
        await standin.close()
        await engine.dispose()
        raise
    site = DemoSite(report, day, engine, sm, standin, service, observer)
    return site
