"""`ivr serve` runs the after-call worker: it refuses a half-configured SMS, finishes work queued
before it started (a restart), answers Twilio's SMS status callbacks only when signed (through the
same signature checker and per-source limits as the voice webhook), and reports the worker's metrics."""

from __future__ import annotations

import asyncio
import os
import socket
import sys

import aiohttp
import pytest
from aftercall_support import jobs, record_call
from twilio.request_validator import RequestValidator

from ivr.aftercall.enqueue import AfterCallEnqueuer
from ivr.cli import main
from ivr.sim.openai_http_standin import OpenAIHttpStandin

BASE_ENV = {
    "PUBLIC_BASE_URL": "https://ivr.example.jp",
    "TWILIO_AUTH_TOKEN": "secret",
    "OPENAI_REALTIME_URL": "ws://127.0.0.1:9/v1",
}


@pytest.mark.parametrize("env, named", [
    ({"SMS_ENABLED": "true", "TWILIO_ACCOUNT_SID": "AC" + "1" * 32}, "SMS_FROM"),
    ({"SMS_ENABLED": "true", "SMS_FROM": "+815012345678"}, "TWILIO_ACCOUNT_SID"),
])
def test_serve_refuses_sms_half_configured(env: dict[str, str], named: str, monkeypatch, capsys) -> None:
    for var in ("TWILIO_ACCOUNT_SID", "SMS_FROM", "SMS_MESSAGING_SERVICE_SID"):
        monkeypatch.delenv(var, raising=False)
    for var, value in {**BASE_ENV, **env}.items():
        monkeypatch.setenv(var, value)
    assert main(["serve", "--port", "1"]) == 2
    assert named in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_serve_finishes_work_queued_before_it_started(sessionmaker, db_url: str) -> None:
    call_id = await record_call(sessionmaker, "CA1", [("caller", "もしもし、道を教えて", {}),
                                                     ("bot", "車番の四桁をお願いします。", {})],
                                driver=None, outcome="hung_up", hook=AfterCallEnqueuer(summaries=True, sms=False))
    openai = await OpenAIHttpStandin(api_key="sk-serve").start()
    port = _free_port()
    env = {**os.environ, **BASE_ENV, "DATABASE_URL": db_url, "OPENAI_API_KEY": "sk-serve",
           "OPENAI_BASE_URL": openai.url, "SUMMARY_MODEL": "gpt-sim-summary", "AFTERCALL_POLL_SECONDS": "0.2",
           "SMS_ENABLED": "true", "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "SMS_FROM": "+815012345678",
           "METRICS_TOKEN": "metrics-token"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ivr.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            if (await jobs(sessionmaker, call_id))["summary"].state == "done":
                break
            await asyncio.sleep(0.05)
        row = (await jobs(sessionmaker, call_id))["summary"]
        assert row.state == "done" and row.result_text.startswith("発信者: 運転者は確認できず")
        assert openai.requests[0].model == "gpt-sim-summary"
        async with aiohttp.ClientSession() as http:
            route = f"http://127.0.0.1:{port}/twilio/sms-status"
            form = {"MessageSid": "SM1", "MessageStatus": "delivered"}
            async with http.post(route, data=form) as resp:
                assert resp.status == 403  # unsigned
            async with http.post(route, data=form, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}) as resp:
                assert resp.status == 403  # signed with the wrong key
            for _ in range(18):  # 20 failures in a minute: the source is refused with 429 from then on
                async with http.post(route, data=form) as resp:
                    assert resp.status == 403
            async with http.post(route, data=form) as resp:
                assert resp.status == 429
            url = "https://ivr.example.jp/twilio/sms-status"
            for status, expected in (("bogus", 400), ("delivered", 204)):  # a signed report is never refused
                signed = {"MessageSid": "SM1", "MessageStatus": status}
                headers = {"X-Twilio-Signature": RequestValidator("secret").compute_signature(url, signed)}
                async with http.post(route, data=signed, headers=headers) as resp:
                    assert resp.status == expected, status
            async with http.get(f"http://127.0.0.1:{port}/metrics",
                                headers={"Authorization": "Bearer metrics-token"}) as resp:
                exposition = await resp.text()
        assert 'ivr_aftercall_jobs_total{kind="summary",result="done"} 1.0' in exposition
        assert 'ivr_aftercall_queue_depth{kind="sms"}' in exposition
        assert 'ivr_calls_rejected_total{reason="source_blocked"} 1.0' in exposition
    finally:
        proc.terminate()
        await proc.wait()
        await openai.close()


def test_a_sender_number_not_in_e164_is_refused_naming_the_variable(monkeypatch, capsys) -> None:
    for var, value in {**BASE_ENV, "SMS_ENABLED": "true", "SMS_FROM": "050-1234-5678"}.items():
        monkeypatch.setenv(var, value)
    assert main(["serve", "--port", "1"]) == 2
    assert "SMS_FROM" in capsys.readouterr().err
