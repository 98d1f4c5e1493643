"""Twilio's media socket as the bridge writes to it (`ivr.web.media_writer.MediaSocketWriter`)."""

from __future__ import annotations

from typing import Any, Protocol


class TwilioSocket(Protocol):
    def send(self, *frames: bytes) -> None:
        """Writes ready-encoded JSON text frames in order, at once; nothing once the socket is closing."""
        ...

    async def close(self) -> Any: ...
