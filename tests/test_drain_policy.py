"""The drain's decisions on an injected clock, and the worker count `ivr serve` picks: no sockets."""

from __future__ import annotations

import pytest

from ivr.cli import main
from ivr.commands.serve import cores_from_cpu_max, default_workers
from ivr.web.drain import DrainPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def policy(seconds: float = 300, stream_wait: float = 30) -> tuple[DrainPolicy, Clock]:
    clock = Clock()
    return DrainPolicy(seconds, stream_wait, clock), clock


def test_nothing_happens_before_the_signal() -> None:
    p, clock = policy(seconds=0)
    clock.now += 10_000
    assert not p.draining
    assert p.next_step(0, []) == "wait"


def test_an_idle_instance_is_done_at_once() -> None:
    p, _ = policy()
    assert p.begin()
    assert p.draining
    assert p.next_step(0, []) == "done"


def test_calls_go_on_until_drain_seconds_then_are_handed_over() -> None:
    p, clock = policy(seconds=300)
    p.begin()
    clock.now += 299.9
    assert p.next_step(2, ["CA1", "CA2"]) == "wait"
    clock.now += 0.1
    assert p.next_step(2, ["CA1", "CA2"]) == "hand_over"
    assert p.next_step(0, []) == "done"


def test_calls_that_end_on_their_own_end_the_drain_early() -> None:
    p, clock = policy(seconds=300)
    p.begin()
    clock.now += 5
    assert p.next_step(1, ["CA1"]) == "wait"
    clock.now += 5
    assert p.next_step(0, []) == "done"


def test_a_second_signal_does_not_restart_the_clock() -> None:
    p, clock = policy(seconds=10)
    assert p.begin()
    clock.now += 8
    assert not p.begin()
    clock.now += 2
    assert p.next_step(1, ["CA1"]) == "hand_over"


def test_an_answered_webhook_holds_the_drain_until_its_socket_arrives() -> None:
    p, clock = policy(seconds=300, stream_wait=30)
    p.webhook_answered("CA9")  # answered just before the signal
    p.begin()
    assert p.next_step(0, []) == "wait"  # its media socket has not come yet
    clock.now += 1
    assert p.next_step(1, ["CA9"]) == "wait"  # it came: now it is an ordinary call
    assert p.awaiting_streams == 0
    assert p.next_step(0, []) == "done"


def test_a_webhook_whose_socket_never_comes_is_forgotten_after_the_token_lifetime() -> None:
    p, clock = policy(seconds=300, stream_wait=30)
    p.begin()
    p.webhook_answered("CA9")
    clock.now += 29
    assert p.next_step(0, []) == "wait"
    clock.now += 2
    assert p.next_step(0, []) == "done"


def test_a_call_that_started_and_ended_before_the_signal_does_not_hold_the_drain() -> None:
    p, clock = policy(stream_wait=30)
    p.webhook_answered("CA1")
    clock.now += 5
    p.stream_seen("CA1")  # its socket came and went (ivr.web.drain.OpenCalls tells the policy)
    p.begin()
    assert p.next_step(0, []) == "done"


def test_old_webhooks_are_not_kept_while_the_instance_serves() -> None:
    p, clock = policy(stream_wait=30)
    for i in range(1000):
        p.webhook_answered(f"CA{i}")
        clock.now += 1
    assert p.awaiting_streams <= 31


def test_a_webhook_answered_again_is_counted_once_from_its_last_answer() -> None:
    p, clock = policy(stream_wait=30)
    p.webhook_answered("CA1")
    clock.now += 20
    p.webhook_answered("CA1")
    clock.now += 20
    assert p.awaiting_streams == 1


@pytest.mark.parametrize("text,cores", [
    ("max 100000", None),
    ("200000 100000", 2),
    ("150000 100000", 2),  # 1.5 CPUs: two workers, the second one busy half the time
    ("50000 100000", 1),
    ("garbage", None),
    ("0 100000", None),
])
def test_cgroup_cpu_quota_as_whole_cores(text: str, cores: int | None) -> None:
    assert cores_from_cpu_max(text) == cores


def test_default_workers_is_at_least_one_and_at_most_the_usable_cores() -> None:
    import os

    assert 1 <= default_workers() <= len(os.sched_getaffinity(0))


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_serve_refuses_a_bad_worker_count(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["serve", "--workers", value])
    assert stop.value.code == 2
    assert "--workers" in capsys.readouterr().err
