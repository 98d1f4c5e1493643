"""A simulated Twilio call: the signed webhook, then a Media Streams socket like Twilio's own.

Signatures are computed with the twilio SDK over the *public* URLs (PUBLIC_BASE_URL and the
`<Stream url>` from the returned TwiML), while the requests go to the local server, exactly as
Twilio signs for the public name of a service behind a proxy. The caller plays μ-law in real
20 ms frames, and plays the bot's audio out in real time: a mark is echoed only when the audio
before it has "played", and every pending mark is echoed at once on `clear`, as Twilio does.

    caller = TwilioCaller("http://127.0.0.1:8080", auth_token="…", public_base_url="https://ivr.example.jp")
    await caller.dial()              # POST /twilio/voice, signed; parses the TwiML
    await caller.connect()           # signed upgrade, then `connected` and `start`
    await caller.speak(600)          # 600 ms of speech-like tone, then silence frames
    await caller.hangup()            # `stop`, then close
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import uuid
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from twilio.request_validator import HMAC_SHA1, SIGNATURE_SETTINGS_HEADER, RequestValidator

from ivr.sim import ulaw

CONNECTED = {"event": "connected", "protocol": "Call", "version": "1.0.0"}


@dataclass
class Playout:
    """The caller's earpiece: audio queued for real-time playout and the marks behind it."""

    clock: Callable[[], float] = time.monotonic
    play_end: float = 0.0
    bytes_received: int = 0
    marks: deque[tuple[float, str]] = field(default_factory=deque)
    cleared_marks: list[str] = field(default_factory=list)
    played_marks: list[str] = field(default_factory=list)
    clears: int = 0
    played_ms_at_clear: list[int] = field(default_factory=list)

    def audio(self, nbytes: int) -> None:
        now = self.clock()
        self.play_end = max(self.play_end, now) + nbytes / 8000
        self.bytes_received += nbytes

    def mark(self, name: str) -> None:
        self.marks.append((max(self.play_end, self.clock()), name))

    def clear(self) -> list[str]:
        self.clears += 1
        now = self.clock()
        unplayed = max(0.0, self.play_end - now) * 8000
        self.played_ms_at_clear.append(int((self.bytes_received - unplayed) / 8))
        self.play_end = now
        names = [name for _, name in self.marks]
        self.marks.clear()
        self.cleared_marks.extend(names)
        return names

    @property
    def playing(self) -> bool:
        return self.play_end > self.clock()


