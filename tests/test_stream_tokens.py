"""Stream tokens: the HMAC (pure, explicit clock) and the once-only ledger on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ivr.settings import load_settings
from ivr.telephony.stream_tokens import StreamTokenSigner, derive_key, key_from_settings
from ivr.telephony.token_ledger import StreamTokenRow, TokenLedger

SID = "CA" + "a" * 32
OTHER = "CA" + "b" * 32
NOW = 1_800_000_000.0
PARAMS = {"from": "+819012345678"}


@pytest.fixture
def signer() -> StreamTokenSigner:
    return StreamTokenSigner(derive_key("instance-shared-secret"), ttl_seconds=30)


def test_a_token_verifies_for_its_call_and_parameters_on_any_instance(signer: StreamTokenSigner) -> None:
    issued = signer.issue(SID, PARAMS, NOW)
    other_instance = StreamTokenSigner(derive_key("instance-shared-secret"), ttl_seconds=30)
    assert other_instance.verify(SID, PARAMS, issued.token, NOW + 29) == issued.expires_at
    assert issued.expires_at == NOW + 30


@pytest.mark.parametrize("change", [
    lambda sid, params, token: (OTHER, params, token),                                  # another call
    lambda sid, params, token: (sid, {"from": "+819000000000"}, token),                 # a forged caller ID
    lambda sid, params, token: (sid, {**params, "driver": "x"}, token),                 # a parameter added
    lambda sid, params, token: (sid, {}, token),                                        # a parameter dropped
    lambda sid, params, token: (sid, params, token.replace(".18000000", ".18000009")),  # a later expiry
    lambda sid, params, token: (sid, params, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")),
    lambda sid, params, token: (sid, params, "v2" + token[2:]),
    lambda sid, params, token: (sid, params, ""),
    lambda sid, params, token: (sid, params, "x" * 5000),
])
def test_a_token_altered_in_any_part_is_refused(signer: StreamTokenSigner, change) -> None:  # type: ignore[no-untyped-def]
    issued = signer.issue(SID, PARAMS, NOW)
    sid, params, token = change(SID, PARAMS, issued.token)
    assert signer.verify(sid, params, token, NOW) is None


def test_a_token_expires_and_a_key_from_elsewhere_never_verifies(signer: StreamTokenSigner) -> None:
    issued = signer.issue(SID, PARAMS, NOW)
    assert signer.verify(SID, PARAMS, issued.token, NOW + 30) == issued.expires_at
    assert signer.verify(SID, PARAMS, issued.token, NOW + 31) is None
    stranger = StreamTokenSigner(derive_key("another-deployment"), ttl_seconds=30)
    assert stranger.verify(SID, PARAMS, issued.token, NOW) is None
    assert StreamTokenSigner(None, 30).verify(SID, PARAMS, issued.token, NOW) is None


def test_the_key_defaults_to_one_derived_from_the_auth_token_and_is_not_the_token() -> None:
    by_auth = load_settings(twilio_auth_token="auth-token")
    assert key_from_settings(by_auth) == derive_key("auth-token") != b"auth-token"
    own = load_settings(twilio_auth_token="auth-token", stream_token_secret="own-secret")
    assert key_from_settings(own) == derive_key("own-secret")
    assert key_from_settings(load_settings()) is None


async def _rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(StreamTokenRow))).scalar_one())


async def test_a_call_is_issued_one_token_and_spends_it_once(engine: AsyncEngine) -> None:
    ledger = TokenLedger(keep_after_expiry_s=900)
    now = int(NOW)
    assert await ledger.issue(engine, SID, now + 30, now)
    assert not await ledger.issue(engine, SID, now + 45, now + 15)  # a replayed webhook gets none
    assert not await ledger.spend(engine, SID, now + 45, now + 16)  # nor could it spend one
    assert not await ledger.spend(engine, OTHER, now + 30, now + 1)
    assert await ledger.spend(engine, SID, now + 30, now + 1)
    assert not await ledger.spend(engine, SID, now + 30, now + 2)


async def test_concurrent_spends_of_one_token_succeed_exactly_once(engine: AsyncEngine) -> None:
    ledger = TokenLedger(keep_after_expiry_s=900)
    now = int(NOW)
    await ledger.issue(engine, SID, now + 30, now)
    results = await asyncio.gather(*(ledger.spend(engine, SID, now + 30, now + 1) for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]


async def test_rows_are_kept_until_the_call_has_surely_ended_then_pruned(engine: AsyncEngine) -> None:
    ledger = TokenLedger(keep_after_expiry_s=900)
    now = int(NOW)
    await ledger.issue(engine, SID, now + 30, now)
    await ledger.issue(engine, OTHER, now + 630, now + 600)
    assert await ledger.prune(engine, now + 929) == 0  # a 15-minute call may still be live
    assert not await ledger.issue(engine, SID, now + 929 + 30, now + 929)
    assert await ledger.prune(engine, now + 931) == 1
    assert await _rows(engine) == 1
    assert await ledger.issue(engine, SID, now + 961, now + 931)  # long gone: the CallSid is free again
