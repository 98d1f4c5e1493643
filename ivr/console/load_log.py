"""The load log as the schedules page shows it: who loaded which file, when, and how it went."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.console.sessions import aware
from schedules.models import LoadLog

OUTCOMES = {"loaded": "取り込み済み", "unchanged": "変更なし（同じファイル）", "rejected": "不備あり・取り込みなし",
            "dry_run": "確認のみ"}


@dataclass(frozen=True)
class LogRow:
    at: str
    loaded_by: str
    file_name: str
    schedule_date: str
    outcome: str
    outcome_label: str
    rows: int
    error_count: int
    version: int | None


async def recent_loads(sm: async_sessionmaker[AsyncSession], timezone: str, limit: int = 50) -> list[LogRow]:
    zone = ZoneInfo(timezone)
    async with sm() as session:
        logs = (await session.scalars(select(LoadLog).order_by(LoadLog.started_at.desc(), LoadLog.id.desc())
                                      .limit(limit))).all()
    return [
        LogRow(
            at=aware(log.started_at).astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            loaded_by=log.loaded_by or "コマンドライン",
            file_name=log.file_name,
            schedule_date=log.schedule_date.isoformat() if log.schedule_date else "",
            outcome=log.outcome,
            outcome_label=OUTCOMES.get(log.outcome, log.outcome),
            rows=log.rows,
            error_count=log.error_count,
            version=(log.summary or {}).get("version") if log.outcome != "rejected" else None,
        )
        for log in logs
    ]
