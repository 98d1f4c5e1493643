"""Everything one app instance shares between its calls: configuration and limits, never call state."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ivr.bridge.call import BridgeConfig, CallBridge
from ivr.bridge.metrics import BridgeMetrics
from ivr.bridge.realtime_client import RealtimeConnector
from ivr.bridge.transfer import CallControl
from ivr.config import WebConfig
from ivr.conversation import ConversationFactory
from ivr.web.gate import Gate

MAX_MEDIA_MESSAGE = 64 * 1024


@dataclass
class WebState:
    config: WebConfig
    factory: ConversationFactory
    connector: RealtimeConnector
    call_control: CallControl
    bridge_config: BridgeConfig
    metrics: BridgeMetrics
    gate: Gate
    engine: AsyncEngine | None = None
    bridges: set[CallBridge] = field(default_factory=set)
    last_readiness_problem: str = ""

    @property
    def public_base(self) -> str | None:
        return self.config.public_base_url

    @property
    def at_capacity(self) -> bool:
        return len(self.bridges) >= self.config.max_concurrent_calls


STATE: web.AppKey[WebState] = web.AppKey("ivr_state", WebState)
