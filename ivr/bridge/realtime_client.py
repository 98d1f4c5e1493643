"""One Realtime socket as the bridge sees it (send a JSON event, receive one, close), and how it is made.

Sockets are made by the openai SDK (`client.realtime.connect`), OpenAI or Azure OpenAI chosen
by `RealtimeConfig`, so auth headers, URLs and API versions are the SDK's. Events travel as raw JSON
(encoded and decoded by orjson, read with `recv_bytes`) and are dispatched on their `type`: audio
deltas are the hot path and go both ways 50 times a second per call, too often to build pydantic
models for each. Text goes out as `str` because websockets sends `bytes` as binary frames.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from openai import AsyncAzureOpenAI, AsyncOpenAI
from pydantic import SecretStr
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

from ivr.settings import Settings


class RealtimeDropped(Exception):
    """The Realtime socket closed abnormally or could not be opened."""


class RealtimeLink(Protocol):
    async def send(self, event: dict[str, Any]) -> None: ...

    async def recv(self) -> dict[str, Any] | None:
        """The next event; None when the server closed the socket normally."""
        ...

    async def close(self) -> None: ...


RealtimeConnector = Callable[[], Awaitable[RealtimeLink]]


class SdkRealtimeLink:
    """An SDK connection, sending on its websocket directly.

    The SDK's `send_raw` wraps each message in bookkeeping for its own reconnect queue (an anyio
    task lookup and queue checks): at 200 calls, 10 000 appends a second, that was a tenth of the
    service's CPU. The bridge never lets the SDK reconnect (it reads with `recv_bytes`, which does
    not, and reconnects itself with a fresh session), so the queue is always empty and the message
    would go to this same websocket. The SDK keeps the websocket in a private attribute; if a new
    SDK moves it, connecting fails loudly here (and in the end-to-end tests), never silently.
    """

    def __init__(self, connection: Any) -> None:
        websocket = getattr(connection, "_connection", None)
        if not isinstance(websocket, ClientConnection):
            raise TypeError(f"openai SDK connection without a websockets ClientConnection: {type(websocket)}")
        self._conn = connection
        self._websocket = websocket

    async def send(self, event: dict[str, Any]) -> None:
        try:
            await self._websocket.send(orjson.dumps(event).decode())
        except ConnectionClosed as exc:
            raise RealtimeDropped(str(exc)) from exc

    async def recv(self) -> dict[str, Any] | None:
        try:
            data = await self._conn.recv_bytes()
        except ConnectionClosedOK:
            return None
        except ConnectionClosed as exc:
            raise RealtimeDropped(str(exc)) from exc
        try:
            event = orjson.loads(data)
        except orjson.JSONDecodeError:
            return {"type": "invalid"}
        return event if isinstance(event, dict) else {"type": "invalid"}

    async def close(self) -> None:
        try:
            await self._conn.close()
        except Exception:  # closing a dead socket is not an error worth reporting
            pass


@dataclass(frozen=True)
class RealtimeConfig:
    """Which Realtime service a call talks to: Azure OpenAI when `azure_endpoint` is set, else
    OpenAI; `websocket_url` overrides the socket URL (a local stand-in, in tests and the demo)."""

    model: str
    api_key: str | None = field(repr=False)
    websocket_url: str | None = None
    azure_endpoint: str | None = None
    azure_api_key: str | None = field(default=None, repr=False)
    azure_api_version: str = "2025-08-28"
    azure_deployment: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RealtimeConfig:
        def secret(value: SecretStr | None) -> str | None:
            return value.get_secret_value() if value is not None else None

        return cls(
            model=settings.openai_realtime_model,
            api_key=secret(settings.openai_api_key),
            websocket_url=settings.openai_realtime_url,
            azure_endpoint=settings.azure_openai_endpoint,
            azure_api_key=secret(settings.azure_openai_api_key),
            azure_api_version=settings.azure_openai_api_version,
            azure_deployment=settings.azure_openai_deployment,
        )

    @property
    def connect_model(self) -> str:
        """Azure names a deployment where OpenAI names a model."""
        return (self.azure_deployment if self.azure_endpoint else None) or self.model


def make_client(config: RealtimeConfig) -> AsyncOpenAI:
    if config.azure_endpoint:
        return AsyncAzureOpenAI(
            azure_endpoint=config.azure_endpoint,
            api_key=config.azure_api_key or "unset",
            api_version=config.azure_api_version,
            azure_deployment=config.azure_deployment,
            websocket_base_url=config.websocket_url,
        )
    return AsyncOpenAI(api_key=config.api_key or "unset", websocket_base_url=config.websocket_url)


def sdk_connector(settings: Settings | RealtimeConfig, client: AsyncOpenAI | None = None) -> RealtimeConnector:
    """One client per app (it only holds configuration); one connection per call.

    The SDK imports its Realtime modules on first use: some 70 ms of imports that would otherwise
    stall every call's audio when the first call connects, so they are imported now.
    """
    config = settings if isinstance(settings, RealtimeConfig) else RealtimeConfig.from_settings(settings)
    sdk = client or make_client(config)
    _ = sdk.realtime
    model = config.connect_model

    async def connect() -> RealtimeLink:
        try:
            conn = await sdk.realtime.connect(model=model).enter()
        except Exception as exc:
            raise RealtimeDropped(f"connect failed: {type(exc).__name__}") from exc
        try:
            return SdkRealtimeLink(conn)
        except TypeError as exc:
            await conn.close()
            raise RealtimeDropped(str(exc)) from exc

    return connect
