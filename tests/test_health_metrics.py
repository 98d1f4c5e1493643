"""What a stranger learns from /healthz, /readyz and /metrics (issue 13, finding 6): yes or no, and
nothing at all from /metrics without its token."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
from bridge_support import METRICS_TOKEN, rig

from ivr.settings import load_settings
from ivr.sim.local_site import start_local_site
from ivr.sim.realtime_standin import Script
from ivr.web.health import create_metrics_app

BEARER = {"Authorization": f"Bearer {METRICS_TOKEN}"}


async def test_metrics_need_the_bearer_token_on_the_public_port(tmp_path: Path) -> None:
    async with rig(tmp_path, Script) as r, aiohttp.ClientSession() as http:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {METRICS_TOKEN}"},
                        {"Authorization": f"Bearer {METRICS_TOKEN}x"}):
            async with http.get(r.service.url + "/metrics", headers=headers) as resp:
                assert resp.status == 401
                assert "ivr_" not in await resp.text()
        async with http.get(r.service.url + "/metrics", headers=BEARER) as resp:
            assert resp.status == 200 and "ivr_calls_rejected_total" in await resp.text()


async def test_without_a_token_the_public_port_has_no_metrics_and_the_metrics_port_has_only_them(
    tmp_path: Path,
) -> None:
    async with rig(tmp_path, Script, metrics_token=None) as r, aiohttp.ClientSession() as http:
        async with http.get(r.service.url + "/metrics") as resp:
            assert resp.status == 404 and "ivr_" not in await resp.text()
        runner, port = await start_local_site(create_metrics_app(r.service.app))
        try:
            async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
                assert resp.status == 200 and "ivr_calls_active" in await resp.text()
            for path in ("/healthz", "/readyz", "/twilio/voice"):
                async with http.get(f"http://127.0.0.1:{port}{path}") as resp:
                    assert resp.status in (404, 405)
        finally:
            await runner.cleanup()


async def test_health_and_readiness_say_yes_or_no_and_nothing_names_the_stack(tmp_path: Path) -> None:
    async with rig(tmp_path, Script) as r, aiohttp.ClientSession() as http:
        await (await r.call()).hangup()  # a call has been made: its count must not show
        async with http.get(r.service.url + "/healthz") as resp:
            assert resp.status == 200 and await resp.text() == "ok"
            assert "Server" not in resp.headers
        async with http.get(r.service.url + "/readyz") as resp:
            assert resp.status == 200 and json.loads(await resp.text()) == {"status": "ready"}
            assert "Server" not in resp.headers
        async with http.post(r.service.url + "/twilio/voice", data={"CallSid": "CA1"}) as resp:
            assert resp.status == 403 and "Server" not in resp.headers
        async with http.get(r.service.url + "/nowhere") as resp:
            assert resp.status == 404 and "Server" not in resp.headers


async def test_an_unready_database_is_named_in_the_log_not_to_the_prober(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    from ivr.web.state import STATE
    from schedules.db import make_engine

    async with rig(tmp_path, Script) as r, aiohttp.ClientSession() as http:
        r.service.app[STATE].engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/missing/dir/x.db")
        for _ in range(3):
            async with http.get(r.service.url + "/readyz") as resp:
                assert resp.status == 503 and json.loads(await resp.text()) == {"status": "not ready"}
        assert caplog.text.count("not ready: database OperationalError") == 1  # once, not per probe


def test_an_empty_metrics_token_in_a_env_file_means_no_token() -> None:
    """`METRICS_TOKEN=` copied from env.example must not become a token an empty bearer matches."""
    settings = load_settings(metrics_token="", metrics_port="", stream_token_secret=" ")
    assert settings.metrics_token is None and settings.metrics_port is None and settings.stream_token_secret is None
