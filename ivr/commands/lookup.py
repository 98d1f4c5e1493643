"""`ivr lookup`, `ivr qa digits` and `ivr qa lookup`: the command-line face of `lookup/`.

The suites themselves are pure (`lookup.qa`); this module reads the case file, prints every
failing case and a summary, writes the report, and turns a bad case file into exit code 2.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.cli_support import iso_date, with_database
from ivr.commands.qa_files import finish_qa, read_case_file
from ivr.errors import UserError
from ivr.guidance.lookup_answer import staff_view
from ivr.prompts.store import DEFAULT_PROMPTS
from lookup.call_lookup import CallLookup
from lookup.qa import (
    DIGIT_COLUMNS,
    LOOKUP_COLUMNS,
    check_digit_cases,
    check_lookup_cases,
    run_digit_cases,
    run_lookup_cases,
)
from lookup.result import LookupResult


def register(sub: Any, qa: Any) -> None:
    """Add this module's subcommands to `sub` (top level) and `qa` (`ivr qa …`)."""
    lk = sub.add_parser(
        "lookup",
        help="find a driver from a spoken vehicle number and name, as the phone call does",
        description="Strict driver lookup on DATABASE_URL: status, normalized digits and name key, next step.",
    )
    lk.add_argument("--date", required=True, type=iso_date, help="schedule date, YYYY-MM-DD")
    lk.add_argument("--vehicle", required=True, help="vehicle number as said: 12-34, いちにのさんよん, 千二百三十四")
    lk.add_argument("--name", required=True, help="driver's name as said: 佐藤です, サトウ ケンイチ")
    lk.add_argument("--caller-phone", default=None, help="caller ID; only breaks ties between fitting names")
    lk.add_argument("--json", action="store_true", help="print the staff view as JSON (includes candidates)")
    lk.set_defaults(func=_lookup)

    qd = qa.add_parser(
        "digits",
        help="score spoken-number cases (kind,spoken,expected; empty expected = must be rejected)",
        description="Run the spoken-number parser over a case file; prints every failing case; exit 1 if any fail.",
    )
    qd.add_argument("cases", type=Path, help="CSV with columns kind,spoken,expected")
    qd.add_argument("--report", type=Path, default=None, help="write a report CSV (adds got,pass)")
    qd.set_defaults(func=_qa_digits)

    ql = qa.add_parser(
        "lookup",
        help="score lookup cases against the schedule loaded on DATABASE_URL",
        description=(
            "Columns vehicle,name,caller_phone,expected_status,expected_driver. expected_status is match "
            "(matched or confirm with that driver) or one of matched, confirm, ambiguous, not_found, invalid; "
            "'|' separates accepted statuses (not_found|confirm); "
            "drivers by driver_name as written in the schedule file. Exit 1 if any case fails."
        ),
    )
    ql.add_argument("cases", type=Path, help="CSV of lookup cases")
    ql.add_argument("--date", required=True, type=iso_date, help="schedule date, YYYY-MM-DD")
    ql.add_argument("--report", type=Path, default=None, help="write a report CSV (adds got_status,got_driver,pass)")
    ql.set_defaults(func=_qa_lookup)


def _lookup(args: argparse.Namespace) -> int:
    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> LookupResult:
        # Counted as a call's first lookup, as the phone path counts it, so `model_view` is what
        # the model would be told.
        async with sessionmaker() as session:
            return await CallLookup(caller_phone=args.caller_phone).lookup(
                session, date=args.date, vehicle_text=args.vehicle, name_text=args.name
            )

    result = with_database(run)
    view = staff_view(result, DEFAULT_PROMPTS.snapshot())
    if args.json:
        print(json.dumps(view, ensure_ascii=False, indent=2))
    else:
        print(f"status: {result.status}")
        print(f"digits: {result.digits or '-'}")
        print(f"name key: {result.name_key or '-'}")
        if result.driver:
            d = result.driver
            print(f"driver: {d.name} ({d.name_kana}) vehicle {d.plate or d.serial}")
        if result.reason:
            print(f"reason: {result.reason}")
        print(f"next: {view['model_view']['instruction']}")
    return 0


def _qa_digits(args: argparse.Namespace) -> int:
    cases = read_case_file(args.cases, DIGIT_COLUMNS, check_digit_cases)
    return finish_qa(args, DIGIT_COLUMNS, run_digit_cases(cases), ("got",))


def _qa_lookup(args: argparse.Namespace) -> int:
    cases = read_case_file(args.cases, LOOKUP_COLUMNS, check_lookup_cases)
    if not cases:
        raise UserError(f"{args.cases}: no cases")
    outcomes = with_database(lambda sessionmaker: run_lookup_cases(sessionmaker, cases, args.date))
    return finish_qa(args, LOOKUP_COLUMNS, outcomes, ("got_status", "got_driver"))
