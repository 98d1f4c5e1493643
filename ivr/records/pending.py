"""A call record not yet in the database: the row's facts, the unwritten events, how it ended.

Live calls keep one in memory while the database is away (`CallRecorder`), a process keeps the
finished ones it could not write (`RecordKeeper`) and, when it must exit, puts them in the spool
(`ivr.records.spool`). Events carry their sequence number from the moment they are recorded, so
writing the same record twice (a retry after a commit whose answer was lost, a spool file
replayed again) stores each event once: the events table holds one row per (call, seq).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from schedules.models import utcnow


@dataclass(frozen=True)
class PendingEvent:
    """One transcript line; `local_seq` counts from 1 in this recorder (the stored seq adds the base)."""

    local_seq: int
    kind: str
    text: str
    data: dict[str, Any]
    at: dt.datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class PendingFinish:
    outcome: str
    driver_id: int | None
    lookup_failures: int
    metrics: dict[str, Any] = field(default_factory=dict)
    ended_at: dt.datetime = field(default_factory=utcnow)
    follow_up: str | None = None  # flags the call for a dispatcher (`calls.follow_up_reason`)


@dataclass
class PendingRecord:
    """`base`: the call's highest stored seq before this recorder's first event (a call whose
    stream reconnected continues its transcript); None until the row has been read or made."""

    call_sid: str
    started_at: dt.datetime = field(default_factory=utcnow)
    turn_mode: str = ""
    schedule_date: dt.date | None = None
    base: int | None = None
    events: list[PendingEvent] = field(default_factory=list)
    finish: PendingFinish | None = None
    finished: bool = False  # the finish is stored
    call_id: int | None = None  # the row's id once a write made or found it (never spooled: looked up again)

    @property
    def done(self) -> bool:
        """Nothing is left to write."""
        return not self.events and (self.finish is None or self.finished)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "call_sid": self.call_sid,
            "started_at": self.started_at.isoformat(),
            "turn_mode": self.turn_mode,
            "schedule_date": self.schedule_date.isoformat() if self.schedule_date else None,
            "base": self.base,
            "events": [{"seq": e.local_seq, "kind": e.kind, "text": e.text, "data": e.data, "at": e.at.isoformat()}
                       for e in self.events],
            "finish": None if self.finish is None or self.finished else {
                "outcome": self.finish.outcome, "driver_id": self.finish.driver_id,
                "lookup_failures": self.finish.lookup_failures, "metrics": self.finish.metrics,
                "ended_at": self.finish.ended_at.isoformat(), "follow_up": self.finish.follow_up},
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> PendingRecord:
        if raw.get("version") != 1:
            raise ValueError(f"unknown spool record version {raw.get('version')!r}")
        fin = raw.get("finish")
        return cls(
            call_sid=str(raw["call_sid"]),
            started_at=dt.datetime.fromisoformat(raw["started_at"]),
            turn_mode=str(raw.get("turn_mode") or ""),
            schedule_date=dt.date.fromisoformat(raw["schedule_date"]) if raw.get("schedule_date") else None,
            base=raw.get("base"),
            events=[PendingEvent(int(e["seq"]), str(e["kind"]), str(e.get("text") or ""), dict(e.get("data") or {}),
                                 dt.datetime.fromisoformat(e["at"])) for e in raw.get("events") or []],
            finish=None if fin is None else PendingFinish(
                str(fin["outcome"]), fin.get("driver_id"), int(fin.get("lookup_failures") or 0),
                dict(fin.get("metrics") or {}), dt.datetime.fromisoformat(fin["ended_at"]),
                fin.get("follow_up")),
        )
