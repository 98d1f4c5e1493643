"""A throw-away, migrated PostgreSQL database for one benchmark run.

Benchmarks measure a first load and a cold lookup, so each run gets a database of its own on the
server named by IVR_BENCH_PG_URL (default: the local one the tests use), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import make_url

from schedules.migrate import upgrade

ADMIN_URL = os.environ.get("IVR_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(make_url(ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """Create and migrate a fresh database; yields its SQLAlchemy URL and drops it on the way out."""
    name = f"ivr_bench_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        await upgrade(url)
        yield url
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
