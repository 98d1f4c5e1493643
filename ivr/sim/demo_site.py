"""The demo's running service: the real app (service and console) on the embedded defaults, with the
scripted Realtime stand-in in place of the model, the OpenAI HTTP and Twilio REST stand-ins behind
the after-call work (summary, SMS) and the hand-over, and the demo calls it can place on itself.

`ivr demo` starts one, plays its calls and stops it; `ivr demo --serve` keeps it running for a
browser, with the after-call worker running in the background; the console's demo button (and
`ivr demo --call` from another terminal) place more calls through the Twilio caller simulator,
each a fresh copy of the keypad call (a misheard number typed on the keypad instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ivr.config import ConsoleConfig, GuidanceConfig, SearchConfig
from ivr.conversation import CallContext, Conversation
from ivr.settings import load_settings
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE, RunningService, sim_settings, start_service
from ivr.sim.realtime_standin import RealtimeStandin
from ivr.sim.scenarios import Scenario, Turn, asks_for_person, keypad_after_misheard, play_call
from ivr.sim.twilio_caller import TwilioCaller
from ivr.sim.twilio_rest_standin import TwilioRestStandin
from schedules.loader import LoadReport

if TYPE_CHECKING:
    from ivr.aftercall.service import AfterCall
    from ivr.sim.openai_http_standin import OpenAIHttpStandin

log = logging.getLogger("ivr.demo")

# The demo's driver in the example schedule, the number the "speech recognizer" mishears, what
# the driver types instead, a question the destination notes answer, and the driver's phone (the
# caller ID, so the SMS goes to the phone on file).
DEMO_DRIVER = "さとう けんいち"
DEMO_HEARD = "いちにのさんご"
DEMO_SAID = "いちにのさんよん"
DEMO_KEYS = "1234#"
DEMO_QUESTION = "受付が休みになる時間はありますか"
DEMO_PHONE = "+818022220003"
DEMO_PERSON_QUESTION = "明日の積み込みは何時からですか"
SMS_FROM = "+815000000000"

Observer = Callable[[str, str, dict[str, Any]], None]


def demo_scenario() -> Scenario:
    """The demo call (and every call the console's button or `ivr demo --call` places)."""
    return keypad_after_misheard(DEMO_HEARD, DEMO_DRIVER, DEMO_KEYS, DEMO_QUESTION)


def person_scenario() -> Scenario:
    """`ivr demo`'s second call: the driver asks for a person (bot speech at 0.4x, to keep the demo short)."""
    scenario = asks_for_person(DEMO_SAID, DEMO_DRIVER, DEMO_PERSON_QUESTION)
    scenario.speech_scale = 0.4
    return scenario


def demo_caller(url: str) -> TwilioCaller:
    return TwilioCaller(url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE, from_number=DEMO_PHONE)


async def call_service(url: str, *, within: float = 30, on_turn: Callable[[Turn], None] | None = None,
                       scenario: Scenario | None = None) -> TwilioCaller:
    """One demo call placed on the demo service at `url` (the keypad call unless `scenario`); returns
    its (closed) caller when it has ended: its CallSid, and its signing key for what Twilio would fetch."""
    caller = demo_caller(url)
    try:
        await play_call(caller, scenario or demo_scenario(), within=within, on_turn=on_turn)
    finally:
        await caller.close()
    return caller


@dataclass
class DemoSite:
    report: LoadReport
    day: dt.date
    engine: AsyncEngine
    sm: async_sessionmaker[AsyncSession]
    standin: RealtimeStandin
    service: RunningService
    openai: OpenAIHttpStandin
    rest: TwilioRestStandin  # takes the hand-overs' call updates and the SMS
    after: AfterCall
    observer: Observer | None = None  # sees the transcript of every call as it is recorded
    calls: set[asyncio.Task[TwilioCaller]] = field(default_factory=set)
    scenario: Scenario = field(default_factory=demo_scenario)  # what the Realtime stand-in plays next

    @property
    def url(self) -> str:
        return self.service.url

    async def place_call(self, on_turn: Callable[[Turn], None] | None = None,
                         scenario: Scenario | None = None) -> TwilioCaller:
        """One call at a time with a `scenario` other than the demo call's (the stand-in plays it)."""
        self.scenario = scenario or demo_scenario()
        try:
            return await call_service(self.url, on_turn=on_turn, scenario=self.scenario)
        finally:
            self.scenario = demo_scenario()

    def run_after_call_worker(self) -> None:
        """From now on the summaries and SMS are done in the background (the service's worker),
        so the console's 通話 page shows them for the calls placed from it."""
        self.after.worker.start()

    async def show_after_call(self, call_id: int) -> tuple[str, str]:
        """The worker does what is queued (as it would in the background); the call's summary and
        SMS lines as `ivr calls show` prints them."""
        from ivr.aftercall.view import followups, sms_line, summary_line

        await self.after.worker.drain()
        found = (await followups(self.sm, [call_id])).get(call_id, {})
        return summary_line(found.get("summary")), sms_line(found.get("sms"))

    async def whisper_for(self, caller: TwilioCaller) -> tuple[str, str]:
        """As Twilio does when the dispatcher answers a hand-over: POST the `<Number url>`, signed.
        Returns (the hand-over's TwiML, what the dispatcher hears); empty when it was not handed over."""
        import xml.etree.ElementTree as ET
        from urllib.parse import urlsplit

        import aiohttp

        updates = [u for u in self.rest.updates if u.call_sid == caller.call_sid and "<Dial" in u.form.get("Twiml", "")]
        if not updates:
            return "", ""
        twiml = updates[-1].form["Twiml"]
        number = ET.fromstring(twiml).find("./Dial/Number")
        url = number.get("url") if number is not None else None
        if not url:
            return twiml, ""
        parts = urlsplit(url)
        form = {"CallSid": "CA" + "0" * 31 + "1", "AccountSid": caller.account_sid}
        async with aiohttp.ClientSession() as http, http.post(
                f"{self.url}{parts.path}?{parts.query}", data=form, headers=caller.sign(url, form)) as resp:
            say = ET.fromstring(await resp.text()).find("./Say")
            return twiml, (say.text or "") if say is not None else ""

    async def start_call(self) -> str:
        """Start a demo call in the background (the console's demo button); returns at once."""
        task = asyncio.create_task(self.place_call())
        self.calls.add(task)
        task.add_done_callback(self._call_done)
        return "started"

    def _call_done(self, task: asyncio.Task[TwilioCaller]) -> None:
        self.calls.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("demo call failed: %s", type(task.exception()).__name__)

    async def close(self) -> None:
        for task in list(self.calls):
            task.cancel()
        await asyncio.gather(*self.calls, return_exceptions=True)
        await self.service.close()
        await self.after.worker.stop()
        await self.standin.close()
        await self.rest.close()
        await self.openai.close()
        await self.engine.dispose()


async def start_demo_site(database_url: str, schedule: Path, *, host: str = "127.0.0.1", port: int = 0,
                          observer: Observer | None = None) -> DemoSite | LoadReport:
    """Migrate, load `schedule` (unless already current), start the stand-ins and the service with its
    console in demo mode. The schedule's report instead of a site when it did not load."""
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
    except BaseException:
        await engine.dispose()
        raise
    async with contextlib.AsyncExitStack() as undo:  # what is started so far, closed if a later step fails
        undo.push_async_callback(engine.dispose)
        site = await _start(database_url, report, report.summary.date, engine, sm, undo, host=host, port=port,
                            observer=observer)
        undo.pop_all()
    return site


async def _start(database_url: str, report: LoadReport, day: dt.date, engine: AsyncEngine,
                 sm: async_sessionmaker[AsyncSession], undo: contextlib.AsyncExitStack, *,
                 host: str, port: int, observer: Observer | None) -> DemoSite:
    from ivr.aftercall import service as aftercall
    from ivr.bridge.transfer import TwilioCallControl
    from ivr.config import AfterCallConfig
    from ivr.guidance.conversation import GuidanceConversation
    from ivr.guidance.factory import build_factory
    from ivr.sim.openai_http_standin import OpenAIHttpStandin

    site: DemoSite | None = None

    def script() -> Any:  # each Realtime session plays a fresh copy of the site's current scenario
        return site.scenario.script() if site is not None else demo_scenario().script()

    standin = await RealtimeStandin(script).start()
    undo.push_async_callback(standin.close)
    openai = await OpenAIHttpStandin().start()
    undo.push_async_callback(openai.close)
    rest = await TwilioRestStandin(SIM_AUTH_TOKEN).start()
    undo.push_async_callback(rest.close)
    sim = sim_settings(standin.url, database_url=database_url,
                       openai_base_url=openai.url, summary_model="gpt-sim-summary", sms_enabled=True,
                       sms_from=SMS_FROM)
    after = aftercall.build(AfterCallConfig.from_settings(sim), sm, twilio_api_base=rest.url)
    undo.push_async_callback(after.worker.stop)
    inner = build_factory(GuidanceConfig.from_settings(sim), sm, today=lambda: day, after_call=after.enqueuer)
    control = TwilioCallControl(sim.twilio_account_sid, SIM_AUTH_TOKEN, sim.dispatcher_number,
                                api_base_url=rest.url, public_base_url=sim.public_base_url)

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
    service = await start_service(sim, factory, engine=engine, host=host, port=port, console=console,
                                  demo_call=demo_call, transfer=control)
    site = DemoSite(report, day, engine, sm, standin, service, openai, rest, after, observer)
    return site
