"""Frames handled where they are read: a tap between a WebSocket's transport and aiohttp.

Audio frames arrive 50 times a second per call on each of a call's two sockets. Read through
aiohttp's `receive()`, each one resolves a future, wakes a task and runs a chain of coroutines
before the bridge sees it, and that machinery, not the bridge's own work, was most of the
service's CPU (`python -m bench side_by_side`). The tap takes the socket's bytes first
(`transport.set_protocol`), parses the frames with aiohttp's own reader (compiled), and offers each
text frame to `on_text` at once, inside the read callback.

What `on_text` declines (anything off the hot path), and every control frame, goes on to
aiohttp's protocol as a frame again, so `receive()` still answers pings, runs the close handshake
and delivers those messages. Order holds: while a declined text frame waits for its consumer,
later text frames are declined too, until the consumer has handled each one (`handled`). A frame
`on_text` fails on is logged by type and dropped: one bad frame never ends the call. A frame that
breaks the WebSocket protocol aborts the connection, as aiohttp would end it.

The tap must see the stream from its first frame: on a server socket it is installed before the
101 goes out; on a client socket when aiohttp makes the response object, taking the bytes that
came with the 101 before aiohttp's parser sees them (`take_client_stash`).
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType
from aiohttp._websocket.reader import WebSocketDataQueue  # the reader is compiled against this type
from aiohttp.http import WebSocketReader

_log = logging.getLogger("ivr.bridge")
_TEXT = WSMsgType.TEXT
_BINARY = WSMsgType.BINARY
_CLOSE = WSMsgType.CLOSE
_LEN16 = struct.Struct("!BBH")
_LEN64 = struct.Struct("!BBQ")
_CLOSE_CODE = struct.Struct("!H")

TextHandler = Callable[[bytes], bool]
"""Takes one text frame's bytes; True once handled, False to hand it to the socket's consumer."""


def frame(opcode: int, payload: bytes) -> bytes:
    """One final, unmasked frame (what a server sends; aiohttp's reader takes it from either side)."""
    n = len(payload)
    if n < 126:
        return bytes((0x80 | opcode, n)) + payload
    if n < 1 << 16:
        return _LEN16.pack(0x80 | opcode, 126, n) + payload
    return _LEN64.pack(0x80 | opcode, 127, n) + payload


class _TapQueue(WebSocketDataQueue):
    """Where aiohttp's reader puts each message: to `on_text` at once, or on to the tap; never buffered."""

    def __init__(self, tap: FrameTap, protocol: Any, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(protocol, 1 << 16, loop=loop)
        self.tap = tap

    def feed_data(self, data: Any, size: int) -> None:
        tap = self.tap
        on_text = tap.on_text
        if on_text is not None and data[0] is _TEXT and tap.held == 0:
            try:
                if on_text(data[1]):
                    tap.fast += 1
                    return
            except Exception as exc:  # one frame the bridge cannot handle is dropped, never the call
                _log.warning("frame handler failed: %s", type(exc).__name__)
                return
        tap.declined(data)

    def feed_eof(self) -> None:
        pass  # the transport's end reaches aiohttp's protocol through `connection_lost`

    def set_exception(self, exc: BaseException, exc_cause: BaseException | None = None) -> None:
        self.tap.broken(exc)


class FrameTap(asyncio.Protocol):
    def __init__(self, transport: asyncio.Transport, inner: asyncio.Protocol, *, max_msg_size: int) -> None:
        self._transport = transport
        self._inner = inner
        self._reader = WebSocketReader(_TapQueue(self, inner, asyncio.get_running_loop()), max_msg_size,
                                       compress=False, decode_text=False)
        # The reader itself is the protocol's byte sink: the transport calls it with no Python frame
        # in between (after a protocol error it returns at once; `broken` has aborted the transport).
        self.data_received = self._reader.feed_data  # type: ignore[method-assign,assignment]
        self.on_text: TextHandler | None = None
        self.held = 0  # declined text frames not yet handled by the consumer
        self.fast = 0  # text frames `on_text` handled (tests and benchmarks read it)
        self.failed = False
        transport.set_protocol(self)

    def handled(self) -> None:
        """The consumer is done with one text message it received: later frames may go fast again."""
        if self.held > 0:
            self.held -= 1

    # asyncio.Protocol: everything but the bytes goes on to aiohttp's protocol.
    def data_received(self, data: bytes) -> None:  # replaced per instance by the reader's own feed_data
        self._reader.feed_data(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def declined(self, msg: Any) -> None:
        """A message `on_text` did not take, or a control frame: on to aiohttp's protocol, as a frame."""
        kind = msg[0]
        if kind is _TEXT:
            self.held += 1
            self._inner.data_received(frame(0x1, msg[1]))
        elif kind is _CLOSE:
            code, reason = msg[1], msg[2]
            body = _CLOSE_CODE.pack(code) + reason.encode() if code else b""
            self._inner.data_received(frame(0x8, body))
        elif kind is _BINARY:
            self._inner.data_received(frame(0x2, msg[1]))
        else:  # PING, PONG
            self._inner.data_received(frame(int(kind), msg[1]))

    def broken(self, exc: BaseException) -> None:
        """The peer broke the WebSocket protocol: the connection ends, as aiohttp ends it."""
        if not self.failed:
            self.failed = True
            _log.warning("websocket protocol error: %s", type(exc).__name__)
            self._transport.abort()


def take_client_stash(protocol: Any) -> bytes:
    """The bytes aiohttp's client kept after the 101 for the parser it has not set yet.

    aiohttp keeps them in its protocol's `_tail` until `set_parser`; the tap takes them so the
    old parser never sees a frame. If a new aiohttp keeps them elsewhere, connecting fails loudly
    (`tests/test_frame_tap.py`), never silently.
    """
    stash = getattr(protocol, "_tail", None)
    if not isinstance(stash, bytes):
        raise TypeError(f"aiohttp client protocol without its post-upgrade stash: {type(protocol).__name__}")
    protocol._tail = b""
    return stash


class TappedReceiver:
    """`receive()` of a tapped socket: tells the tap each text message was handled, when the next is asked for.

    The consumer asks for the next message only once it is done with the last, so that is when
    the tap may let frames go fast again."""

    def __init__(self, ws: Any, tap: FrameTap) -> None:
        self._ws = ws
        self.tap = tap
        self._owed = False

    async def receive(self) -> Any:
        if self._owed:
            self._owed = False
            self.tap.handled()
        msg = await self._ws.receive()
        if msg.type is _TEXT:
            self._owed = True
        return msg
