"""Identification limits across calls (issue 13, finding 2: "limits don't help"): per plate serial and
per caller number, in the shared database, on both backends; the caller's number kept only as a
keyed hash; the alert in the metrics and in the console's query; and on real sockets through the
web service."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from guidance_support import DAY, load_days
from prometheus_client import CollectorRegistry
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.config import GuidanceConfig
from ivr.conversation import CallContext
from ivr.guidance.conversation import GuidanceConversation
from ivr.guidance.deps import GuidanceDeps
from ivr.guidance.factory import build_factory
from ivr.guidance.ident_metrics import IdentMetrics
from ivr.prompts.store import PromptStore
from ivr.settings import load_settings
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE, sim_settings, start_service
from ivr.sim.realtime_standin import RealtimeStandin
from ivr.sim.scenarios import play_call, verify_path
from ivr.sim.twilio_caller import TwilioCaller
from lookup.attempt_ledger import AttemptLedger, AttemptLimits, IdentAttemptRow, IdentLockoutRow
from lookup.caller_key import WITHHELD, caller_key, caller_reference, derive_key
from lookup.tripped_limits import tripped_limits
from schedules.search.embedded import EmbeddedSearch

KEY = derive_key("a service secret")
SATO_PHONE = "+819011110001"  # 佐藤 健一's own phone (090-1111-0001 on file)
STRANGER = "+819077770000"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def deps_with(sessionmaker: async_sessionmaker[AsyncSession], limits: AttemptLimits,
              metrics: IdentMetrics | None = None) -> GuidanceDeps:
    """An instance's deps: its own ledger object (and prune timer) on the shared database."""
    config = GuidanceConfig.from_settings(load_settings(caller_hash_secret="a service secret"))
    deps = GuidanceDeps.build(config, sessionmaker, today=lambda: DAY, prompts=PromptStore(),
                              search=EmbeddedSearch(sessionmaker))
    return dataclasses.replace(deps, ledger=AttemptLedger(sessionmaker, limits), metrics=metrics or deps.metrics)


async def lookup(conv: GuidanceConversation, vehicle: str, name: str) -> dict[str, Any]:
    args = json.dumps({"vehicle_number": vehicle, "driver_name": name}, ensure_ascii=False)
    return (await conv.run_tool("lookup_driver", args)).output


async def call(deps: GuidanceDeps, sid: str, phone: str | None = STRANGER) -> GuidanceConversation:
    return await GuidanceConversation.start(CallContext(call_sid=sid, caller_phone=phone), deps)


# ----- the caller's number is a keyed hash --------------------------------------------------------

def test_a_callers_key_is_a_keyed_hash_of_one_canonical_form() -> None:
    assert caller_key("+819011110001", KEY) == caller_key("090-1111-0001", KEY) == caller_key("09011110001", KEY)
    assert caller_key("+819011110001", KEY) != caller_key("+819011110002", KEY)
    assert caller_key("+819011110001", KEY) != caller_key("+819011110001", derive_key("another secret"))
    assert "09011110001" not in caller_key("+819011110001", KEY) and len(caller_key("+819011110001", KEY)) == 64
    assert caller_key(None, KEY) == caller_key("", KEY) == caller_key("anonymous", KEY) == WITHHELD
    assert caller_key("+819011110001", None) == ""  # no secret: no per-caller count, never a plain hash
    assert caller_reference(caller_key("+819011110001", KEY)) == caller_key("+819011110001", KEY)[:8]


# ----- the ledger, on both databases --------------------------------------------------------------

