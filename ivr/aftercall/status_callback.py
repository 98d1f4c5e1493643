"""`POST /twilio/sms-status`: Twilio's delivery reports for the after-call SMS.

Signed like every Twilio request (X-Twilio-Signature over PUBLIC_BASE_URL + path and the form).
The status is written on the call's SMS row found by MessageSid, and only ever moves forward: a
late `sent` never overwrites `delivered`. The form's phone numbers are neither stored nor logged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall.models import AfterCallJob
from ivr.telephony.signature import SignatureChecker, public_url
from schedules.models import utcnow

log = logging.getLogger("ivr.aftercall")
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Twilio's message statuses by how far along they are; the last row are all final.
_RANK = {
    "accepted": 0, "scheduled": 0, "queued": 0, "sending": 1, "sent": 2,
    "delivered": 3, "undelivered": 3, "failed": 3, "read": 4, "canceled": 3,
}


def _behind(status: str) -> list[str]:
    """The statuses a row may move on from to `status`."""
    rank = _RANK[status]
    return ["", *(s for s, r in _RANK.items() if r < rank)]


def status_handler(sessionmaker: async_sessionmaker[AsyncSession], signatures: SignatureChecker,
                   public_base: str | None) -> Route:
    async def sms_status(request: web.Request) -> web.Response:
        form = await request.post()
        if public_base is None or not signatures.valid(public_url(public_base, request.path_qs), form,
                                                       request.headers):
            return web.Response(status=403, text="forbidden")
        sid, status = form.get("MessageSid"), form.get("MessageStatus")
        if not isinstance(sid, str) or not sid or not isinstance(status, str) or status not in _RANK:
            return web.Response(status=400, text="MessageSid and a known MessageStatus are required")
        code = form.get("ErrorCode")
        async with sessionmaker.begin() as session:
            await session.execute(
                update(AfterCallJob)
                .where(AfterCallJob.kind == "sms", AfterCallJob.external_id == sid,
                       AfterCallJob.delivery_status.in_(_behind(status)))
                .values(delivery_status=status, updated_at=utcnow(),
                        **({"last_error": f"twilio:{code}"} if isinstance(code, str) and code else {}))
                .execution_options(synchronize_session=False)
            )
        log.info("aftercall sms %s: %s", sid, status)
        return web.Response(status=204)

    return sms_status
