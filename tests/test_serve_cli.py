"""`ivr serve`: refuses to start half-configured, and starts as a real process when configured."""

from __future__ import annotations

import asyncio
import os
import sys

import aiohttp
import pytest

from ivr.cli import main
from ivr.sim.instances import free_port

BASE_ENV = {
    "PUBLIC_BASE_URL": "https://ivr.example.jp",
    "TWILIO_AUTH_TOKEN": "secret",
    "OPENAI_REALTIME_URL": "ws://127.0.0.1:9/v1",
}


@pytest.mark.parametrize("missing,named", [
    ("PUBLIC_BASE_URL", "PUBLIC_BASE_URL"),
    ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"),
    ("OPENAI_REALTIME_URL", "OPENAI_API_KEY"),
])
def test_serve_refuses_to_start_without(
    missing: str, named: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for var in ("OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", *BASE_ENV):
        monkeypatch.delenv(var, raising=False)
    for var, value in BASE_ENV.items():
        if var != missing:
            monkeypatch.setenv(var, value)
    assert main(["serve", "--port", "1"]) == 2
    assert named in capsys.readouterr().err


def test_serve_refuses_azure_without_key(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for var, value in BASE_ENV.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://example.openai.azure.com")
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    assert main(["serve", "--port", "1"]) == 2
    assert "AZURE_OPENAI_API_KEY" in capsys.readouterr().err


async def test_serve_process_answers_health_and_refuses_unsigned_calls(db_url: str) -> None:
    port, metrics_port = free_port(), free_port()
    env = {**os.environ, **BASE_ENV, "DATABASE_URL": db_url, "METRICS_TOKEN": "scrape-token",
           "METRICS_PORT": str(metrics_port)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ivr.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        assert resp.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                pytest.fail("ivr serve did not start listening")
            async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
                assert resp.status == 200
            async with http.post(f"http://127.0.0.1:{port}/twilio/voice", data={"CallSid": "CA1"}) as resp:
                assert resp.status == 403
            async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
                assert resp.status == 401
            bearer = {"Authorization": "Bearer scrape-token"}
            async with http.get(f"http://127.0.0.1:{port}/metrics", headers=bearer) as resp:
                assert "ivr_calls_rejected_total" in await resp.text()
            async with http.get(f"http://127.0.0.1:{metrics_port}/metrics", headers=bearer) as resp:
                assert 'reason="bad_signature"' in await resp.text()
            async with http.get(f"http://127.0.0.1:{metrics_port}/healthz") as resp:
                assert resp.status == 404  # the metrics listener serves /metrics and nothing else
    finally:
        proc.terminate()
        await proc.wait()
