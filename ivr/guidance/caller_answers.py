"""What the caller said since the bot asked for the second factor: the evidence a verification needs.

The model relays the digits it heard to `verify_driver`; the lookup then needs the caller to have
said them, so nothing identifies a caller on the model's word alone. This keeps the caller's own
final transcripts from the moment the question is asked (`ask`) until it is answered. A
transcript can arrive after the model's tool call (transcription runs beside the model), and the
transcript of the turn before the question can arrive after it was asked, so `said` waits a
moment for the answer the model claims to have heard; if nothing arrives at all, the answer is
unknown and the caller is asked again - never taken as given.

One per call (the conversation's), touched only from the call's event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

ANSWER_WAIT_S = 2.5  # how long a verification waits for the caller's transcript to arrive


class CallerAnswers:
    def __init__(self, wait_s: float = ANSWER_WAIT_S) -> None:
        self.wait_s = wait_s
        self._open = False
        self._said: list[str] = []
        self._arrived = asyncio.Event()

    def ask(self) -> None:
        """The bot is about to ask: only what the caller says from now on answers it."""
        self._open = True
        self._said.clear()
        self._arrived.clear()

    def close(self) -> None:
        self._open = False
        self._said.clear()
        self._arrived.clear()

    def heard(self, transcript: str) -> None:
        """A final transcript of the caller (from `Conversation.caller_said`): no I/O, no waiting."""
        if self._open and transcript.strip():
            self._said.append(transcript)
            self._arrived.set()

    async def said(self, holds: Callable[[list[str]], bool]) -> list[str] | None:
        """What the caller said since the question, once `holds` is true of it or `wait_s` has passed;
        None when nothing at all arrived (the answer is unknown), or when no question is open."""
        if not self._open:
            return None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_s
        while not holds(self._said) and (left := deadline - loop.time()) > 0:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                break
        return list(self._said) or None
