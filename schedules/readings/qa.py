"""The readings QA suite: parse a case file, score it. Pure logic; the CLI does the file I/O.

Case file: CSV with the header `kind,text,expected`; `expected` may list several accepted
readings separated by `|`. A reading passes when it sounds the same as one of them
(`same_reading`: spaces, pauses and the spelling of long vowels do not count).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import cast

from schedules.readings import KINDS, ReadingKind, reading, same_reading

HEADER = ("kind", "text", "expected")


class CaseFileError(ValueError):
    """A case file that cannot be scored; the message names the line."""


@dataclass(frozen=True)
class Case:
    line: int
    kind: ReadingKind
    text: str
    expected: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    case: Case
    got: str

    @property
    def passed(self) -> bool:
        return any(same_reading(self.got, e) for e in self.case.expected)


def parse_cases(content: str) -> list[Case]:
    """Cases from CSV text; every problem is reported with its line number, all at once."""
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise CaseFileError("line 1: the file is empty; expected the header kind,text,expected") from None
    if tuple(h.strip().lower() for h in header) != HEADER:
        raise CaseFileError(f"line 1: header must be kind,text,expected (got {','.join(header)})")
    cases: list[Case] = []
    problems: list[str] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            problems.append(f"line {line}: expected 3 columns (kind,text,expected), got {len(row)}")
            continue
        kind, text, expected = (cell.strip() for cell in row)
        if kind not in KINDS:
            problems.append(f"line {line}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
            continue
        accepted = tuple(e.strip() for e in expected.split("|") if e.strip())
        if not text:
            problems.append(f"line {line}: the text column is empty")
            continue
        if not accepted:
            problems.append(f"line {line}: the expected column is empty")
            continue
        cases.append(Case(line, cast(ReadingKind, kind), text, accepted))
    if problems:
        raise CaseFileError("\n".join(problems))
    return cases


def score(cases: list[Case]) -> list[Result]:
    return [Result(case, reading(case.text, case.kind)) for case in cases]


def report_csv(results: list[Result]) -> str:
    """The per-case report: the case columns plus got and pass (true/false)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*HEADER, "got", "pass"])
    for r in results:
        writer.writerow([r.case.kind, r.case.text, "|".join(r.case.expected), r.got, str(r.passed).lower()])
    return out.getvalue()
