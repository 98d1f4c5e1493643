"""What every call's conversation shares: the database, the search backend, the prompts, the clock.

Shared here means read-only service handles; nothing in this object belongs to one call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall.enqueue import FinishHook
from ivr.guidance.prompts import PromptStore
from schedules.search.base import DestinationSearch
from schedules.search.indexing import make_search


@dataclass(frozen=True)
class GuidanceDeps:
    sessionmaker: async_sessionmaker[AsyncSession]
    search: DestinationSearch
    prompts: PromptStore
    today: Callable[[], dt.date]
    depot_id: str = "default"
    turn_mode: str = ""
    after_call: FinishHook | None = None  # queues the call's summary and SMS as it finishes (ivr/aftercall)

    @classmethod
    def from_settings(cls, settings: Any, sessionmaker: async_sessionmaker[AsyncSession], *,
                      today: Callable[[], dt.date] | None = None, prompts: PromptStore | None = None,
                      search: DestinationSearch | None = None,
                      after_call: FinishHook | None = None) -> GuidanceDeps:
        tz = ZoneInfo(getattr(settings, "timezone", "Asia/Tokyo"))
        return cls(
            sessionmaker=sessionmaker,
            search=search if search is not None else make_search(settings, sessionmaker),
            prompts=prompts if prompts is not None else PromptStore(),
            today=today if today is not None else (lambda: dt.datetime.now(tz).date()),
            depot_id=getattr(settings, "depot_id", "default"),
            turn_mode=getattr(settings, "turn_mode", ""),
            after_call=after_call,
        )
