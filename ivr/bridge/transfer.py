"""Handing a call to a dispatcher (or ending it) through Twilio's REST API.

Updating a live call with new TwiML ends its media stream and runs the TwiML: `<Dial>` to the
dispatcher. `api_base_url` points the SDK's API domain at a local stand-in in tests; the SDK's
own request building, auth and form encoding still run.
"""

from __future__ import annotations

import logging
from typing import Protocol

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from ivr.telephony.twiml import dial, hangup

_log = logging.getLogger("ivr.transfer")
TRANSFER_SAY = "配車係におつなぎします。少々お待ちください。"  # the prompts' own words (ivr/prompts/steps.md)


class CallControl(Protocol):
    async def transfer(self, call_sid: str, reason: str, *, announce: bool = True) -> bool:
        """`announce`: Twilio says TRANSFER_SAY first (False when the bot has just said it)."""
        ...

    async def hangup(self, call_sid: str) -> bool: ...


class TwilioCallControl:
    def __init__(
        self,
        account_sid: str | None,
        auth_token: str | None,
        dispatcher_number: str | None,
        *,
        api_base_url: str | None = None,
    ) -> None:
        self._dispatcher = dispatcher_number
        self._client: Client | None = None
        if account_sid and auth_token:
            # One aiohttp session per request: transfers are rare and this needs no loop at construction.
            http = AsyncTwilioHttpClient(pool_connections=False, timeout=10)
            self._client = Client(account_sid, auth_token, http_client=http)
            if api_base_url:
                self._client.api.base_url = api_base_url.rstrip("/")

    async def transfer(self, call_sid: str, reason: str, *, announce: bool = True) -> bool:
        if self._dispatcher is None:
            _log.error("call=%s transfer wanted (%s) but DISPATCHER_NUMBER is not set", call_sid, reason)
            return False
        say = TRANSFER_SAY if announce else None
        return await self._update(call_sid, dial(self._dispatcher, say=say), "transfer")

    async def hangup(self, call_sid: str) -> bool:
        return await self._update(call_sid, hangup(), "hangup")

    async def _update(self, call_sid: str, twiml: str, what: str) -> bool:
        if self._client is None:
            _log.error("call=%s %s wanted but TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN are not set", call_sid, what)
            return False
        try:
            await self._client.calls(call_sid).update_async(twiml=twiml)
        except Exception as exc:
            _log.error("call=%s %s failed: %s", call_sid, what, type(exc).__name__)
            return False
        return True


def call_control_from_settings(settings: object, *, api_base_url: str | None = None) -> TwilioCallControl:
    token = getattr(settings, "twilio_auth_token", None)
    return TwilioCallControl(
        getattr(settings, "twilio_account_sid", None),
        token.get_secret_value() if token is not None else None,
        getattr(settings, "dispatcher_number", None),
        api_base_url=api_base_url,
    )
