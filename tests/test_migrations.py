"""The migrations build exactly the tables the models declare, on both backends.

A model column without its migration works in a test that creates tables from the models and
fails on a depot's database upgraded by `ivr db upgrade`; comparing the migrated schema with the
metadata catches that drift the day it is written.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

import ivr.aftercall.models
import ivr.console.models
import ivr.records.models
import ivr.telephony.token_ledger  # noqa: F401
import lookup.attempt_ledger  # noqa: F401
from schedules.models import Base


def _schema_drift(sync_conn: Any) -> list[Any]:
    context = MigrationContext.configure(sync_conn, opts={"compare_type": False})
    diffs = compare_metadata(context, Base.metadata)
    # Index-only and server-default nuances differ between SQLite reflection and PostgreSQL; the
    # drift that breaks an upgraded database is a table or a column that is missing or extra.
    breaking = {"add_table", "remove_table", "add_column", "remove_column"}
    return [d for d in diffs if isinstance(d, tuple) and d[0] in breaking]


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        drift = await conn.run_sync(_schema_drift)
    assert drift == []
