"""The per-call flow state: who is identified and what awaits confirmation.

Pure logic, no I/O, so every rule of the flow (nothing about a schedule before identification,
hand-over after three failures, the outcome of a call) is testable without a database. Counting
failed lookups and deciding the hand-off is not done here: that rule belongs to the lookup, and
each call's state holds that call's one `CallLookup`, which owns the count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from lookup.call_lookup import CallLookup
from lookup.result import FAILED, NAME_MISSING, LookupResult

Phase = Literal["identifying", "confirming", "identified"]

_FAILED_STEP = {"ambiguous": "lookup_ambiguous", "invalid": "lookup_invalid", "not_found": "lookup_not_found"}


@dataclass
class CallState:
    lookups: CallLookup = field(default_factory=CallLookup)
    phase: Phase = "identifying"
    driver_id: int | None = None
    driver_name_kana: str = ""
    pending_driver_id: int | None = None
    pending_name_kana: str = ""
    last_lookup_status: str = ""
    served: bool = False
    transferred: bool = False
    transfer_reason: str = ""
    person_requested: bool = False  # the caller asked for a person (decided in code, see person_request.py)
    ended: bool = False

    @property
    def identified(self) -> bool:
        return self.phase == "identified" and self.driver_id is not None

    @property
    def lookup_failures(self) -> int:
        return self.lookups.failures

    def apply_lookup(self, result: LookupResult) -> str:
        """Move the flow on after a lookup that `self.lookups` has already counted (its `lookup` or
        `record`); returns the next step key (see prompts/steps.md)."""
        self.last_lookup_status = result.status
        if result.status == "matched" and result.driver is not None:
            self._identify(result.driver.id, result.driver.name_kana)
            return "lookup_matched"
        if result.status == "confirm" and result.driver is not None:
            self._forget()
            self.phase = "confirming"
            self.pending_driver_id, self.pending_name_kana = result.driver.id, result.driver.name_kana
            return "lookup_confirm"
        # A failed attempt forgets any earlier identification: the caller is starting over.
        self._forget()
        if result.handoff:
            return "lookup_transfer"
        if result.reason == NAME_MISSING:
            return "ask_name"
        return _FAILED_STEP.get(result.status, "lookup_not_found")

    def confirm(self, yes: bool) -> str:
        if self.phase != "confirming" or self.pending_driver_id is None:
            return "confirm_not_pending"
        if yes:
            self._identify(self.pending_driver_id, self.pending_name_kana)
            return "confirm_yes"
        self._forget()
        self.last_lookup_status = "not_found"
        return "lookup_transfer" if self.lookups.read_back_denied() is not None else "confirm_no"

    def _identify(self, driver_id: int, name_kana: str) -> None:
        self.phase, self.driver_id, self.driver_name_kana = "identified", driver_id, name_kana
        self.pending_driver_id, self.pending_name_kana = None, ""

    def _forget(self) -> None:
        self.phase, self.driver_id, self.driver_name_kana = "identifying", None, ""
        self.pending_driver_id, self.pending_name_kana = None, ""

    def outcome(self) -> str:
        """served | transferred | not_found | hung_up, inferred from what happened on the call."""
        if self.transferred:
            return "transferred"
        if self.served:
            return "served"
        if not self.identified and self.last_lookup_status in FAILED:
            return "not_found"
        return "hung_up"
