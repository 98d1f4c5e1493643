"""Two `ivr serve` instances on one PostgreSQL database behind a real haproxy.

haproxy's configuration is the production one plus a routing rule the test controls (see
`ivr.sim.haproxy`): each simulated call's webhook and media socket go to the instance named in
its headers, so the test decides whether both land on one instance or on two. Stream tokens are
issued by the webhook's instance and spent in the shared database by the socket's, so a call is
served whichever instance takes which half.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from process_support import StandIns, call_records, caller, greeted, keep_streaming, stand_ins, turn
from sqlalchemy import select

from ivr.records.models import CallEventRecord, CallRecord
from ivr.sim.haproxy import HAProxy, haproxy_config, route_headers, start_haproxy
from ivr.sim.harness import SIM_DISPATCHER
from ivr.sim.instances import ServeProcess, free_port, start_serve
from ivr.sim.twilio_caller import TwilioCaller
from schedules.db import make_engine, make_sessionmaker

CALLS = 50
PROXY = "127.0.0.1"  # haproxy's address: its X-Forwarded-For is believed (TRUSTED_PROXIES)
OTHER = {"a": "b", "b": "a"}


@dataclass
class Cluster:
    sims: StandIns
    instances: dict[str, ServeProcess]
    proxy: HAProxy
    database_url: str
    log_dir: Path

    def call(self, voice: str | None = None, media: str | None = None) -> TwilioCaller:
        """A call through haproxy: webhook on `voice`, socket on `media` (None: haproxy's round robin)."""
        headers = route_headers(voice, media) if voice and media else None
        return caller(self.proxy.url, headers)

    async def calls_active(self, name: str) -> float:
        async with aiohttp.ClientSession() as http:
            text = await self.instances[name].metrics(http)
        return float(next(line.split()[1] for line in text.splitlines() if line.startswith("ivr_calls_active ")))

    def webhooks_answered_by(self, name: str, calls: list[TwilioCaller]) -> bool:
        """Each call's webhook was answered by instance `name` (its log names the CallSid)."""
        log = self.instances[name].log()
        return all(f"call={c.call_sid} webhook accepted" in log for c in calls)

    async def restart(self, name: str) -> None:
        old = self.instances[name]
        env = self.sims.serve_env(self.database_url, media_idle_seconds="120", trusted_proxies=PROXY)
        self.instances[name] = await start_serve(env, self.log_dir, name=f"{name}-2", port=old.port)
        await self.instances[name].wait_ready()


@pytest.fixture
async def cluster(pg_url: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    async with stand_ins() as sims:
        env = sims.serve_env(pg_url, media_idle_seconds="120", drain_seconds="60", trusted_proxies=PROXY)
        instances = {name: await start_serve(env, tmp_path, name=name, workers=1) for name in ("a", "b")}
        proxy = None
        try:
            await asyncio.gather(*(i.wait_ready() for i in instances.values()))
            port, stats = free_port(), free_port()
            config = haproxy_config(port, {n: i.port for n, i in instances.items()}, stats_port=stats)
            proxy = await start_haproxy(config, tmp_path, port, stats)
            for name in instances:
                await proxy.wait_server_status(name, "UP")
            yield Cluster(sims, instances, proxy, pg_url, tmp_path)
        finally:
            if proxy is not None:
                await proxy.close()
            for instance in instances.values():  # graceful stops are what the tests themselves check
                await instance.stop(graceful=False)


async def hang_up_all(calls: list[TwilioCaller]) -> None:
    for call in calls:
        await call.close()


async def test_fifty_calls_on_two_instances_and_one_killed_mid_call(cluster: Cluster) -> None:
    # calls[name]: media socket on `name`, webhook on the other instance.
    calls = {name: [cluster.call(OTHER[name], name) for _ in range(CALLS // 2)] for name in ("a", "b")}
    everyone = calls["a"] + calls["b"]
    try:
        for batch in range(0, CALLS, 10):  # as calls arrive at a depot: not all in the same millisecond
            await asyncio.gather(*(greeted(c) for c in everyone[batch:batch + 10]))
        # Webhooks and WebSocket upgrades passed through haproxy to the instance each was sent to:
        # every call's socket is on the instance that did not answer its webhook.
        assert await cluster.calls_active("a") == CALLS // 2
        assert await cluster.calls_active("b") == CALLS // 2
        assert cluster.webhooks_answered_by("b", calls["a"]) and cluster.webhooks_answered_by("a", calls["b"])

        streaming = [asyncio.ensure_future(keep_streaming(c)) for c in calls["a"]]
        await asyncio.sleep(0.5)
        cluster.instances["a"].kill()  # kill -9, mid-call

        # A's callers: the stream ends, and with no REST update Twilio goes on to the TwiML's fallback.
        await asyncio.gather(*(c.wait_closed(15) for c in calls["a"]))
        await asyncio.gather(*streaming)
        for call in calls["a"]:
            assert call.after_stream() == [("Dial", SIM_DISPATCHER)]
            assert cluster.sims.updates_for(call.call_sid) == []
        assert await cluster.instances["a"].wait_exit(5) != 0

        # B's callers never noticed: each goes on talking, hears the answer, and hangs up normally.
        answered = await asyncio.gather(*(turn(c) for c in calls["b"]))
        assert all(answered), f"{answered.count(False)} of B's calls got no answer after A was killed"
        assert not any(c.closed.is_set() for c in calls["b"])
        assert all(c.protocol_errors == [] for c in calls["b"])
        # ...and kept their first Realtime session: no call of B's was reopened, re-greeted or moved.
        assert len(cluster.sims.realtime.sessions) == CALLS
        for call in calls["b"]:
            await call.hangup()
    finally:
        await hang_up_all(everyone)

    b_sids = [c.call_sid for c in calls["b"]]
    records = await until_records_finished(cluster.database_url, b_sids)
    assert {r.outcome for r in records.values()} <= {"hung_up", "served"}
    assert all(cluster.sims.updates_for(sid) == [] for sid in b_sids), "nothing was handed over on B"
    # What A had written before it was killed stays (each call's row and its greeting line); nothing
    # could finish those records, and nothing pretends to.
    a_sids = [c.call_sid for c in calls["a"]]
    lines = await event_kinds(cluster.database_url, a_sids)
    assert set(lines) == set(a_sids) and all("bot" in kinds for kinds in lines.values())
    a_records = await call_records(cluster.database_url, a_sids)
    assert {r.outcome for r in a_records.values()} == {"in_progress"}


async def event_kinds(database_url: str, call_sids: list[str]) -> dict[str, list[str]]:
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = (await session.execute(
                select(CallRecord.call_sid, CallEventRecord.kind).join(CallEventRecord)
                .where(CallRecord.call_sid.in_(call_sids)).order_by(CallEventRecord.seq))).all()
    finally:
        await engine.dispose()
    kinds: dict[str, list[str]] = {}
    for sid, kind in rows:
        kinds.setdefault(sid, []).append(kind)
    return kinds


async def until_records_finished(database_url: str, call_sids: list[str], within: float = 10.0) -> dict:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        records = await call_records(database_url, call_sids)
        if len(records) == len(call_sids) and all(r.ended_at is not None for r in records.values()):
            return records
        if asyncio.get_running_loop().time() > deadline:
            unfinished = [s for s in call_sids if s not in records or records[s].ended_at is None]
            raise AssertionError(f"{len(unfinished)} call records not finished")
        await asyncio.sleep(0.2)


async def test_rolling_restart_behind_haproxy_drops_no_call(cluster: Cluster) -> None:
    on_a = [cluster.call("a", "a") for _ in range(4)]
    later: list[TwilioCaller] = []
    try:
        await asyncio.gather(*(greeted(c) for c in on_a))
        cluster.instances["a"].terminate()  # SIGTERM: A drains
        await cluster.proxy.wait_server_status("a", "DOWN")  # its /readyz turned 503

        # New calls through the round robin now land on B only, webhook and socket alike.
        later = [cluster.call() for _ in range(4)]
        await asyncio.gather(*(greeted(c) for c in later))
        assert await cluster.calls_active("b") == len(later)

        # A's calls go on to their natural end; then A exits by itself, cleanly.
        assert all(await asyncio.gather(*(turn(c) for c in on_a)))
        for call in on_a:
            await call.hangup()
        assert await cluster.instances["a"].wait_exit(20) == 0

        # A comes back; haproxy takes it in again once its /readyz answers.
        await cluster.restart("a")
        await cluster.proxy.wait_server_status("a", "UP")
        back = cluster.call("a", "a")
        later.append(back)
        await greeted(back)
        assert all(await asyncio.gather(*(turn(c) for c in later)))
        for call in later:
            await call.hangup()
    finally:
        await hang_up_all(on_a + later)

    records = await until_records_finished(cluster.database_url, [c.call_sid for c in on_a + later])
    assert all(r.outcome != "transferred" for r in records.values())
    assert all(cluster.sims.updates_for(c.call_sid) == [] for c in on_a), "no call needed handing over"


async def test_webhook_on_one_instance_and_media_socket_on_the_other(cluster: Cluster) -> None:
    crossed = [cluster.call("a", "b"), cluster.call("b", "a"), cluster.call("a", "b"), cluster.call("b", "a")]
    try:
        await asyncio.gather(*(greeted(c) for c in crossed))
        assert await cluster.calls_active("a") == 2 and await cluster.calls_active("b") == 2
        assert cluster.webhooks_answered_by("a", crossed[0::2]) and cluster.webhooks_answered_by("b", crossed[1::2])
        assert not cluster.webhooks_answered_by("b", crossed[0::2][:1])
        assert all(await asyncio.gather(*(turn(c) for c in crossed)))
        for call in crossed:
            await call.hangup()
    finally:
        await hang_up_all(crossed)
    records = await until_records_finished(cluster.database_url, [c.call_sid for c in crossed])
    assert all(r.outcome != "transferred" for r in records.values()), "no call fell to the dispatcher"
    assert all(cluster.sims.updates_for(c.call_sid) == [] for c in crossed)
    # haproxy's X-Forwarded-For was believed (TRUSTED_PROXIES), or each instance would say so once.
    assert not any("TRUSTED_PROXIES does not list it" in i.log() for i in cluster.instances.values())

