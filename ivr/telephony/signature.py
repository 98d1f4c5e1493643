"""Twilio request signatures, checked with the twilio SDK against the public URL.

Behind a proxy the URL the app sees is not the one Twilio signed, so the URL is always rebuilt
from PUBLIC_BASE_URL. Exactly one algorithm is accepted, with exactly one secret, both chosen
by configuration (TWILIO_SIGNATURE_ALGORITHM), plus the secret it replaces while a rotation rolls
out (TWILIO_AUTH_TOKEN_PREVIOUS, TWILIO_WEBHOOK_SIGNING_KEY_PREVIOUS): Twilio switches to signing
with the new token the moment it is promoted, while some instances may still hold the old one, or
the other way round; accepting both for the length of a rollout keeps every call.

- `sha1` (Twilio's default): HMAC-SHA1 keyed with the account auth token;
- `sha256`: HMAC-SHA256 keyed with a Webhooks SharedKey secret (Twilio's Webhook Rules), which
  takes the auth token out of webhook signing altogether.

The request's own `X-Twilio-Webhooks-Signature-Settings` header is never read: it comes from
whoever sends the request, so letting it pick the algorithm (or the key) would let a caller pick
the weakest one configured, and an unknown value would reach the SDK's warning log verbatim.
Both algorithms sign the same string (the URL, then the sorted POST parameters); Twilio's JSON
webhooks add `bodySHA256` to the URL, which the SDK checks when given the raw body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from twilio.request_validator import HMAC_SHA1, HMAC_SHA256, RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"
Algorithm = Literal["sha1", "sha256"]
_SDK_NAMES: dict[str, str] = {"sha1": HMAC_SHA1, "sha256": HMAC_SHA256}
MAX_SIGNATURE_CHARS = 128  # base64 of a SHA-256 MAC is 44; anything far longer is not a signature


class SignatureChecker:
    def __init__(self, algorithm: Algorithm, secret: str | None, previous: str | None = None) -> None:
        if algorithm not in _SDK_NAMES:
            raise ValueError("TWILIO_SIGNATURE_ALGORITHM must be sha1 or sha256")
        self.algorithm = algorithm
        self._sdk_algorithm = _SDK_NAMES[algorithm]
        # The previous secret only ever counts beside a current one: never on its own.
        secrets = [secret, previous] if secret else []
        self._validators = [RequestValidator(s) for s in secrets if s]

    @classmethod
    def from_settings(cls, settings: Any) -> SignatureChecker:
        """sha1 takes TWILIO_AUTH_TOKEN, sha256 TWILIO_WEBHOOK_SIGNING_KEY; never one for the other."""
        algorithm: Algorithm = settings.twilio_signature_algorithm
        if algorithm == "sha1":
            secret, previous = settings.twilio_auth_token, settings.twilio_auth_token_previous
        else:
            secret, previous = settings.twilio_webhook_signing_key, settings.twilio_webhook_signing_key_previous
        return cls(
            algorithm,
            secret.get_secret_value() if secret else None,
            previous.get_secret_value() if previous else None,
        )

    def valid(self, url: str, params: Mapping[str, Any] | str, headers: Mapping[str, str]) -> bool:
        """False for a missing, malformed or wrong signature, or no configured secret."""
        signature = headers.get(SIGNATURE_HEADER, "")
        if not signature or len(signature) > MAX_SIGNATURE_CHARS:
            return False
        # A MultiDict keeps repeated form fields; the SDK reads them with getall().
        return any(v.validate(url, params, signature, self._sdk_algorithm) for v in self._validators)


def public_url(base_url: str, path: str, *, websocket: bool = False) -> str:
    """The URL Twilio was given for `path`: https:// for webhooks, wss:// for the media stream."""
    base = base_url.rstrip("/")
    if websocket:
        base = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return base + path
