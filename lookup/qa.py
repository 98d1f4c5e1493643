"""QA suites over case files: digits (the parser alone) and lookup (parser + names + the DB).

Pure logic, like `schedules.readings.qa`: the command (`ivr/commands/lookup.py`) reads the file,
prints and writes the report. A case file that can't be scored raises `CaseFileError` naming the
line at fault, before anything runs; every failing case keeps its line, and the report keeps the
case columns and adds what we got.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lookup.result import IDENTIFYING, STATUSES
from lookup.service import lookup_driver
from lookup.spoken_digits import NUMBER_KINDS, spoken_digits

DIGIT_COLUMNS = ("kind", "spoken", "expected")
LOOKUP_COLUMNS = ("vehicle", "name", "caller_phone", "expected_status", "expected_driver")
# `match` = matched or confirm with the expected driver. A case may accept several: `not_found|confirm`.
EXPECTED_STATUSES = ("match", *STATUSES)
_NAMES_A_DRIVER = frozenset({"match", *IDENTIFYING})


class CaseFileError(ValueError):
    """A case file that cannot be scored; the message starts with `SOURCE:LINE:`."""


@dataclass(frozen=True)
class Case:
    line: int
    row: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: dict[str, str]
    passed: bool


def parse_cases(text: str, columns: Sequence[str], source: str) -> list[Case]:
    """Rows of CSV text with at least `columns`; blank lines and lines whose first cell starts
    with # are skipped. `source` names the file in messages."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
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
                    raise CaseFileError(
                        f"{source}:{line}: header lacks column(s) {', '.join(missing)}; expected {','.join(columns)}"
                    )
                continue
            if len(raw) > len(header):
                raise CaseFileError(f"{source}:{line}: {len(raw)} fields but the header has {len(header)}")
            row = {name: (raw[i] if i < len(raw) else "").strip() for i, name in enumerate(header)}
            cases.append(Case(line, row))
    except csv.Error as exc:
        raise CaseFileError(f"{source}:{reader.line_num}: malformed CSV ({exc})") from exc
    if header is None:
        raise CaseFileError(f"{source}: empty case file; expected a header {','.join(columns)}")
    return cases


def check_digit_cases(source: str, cases: list[Case]) -> None:
    for c in cases:
        if c.row["kind"] not in NUMBER_KINDS:
            kinds = ", ".join(NUMBER_KINDS)
            raise CaseFileError(f"{source}:{c.line}: kind must be one of {kinds}, not {c.row['kind']!r}")
        if c.row["expected"] and not (c.row["expected"].isascii() and c.row["expected"].isdigit()):
            raise CaseFileError(
                f"{source}:{c.line}: expected must be ASCII digits or empty, not {c.row['expected']!r}"
            )


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


def expected_statuses(cell: str) -> tuple[str, ...]:
    """`not_found|confirm` → ('not_found', 'confirm'): the statuses a case accepts."""
    return tuple(s.strip() for s in cell.split("|") if s.strip())


def check_lookup_cases(source: str, cases: list[Case]) -> None:
    for c in cases:
        cell = c.row["expected_status"]
        accepted = expected_statuses(cell)
        unknown = [s for s in accepted if s not in EXPECTED_STATUSES]
        if not accepted or unknown:
            raise CaseFileError(
                f"{source}:{c.line}: expected_status must be one of {', '.join(EXPECTED_STATUSES)} "
                f"(several separated by |), not {(unknown[0] if unknown else cell)!r}"
            )
        if any(s in _NAMES_A_DRIVER for s in accepted) and not c.row["expected_driver"]:
            raise CaseFileError(f"{source}:{c.line}: expected_status {cell} needs expected_driver")
        if not any(s in _NAMES_A_DRIVER for s in accepted) and c.row["expected_driver"]:
            raise CaseFileError(f"{source}:{c.line}: expected_driver is only for match, matched or confirm")


def lookup_case_passes(expected_status: str, expected_driver: str, got_status: str, got_driver: str) -> bool:
    """One accepted status fits: the statuses that name a driver must name the expected one, the
    others must name nobody."""
    for want in expected_statuses(expected_status):
        if want == "match":
            status_ok = got_status in IDENTIFYING
        else:
            status_ok = got_status == want
        driver_ok = _same_name(got_driver, expected_driver) if want in _NAMES_A_DRIVER else not got_driver
        if status_ok and driver_ok:
            return True
    return False


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
            passed = lookup_case_passes(c.row["expected_status"], c.row["expected_driver"], result.status, got_driver)
            out.append(Outcome(c, {"got_status": result.status, "got_driver": got_driver}, passed))
    return out


def report_csv(columns: Sequence[str], outcomes: list[Outcome], added: Sequence[str]) -> str:
    """The per-case report: the case columns, what we got (`added`), and pass (true/false)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*columns, *added, "pass"])
    for o in outcomes:
        cells = [o.case.row.get(c, "") for c in columns] + [o.got[a] for a in added]
        writer.writerow([*cells, str(o.passed).lower()])
    return out.getvalue()


def failure_lines(source: str, outcomes: list[Outcome], describe: Sequence[str]) -> list[str]:
    """One line per failing case: where it is, what it asked, what we got."""
    lines = []
    for o in outcomes:
        if not o.passed:
            case = " ".join(f"{k}={o.case.row.get(k, '')!r}" for k in describe)
            got = " ".join(f"{k}={v!r}" for k, v in o.got.items())
            lines.append(f"FAIL {source}:{o.case.line}: {case} → {got}")
    return lines
