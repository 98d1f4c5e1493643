"""The ways in, as one app instance holds them: the signature checker, the stream-token signer and
ledger, the trusted proxies, and the per-source failure limits.

The rules they enforce are in `ivr.web.voice` (the webhook) and `ivr.web.media` (the socket).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from ivr.settings import Settings
from ivr.telephony.signature import SignatureChecker
from ivr.telephony.stream_tokens import StreamTokenSigner, key_from_settings
from ivr.telephony.token_ledger import TokenLedger
from ivr.web.client_address import TrustedProxies, parse_address
from ivr.web.limits import FailureLimiter

FORWARDED_FOR = "X-Forwarded-For"
_log = logging.getLogger("ivr.web")


@dataclass
class Gate:
    signatures: SignatureChecker
    signer: StreamTokenSigner
    ledger: TokenLedger
    proxies: TrustedProxies
    # Requests whose signature failed. Never consulted for a request with a good signature.
    bad_signatures: FailureLimiter = field(default_factory=FailureLimiter)
    # Media sockets with a good upgrade signature but no good `start`: only a copy of the (fixed,
    # replayable) upgrade signature gets that far, so these block the source's upgrades.
    bad_streams: FailureLimiter = field(default_factory=FailureLimiter)
    wall_clock: Callable[[], float] = time.time  # token expiries are compared across instances
    _proxy_hint_logged: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Gate:
        """Read from `Settings` itself: the secrets go straight into the checker, signer and no further."""
        return cls(
            signatures=SignatureChecker.from_settings(settings),
            signer=StreamTokenSigner(key_from_settings(settings), settings.stream_token_ttl_seconds),
            # A call's row is kept until the call has surely ended: no second token for it meanwhile.
            ledger=TokenLedger(keep_after_expiry_s=settings.max_call_seconds),
            proxies=TrustedProxies.from_spec(settings.trusted_proxies),
        )

    def source_of(self, request: web.Request) -> str | None:
        """The limiter's key for the request's client (None: a trusted proxy itself)."""
        forwarded = request.headers.getall(FORWARDED_FOR, [])
        if forwarded and not self._proxy_hint_logged:
            peer = parse_address(request.remote or "")
            if peer is not None and not peer.is_global and not self.proxies.trusted(peer):
                self._proxy_hint_logged = True
                _log.warning("requests from %s carry X-Forwarded-For, but TRUSTED_PROXIES does not list it: "
                             "the limiter counts every client behind it as one source", peer)
        return self.proxies.client_key(request.remote, forwarded)
