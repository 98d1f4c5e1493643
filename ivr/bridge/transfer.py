"""Handing a call to a dispatcher (or ending it) through Twilio's REST API.

Updating a live call with new TwiML ends its media stream and runs the TwiML: `<Dial>` to the
dispatcher, after Twilio's own transfer line (`transfer_say` in ivr/prompts/lines.md, read at
each transfer, so an edit takes effect on the next one), with the dispatcher's whisper URL on the
`<Number>` when PUBLIC_BASE_URL is known. Outside the desk's hours (`desk`) nobody is dialled:
Twilio says when the desk opens and hangs up (a conversation never asks for a transfer then, see
ivr/guidance/desk_hours.py; this covers the hand-overs the bridge starts itself: a lost Realtime
session, a drain out of time). `api_base_url` points the SDK's API
domain at a local stand-in in tests; the SDK's own request building, auth and form encoding
still run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from ivr.config import DeskConfig
from ivr.opening_hours.desk import DeskHours
from ivr.opening_hours.transfer import transfer_decision
from ivr.prompts.store import DEFAULT_PROMPTS, PromptStore
from ivr.settings import Settings
from ivr.telephony.twiml import dial, hangup, say_and_hang_up
from ivr.telephony.whisper_twiml import whisper_url

_log = logging.getLogger("ivr.transfer")


class CallControl(Protocol):
    async def transfer(self, call_sid: str, reason: str, *, announce: bool = True) -> bool:
        """`announce`: Twilio says the transfer line first (False when the bot has just said it)."""
        ...

    async def hangup(self, call_sid: str) -> bool: ...


@dataclass(frozen=True)
class TwilioConfig:
    """The account that may update live calls, and where a handed-over call is dialled."""

    account_sid: str | None
    auth_token: str | None = field(repr=False)
    dispatcher_number: str | None
    public_base_url: str | None = None  # where the dispatcher's whisper is served (none: a cold transfer)
    desk: DeskConfig | None = None  # the desk's opening hours (none: always open)

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioConfig:
        token = settings.twilio_auth_token
        return cls(settings.twilio_account_sid, token.get_secret_value() if token is not None else None,
                   settings.dispatcher_number, settings.public_base_url, DeskConfig.from_settings(settings))


class TwilioCallControl:
    def __init__(
        self,
        account_sid: str | None,
        auth_token: str | None,
        dispatcher_number: str | None,
        *,
        api_base_url: str | None = None,
        prompts: PromptStore = DEFAULT_PROMPTS,
        public_base_url: str | None = None,
        desk: DeskHours | None = None,
    ) -> None:
        self._dispatcher = dispatcher_number
        self._public_base = public_base_url
        self._desk = desk
        self._prompts = prompts
        self._client: Client | None = None
        if account_sid and auth_token:
            # One aiohttp session per request: transfers are rare and this needs no loop at construction.
            http = AsyncTwilioHttpClient(pool_connections=False, timeout=10)
            self._client = Client(account_sid, auth_token, http_client=http)
            if api_base_url:
                self._client.api.base_url = api_base_url.rstrip("/")

    @classmethod
    def from_config(cls, config: TwilioConfig, *, api_base_url: str | None = None) -> TwilioCallControl:
        desk = DeskHours.from_config(config.desk) if config.desk is not None else None
        return cls(config.account_sid, config.auth_token, config.dispatcher_number, api_base_url=api_base_url,
                   public_base_url=config.public_base_url, desk=desk)

    async def transfer(self, call_sid: str, reason: str, *, announce: bool = True) -> bool:
        if self._dispatcher is None:
            _log.error("call=%s transfer wanted (%s) but DISPATCHER_NUMBER is not set", call_sid, reason)
            return False
        if self._desk is not None:
            decision = transfer_decision(self._desk)
            if not decision.attempt:
                _log.warning("call=%s transfer wanted (%s) outside the desk's hours: the caller is told when "
                             "it opens", call_sid, reason)
                return await self._update(call_sid, say_and_hang_up(decision.say), "after-hours goodbye")
        say = self._prompts.snapshot().line("transfer_say") if announce else None
        whisper = whisper_url(self._public_base, call_sid) if self._public_base else None
        return await self._update(call_sid, dial(self._dispatcher, say=say, whisper_url=whisper), "transfer")

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


def call_control_from_settings(settings: Settings, *, api_base_url: str | None = None) -> TwilioCallControl:
    return TwilioCallControl.from_config(TwilioConfig.from_settings(settings), api_base_url=api_base_url)
