"""Who is on the other end of a request, for the per-source limiter.

Behind a proxy every request's peer is the proxy, so the client's address must come from
`X-Forwarded-For`, and that header is written by whoever sends the request: only the entries
appended by proxies we run can be believed. The standard reading: start from the peer; while
the address in hand is a trusted proxy, step to the X-Forwarded-For entry it appended (the
rightmost one not yet used). The first untrusted address is the client. A client can put anything
to the left of that; it is never read.

A request whose chain ends in a trusted proxy (a health check from the proxy itself, a proxy that
sent no header) has no client to hold to account: it gets no key, so a proxy is never blocked.

IPv6 clients are keyed by their /64: one subscriber holds a whole /64, and keying single
addresses would let them rotate through 2^64 keys.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(spec: str) -> tuple[Network, ...]:
    """TRUSTED_PROXIES: comma-separated addresses or CIDRs; ValueError names the bad entry."""
    networks = []
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry[:60]!r} is not an IP address or CIDR") from None
    return tuple(networks)


def parse_address(text: str) -> Address | None:
    """An address as peers and proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443`,
    `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket is the IPv4 client)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class TrustedProxies:
    def __init__(self, networks: Sequence[Network] = ()) -> None:
        self._networks = tuple(networks)

    @classmethod
    def from_spec(cls, spec: str) -> TrustedProxies:
        return cls(parse_networks(spec))

    def __bool__(self) -> bool:
        return bool(self._networks)

    def trusted(self, address: Address) -> bool:
        return any(address.version == net.version and address in net for net in self._networks)

    def client_key(self, peer: str | None, forwarded_for: Sequence[str]) -> str | None:
        """The limiter's key for a request from `peer` carrying these X-Forwarded-For headers (in
        order); None when the request has no client outside the trusted proxies."""
        address = parse_address(peer or "")
        if address is None:
            return f"peer:{(peer or 'unknown')[:64]}"
        hops = [hop for header in forwarded_for for hop in header.split(",")]
        while self.trusted(address):
            if not hops:
                return None
            written = hops.pop().strip()
            parsed = parse_address(written)
            if parsed is None:  # a trusted proxy appended what is not an address: key on what it wrote
                return f"forwarded:{written[:64]}"
            address = parsed
        return key_of(address)


def key_of(address: Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
