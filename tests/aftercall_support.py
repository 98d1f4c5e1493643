"""Shared by the after-call tests: recorded calls on the real schedule, and the stand-ins' settings."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from guidance_support import DAY
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall.enqueue import FinishHook
from ivr.aftercall.models import AfterCallJob
from ivr.config import AfterCallConfig
from ivr.log_setup import NOISY_LIBRARIES, OWN_LOGGERS, configure_logging
from ivr.records.models import CallRecord
from ivr.records.outcome import Outcome
from ivr.records.recorder import CallRecorder
from ivr.settings import Settings, load_settings
from ivr.sim.harness import SIM_ACCOUNT_SID, SIM_AUTH_TOKEN, SIM_PUBLIC_BASE
from schedules.models import Driver, ScheduleDay, Stop

SATO_CALLER_ID = "+819011110001"  # 佐藤 健一's phone on file is 090-1111-0001
SMS_FROM = "+815012345678"


def aftercall_settings(openai_url: str | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "openai_api_key": "sk-sim", "openai_base_url": openai_url, "summary_model": "gpt-sim-summary",
        "summary_timeout_seconds": 2.0, "twilio_account_sid": SIM_ACCOUNT_SID, "twilio_auth_token": SIM_AUTH_TOKEN,
        "public_base_url": SIM_PUBLIC_BASE, "sms_enabled": True, "sms_from": SMS_FROM,
        "aftercall_backoff_seconds": 0.01, "aftercall_backoff_max_seconds": 0.05, "aftercall_poll_seconds": 0.05,
    }
    values.update(overrides)
    return load_settings(**values)


def aftercall_config(openai_url: str | None = None, **overrides: Any) -> AfterCallConfig:
    return AfterCallConfig.from_settings(aftercall_settings(openai_url, **overrides))


@contextmanager
def service_logging(level: str) -> Iterator[None]:
    """The logger levels `ivr serve` sets at LOG_LEVEL=`level` (libraries at WARNING), put back after."""
    names = ("", *OWN_LOGGERS, *NOISY_LIBRARIES)
    saved = {name: logging.getLogger(name).level for name in names}
    configure_logging(level, handlers=[])
    try:
        yield
    finally:
        for name, value in saved.items():
            logging.getLogger(name).setLevel(value)


async def driver_id(sessionmaker: async_sessionmaker[AsyncSession], name: str) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(Driver.id).where(Driver.name == name))).scalar_one())


async def heard_stop(sessionmaker: async_sessionmaker[AsyncSession], name: str,
                     seq: int = 1) -> tuple[int, dict[str, str]]:
    """A stop's id and the kana `get_next_stop` gives the model for it."""
    async with sessionmaker() as session:
        stop = (await session.execute(
            select(Stop).join(Driver, Driver.id == Stop.driver_id).join(ScheduleDay)
            .where(Driver.name == name, Stop.stop_seq == seq, ScheduleDay.date == DAY, ScheduleDay.is_current.is_(True))
        )).scalar_one()
    return stop.id, {"order_kana": "イッケンメ", "destination_name_kana": stop.destination_name_kana,
                     "address_kana": stop.destination_address_kana, "window_kana": stop.window_kana,
                     "cargo_kana": stop.cargo_kana, "notes_kana": stop.notes_kana}


def served_lines(stop_kana: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    """A served call as the bridge records it: greeting, number and name, lookup, the stop read."""
    return [
        ("bot", "お電話ありがとうございます。車番の四桁をお願いします。", {}),
        ("caller", "いちにのさんよん、佐藤健一です", {}),
        ("tool_call", "lookup_driver", {"name": "lookup_driver", "arguments": '{"vehicle_number": "1234"}'}),
        ("tool_result", "lookup_driver", {"name": "lookup_driver", "output": {"status": "matched",
                                                                             "driver_name_kana": "サトウ ケンイチ"}}),
        ("bot", "サトウ ケンイチさんですね。", {}),
        ("tool_result", "get_next_stop", {"name": "get_next_stop",
                                          "output": {"status": "found", "stop": stop_kana, "instruction": "…"}}),
        ("bot", f"次の届け先は{stop_kana['destination_name_kana']}です。", {}),
        ("caller", "折り返しは09011110001にください", {}),
        ("system", "dtmf", {"digit": "5"}),
    ]


async def record_call(sessionmaker: async_sessionmaker[AsyncSession], sid: str,
                      lines: list[tuple[str, str, dict[str, Any]]], *, driver: int | None,
                      outcome: str = Outcome.SERVED,
                      hook: FinishHook | None = None, caller_phone: str | None = SATO_CALLER_ID) -> int:
    rec = CallRecorder(sessionmaker, sid)
    await rec.start(turn_mode="barge_in", schedule_date=DAY)
    for kind, text, data in lines:
        rec.add(kind, text, data)
    also = partial(hook, caller_phone=caller_phone) if hook is not None else None
    await rec.finish(outcome=Outcome(outcome), driver_id=driver, lookup_failures=0, also=also)
    assert rec.call_id is not None
    return rec.call_id


@dataclass
class JobRow:
    kind: str
    state: str
    attempts: int
    last_error: str
    payload: dict[str, Any]
    result_text: str
    external_id: str
    delivery_status: str


async def jobs(sessionmaker: async_sessionmaker[AsyncSession], call_id: int | None = None) -> dict[str, JobRow]:
    async with sessionmaker() as session:
        stmt = select(AfterCallJob).order_by(AfterCallJob.id)
        if call_id is not None:
            stmt = stmt.where(AfterCallJob.call_id == call_id)
        rows = (await session.execute(stmt)).scalars().all()
    return {r.kind: JobRow(r.kind, r.state, r.attempts, r.last_error, dict(r.payload or {}), r.result_text,
                           r.external_id, r.delivery_status) for r in rows}


async def call_row(sessionmaker: async_sessionmaker[AsyncSession], call_id: int) -> CallRecord:
    async with sessionmaker() as session:
        call = await session.get(CallRecord, call_id)
    assert call is not None
    return call

