"""The `ivr` console command.

Each area registers its own subcommands (see COMMAND_MODULES), so a change to loading or to the
bridge never touches this file. Handlers return an exit code; a `UserError` or bad settings is
printed to stderr with exit code 2 instead of a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ivr.errors import UserError
from ivr.settings import SettingsError

# Modules with `register(sub, qa)`: `sub` holds top-level commands, `qa` the `ivr qa …` ones.
COMMAND_MODULES = (
    "ivr.commands.db",
    "ivr.commands.schedules",
    "ivr.commands.readings",
    "ivr.commands.lookup",
    "ivr.commands.serve",
    "ivr.commands.calls",
    "ivr.commands.demo",
    "ivr.commands.qa_turns",
    "ivr.commands.users",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ivr", description="Dispatch IVR: schedules, strict driver lookup, and the phone service."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    qa_parser = sub.add_parser("qa", help="QA suites: score a case file and write a per-case report")
    qa = qa_parser.add_subparsers(dest="qa_command", required=True, metavar="SUITE")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, qa)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except (UserError, SettingsError) as exc:
        print(f"ivr: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
