"""The call's Realtime connection: opened, configured, read, and re-opened after a drop.

At most `max_connects` sockets are opened in a call. A socket opened before Twilio's `start`
waits for it (the session needs the call's conversation), and caller audio that arrives before
the session is configured is kept (up to 5 s) and sent right after `session.update`. A socket the
server closes or drops is replaced by a new session of the same call, which `opened(first=False)`
picks up (the conversation tells it what the call has reached: the driver identified, the last
step, so the caller is not asked again); a session the server refuses, or no socket at all (a
reconnect gets `reconnect_timeout`), ends in `failed`: the caller goes to a dispatcher at once
rather than silence. Every event read goes to the handler's `dispatch`.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, Protocol

from ivr.bridge.call_log import CallLog
from ivr.bridge.metrics import BridgeMetrics
from ivr.bridge.realtime_client import DirectLink, RealtimeConnector, RealtimeDropped, RealtimeLink

MAX_BUFFERED_FRAMES = 250  # 5 s of caller audio kept while the Realtime session opens
REALTIME_UNAVAILABLE = "realtime_unavailable"  # transfer reason: no Realtime socket could be opened
REALTIME_FAILED = "realtime_session_failed"  # transfer reason: a socket opened but gave no working session
RECONNECT_TIMEOUT_S = 2.0  # a new socket mid-call opens within this, or the dispatcher takes the call


class RealtimeSessionRefused(Exception):
    """The server answered the bridge's `session.update` with an `error`.

    The session then keeps the API's defaults (pcm16 audio, a model that answers and interrupts
    on its own), which a μ-law phone call cannot use, and a new socket would be refused the same."""


class RealtimeHandler(Protocol):
    """What the connection needs from the call it serves (`CallBridge`)."""

    @property
    def closing(self) -> bool: ...

    async def wait_started(self) -> None:
        """Returns once Twilio's `start` made the call's conversation (or the call is closing)."""
        ...

    def session_update(self, event_id: str) -> dict[str, Any]: ...

    async def opened(self, first: bool) -> None:
        """The session is configured: ask for the first response (the greeting, or a resumption)."""
        ...

    async def dispatch(self, event: dict[str, Any]) -> None: ...

    def dispatch_now(self, event: dict[str, Any]) -> bool:
        """Handles the event in the read callback if it is on the hot path (True); else `dispatch` gets it."""
        ...

    def lost(self) -> None:
        """The socket is gone; a new one follows: nothing of the old session is active any more."""
        ...

    def failed(self, reason: str) -> None:
        """No working session can be had for this call."""
        ...


class RealtimeConnection:
    def __init__(self, connector: RealtimeConnector, *, max_connects: int, log: CallLog,
                 metrics: BridgeMetrics, reconnect_timeout: float = RECONNECT_TIMEOUT_S) -> None:
        self._connector = connector
        self._max_connects = max_connects
        self._reconnect_timeout = reconnect_timeout
        self._connects = 0
        self._log = log
        self._metrics = metrics
        self._buffer: list[str] = []
        self._event_ids = itertools.count(1)
        self.link: RealtimeLink | None = None  # set once the socket serves the call
        self.configured = False
        self.direct: DirectLink | None = None  # the configured link, when audio may go through it directly
        self.session_event: str | None = None  # the client event id of this socket's session.update

    async def send(self, event: dict[str, Any]) -> None:
        """Send on the current socket; nothing when there is none, and a drop is the reader's to notice."""
        link = self.link
        if link is None:
            return
        try:
            await link.send(event)
        except RealtimeDropped:
            pass

    def keep(self, payload: str) -> None:
        """Caller audio that arrived before the session was configured: sent right after it is."""
        if len(self._buffer) < MAX_BUFFERED_FRAMES:
            self._buffer.append(payload)

    def refuses_session(self, err: dict[str, Any]) -> bool:
        return self.session_event is not None and err.get("event_id") == self.session_event

    async def close(self) -> None:
        self.direct = None
        link, self.link = self.link, None
        if link is not None:
            await link.close()

    async def run(self, handler: RealtimeHandler) -> None:
        first = True
        while not handler.closing:
            link = await self._open()
            if link is None:
                handler.failed(REALTIME_UNAVAILABLE)
                return
            failed = False
            try:
                await handler.wait_started()
                if handler.closing:
                    return
                self.link = link
                await self._configure(link, handler, first)
                first = False
                while (event := await link.recv()) is not None:
                    await handler.dispatch(event)
            except RealtimeDropped as exc:
                self._log.warning("realtime_dropped", error=str(exc)[:80])
            except Exception as exc:
                # Not a drop a new socket would cure (a refused session.update, an event the link
                # could not send or read): the caller goes to a dispatcher rather than silence.
                self._log.warning("realtime_failed", reason=REALTIME_FAILED, error=type(exc).__name__)
                self.link = None  # so the `finally` below closes the socket
                self.direct = None
                failed = True
            finally:
                # Until `link` is the call's, only this task knows the socket: a call that ends
                # before `start` (bad token, `stop`, idle) must not leave it open.
                if self.link is not link or handler.closing:
                    await asyncio.shield(link.close())
            self.link = None
            self.direct = None
            self.configured = False
            if handler.closing:
                return
            if failed:
                handler.failed(REALTIME_FAILED)
                return
            await link.close()
            handler.lost()
            self._metrics.realtime_reconnects.inc()

    async def _open(self) -> RealtimeLink | None:
        """A new socket, or None. A reconnect mid-call has `reconnect_timeout`: a caller is on the
        line in silence, and a server that takes longer is not going to carry the call."""
        while self._connects < self._max_connects:
            self._connects += 1
            try:
                if self._connects == 1:
                    return await self._connector()
                async with asyncio.timeout(self._reconnect_timeout):
                    return await self._connector()
            except RealtimeDropped as exc:
                self._log.warning("realtime_connect_failed", attempt=self._connects, error=str(exc)[:80])
            except TimeoutError:
                self._log.warning("realtime_connect_failed", attempt=self._connects, error="timeout")
        return None

    async def _configure(self, link: RealtimeLink, handler: RealtimeHandler, first: bool) -> None:
        self.session_event = f"ivr_session_{next(self._event_ids)}"
        await link.send(handler.session_update(self.session_event))
        self.configured = True
        buffered, self._buffer = self._buffer, []
        for payload in buffered:
            await link.send({"type": "input_audio_buffer.append", "audio": payload})
        if isinstance(link, DirectLink):
            link.listen(handler.dispatch_now)
            self.direct = link
        await handler.opened(first)
