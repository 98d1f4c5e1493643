"""Runs the real web app on 127.0.0.1 next to the stand-ins: for tests, the benchmark and the demo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ivr.bridge.call import BridgeConfig
from ivr.bridge.realtime_client import RealtimeConnector
from ivr.bridge.transfer import CallControl, TwilioCallControl
from ivr.conversation import ConversationFactory
from ivr.settings import Settings, load_settings
from ivr.sim.local_site import start_local_site
from ivr.sim.twilio_rest_standin import TwilioRestStandin
from ivr.web.app import create_app

SIM_AUTH_TOKEN = "sim-auth-token-0123456789abcdef"
SIM_ACCOUNT_SID = "AC" + "1" * 32
SIM_PUBLIC_BASE = "https://ivr.example.test"
SIM_DISPATCHER = "+81312345678"


def sim_settings(realtime_url: str, **overrides: Any) -> Settings:
    """Settings pointing at the stand-ins; PUBLIC_BASE_URL is a name that never resolves, as in production."""
    values: dict[str, Any] = {
        "openai_api_key": "sk-sim",
        "openai_realtime_url": realtime_url,
        "twilio_account_sid": SIM_ACCOUNT_SID,
        "twilio_auth_token": SIM_AUTH_TOKEN,
        "public_base_url": SIM_PUBLIC_BASE,
        "dispatcher_number": SIM_DISPATCHER,
    }
    values.update(overrides)
    return load_settings(**values)


@dataclass
class RunningService:
    url: str
    app: web.Application
    runner: web.AppRunner
    twilio_rest: TwilioRestStandin

    async def close(self) -> None:
        await self.runner.cleanup()
        await self.twilio_rest.close()


async def start_service(
    settings: Settings,
    factory: ConversationFactory,
    *,
    realtime_connector: RealtimeConnector | None = None,
    transfer: CallControl | None = None,
    bridge_config: BridgeConfig | None = None,
    engine: Any = None,
    host: str = "127.0.0.1",
    port: int = 0,
    registry: Any = None,
    console: Any = None,
    demo_call: Any = None,
    records: Any = None,
) -> RunningService:
    """The app with its transfer hook talking (through the twilio SDK) to a local REST stand-in."""
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else ""
    rest = await TwilioRestStandin(token).start()
    control = transfer or TwilioCallControl(
        settings.twilio_account_sid, token, settings.dispatcher_number, api_base_url=rest.url,
        public_base_url=settings.public_base_url,
    )
    app = create_app(
        settings,
        factory,
        realtime_connector=realtime_connector,
        transfer=control,
        engine=engine,
        bridge_config=bridge_config,
        registry=registry,
        console=console,
        demo_call=demo_call,
        records=records,
    )
    runner, bound = await start_local_site(app, host, port)
    return RunningService(f"http://{host}:{bound}", app, runner, rest)