async def test_failures_lock_a_plate_at_its_limit_and_the_lock_lifts_with_the_window(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock()
    ledger = AttemptLedger(sessionmaker, AttemptLimits(per_plate=3, per_caller=100, window_s=600), clock=clock)
    for n in range(2):
        assert await ledger.record_failure(call_sid=f"CA{n}", serial="1234", caller_key=f"k{n}",
                                           outcome="not_found") == []
        clock.now += 60
    assert await ledger.locked(serial="1234", caller_key="other") is None
    trips = await ledger.record_failure(call_sid="CA2", serial="1234", caller_key="k2", outcome="confirm")
    assert [(t.kind, t.failures) for t in trips] == [("plate", 3)]
    assert trips[0].until_at == int(clock.now - 120) + 600  # when the oldest of the three ages out
    assert await ledger.locked(serial="1234", caller_key="anyone") == "plate"
    assert await ledger.locked(serial="5678", caller_key="anyone") is None
    # A fourth failure while locked trips nothing again: one alert per lock.
    assert await ledger.record_failure(call_sid="CA3", serial="1234", caller_key="k3", outcome="invalid") == []
    clock.now += 600
    assert await ledger.locked(serial="1234", caller_key="anyone") is None


async def test_a_callers_failures_across_plates_lock_that_caller(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    ledger = AttemptLedger(sessionmaker, AttemptLimits(per_plate=100, per_caller=2, window_s=600), clock=Clock())
    await ledger.record_failure(call_sid="CA1", serial="1234", caller_key="kx", outcome="not_found")
    trips = await ledger.record_failure(call_sid="CA2", serial=None, caller_key="kx", outcome="invalid")
    assert [t.kind for t in trips] == ["caller"]
    assert await ledger.locked(serial="9999", caller_key="kx") == "caller"
    assert await ledger.locked(serial="9999", caller_key="ky") is None


async def test_a_confirm_the_call_then_proved_is_forgiven(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    ledger = AttemptLedger(sessionmaker, AttemptLimits(per_plate=2, per_caller=100, window_s=600), clock=Clock())
    await ledger.record_failure(call_sid="CAdriver", serial="1234", caller_key="k", outcome="confirm")
    await ledger.forgive("CAdriver")
    await ledger.record_failure(call_sid="CAother", serial="1234", caller_key="k2", outcome="not_found")
    assert await ledger.locked(serial="1234", caller_key="") is None


async def test_the_console_lists_tripped_limits_without_a_number(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock()
    ledger = AttemptLedger(sessionmaker, AttemptLimits(per_plate=1, per_caller=1, window_s=600), clock=clock)
    before = dt.datetime.fromtimestamp(clock.now, dt.UTC)
    key = caller_key(STRANGER, KEY)
    await ledger.record_failure(call_sid="CAtrip", serial="1234", caller_key=key, outcome="not_found")
    found = await tripped_limits(sessionmaker, before)
    assert sorted((t.kind, t.subject, t.failures, t.call_sid) for t in found) == [
        ("caller", key[:8], 1, "CAtrip"), ("plate", "1234", 1, "CAtrip")]
    assert all(t.tripped_at == before and t.active(before) and not t.active(t.until) for t in found)
    assert await tripped_limits(sessionmaker, before + dt.timedelta(seconds=1)) == []
    async with sessionmaker() as session:
        rows = [*(await session.execute(select(IdentAttemptRow))).scalars(),
                *(await session.execute(select(IdentLockoutRow))).scalars()]
    stored = json.dumps([{c: str(getattr(r, c)) for c in r.__table__.columns.keys()} for r in rows])
    assert "9077770000" not in stored and "09077770000" not in stored


# ----- across calls, through the conversation ----------------------------------------------------

async def test_a_new_call_does_not_start_afresh(sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    """The reported bypass: three attempts a call, then call again. Now the plate's failures count
    across calls (and instances: each call here has its own ledger object on the shared database)."""
    caplog.set_level(logging.INFO)
    await load_days(sessionmaker, tmp_path)
    metrics = IdentMetrics()
    registry = metrics.registry
    limits = AttemptLimits(per_plate=4, per_caller=100, window_s=3600)
    first = await call(deps_with(sessionmaker, limits, metrics), "CAfirst", "+819070000001")
    assert (await lookup(first, "1234", "さと"))["status"] == "confirm"
    assert (await lookup(first, "1234", "さとう"))["status"] == "confirm"
    assert (await lookup(first, "1234", "さとみ"))["handoff"] is True  # the call's own three
    await first.finish()
    second = await call(deps_with(sessionmaker, limits, metrics), "CAsecond", "+819070000002")
    assert (await lookup(second, "1234", "さとこ"))["status"] == "not_found"  # the plate's fourth: it trips
    assert registry.get_sample_value("ivr_identification_limit_trips_total", {"kind": "plate"}) == 1
    # Even the right full name is refused now, on any call, and the schedule is not read.
    third = await call(deps_with(sessionmaker, limits, metrics), "CAthird", SATO_PHONE)
    refused = await lookup(third, "1234", "佐藤 健一")
    assert refused["handoff"] is True and "driver_name_kana" not in refused
    assert refused["instruction"] == third.prompts.step("lookup_transfer")
    assert registry.get_sample_value("ivr_identification_refused_total", {"kind": "plate"}) == 1
    # Another plate is not locked.
    other = await call(deps_with(sessionmaker, limits, metrics), "CAother", STRANGER)
    assert (await lookup(other, "9012", "鈴木 一郎"))["status"] == "matched"
    for conv in (second, third, other):
        await conv.finish()
    assert "identification limit tripped (plate, 4 failures)" in caplog.text
    assert "1234" not in caplog.text and "1111" not in caplog.text and "7000000" not in caplog.text


async def test_one_number_trying_many_plates_is_stopped(sessionmaker: async_sessionmaker[AsyncSession],
                                                        tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    metrics = IdentMetrics()
    registry = metrics.registry
    limits = AttemptLimits(per_plate=100, per_caller=3, window_s=3600)
    for n, plate in enumerate(("1111", "2222")):
        conv = await call(deps_with(sessionmaker, limits, metrics), f"CAspray{n}")
        await lookup(conv, plate, "佐藤")
        await conv.finish()
    conv = await call(deps_with(sessionmaker, limits, metrics), "CAspray2")
    assert (await lookup(conv, "3333", "佐藤"))["status"] == "not_found"  # the third: it trips
    assert registry.get_sample_value("ivr_identification_limit_trips_total", {"kind": "caller"}) == 1
    await conv.finish()
    locked = await call(deps_with(sessionmaker, limits, metrics), "CAspray3")
    assert (await lookup(locked, "1234", "佐藤 健一"))["handoff"] is True
    fresh = await call(deps_with(sessionmaker, limits, metrics), "CAspray4", "+819055550000")
    assert (await lookup(fresh, "1234", "佐藤 健一"))["status"] == "matched"  # another number
    for c in (locked, fresh):
        await c.finish()


async def test_a_surname_from_the_drivers_own_phone_is_enough_and_counts_nothing(
        sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    conv = await call(deps_with(sessionmaker, AttemptLimits(per_plate=1, per_caller=1, window_s=3600)), "CAown",
                      SATO_PHONE)
    out = await lookup(conv, "1234", "さとう")
    assert out["status"] == "matched" and out["driver_name_kana"] == "サトウ ケンイチ"
    await conv.finish()
    async with sessionmaker() as session:
        assert (await session.execute(text("SELECT COUNT(*) FROM ident_attempts"))).scalar_one() == 0


# ----- on real sockets: the service, its /metrics and the console's query ------------------------

async def test_a_tripped_limit_shows_in_the_services_metrics_and_the_consoles_query(
        sessionmaker: async_sessionmaker[AsyncSession], engine: Any, tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    scenario = verify_path("いちにのさんよん", "さと", "いちいちいちいち")  # wrong digits: confirm + wrong
    scenario.speech_scale = 0.35
    standin = await RealtimeStandin(scenario.script).start()
    settings = sim_settings(standin.url, metrics_token="metrics-secret", lookup_limit_per_plate=2)
    registry = CollectorRegistry()
    factory = build_factory(GuidanceConfig.from_settings(settings), sessionmaker, today=lambda: DAY,
                            registry=registry)
    running = await start_service(settings, factory, engine=engine, registry=registry)
    caller = TwilioCaller(running.url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE,
                          from_number=STRANGER)
    try:
        await play_call(caller, scenario, within=20)
        async with aiohttp.ClientSession() as http, http.get(
                running.url + "/metrics", headers={"Authorization": "Bearer metrics-secret"}) as resp:
            body = await resp.text()
    finally:
        await caller.close()
        await running.close()
        await standin.close()
    assert 'ivr_identification_limit_trips_total{kind="plate"} 1.0' in body
    (trip,) = [t for t in await tripped_limits(sessionmaker, since) if t.kind == "plate"]
    assert (trip.subject, trip.failures, trip.call_sid) == ("1234", 2, caller.call_sid)
