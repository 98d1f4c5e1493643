"""Twilio's REST API fails during a hand-over: the service ends the media stream, so Twilio runs the
TwiML's fallback `<Dial>` after `<Connect>`; the caller is never left in silence.

On real sockets: the twilio SDK's request to the REST stand-in answered with a 500, refused (nothing
listens on the port), or never answered; the hand-over itself is the one a Realtime session that
cannot be reopened forces.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from bridge_support import eventually, fast_config, migrated_sqlite
from test_bridge_e2e import long_answer_script

from ivr.bridge.handover_actions import REST_UPDATE_TIMEOUT_S
from ivr.bridge.transfer import TwilioCallControl
from ivr.sim.harness import (
    SIM_ACCOUNT_SID,
    SIM_AUTH_TOKEN,
    SIM_DISPATCHER,
    SIM_PUBLIC_BASE,
    RunningService,
    sim_settings,
    start_service,
)
from ivr.sim.instances import free_port
from ivr.sim.realtime_standin import RealtimeStandin
from ivr.sim.scripted_conversation import ScriptedFactory
from ivr.sim.twilio_caller import TwilioCaller
from ivr.web.state import STATE

CLOSE_AFTER_FAILURE_S = 2.0  # from a failed update to the stream's end (a loaded machine's allowance)


@asynccontextmanager
async def service(tmp_path: Path, *, rest_refused: bool = False
                  ) -> AsyncIterator[tuple[RealtimeStandin, RunningService, ScriptedFactory]]:
    standin = await RealtimeStandin(long_answer_script).start()
    settings = sim_settings(standin.url, database_url=await migrated_sqlite(tmp_path / "ready.db"))
    factory = ScriptedFactory()
    control = None
    if rest_refused:  # the SDK's requests go to a port nothing listens on: connection refused
        control = TwilioCallControl(SIM_ACCOUNT_SID, SIM_AUTH_TOKEN, SIM_DISPATCHER,
                                    api_base_url=f"http://127.0.0.1:{free_port()}")
    running = await start_service(settings, factory, transfer=control, bridge_config=fast_config())
    try:
        yield standin, running, factory
    finally:
        await running.close()
        await standin.close()


async def _hand_over_with_rest_failing(tmp_path: Path, *, status: int | None) -> None:
    async with service(tmp_path, rest_refused=status is None) as (standin, running, factory):
        if status is not None:
            running.twilio_rest.fail_updates(status)
        caller = TwilioCaller(running.url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE)
        try:
            assert (await caller.dial()).status == 200
            await caller.connect()
            await eventually(lambda: caller.playout.bytes_received > 0, within=10, what="the greeting")
            standin.refuse_new = True
            dropped = time.monotonic()
            await standin.drop_all()  # no session can be had: the dispatcher must take the call

            # The service gives up on the REST update and ends the stream itself.
            await caller.wait_closed(REST_UPDATE_TIMEOUT_S + CLOSE_AFTER_FAILURE_S + 3)
            closed_after = time.monotonic() - dropped
            how = "refused" if status is None else (status or "no answer")
            print(f"drop -> media stream ended with the REST update failing ({how}): {closed_after:.2f} s")
            assert running.twilio_rest.updates == [], "no update was accepted"
            if status is not None:
                (failed,) = running.twilio_rest.failed_updates
                assert failed.call_sid == caller.call_sid and "<Dial>" in failed.form["Twiml"]
            # With the stream ended and the call not updated, Twilio goes on to the TwiML's next verb.
            assert caller.after_stream() == [("Dial", SIM_DISPATCHER)]
            assert caller.protocol_errors == []
            # Nothing is left open, and the call's record is finished with the hand-over.
            await eventually(lambda: all(s.closed.is_set() for s in standin.sessions), within=5,
                             what="the Realtime socket closed")
            conv = factory.calls[caller.call_sid]
            await eventually(lambda: conv.finished.is_set(), within=10, what="the call finished")
            assert conv.outcome == "transferred"
            assert "rest_update_failed" in conv.texts("system")
            await eventually(lambda: not running.app[STATE].bridges, within=5, what="the call's slot freed")
        finally:
            await caller.close()


@pytest.mark.parametrize("status", [500, 503])
async def test_rest_update_answered_with_an_error_ends_the_stream_for_the_fallback_dial(
        tmp_path: Path, status: int) -> None:
    await _hand_over_with_rest_failing(tmp_path, status=status)


async def test_rest_update_refused_ends_the_stream_for_the_fallback_dial(tmp_path: Path) -> None:
    await _hand_over_with_rest_failing(tmp_path, status=None)


async def test_rest_update_never_answered_ends_the_stream_within_its_time_limit(tmp_path: Path) -> None:
    await _hand_over_with_rest_failing(tmp_path, status=0)
