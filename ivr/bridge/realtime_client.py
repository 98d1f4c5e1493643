"""One Realtime socket as the bridge sees it (send a JSON event, receive one, close), and how it is made.

Two ways to make it, both from the openai SDK's client (OpenAI or Azure OpenAI chosen by
`RealtimeConfig`), so auth headers, URLs and API versions are the SDK's:
- `aiohttp_connector` (the default, `REALTIME_SOCKET=aiohttp`): the URL and headers the SDK's
  `client.realtime.connect` would use (`realtime_target`), opened with aiohttp's client WebSocket.
  aiohttp parses frames in C and writes each frame in one `write`, where websockets (the SDK's
  transport) runs its protocol in Python: at 50 calls that is about a third of the service's CPU
  (`python -m bench side_by_side`).
- `sdk_connector` (`REALTIME_SOCKET=sdk`): the SDK's own connection, kept as the fallback.
Events travel as raw JSON (encoded and decoded by orjson) and are dispatched on their `type`:
audio deltas are the hot path and go both ways 50 times a second per call, too often to build
pydantic models for each.
"""

from __future__ import annotations

import asyncio
import random
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import aiohttp
import orjson
from aiohttp import WSMsgType
from openai import AsyncAzureOpenAI, AsyncOpenAI, Omit
from pydantic import SecretStr
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK
from websockets.utils import apply_mask
from yarl import URL

from ivr.bridge.frame_tap import FrameTap, TappedReceiver, take_client_stash
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


@runtime_checkable
class DirectLink(Protocol):
    """A link the audio can go through without a task in between (`AiohttpRealtimeLink`)."""

    def send_now(self, event: dict[str, Any]) -> None:
        """Writes the event in the caller's own step; raises `RealtimeDropped` once the socket is gone."""
        ...

    def listen(self, on_event: Callable[[dict[str, Any]], bool]) -> None:
        """`on_event` sees each event as it is read and returns True for those it handled."""
        ...


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


class TappedClientWebSocket(aiohttp.ClientWebSocketResponse):
    """aiohttp's client WebSocket with a `FrameTap` on its connection from the first frame.

    aiohttp makes this object after the 101 and before it gives its parser the bytes that came
    with it, so the tap is installed here (the session's `ws_response_class`)."""

    def __init__(self, reader: Any, writer: Any, protocol: Any, response: aiohttp.ClientResponse,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(reader, writer, protocol, response, *args, **kwargs)
        conn = response.connection
        if conn is None or conn.transport is None:
            raise TypeError("aiohttp client WebSocket without its connection")
        stash = take_client_stash(conn.protocol)
        self.transport: asyncio.Transport = conn.transport
        self.tap = FrameTap(conn.transport, conn.protocol, max_msg_size=0)  # type: ignore[arg-type]
        if stash:
            self.tap.data_received(stash)


class AiohttpRealtimeLink:
    """A Realtime socket on aiohttp's client WebSocket, written and read without a task in between.

    Events are written in the caller's own step (`send_now`: one masked frame, one `write`), and
    the events a listener takes (`listen`: the audio deltas) are handled in the read callback by
    the socket's `FrameTap`; the rest come out of `recv`, in order. A close with 1000 or 1001 (the
    server ended the session normally) reads as None, as websockets' `ConnectionClosedOK` does for
    the SDK link; any other end is a drop. A server that stops reading does not make the service
    buffer without bound: past `MAX_UNSENT_BYTES` the socket is aborted, which is a drop.
    """

    def __init__(self, ws: TappedClientWebSocket) -> None:
        self._ws = ws
        self._receiver = TappedReceiver(ws, ws.tap)
        self._transport = ws.transport
        self._on_event: Callable[[dict[str, Any]], bool] | None = None

    @property
    def tap(self) -> FrameTap:
        return self._receiver.tap

    def listen(self, on_event: Callable[[dict[str, Any]], bool]) -> None:
        """`on_event` sees each event first, in the read callback; True means it handled it."""
        self._on_event = on_event
        self._receiver.tap.on_text = self._text

    def _text(self, data: bytes) -> bool:
        on_event = self._on_event
        if on_event is None:
            return False
        try:
            event = orjson.loads(data)
        except orjson.JSONDecodeError:
            return False  # `recv` reports it as invalid
        return isinstance(event, dict) and on_event(event)

    def send_now(self, event: dict[str, Any]) -> None:
        transport = self._transport
        if self._ws.closed or transport.is_closing():
            raise RealtimeDropped("send failed: socket closing")
        transport.write(masked_text_frame(orjson.dumps(event)))
        if transport.get_write_buffer_size() > MAX_UNSENT_BYTES:
            transport.abort()
            raise RealtimeDropped("send failed: the server stopped reading")

    async def send(self, event: dict[str, Any]) -> None:
        self.send_now(event)

    async def recv(self) -> dict[str, Any] | None:
        while True:
            msg = await self._receiver.receive()
            if msg.type is WSMsgType.TEXT or msg.type is WSMsgType.BINARY:
                break
            if msg.type in _CLOSED:
                code = self._ws.close_code
                if code in _NORMAL_CLOSE:
                    return None
                raise RealtimeDropped(f"closed with {code}")
            if msg.type is WSMsgType.ERROR:
                raise RealtimeDropped(f"socket error: {type(msg.data).__name__}")
        try:
            event = orjson.loads(msg.data)
        except orjson.JSONDecodeError:
            return {"type": "invalid"}
        return event if isinstance(event, dict) else {"type": "invalid"}

    async def close(self) -> None:
        self._on_event = None
        try:
            await self._ws.close()
        except Exception:  # closing a dead socket is not an error worth reporting
            pass


MAX_UNSENT_BYTES = 1 << 20  # some 30 s of caller audio the server has not read
_MASKED16 = struct.Struct("!BBHI")
_MASKED8 = struct.Struct("!BBI")
_MASKED64 = struct.Struct("!BBQI")
_mask_bits = random.Random().getrandbits  # masking keys as aiohttp's own client makes them


def masked_text_frame(payload: bytes) -> bytes:
    """One final text frame from a client: masked, as RFC 6455 requires of a client (section 5.3)."""
    key = _mask_bits(32)
    n = len(payload)
    if n < 126:
        header = _MASKED8.pack(0x81, 0x80 | n, key)
    elif n < 1 << 16:
        header = _MASKED16.pack(0x81, 0x80 | 126, n, key)
    else:
        header = _MASKED64.pack(0x81, 0x80 | 127, n, key)
    return header + apply_mask(payload, header[-4:])


_CLOSED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED)
_NORMAL_CLOSE = (1000, 1001)
CONNECT_TIMEOUT_S = 10.0  # as websockets' open_timeout, which the SDK connection uses


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


