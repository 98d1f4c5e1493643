"""The `sms` job handler: the next stop, as written, to the driver's phone through Twilio Messages.

The twilio SDK sends it with its aiohttp client (`create_async`), so the event loop never waits on
the network. Whether the SMS may go at all was decided when the call finished (sms_rules); here it
is checked once more against the record as it is now: a driver who opted out since, or whose phone
on file changed since the caller ID matched it, gets nothing. A Twilio error is stored as its HTTP
status and error code only: Twilio's message text may quote the phone number.
"""

from __future__ import annotations

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from ivr.aftercall import records
from ivr.aftercall.outcomes import Done, JobFailed, Skip, retryable_status
from ivr.aftercall.queue import ClaimedJob
from ivr.aftercall.sms_rules import e164, phone_digest, sms_body
from ivr.config import SmsConfig
from ivr.prompts.store import SectionFile

PROMPTS = SectionFile("sms.md", ("body", "window", "window_from", "window_until", "no_window", "no_cargo"))
SEND_TIMEOUT_S = 20.0


def twilio_client(config: SmsConfig, *, api_base_url: str | None = None) -> Client | None:
    """The SDK's client on its aiohttp transport; its request log (`twilio.async_http_client`) stays at
    WARNING with the other libraries' (ivr/log_setup.py)."""
    if not config.account_sid or not config.auth_token:
        return None
    client = Client(config.account_sid, config.auth_token,
                    http_client=AsyncTwilioHttpClient(pool_connections=False, timeout=SEND_TIMEOUT_S))
    if api_base_url:
        client.api.base_url = api_base_url.rstrip("/")
    return client


class SmsSender:
    def __init__(self, client: Client, *, from_: str | None = None, messaging_service_sid: str | None = None,
                 status_callback: str | None = None, prompts: SectionFile = PROMPTS) -> None:
        if not (from_ or messaging_service_sid):
            raise ValueError("an SMS needs SMS_FROM or SMS_MESSAGING_SERVICE_SID")
        # The SDK imports its REST modules on first use (~80 ms of one core): here, at start, and never
        # on the event loop of live calls.
        self._messages = client.messages
        self.sender: dict[str, str] = (
            {"messaging_service_sid": messaging_service_sid} if messaging_service_sid else {"from_": from_ or ""}
        )
        if status_callback:
            self.sender["status_callback"] = status_callback
        self.prompts = prompts

    async def __call__(self, job: ClaimedJob, sessionmaker: async_sessionmaker[AsyncSession]) -> Done | Skip:
        async with sessionmaker() as session:
            driver = await records.driver_facts(session, job.payload.get("driver_id"))
            stop_id = job.payload.get("stop_id")
            stop = await records.stop_facts(session, stop_id) if isinstance(stop_id, int) else None
        if driver is None or stop is None:
            return Skip("record_gone")
        if driver.sms_opt_out:
            return Skip("driver_opted_out")
        if not driver.phone or phone_digest(driver.phone) != job.payload.get("phone_digest"):
            return Skip("phone_changed")
        body = sms_body(stop, self.prompts.sections())
        try:
            message = await self._messages.create_async(to=e164(driver.phone), body=body, **self.sender)
        except TwilioRestException as exc:
            raise JobFailed(f"twilio:http_{exc.status}:{exc.code}", retryable=retryable_status(exc.status)) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise JobFailed(f"twilio:{type(exc).__name__}", retryable=True) from None
        return Done(external_id=str(message.sid or ""), delivery_status=str(message.status or "queued"))
