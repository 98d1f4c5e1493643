"""Writes the bridge's frames to Twilio's media socket, several frames in one socket write.

Every audio delta goes to Twilio as a `media` frame and its `mark`; written through aiohttp's
`send_frame` that is two `write` system calls, and on a loaded server the system calls are most of
the cost of a frame. RFC 6455 lets a server put any number of whole frames in one write, and a
server's frames are not masked, so the framing is a two- or four-byte header. aiohttp's own writer
still sends the pings, pongs and the close on the same transport; each write holds whole frames,
so the two never interleave inside a frame. Frames are never compressed (RSV1 clear), which is
valid whether or not the socket negotiated permessage-deflate.

A Twilio that stops reading does not make the service buffer without bound: past
`MAX_UNSENT_BYTES` the connection is aborted, which ends the call like a hang-up.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from aiohttp import web

MAX_UNSENT_BYTES = 1 << 20  # about a minute of audio frames and marks
_TEXT_FIN = 0x81
_LEN16 = struct.Struct("!BBH")
_LEN64 = struct.Struct("!BBQ")


def text_frame_header(length: int) -> bytes:
    """The header of a final, unmasked text frame carrying `length` bytes."""
    if length < 126:
        return bytes((_TEXT_FIN, length))
    if length < 1 << 16:
        return _LEN16.pack(_TEXT_FIN, 126, length)
    return _LEN64.pack(_TEXT_FIN, 127, length)


class MediaSocketWriter:
    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.Transport) -> None:
        self._ws = ws
        self._transport = transport
        self.stalled = False

    def send(self, *frames: bytes) -> None:
        """Writes the frames, in order, in one write; once the socket is closing, writes nothing."""
        transport = self._transport
        if transport.is_closing():
            return
        parts: list[bytes] = []
        for frame in frames:
            parts.append(text_frame_header(len(frame)))
            parts.append(frame)
        transport.write(b"".join(parts))
        if transport.get_write_buffer_size() > MAX_UNSENT_BYTES:
            self.stalled = True
            transport.abort()

    async def close(self) -> Any:
        return await self._ws.close()
