"""What a call records for the console while it goes on: the moment the driver is known (the record's
`driver_id` is set only when the call ends), and each wait for the bot's voice (the dashboard's p50/p95)."""

from __future__ import annotations

import json
from pathlib import Path

from bridge_support import eventually, rig
from guidance_support import DAY, load_days
from sqlalchemy import select

from ivr.config import GuidanceConfig
from ivr.conversation import CallContext
from ivr.guidance.conversation import GuidanceConversation
from ivr.guidance.deps import GuidanceDeps
from ivr.prompts.store import PromptStore
from ivr.records.models import CallEventRecord
from ivr.settings import load_settings
from ivr.sim.realtime_standin import Reply, Say, Script
from schedules.models import Driver
from schedules.search.embedded import EmbeddedSearch


async def _identified(sessionmaker) -> list[dict]:
    async with sessionmaker() as session:
        rows = (await session.execute(select(CallEventRecord).where(
            CallEventRecord.kind == "system", CallEventRecord.text == "identified"))).scalars().all()
    return [dict(r.data) for r in rows]


async def test_the_driver_is_recorded_once_when_identified(sessionmaker, tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    deps = GuidanceDeps.build(GuidanceConfig.from_settings(load_settings()), sessionmaker, today=lambda: DAY,
                              prompts=PromptStore(), search=EmbeddedSearch(sessionmaker))
    conv = await GuidanceConversation.start(CallContext(call_sid="CAlive1"), deps)
    sato_said = {"driver_name": "さとう けんいち"}
    miss = await conv.run_tool("lookup_driver", json.dumps({"vehicle_number": "9999", **sato_said}))
    assert miss.output["status"] == "not_found"
    await conv.recorder.flush()
    assert await _identified(sessionmaker) == []  # nobody yet
    hit = await conv.run_tool("lookup_driver", json.dumps({"vehicle_number": "1234", **sato_said}))
    assert hit.output["status"] == "matched"
    await conv.run_tool("get_next_stop", "{}")
    await conv.recorder.flush()
    async with sessionmaker() as session:
        sato = (await session.execute(select(Driver.id).where(Driver.name == "佐藤 健一"))).scalar_one()
    assert await _identified(sessionmaker) == [{"driver_id": sato}]  # once, not after every tool
    await conv.finish()


def _script() -> Script:
    return Script(greeting=Say("お電話ありがとうございます。", ms=400), replies=[Reply([Say("どうぞ。", ms=400)])],
                  caller_says=["いちにのさんよん"])


async def test_each_wait_for_the_bots_voice_is_recorded(tmp_path: Path) -> None:
    async with rig(tmp_path, _script) as r:
        caller = await r.call()
        await eventually(lambda: caller.playout.bytes_received >= 400 * 8, what="greeting audio")
        await eventually(lambda: not caller.playout.playing and not caller.playout.marks, what="greeting played")
        await caller.speak(600)
        await eventually(lambda: caller.playout.bytes_received >= 800 * 8, what="the answer's audio")
        await caller.hangup()
        conv = r.factory.calls[caller.call_sid]
        await eventually(lambda: conv.finished.is_set(), what="conversation finished")
    waits = [data for kind, text, data in conv.events if kind == "system" and text == "first_audio"]
    assert [w["after"] for w in waits] == ["greeting", "reply"]
    assert all(isinstance(w["ms"], int) and w["ms"] >= 0 for w in waits)
