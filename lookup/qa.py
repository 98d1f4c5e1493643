"""QA suites over case files: digits (the parser alone) and lookup (parser + names + the DB).

QA edits a CSV and runs one command; every failing case is printed with its line, a report CSV
keeps the case columns and adds what we got, and the exit code says whether all passed. A case
file that can't be read is refused with the line at fault, before anything runs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.errors import UserError
from lookup.result import STATUSES
from lookup.service import lookup_driver
from lookup.spoken_digits import NUMBER_KINDS, spoken_digits

DIGIT_COLUMNS = ("kind", "spoken", "expected")
LOOKUP_COLUMNS = ("vehicle", "name", "caller_phone", "expected_status", "expected_driver")
EXPECTED_STATUSES = ("match", *STATUSES)


@dataclass(frozen=True)
class Case:
    line: int
    row: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: dict[str, str]
    passed: bool


def read_cases(path: Path, columns: Sequence[str]) -> list[Case]:
    """Rows of a UTF-8 CSV (BOM allowed) with at least `columns`; blank lines and lines whose first
    cell starts with # are skipped."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise UserError(f"case file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    cases: list[Case] = []
    try:
        for raw in reader:
            line = reader.line_num
            if not raw or all(not c.strip() for c in raw) or raw[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [c.strip() for c in raw]
                missing = [c for c in columns if c not in header]
                if missing:
                    raise UserError(
                        f"{path}:{line}: header lacks column(s) {', '.join(missing)}; expected {','.join(columns)}"
                    )
                continue
            if len(raw) > len(header):
                raise UserError(f"{path}:{line}: {len(raw)} fields but the header has {len(header)}")
            row = {name: (raw[i] if i < len(raw) else "").strip() for i, name in enumerate(header)}
            cases.append(Case(line, row))
    except csv.Error as exc:
        raise UserError(f"{path}:{reader.line_num}: malformed CSV ({exc})") from exc
    if header is None:
        raise UserError(f"{path}: empty case file; expected a header {','.join(columns)}")
    return cases


def check_digit_cases(path: Path, cases: list[Case]) -> None:
    for c in cases:
        if c.row["kind"] not in NUMBER_KINDS:
            raise UserError(f"{path}:{c.line}: kind must be one of {', '.join(NUMBER_KINDS)}, not {c.row['kind']!r}")
        if c.row["expected"] and not (c.row["expected"].isascii() and c.row["expected"].isdigit()):
            raise UserError(f"{path}:{c.line}: expected must be ASCII digits or empty, not {c.row['expected']!r}")


def run_digit_cases(cases: list[Case]) -> list[Outcome]:
    out = []
    for c in cases:
        got = spoken_digits(c.row["spoken"], c.row["kind"]) or ""
        out.append(Outcome(c, {"got": got}, got == c.row["expected"]))
    return out


def _same_name(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", s)).strip()

    return norm(a) == norm(b)


def check_lookup_cases(path: Path, cases: list[Case]) -> None:
    for c in cases:
        status = c.row["expected_status"]
        if status not in EXPECTED_STATUSES:
            raise UserError(
                f"{path}:{c.line}: expected_status must be one of {', '.join(EXPECTED_STATUSES)}, not {status!r}"
            )
        wants_driver = status in ("match", "matched", "confirm")
        if wants_driver and not c.row["expected_driver"]:
            raise UserError(f"{path}:{c.line}: expected_status {status} needs expected_driver")
        if not wants_driver and c.row["expected_driver"]:
            raise UserError(f"{path}:{c.line}: expected_driver is only for match, matched or confirm")


async def run_lookup_cases(
    sessionmaker: async_sessionmaker[AsyncSession], cases: list[Case], date: dt.date
) -> list[Outcome]:
    out = []
    async with sessionmaker() as session:
        for c in cases:
            result = await lookup_driver(
                session,
                date=date,
                vehicle_text=c.row["vehicle"],
                name_text=c.row["name"],
                caller_phone=c.row["caller_phone"] or None,
            )
            got_driver = result.driver.name if result.driver else ""
            want = c.row["expected_status"]
            status_ok = result.status in ("matched", "confirm") if want == "match" else result.status == want
            driver_ok = _same_name(got_driver, c.row["expected_driver"]) if c.row["expected_driver"] else not got_driver
            out.append(Outcome(c, {"got_status": result.status, "got_driver": got_driver}, status_ok and driver_ok))
    return out


def write_report(path: Path, columns: Sequence[str], outcomes: list[Outcome], added: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*columns, *added, "pass"])
        for o in outcomes:
            cells = [o.case.row.get(c, "") for c in columns] + [o.got[a] for a in added]
            writer.writerow([*cells, str(o.passed).lower()])


def print_outcomes(path: Path, outcomes: list[Outcome], describe: Sequence[str]) -> int:
    """Print every failing case and a summary; the exit code (1 when any failed)."""
    failed = [o for o in outcomes if not o.passed]
    for o in failed:
        case = " ".join(f"{k}={o.case.row.get(k, '')!r}" for k in describe)
        got = " ".join(f"{k}={v!r}" for k, v in o.got.items())
        print(f"FAIL {path}:{o.case.line}: {case} → {got}")
    print(f"{len(outcomes) - len(failed)}/{len(outcomes)} passed, {len(failed)} failed")
    return 1 if failed else 0
