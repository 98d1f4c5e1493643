"""`ivr kana` (one reading) and `ivr qa readings` (score a case file): the command-line face of
`schedules.readings`. A bad case file is a `UserError`, exit code 2."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ivr.errors import UserError
from schedules.readings import KINDS, reading
from schedules.readings.qa import CaseFileError, parse_cases, report_csv, score


def register(sub: Any, qa: Any) -> None:
    """Add this module's subcommands to `sub` (top level) and `qa` (`ivr qa …`)."""
    kana = sub.add_parser(
        "kana",
        help="print the katakana reading drivers would hear",
        description="Print the katakana reading of TEXT, as rendered for drivers.",
    )
    kana.add_argument("--kind", choices=KINDS, default="text", help="how to read TEXT (default: text)")
    kana.add_argument("text", metavar="TEXT", nargs="+", help="the text to read (several words are joined by spaces)")
    kana.set_defaults(func=run_kana)

    readings = qa.add_parser(
        "readings",
        help="score a readings case file",
        description=(
            "Score CASES.csv (columns kind,text,expected; '|' separates accepted readings). Spaces, "
            "pauses and long-vowel spelling (ー or ウ) do not count. Prints every failing case and a "
            "summary; exits 1 if any case fails."
        ),
    )
    readings.add_argument("cases", metavar="CASES.csv", type=Path)
    readings.add_argument("--report", metavar="OUT.csv", type=Path, help="write a per-case report (adds got,pass)")
    readings.set_defaults(func=run_qa_readings)


def run_kana(args: argparse.Namespace) -> int:
    text = " ".join(args.text).strip()
    if not text:
        raise UserError("TEXT is empty: give the text to read")
    print(reading(text, args.kind))
    return 0


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None


def run_qa_readings(args: argparse.Namespace) -> int:
    try:
        cases = parse_cases(_read_text(args.cases))
    except CaseFileError as exc:
        raise UserError(f"{args.cases}: " + str(exc).replace("\n", f"\n{args.cases}: ")) from None
    if not cases:
        raise UserError(f"{args.cases}: no cases after the header")
    results = score(cases)
    failed = [r for r in results if not r.passed]
    for r in failed:
        expected = " | ".join(r.case.expected)
        print(f"FAIL line {r.case.line} [{r.case.kind}] {r.case.text}: expected {expected}, got {r.got}")
    if args.report:
        try:
            args.report.write_text(report_csv(results), encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{args.report}: cannot write the report ({exc.strerror})") from None
    print(f"readings: {len(results) - len(failed)}/{len(results)} passed, {len(failed)} failed")
    return 1 if failed else 0
