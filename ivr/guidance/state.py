"""The per-call flow state: who is identified, what awaits a second factor, and how the call turns out.

Pure logic, no I/O, so every rule of the flow (nothing about a schedule before identification,
hand-over after three attempts, the outcome of a call) is testable without a database. The state
changes only through its named methods; everything else reads it. Counting attempts, checking the
second factor and deciding the hand-off is not done here: those rules belong to the lookup, and
each call's state holds that call's one `CallLookup`, which owns them.
"""

from __future__ import annotations

from typing import Literal

from ivr.records.outcome import Outcome
from lookup.call_lookup import CallLookup
from lookup.result import FAILED, NAME_MISSING, LookupResult

Phase = Literal["identifying", "verifying", "identified"]

# The next step (prompts/steps.md) after a lookup, by its status and, where the caller must hear
# something different, its reason code. A reason not listed here takes its status's step, so a
# new reason code needs a row (and a section in steps.md) only when it needs its own words.
_STEP_BY_STATUS = {
    "matched": "lookup_matched",
    "confirm": "lookup_confirm_phone",
    "ambiguous": "lookup_ambiguous",
    "invalid": "lookup_invalid",
    "not_found": "lookup_not_found",
}
_STEP_BY_REASON = {
    ("ambiguous", NAME_MISSING): "ask_name",
}


def lookup_step(result: LookupResult) -> str:
    """The step the caller is led to after `result`: the hand-off first, then status and reason
    (a `confirm` by the way it is to be proved)."""
    if result.handoff:
        return "lookup_transfer"
    if result.status == "confirm" and result.second_factor == "full_name":
        return "lookup_confirm_full_name"
    return _STEP_BY_REASON.get((result.status, result.reason)) or _STEP_BY_STATUS.get(result.status, "lookup_not_found")


class CallState:
    def __init__(self, lookups: CallLookup | None = None) -> None:
        self.lookups = lookups if lookups is not None else CallLookup()
        self._phase: Phase = "identifying"
        self._driver_id: int | None = None
        self._pending_driver_id: int | None = None
        self._last_lookup_status = ""
        self._served = False
        self._transfer_reason: str | None = None
        self._person_requested = False
        self._follow_up: str | None = None

    # ----- what the flow reads -----------------------------------------------------------------
    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def identified(self) -> bool:
        return self._phase == "identified" and self._driver_id is not None

    @property
    def driver_id(self) -> int | None:
        return self._driver_id

    @property
    def pending_driver_id(self) -> int | None:
        return self._pending_driver_id

    @property
    def verifying(self) -> bool:
        """A likely driver awaits the caller's second factor (the last digits of their phone)."""
        return self._phase == "verifying" and self._pending_driver_id is not None

    @property
    def lookup_failures(self) -> int:
        return self.lookups.failures

    @property
    def transferred(self) -> bool:
        """A hand-over to a dispatcher was decided (by a tool, or by the bridge)."""
        return self._transfer_reason is not None

    @property
    def transfer_reason(self) -> str:
        return self._transfer_reason or ""

    @property
    def person_requested(self) -> bool:
        """The caller asked for a person (decided in code, see person_request.py)."""
        return self._person_requested

    @property
    def follow_up_reason(self) -> str | None:
        """Why a dispatcher must call the driver back (`after_hours`), kept on the call record."""
        return self._follow_up

    # ----- what changes it ---------------------------------------------------------------------
    def apply_lookup(self, result: LookupResult) -> str:
        """Move the flow on after a lookup that `self.lookups` has already counted (its `lookup` or
        `record`); returns the next step key (see prompts/steps.md)."""
        self._last_lookup_status = result.status
        if result.status == "matched" and result.driver is not None:
            self._identify(result.driver.id)
        elif result.status == "confirm" and result.driver is not None and not result.handoff:
            self._forget()
            if result.second_factor == "phone_last4":
                self._phase, self._pending_driver_id = "verifying", result.driver.id
            # "full_name": nothing pends; the next lookup, with the full name, decides
        else:
            # A failed attempt forgets any earlier identification: the caller is starting over.
            self._forget()
        return lookup_step(result)

    def verified(self, driver_id: int) -> str:
        """The lookup checked the second factor of the pending driver, and it was theirs."""
        self._identify(driver_id)
        return "verify_ok"

    def verify_failed(self, *, handoff: bool) -> str:
        """The digits were not the driver's (or the caller never said them); on the last attempt
        the call goes to a dispatcher, and the candidate is forgotten either way at the hand-off."""
        self._last_lookup_status = "not_found"
        if handoff:
            self._forget()
            return "lookup_transfer"
        return "verify_wrong"

    def mark_served(self) -> None:
        """The identified driver was read their schedule."""
        self._served = True

    def hand_over(self, reason: str) -> None:
        """The call goes to a dispatcher; the first reason given is the one kept."""
        if self._transfer_reason is None:
            self._transfer_reason = reason

    def follow_up(self, reason: str) -> None:
        """The call needs a dispatcher's follow-up; the first reason is kept."""
        if self._follow_up is None:
            self._follow_up = reason

    def caller_asked_for_person(self) -> None:
        self._person_requested = True

    def _identify(self, driver_id: int) -> None:
        self._phase, self._driver_id = "identified", driver_id
        self._pending_driver_id = None

    def _forget(self) -> None:
        self._phase, self._driver_id = "identifying", None
        self._pending_driver_id = None

    # ----- how it turned out -------------------------------------------------------------------
    def outcome(self) -> Outcome:
        """Inferred from what happened on the call: a hand-over first, then a schedule read."""
        if self.transferred:
            return Outcome.TRANSFERRED
        if self._served:
            return Outcome.SERVED
        if not self.identified and self._last_lookup_status in FAILED:
            return Outcome.NOT_FOUND
        return Outcome.HUNG_UP
