"""The call-record tables: one `calls` row per phone call and its transcript as `call_events`.

They share the schedule store's declarative `Base` (one metadata, one migration history) but
belong to the phone service: `schedules/` knows nothing of calls. The rows are named
`CallRecord` and `CallEventRecord` so that "call" alone keeps meaning the phone call.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ivr.records.outcome import Outcome
from schedules.models import Base, utcnow


class CallRecord(Base):
    """One phone call. Holds the call id, never the caller's number."""

    __tablename__ = "calls"
    # The console lists and charts a day's calls by when they started.
    __table_args__ = (Index("ix_calls_started_at", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str] = mapped_column(String(20), default=Outcome.IN_PROGRESS.value)  # an `Outcome`
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id"), nullable=True)
    schedule_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    turn_mode: Mapped[str] = mapped_column(String(20), default="")
    lookup_failures: Mapped[int] = mapped_column(Integer, default=0)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Set when the call needs a dispatcher's follow-up (e.g. `after_hours`: the desk was closed and
    # no transfer was attempted); cleared from the console with who and when.
    follow_up_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    follow_up_cleared_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    follow_up_cleared_by: Mapped[str | None] = mapped_column(String(64), nullable=True)

    events: Mapped[list[CallEventRecord]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallEventRecord.seq"
    )


class CallEventRecord(Base):
    """One line of a call's transcript: a side's words, an interruption, a tool call or its result."""

    __tablename__ = "call_events"
    __table_args__ = (UniqueConstraint("call_id", "seq", name="uq_call_events_call_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))  # an `EventKind` (ivr/conversation.py)
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    call: Mapped[CallRecord] = relationship(back_populates="events")
