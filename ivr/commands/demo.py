"""`ivr demo`: one whole simulated call on the embedded defaults, printed as it happens.

No keys and no network: the database is DATABASE_URL (default ./ivr.db, migrated here), the
example schedule is loaded if it isn't already, the real service starts on 127.0.0.1 with the
scripted Realtime stand-in in place of the model, and the Twilio caller simulator dials the real
webhook and media socket. Everything between them - bridge, turn control, tools, lookup, readings
and destination search - is the production code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from ivr.errors import UserError
from ivr.records.outcome import Outcome
from ivr.settings import load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "schedule-2026-12-01.csv"

# The demo's driver in the example schedule, the number the "speech recognizer" mishears first,
# and a question the destination notes answer.
DEMO_DRIVER = "さとう けんいち"
DEMO_HEARD = "いちにのさんご"
DEMO_SAID = "いちにのさんよん"
DEMO_QUESTION = "受付が休みになる時間はありますか"


def register(sub: Any, qa: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="play one whole simulated call (no keys needed) and print it as it happens",
        description="Migrate DATABASE_URL, load the example schedule if needed, start the service on 127.0.0.1 "
        "with a scripted model stand-in, and play a simulated Twilio call through it.",
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

    def __call__(self, kind: str, text: str, data: dict[str, Any]) -> None:
        if self.as_json:
            print(json.dumps({"kind": kind, "text": text, "data": data}, ensure_ascii=False), file=self.out, flush=True)
            return
        if kind == "tool_call":
            print(f"      → {text}({data.get('arguments', '')})", file=self.out, flush=True)
        elif kind == "tool_result":
            output = dict(data.get("output") or {})
            output.pop("instruction", None)
            action = f"  [{data['action']}]" if data.get("action") not in (None, "none") else ""
            print(f"      ← {json.dumps(output, ensure_ascii=False)}{action}", file=self.out, flush=True)
        elif kind == "aizuchi_ignored":
            print(f"      （案内の途中の相槌「{text}」: 割り込みにせず、案内を続けます）", file=self.out, flush=True)
        elif kind != "caller":
            print(f"  {self.labels.get(kind, kind)}: {text}", file=self.out, flush=True)


async def run_demo(database_url: str, schedule: Path, out: TextIO, as_json: bool = False) -> tuple[int, str]:
    """Play the demo call; returns (call id, outcome)."""
    from ivr.config import GuidanceConfig, SearchConfig
    from ivr.conversation import CallContext, Conversation
    from ivr.guidance.conversation import GuidanceConversation
    from ivr.guidance.factory import build_factory
    from ivr.records.queries import list_calls
    from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE, sim_settings, start_service
    from ivr.sim.realtime_standin import RealtimeStandin
    from ivr.sim.scenarios import play_call, served_with_correction
    from ivr.sim.twilio_caller import TwilioCaller
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
            raise UserError(f"the demo schedule {schedule} did not load: "
                            + "; ".join(str(e) for e in report.errors[:3]))
        day = report.summary.date
        print(f"schedule {schedule.name}: {report.outcome} ({day}, {report.summary.stops} stops)", file=out)

        scenario = served_with_correction(DEMO_HEARD, DEMO_SAID, DEMO_DRIVER, DEMO_QUESTION)
        standin = await RealtimeStandin(scenario.script).start()
        sim = sim_settings(standin.url, database_url=database_url)
        inner = build_factory(GuidanceConfig.from_settings(sim), sm, today=lambda: day)
        printer = LivePrinter(out, as_json)

        async def factory(ctx: CallContext) -> Conversation:
            conv = await inner(ctx)
            if isinstance(conv, GuidanceConversation):
                conv.observer = printer
            return conv

        service = await start_service(sim, factory, engine=engine)
        try:
            print(f"service on {service.url}; calling as a driver on {day} …\n", file=out, flush=True)
            caller = TwilioCaller(service.url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE)
            try:
                await play_call(caller, scenario, within=30, on_turn=lambda t: printer.caller_speaks(t.says))
            finally:
                await caller.close()
            await asyncio.sleep(0.3)
        finally:
            await service.close()
            await standin.close()
        calls = [c for c in await list_calls(sm, limit=20) if c.call_sid == caller.call_sid]
        if not calls:
            raise UserError("the demo call left no record")
        return calls[0].id, calls[0].outcome
    finally:
        await engine.dispose()


def _demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not args.file.is_file():
        raise UserError(f"no such schedule file: {args.file}")
    call_id, outcome = asyncio.run(run_demo(settings.database_url, args.file, sys.stdout, args.json))
    print(f"\ncall {call_id} ended: {outcome}.  See it again with: ivr calls show {call_id}")
    return 0 if outcome == Outcome.SERVED else 1
