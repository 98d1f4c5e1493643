"""No secret, phone number, name or transcript fragment in the logs (issue 13, finding 7): from a bad
setting, from a whole call served by `ivr serve` at LOG_LEVEL=DEBUG (its after-call summary
included), from a failing media loop."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from bridge_support import eventually, rig
from guidance_support import TODAY_ROWS, load_rows
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall.models import AfterCallJob
from ivr.cli import main
from ivr.log_setup import configure_logging
from ivr.records.models import CallRecord
from ivr.settings import SettingsError, load_settings
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_DISPATCHER, SIM_PUBLIC_BASE
from ivr.sim.instances import free_port
from ivr.sim.openai_http_standin import OpenAIHttpStandin
from ivr.sim.realtime_standin import RealtimeStandin, Say, Script
from ivr.sim.scenarios import play_call, served_with_correction
from ivr.sim.scripted_conversation import ScriptedFactory
from ivr.sim.twilio_caller import TwilioCaller

DB_PASSWORD = "Pw-never-in-logs-42"
API_KEY = "sk-sim-never-in-logs"
CALLER = "+819012345678"


def test_a_bad_setting_names_the_variable_but_never_prints_a_secret() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(database_url=f"mysql://ivr:{DB_PASSWORD}@db.internal/ivr",
                      openai_realtime_url=f"ftp://u:{DB_PASSWORD}@h/v1?api-key={API_KEY}",
                      twilio_auth_token={"value": "auth-token-never-in-logs"})
    message = str(err.value)
    assert "DATABASE_URL" in message and "OPENAI_REALTIME_URL" in message and "TWILIO_AUTH_TOKEN" in message
    assert "mysql://ivr:***@db.internal/ivr" in message  # where the mistake is stays visible
    for secret in (DB_PASSWORD, API_KEY, "auth-token-never-in-logs"):
        assert secret not in message


def test_the_command_line_prints_a_bad_database_url_without_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgres://ivr:{DB_PASSWORD}@db/ivr")
    assert main(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "DATABASE_URL" in err and DB_PASSWORD not in err


def test_libraries_stay_at_warning_at_debug_unless_named() -> None:
    configure_logging("DEBUG", handlers=[])
    try:
        for name in ("websockets.client", "aiohttp.access", "openai", "httpx", "twilio.http_client", "asyncio",
                     "aiosqlite", "sqlalchemy.engine.Engine", "some.new.library",
                     "openai._base_client", "twilio.async_http_client"):  # the after-call SDKs' request logs
            assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name
        assert logging.getLogger("ivr.web").getEffectiveLevel() == logging.DEBUG
        configure_logging("INFO", "websockets=DEBUG, openai = info", handlers=[])
        assert logging.getLogger("websockets.client").getEffectiveLevel() == logging.DEBUG
        assert logging.getLogger("openai").getEffectiveLevel() == logging.INFO
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    finally:
        configure_logging("INFO", "websockets=WARNING,openai=WARNING", handlers=[])
    with pytest.raises(SettingsError, match="LOG_LEVELS"):
        load_settings(log_levels="websockets:DEBUG")


def _today_rows() -> list[str]:
    today = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
    return [row.replace("2026-12-01", today, 1) for row in TODAY_ROWS]


async def test_a_call_served_by_ivr_serve_at_debug_logs_nothing_personal_or_secret(
    db_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """The whole stack at LOG_LEVEL=DEBUG, as an operator chasing a bug would run it: real process,
    real settings, a real schedule, the driver identified, a question answered, goodbye."""
    await load_rows(sessionmaker, tmp_path / "today.csv", _today_rows())
    url = make_url(db_url)
    if url.drivername.startswith("postgresql"):  # trust auth ignores it; the URL still carries it
        db_url = url.set(password=DB_PASSWORD).render_as_string(hide_password=False)
    scenario = served_with_correction("いちにのさんご", "いちにのさんよん", "さとう けんいち", "駐車場はどこですか")
    scenario.speech_scale = 0.35
    standin = await RealtimeStandin(scenario.script).start()
    summaries = await OpenAIHttpStandin(api_key=API_KEY).start()  # the after-call summary's model
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "OPENAI_API_KEY": API_KEY, "OPENAI_REALTIME_URL": standin.url,
           "OPENAI_BASE_URL": summaries.url,
           "TWILIO_AUTH_TOKEN": SIM_AUTH_TOKEN, "PUBLIC_BASE_URL": SIM_PUBLIC_BASE,
           "DISPATCHER_NUMBER": SIM_DISPATCHER, "LOG_LEVEL": "DEBUG", "METRICS_TOKEN": "metrics-never-in-logs"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ivr.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    caller = TwilioCaller(f"http://127.0.0.1:{port}", auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE,
                          from_number=CALLER)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(150):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz"):
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
        await play_call(caller, scenario, within=30)

        async def ended() -> bool:
            async with sessionmaker() as session:
                found = await session.execute(select(CallRecord.ended_at).where(CallRecord.call_sid == caller.call_sid))
                return found.scalar() is not None

        async def summarized() -> bool:
            async with sessionmaker() as session:
                found = await session.execute(
                    select(AfterCallJob.state).join(CallRecord, CallRecord.id == AfterCallJob.call_id)
                    .where(CallRecord.call_sid == caller.call_sid, AfterCallJob.kind == "summary"))
                return found.scalar() == "done"

        for _ in range(200):  # the service finishes the record just after the call ends, then summarizes it
            if await ended() and await summarized():
                break
            await asyncio.sleep(0.025)
    finally:
        await caller.close()
        await standin.close()
        await summaries.close()
        proc.terminate()
        _, err = await proc.communicate()
    log = err.decode()
    async with sessionmaker() as session:
        call = (await session.execute(select(CallRecord).where(CallRecord.call_sid == caller.call_sid))).scalar_one()
    assert call.outcome == "served"  # the call really went through identification and the schedule
    assert len(summaries.requests) == 1  # and its transcript went to the summary model
    assert f"call={caller.call_sid}" in log  # the log is there and carries the call id
    token = caller.parameters["token"]
    for secret in (SIM_AUTH_TOKEN, API_KEY, DB_PASSWORD, "metrics-never-in-logs", token, CALLER, "9012345678",
                   "090-1111-0001", "佐藤", "サトウ", "さとう", "ケンイチ", "けんいち", "いちにのさん", "駐車場",
                   "有明", "アリアケ", "お電話ありがとうございます", "パレット"):
        assert secret not in log, f"{secret!r} in the log:\n{log[-3000:]}"


class _ExplodingFactory(ScriptedFactory):
    async def __call__(self, ctx):  # type: ignore[no-untyped-def]
        raise ValueError(f"driver 佐藤 健一 {ctx.caller_phone} not found")


async def test_a_failing_media_loop_logs_the_type_and_call_id_without_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with rig(tmp_path, lambda: Script(greeting=Say("はい", ms=100)), factory=_ExplodingFactory()) as r:
        caller = r.caller(from_number=CALLER)
        assert (await caller.dial()).status == 200
        await caller.connect()
        await caller.wait_closed()
        await eventually(lambda: "media loop failed" in caplog.text, what="the failure logged")
    failures = [rec for rec in caplog.records if "media loop failed" in rec.getMessage()]
    assert len(failures) == 1 and failures[0].exc_info is None and failures[0].exc_text is None
    assert f"call={caller.call_sid}" in failures[0].getMessage() and "ValueError at" in failures[0].getMessage()
    assert "佐藤" not in caplog.text and CALLER not in caplog.text and "9012345678" not in caplog.text
