"""The prompts agree with the tools: every tool they name exists, and no step makes the model say or
do twice what the code already does (a second goodbye, a second transfer)."""

from __future__ import annotations

import re

from ivr.guidance.tools import TOOLS
from ivr.prompts.store import PromptStore

CALL_TOOL = re.compile(r"`([a-z_]+)`\s*(?:を\s*)?(?:呼|に渡)")


def test_every_tool_the_prompts_name_exists() -> None:
    p = PromptStore().snapshot()
    text = "\n".join([p.instructions, p.greeting, *p.steps.values()])
    named = set(CALL_TOOL.findall(text))
    assert named and named <= set(TOOLS), named - set(TOOLS)


def test_steps_after_a_code_driven_transfer_do_not_ask_for_the_transfer_tool() -> None:
    steps = PromptStore().snapshot().steps
    for key in ("lookup_transfer", "transfer"):  # the tool result already carries action="transfer"
        assert "`transfer_to_dispatcher` を呼んで" not in steps[key], key
        assert "呼ば" in steps[key], key  # 呼ばないで / 呼ばずに


def test_the_goodbye_is_said_once_after_end_call() -> None:
    p = PromptStore().snapshot()
    flow = [line for line in p.instructions.splitlines() if "`end_call`" in line]
    assert flow and all("何も言わずに" in line for line in flow), flow
    assert "お気をつけて" in p.steps["end_call"]
    assert "あいさつの前に" in TOOLS["end_call"].description
