"""The lookup returns statuses and reason codes; the phone conversation turns them into words."""

from __future__ import annotations

import json

from ivr.guidance.lookup_answer import lookup_answer, staff_view
from ivr.guidance.state import lookup_step
from ivr.prompts.store import DEFAULT_PROMPTS
from lookup.call_lookup import CallLookup
from lookup.result import (
    FAMILY_NAME_ONLY,
    NAME_MISSING,
    NEAR_NAME,
    NO_NUMBER,
    NO_VEHICLE,
    PLATE_LOCKED,
    SEVERAL_FIT,
    CandidateView,
    DriverInfo,
    LookupResult,
)

PROMPTS = DEFAULT_PROMPTS.snapshot()
SATO = DriverInfo(id=7, name="佐藤 健一", name_kana="サトウ ケンイチ", vehicle_id=1, serial="1234", plate="")
OTA = CandidateView(3, "太田 誠", "オオタ マコト", 2, "足立 100 う 56-78", False, 80.0, False)


def test_each_status_and_reason_leads_to_its_step() -> None:
    def step(status: str, reason: str = "", driver: DriverInfo | None = None, factor: str | None = None) -> str:
        return lookup_step(LookupResult(status, "1234", "サトウ", driver=driver, reason=reason,  # type: ignore[arg-type]
                                        second_factor=factor))  # type: ignore[arg-type]

    assert step("matched", driver=SATO) == "lookup_matched"
    assert step("confirm", FAMILY_NAME_ONLY, SATO, "phone_last4") == "lookup_confirm_phone"
    assert step("confirm", NEAR_NAME, SATO, "full_name") == "lookup_confirm_full_name"
    assert step("ambiguous", SEVERAL_FIT) == "lookup_ambiguous"
    assert step("not_found", NO_VEHICLE) == "lookup_not_found"
    assert step("invalid", NO_NUMBER) == "lookup_invalid"
    assert step("ambiguous", NAME_MISSING) == "ask_name"  # not "the number was not heard"
    assert step("ambiguous", "a_code_added_later") == "lookup_ambiguous"  # a new code falls back to its status


def test_the_hand_off_is_told_to_hand_over_whatever_the_failure_was() -> None:
    call = CallLookup()
    for _ in range(3):
        last = call.record(LookupResult("not_found", "9999", "サトウ", reason=NO_VEHICLE))
    answer = lookup_answer(last, PROMPTS)
    assert answer["handoff"] is True and answer["attempts_left"] == 0
    assert answer["instruction"] == PROMPTS.step("lookup_transfer") and "配車係" in answer["instruction"]
    assert lookup_answer(call.refuse(), PROMPTS)["instruction"] == answer["instruction"]
    # A limit across calls is told the same way: the caller can't tell it from three failures.
    locked = lookup_answer(call.refuse(PLATE_LOCKED), PROMPTS)
    assert locked == lookup_answer(call.refuse(), PROMPTS) and PLATE_LOCKED not in json.dumps(locked)


def test_the_model_never_hears_the_reason_code_or_another_driver() -> None:
    result = LookupResult("ambiguous", "5678", "オオタ", candidates=(OTA,), reason=SEVERAL_FIT)
    answer = lookup_answer(result, PROMPTS)
    assert set(answer) == {"status", "heard_vehicle_number_kana", "instruction"}
    assert SEVERAL_FIT not in json.dumps(answer) and "オオタ マコト" not in json.dumps(answer, ensure_ascii=False)


def test_staff_see_the_models_view_as_the_phone_builds_it() -> None:
    result = LookupResult("confirm", "1234", "サイトウ", driver=SATO, reason=NEAR_NAME, second_factor="phone_last4")
    view = staff_view(result, PROMPTS)
    assert view["model_view"] == lookup_answer(result, PROMPTS)
    assert view["model_view"] == {"status": "confirm", "instruction": PROMPTS.step("lookup_confirm_phone")}
    assert view["reason"] == NEAR_NAME and view["second_factor"] == "phone_last4"
    assert view["driver"]["name"] == "佐藤 健一"  # staff see who it would be; the model does not


def test_every_request_for_the_phones_last_four_digits_offers_the_keypad() -> None:
    """Digits typed while a `confirm` waits are checked in code (`verify_driver`), so each step that
    asks for them says they may be pressed instead of spoken (a driver at a noisy depot can)."""
    for name in ("lookup_confirm_phone", "verify_wrong", "verify_unclear"):
        text = PROMPTS.step(name)
        assert "下四桁" in text and "プッシュボタン" in text, name
