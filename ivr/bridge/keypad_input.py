"""Carries out keypad entry for one call: Twilio's `dtmf` events into the collector, a completed
entry to the conversation's lookup through the tool runner.

Keys go only here, never to turn control or the audio path: a key pressed while the bot talks
neither cuts it off nor becomes an utterance (the bot goes on; the lookup's answer follows when
it is quiet, like any tool's). The pause that ends an entry is an alarm on the call's clock.
"""

from __future__ import annotations

from ivr.bridge.call_log import CallLog
from ivr.bridge.clock import Alarm, Clock
from ivr.bridge.keypad import KeypadCollector, KeypadEntry
from ivr.bridge.tool_runner import ToolRunner
from ivr.conversation import Conversation, KeypadConversation


class KeypadInput:
    def __init__(self, clock: Clock, log: CallLog, *, pause_s: float) -> None:
        self._log = log
        self.collector = KeypadCollector(clock.now, pause_s=pause_s)
        self._alarm = Alarm(clock, self._pause)
        self._conversation: KeypadConversation | None = None
        self._tools: ToolRunner | None = None

    def attach(self, conversation: Conversation, tools: ToolRunner) -> None:
        """The call has started: entries go to this conversation (if it takes keypad entries)."""
        self._conversation = conversation if isinstance(conversation, KeypadConversation) else None
        self._tools = tools

    def press(self, key: str) -> None:
        self._complete(self.collector.press(key))

    def stop(self) -> None:
        self._alarm.cancel()

    def _pause(self) -> None:
        self._complete(self.collector.tick())

    def _complete(self, entry: KeypadEntry | None) -> None:
        self._alarm.set(self.collector.next_deadline())
        if entry is None:
            return
        self._log.event("keypad_entry", digits=len(entry.digits), ended_by=entry.ended_by)
        conversation, tools = self._conversation, self._tools
        if conversation is None or tools is None:
            return
        digits = entry.digits
        tools.run_for_caller(lambda: conversation.keypad_entry(digits))
