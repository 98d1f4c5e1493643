"""One-time tokens that tie a media stream to the webhook that started it.

The webhook hands a token to Twilio in a `<Parameter>`; the media socket's `start` must present
it with the same CallSid within the TTL, exactly once. A leaked `<Stream>` URL alone therefore
opens nothing. Tokens live in the app (per process): Twilio connects the stream to the same
deployment seconds later.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Issued:
    token: str
    expires_at: float


class StreamTokens:
    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._issued: dict[str, _Issued] = {}

    def issue(self, call_sid: str) -> str:
        self._expire()
        token = secrets.token_urlsafe(32)
        self._issued[call_sid] = _Issued(token, self._clock() + self._ttl)
        return token

    def redeem(self, call_sid: str, token: str) -> bool:
        """True once for the right token of that call before it expires; the token is spent either way."""
        issued = self._issued.pop(call_sid, None)
        if issued is None or self._clock() > issued.expires_at:
            return False
        return hmac.compare_digest(issued.token.encode(), token.encode())

    def _expire(self) -> None:
        now = self._clock()
        for sid in [s for s, i in self._issued.items() if now > i.expires_at]:
            del self._issued[sid]
