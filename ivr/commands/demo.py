"""`ivr demo`: simulated calls on the embedded defaults, printed as they happen; with `--serve`,
then the service and its console keep running for a browser; `--call` places another demo call on
a running demo.

No keys and no network: the database is DATABASE_URL (default ./ivr.db, migrated here), the
example schedule is loaded if it isn't already, the real service starts on 127.0.0.1 with the
scripted Realtime stand-in in place of the model, the Twilio caller simulator dials the real
webhook and media socket, and the OpenAI HTTP and Twilio REST stand-ins take the summary, the SMS
and the hand-over. Everything between them - bridge, turn control, tools, lookup, readings,
destination search, keypad entry, the after-call work and the dispatcher's whisper - is the
production code (`ivr/sim/demo_site.py`).

The first call: a misheard number, typed on the keypad instead, the next stop read, a 相槌, a
question, goodbye; then its summary and SMS. The second: a driver asks for a person, and the
dispatcher's whisper is fetched as Twilio would (signed) and printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ivr.errors import UserError
from ivr.records.outcome import Outcome
from ivr.settings import load_settings

if TYPE_CHECKING:
    from ivr.sim.demo_site import DemoSite

# System lines the console reads (who was identified, how long the caller waited for the bot's
# voice); the demo's listener gets the conversation, not the bookkeeping.
BOOKKEEPING = frozenset({"identified", "first_audio"})

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "schedule-2026-12-01.csv"


def register(sub: Any, qa: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="play simulated calls (no keys needed); --serve keeps the service and console running",
        description="Migrate DATABASE_URL, load the example schedule if needed, start the service on 127.0.0.1 "
        "with a scripted model stand-in, and play simulated Twilio calls through it: the keypad after a "
        "misheard number, the summary and SMS after the call, and a hand-over with the dispatcher's "
        "whisper. With --serve the "
        "service and the dispatchers' console then keep running (Ctrl-C stops them), with a demo sign-in "
        "printed once. With --call, place one more demo call on a demo already serving.",
    )
    demo.add_argument("--file", type=Path, default=EXAMPLE, help="schedule file to load (default: the example)")
    demo.add_argument("--json", action="store_true", help="print each transcript line as JSON")
    mode = demo.add_mutually_exclusive_group()
    mode.add_argument("--serve", action="store_true",
                      help="after the call, keep the service and its console running and print how to sign in")
    mode.add_argument("--call", action="store_true",
                      help="place another demo call on the demo running at --host/--port, then exit")
    demo.add_argument("--host", default="127.0.0.1", help="with --serve or --call: address (default 127.0.0.1)")
    demo.add_argument("--port", type=int, default=8080, help="with --serve or --call: port (default 8080)")
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
        elif kind == "system" and text in BOOKKEEPING:
            return  # for the console's live view and dashboard, not for a listener
        elif kind != "caller":
            print(f"  {self.labels.get(kind, kind)}: {text}", file=self.out, flush=True)


async def run_demo(database_url: str, schedule: Path, out: TextIO, as_json: bool = False, *,
                   host: str = "127.0.0.1", port: int = 0, keep: Any = None) -> tuple[int, str]:
    """Play the demo calls; returns (the first call's id, its outcome). `keep(site, id, outcome)`, when
    given, is awaited after them with the site still running and its after-call worker started (`--serve`)."""
    from ivr.sim.demo_site import start_demo_site
    from schedules.loader import LoadReport

    printer = LivePrinter(out, as_json)
    try:
        site = await start_demo_site(database_url, schedule, host=host, port=port, observer=printer)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another with --port") from None
    if isinstance(site, LoadReport):
        raise UserError(f"the demo schedule {schedule} did not load: " + "; ".join(str(e) for e in site.errors[:3]))
    try:
        report = site.report
        print(f"schedule {schedule.name}: {report.outcome} ({site.day}, {report.summary.stops} stops)", file=out)
        call_id, outcome = await _first_call(site, printer, out)
        await _second_call(site, printer)
        if keep is not None:
            site.observer = None  # later calls are watched in the console
            site.run_after_call_worker()
            await keep(site, call_id, outcome)
        return call_id, outcome
    finally:
        await site.close()


async def _first_call(site: DemoSite, printer: LivePrinter, out: TextIO) -> tuple[int, str]:
    """The keypad call, then its summary and SMS."""
    print(f"service on {site.url}; calling as a driver on {site.day} …\n", file=out, flush=True)
    caller = await site.place_call(on_turn=lambda t: printer.caller_speaks(t.says))
    call_id, outcome = await _record_of(site, caller.call_sid)
    summary, sms = await site.show_after_call(call_id)
    printer.note(f"\n通話のあと (call {call_id}):\n  summary: {summary}\n  sms: {sms}")
    return call_id, outcome


async def _second_call(site: DemoSite, printer: LivePrinter) -> None:
    """A driver asks for a person: the hand-over's TwiML and the dispatcher's whisper."""
    from ivr.sim.demo_site import person_scenario

    printer.note("\n--- 2本目: 配車係を希望する通話（転送の前に配車係へのささやき） ---\n")
    caller = await site.place_call(on_turn=lambda t: printer.caller_speaks(t.says), scenario=person_scenario())
    await _record_of(site, caller.call_sid)
    twiml, whisper = await site.whisper_for(caller)
    if twiml:
        printer.note(f"\n転送の TwiML (REST の通話更新): {twiml}")
    printer.note(f"配車係へのささやき: {whisper or '（なし）'}")
    await site.after.worker.drain()  # its summary done now, not left to the worker --serve starts


async def _record_of(site: DemoSite, call_sid: str) -> tuple[int, str]:
    from ivr.records.queries import list_calls

    await asyncio.sleep(0.3)
    calls = [c for c in await list_calls(site.sm, limit=20) if c.call_sid == call_sid]
    if not calls:
        raise UserError("the demo call left no record")
    return calls[0].id, calls[0].outcome


async def _serve_until_stopped(site: Any, call_id: int, outcome: str) -> None:
    from ivr.console.users import DEMO_USER, disable_user, reset_demo_user

    password = await reset_demo_user(site.sm)
    print(f"\ncall {call_id} ended: {outcome}.", flush=True)
    print(f"""
The service and the dispatchers' console keep running (Ctrl-C stops them):

  console:   {site.url}/console/
  sign in:   {DEMO_USER} / {password}    (shown once; a new one each time the demo starts)

In the console: 予定の取り込み loads a schedule, 読み上げ確認 fixes a reading, 通話 shows calls live.
Place another demo call with the console's デモ通話 button, or from another terminal:
  ivr demo --call --port {site.url.rsplit(":", 1)[1]}
""", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await disable_user(site.sm, DEMO_USER)  # the demo sign-in never outlives the demo
        print("stopped; the demo sign-in is disabled.", flush=True)


async def _call_running_demo(host: str, port: int) -> int:
    import aiohttp

    from ivr.sim.demo_site import call_service

    url = f"http://{host}:{port}"
    print(f"calling the demo at {url} as a driver; watch it in {url}/console/calls", flush=True)
    try:
        call_sid = (await call_service(url)).call_sid
    except (aiohttp.ClientConnectionError, OSError):
        raise UserError(f"no demo is serving on {url}: start one with `ivr demo --serve`") from None
    except RuntimeError as exc:
        raise UserError(f"the service at {url} refused the demo call ({exc}); is it `ivr demo --serve`?") from None
    print(f"call {call_sid} ended", flush=True)
    return 0


def _demo(args: argparse.Namespace) -> int:
    if args.call:
        return asyncio.run(_call_running_demo(args.host, args.port))
    settings = load_settings()
    if not args.file.is_file():
        raise UserError(f"no such schedule file: {args.file}")
    if args.serve:
        asyncio.run(run_demo(settings.database_url, args.file, sys.stdout, args.json, host=args.host,
                             port=args.port, keep=_serve_until_stopped))
        return 0
    call_id, outcome = asyncio.run(run_demo(settings.database_url, args.file, sys.stdout, args.json))
    print(f"\ncall {call_id} ended: {outcome}.  See it again with: ivr calls show {call_id}")
    return 0 if outcome == Outcome.SERVED else 1
