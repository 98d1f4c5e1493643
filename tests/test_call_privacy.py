"""A failing or stuck database during a call: the call goes on, and the logs still carry no
transcript text, names or numbers (a database error's message quotes the statement's parameters)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ivr.conversation import CallContext
from ivr.guidance.conversation import GuidanceConversation
from ivr.guidance.deps import GuidanceDeps
from ivr.prompts.store import PromptStore
from ivr.records.recorder import START_TIMEOUT_S, CallRecorder
from schedules.db import make_engine, make_sessionmaker
from schedules.models import Base
from schedules.search.embedded import EmbeddedSearch

SECRET_WORDS = ("佐藤", "さとう", "けんいち", "090", "いちにのさんよん", "1234")


@pytest.fixture
async def half_db(tmp_path: Path) -> AsyncIterator[object]:
    """A real SQLite database missing the transcript and schedule tables: call records open, the rest fails."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'half.db'}")
    keep = [t for name, t in Base.metadata.tables.items() if name not in ("call_events", "stops")]
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: Base.metadata.create_all(c, tables=keep))
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_failed_transcript_writes_log_no_transcript_text(half_db, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    rec = CallRecorder(half_db, "CAprivacy1")  # type: ignore[arg-type]
    await rec.start(turn_mode="barge_in", schedule_date=dt.date(2026, 12, 1))
    assert rec.call_id is not None
    rec.add("caller", "いちにのさんよん、佐藤健一です。携帯は090-1111-0001")
    await rec.finish(outcome="hung_up", driver_id=None, lookup_failures=0)
    assert "could not record a caller event: OperationalError" in caplog.text
    assert not [w for w in SECRET_WORDS if w in caplog.text], caplog.text


async def test_a_tool_failing_on_the_database_logs_no_arguments(half_db, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    deps = GuidanceDeps(sessionmaker=half_db, search=EmbeddedSearch(half_db), prompts=PromptStore(),  # type: ignore[arg-type]
                        today=lambda: dt.date(2026, 12, 1), depot_id="default", turn_mode="barge_in")
    conv = await GuidanceConversation.start(CallContext(call_sid="CAprivacy2", caller_phone="090-1111-0001"), deps)
    args = json.dumps({"vehicle_number": "いちにのさんよん", "driver_name": "さとう けんいち"}, ensure_ascii=False)
    outcome = await conv.run_tool("lookup_driver", args)
    assert outcome.output["error"] == "tool_failed" and outcome.action == "transfer"
    await conv.finish()
    assert "tool lookup_driver failed: OperationalError" in caplog.text
    assert not [w for w in SECRET_WORDS if w in caplog.text], caplog.text


async def test_a_stuck_database_does_not_hold_the_call_at_start() -> None:
    """A database that accepts connections and never answers (a hung server, a dead network path)."""
    held: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    engine = make_engine(f"postgresql+asyncpg://ivr@127.0.0.1:{port}/ivr")
    try:
        rec = CallRecorder(make_sessionmaker(engine), "CAstuck")
        started = time.monotonic()
        await rec.start(turn_mode="barge_in")
        assert time.monotonic() - started < START_TIMEOUT_S + 2
        assert rec.call_id is None  # the call goes on without its row for now
        rec.add("caller", "いちにのさんよん")  # the line is kept in memory for when the database answers
        assert rec.unwritten == 1
        started = time.monotonic()
        await rec.finish(outcome="hung_up", driver_id=None, lookup_failures=0)  # bounded, never hangs
        assert time.monotonic() - started < START_TIMEOUT_S + 2
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
        await engine.dispose()
