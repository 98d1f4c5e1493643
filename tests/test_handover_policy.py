"""Timelines through the pure hand-over policy, with a hand-driven clock: who acts, when, and how."""

from __future__ import annotations

from fakes import FakeClock

from ivr.bridge.handover import (
    URGENT_HANDOVER_S,
    HandOverPolicy,
    HangUp,
    HangUpWithdrawn,
    Request,
    Transfer,
    urgent_within,
)

GRACE_S = 20.0


def make() -> tuple[HandOverPolicy, FakeClock]:
    clock = FakeClock()
    return HandOverPolicy(GRACE_S, clock), clock


def test_a_wanted_transfer_waits_for_the_bot_to_be_quiet() -> None:
    policy, _ = make()
    assert policy.want(Request("transfer", "caller_asked_for_person")) == []
    assert policy.acted is None and policy.pending == Request("transfer", "caller_asked_for_person")
    assert policy.quiet() == [Transfer("caller_asked_for_person", announce=True)]
    assert policy.quiet() == [] and policy.next_deadline() is None


def test_a_transfer_the_bot_announces_is_not_announced_again_by_twilio() -> None:
    policy, _ = make()
    policy.want(Request("transfer", "caller_request", bot_announces=True))
    assert policy.quiet() == [Transfer("caller_request", announce=False)]


def test_transfer_outranks_a_pending_hang_up() -> None:
    policy, _ = make()
    policy.want(Request("hangup", "done", bot_announces=True))
    policy.want(Request("transfer", "lookup_failed", bot_announces=True))
    assert policy.quiet() == [Transfer("lookup_failed", announce=False)]


def test_a_hang_up_never_replaces_a_pending_transfer_and_the_first_transfer_reason_is_kept() -> None:
    policy, _ = make()
    policy.want(Request("transfer", "caller_asked_for_person"))
    policy.want(Request("hangup", "done", bot_announces=True))
    policy.want(Request("transfer", "caller_request", bot_announces=True))
    assert policy.pending == Request("transfer", "caller_asked_for_person")
    assert policy.quiet() == [Transfer("caller_asked_for_person", announce=True)]


def test_the_grace_deadline_acts_even_if_the_bot_never_falls_quiet_and_twilio_then_announces() -> None:
    policy, clock = make()
    policy.want(Request("transfer", "caller_request", bot_announces=True))
    deadline = policy.next_deadline()
    assert deadline == clock.now() + GRACE_S
    clock.t = deadline - 0.001
    assert policy.tick() == []
    clock.t = deadline
    # the bot may never have reached its transfer line: Twilio says it
    assert policy.tick() == [Transfer("caller_request", announce=True)]
    assert policy.tick() == [] and policy.quiet() == []


def test_a_transfer_replacing_a_hang_up_gets_its_own_grace() -> None:
    policy, clock = make()
    policy.want(Request("hangup", "done"))
    clock.t += 5
    policy.want(Request("transfer", "caller_asked_for_person"))
    assert policy.next_deadline() == clock.now() + GRACE_S


def test_the_caller_cutting_the_goodbye_off_withdraws_the_hang_up() -> None:
    policy, _ = make()
    policy.want(Request("hangup", "done", bot_announces=True))
    assert policy.caller_interrupted() == [HangUpWithdrawn("caller_interrupted")]
    assert policy.pending is None and policy.next_deadline() is None
    assert policy.quiet() == []


def test_an_interruption_never_withdraws_a_transfer() -> None:
    policy, _ = make()
    policy.want(Request("transfer", "caller_asked_for_person"))
    assert policy.caller_interrupted() == []
    assert policy.quiet() == [Transfer("caller_asked_for_person", announce=True)]


def test_a_hang_up_runs_when_quiet() -> None:
    policy, _ = make()
    policy.want(Request("hangup", "done", bot_announces=True))
    assert policy.quiet() == [HangUp("done")]
    assert policy.want(Request("transfer", "caller_asked_for_person")) == [] and policy.pending is None


def test_a_failed_session_hands_over_at_once_unless_something_already_acted() -> None:
    policy, _ = make()
    policy.want(Request("hangup", "done"))
    assert policy.failed("realtime_unavailable") == [Transfer("realtime_unavailable", announce=True)]
    assert policy.pending is None and policy.quiet() == [] and policy.tick() == []
    assert policy.failed("realtime_session_failed") == []


def test_a_drain_out_of_time_hands_over_at_once_with_twilios_line_over_a_pending_request() -> None:
    policy, _ = make()
    policy.want(Request("transfer", "caller_request", bot_announces=True))  # the bot was about to say it
    assert policy.now("drain") == [Transfer("drain", announce=True)]
    assert policy.pending is None and policy.quiet() == [] and policy.now("drain") == []


def test_once_acted_nothing_else_acts() -> None:
    policy, _ = make()
    policy.want(Request("transfer", "caller_request"))
    policy.quiet()
    assert policy.failed("realtime_unavailable") == []
    assert policy.want(Request("hangup", "done")) == [] and policy.caller_interrupted() == []
    assert policy.acted == Transfer("caller_request", announce=True)


def test_an_urgent_transfer_acts_within_its_own_bound_not_the_grace_period() -> None:
    """The database is away: the bot's apology is all it can still say, so the transfer does not
    wait out the 20 s grace for a bot that never falls quiet."""
    policy, clock = make()
    policy.want(Request("transfer", "database_unavailable", bot_announces=True, within_s=2.5))
    assert policy.next_deadline() == clock.now() + 2.5
    clock.t += 2.5
    assert policy.tick() == [Transfer("database_unavailable", announce=True)]


def test_an_urgent_transfer_brings_a_pending_transfer_forward_and_keeps_its_reason() -> None:
    policy, clock = make()
    policy.want(Request("transfer", "caller_asked_for_person"))
    policy.want(Request("transfer", "database_unavailable", bot_announces=True, within_s=2.5))
    assert policy.pending == Request("transfer", "caller_asked_for_person")
    assert policy.next_deadline() == clock.now() + 2.5
    policy.want(Request("transfer", "later", within_s=10.0))  # a looser bound never pushes it back
    assert policy.next_deadline() == clock.now() + 2.5


def test_an_urgent_transfer_still_acts_at_once_when_the_bot_is_quiet() -> None:
    policy, _ = make()
    policy.want(Request("transfer", "database_unavailable", bot_announces=True, within_s=2.5))
    assert policy.quiet() == [Transfer("database_unavailable", announce=False)]


def test_an_urgent_bound_counts_from_the_ask_so_finding_a_hung_database_out_takes_from_it() -> None:
    """A tool that failed at once leaves the whole bound; one that took 1.3 s to be found out (a
    hung database, probed) leaves the rest; one found out too late hands over at once."""
    policy, clock = make()
    asked = clock.now()
    assert urgent_within(asked, asked) == URGENT_HANDOVER_S
    clock.t += 1.3
    within = urgent_within(asked, clock.now())
    assert abs(within - (URGENT_HANDOVER_S - 1.3)) < 1e-9
    policy.want(Request("transfer", "database_unavailable", bot_announces=True, within_s=within))
    assert policy.next_deadline() == asked + URGENT_HANDOVER_S
    assert urgent_within(asked, asked + URGENT_HANDOVER_S + 1) == 0.0
