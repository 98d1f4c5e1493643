"""The aiohttp application factory. Everything an app shares lives in one `WebState`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from functools import partial

from aiohttp import web
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from ivr.bridge.call import BridgeConfig
from ivr.bridge.metrics import BridgeMetrics
from ivr.bridge.realtime_client import RealtimeConnector, connector_from_settings
from ivr.bridge.transfer import CallControl, call_control_from_settings
from ivr.config import ConsoleConfig, WebConfig, vad_preset
from ivr.console.app import install_console
from ivr.console.state import DemoCaller
from ivr.conversation import ConversationFactory
from ivr.records.keeper import RecordKeeper
from ivr.settings import Settings
from ivr.turn.classifier import warm_up
from ivr.turn.machine import TurnConfig
from ivr.web.drain import DRAIN, Drain, DrainPolicy, OpenCalls, note_answered_webhooks
from ivr.web.gate import Gate
from ivr.web.health import healthz, metrics, readyz
from ivr.web.media import media_socket
from ivr.web.state import STATE, WebState
from ivr.web.voice import voice_webhook
from ivr.web.whisper import WHISPER_PATH, whisper

_log = logging.getLogger("ivr.web")
REPLAY_AT_START_S = 20.0  # a start waits this long at most for the spool's replay


def bridge_config_from_settings(settings: Settings) -> BridgeConfig:
    preset = vad_preset(settings)
    turn = TurnConfig(
        mode=settings.turn_mode,
        speak_delay_ms=preset.speak_delay_ms,
        response_cooldown_ms=preset.response_cooldown_ms,
    )
    return BridgeConfig(
        preset=preset,
        turn=turn,
        voice=settings.realtime_voice,
        transcription_model=settings.transcription_model,
        tool_timeout=settings.tool_timeout_seconds,
    )


def create_app(
    settings: Settings,
    conversation_factory: ConversationFactory,
    *,
    realtime_connector: RealtimeConnector | None = None,
    transfer: CallControl | None = None,
    engine: AsyncEngine | None = None,
    bridge_config: BridgeConfig | None = None,
    registry: CollectorRegistry | None = None,
    console: ConsoleConfig | None = None,
    demo_call: DemoCaller | None = None,
    records: RecordKeeper | None = None,
) -> web.Application:
    """`engine` is used for /readyz and the console; without one the app opens (and disposes) its own on
    DATABASE_URL. The dispatchers' console is mounted under /console/ (`console` defaults to the settings').

    `records`: the process's keeper of call records (the conversations' too): the app replays its
    spool at startup and, at cleanup, spools what the database has not taken yet."""
    config = WebConfig.from_settings(settings)
    drain = DrainPolicy(settings.drain_seconds, settings.stream_token_ttl_seconds)
    state = WebState(
        config=config,
        factory=conversation_factory,
        connector=realtime_connector or connector_from_settings(settings),
        call_control=transfer or call_control_from_settings(settings, api_base_url=settings.twilio_api_base_url),
        bridge_config=bridge_config or bridge_config_from_settings(settings),
        metrics=BridgeMetrics(registry),
        gate=Gate.from_settings(settings),
        engine=engine,
        bridges=OpenCalls(drain),
    )
    app = web.Application(client_max_size=64 * 1024, middlewares=[note_answered_webhooks])
    app[STATE] = state
    app[DRAIN] = Drain(drain, state.metrics.registry)
    app.router.add_post("/twilio/voice", voice_webhook)
    app.router.add_get("/twilio/media", media_socket)
    app.router.add_post(WHISPER_PATH, whisper)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    install_console(app, console or ConsoleConfig.from_settings(settings), demo_call)
    if engine is None:
        app.cleanup_ctx.append(_own_engine)
    app.on_startup.append(_load_turn_classifier)
    app.on_shutdown.append(_close_calls)
    if records is not None:
        app.on_startup.append(partial(_replay_spool, records))
        app.on_cleanup.append(partial(_spool_records, records))
    app.on_cleanup.append(_close_connector)
    app.on_response_prepare.append(_no_server_header)
    return app


async def _no_server_header(request: web.Request, response: web.StreamResponse) -> None:
    """Strangers learn nothing of the stack (aiohttp and Python versions) from any answer."""
    response.headers.pop("Server", None)


async def _load_turn_classifier(app: web.Application) -> None:
    """Load the morphological dictionary before the first call, not during its first 相槌."""
    warm_up()


async def _own_engine(app: web.Application) -> AsyncIterator[None]:
    from schedules.db import make_engine

    state = app[STATE]
    state.engine = make_engine(state.config.database_url)
    yield
    await state.engine.dispose()


async def _replay_spool(records: RecordKeeper, app: web.Application) -> None:
    """Records a previous process spooled go to the database before this one takes calls; a
    database that is away costs the start nothing (the keeper retries in the background)."""
    try:
        async with asyncio.timeout(REPLAY_AT_START_S):
            count = await records.replay()
    except TimeoutError:
        _log.warning("spool replay goes on in the background: the database is slow")
        return
    if count:
        _log.info("replayed %d spooled call records", count)


async def _spool_records(records: RecordKeeper, app: web.Application) -> None:
    await records.close()
async def _close_connector(app: web.Application) -> None:
    """The Realtime connector's client session (aiohttp's), once no call is left to use it."""
    close = getattr(app[STATE].connector, "close", None)
    if close is not None:
        await close()


async def _close_calls(app: web.Application) -> None:
    for bridge in list(app[STATE].bridges):
        await bridge.close("shutdown")
