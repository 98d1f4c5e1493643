"""`ivr serve`: the web service (Twilio webhook, media bridge, health, metrics)."""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

from ivr.errors import UserError
from ivr.log_setup import configure_logging
from ivr.settings import Settings, load_settings


def register(sub: Any, qa: Any) -> None:
    serve = sub.add_parser(
        "serve",
        help="run the phone service (POST /twilio/voice, GET /twilio/media, /healthz, /readyz, /metrics)",
        description="Run the web service. Settings come from the environment (see README).",
    )
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    serve.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.public_base_url:
        raise UserError("PUBLIC_BASE_URL must be set: Twilio signatures are checked against it")
    if not settings.twilio_auth_token:
        raise UserError("TWILIO_AUTH_TOKEN must be set: unsigned requests are refused")
    if not (settings.openai_api_key or settings.azure_openai_endpoint or settings.openai_realtime_url):
        raise UserError(
            "no Realtime model configured: set OPENAI_API_KEY, or AZURE_OPENAI_ENDPOINT with its key and "
            "deployment, or OPENAI_REALTIME_URL for a local simulator (`ivr demo` needs none of these)"
        )
    if settings.azure_openai_endpoint and not (settings.azure_openai_api_key and settings.azure_openai_deployment):
        raise UserError("AZURE_OPENAI_ENDPOINT is set: AZURE_OPENAI_API_KEY and AZURE_OPENAI_DEPLOYMENT must be too")
    from ivr.aftercall.service import problems
    from ivr.config import AfterCallConfig

    if found := problems(AfterCallConfig.from_settings(settings)):
        raise UserError("; ".join(found))
    configure_logging(settings.log_level, settings.log_levels)
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(_run(settings, args.host, args.port))
    return 0


def event_loop_factory() -> Any:
    """uvloop when installed: it roughly halves the per-frame cost of the media sockets."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def _run(settings: Settings, host: str, port: int) -> None:
    from aiohttp import web

    try:
        from ivr.guidance.factory import build_factory
    except ImportError as exc:
        raise UserError(f"the conversation package is not available: {exc}") from exc
    from ivr.aftercall import service as aftercall
    from ivr.config import AfterCallConfig, GuidanceConfig
    from ivr.web.app import create_app
    from ivr.web.heap import freeze_startup_heap
    from schedules.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    try:
        sessionmaker = make_sessionmaker(engine)
        after = aftercall.build(AfterCallConfig.from_settings(settings), sessionmaker)
        factory = build_factory(GuidanceConfig.from_settings(settings), sessionmaker, after_call=after.enqueuer)
        app = create_app(settings, factory, engine=engine)
        aftercall.install(app, after)  # summaries and SMS: a background task of the app, off the audio path
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        metrics_runner = await _start_metrics_listener(app, host, settings.metrics_port)
        freeze_startup_heap()
        logging.getLogger("ivr.web").info("listening on %s:%d", host, port)
        try:
            await asyncio.Event().wait()
        finally:
            if metrics_runner is not None:
                await metrics_runner.cleanup()
            await runner.cleanup()
    finally:
        await engine.dispose()


async def _start_metrics_listener(app: Any, host: str, port: int | None) -> Any:
    """METRICS_PORT: /metrics alone on its own port, for a scraper inside the network."""
    if port is None:
        return None
    from aiohttp import web

    from ivr.web.health import create_metrics_app

    runner = web.AppRunner(create_metrics_app(app), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    logging.getLogger("ivr.web").info("metrics on %s:%d", host, port)
    return runner
