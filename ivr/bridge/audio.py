"""The audio path, both ways: caller audio to the model, the model's audio to the caller.

Audio is passed through as base64 μ-law without decoding: Twilio's `payload` becomes the
`input_audio_buffer.append` audio and the model's `delta` becomes Twilio's `payload` unchanged,
with byte counts from base64 length arithmetic. Each delta goes out as one Twilio `media`; a mark
follows once `MARK_EVERY_MS` of the item's audio went out unmarked, when the model's item ends
(`audio_done`) and before another item's audio starts, in the same socket write as the media. The
marks are how `PlaybackTracker` learns what the caller has heard, so the heard position is known
to within `MARK_EVERY_MS` and always errs short (a cut-off answer is truncated at most that much
before where the caller really stopped hearing it). A mark per 20 ms delta would have Twilio echo
50 marks a second per call, each one read, parsed and settled: a third of the frames the service
reads. This runs 50 times a second each way per call, so it does nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from ivr.bridge.call_log import CallLog
from ivr.bridge.clock import Clock
from ivr.bridge.connection import RealtimeConnection
from ivr.bridge.metrics import BridgeMetrics
from ivr.bridge.playback import PlaybackTracker
from ivr.bridge.realtime_client import RealtimeDropped
from ivr.bridge.responses import ResponseState
from ivr.bridge.twilio_socket import TwilioSocket
from ivr.telephony import media_frames

MARK_EVERY_MS = 100
_MARK_EVERY_BYTES = MARK_EVERY_MS * 8  # μ-law, 8 kHz

FrameProbe = Callable[[Literal["up", "down"], Literal["in", "out"], str], None]
"""Called with each audio payload ("up" to the model, "down" to the caller) when the bridge gets it
from its socket ("in") and right after it wrote it to the other one ("out"). Only the calls
benchmark sets one, to time frames through the service; unset it costs an `is None` test."""
FirstAudio = Callable[[Literal["greeting", "reply"], int], None]
"""Told, once per wait, how long the caller waited for the bot's voice (ms): after the call started
("greeting") or after they stopped speaking ("reply"). The call record keeps it for the console."""


class AudioPath:
    def __init__(self, twilio: TwilioSocket, realtime: RealtimeConnection, playback: PlaybackTracker,
                 responses: ResponseState, *, clock: Clock, metrics: BridgeMetrics, log: CallLog,
                 probe: FrameProbe | None, on_first_audio: FirstAudio | None = None) -> None:
        self._twilio = twilio
        self._realtime = realtime
        self._playback = playback
        self._responses = responses
        self._clock = clock
        self._metrics = metrics
        self._log = log
        self._probe = probe
        self.stream_sid = ""
        self._speech_end_at: float | None = None
        self._waiting_for: Literal["greeting", "reply"] = "reply"
        self._on_first_audio = on_first_audio
        self._unmarked_item: str | None = None  # the item whose last audio sent has no mark yet
        self._unmarked_bytes = 0

    async def up(self, payload: str) -> None:
        """One Twilio `media` payload to the model (kept while the session opens)."""
        if self._probe is not None:
            self._probe("up", "in", payload)
        realtime = self._realtime
        link = realtime.link
        if link is None or not realtime.configured:
            realtime.keep(payload)
            return
        try:
            await link.send({"type": "input_audio_buffer.append", "audio": payload})
        except RealtimeDropped:
            return  # the connection's reader notices the drop and reconnects
        if self._probe is not None:
            self._probe("up", "out", payload)

    def up_now(self, payload: str) -> bool:
        """`up` in the caller's own step, when the session is configured on a direct link (True);
        False leaves the payload to `up`."""
        direct = self._realtime.direct
        if direct is None:
            return False
        if self._probe is not None:
            self._probe("up", "in", payload)
        try:
            direct.send_now({"type": "input_audio_buffer.append", "audio": payload})
        except RealtimeDropped:
            return True  # the connection's reader notices the drop and reconnects
        if self._probe is not None:
            self._probe("up", "out", payload)
        return True

    def down(self, event: dict[str, Any]) -> None:
        """One `response.output_audio.delta` to the caller, unless its response was cancelled."""
        if self._responses.drops(event.get("response_id")):
            return
        payload = event.get("delta")
        if not isinstance(payload, str) or not payload:
            return
        if self._probe is not None:
            self._probe("down", "in", payload)
        if self._speech_end_at is not None:
            self._first_audio()
        item_id = str(event.get("item_id", ""))
        sid = self.stream_sid
        before = self._unmarked_item
        lead = () if before is None or before == item_id else (self._mark_frame(before),)
        nbytes = media_frames.payload_bytes(payload)
        self._playback.audio_sent(item_id, nbytes, int(event.get("content_index", 0)))
        self._unmarked_item = item_id
        self._unmarked_bytes += nbytes
        if self._unmarked_bytes >= _MARK_EVERY_BYTES:
            self._twilio.send(*lead, media_frames.media(sid, payload), self._mark_frame(item_id))
        else:
            self._twilio.send(*lead, media_frames.media(sid, payload))
        if self._probe is not None:
            self._probe("down", "out", payload)

    def _first_audio(self) -> None:
        latency = self._clock.now() - (self._speech_end_at or 0.0)
        ms, after = int(latency * 1000), self._waiting_for
        if after == "reply":
            self._metrics.response_latency.observe(latency)
        self._log.event("first_audio", latency_ms=ms, after=after)
        self._speech_end_at = None
        if self._on_first_audio is not None:
            self._on_first_audio(after, ms)

    def call_started(self) -> None:
        """Times the wait for the greeting: from Twilio's `start` to the first audio sent to the caller."""
        self._speech_end_at, self._waiting_for = self._clock.now(), "greeting"
    def audio_done(self, item_id: str) -> None:
        """The model's item has no more audio: a mark for its tail, so its echo says it all played."""
        if self._unmarked_item == item_id:
            self._twilio.send(self._mark_frame(item_id))

    def _mark_frame(self, item_id: str) -> bytes:
        self._unmarked_item, self._unmarked_bytes = None, 0
        return media_frames.mark(self.stream_sid, self._playback.mark(item_id))

    def caller_stopped_speaking(self) -> None:
        """Times the response latency: from here to the next audio sent to the caller."""
        self._speech_end_at, self._waiting_for = self._clock.now(), "reply"

    def clear(self) -> None:
        """Twilio drops the audio it has queued for the caller (the heard position is frozen first)."""
        self._unmarked_item, self._unmarked_bytes = None, 0
        self._twilio.send(media_frames.clear(self.stream_sid))
