"""The after-call table: one row per call and kind of work (its summary, its SMS).

A row is both the durable job (state, attempts, when to try next, the lease of the worker holding
it) and its result, so the call's summary and SMS status are read from the call's rows. Rows are
keyed to the call and go with it; nothing here holds a phone number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from schedules.models import Base, utcnow

KINDS = ("summary", "sms")
STATES = ("pending", "running", "done", "failed", "skipped")


class AfterCallJob(Base):
    __tablename__ = "aftercall_jobs"
    __table_args__ = (
        UniqueConstraint("call_id", "kind", name="uq_aftercall_jobs_call_kind"),
        Index("ix_aftercall_jobs_due", "state", "next_attempt_at"),
        Index("ix_aftercall_jobs_external_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # summary | sms
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending | running | done | failed | skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_error: Mapped[str] = mapped_column(String(300), default="")  # a reason code, never a message with data
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result_text: Mapped[str] = mapped_column(Text, default="")  # the summary
    external_id: Mapped[str] = mapped_column(String(64), default="")  # the SMS's Twilio MessageSid
    delivery_status: Mapped[str] = mapped_column(String(20), default="")  # Twilio's: queued … delivered
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