@dataclass(frozen=True)
class RealtimeTarget:
    """Where a Realtime socket goes and what it carries, as `client.realtime.connect` sends them."""

    url: str
    headers: dict[str, str] = field(repr=False)


async def realtime_target(client: AsyncOpenAI, model: str) -> RealtimeTarget:
    """The URL and headers the SDK's `realtime.connect(model=...)` opens its socket with.

    OpenAI: `websocket_base_url` (or the base URL as ws/wss) + `/realtime?model=`, the bearer
    token. Azure: the client's own `_configure_realtime` (api-version, deployment, `api-key`).
    Both add the client's default headers and query, as the SDK does. `tests/test_realtime_link.py`
    checks, against the stand-in, that this and the SDK's own connection send the same request.
    """
    if isinstance(client, AsyncAzureOpenAI):
        url, auth = await client._configure_realtime(model, {})
        target = str(url)
    else:
        base = str(client.websocket_base_url or client.base_url).rstrip("/")
        if not client.websocket_base_url:
            base = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        query = {**{k: str(v) for k, v in client.default_query.items() if not isinstance(v, Omit)}, "model": model}
        target = str(URL(base + "/realtime").update_query(query))
        auth = dict(client.auth_headers)
    headers = {k: v for k, v in client.default_headers.items() if isinstance(v, str)}
    headers.update(auth)
    return RealtimeTarget(target, headers)


class AiohttpConnector:
    """One aiohttp session per serving process (its connection pool and TLS context); one socket per call.

    The target is worked out once, on the first call: the keys are the settings', fixed while the
    process runs. `close` (the app's cleanup) closes the session."""

    def __init__(self, config: RealtimeConfig, client: AsyncOpenAI | None = None) -> None:
        self._client = client or make_client(config)
        self._model = config.connect_model
        self._target: RealtimeTarget | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __call__(self) -> RealtimeLink:
        try:
            if self._target is None:
                self._target = await realtime_target(self._client, self._model)
            if self._session is None:
                self._session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=0), trust_env=True,
                    ws_response_class=TappedClientWebSocket,
                    timeout=aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT_S),
                )
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                ws = await self._session.ws_connect(self._target.url, headers=self._target.headers,
                                                    max_msg_size=0, autoping=True, compress=0,
                                                    decode_text=False)
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
            raise RealtimeDropped(f"connect failed: {type(exc).__name__}") from exc
        assert isinstance(ws, TappedClientWebSocket)
        return AiohttpRealtimeLink(ws)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def aiohttp_connector(settings: Settings | RealtimeConfig, client: AsyncOpenAI | None = None) -> AiohttpConnector:
    config = settings if isinstance(settings, RealtimeConfig) else RealtimeConfig.from_settings(settings)
    return AiohttpConnector(config, client)


def connector_from_settings(settings: Settings) -> RealtimeConnector:
    """REALTIME_SOCKET: aiohttp (default) or the SDK's own connection."""
    if settings.realtime_socket == "sdk":
        return sdk_connector(settings)
    return aiohttp_connector(settings)
