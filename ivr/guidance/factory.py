"""Builds the per-call `Conversation` factory that `ivr serve` (and `ivr demo`) hand to the bridge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall.enqueue import FinishHook
from ivr.config import GuidanceConfig
from ivr.conversation import CallContext, Conversation, ConversationFactory
from ivr.guidance.conversation import GuidanceConversation
from ivr.guidance.deps import GuidanceDeps
from ivr.opening_hours.desk import DeskHours
from ivr.prompts.store import PromptStore
from ivr.records.keeper import RecordKeeper
from schedules.search.base import DestinationSearch


def build_factory(config: GuidanceConfig, sessionmaker: async_sessionmaker[AsyncSession], *,
                  today: Callable[[], dt.date] | None = None, prompts: PromptStore | None = None,
                  search: DestinationSearch | None = None,
                  after_call: FinishHook | None = None,
                  registry: CollectorRegistry | None = None,
                  desk: DeskHours | None = None, keeper: RecordKeeper | None = None) -> ConversationFactory:
    """One factory per process; every call gets its own `Conversation` holding all of its state.

    `today` pins the service date (the demo plays the example schedule's day); by default it is
    the current date in TIMEZONE. `after_call` queues each finished call's summary and SMS.
    `registry`: the web app's, so its /metrics shows the identification counters. `desk`
    replaces the desk hours of `config` (a test's clock). `keeper`: the
    process's, which holds call records while the database is away and spools them at exit (the
    web app replays and closes it); without one, each factory keeps its own, with no spool.
    """
    deps = GuidanceDeps.build(config, sessionmaker, today=today, prompts=prompts, search=search,
                              after_call=after_call, registry=registry, desk=desk, keeper=keeper)

    async def factory(ctx: CallContext) -> Conversation:
        return await GuidanceConversation.start(ctx, deps)

    return factory
