"""The per-source limiter and who counts as the source, without sockets (clock injected)."""

from __future__ import annotations

import ipaddress

import pytest

from ivr.web.client_address import TrustedProxies, parse_address
from ivr.web.limits import FailureLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_source_is_blocked_at_the_limit_and_freed_when_its_failures_age_out() -> None:
    clock = Clock()
    limiter = FailureLimiter(max_failures=3, window_s=60, clock=clock)
    for _ in range(2):
        limiter.fail("203.0.113.9")
    assert not limiter.blocked("203.0.113.9")
    limiter.fail("203.0.113.9")
    assert limiter.blocked("203.0.113.9") and not limiter.blocked("198.51.100.1")
    clock.now += 30
    for _ in range(3):
        limiter.fail("203.0.113.9")  # still failing: the block holds past the first failures' age
    clock.now += 45
    assert limiter.blocked("203.0.113.9")
    clock.now += 16
    assert not limiter.blocked("203.0.113.9")


def test_rotating_through_fresh_addresses_does_not_reset_a_block() -> None:
    """The old table was cleared past 10 000 sources: 10 001 junk requests from fresh addresses
    unblocked everyone. Now the stalest unblocked sources make room, and the blocked one stays."""
    clock = Clock()
    limiter = FailureLimiter(max_failures=20, window_s=60, max_sources=1000, clock=clock)
    for _ in range(20):
        limiter.fail("203.0.113.9")
    for i in range(20_000):
        clock.now += 0.001
        limiter.fail(f"rotating-{i}")
    assert limiter.blocked("203.0.113.9")
    assert len(limiter) <= 1000
    assert not limiter.blocked("rotating-0") and limiter.blocked("rotating-19999") is False


def test_a_full_table_of_blocked_sources_drops_the_oldest_block_only() -> None:
    clock = Clock()
    limiter = FailureLimiter(max_failures=2, window_s=60, max_sources=3, clock=clock)
    for source in ("a", "b", "c", "d"):
        clock.now += 1
        limiter.fail(source)
        limiter.fail(source)
    assert [limiter.blocked(s) for s in "abcd"] == [False, True, True, True]


def test_no_source_is_never_counted_nor_blocked() -> None:
    limiter = FailureLimiter(max_failures=1)
    limiter.fail(None)
    assert not limiter.blocked(None) and len(limiter) == 0


PROXIES = TrustedProxies.from_spec("10.0.0.0/23, 100.100.0.0/16, 2001:db8:1::/48")


@pytest.mark.parametrize("peer,forwarded,key", [
    ("203.0.113.9", [], "203.0.113.9"),                                # no proxy: the peer
    ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),                  # an untrusted peer's header is ignored
    ("10.0.0.5", ["198.51.100.1"], "198.51.100.1"),                    # one trusted hop
    ("10.0.0.5", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),           # the client's own prefix is never read
    ("10.0.0.5", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),         # one header per hop (haproxy)
    ("10.0.0.5", ["198.51.100.1, 100.100.0.52"], "198.51.100.1"),      # two trusted hops
    ("::ffff:100.100.0.52", ["198.51.100.1"], "198.51.100.1"),         # a dual-stack socket's v4 peer
    ("10.0.0.5", ["198.51.100.1:51234"], "198.51.100.1"),              # a port written by the proxy
    ("10.0.0.5", ["[2001:db8:9:9::1]:443"], "2001:db8:9:9::/64"),       # IPv6 keyed by its /64
    ("2001:db8:9:9::abcd", [], "2001:db8:9:9::/64"),
    ("10.0.0.5", [], None),                                            # the proxy itself: never a source
    ("10.0.0.5", ["10.0.1.7, 100.100.3.3"], None),                     # only trusted hops
    ("10.0.0.5", ["unknown"], "forwarded:unknown"),
])
def test_the_client_is_the_first_untrusted_hop_from_the_right(peer: str, forwarded: list[str], key: str | None) -> None:
    assert PROXIES.client_key(peer, forwarded) == key


def test_without_trusted_proxies_the_header_is_never_believed() -> None:
    assert TrustedProxies().client_key("127.0.0.1", ["203.0.113.9"]) == "127.0.0.1"


def test_addresses_as_peers_and_proxies_write_them() -> None:
    assert parse_address("::ffff:1.2.3.4") == ipaddress.ip_address("1.2.3.4")
    assert parse_address("[::1]:80") == ipaddress.ip_address("::1")
    assert parse_address("not an address") is None
    with pytest.raises(ValueError, match=r"'10\.0\.0\.0/33'"):
        TrustedProxies.from_spec("10.0.0.0/8, 10.0.0.0/33")
