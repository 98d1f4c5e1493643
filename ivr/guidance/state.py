"""The per-call flow state: who is identified, what awaits confirmation, how many lookups failed.

Pure logic, no I/O, so every rule of the flow (nothing about a schedule before identification,
hand-over after three failures, the outcome of a call) is testable without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Phase = Literal["identifying", "confirming", "identified"]
MAX_LOOKUP_FAILURES = 3
FAILED_LOOKUP_STATUSES = frozenset({"not_found", "invalid", "ambiguous"})


@dataclass
class CallState:
    phase: Phase = "identifying"
    driver_id: int | None = None
    driver_name_kana: str = ""
    pending_driver_id: int | None = None
    pending_name_kana: str = ""
    lookup_failures: int = 0
    last_lookup_status: str = ""
    served: bool = False
    transferred: bool = False
    ended: bool = False

    @property
    def identified(self) -> bool:
        return self.phase == "identified" and self.driver_id is not None

    def lookup_result(self, status: str, driver_id: int | None, name_kana: str) -> str:
        """Apply a lookup's status; returns the next step key (see prompts/steps.md)."""
        self.last_lookup_status = status
        if status == "matched" and driver_id is not None:
            self._identify(driver_id, name_kana)
            return "lookup_matched"
        if status == "confirm" and driver_id is not None:
            self.phase, self.pending_driver_id, self.pending_name_kana = "confirming", driver_id, name_kana
            return "lookup_confirm"
        # A failed attempt forgets any earlier identification: the caller is starting over.
        self._forget()
        self.lookup_failures += 1
        if self.lookup_failures >= MAX_LOOKUP_FAILURES:
            return "lookup_transfer"
        return {"ambiguous": "lookup_ambiguous", "invalid": "lookup_invalid"}.get(status, "lookup_not_found")

    def confirm(self, yes: bool) -> str:
        if self.phase != "confirming" or self.pending_driver_id is None:
            return "confirm_not_pending"
        if yes:
            self._identify(self.pending_driver_id, self.pending_name_kana)
            return "confirm_yes"
        self._forget()
        self.lookup_failures += 1
        self.last_lookup_status = "not_found"
        return "lookup_transfer" if self.lookup_failures >= MAX_LOOKUP_FAILURES else "confirm_no"

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
        if not self.identified and self.last_lookup_status in FAILED_LOOKUP_STATUSES | {"not_found"}:
            return "not_found"
        return "hung_up"
