"""`ivr schedules load` and `ivr schedules review`: the dispatcher's evening routine, on the command line.

Problems go to stderr one per line (`line 12, column 運行日: impossible date 2026-02-30`) so a
dispatcher can fix a whole file in one pass; the summary goes to stdout. A progress bar is drawn
only on a terminal, never into a pipe or a log.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any, ClassVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.cli_support import with_database
from ivr.config import SearchConfig
from ivr.errors import UserError
from ivr.settings import load_settings
from schedules.loader import LoadReport
from schedules.review import print_review, review_rows, write_csv, write_xlsx
from schedules.search.indexing import load_and_index
from schedules.validation import parse_date


def register(sub: Any, qa: Any) -> None:
    """Add `ivr schedules load|review`."""
    parser = sub.add_parser("schedules", help="load dispatchers' schedule files and review their readings",
                            description="Load a day's schedule file, or review what drivers will hear.")
    actions = parser.add_subparsers(dest="schedules_command", required=True, metavar="ACTION")

    load = actions.add_parser(
        "load",
        help="validate a schedule file (CSV or .xlsx) and make it the current version of its date",
        description="Validate every row; if all are valid, replace that date's schedule atomically as a new "
        "version (the previous one is kept). Any problem: nothing is written, every problem is listed "
        "with its line and column, exit code 1. CSV may be UTF-8 (with or without BOM) or Shift_JIS/CP932.",
    )
    load.add_argument("file", type=Path, help="schedule file: .csv or .xlsx, English or Japanese headers")
    load.add_argument("--dry-run", action="store_true", help="validate and render readings, write nothing")
    load.set_defaults(func=_load)

    review = actions.add_parser(
        "review",
        help="list every stop of a date with the reading drivers will hear",
        description="Every stop of the date's current version: vehicle, driver, destination, address, window, "
        "cargo and notes, each with its reading and whether the reading came from the file.",
    )
    review.add_argument("--date", required=True, type=_date_arg, help="schedule date, e.g. 2026-12-01")
    review.add_argument("--out", type=Path, help="write to FILE instead: .csv (UTF-8 with BOM, for Excel) or .xlsx")
    review.set_defaults(func=_review)


def _date_arg(text: str) -> dt.date:
    parsed = parse_date(text)
    if isinstance(parsed, str):
        raise argparse.ArgumentTypeError(parsed)
    return parsed


# --- load ----------------------------------------------------------------------------------------


class _Bar:
    """A rich progress bar fed from the loader's (phase, done, total) callback, possibly from a thread."""

    LABELS: ClassVar[dict[str, str]] = {
        "validating": "checking rows", "rendering": "rendering readings", "writing": "writing stops",
    }

    def __init__(self, console: Console) -> None:
        self.progress = Progress(TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=console, transient=True)
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase not in self.tasks:
            self.tasks[phase] = self.progress.add_task(self.LABELS.get(phase, phase), total=total)
        self.progress.update(self.tasks[phase], completed=done, total=total)


def _load(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    console = Console()
    bar = _Bar(console) if console.is_terminal else None

    settings = load_settings()

    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> LoadReport:
        # Destination search is indexed with the load (schedules/search/indexing.py).
        search = SearchConfig.from_settings(settings).make(sessionmaker)
        if bar is None:
            return await load_and_index(sessionmaker, path, depot_id=settings.depot_id, search=search,
                                        dry_run=args.dry_run)
        with bar.progress:
            return await load_and_index(sessionmaker, path, depot_id=settings.depot_id, search=search,
                                        dry_run=args.dry_run, progress=bar)

    report = with_database(work)
    _print_report(report, console)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0 if report.ok else 1


def _print_report(report: LoadReport, console: Console) -> None:
    s = report.summary
    if report.outcome == "rejected":
        for problem in report.errors:
            print(problem, file=sys.stderr)
        noun = "problem" if len(report.errors) == 1 else "problems"
        print(f"{report.file_name}: rejected, {len(report.errors)} {noun}; nothing was written.", file=sys.stderr)
        return
    if report.outcome == "unchanged":
        console.print(f"{report.file_name}: unchanged: {s.date} version {s.version} already holds this exact file; "
                      "nothing was changed.", highlight=False, soft_wrap=True)
        return
    if report.outcome == "dry_run":
        console.print(f"{report.file_name}: valid (dry run, nothing written) for {s.date}.",
                      highlight=False, soft_wrap=True)
    else:
        console.print(f"{report.file_name}: loaded {s.date} as version {s.version}.", highlight=False, soft_wrap=True)
    new = report.outcome == "loaded"
    console.print(
        f"  stops {s.stops:,}   vehicles {s.vehicles:,}" + (f" ({s.new_vehicles:,} new)" if new else "")
        + f"   drivers {s.drivers:,}" + (f" ({s.new_drivers:,} new)" if new else ""),
        highlight=False, soft_wrap=True,
    )
    console.print(
        f"  readings rendered {s.readings_rendered:,} ({s.distinct_texts_rendered:,} distinct texts)   "
        f"taken from the file {s.readings_from_file:,}"
        + (f"   fixed in the console {s.readings_from_overrides:,}" if s.readings_from_overrides else ""),
        highlight=False, soft_wrap=True,
    )
    if new:
        console.print(f"  check what drivers will hear: ivr schedules review --date {s.date}",
                      highlight=False, soft_wrap=True)


# --- review --------------------------------------------------------------------------------------


def _review(args: argparse.Namespace) -> int:
    out: Path | None = args.out
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise UserError(f"--out must end in .csv or .xlsx, got {out.name}")
    date: dt.date = args.date
    rows = with_database(lambda sm: review_rows(sm, date))
    if rows is None:
        raise UserError(f"no schedule loaded for {date}: load one with `ivr schedules load FILE`")
    if out is None:
        console = Console()
        if not console.is_terminal:  # piped into a file or a pager: no terminal width to fit, keep lines whole
            console = Console(width=160)
        print_review(rows, console)
        return 0
    if out.suffix.lower() == ".csv":
        write_csv(rows, out)
    else:
        write_xlsx(rows, out)
    print(f"wrote {len(rows)} stops of {date} to {out}")
    return 0
