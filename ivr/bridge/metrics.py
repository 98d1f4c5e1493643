"""Prometheus metrics for the bridge, on a registry owned by one app (tests run many apps).

Nothing here is touched per audio frame; children with fixed labels are bound once.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class BridgeMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        # Summed over an instance's live workers under `ivr serve --workers N` (multiprocess mode).
        self.calls_active = Gauge("ivr_calls_active", "Calls with an open media stream", registry=r,
                                  multiprocess_mode="livesum")
        self.calls_total = Counter("ivr_calls_total", "Media streams started", registry=r)
        self.calls_rejected = Counter("ivr_calls_rejected_total", "Refused requests", ["reason"], registry=r)
        self.speech_started = Counter("ivr_caller_speech_started_total", "Caller speech starts", registry=r)
        self.aizuchi_ignored = Counter("ivr_aizuchi_ignored_total", "相槌 said over the bot and ignored", registry=r)
        self.interruptions = Counter("ivr_interruptions_total", "Bot cut off by the caller", ["reason"], registry=r)
        self.cancels = Counter("ivr_response_cancels_total", "Responses cancelled", ["reason"], registry=r)
        self.bot_speaking = Counter("ivr_bot_speaking_transitions_total", "Bot speaking on/off", ["to"], registry=r)
        self.bot_speaking_on = self.bot_speaking.labels("on")  # bound once: a label lookup takes a lock
        self.bot_speaking_off = self.bot_speaking.labels("off")
        self.response_latency = Histogram(
            "ivr_response_latency_seconds",
            "Caller's end of speech to the first audio sent back",
            buckets=(0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0),
            registry=r,
        )
        self.tool_seconds = Histogram("ivr_tool_seconds", "Tool run time", ["tool"], registry=r)
        self.tool_errors = Counter("ivr_tool_errors_total", "Tools that failed or timed out", ["tool"], registry=r)
        self.fillers = Counter("ivr_fillers_total", "Filler lines played while a tool ran", registry=r)
        self.realtime_reconnects = Counter("ivr_realtime_reconnects_total", "Realtime sockets re-opened", registry=r)
        self.transfers = Counter("ivr_transfers_total", "Calls handed to a dispatcher", ["reason"], registry=r)
        self.rest_update_failures = Counter(
            "ivr_twilio_rest_update_failures_total",
            "Hand-overs and hang-ups whose Twilio REST update failed (the stream was closed: fallback <Dial>)",
            ["what"], registry=r)
        self.bad_frames = Counter("ivr_media_bad_frames_total", "Malformed or unknown media frames", registry=r)
