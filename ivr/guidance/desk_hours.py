"""The dispatch desk's opening hours in the conversation: outside them, no transfer is attempted.

Every way a call is handed to a dispatcher asks here first (the tools' transfer answers, a
caller asking for a person, a tool's failure policy): when the desk is closed
(`ivr.opening_hours.transfer_decision`), the model is told to say when the desk opens (step
`after_hours` with the closed line of ivr/prompts/opening_hours.md) instead of the transfer line,
and the call is flagged for follow-up (`calls.follow_up_reason = "after_hours"`). After three
failed lookups nothing more can be done on the call, so it ends after that line; a caller who
asked for a person may go on with the bot (their schedule is still there for them).
"""

from __future__ import annotations

from ivr.conversation import ToolOutcome
from ivr.opening_hours.desk import DeskHours
from ivr.opening_hours.transfer import transfer_decision
from ivr.prompts.store import Prompts

AFTER_HOURS = "after_hours"
ENDS_THE_CALL = frozenset({"lookup_failed"})  # transfer reasons after which the bot cannot go on


class DeskCheck:
    """One call's view of the desk (None: no timetable, always open)."""

    def __init__(self, desk: DeskHours | None, prompts: Prompts) -> None:
        self._desk = desk
        self._prompts = prompts

    def closed_instruction(self) -> str | None:
        """The model's instruction when the desk is closed now; None when a transfer may go ahead."""
        if self._desk is None:
            return None
        decision = transfer_decision(self._desk)
        if decision.attempt:
            return None
        return self._prompts.step(AFTER_HOURS).replace("{closed_line}", decision.say)

    def closed_outcome(self, wanted: ToolOutcome) -> ToolOutcome | None:
        """`wanted` (a transfer) rewritten for a closed desk; None when the desk is open."""
        instruction = self.closed_instruction()
        if instruction is None:
            return None
        output = {k: v for k, v in wanted.output.items() if k != "handoff"}
        output.update(desk="closed", instruction=instruction)
        if wanted.reason in ENDS_THE_CALL:
            return ToolOutcome(output=output, action="hangup", reason=AFTER_HOURS)
        return ToolOutcome(output=output)
