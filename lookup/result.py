"""The lookup's answer, and the two views of it: what the model may hear and what staff may see.

The model's view carries only the one driver the caller proved to be (name as kana, for the
read-back) - never candidates, ids, phones or someone else's name - so nobody learns who else
drives a number by trying names. Everything in it that could be spoken is kana: the model reads
numbers only from kana, so it gets the heard vehicle number as カナ digits, never ASCII digits or
the name key. Staff tools (`ivr lookup --json`, QA reports) see everything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from schedules.readings.phone import read_out_digits

Status = Literal["matched", "confirm", "ambiguous", "not_found", "invalid"]
STATUSES: tuple[str, ...] = ("matched", "confirm", "ambiguous", "not_found", "invalid")
IDENTIFYING: frozenset[str] = frozenset({"matched", "confirm"})  # the statuses that name one driver
FAILED: frozenset[str] = frozenset({"ambiguous", "not_found", "invalid"})  # count against the call
# Reason code of an `ambiguous` answer to a usable vehicle number said without a name: ask for the
# name. The schedule is not read for it, so it names nobody and says nothing about the number.
NAME_MISSING = "name_missing"

# Why a lookup ended as it did: codes, never wording. What the caller hears next is the phone
# conversation's business (ivr/guidance maps status and reason to a step of its prompts); staff
# tools show the code. Codes are plain strings so a new one needs no change here beyond its name.
NO_NUMBER = "no_number"  # invalid: the spoken vehicle number held no usable digits
NO_VEHICLE = "no_vehicle"  # not_found: no vehicle with this number on this date
NAME_NOT_ON_VEHICLE = "name_not_on_vehicle"  # not_found: vehicles on this number, none with this name
SEVERAL_FIT = "several_drivers_fit"  # ambiguous: more than one driver fits number and name
CALLER_ID_TIE = "caller_id_broke_tie"  # matched/confirm: the caller ID chose among drivers who fit
TOO_MANY_FAILURES = "too_many_failures"  # the call used up its attempts: handed off, nothing looked up


def digits_kana(digits: str) -> str:
    """'1235' → イチ ニー サン ゴー: the heard number as the model may say it back, digit by digit as
    phone numbers are read (ニー and ゴー lengthened so a single mora isn't lost on the line)."""
    return read_out_digits(digits, " ")


@dataclass(frozen=True)
class DriverInfo:
    """The one driver a lookup settled on."""

    id: int
    name: str
    name_kana: str
    vehicle_id: int
    serial: str
    plate: str


@dataclass(frozen=True)
class CandidateView:
    """A driver on the spoken serial, as staff see it: how well the name fitted."""

    driver_id: int
    driver_name: str
    driver_kana: str
    vehicle_id: int
    plate: str
    exact: bool
    score: float
    phone_matches: bool


@dataclass(frozen=True)
class LookupResult:
    """One lookup's outcome. `driver` is set exactly for matched/confirm; `candidates` is for staff
    only; `reason` is one of the codes above ("" when the status says it all). `attempts_left` and
    `handoff` are filled in by `CallLookup`, which counts a call's failures."""

    status: Status
    digits: str | None
    name_key: str | None
    driver: DriverInfo | None = None
    candidates: tuple[CandidateView, ...] = field(default_factory=tuple)
    handoff: bool = False
    reason: str = ""
    attempts_left: int | None = None

    def __post_init__(self) -> None:
        # Consumers identify the caller from `driver` on these two statuses alone, so the pairing is
        # a contract, not a convention each consumer re-checks.
        if (self.driver is not None) != (self.status in IDENTIFYING):
            raise ValueError(f"a {self.status!r} lookup result must {'' if self.status in IDENTIFYING else 'not '}"
                             "carry a driver")

    def to_tool_output(self) -> dict[str, Any]:
        """The lookup's part of what the model is told: the status, and kana only for anything it may
        say - the caller's own name for matched/confirm, else the number it heard, digit by digit.
        The phone conversation adds the next step's instruction (ivr/guidance/lookup_answer.py)."""
        out: dict[str, Any] = {"status": self.status}
        if self.driver is not None:
            out["driver_name_kana"] = self.driver.name_kana
        elif self.digits:
            out["heard_vehicle_number_kana"] = digits_kana(self.digits)
        if self.attempts_left is not None:
            out["attempts_left"] = self.attempts_left
        if self.handoff:
            out["handoff"] = True
        return out

    def to_staff_json(self) -> dict[str, Any]:
        """Everything the lookup knows, for `ivr lookup --json` and QA reports (the command adds the
        model's view, built as the phone conversation builds it)."""
        return {
            "status": self.status,
            "digits": self.digits,
            "name_key": self.name_key,
            "handoff": self.handoff,
            "reason": self.reason,
            "driver": asdict(self.driver) if self.driver else None,
            "candidates": [asdict(c) for c in self.candidates],
        }
