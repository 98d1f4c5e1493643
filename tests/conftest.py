"""Shared fixtures: every database test runs against a real PostgreSQL and a real SQLite.

Each test session gets its own PostgreSQL database (created on the server named by
IVR_TEST_PG_URL, dropped at the end), so several developers or CI runs on one server never see
each other's rows. Schemas come from the alembic migrations, so the migrations are tested too.
Tables are emptied before each test that asks for a database.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import ivr.console.models  # (the console's users, sessions and sign-in failures)
import ivr.records.models  # noqa: F401  (so Base.metadata holds the call-record tables too)
import lookup.attempt_ledger  # noqa: F401  (the identification attempts and lockouts)
from schedules.db import make_engine, make_sessionmaker
from schedules.migrate import upgrade_sync
from schedules.models import Base

# The console's fixtures (console_server, browser, page, signed_in_page, admin_page): tests/console_support.py.
pytest_plugins = ["console_support"]

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
BACKENDS = [b.strip() for b in os.environ.get("IVR_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]


def _plain_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    admin = os.environ.get("IVR_TEST_PG_URL", DEFAULT_PG)
    name = f"ivr_test_{uuid.uuid4().hex[:12]}"

    async def _admin(sql: str) -> None:
        conn = await asyncpg.connect(_plain_dsn(admin))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_sync(url)
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh, migrated SQLite file for this test session."""
    path = tmp_path_factory.mktemp("sqlite") / "ivr-test.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_sync(url)
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def _backend_url(backend: str, request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("pg_url" if backend == "postgresql" else "sqlite_url"))


@pytest.fixture(scope="session")
async def _session_engine(_backend_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(_backend_url)
    yield engine
    await engine.dispose()


async def _empty_tables(engine: AsyncEngine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                await conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
async def engine(_session_engine: AsyncEngine) -> AsyncEngine:
    """An engine on an empty, migrated database; the test runs once per backend."""
    await _empty_tables(_session_engine)
    return _session_engine


@pytest.fixture
def db_url(engine: AsyncEngine, _backend_url: str) -> str:
    """The URL of the emptied database, for code under test that builds its own engine (CLI, service)."""
    return _backend_url


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)
