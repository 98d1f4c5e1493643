"""`POST /twilio/sms-status`: Twilio's delivery reports for the after-call SMS.

Checked like every Twilio request (`ivr.web.voice`): the signature over PUBLIC_BASE_URL + path
and the form, with the one configured algorithm and secret (`state.gate.signatures`), before
anything else is read; a request that fails it counts against its source and, once the source has
failed too often, gets 429 (docs/security.md). A signed request is never refused by the limiter.
Routed at `STATUS_PATH` by `ivr.aftercall.service.install` when SMS_ENABLED is set.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall.delivery import STATUSES, record_delivery
from ivr.web.refusals import signed_form

MAX_MESSAGE_SID = 64
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


def sms_status_route(sessionmaker: async_sessionmaker[AsyncSession]) -> Route:
    async def sms_status(request: web.Request) -> web.Response:
        signed = await signed_form(request)
        if isinstance(signed, web.Response):
            return signed
        form = signed.form
        sid, status, code = form.get("MessageSid"), form.get("MessageStatus"), form.get("ErrorCode")
        if not (isinstance(sid, str) and 0 < len(sid) <= MAX_MESSAGE_SID and isinstance(status, str)
                and status in STATUSES):
            return web.Response(status=400, text="MessageSid and a known MessageStatus are required")
        await record_delivery(sessionmaker, sid, status, code[:20] if isinstance(code, str) else "")
        return web.Response(status=204)

    return sms_status
