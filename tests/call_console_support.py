"""Recorded calls for the console's calls page and dashboard: a known day, written by the real recorder.

`seed_day` loads the small real schedule and records four finished calls and one still in
progress (handed over, waiting for a dispatcher), then moves their start times to known local
hours of `DAY` so the per-hour chart has an exact expected shape. `EXPECTED` is what the
dashboard must show for them, worked out by hand from the lines below (not by the code under test).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aftercall_support import driver_id
from guidance_support import DAY, load_days
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.models import CallRecord
from ivr.records.outcome import Outcome
from ivr.records.recorder import CallRecorder

TZ = ZoneInfo("Asia/Tokyo")
XSS = "<script>window.__xss = 1</script>"
Line = tuple[str, str, dict[str, Any]]


def _lookup(vehicle: str, name: str, status: str) -> list[Line]:
    args = f'{{"vehicle_number": "{vehicle}", "driver_name": "{name}"}}'
    return [("tool_call", "lookup_driver", {"name": "lookup_driver", "arguments": args}),
            ("tool_result", "lookup_driver", {"name": "lookup_driver", "output": {"status": status},
                                              "action": "none"})]


def _wait(after: str, ms: int) -> Line:
    return ("system", "first_audio", {"after": after, "ms": ms})


SERVED: list[Line] = [
    _wait("greeting", 400),
    ("bot", "お電話ありがとうございます。車番の四桁をお願いします。", {}),
    ("caller", "いちにのさんよん、佐藤健一です", {}),
    *_lookup("1234", "佐藤健一", "matched"),
    ("system", "identified", {}),  # driver id filled in by seed_day
    _wait("reply", 600),
    ("bot", "サトウ ケンイチさん、確認できました。次の届け先はアリアケブツリュウセンターです。", {}),
    ("aizuchi_ignored", "はい", {}),
    ("caller", "以上です", {}),
    _wait("reply", 700),
    ("bot", "ありがとうございました。", {}),
]
NOT_FOUND: list[Line] = [
    _wait("greeting", 500),
    ("bot", "お電話ありがとうございます。", {}),
    ("caller", "ごごのなな", {}),
    *_lookup("57", "", "not_found"),
    _wait("reply", 900),
    ("bot", "見つかりませんでした。", {}),
    ("caller", "ごーななはち", {}),
    *_lookup("578", "", "not_found"),
    ("interruption", "ちがいます", {"reason": "meaningful", "heard_ms": 1200}),
    ("caller", "ちがいます", {}),
    *_lookup("5678", "", "not_found"),
    ("transfer", "lookup_failed", {"reason": "lookup_failed"}),
]
PERSON: list[Line] = [
    _wait("greeting", 300),
    ("bot", "お電話ありがとうございます。", {}),
    ("caller", f"担当の人に代わって {XSS}", {}),
    ("transfer", "caller_asked_for_person", {"reason": "caller_asked_for_person"}),
]
HUNG_UP: list[Line] = [
    _wait("greeting", 800),
    ("bot", "お電話ありがとうございます。", {}),
]
LIVE: list[Line] = [
    _wait("greeting", 450),
    ("bot", "お電話ありがとうございます。車番の四桁をお願いします。", {}),
    ("caller", "きゅうぜろのいちに、鈴木一郎です", {}),
    *_lookup("9012", "鈴木一郎", "matched"),
    ("system", "identified", {}),
    ("caller", "事故で遅れます。配車係と話したい", {}),
    ("transfer", "caller_asked_for_person", {"reason": "caller_asked_for_person"}),
]


@dataclass
class SeededDay:
    served: int
    not_found: int
    person: int
    hung_up: int
    live: int
    sato: int
    suzuki: int


async def _record(sm: async_sessionmaker[AsyncSession], sid: str, lines: list[Line], *, identified: int | None,
                  outcome: Outcome | None, at: dt.datetime, seconds: int, metrics: dict[str, Any] | None = None,
                  follow_up: str | None = None) -> int:
    rec = CallRecorder(sm, sid)
    await rec.start(turn_mode="barge_in", schedule_date=DAY)
    for kind, text, data in lines:
        if kind == "system" and text == "identified":
            data = {"driver_id": identified}
        rec.add(kind, text, data)
    if outcome is None:
        await rec.flush()
    else:
        await rec.finish(outcome=outcome, driver_id=identified, lookup_failures=0, metrics=metrics)
    assert rec.call_id is not None
    started = at.astimezone(dt.UTC)
    values: dict[str, Any] = {"started_at": started, "follow_up_reason": follow_up}
    if outcome is not None:
        values["ended_at"] = started + dt.timedelta(seconds=seconds)
    async with sm.begin() as session:
        await session.execute(update(CallRecord).where(CallRecord.id == rec.call_id).values(**values))
    return rec.call_id


def local(hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=TZ)


async def seed_day(sm: async_sessionmaker[AsyncSession], tmp_path: Path) -> SeededDay:
    await load_days(sm, tmp_path)
    sato, suzuki = await driver_id(sm, "佐藤 健一"), await driver_id(sm, "鈴木 一郎")
    served = await _record(sm, "CAserved", SERVED, identified=sato, outcome=Outcome.SERVED, at=local(9, 5),
                           seconds=62)
    not_found = await _record(sm, "CAnotfound", NOT_FOUND, identified=None, outcome=Outcome.TRANSFERRED,
                              at=local(10, 10), seconds=95, metrics={"transfer_reason": "lookup_failed"})
    person = await _record(sm, "CAperson", PERSON, identified=None, outcome=Outcome.TRANSFERRED, at=local(10, 40),
                           seconds=20, metrics={"transfer_reason": "caller_asked_for_person"})
    hung_up = await _record(sm, "CAhungup", HUNG_UP, identified=None, outcome=Outcome.HUNG_UP, at=local(19, 2),
                            seconds=8, follow_up="after_hours")
    live = await _record(sm, "CAlive", LIVE, identified=suzuki, outcome=None, at=local(14, 30), seconds=0)
    return SeededDay(served, not_found, person, hung_up, live, sato, suzuki)


def _hours(**counts: int) -> list[int]:
    out = [0] * 24
    for key, n in counts.items():
        out[int(key[1:])] = n
    return out


# Worked out by hand from the lines above.
EXPECTED: dict[str, Any] = {
    "calls": 5,
    "per_hour": _hours(h9=1, h10=2, h14=1, h19=1),
    "outcomes": [["in_progress", 1], ["served", 1], ["transferred", 2], ["not_found", 0], ["hung_up", 1]],
    "transfers": [["caller_asked_for_person", 2], ["lookup_failed", 1]],
    "turns": [["aizuchi_ignored", 1], ["interruption", 1]],
    # greeting waits 300 400 450 500 800; reply waits 600 700 900
    "first_audio": [["greeting", {"n": 5, "p50": 450, "p95": 800}], ["reply", {"n": 3, "p50": 700, "p95": 900}]],
    "lookups": [["first_try", 2], ["after_retry", 0], ["never", 1]],
    "retried_lookups": 2,
}
