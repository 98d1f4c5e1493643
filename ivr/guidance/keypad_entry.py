"""Keypad entry on the conversation's side: one lookup in flight, when the keypad is offered.

**One lookup at a time.** A vehicle number can arrive two ways: spoken (the model calls
`lookup_driver`) and typed (the bridge hands over a completed keypad entry). Every lookup of the
call runs under one lock, so two never run together, and the keypad takes precedence:

- a spoken `lookup_driver` that arrives while a keypad entry is being looked up is not run: the
  model is told to wait for the keypad's answer (step `keypad_pending`);
- a keypad entry completed while a spoken lookup runs waits for it, and is dropped if that lookup
  identified the driver (nothing left to do); otherwise it runs: typed digits are never thrown
  away for a number the recognizer misheard.

**When the keypad is offered** (「プッシュボタンでも入力できます」, steps `keypad_offer` and the
`keypad_noisy` line): after the first failed lookup (`not_found`, `invalid`, or `ambiguous` other
than a missing name), appended once to that lookup's instruction; or when the line is noisy,
which is decided here on a concrete signal: `NOISY_AFTER` (2) caller transcripts in a row that
hold no word at all (empty, or only punctuation and symbols: what the recognizer returns for cab
noise, wind or a bad line). The offer is made once per call, whichever comes first.
"""

from __future__ import annotations

import asyncio
import unicodedata
from dataclasses import dataclass, field

NOISY_AFTER = 2


def unintelligible(text: str) -> bool:
    """No letter, kana, kanji or digit in the transcript: the recognizer heard noise, not words."""
    return not any(unicodedata.category(ch)[0] in "LN" for ch in text)


@dataclass
class KeypadState:
    """One call's keypad bookkeeping (never shared between calls)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    keypad_running: bool = False
    offered: bool = False
    _noise_run: int = 0

    def heard(self, text: str) -> bool:
        """Count one caller transcript; True when the line has just proved noisy and the keypad is
        to be offered now (once per call)."""
        self._noise_run = self._noise_run + 1 if unintelligible(text) else 0
        if self._noise_run >= NOISY_AFTER and not self.offered:
            self.offered = True
            return True
        return False

    def offer_after_failure(self) -> bool:
        """A lookup failed: True if this is the moment to offer the keypad (the first time)."""
        if self.offered:
            return False
        self.offered = True
        return True
