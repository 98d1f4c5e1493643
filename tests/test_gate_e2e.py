"""The ways in, on real sockets: stream tokens across instances, the `start` deadline, the
per-source limits directly and behind a real haproxy (issue 13 findings 1 and 4, issue 11's
stateless instances)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from bridge_support import eventually, fast_config, rig
from sqlalchemy.ext.asyncio import AsyncEngine

from ivr.sim.haproxy import haproxy_in_front, session_from
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE, RunningService, sim_settings, start_service
from ivr.sim.realtime_standin import RealtimeStandin, Reply, Say, Script
from ivr.sim.scripted_conversation import ScriptedFactory
from ivr.sim.twilio_caller import CONNECTED, TwilioCaller
from ivr.web.state import STATE

ATTACKER = "127.0.0.2"
BYSTANDER = "127.0.0.3"
JUNK = "bm90IGEgc2lnbmF0dXJl"


def script() -> Script:
    return Script(greeting=Say("お電話ありがとうございます。", ms=300),
                  replies=[Reply([Say("承知しました。", ms=300)])] * 3, caller_says=["いちにのさんよん"] * 3)


def rejected(service: RunningService, reason: str) -> float:
    return float(service.app[STATE].metrics.calls_rejected.labels(reason)._value.get())


@asynccontextmanager
async def two_instances(engine: AsyncEngine) -> AsyncIterator[tuple[RealtimeStandin, RunningService, RunningService]]:
    """Two apps (as two `ivr serve` processes would be) sharing one database and one auth token."""
    standin = await RealtimeStandin(script).start()
    settings = sim_settings(standin.url)
    a = await start_service(settings, ScriptedFactory(), engine=engine, bridge_config=fast_config())
    b = await start_service(settings, ScriptedFactory(), engine=engine, bridge_config=fast_config())
    try:
        yield standin, a, b
    finally:
        await a.close()
        await b.close()
        await standin.close()


def caller_at(service: RunningService, **kw: object) -> TwilioCaller:
    return TwilioCaller(service.url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE, **kw)  # type: ignore[arg-type]


async def refused_at_start(caller: TwilioCaller) -> None:
    await caller.connect()
    await caller.wait_closed()
    assert caller.playout.bytes_received == 0


async def test_webhook_on_one_instance_socket_on_another_and_a_replay_refused_on_either(engine: AsyncEngine) -> None:
    async with two_instances(engine) as (_, a, b):
        caller = caller_at(a)
        assert (await caller.dial()).status == 200
        caller.server_url = b.url  # the balancer sends the media socket to the other instance
        await caller.connect()
        await eventually(lambda: caller.playout.bytes_received >= 300 * 8, what="greeting from instance B")
        for instance in (a, b):
            replay = caller_at(instance, call_sid=caller.call_sid)
            replay.parameters = dict(caller.parameters)
            await refused_at_start(replay)
            assert rejected(instance, "token_reused") == 1
        await caller.speak(400)  # the live call is untouched by the replays
        await eventually(lambda: caller.playout.bytes_received >= 600 * 8, what="answer")
        await caller.hangup()


async def test_a_tampered_token_for_a_real_call_spends_nothing_and_the_real_stream_then_works(
    engine: AsyncEngine,
) -> None:
    async with two_instances(engine) as (standin, a, b):
        caller = caller_at(a)
        assert (await caller.dial()).status == 200
        token = caller.parameters["token"]
        for forged in ({**caller.parameters, "token": token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")},
                       {**caller.parameters, "from": "+819011112222"},  # the real token, another caller ID
                       {"from": caller.parameters["from"]}):            # no token at all
            attacker = caller_at(b, call_sid=caller.call_sid)
            attacker.parameters = forged
            await refused_at_start(attacker)
        assert rejected(b, "bad_token") == 3 and standin.connections_attempted == 0
        caller.server_url = b.url
        await caller.connect()
        await eventually(lambda: caller.playout.bytes_received >= 300 * 8, what="the genuine stream's greeting")
        await caller.hangup()


async def test_a_replayed_webhook_gets_no_token_and_the_live_call_goes_on(engine: AsyncEngine) -> None:
    async with two_instances(engine) as (_, a, b):
        caller = caller_at(a)
        assert (await caller.dial()).status == 200
        await caller.connect()
        await eventually(lambda: caller.playout.bytes_received >= 300 * 8, what="greeting")
        for instance in (a, b):
            again = caller_at(instance, call_sid=caller.call_sid)
            resp = await again.dial()
            assert resp.status == 200 and "<Stream" not in again.twiml and "token" not in again.twiml
            assert "<Dial><Number>+81312345678</Number></Dial>" in again.twiml
            assert rejected(instance, "repeated_webhook") == 1
            await again.close()
        await caller.speak(400)
        await eventually(lambda: caller.playout.bytes_received >= 600 * 8, what="the live call still answers")
        await caller.hangup()


async def test_an_expired_token_is_refused_before_any_realtime_session_opens(tmp_path: Path) -> None:
    async with rig(tmp_path, script, stream_token_ttl_seconds=1) as r:
        caller = r.caller()
        assert (await caller.dial()).status == 200
        await asyncio.sleep(2.1)  # the token's expiry is a whole second at most 1 s after the webhook
        await caller.open_socket()
        await caller.send(CONNECTED)
        await asyncio.sleep(0.3)  # time enough for a Realtime session to open, if the upgrade opened one
        await refused_at_start(caller)
        assert rejected(r.service, "bad_token") == 1
        assert r.standin.connections_attempted == 0


async def test_a_socket_without_start_is_closed_at_the_deadline_whatever_it_sends(tmp_path: Path) -> None:
    async with rig(tmp_path, script, media_start_seconds=0.5) as r:
        caller = r.caller()
        assert (await caller.dial()).status == 200
        await caller.open_socket()
        await caller.send(CONNECTED)
        for _ in range(60):  # 3 s of frames that are not `start`
            if caller.closed.is_set():
                break
            await caller.send_raw('{"event":"media","media":{"payload":"AAAA"}}')
            await caller.send_raw("not json")
            await asyncio.sleep(0.05)
        assert caller.closed.is_set(), "a socket without `start` outlived its deadline"
        assert rejected(r.service, "no_start") == 1 and r.standin.connections_attempted == 0
        await eventually(lambda: not r.service.app[STATE].bridges, what="its call slot released")
        await caller.close()


async def test_junk_frames_after_start_do_not_keep_a_silent_socket_alive(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ivr.call")
    async with rig(tmp_path, script, media_idle_seconds=0.5) as r:
        caller = await r.call()
        await eventually(lambda: caller.playout.bytes_received >= 300 * 8, what="greeting")
        for _ in range(60):  # 3 s of everything but the caller's audio
            if caller.closed.is_set():
                break
            await caller.send({"event": "mark", "streamSid": caller.stream_sid, "mark": {"name": "nope"}})
            await caller.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
            await caller.send_raw("[]")
            await asyncio.sleep(0.05)
        assert caller.closed.is_set(), "junk frames held the call open"
        assert "closing reason=idle" in caplog.text
        await caller.close()


async def test_signed_requests_from_a_blocked_address_still_get_through(tmp_path: Path) -> None:
    async with rig(tmp_path, script) as r, session_from(ATTACKER) as attacker, session_from(BYSTANDER) as other:
        junk = caller_at(r.service, session=attacker)
        statuses = [(await junk.dial(signature=JUNK)).status for _ in range(21)]
        assert statuses == [403] * 20 + [429]
        assert (await caller_at(r.service, session=other).dial(signature=JUNK)).status == 403  # others unaffected
        genuine = caller_at(r.service, session=attacker)  # Twilio sending from the blocked address
        assert (await genuine.dial()).status == 200
        await genuine.connect()
        await eventually(lambda: genuine.playout.bytes_received >= 300 * 8, what="greeting")
        await genuine.hangup()


async def test_a_copied_upgrade_signature_without_tokens_gets_its_source_refused(tmp_path: Path) -> None:
    """The upgrade signature is the same for every call: a copy opens sockets, never a `start`. Each
    counts, and past 20 the source's upgrades are refused; Twilio's calls go on, and no Realtime
    session is ever opened for the copies."""
    async with rig(tmp_path, script, media_start_seconds=0.3) as r, session_from(ATTACKER) as attacker:
        copies = [caller_at(r.service, session=attacker) for _ in range(20)]
        await asyncio.gather(*(c.open_socket() for c in copies))
        await asyncio.gather(*(c.wait_closed() for c in copies))
        await eventually(lambda: rejected(r.service, "no_start") == 20, what="20 counted")
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await caller_at(r.service, session=attacker).open_socket()
        assert refused.value.status == 429
        genuine = await r.call()
        await eventually(lambda: genuine.playout.bytes_received >= 300 * 8, what="greeting")
        assert r.standin.connections_attempted == 1
        await genuine.hangup()


async def test_behind_a_trusted_haproxy_junk_blocks_the_forged_client_only(tmp_path: Path) -> None:
    async with rig(tmp_path, script, trusted_proxies="127.0.0.1") as r, \
            haproxy_in_front(tmp_path, r.service.url) as lb, session_from(ATTACKER) as attacker, \
            session_from(BYSTANDER) as other, aiohttp.ClientSession() as direct:
        form = caller_at(r.service).webhook_params()
        forged = {"X-Twilio-Signature": JUNK, "X-Forwarded-For": "198.51.100.7"}
        statuses = []
        for _ in range(21):
            async with attacker.post(lb + "/twilio/voice", data=form, headers=forged) as resp:
                statuses.append(resp.status)
        assert statuses == [403] * 20 + [429]
        # A bystander behind the same proxy, even one naming the blocked address, is its own source.
        async with other.post(lb + "/twilio/voice", data=form,
                              headers={"X-Twilio-Signature": JUNK, "X-Forwarded-For": ATTACKER}) as resp:
            assert resp.status == 403
        gate = r.service.app[STATE].gate
        assert gate.bad_signatures.blocked(ATTACKER) and not gate.bad_signatures.blocked("198.51.100.7")
        # The proxy itself (here: requests straight from its address, without the header) is never blocked.
        for _ in range(25):
            async with direct.post(r.service.url + "/twilio/voice", data=form,
                                   headers={"X-Twilio-Signature": JUNK}) as resp:
                assert resp.status == 403
        # Genuine calls through the proxy go on, from the blocked address too.
        for session in (attacker, other):
            caller = TwilioCaller(lb, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE, session=session)
            assert (await caller.dial()).status == 200
            await caller.connect()
            await eventually(lambda c=caller: c.playout.bytes_received >= 300 * 8, what="greeting through haproxy")
            await caller.hangup()
