"""Reading a QA case file and reporting its outcomes, the same way for every `ivr qa` suite."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from ivr.errors import UserError
from lookup.qa import Case, CaseFileError, Outcome, failure_lines, parse_cases, report_csv


def read_case_file(path: Path, columns: tuple[str, ...], check: Callable[[str, list[Case]], None]) -> list[Case]:
    """The file's cases, checked by `check`; any problem is a `UserError` (exit code 2) naming the line."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise UserError(f"case file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        cases = parse_cases(text, columns, str(path))
        check(str(path), cases)
    except CaseFileError as exc:
        raise UserError(str(exc)) from None
    return cases


def finish_qa(
    args: argparse.Namespace,
    columns: tuple[str, ...],
    outcomes: list[Outcome],
    added: tuple[str, ...],
    *,
    report_columns: tuple[str, ...] | None = None,
) -> int:
    """Write the report if asked, print every failing case and a summary; exit 1 when any failed.

    `report_columns`: the case file's own columns when it carries more than the suite reads (a
    corpus's category column), so the report keeps them."""
    if args.report:
        try:
            args.report.write_text(report_csv(report_columns or columns, outcomes, added), encoding="utf-8", newline="")
        except OSError as exc:
            raise UserError(f"{args.report}: cannot write the report ({exc.strerror})") from None
    failed = failure_lines(str(args.cases), outcomes, columns)
    for line in failed:
        print(line)
    print(f"{len(outcomes) - len(failed)}/{len(outcomes)} passed, {len(failed)} failed")
    return 1 if failed else 0
