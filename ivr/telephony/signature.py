"""Twilio request signatures, checked with the twilio SDK against the public URL.

Behind a proxy the URL the app sees is not the one Twilio signed, so the URL is always rebuilt
from PUBLIC_BASE_URL. Both algorithms the SDK knows are accepted: HMAC-SHA1 with the account auth
token, and HMAC-SHA256 (named in X-Twilio-Webhooks-Signature-Settings) with the SharedKey secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twilio.request_validator import (
    HMAC_SHA1,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

SIGNATURE_HEADER = "X-Twilio-Signature"


class SignatureChecker:
    def __init__(self, auth_token: str | None, sha256_key: str | None = None) -> None:
        self._sha1 = RequestValidator(auth_token) if auth_token else None
        self._sha256 = RequestValidator(sha256_key or auth_token) if (sha256_key or auth_token) else None

    def valid(self, url: str, params: Mapping[str, Any], headers: Mapping[str, str]) -> bool:
        """False for a missing, malformed or wrong signature, an unknown algorithm, or no configured secret."""
        signature = headers.get(SIGNATURE_HEADER, "")
        if not signature:
            return False
        algorithm = get_signature_algorithm(headers.get(SIGNATURE_SETTINGS_HEADER))
        validator = self._sha1 if algorithm.upper() == HMAC_SHA1 else self._sha256
        if validator is None:
            return False
        # A MultiDict keeps repeated form fields; the SDK reads them with getall().
        return bool(validator.validate(url, params, signature, algorithm))


def public_url(base_url: str, path: str, *, websocket: bool = False) -> str:
    """The URL Twilio was given for `path`: https:// for webhooks, wss:// for the media stream."""
    base = base_url.rstrip("/")
    if websocket:
        base = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return base + path
