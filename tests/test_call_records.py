"""Call records: ordered transcript events, outcomes, and `ivr calls list|show`."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from sqlalchemy import select

from ivr.cli import main
from ivr.records.models import CallEventRecord, CallRecord
from ivr.records.queries import get_call, list_calls
from ivr.records.recorder import CallRecorder
from schedules.models import utcnow


async def record_call(sessionmaker, sid: str, outcome: str) -> None:
    rec = CallRecorder(sessionmaker, sid)
    await rec.start(turn_mode="barge_in", schedule_date=dt.date(2026, 12, 1))
    rec.add("bot", "お電話ありがとうございます。")
    rec.add("caller", "いちにのさんよん")
    rec.add("aizuchi_ignored", "はい")
    rec.add("tool_call", "lookup_driver", {"name": "lookup_driver", "arguments": '{"vehicle_number": "1234"}'})
    rec.add("tool_result", "lookup_driver", {"name": "lookup_driver", "output": {"status": "not_found"}})
    await rec.finish(outcome=outcome, driver_id=None, lookup_failures=1)


async def test_events_are_stored_in_order_with_timestamps(sessionmaker) -> None:
    await record_call(sessionmaker, "CA1", "not_found")
    async with sessionmaker() as session:
        call = (await session.execute(select(CallRecord))).scalar_one()
        events = (await session.execute(select(CallEventRecord).order_by(CallEventRecord.seq))).scalars().all()
    assert call.outcome == "not_found" and call.ended_at is not None and call.lookup_failures == 1
    assert [e.kind for e in events] == ["bot", "caller", "aizuchi_ignored", "tool_call", "tool_result"]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert all(e.at is not None for e in events)


async def test_a_reconnected_call_continues_its_transcript(sessionmaker) -> None:
    await record_call(sessionmaker, "CA1", "hung_up")
    rec = CallRecorder(sessionmaker, "CA1")
    await rec.start()
    rec.add("caller", "もしもし")
    await rec.flush()
    found = await get_call(sessionmaker, (await list_calls(sessionmaker))[0].id)
    assert found is not None
    assert [e.seq for e in found[1]] == [1, 2, 3, 4, 5, 6]


async def test_list_filters_by_local_date(sessionmaker) -> None:
    await record_call(sessionmaker, "CA1", "served")
    today = utcnow().date()
    assert [c.call_sid for c in await list_calls(sessionmaker, date=today, tz=dt.UTC)] == ["CA1"]
    assert await list_calls(sessionmaker, date=today - dt.timedelta(days=2), tz=dt.UTC) == []


async def test_calls_cli_list_and_show(sessionmaker, db_url, monkeypatch, capsys) -> None:
    await record_call(sessionmaker, "CA1", "transferred")
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert await asyncio.to_thread(main, ["calls", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(c["call_sid"], c["outcome"], c["events"]) for c in listed] == [("CA1", "transferred", 5)]
    assert await asyncio.to_thread(main, ["calls", "show", str(listed[0]["id"])]) == 0
    out = capsys.readouterr().out
    assert "outcome transferred" in out and "aizuchi_ignored" in out and "lookup_driver" in out
    assert await asyncio.to_thread(main, ["calls", "list"]) == 0
    assert "transferred" in capsys.readouterr().out


async def test_calls_show_unknown_id_is_a_user_error(db_url, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert await asyncio.to_thread(main, ["calls", "show", "999"]) == 2
    assert "no call with id 999" in capsys.readouterr().err


def test_calls_list_rejects_a_bad_date(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["calls", "list", "--date", "tomorrow"])
    assert "not a date" in capsys.readouterr().err
