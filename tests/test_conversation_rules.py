"""The conversation decides how a call turns out, and each tool says what happens when it fails."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from guidance_support import DAY, load_days
from sqlalchemy import select

from ivr.conversation import CallContext, ToolFailure
from ivr.guidance.conversation import GuidanceConversation
from ivr.guidance.deps import GuidanceDeps
from ivr.guidance.tools import TOOLS
from ivr.prompts.store import PromptStore
from ivr.records.models import CallRecord
from schedules.db import make_engine, make_sessionmaker
from schedules.search.embedded import EmbeddedSearch

STEP_HEADING = re.compile(r"^## ([a-z_]+)$", re.MULTILINE)


@pytest.fixture
async def deps(sessionmaker, tmp_path: Path) -> GuidanceDeps:
    await load_days(sessionmaker, tmp_path)
    return GuidanceDeps(sessionmaker=sessionmaker, search=EmbeddedSearch(sessionmaker), prompts=PromptStore(),
                        today=lambda: DAY, depot_id="default", turn_mode="barge_in")


async def outcome_of(deps: GuidanceDeps, sid: str) -> tuple[str, dict[str, object]]:
    async with deps.sessionmaker() as session:
        call = (await session.execute(select(CallRecord).where(CallRecord.call_sid == sid))).scalar_one()
    return call.outcome, dict(call.metrics or {})


def test_every_failure_policy_names_a_step_of_the_prompts() -> None:
    steps = set(PromptStore().snapshot().steps)
    declared = {p.step for t in TOOLS.values() for p in (t.on_error, t.on_no_answer)}
    assert declared <= steps and "search_unknown" in declared


async def test_a_failing_search_is_a_question_not_answered_and_the_call_goes_on(deps, tmp_path: Path) -> None:
    broken = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'no-index.db'}")  # no tables at all
    try:
        failing = GuidanceDeps(sessionmaker=deps.sessionmaker, search=EmbeddedSearch(make_sessionmaker(broken)),
                               prompts=deps.prompts, today=deps.today, depot_id="default", turn_mode="barge_in")
        conv = await GuidanceConversation.start(CallContext(call_sid="CAsearch1"), failing)
        await conv.run_tool("lookup_driver", json.dumps({"vehicle_number": "1234", "driver_name": "佐藤 健一"}))
        out = await conv.run_tool("search_destination_info", json.dumps({"question": "駐車場はどこですか"}))
        assert out.action == "none" and out.output["error"] == "tool_failed"
        assert out.output["instruction"] == conv.prompts.step("search_unknown")
        assert not conv.state.transferred
    finally:
        await broken.dispose()


async def test_a_tool_that_does_not_answer_in_time_gets_its_declared_policy(deps) -> None:
    conv = await GuidanceConversation.start(CallContext(call_sid="CAslow1"), deps)
    failure = conv.tool_failed("lookup_driver", "timeout")
    assert failure == ToolFailure(conv.prompts.step("tool_unavailable"), "none")
    assert conv.tool_failed("no_such_tool", "failed") == failure  # a name the model made up: the same apology
    assert not conv.state.transferred


async def test_recording_a_transfer_line_changes_no_outcome(deps) -> None:
    conv = await GuidanceConversation.start(CallContext(call_sid="CArec1"), deps)
    conv.record("transfer", "caller_asked_for_person", {"reason": "caller_asked_for_person"})
    await conv.finish()
    assert (await outcome_of(deps, "CArec1"))[0] == "hung_up"


async def test_the_bridges_hand_over_is_the_outcome_and_the_first_reason_is_kept(deps) -> None:
    conv = await GuidanceConversation.start(CallContext(call_sid="CAhand1"), deps)
    conv.handed_over("realtime_unavailable")
    conv.handed_over("realtime_session_failed")
    await conv.finish()
    await conv.finish()  # once only
    assert await outcome_of(deps, "CAhand1") == ("transferred", {"transfer_reason": "realtime_unavailable"})


async def test_a_tool_asking_for_a_transfer_makes_the_call_transferred_with_its_reason(deps) -> None:
    conv = await GuidanceConversation.start(CallContext(call_sid="CAtool1"), deps)
    await conv.run_tool("transfer_to_dispatcher", json.dumps({"reason": "佐藤です、人と話したい"}))
    await conv.finish()
    assert await outcome_of(deps, "CAtool1") == ("transferred", {"transfer_reason": "caller_request"})
