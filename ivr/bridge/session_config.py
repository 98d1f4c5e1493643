"""The GA Realtime events the bridge sends about the session and responses (their words come from
the conversation's prompts, never from here)."""

from __future__ import annotations

from typing import Any

from ivr.conversation import Conversation
from ivr.turn.vad_presets import VadPreset


def session_update(
    conversation: Conversation, preset: VadPreset, *, voice: str, transcription_model: str,
    event_id: str | None = None,
) -> dict[str, Any]:
    """μ-law both ways (no transcoding); server VAD that neither answers nor interrupts on its own.

    `event_id` is the client event id the server names in an `error` refusing this update."""
    event: dict[str, Any] = {
        "type": "session.update",
        "session": {
            "type": "realtime",
            "instructions": conversation.instructions(),
            "output_modalities": ["audio"],
            "max_output_tokens": preset.max_output_tokens,
            "audio": {
                "input": {
                    "format": {"type": "audio/pcmu"},
                    "turn_detection": preset.turn_detection(),
                    "transcription": {"model": transcription_model, "language": "ja"},
                },
                "output": {"format": {"type": "audio/pcmu"}, "voice": voice},
            },
            "tools": conversation.tools(),
            "tool_choice": "auto",
        },
    }
    if event_id:
        event["event_id"] = event_id
    return event


def response_create(
    instructions: str | None = None, *, filler: bool = False, event_id: str | None = None
) -> dict[str, Any]:
    """A response; a filler is out-of-band (`conversation: none`) so it never enters the history.

    `event_id` is the client event id the server names in an `error` about this request."""
    response: dict[str, Any] = {}
    if instructions:
        response["instructions"] = instructions
    if filler:
        response.update(conversation="none", output_modalities=["audio"], metadata={"purpose": "filler"})
    event: dict[str, Any] = {"type": "response.create"}
    if event_id:
        event["event_id"] = event_id
    if response:
        event["response"] = response
    return event


def greeting_instructions(conversation: Conversation) -> str:
    """The first response keeps the session's rules and adds the greeting's own instruction."""
    return conversation.instructions() + "\n\n" + conversation.greeting()
