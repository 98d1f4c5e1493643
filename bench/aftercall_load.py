"""The after-call side of the calls benchmark (`python -m bench.bench_calls --aftercall`).

The service process runs the real after-call worker while the calls stream: a backlog of finished
calls (served, with transcripts and queued summary and SMS jobs, as `ivr serve` would leave them)
is written before the calls start, and the worker works through it during the run, through the
real openai and twilio SDKs, against the HTTP stand-ins in the stand-in process (so their CPU is
not the service's). The model answers after MODEL_DELAY_S, as a real one would.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall import service as aftercall
from ivr.aftercall.models import AfterCallJob
from ivr.aftercall.sms_rules import phone_digest
from ivr.config import AfterCallConfig
from ivr.records.models import CallEventRecord, CallRecord
from ivr.settings import Settings
from ivr.sim.harness import SIM_AUTH_TOKEN
from ivr.sim.openai_http_standin import OpenAIHttpStandin
from ivr.sim.twilio_rest_standin import TwilioRestStandin
from schedules.loader import load_schedule
from schedules.migrate import upgrade
from schedules.models import Driver, ScheduleDay, Stop, utcnow

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "schedule-2026-12-01.csv"
MODEL_DELAY_S = 0.3
STARTUP_S = 3.0  # the service is listening and the calls are starting by then


@dataclass
class Standins:
    openai: OpenAIHttpStandin
    twilio: TwilioRestStandin

    @classmethod
    async def start(cls) -> Standins:
        return cls(await OpenAIHttpStandin(delay_s=MODEL_DELAY_S).start(),
                   await TwilioRestStandin(SIM_AUTH_TOKEN).start())

    def urls(self) -> str:
        return f"{self.openai.url} {self.twilio.url}"

    def stats(self) -> dict[str, int]:
        return {"summaries_asked": len(self.openai.requests), "sms_sent": len(self.twilio.messages)}

    async def close(self) -> None:
        await self.openai.close()
        await self.twilio.close()


async def prepare(db_url: str, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings,
                  urls: str, calls: int, rate: float) -> aftercall.AfterCall:
    """Migrate, load the example day, queue `calls` finished calls' work; the worker is not started.

    `rate` > 0: the calls finish `rate` a second from now on (their jobs fall due then, as a live
    service's would); 0: all are due at once, a backlog the worker works through flat out."""
    openai_url, twilio_url = urls.split()
    await upgrade(db_url)
    report = await load_schedule(sessionmaker, EXAMPLE)
    assert report.ok, report.errors
    await _backlog(sessionmaker, calls, rate)
    settings = settings.model_copy(update={
        "openai_base_url": openai_url, "summary_model": "gpt-bench", "sms_enabled": True,
        "sms_from": "+815012345678"})
    return aftercall.build(AfterCallConfig.from_settings(settings), sessionmaker, twilio_api_base=twilio_url,
                           rng=random.Random(0))


async def _backlog(sessionmaker: async_sessionmaker[AsyncSession], calls: int, rate: float) -> None:
    async with sessionmaker.begin() as session:
        stops = (await session.execute(
            select(Stop, Driver, ScheduleDay.date).join(Driver, Driver.id == Stop.driver_id).join(ScheduleDay)
            .where(ScheduleDay.is_current.is_(True), Driver.phone != ""))).all()
        start = utcnow() + dt.timedelta(seconds=STARTUP_S)
        for n in range(calls):
            now = start + dt.timedelta(seconds=n / rate) if rate > 0 else utcnow()
            stop, driver, day = stops[n % len(stops)]
            call = CallRecord(call_sid=f"CAbench{n:06d}", started_at=now, ended_at=now, outcome="served",
                        driver_id=driver.id, schedule_date=day, turn_mode="barge_in", metrics={})
            session.add(call)
            await session.flush()
            await session.execute(insert(CallEventRecord), _events(call.id, stop))
            await session.execute(insert(AfterCallJob), [
                _job(call.id, "summary", {}, now),
                _job(call.id, "sms", {"driver_id": driver.id, "stop_id": stop.id,
                                      "phone_digest": phone_digest(driver.phone)}, now)])


def _events(call_id: int, stop: Stop) -> list[dict[str, Any]]:
    said = [("bot", "お電話ありがとうございます。車番の四桁をお願いします。", {}),
            ("caller", "いちにのさんよん、さとうです", {}),
            ("tool_result", "lookup_driver", {"output": {"status": "matched"}}),
            ("tool_result", "get_next_stop", {"output": {"status": "found"}}),
            ("bot", f"次の届け先は{stop.destination_name_kana}です。住所は{stop.destination_address_kana}。", {}),
            ("caller", "わかりました、ありがとう", {}),
            ("bot", "ありがとうございました。お気をつけて。", {})]
    return [{"call_id": call_id, "seq": i + 1, "at": utcnow(), "kind": k, "text": t, "data": d}
            for i, (k, t, d) in enumerate(said)]


def _job(call_id: int, kind: str, payload: dict[str, Any], now: Any) -> dict[str, Any]:
    return {"call_id": call_id, "kind": kind, "state": "pending", "attempts": 0, "next_attempt_at": now,
            "last_error": "", "payload": payload, "result_text": "", "external_id": "", "delivery_status": "",
            "created_at": now, "updated_at": now}


async def done_counts(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessionmaker() as session:
        rows = await session.execute(select(AfterCallJob.kind, AfterCallJob.state, func.count())
                                     .group_by(AfterCallJob.kind, AfterCallJob.state))
        return {f"{kind}_{state}": int(n) for kind, state, n in rows}
