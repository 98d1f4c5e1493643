"""The after-call results of calls, for `ivr calls show` and the console: summary text and SMS status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall.models import AfterCallJob


@dataclass(frozen=True)
class FollowUp:
    kind: str
    state: str  # pending | running | done | failed | skipped
    attempts: int
    reason: str  # why it failed, was skipped, or is being retried; "" otherwise
    text: str  # the summary
    message_sid: str
    delivery_status: str
    updated_at: dt.datetime | None

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        return out


async def followups(sessionmaker: async_sessionmaker[AsyncSession],
                    call_ids: Iterable[int]) -> dict[int, dict[str, FollowUp]]:
    """{call id: {kind: FollowUp}} for the calls that have after-call rows."""
    ids = list(call_ids)
    if not ids:
        return {}
    async with sessionmaker() as session:
        rows = (await session.execute(select(AfterCallJob).where(AfterCallJob.call_id.in_(ids)))).scalars().all()
    found: dict[int, dict[str, FollowUp]] = {}
    for r in rows:
        found.setdefault(r.call_id, {})[r.kind] = FollowUp(
            r.kind, r.state, r.attempts, r.last_error, r.result_text, r.external_id, r.delivery_status, r.updated_at)
    return found


def _status(f: FollowUp) -> str:
    if f.state == "pending":
        return "pending" + (f" (retrying after {f.reason}, {f.attempts} attempt(s) so far)" if f.attempts else "")
    if f.state == "running":
        return f"in progress (attempt {f.attempts})"
    return f"{f.state}: {f.reason or '-'}"


def summary_line(f: FollowUp | None) -> str:
    """One line: the summary's lines joined with ' / ', or what became of it."""
    if f is None:
        return "-"
    if f.state == "done":
        return " / ".join(part.strip() for part in f.text.splitlines() if part.strip())
    return _status(f)


def sms_line(f: FollowUp | None) -> str:
    """The SMS's delivery status as Twilio last reported it, or what became of it."""
    if f is None:
        return "-"
    if f.state == "done":
        status = f.delivery_status or "sent"
        return f"{status} ({f.message_sid})" + (f" {f.reason}" if f.reason else "")
    return _status(f)
