"""Twilio's delivery reports for the after-call SMS, written on the call's SMS row.

The row is found by MessageSid, and its status only ever moves forward: a late `sent` never
overwrites `delivered`. The report's phone numbers are neither stored nor logged. The route that
receives the reports, and checks their signatures, is `ivr.web.sms_status`.
"""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall.models import AfterCallJob
from schedules.models import utcnow

log = logging.getLogger("ivr.aftercall")
STATUS_PATH = "/twilio/sms-status"  # the SMS's StatusCallback is PUBLIC_BASE_URL + this
# Twilio's message statuses by how far along they are; the last row are all final.
_RANK = {
    "accepted": 0, "scheduled": 0, "queued": 0, "sending": 1, "sent": 2,
    "delivered": 3, "undelivered": 3, "failed": 3, "read": 4, "canceled": 3,
}
STATUSES = frozenset(_RANK)


def _behind(status: str) -> list[str]:
    """The statuses a row may move on from to `status`."""
    rank = _RANK[status]
    return ["", *(s for s, r in _RANK.items() if r < rank)]


async def record_delivery(sessionmaker: async_sessionmaker[AsyncSession], message_sid: str, status: str,
                          error_code: str = "") -> None:
    """`status` must be one of STATUSES; an unknown MessageSid changes nothing."""
    async with sessionmaker.begin() as session:
        await session.execute(
            update(AfterCallJob)
            .where(AfterCallJob.kind == "sms", AfterCallJob.external_id == message_sid,
                   AfterCallJob.delivery_status.in_(_behind(status)))
            .values(delivery_status=status, updated_at=utcnow(),
                    **({"last_error": f"twilio:{error_code}"} if error_code else {}))
            .execution_options(synchronize_session=False)
        )
    log.info("aftercall sms %s: %s", message_sid, status)
