"""`ivr calls list|show`: the dispatcher's view of calls (outcome, transcript, tool calls)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall.view import FollowUp, followups, sms_line, summary_line
from ivr.cli_support import iso_date, with_database
from ivr.errors import UserError
from ivr.records.queries import CallSummary, EventLine, get_call, list_calls
from ivr.settings import load_settings


def register(sub: Any, qa: Any) -> None:
    calls = sub.add_parser("calls", help="recorded calls: outcomes and transcripts")
    calls_sub = calls.add_subparsers(dest="calls_command", required=True, metavar="ACTION")
    ls = calls_sub.add_parser("list", help="calls, newest first")
    ls.add_argument("--date", type=iso_date, help="only calls started on this local date (YYYY-MM-DD)")
    ls.add_argument("--limit", type=int, default=200, help="at most this many calls (default 200)")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls.set_defaults(func=_list)
    show = calls_sub.add_parser("show", help="one call's transcript with tool calls and results")
    show.add_argument("id", type=int, help="the call's id (from `ivr calls list`)")
    show.add_argument("--json", action="store_true", help="print JSON instead of text")
    show.set_defaults(func=_show)


def _local(t: dt.datetime | None, tz: dt.tzinfo) -> str:
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if t else "-"


def _summary_json(c: CallSummary, tz: dt.tzinfo) -> dict[str, Any]:
    return {"id": c.id, "call_sid": c.call_sid, "started_at": _local(c.started_at, tz),
            "ended_at": _local(c.ended_at, tz), "outcome": c.outcome, "driver": c.driver_name,
            "schedule_date": c.schedule_date.isoformat() if c.schedule_date else None, "events": c.events}


def _list(args: argparse.Namespace) -> int:
    tz = ZoneInfo(load_settings().timezone)
    calls = with_database(lambda sm: list_calls(sm, date=args.date, tz=tz, limit=args.limit))
    if args.json:
        print(json.dumps([_summary_json(c, tz) for c in calls], ensure_ascii=False, indent=2))
        return 0
    if not calls:
        print("no calls" + (f" on {args.date}" if args.date else ""))
        return 0
    print(f"{'id':>5}  {'started':19}  {'outcome':11}  {'events':>6}  driver")
    for c in calls:
        print(f"{c.id:>5}  {_local(c.started_at, tz):19}  {c.outcome:11}  {c.events:>6}  {c.driver_name or '-'}")
    return 0


def format_event(e: EventLine, tz: dt.tzinfo) -> str:
    t = e.at.astimezone(tz).strftime("%H:%M:%S.%f")[:-3]
    if e.kind in ("tool_call", "tool_result"):
        payload = e.data.get("arguments") if e.kind == "tool_call" else e.data.get("output")
        body = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        return f"{t}  {e.kind:15} {e.text} {body}"
    # Bookkeeping lines show their figures; never a key pressed (it may be a digit of a phone number).
    if e.kind == "system" and e.data and e.text != "dtmf":
        return f"{t}  {e.kind:15} {e.text} {json.dumps(e.data, ensure_ascii=False)}"
    return f"{t}  {e.kind:15} {e.text}"


async def _call_and_followups(sm: async_sessionmaker[AsyncSession], call_id: int
                              ) -> tuple[tuple[CallSummary, list[EventLine]], dict[str, FollowUp]] | None:
    found = await get_call(sm, call_id)
    if found is None:
        return None
    return found, (await followups(sm, [call_id])).get(call_id, {})


def _show(args: argparse.Namespace) -> int:
    tz = ZoneInfo(load_settings().timezone)
    found = with_database(lambda sm: _call_and_followups(sm, args.id))
    if found is None:
        raise UserError(f"no call with id {args.id} (see `ivr calls list`)")
    (call, events), after = found
    if args.json:
        print(json.dumps({**_summary_json(call, tz),
                          **{kind: after[kind].as_json() if kind in after else None for kind in ("summary", "sms")},
                          "transcript": [
            {"seq": e.seq, "at": e.at.astimezone(tz).isoformat(), "kind": e.kind, "text": e.text, "data": e.data}
            for e in events]}, ensure_ascii=False, indent=2))
        return 0
    print(f"call {call.id}  sid {call.call_sid}  outcome {call.outcome}  driver {call.driver_name or '-'}")
    print(f"started {_local(call.started_at, tz)}  ended {_local(call.ended_at, tz)}")
    print(f"summary: {summary_line(after.get('summary'))}")
    print(f"sms: {sms_line(after.get('sms'))}")
    for e in events:
        print(format_event(e, tz))
    return 0
