"""Shared pieces for the bridge's end-to-end tests: stand-ins, service, callers, waiting."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivr.bridge.call import BridgeConfig
from ivr.settings import Settings
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE, RunningService, sim_settings, start_service
from ivr.sim.realtime_standin import RealtimeStandin, Script
from ivr.sim.scripted_conversation import ScriptedFactory
from ivr.sim.twilio_caller import TwilioCaller
from ivr.turn.machine import TurnConfig
from ivr.turn.vad_presets import PRESETS
from schedules.migrate import upgrade

_migrated_template: Path | None = None
METRICS_TOKEN = "rig-metrics-token"
METRICS_AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}  # /metrics answers nobody else


async def migrated_sqlite(path: Path) -> str:
    """A migrated SQLite database at `path` (the service keeps stream tokens in it), copied from one
    migrated once per test process: migrating each rig's database would add half a second to each."""
    global _migrated_template
    if _migrated_template is None:
        template = Path(tempfile.mkdtemp(prefix="ivr-rig-")) / "template.db"
        await upgrade(f"sqlite+aiosqlite:///{template}")
        _migrated_template = template
    shutil.copyfile(_migrated_template, path)
    return f"sqlite+aiosqlite:///{path}"


async def eventually(check: Callable[[], Any], within: float = 5.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def fast_config(mode: str = "barge_in", **kw: Any) -> BridgeConfig:
    turn = TurnConfig(mode=mode, speak_delay_ms=0, response_cooldown_ms=300)  # type: ignore[arg-type]
    return BridgeConfig(preset=PRESETS["standard"], turn=turn, **kw)


@dataclass
class Rig:
    standin: RealtimeStandin
    service: RunningService
    factory: ScriptedFactory
    settings: Settings

    def caller(self, **kw: Any) -> TwilioCaller:
        kw.setdefault("auth_token", SIM_AUTH_TOKEN)
        return TwilioCaller(self.service.url, public_base_url=SIM_PUBLIC_BASE, **kw)

    async def call(self, **kw: Any) -> TwilioCaller:
        caller = self.caller(**kw)
        resp = await caller.dial()
        assert resp.status == 200, caller.twiml
        await caller.connect()
        return caller


@asynccontextmanager
async def rig(
    tmp_path: Path,
    script: Callable[[], Script],
    *,
    factory: ScriptedFactory | None = None,
    config: BridgeConfig | None = None,
    **settings_overrides: Any,
) -> AsyncIterator[Rig]:
    standin = await RealtimeStandin(script).start()
    db = await migrated_sqlite(tmp_path / "ready.db")
    settings_overrides.setdefault("metrics_token", METRICS_TOKEN)
    settings = sim_settings(standin.url, database_url=db, **settings_overrides)
    factory = factory or ScriptedFactory()
    service = await start_service(settings, factory, bridge_config=config or fast_config())
    try:
        yield Rig(standin, service, factory, settings)
    finally:
        await service.close()
        await standin.close()
