"""Stream tokens: tie a media stream to the signed webhook that started its call.

The webhook hands Twilio a token in a `<Parameter>`; the media socket's `start` must present it
with the same CallSid before it expires. A token is an HMAC, keyed from a secret every instance
shares, over the CallSid, the expiry and every other `<Parameter>` the webhook issued (the
caller's number among them), so any instance can check it without a lookup, and a `start` that
changes or adds a parameter (say, a forged caller ID that would break a name tie) fails it.

This module is the pure part (no clock of its own, no I/O). Spending a token once, on whichever
instance, is `ivr.telephony.token_ledger`: checked here first, so a wrong token never reaches the
database and never spends the right one.

The key is STREAM_TOKEN_SECRET, or else derived from the Twilio auth token (every instance has
it). Either way it goes through HMAC with a fixed label first, so a token's MAC can never double
as a Twilio signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

VERSION = "v1"
_KEY_LABEL = b"dispatch-ivr stream tokens v1"
MAX_TOKEN_CHARS = 128


def derive_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def key_from_settings(settings: Any) -> bytes | None:
    """STREAM_TOKEN_SECRET, else TWILIO_AUTH_TOKEN; None when neither is set (no stream can start)."""
    secret = settings.stream_token_secret or settings.twilio_auth_token
    return derive_key(secret.get_secret_value()) if secret else None


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: int  # Unix seconds


class StreamTokenSigner:
    def __init__(self, key: bytes | None, ttl_seconds: float) -> None:
        self._key = key
        self._ttl = ttl_seconds

    def issue(self, call_sid: str, parameters: Mapping[str, str], now: float) -> IssuedToken:
        """A token for this call and these `<Parameter>`s (the token's own excluded), valid for the TTL."""
        if self._key is None:
            raise RuntimeError("no stream token key: set STREAM_TOKEN_SECRET or TWILIO_AUTH_TOKEN")
        expires_at = math.ceil(now + self._ttl)
        return IssuedToken(f"{VERSION}.{expires_at}.{self._mac(call_sid, expires_at, parameters)}", expires_at)

    def verify(self, call_sid: str, parameters: Mapping[str, str], token: str, now: float) -> int | None:
        """The token's expiry if it was issued for exactly this call and parameters and has not
        expired; None otherwise (malformed, forged, altered, for another call, or too late)."""
        if self._key is None or not token or len(token) > MAX_TOKEN_CHARS:
            return None
        version, _, rest = token.partition(".")
        expiry_text, _, mac = rest.partition(".")
        if version != VERSION or not expiry_text.isdigit() or len(expiry_text) > 12:
            return None
        expires_at = int(expiry_text)
        expected = self._mac(call_sid, expires_at, parameters)
        if not hmac.compare_digest(expected.encode(), mac.encode()):
            return None
        return expires_at if now <= expires_at else None

    def _mac(self, call_sid: str, expires_at: int, parameters: Mapping[str, str]) -> str:
        assert self._key is not None
        message = orjson.dumps([VERSION, call_sid, expires_at, sorted(parameters.items())])
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
