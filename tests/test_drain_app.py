"""The drain on the real web app in this process (the processes' own tests: test_serve_drain.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
from bridge_support import rig
from process_support import chatty_script, until

from ivr.web.drain import DRAIN, drain_calls


async def test_a_webhook_answered_before_the_drain_holds_it_until_its_call_ends(tmp_path: Path) -> None:
    async with rig(tmp_path, chatty_script, drain_seconds=30) as r:
        call = r.caller()
        assert (await call.dial()).status == 200
        drain = asyncio.ensure_future(drain_calls(r.service.app, tick=0.02))
        try:
            await asyncio.sleep(0.5)
            assert r.service.app[DRAIN].draining
            async with aiohttp.ClientSession() as http, http.get(r.service.url + "/readyz") as resp:
                assert resp.status == 503
                assert await resp.json() == {"status": "draining"}, "no call count for strangers"
            assert not drain.done(), "the drain must wait for the media socket Twilio is about to open"
            await call.connect()
            await until(lambda: call.playout.bytes_received > 0, 10, "the greeting")
            await asyncio.sleep(0.3)
            assert not drain.done(), "the call is in progress"
            await call.hangup()
            await asyncio.wait_for(drain, 5)
        finally:
            drain.cancel()
            await call.close()
        assert r.service.twilio_rest.updates == [], "a call that ended by itself is not handed over"


async def test_a_refused_webhook_does_not_hold_the_drain(tmp_path: Path) -> None:
    async with rig(tmp_path, chatty_script, drain_seconds=30) as r:
        call = r.caller()
        assert (await call.dial(signature="forged")).status == 403
        await asyncio.wait_for(drain_calls(r.service.app), 2)
        await call.close()