class TwilioCaller:
    def __init__(
        self,
        server_url: str,
        *,
        auth_token: str,
        public_base_url: str,
        call_sid: str | None = None,
        from_number: str = "+819012345678",
        account_sid: str = "AC" + "0" * 32,
        algorithm: str = HMAC_SHA1,
        signing_key: str | None = None,
        session: aiohttp.ClientSession | None = None,
        on_media: Callable[[bytes], None] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.public_base_url = public_base_url.rstrip("/")
        self.call_sid = call_sid or "CA" + uuid.uuid4().hex
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self.account_sid = account_sid
        self.from_number = from_number
        self.algorithm = algorithm
        self._validator = RequestValidator(signing_key or auth_token)
        self._session = session
        self._own_session = session is None
        self._headers = headers  # sent with the webhook and the upgrade (a test's load-balancer routing)
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._marker: asyncio.Task[None] | None = None
        self._mark_wakeup = asyncio.Event()
        self._seq = 0
        self._chunk = 0
        self._sent_ms = 0
        self.on_media = on_media
        self.stream_url: str | None = None
        self.parameters: dict[str, str] = {}
        self.twiml = ""
        self.playout = Playout()
        self.received: list[dict[str, Any]] = []
        self.protocol_errors: list[str] = []  # frames real Twilio would reject (wrong streamSid, bad shape)
        self.closed = asyncio.Event()
        self.close_code: int | None = None

    # ----- the webhook -------------------------------------------------------------------------
    def sign(self, url: str, params: dict[str, str]) -> dict[str, str]:
        headers = {"X-Twilio-Signature": self._validator.compute_signature(url, params, self.algorithm)}
        if self.algorithm != HMAC_SHA1:
            headers[SIGNATURE_SETTINGS_HEADER] = f"key=webhooks_sharedkey_sim,algorithm={self.algorithm}"
        return headers

    def webhook_params(self) -> dict[str, str]:
        return {
            "AccountSid": self.account_sid,
            "CallSid": self.call_sid,
            "From": self.from_number,
            "To": "+81300000000",
            "Direction": "inbound",
            "CallStatus": "ringing",
        }

    async def dial(self, *, signature: str | None = None) -> aiohttp.ClientResponse:
        """POST the incoming-call webhook; on 200 the TwiML's stream URL and parameters are kept."""
        params = self.webhook_params()
        headers = self.sign(self.public_base_url + "/twilio/voice", params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        session = await self._client()
        resp = await session.post(self.server_url + "/twilio/voice", data=params, headers=headers)
        self.twiml = await resp.text()
        if resp.status == 200:
            self._read_twiml(self.twiml)
        return resp

    def _read_twiml(self, twiml: str) -> None:
        stream = ET.fromstring(twiml).find("./Connect/Stream")
        if stream is None:
            return
        self.stream_url = stream.get("url")
        self.parameters = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}

    def after_stream(self) -> list[tuple[str, str]]:
        """What Twilio does when the media stream ends without a REST update of the call: the TwiML's
        verbs after `<Connect>`, as (verb, text), e.g. [("Dial", "+81312345678")]: the fallback."""
        if not self.twiml:
            return []
        verbs = list(ET.fromstring(self.twiml))
        connect = next((i for i, v in enumerate(verbs) if v.tag == "Connect"), None)
        if connect is None:
            return []
        return [(v.tag, "".join(v.itertext()).strip()) for v in verbs[connect + 1:]]

    # ----- the media socket ----------------------------------------------------------------------
    def socket_target(self) -> tuple[str, dict[str, str]]:
        """(local ws:// URL, signed upgrade headers): signed over the public wss:// URL, sent to the local one."""
        public = self.stream_url or self.public_base_url.replace("https://", "wss://", 1) + "/twilio/media"
        local = self.server_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        return local + urlsplit(public).path, self.sign(public, {})

    async def open_socket(self, *, signature: str | None = None) -> aiohttp.ClientWebSocketResponse:
        """The signed upgrade only (no frames yet); raises aiohttp.WSServerHandshakeError when refused."""
        local, headers = self.socket_target()
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        session = await self._client()
        self._ws = await session.ws_connect(local, headers=headers, autoping=True, max_msg_size=1 << 20)
        self._reader = asyncio.get_running_loop().create_task(self._read())
        self._marker = asyncio.get_running_loop().create_task(self._echo_marks())
        return self._ws

    async def connect(self, *, token: str | None = None) -> None:
        """Open the socket and send `connected` and `start` with the TwiML's parameters."""
        if self._ws is None:
            await self.open_socket()
        await self.send(CONNECTED)
        await self.send(self.start_event(token=token))

    def start_event(self, *, token: str | None = None) -> dict[str, Any]:
        """Twilio's `start`, carrying the TwiML's `<Parameter>`s (the stream token among them)."""
        params = dict(self.parameters)
        if token is not None:
            params["token"] = token
        return {
            "event": "start",
            "sequenceNumber": self._next_seq(),
            "start": {
                "accountSid": self.account_sid,
                "streamSid": self.stream_sid,
                "callSid": self.call_sid,
                "tracks": ["inbound"],
                "customParameters": params,
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
            "streamSid": self.stream_sid,
        }

    async def send(self, frame: dict[str, Any]) -> None:
        assert self._ws is not None
        await self._ws.send_str(json.dumps(frame))

    async def send_raw(self, text: str) -> None:
        assert self._ws is not None
        await self._ws.send_str(text)

    def _next_seq(self) -> str:
        self._seq += 1
        return str(self._seq)

    async def send_frame(self, frame: bytes) -> None:
        self._chunk += 1
        self._sent_ms += ulaw.FRAME_MS
        await self.send(
            {
                "event": "media",
                "sequenceNumber": self._next_seq(),
                "media": {
                    "track": "inbound",
                    "chunk": str(self._chunk),
                    "timestamp": str(self._sent_ms),
                    "payload": base64.b64encode(frame).decode(),
                },
                "streamSid": self.stream_sid,
            }
        )

    async def play(self, audio: bytes | Iterable[bytes], *, realtime: bool = True) -> None:
        """Send audio as 20 ms frames, paced by a real clock (no drift) unless `realtime` is off."""
        frames = ulaw.frames(audio) if isinstance(audio, bytes) else list(audio)
        start = time.monotonic()
        for i, frame in enumerate(frames):
            if self.closed.is_set():
                return
            await self.send_frame(frame)
            if realtime:
                delay = start + (i + 1) * ulaw.FRAME_MS / 1000 - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)

    async def speak(self, ms: int, *, then_silence_ms: int = 400) -> None:
        """Speech-like tone the stand-in's VAD hears, then the pause that ends the utterance."""
        await self.play(ulaw.tone(ms) + ulaw.silence(then_silence_ms))

    async def silence(self, ms: int) -> None:
        await self.play(ulaw.silence(ms))

    async def dtmf(self, digit: str) -> None:
        await self.send(
            {
                "event": "dtmf",
                "streamSid": self.stream_sid,
                "sequenceNumber": self._next_seq(),
                "dtmf": {"track": "inbound_track", "digit": digit},
            }
        )

    def stop_event(self) -> dict[str, Any]:
        return {
            "event": "stop",
            "sequenceNumber": self._next_seq(),
            "streamSid": self.stream_sid,
            "stop": {"accountSid": self.account_sid, "callSid": self.call_sid},
        }

    async def hangup(self) -> None:
        """`stop` as Twilio sends when the caller hangs up, then the socket closes."""
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.send(self.stop_event())
            await self._ws.close()
        await self.close()

    async def close(self) -> None:
        for task in (self._reader, self._marker):
            if task is not None:
                task.cancel()
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None
        self.closed.set()

    async def wait_closed(self, within_s: float = 5.0) -> None:
        await asyncio.wait_for(self.closed.wait(), within_s)

    # ----- what the server sends ---------------------------------------------------------------
    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for msg in self._ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                event = frame.get("event")
                problem = outbound_problem(frame, self.stream_sid)
                if problem is not None:
                    self.protocol_errors.append(problem)
                    continue
                if event == "media":
                    audio = base64.b64decode(frame["media"]["payload"])
                    self.playout.audio(len(audio))
                    if self.on_media is not None:
                        self.on_media(audio)
                    else:
                        self.received.append({"event": "media", "bytes": len(audio)})
                    continue
                self.received.append(frame)
                if event == "mark":
                    self.playout.mark(frame["mark"]["name"])
                    self._mark_wakeup.set()
                elif event == "clear":
                    for name in self.playout.clear():
                        await self._echo_mark(name)
        finally:
            self.close_code = self._ws.close_code
            self.closed.set()

    async def _echo_marks(self) -> None:
        """Echo each mark when the audio before it has played out in real time."""
        while True:
            if not self.playout.marks:
                self._mark_wakeup.clear()
                await self._mark_wakeup.wait()
                continue
            due, name = self.playout.marks[0]
            delay = due - time.monotonic()
            if delay > 0:
                self._mark_wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._mark_wakeup.wait(), delay)
                continue
            self.playout.marks.popleft()
            self.playout.played_marks.append(name)
            await self._echo_mark(name)

    async def _echo_mark(self, name: str) -> None:
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.send(
                    {"event": "mark", "sequenceNumber": self._next_seq(), "streamSid": self.stream_sid,
                     "mark": {"name": name}}
                )

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.received if f.get("event") == kind]

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(headers=self._headers)
        return self._session


def outbound_problem(frame: Any, stream_sid: str) -> str | None:
    """Why Twilio would reject a message the service sent on a bidirectional stream, or None.

    Twilio accepts only `media` (base64 μ-law in `media.payload`), `mark` (`mark.name`) and
    `clear`, each naming the stream's `streamSid`."""
    if not isinstance(frame, dict):
        return "not a JSON object"
    event = frame.get("event")
    if event not in ("media", "mark", "clear"):
        return f"unknown event {event!r}"
    if frame.get("streamSid") != stream_sid:
        return f"{event} for streamSid {frame.get('streamSid')!r}"
    if event == "media":
        payload = (frame.get("media") or {}).get("payload")
        try:
            base64.b64decode(payload or "", validate=True)
        except (ValueError, TypeError):
            return "media payload is not base64"
        if not payload:
            return "media without payload"
    if event == "mark" and not isinstance((frame.get("mark") or {}).get("name"), str):
        return "mark without a name"
    return None
