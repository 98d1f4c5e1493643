"""Server-VAD presets from the field's tables, plus the bridge's own pacing for each.

`speak_delay_ms` is how long the bridge waits after the caller's end of speech before asking for
an answer (a caller who resumes inside it keeps the floor). `response_cooldown_ms` is how long
after the bot's audio ends a short utterance still counts as overlapping it: a 「はい」 that lands
just after the bot's sentence acknowledges it and must not trigger a fresh answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class VadPreset:
    name: str
    threshold: float
    prefix_padding_ms: int
    silence_duration_ms: int
    max_output_tokens: int
    speak_delay_ms: int
    response_cooldown_ms: int

    def turn_detection(self) -> dict[str, Any]:
        """GA `audio.input.turn_detection`: the bridge, not the server, decides to answer or cut in."""
        return {
            "type": "server_vad",
            "threshold": self.threshold,
            "prefix_padding_ms": self.prefix_padding_ms,
            "silence_duration_ms": self.silence_duration_ms,
            "create_response": False,
            "interrupt_response": False,
        }


PRESETS: dict[str, VadPreset] = {
    p.name: p
    for p in (
        VadPreset("standard", 0.85, 500, 1500, 150, speak_delay_ms=100, response_cooldown_ms=600),
        VadPreset("noisy", 0.90, 600, 1800, 150, speak_delay_ms=150, response_cooldown_ms=700),
        VadPreset("slow_speakers", 0.85, 700, 2500, 120, speak_delay_ms=300, response_cooldown_ms=800),
        VadPreset("brisk", 0.80, 400, 1000, 100, speak_delay_ms=0, response_cooldown_ms=400),
        # Elderly callers: softer voices (lower threshold), long pauses mid-sentence (longest silence),
        # short answers from the bot, and the most patience before the bot speaks again.
        VadPreset("elderly", 0.80, 700, 2800, 100, speak_delay_ms=400, response_cooldown_ms=1000),
    )
}

OVERRIDABLE = (
    "threshold",
    "prefix_padding_ms",
    "silence_duration_ms",
    "max_output_tokens",
    "speak_delay_ms",
    "response_cooldown_ms",
)


def resolve_preset(name: str, overrides: dict[str, Any] | None = None) -> VadPreset:
    """The named preset with any single value replaced (None means keep the preset's value)."""
    try:
        preset = PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown VAD preset {name!r}; choose one of {', '.join(PRESETS)}") from None
    changes = {k: v for k, v in (overrides or {}).items() if k in OVERRIDABLE and v is not None}
    return replace(preset, **changes)
