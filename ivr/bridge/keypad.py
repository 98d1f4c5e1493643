"""Keypad entry as a pure state machine: the digits a driver types until `#`, or a pause.

Twilio reports each key as its own `dtmf` event on the media socket; none of them is audio, so
none reaches turn control (a key never cuts the bot off or counts as an utterance). This collects
them into one entry: digits end with `#`, with a pause of `pause_s` (3 s) after the last digit,
or when `max_digits` have been typed; `*` clears what was typed so far (start again); other keys
(A-D) are ignored. The clock is injected, so every timeline is replayed exactly in tests; the
bridge asks `next_deadline()` when to call `tick()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

PAUSE_S = 3.0
MAX_DIGITS = 8  # longer than any vehicle number (4 digits): a ninth key ends the entry

EndedBy = Literal["hash", "pause", "full"]


@dataclass(frozen=True)
class KeypadEntry:
    digits: str
    ended_by: EndedBy


class KeypadCollector:
    def __init__(self, clock: Callable[[], float], *, pause_s: float = PAUSE_S, max_digits: int = MAX_DIGITS) -> None:
        self._clock = clock
        self._pause = pause_s
        self._max = max_digits
        self._digits = ""
        self._last = 0.0

    @property
    def typing(self) -> bool:
        """Digits have been typed and the entry is not complete yet."""
        return bool(self._digits)

    def press(self, key: str) -> KeypadEntry | None:
        """One key; the completed entry when this key ends it."""
        if key.isdigit() and len(key) == 1 and key.isascii():
            self._digits += key
            self._last = self._clock()
            return self._complete("full") if len(self._digits) >= self._max else None
        if key == "#":
            return self._complete("hash") if self._digits else None
        if key == "*":
            self._digits = ""
        return None

    def tick(self) -> KeypadEntry | None:
        """The entry, when the pause after its last digit has passed."""
        if self._digits and self._clock() >= self._last + self._pause:
            return self._complete("pause")
        return None

    def next_deadline(self) -> float | None:
        return self._last + self._pause if self._digits else None

    def _complete(self, ended_by: EndedBy) -> KeypadEntry:
        entry = KeypadEntry(self._digits, ended_by)
        self._digits = ""
        return entry
