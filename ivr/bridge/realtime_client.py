"""The Realtime connection as the bridge sees it: send a JSON event, receive one, close.

Connections are made by the openai SDK (`client.realtime.connect`), OpenAI or Azure OpenAI chosen
by settings, so auth headers, URLs and API versions are the SDK's. Events travel as raw JSON
(encoded and decoded by orjson, read with `recv_bytes`) and are dispatched on their `type`: audio
deltas are the hot path and go both ways 50 times a second per call, too often to build pydantic
models for each. Text goes out as `str` because websockets sends `bytes` as binary frames.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import orjson
from openai import AsyncAzureOpenAI, AsyncOpenAI
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK


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


def make_client(settings: Any) -> AsyncOpenAI:
    """Azure OpenAI when AZURE_OPENAI_ENDPOINT is set, else OpenAI; OPENAI_REALTIME_URL overrides the socket URL."""
    ws_url = settings.openai_realtime_url
    if settings.azure_openai_endpoint:
        key = settings.azure_openai_api_key.get_secret_value() if settings.azure_openai_api_key else None
        return AsyncAzureOpenAI(
            azure_endpoint=settings.azure_openai_endpoint,
            api_key=key or "unset",
            api_version=settings.azure_openai_api_version,
            azure_deployment=settings.azure_openai_deployment,
            websocket_base_url=ws_url,
        )
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return AsyncOpenAI(api_key=key or "unset", websocket_base_url=ws_url)


def sdk_connector(settings: Any, client: AsyncOpenAI | None = None) -> RealtimeConnector:
    """One client per app (it only holds configuration); one connection per call.

    The SDK imports its Realtime modules on first use: some 70 ms of imports that would otherwise
    stall every call's audio when the first call connects, so they are imported now.
    """
    sdk = client or make_client(settings)
    _ = sdk.realtime
    model = settings.azure_openai_deployment if settings.azure_openai_endpoint else settings.openai_realtime_model
    model = model or settings.openai_realtime_model

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
