"""SIGTERM on a real `ivr serve`: readiness drops at once, calls finish or are handed over, nothing is cut.

The process talks to the Realtime stand-in and the Twilio REST stand-in over real sockets; the
callers are the Twilio caller simulator; the call records are read back from the database.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
from process_support import call_records, caller, greeted, keep_streaming, serving, stand_ins, turn, until

from ivr.prompts.store import DEFAULT_PROMPTS
from ivr.sim.harness import SIM_DISPATCHER
from ivr.sim.instances import start_serve

DRAIN_S = 4.0


async def test_sigterm_drains_calls_then_hands_the_rest_over_and_exits(db_url: str, tmp_path: Path) -> None:
    async with stand_ins() as sims:
        env = sims.serve_env(db_url, drain_seconds=str(DRAIN_S), media_idle_seconds="60")
        server = await start_serve(env, tmp_path, workers=1)
        finishing, held, late = caller(server.url), caller(server.url), caller(server.url)
        try:
            await server.wait_ready()
            await greeted(finishing)
            await greeted(held)
            streaming = asyncio.gather(keep_streaming(held))  # Twilio streams silence while nobody talks

            server.terminate()
            signalled = time.monotonic()
            async with aiohttp.ClientSession() as http:
                async def ready_status() -> int:
                    async with http.get(server.url + "/readyz") as resp:
                        return resp.status
                status = await ready_status()
                while status == 200 and time.monotonic() - signalled < 1.0:
                    status = await ready_status()
                    await asyncio.sleep(0.02)
                assert status == 503, "readyz must turn 503 as soon as SIGTERM arrives"

            # A webhook that still reaches the draining instance gets its TwiML and is served.
            await greeted(late)
            late_streaming = asyncio.gather(keep_streaming(late))

            # A call in progress goes on to its natural end.
            assert await turn(finishing), "a call in progress must go on after SIGTERM"
            await finishing.hangup()
            assert not sims.updates_for(finishing.call_sid)
            assert server.proc.returncode is None, "the process must wait for the calls still going on"

            # Past DRAIN_SECONDS the rest are handed to the dispatcher with the transfer line.
            await until(lambda: sims.updates_for(held.call_sid) and sims.updates_for(late.call_sid),
                        DRAIN_S + 15, "the hand-overs")
            handed_at = time.monotonic()
            transfer_line = DEFAULT_PROMPTS.snapshot().line("transfer_say")
            for call in (held, late):
                twiml = sims.updates_for(call.call_sid)[0]
                assert f">{SIM_DISPATCHER}</Number></Dial>" in twiml
                assert transfer_line in twiml, "the caller hears the transfer line, never silence"
            assert handed_at - signalled >= DRAIN_S - 0.5
            await held.wait_closed(10)
            await late.wait_closed(10)
            await streaming
            await late_streaming

            assert await server.wait_exit(20) == 0
        finally:
            for call in (finishing, held, late):
                await call.close()
            await server.stop()

    records = await call_records(db_url, [finishing.call_sid, held.call_sid, late.call_sid])
    assert set(records) == {finishing.call_sid, held.call_sid, late.call_sid}
    assert all(r.ended_at is not None for r in records.values()), "every call record is finished"
    assert records[held.call_sid].outcome == "transferred"
    assert records[late.call_sid].outcome == "transferred"
    assert records[finishing.call_sid].outcome not in ("transferred", "in_progress")
    assert "drain" in server.log() and "handing them to the dispatcher" in server.log()


async def test_sigterm_with_no_call_exits_at_once(db_url: str, tmp_path: Path) -> None:
    async with serving(db_url, tmp_path, workers=2) as (_, server):
        started = time.monotonic()
        server.terminate()
        assert await server.wait_exit(15) == 0
        assert time.monotonic() - started < 10, "an idle instance must not wait DRAIN_SECONDS"
