"""The flow's rules, without I/O: identification, confirmation, three failures, outcomes."""

from __future__ import annotations

from ivr.guidance.state import CallState


def test_matched_identifies_the_driver() -> None:
    s = CallState()
    assert s.lookup_result("matched", 7, "サトウ ケンイチ") == "lookup_matched"
    assert s.identified and s.driver_id == 7


def test_confirm_needs_a_yes_before_identification() -> None:
    s = CallState()
    assert s.lookup_result("confirm", 7, "サトウ ケンイチ") == "lookup_confirm"
    assert not s.identified
    assert s.confirm(True) == "confirm_yes"
    assert s.identified and s.driver_id == 7


def test_confirm_no_counts_as_a_failure_and_forgets_the_candidate() -> None:
    s = CallState()
    s.lookup_result("confirm", 7, "サトウ ケンイチ")
    assert s.confirm(False) == "confirm_no"
    assert not s.identified and s.pending_driver_id is None and s.lookup_failures == 1


def test_confirm_without_a_candidate_is_refused() -> None:
    assert CallState().confirm(True) == "confirm_not_pending"


def test_third_failure_hands_over() -> None:
    s = CallState()
    assert s.lookup_result("not_found", None, "") == "lookup_not_found"
    assert s.lookup_result("invalid", None, "") == "lookup_invalid"
    assert s.lookup_result("ambiguous", None, "") == "lookup_transfer"


def test_a_failed_lookup_after_identification_forgets_the_driver() -> None:
    s = CallState()
    s.lookup_result("matched", 7, "サトウ ケンイチ")
    s.lookup_result("not_found", None, "")
    assert not s.identified and s.driver_id is None


def test_outcomes() -> None:
    assert CallState().outcome() == "hung_up"
    s = CallState()
    s.lookup_result("not_found", None, "")
    assert s.outcome() == "not_found"
    s.transferred = True
    assert s.outcome() == "transferred"
    served = CallState()
    served.lookup_result("matched", 1, "ア")
    served.served = True
    assert served.outcome() == "served"
