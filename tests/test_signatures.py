"""Twilio signatures against answers computed elsewhere, never by the function the server checks with.

Vectors:
- HMAC-SHA1: the worked example of Twilio's "Secure webhooks" guide
  (https://www.twilio.com/docs/usage/webhooks/webhooks-security, formerly /docs/usage/security
  #validating-requests): auth token 12345, https://mycompany.com/myapp.php?foo=1&bar=2, the five
  parameters below, signature 0/KCTR6DLpKmkAf8muzZqo1nDgQ=.
- HMAC-SHA1 over a JSON body: the twilio SDK's own published test (twilio-python
  tests/unit/test_request_validator.py): bodySHA256 0a1ff763… in the URL, signature a9nBmqA0….
- HMAC-SHA256 (Webhooks SharedKey, https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys):
  Twilio publishes no worked example, so the same request signed with SharedKey secret 12345 was
  computed with OpenSSL, an independent implementation:
  `printf '%s' '<url><sorted params>' | openssl dgst -sha256 -hmac 12345 -binary | base64`.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from multidict import MultiDict

from ivr.settings import SettingsError, load_settings
from ivr.telephony.signature import SignatureChecker

DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
DOC_SHA1 = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
OPENSSL_SHA256 = "Rmm4Vzj+Ky7JGoWXMCsZDZuHDszLr9xvdbvitrDr4/M="
SDK_BODY = '{"property": "value", "boolean": true}'
SDK_BODY_URL = DOC_URL + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
SDK_BODY_SHA1 = "a9nBmqA0ju/hNViExpshrM61xv4="
SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"


def headers(signature: str, **extra: str) -> dict[str, str]:
    return {"X-Twilio-Signature": signature, **extra}


def test_sha1_accepts_twilios_documented_example_whatever_the_request_claims() -> None:
    checker = SignatureChecker("sha1", "12345")
    assert checker.valid(DOC_URL, MultiDict(DOC_PARAMS), headers(DOC_SHA1))
    # The algorithm is configured, not read from the request: a header naming another changes nothing.
    claims_sha256 = headers(DOC_SHA1, **{SETTINGS_HEADER: "key=webhooks_sharedkey_x,algorithm=HMAC_SHA256"})
    assert checker.valid(DOC_URL, MultiDict(DOC_PARAMS), claims_sha256)


def test_sha256_accepts_the_independently_computed_vector_whatever_the_request_claims() -> None:
    checker = SignatureChecker("sha256", "12345")
    assert checker.valid(DOC_URL, DOC_PARAMS, headers(OPENSSL_SHA256))
    assert checker.valid(DOC_URL, DOC_PARAMS, headers(OPENSSL_SHA256, **{SETTINGS_HEADER: "algorithm=HMAC_SHA1"}))


def test_json_bodies_are_checked_against_their_bodysha256() -> None:
    checker = SignatureChecker("sha1", "12345")
    assert checker.valid(SDK_BODY_URL, SDK_BODY, headers(SDK_BODY_SHA1))
    assert not checker.valid(SDK_BODY_URL, SDK_BODY.replace("value", "other"), headers(SDK_BODY_SHA1))


@pytest.mark.parametrize("url,params", [
    (DOC_URL, {**DOC_PARAMS, "Digits": "9999"}),                      # a value changed
    (DOC_URL, {**DOC_PARAMS, "ForwardedFrom": "+81300000000"}),       # a parameter added
    (DOC_URL, {k: v for k, v in DOC_PARAMS.items() if k != "Caller"}),  # a parameter dropped
    (DOC_URL.replace("bar=2", "bar=3"), DOC_PARAMS),                  # the query changed
    ("https://mycompany.com/other.php?foo=1&bar=2", DOC_PARAMS),       # the path changed
    ("https://attacker.example/myapp.php?foo=1&bar=2", DOC_PARAMS),    # the host changed
])
def test_a_request_changed_after_signing_is_refused(url: str, params: dict[str, str]) -> None:
    assert not SignatureChecker("sha1", "12345").valid(url, params, headers(DOC_SHA1))
    assert not SignatureChecker("sha256", "12345").valid(url, params, headers(OPENSSL_SHA256))


def test_each_algorithm_refuses_the_others_signature_and_any_other_key() -> None:
    """No fallback: a sha256 service never takes an auth-token SHA1 signature, nor the reverse."""
    assert not SignatureChecker("sha256", "12345").valid(DOC_URL, DOC_PARAMS, headers(DOC_SHA1))
    # ...even when the request names the other algorithm: the old checker then took an auth-token SHA-256.
    sha256_claim = {SETTINGS_HEADER: "key=webhooks_sharedkey_x,algorithm=HMAC_SHA256"}
    assert not SignatureChecker("sha1", "12345").valid(DOC_URL, DOC_PARAMS, headers(OPENSSL_SHA256, **sha256_claim))
    assert not SignatureChecker("sha1", "54321").valid(DOC_URL, DOC_PARAMS, headers(DOC_SHA1))
    assert not SignatureChecker("sha1", None).valid(DOC_URL, DOC_PARAMS, headers(DOC_SHA1))
    assert not SignatureChecker("sha1", "12345").valid(DOC_URL, DOC_PARAMS, {})


def test_an_unknown_algorithm_in_the_request_is_refused_and_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    forged = "algorithm=HMAC_MD5<script>call-me-+819012345678"
    checker = SignatureChecker("sha1", "12345")
    assert not checker.valid(DOC_URL, DOC_PARAMS, headers("bm90IGEgc2lnbmF0dXJl", **{SETTINGS_HEADER: forged}))
    assert checker.valid(DOC_URL, DOC_PARAMS, headers(DOC_SHA1, **{SETTINGS_HEADER: forged}))
    assert "HMAC_MD5" not in caplog.text and "819012345678" not in caplog.text


def _settings(**values: Any) -> Any:
    return load_settings(twilio_auth_token="auth-token", **values)


def test_the_service_checks_with_the_one_configured_secret() -> None:
    sha1 = SignatureChecker.from_settings(_settings())
    assert sha1.algorithm == "sha1"
    assert sha1.valid(DOC_URL, DOC_PARAMS, headers(_sign("sha1", "auth-token")))
    sha256 = SignatureChecker.from_settings(_settings(twilio_signature_algorithm="HMAC_SHA256",
                                                      twilio_webhook_signing_key="shared-key"))
    assert sha256.algorithm == "sha256"
    assert sha256.valid(DOC_URL, DOC_PARAMS, headers(_sign("sha256", "shared-key")))
    assert not sha256.valid(DOC_URL, DOC_PARAMS, headers(_sign("sha256", "auth-token")))  # no fallback key
    assert not sha256.valid(DOC_URL, DOC_PARAMS, headers(_sign("sha1", "auth-token")))    # sha1 retired


def _sign(algorithm: str, key: str) -> str:
    """Signatures for keys the published vectors do not use, made with hashlib directly."""
    import base64
    import hashlib
    import hmac

    text = DOC_URL + "".join(k + DOC_PARAMS[k] for k in sorted(DOC_PARAMS))
    digest = hmac.new(key.encode(), text.encode(), getattr(hashlib, algorithm)).digest()
    return base64.b64encode(digest).decode()


@pytest.mark.parametrize("values,named", [
    ({"twilio_signature_algorithm": "sha256"}, "TWILIO_WEBHOOK_SIGNING_KEY"),
    ({"twilio_webhook_signing_key": "k"}, "TWILIO_SIGNATURE_ALGORITHM"),
    ({"twilio_signature_algorithm": "md5"}, "TWILIO_SIGNATURE_ALGORITHM"),
])
def test_settings_refuse_anything_but_one_algorithm_with_its_own_secret(values: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as err:
        _settings(**values)
    assert named in str(err.value)


def test_a_rotation_accepts_the_previous_secret_beside_the_current_one_and_never_alone() -> None:
    """Between a new token reaching the instances and its promotion in Twilio, requests come signed
    with either; both pass while the previous one is configured, and none once it is removed."""
    rolling = SignatureChecker.from_settings(_settings(twilio_auth_token_previous="old-token"))
    assert rolling.valid(DOC_URL, DOC_PARAMS, headers(_sign("sha1", "auth-token")))
    assert rolling.valid(DOC_URL, DOC_PARAMS, headers(_sign("sha1", "old-token")))
    assert not rolling.valid(DOC_URL, DOC_PARAMS, headers(_sign("sha1", "another-token")))
    done = SignatureChecker.from_settings(_settings())
    assert not done.valid(DOC_URL, DOC_PARAMS, headers(_sign("sha1", "old-token")))
    # A previous secret with no current one opens nothing.
    orphan = SignatureChecker("sha1", None, "old-token")
    assert not orphan.valid(DOC_URL, DOC_PARAMS, headers(_sign("sha1", "old-token")))
    sha256 = SignatureChecker.from_settings(_settings(
        twilio_signature_algorithm="sha256", twilio_webhook_signing_key="new-key",
        twilio_webhook_signing_key_previous="old-key", twilio_auth_token_previous="old-token",
    ))
    assert sha256.valid(DOC_URL, DOC_PARAMS, headers(_sign("sha256", "old-key")))
    assert not sha256.valid(DOC_URL, DOC_PARAMS, headers(_sign("sha256", "old-token")))  # never the other family
