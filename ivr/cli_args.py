"""Argument types shared by `ivr` subcommands, so every command reads a date the same way."""

from __future__ import annotations

import argparse
import datetime as dt


def iso_date(text: str) -> dt.date:
    """A `--date` value: YYYY-MM-DD, or argparse's usage error naming what was given."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
