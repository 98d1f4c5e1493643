"""`ivr qa turns CASES.csv [--report OUT.csv]`: the turn classifier scored on a case file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ivr.commands.qa_files import finish_qa, read_case_file
from ivr.errors import UserError
from ivr.turn.classifier import default_classifier
from ivr.turn.qa import COLUMNS, check_cases, figures, run_cases


def register(sub: Any, qa: Any) -> None:
    turns = qa.add_parser(
        "turns",
        help="score a turn case file (backchannel, interrupt, yes, no)",
        description=(
            "Score CASES.csv (columns context,text,expected; context is bot_speaking or "
            "after_yes_no_question; expected is backchannel, interrupt, yes, no or other). Prints every "
            "failing case, a summary with the false- and missed-interrupt rates; exits 1 if any case fails, "
            "2 if the file is malformed."
        ),
    )
    turns.add_argument("cases", metavar="CASES.csv", type=Path)
    turns.add_argument("--report", metavar="OUT.csv", type=Path, help="write a per-case report (adds got,pass)")
    turns.set_defaults(func=run_qa_turns)


def run_qa_turns(args: argparse.Namespace) -> int:
    cases = read_case_file(args.cases, COLUMNS, check_cases)
    if not cases:
        raise UserError(f"{args.cases}: no cases after the header")
    outcomes = run_cases(default_classifier(), cases)
    code = finish_qa(args, COLUMNS, outcomes, ("got",), report_columns=tuple(cases[0].row))
    print(f"turns: {figures(outcomes)}")
    return code
