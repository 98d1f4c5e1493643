"""Subcommands registered with `ivr` (see ivr/cli.py). Being built."""

from __future__ import annotations

from typing import Any


def register(sub: Any, qa: Any) -> None:
    """Add this module's subcommands to `sub` (top level) and `qa` (`ivr qa …`)."""
