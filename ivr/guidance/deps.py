"""What every call's conversation shares: the database, the search backend, the prompts, the clock,
the identification limits across calls and their metrics.

Shared here means service handles; nothing in this object belongs to one call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall.enqueue import FinishHook
from ivr.config import GuidanceConfig
from ivr.guidance.ident_metrics import IdentMetrics
from ivr.opening_hours.desk import DeskHours
from ivr.prompts.store import PromptStore
from ivr.records.keeper import RecordKeeper
from ivr.records.recorder import CallRecorder
from lookup.attempt_ledger import AttemptLedger
from schedules.search.base import DestinationSearch


@dataclass(frozen=True)
class GuidanceDeps:
    sessionmaker: async_sessionmaker[AsyncSession]
    search: DestinationSearch
    prompts: PromptStore
    today: Callable[[], dt.date]
    depot_id: str
    turn_mode: str
    after_call: FinishHook | None = None  # queues the call's summary and SMS as it finishes (ivr/aftercall)
    ledger: AttemptLedger | None = None  # None: attempts count per call only (tools run without a service)
    caller_hash_key: bytes | None = field(default=None, repr=False)
    metrics: IdentMetrics = field(default_factory=IdentMetrics)
    desk: DeskHours | None = None  # the dispatch desk's opening hours; None: always open
    keeper: RecordKeeper | None = None  # holds (and spools) call records while the database is away

    def recorder(self, call_sid: str) -> CallRecorder:
        return CallRecorder(self.sessionmaker, call_sid, self.keeper)

    @classmethod
    def build(cls, config: GuidanceConfig, sessionmaker: async_sessionmaker[AsyncSession], *,
              today: Callable[[], dt.date] | None = None, prompts: PromptStore | None = None,
              search: DestinationSearch | None = None, after_call: FinishHook | None = None,
              registry: CollectorRegistry | None = None, desk: DeskHours | None = None,
              keeper: RecordKeeper | None = None) -> GuidanceDeps:
        """The service's deps; `today`, `prompts` and `search` replace the configured ones (tests, the demo);
        the identification metrics go on `registry` (the app's, so /metrics shows them); `desk`
        replaces the configured opening hours (a test's clock)."""
        tz = ZoneInfo(config.timezone)
        return cls(
            sessionmaker=sessionmaker,
            search=search if search is not None else config.search.make(sessionmaker),
            prompts=prompts if prompts is not None else PromptStore(),
            today=today if today is not None else (lambda: dt.datetime.now(tz).date()),
            depot_id=config.depot_id,
            turn_mode=config.turn_mode,
            after_call=after_call,
            ledger=AttemptLedger(sessionmaker, config.limits),
            caller_hash_key=config.caller_hash_key,
            metrics=IdentMetrics(registry),
            desk=desk if desk is not None else DeskHours.from_config(config.desk),
            keeper=keeper if keeper is not None else RecordKeeper(sessionmaker),
        )
