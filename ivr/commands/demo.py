"""`ivr demo`: simulated calls on the embedded defaults, printed as they happen.

No keys and no network: the database is DATABASE_URL (default ./ivr.db, migrated here), the
example schedule is loaded if it isn't already, the real service starts on 127.0.0.1 with the
scripted Realtime stand-in in place of the model, the Twilio caller simulator dials the real
webhook and media socket, and the OpenAI HTTP and Twilio REST stand-ins take the summary, the SMS
and the hand-over. Everything between them - bridge, turn control, tools, lookup, readings,
destination search, keypad entry, the after-call work and the dispatcher's whisper - is the
production code.

The first call: a misheard number, typed on the keypad instead, the next stop read, a 相槌, a
question, goodbye; then its summary and SMS. The second: a driver asks for a person, and the
dispatcher's whisper is fetched as Twilio would (signed) and printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ivr.errors import UserError
from ivr.records.outcome import Outcome
from ivr.settings import load_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from ivr.aftercall.service import AfterCall
    from ivr.conversation import ConversationFactory
    from ivr.settings import Settings
    from ivr.sim.harness import RunningService
    from ivr.sim.scenarios import Scenario
    from ivr.sim.twilio_caller import TwilioCaller
    from ivr.sim.twilio_rest_standin import TwilioRestStandin

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "schedule-2026-12-01.csv"

# The demo's driver in the example schedule, the number the "speech recognizer" mishears, what
# the driver types instead, a question the destination notes answer, and the driver's phone (the
# caller ID, so the SMS goes to the phone on file).
DEMO_DRIVER = "さとう けんいち"
DEMO_HEARD = "いちにのさんご"
DEMO_KEYS = "1234#"
DEMO_QUESTION = "受付が休みになる時間はありますか"
DEMO_PHONE = "+818022220003"
DEMO_PERSON_QUESTION = "明日の積み込みは何時からですか"
SMS_FROM = "+815000000000"


def register(sub: Any, qa: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="play simulated calls (no keys needed) and print them as they happen",
        description="Migrate DATABASE_URL, load the example schedule if needed, start the service on 127.0.0.1 "
        "with a scripted model stand-in, and play simulated Twilio calls through it: the keypad after a "
        "misheard number, the summary and SMS after the call, and a hand-over with the dispatcher's whisper.",
    )
    demo.add_argument("--file", type=Path, default=EXAMPLE, help="schedule file to load (default: the example)")
    demo.add_argument("--json", action="store_true", help="print each transcript line as JSON")
    demo.set_defaults(func=_demo)


class LivePrinter:
    """Prints transcript lines as the conversation records them."""

    def __init__(self, out: TextIO, as_json: bool = False) -> None:
        self.out, self.as_json = out, as_json
        self.labels = {"bot": "自動案内", "interruption": "（割り込み）", "transfer": "（転送）",
                       "system": "（system）"}

    def caller_speaks(self, text: str) -> None:
        """The driver's words, printed when spoken (the recognizer's transcript arrives a moment later)."""
        if not self.as_json:
            print(f"  ドライバー: {text}", file=self.out, flush=True)

    def note(self, text: str) -> None:
        """A line about the demo itself (what happened off the call)."""
        if not self.as_json:
            print(text, file=self.out, flush=True)

    def __call__(self, kind: str, text: str, data: dict[str, Any]) -> None:
        if self.as_json:
            print(json.dumps({"kind": kind, "text": text, "data": data}, ensure_ascii=False), file=self.out, flush=True)
            return
        if kind == "tool_call":
            source = "  （プッシュボタン）" if data.get("source") == "keypad" else ""
            print(f"      → {text}({data.get('arguments', '')}){source}", file=self.out, flush=True)
        elif kind == "tool_result":
            output = dict(data.get("output") or {})
            output.pop("instruction", None)
            action = f"  [{data['action']}]" if data.get("action") not in (None, "none") else ""
            print(f"      ← {json.dumps(output, ensure_ascii=False)}{action}", file=self.out, flush=True)
        elif kind == "aizuchi_ignored":
            print(f"      （案内の途中の相槌「{text}」: 割り込みにせず、案内を続けます）", file=self.out, flush=True)
        elif kind == "system" and text == "dtmf":
            print(f"      （キー {data.get('digit', '')}）", file=self.out, flush=True)
        elif kind != "caller":
            print(f"  {self.labels.get(kind, kind)}: {text}", file=self.out, flush=True)


async def run_demo(database_url: str, schedule: Path, out: TextIO, as_json: bool = False) -> tuple[int, str]:
    """Play the demo calls; returns (the first call's id, its outcome)."""
    from ivr.sim.scenarios import asks_for_person, keypad_after_misheard
    from schedules.db import make_engine, make_sessionmaker

    engine = make_engine(database_url)
    try:
        sm = make_sessionmaker(engine)
        day = await _load_example(database_url, sm, schedule, out)
        printer = LivePrinter(out, as_json)
        async with _stand_ins() as (openai_url, rest):
            settings = _demo_settings(database_url, openai_url)
            after = _after_call(settings, sm, rest)
            first = keypad_after_misheard(DEMO_HEARD, DEMO_DRIVER, DEMO_KEYS, DEMO_QUESTION)
            call_id, outcome, _ = await _play(settings, sm, engine, first, day, printer, rest, after, out)
            await _show_after_call(sm, after, call_id, printer)
            printer.note("\n--- 2本目: 配車係を希望する通話（転送の前に配車係へのささやき） ---\n")
            second = asks_for_person("いちにのさんよん", DEMO_DRIVER, DEMO_PERSON_QUESTION)
            second.speech_scale = 0.4
            _, _, whisper = await _play(settings, sm, engine, second, day, printer, rest, after, out)
            await _show_whisper(rest, whisper, printer)
            await after.worker.close()
        return call_id, outcome
    finally:
        await engine.dispose()


async def _load_example(database_url: str, sm: async_sessionmaker[AsyncSession], schedule: Path,
                        out: TextIO) -> Any:
    """Migrate and load the schedule (again: loading is idempotent); its date."""
    from ivr.config import SearchConfig
    from schedules.migrate import upgrade_sync
    from schedules.search.indexing import load_and_index

    await asyncio.to_thread(upgrade_sync, database_url)
    settings = load_settings(database_url=database_url)
    report = await load_and_index(sm, schedule, depot_id=settings.depot_id,
                                  search=SearchConfig.from_settings(settings).make(sm))
    if not report.ok or report.summary.date is None:
        raise UserError(f"the demo schedule {schedule} did not load: "
                        + "; ".join(str(e) for e in report.errors[:3]))
    print(f"schedule {schedule.name}: {report.outcome} ({report.summary.date}, {report.summary.stops} stops)",
          file=out)
    return report.summary.date


class _stand_ins:
    """The OpenAI HTTP and Twilio REST stand-ins the after-call work and the hand-over talk to."""

    async def __aenter__(self) -> tuple[str, TwilioRestStandin]:
        from ivr.sim.harness import SIM_AUTH_TOKEN
        from ivr.sim.openai_http_standin import OpenAIHttpStandin
        from ivr.sim.twilio_rest_standin import TwilioRestStandin

        self.openai = await OpenAIHttpStandin().start()
        self.rest = await TwilioRestStandin(SIM_AUTH_TOKEN).start()
        return self.openai.url, self.rest

    async def __aexit__(self, *exc: object) -> None:
        await self.rest.close()
        await self.openai.close()


def _demo_settings(database_url: str, openai_url: str) -> Settings:
    from ivr.sim.harness import sim_settings

    return sim_settings("ws://127.0.0.1:9/v1", database_url=database_url, openai_base_url=openai_url,
                        summary_model="gpt-sim-summary", sms_enabled=True, sms_from=SMS_FROM)


def _after_call(settings: Settings, sm: async_sessionmaker[AsyncSession], rest: TwilioRestStandin) -> AfterCall:
    from ivr.aftercall import service as aftercall
    from ivr.config import AfterCallConfig

    return aftercall.build(AfterCallConfig.from_settings(settings), sm, twilio_api_base=rest.url)


async def _play(settings: Settings, sm: async_sessionmaker[AsyncSession], engine: Any, scenario: Scenario,
                day: Any, printer: LivePrinter, rest: TwilioRestStandin, after: AfterCall,
                out: TextIO) -> tuple[int, str, str]:
    """One scripted call through the real service; (call id, outcome, what the dispatcher heard if
    it was handed over)."""
    from ivr.bridge.transfer import TwilioCallControl
    from ivr.records.queries import list_calls
    from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE, start_service
    from ivr.sim.realtime_standin import RealtimeStandin
    from ivr.sim.scenarios import play_call
    from ivr.sim.twilio_caller import TwilioCaller

    standin = await RealtimeStandin(scenario.script).start()
    sim = settings.model_copy(update={"openai_realtime_url": standin.url})
    control = TwilioCallControl(sim.twilio_account_sid, SIM_AUTH_TOKEN, sim.dispatcher_number,
                                api_base_url=rest.url, public_base_url=sim.public_base_url)
    service = await start_service(sim, _observed(sim, sm, day, printer, after), engine=engine, transfer=control)
    caller = TwilioCaller(service.url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE,
                          from_number=DEMO_PHONE)
    try:
        print(f"service on {service.url}; calling as a driver on {day} …\n", file=out, flush=True)
        try:
            await play_call(caller, scenario, within=30, on_turn=lambda t: printer.caller_speaks(t.says))
        finally:
            await caller.close()
        await asyncio.sleep(0.3)
        whisper = await _whisper_fetch(service, rest, caller)
    finally:
        await service.close()
        await standin.close()
    calls = [c for c in await list_calls(sm, limit=20) if c.call_sid == caller.call_sid]
    if not calls:
        raise UserError("the demo call left no record")
    return calls[0].id, calls[0].outcome, whisper


def _observed(settings: Settings, sm: async_sessionmaker[AsyncSession], day: Any, printer: LivePrinter,
              after: AfterCall) -> ConversationFactory:
    """The service's conversation factory, its transcript printed live and its after-call work queued."""
    from ivr.config import GuidanceConfig
    from ivr.conversation import CallContext, Conversation
    from ivr.guidance.conversation import GuidanceConversation
    from ivr.guidance.factory import build_factory

    inner = build_factory(GuidanceConfig.from_settings(settings), sm, today=lambda: day, after_call=after.enqueuer)

    async def factory(ctx: CallContext) -> Conversation:
        conv = await inner(ctx)
        if isinstance(conv, GuidanceConversation):
            conv.observer = printer
        return conv

    return factory


async def _whisper_fetch(service: RunningService, rest: TwilioRestStandin, caller: TwilioCaller) -> str:
    """As Twilio does when the dispatcher answers: POST the `<Number url>` of the hand-over, signed."""
    import xml.etree.ElementTree as ET
    from urllib.parse import urlsplit

    import aiohttp

    updates = [u for u in rest.updates if u.call_sid == caller.call_sid and "<Dial" in u.form.get("Twiml", "")]
    if not updates:
        return ""
    number = ET.fromstring(updates[-1].form["Twiml"]).find("./Dial/Number")
    url = number.get("url") if number is not None else None
    if not url:
        return ""
    parts = urlsplit(url)
    form = {"CallSid": "CA" + "0" * 31 + "1", "AccountSid": caller.account_sid}
    async with aiohttp.ClientSession() as http, http.post(
            f"{service.url}{parts.path}?{parts.query}", data=form, headers=caller.sign(url, form)) as resp:
        say = ET.fromstring(await resp.text()).find("./Say")
        return (say.text or "") if say is not None else ""


async def _show_after_call(sm: async_sessionmaker[AsyncSession], after: AfterCall, call_id: int,
                           printer: LivePrinter) -> None:
    """The worker does the call's summary and SMS (as it would in the background), then `ivr calls show`'s lines."""
    from ivr.aftercall.view import followups, sms_line, summary_line

    await after.worker.drain()
    found = (await followups(sm, [call_id])).get(call_id, {})
    printer.note(f"\n通話のあと (call {call_id}):\n  summary: {summary_line(found.get('summary'))}\n"
                 f"  sms: {sms_line(found.get('sms'))}")


async def _show_whisper(rest: TwilioRestStandin, whisper: str, printer: LivePrinter) -> None:
    dialled = [u for u in rest.updates if "<Dial" in u.form.get("Twiml", "")]
    if dialled:
        printer.note(f"\n転送の TwiML (REST の通話更新): {dialled[-1].form['Twiml']}")
    printer.note(f"配車係へのささやき: {whisper or '（なし）'}")


def _demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not args.file.is_file():
        raise UserError(f"no such schedule file: {args.file}")
    call_id, outcome = asyncio.run(run_demo(settings.database_url, args.file, sys.stdout, args.json))
    print(f"\ncall {call_id} ended: {outcome}.  See it again with: ivr calls show {call_id}")
    return 0 if outcome == Outcome.SERVED else 1
