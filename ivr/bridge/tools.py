"""Runs one tool call off the audio path, with a timeout and a structured error instead of a crash."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ivr.conversation import Conversation, ToolOutcome


async def run_tool(
    conversation: Conversation, name: str, arguments: str, limit_s: float
) -> tuple[ToolOutcome, str | None]:
    """The tool's outcome, and an error code when the bridge had to stand in for it."""
    started = time.monotonic()
    try:
        outcome = await asyncio.wait_for(conversation.run_tool(name, arguments), limit_s)
    except TimeoutError:
        return _error("tool_timeout", f"{name} did not answer within {limit_s:.0f} s", started), "timeout"
    except Exception as exc:  # the contract says run_tool must not raise; the call survives if it does
        return _error("tool_failed", f"{name} failed ({type(exc).__name__})", started), "failed"
    if not isinstance(outcome, ToolOutcome):
        return _error("tool_failed", f"{name} returned no outcome", started), "failed"
    return outcome, None


def _error(code: str, message: str, started: float) -> ToolOutcome:
    output: dict[str, Any] = {
        "ok": False,
        "error": {"code": code, "message": message},
        "instruction": (
            "システムの確認に時間がかかっています。"
            "お詫びして、もう一度お伺いするか、配車係におつなぎすると伝えてください。"
        ),
        "elapsed_ms": int((time.monotonic() - started) * 1000),
    }
    return ToolOutcome(output=output, reason=code)
