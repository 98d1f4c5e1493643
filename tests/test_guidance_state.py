"""The flow's rules, without I/O: identification, confirmation, three failures, outcomes.

Lookup answers are real `LookupResult`s counted by the call's own `CallLookup` (its pure
`record`), so these tests exercise the one failure counter the conversation uses.
"""

from __future__ import annotations

import pytest

from ivr.guidance.state import CallState
from lookup.matcher import name_missing
from lookup.result import DriverInfo, LookupResult, Status

SATO = DriverInfo(id=7, name="佐藤 健一", name_kana="サトウ ケンイチ", vehicle_id=1, serial="1234", plate="")


def looked_up(s: CallState, status: Status, driver: DriverInfo | None = None) -> str:
    """A lookup answer as the call sees it: counted by the call's CallLookup, then applied to the flow."""
    raw = LookupResult(status=status, digits="1234", name_key="サトウ", driver=driver)
    return s.apply_lookup(s.lookups.record(raw))


def test_matched_identifies_the_driver() -> None:
    s = CallState()
    assert looked_up(s, "matched", SATO) == "lookup_matched"
    assert s.identified and s.driver_id == 7
    assert s.lookup_failures == 0


def test_confirm_needs_a_yes_before_identification() -> None:
    s = CallState()
    assert looked_up(s, "confirm", SATO) == "lookup_confirm"
    assert not s.identified and s.lookup_failures == 0
    assert s.confirm(True) == "confirm_yes"
    assert s.identified and s.driver_id == 7


def test_confirm_no_counts_as_a_failure_and_forgets_the_candidate() -> None:
    s = CallState()
    looked_up(s, "confirm", SATO)
    assert s.confirm(False) == "confirm_no"
    assert not s.identified and s.pending_driver_id is None
    assert s.lookup_failures == 1 and s.lookups.failures == 1


def test_confirm_without_a_candidate_is_refused() -> None:
    s = CallState()
    assert s.confirm(True) == "confirm_not_pending"
    assert s.confirm(False) == "confirm_not_pending" and s.lookup_failures == 0


def test_third_failure_hands_over() -> None:
    s = CallState()
    assert looked_up(s, "not_found") == "lookup_not_found"
    assert looked_up(s, "invalid") == "lookup_invalid"
    assert looked_up(s, "ambiguous") == "lookup_transfer"
    assert s.lookups.handed_off and s.lookup_failures == 3


def test_a_number_without_a_name_asks_for_the_name() -> None:
    s = CallState()
    assert s.apply_lookup(s.lookups.record(name_missing("1234"))) == "ask_name"
    assert not s.identified


def test_denied_read_backs_count_towards_the_hand_over() -> None:
    s = CallState()
    looked_up(s, "not_found")
    looked_up(s, "confirm", SATO)
    assert s.confirm(False) == "confirm_no"
    looked_up(s, "confirm", SATO)
    assert s.confirm(False) == "lookup_transfer"
    assert s.lookups.handed_off and not s.identified


def test_after_the_hand_over_every_lookup_is_refused() -> None:
    s = CallState()
    for status in ("not_found", "not_found", "not_found"):
        looked_up(s, status)
    refused = s.lookups.refuse()
    assert s.apply_lookup(refused) == "lookup_transfer" and not s.identified
    assert refused.driver is None and refused.to_tool_output()["handoff"] is True


def test_successes_do_not_count() -> None:
    s = CallState()
    looked_up(s, "not_found")
    looked_up(s, "matched", SATO)
    looked_up(s, "confirm", SATO)
    assert s.lookup_failures == 1


def test_a_failed_lookup_after_identification_forgets_the_driver() -> None:
    s = CallState()
    looked_up(s, "matched", SATO)
    looked_up(s, "not_found")
    assert not s.identified and s.driver_id is None


def test_each_call_state_has_its_own_counter() -> None:
    first, second = CallState(), CallState()
    looked_up(first, "not_found")
    assert first.lookups is not second.lookups and second.lookup_failures == 0


def test_a_result_without_its_driver_cannot_be_built() -> None:
    with pytest.raises(ValueError):
        LookupResult(status="matched", digits="1234", name_key="サトウ")
    with pytest.raises(ValueError):
        LookupResult(status="ambiguous", digits="1234", name_key="サトウ", driver=SATO)


def test_outcomes() -> None:
    assert CallState().outcome() == "hung_up"
    s = CallState()
    looked_up(s, "not_found")
    assert s.outcome() == "not_found"
    s.hand_over("lookup_failed")
    assert s.outcome() == "transferred"
    served = CallState()
    looked_up(served, "matched", SATO)
    served.mark_served()
    assert served.outcome() == "served"
