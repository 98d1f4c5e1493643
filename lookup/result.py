"""The lookup's answer, and the two views of it: what the model may hear and what staff may see.

The model's view names a driver only once the caller proved to be them (`matched`: their name as
kana, to greet them) - never for `confirm`, whose driver the caller has not proved yet (reading it
back would hand a stranger the name they did not know), and never candidates, ids, phones or
someone else's name, so nobody learns who drives a number by trying names. Everything in it that
could be spoken is kana: the model reads numbers only from kana, so it gets the heard vehicle
number as カナ digits, never ASCII digits or the name key. Staff tools (`ivr lookup --json`, QA
reports) see everything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

from schedules.readings.phone import read_out_digits

Status = Literal["matched", "confirm", "ambiguous", "not_found", "invalid"]
STATUSES: tuple[str, ...] = ("matched", "confirm", "ambiguous", "not_found", "invalid")
IDENTIFYING: frozenset[str] = frozenset({"matched", "confirm"})  # the statuses that carry one driver
FAILED: frozenset[str] = frozenset({"ambiguous", "not_found", "invalid"})  # nothing fits
# Every answer but `matched` is an attempt that did not identify the caller: counted against the call
# (and, but for a number said without a name, against the plate and the caller across calls).
COUNTED: frozenset[str] = FAILED | {"confirm"}
# How a `confirm` is proved: the last four digits of the driver's phone on file, or, for a driver
# without one, the full name said again (an exact full name is a `matched`).
SecondFactor = Literal["phone_last4", "full_name"]
SECOND_FACTORS: tuple[str, ...] = get_args(SecondFactor)
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
CALLER_ID_TIE = "caller_id_broke_tie"  # matched: the caller ID chose among drivers who fit
CALLER_ID_CONFIRMED = "caller_id_confirmed"  # matched: a surname-only or near match, from the driver's own phone
FAMILY_NAME_ONLY = "family_name_only"  # confirm: only the family name was said (or fits)
NEAR_NAME = "near_name"  # confirm: the name is close to the driver's, not the same
TOO_MANY_FAILURES = "too_many_failures"  # the call used up its attempts: handed off, nothing looked up
PLATE_LOCKED = "plate_locked"  # refused: too many failed attempts on this plate serial, across calls
CALLER_LOCKED = "caller_locked"  # refused: too many failed attempts from this caller's number, across calls
WRONG_SECOND_FACTOR = "wrong_phone_digits"  # a confirm's phone digits were not the driver's (or not said)


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
    """A driver on the spoken serial, as staff see it: how well the name fitted (`exact`: the full
    name or the family name; `full_name`: the full name) and whether the caller ID is theirs."""

    driver_id: int
    driver_name: str
    driver_kana: str
    vehicle_id: int
    plate: str
    exact: bool
    score: float
    phone_matches: bool
    full_name: bool = False


@dataclass(frozen=True)
class LookupResult:
    """One lookup's outcome. `driver` is set exactly for matched/confirm; `candidates` is for staff
    only; `reason` is one of the codes above ("" when the status says it all); `second_factor` says
    how a `confirm` is to be proved. `attempts_left` and `handoff` are filled in by `CallLookup`,
    which counts a call's attempts."""

    status: Status
    digits: str | None
    name_key: str | None
    driver: DriverInfo | None = None
    candidates: tuple[CandidateView, ...] = field(default_factory=tuple)
    handoff: bool = False
    reason: str = ""
    attempts_left: int | None = None
    second_factor: SecondFactor | None = None

    def __post_init__(self) -> None:
        # Consumers identify the caller from `driver` on these two statuses alone, so the pairing is
        # a contract, not a convention each consumer re-checks.
        if (self.driver is not None) != (self.status in IDENTIFYING):
            raise ValueError(f"a {self.status!r} lookup result must {'' if self.status in IDENTIFYING else 'not '}"
                             "carry a driver")
        if (self.second_factor is not None) != (self.status == "confirm"):
            raise ValueError("a second factor goes with a 'confirm', and only with one")

    def to_tool_output(self) -> dict[str, Any]:
        """The lookup's part of what the model is told: the status, and kana only for anything it may
        say - the caller's own name once `matched`, the number it heard (digit by digit) when nothing
        fits, and for `confirm` nothing about the driver at all. The phone conversation adds the next
        step's instruction (ivr/guidance/lookup_answer.py)."""
        out: dict[str, Any] = {"status": self.status}
        if self.status == "matched" and self.driver is not None:
            out["driver_name_kana"] = self.driver.name_kana
        elif self.driver is None and self.digits:
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
            "second_factor": self.second_factor,
            "driver": asdict(self.driver) if self.driver else None,
            "candidates": [asdict(c) for c in self.candidates],
        }
