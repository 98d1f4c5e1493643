"""Pieces shared by `ivr` subcommands, so every command reads a date and reaches the database the same way."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.errors import UserError
from ivr.settings import load_settings
from schedules.db import make_engine, make_sessionmaker

T = TypeVar("T")


def iso_date(text: str) -> dt.date:
    """A `--date` value: YYYY-MM-DD, or argparse's usage error naming what was given."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def with_database(work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    """Run `work` against DATABASE_URL, turning a missing schema or server into a hint, not a traceback."""
    url = load_settings().database_url

    async def run() -> T:
        engine = make_engine(url)
        try:
            return await work(make_sessionmaker(engine))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except (OperationalError, ProgrammingError) as exc:
        text = str(exc.orig)
        if "no such table" in text or "does not exist" in text:
            raise UserError(f"the database has no schedule tables yet: run `ivr db upgrade` first ({text})") from None
        raise UserError(f"database error: {text}") from None
    except OSError as exc:
        raise UserError(f"cannot reach the database in DATABASE_URL: {exc}") from None
