"""Timestamped 20 ms μ-law frames for the calls benchmark, and the statistics over them.

Each frame's first 12 bytes hold the sender's CLOCK_MONOTONIC (shared by all processes on the
machine) and a sequence number, so whoever sees the frame later - the service's probe, the
Realtime stand-in, the caller - reads how long it has travelled. 12 bytes are exactly 16 base64
characters, so a stamped payload is `stamp_b64(...) + REST_B64` and a reader decodes only the
first 16 characters of the payload it got: nobody decodes or re-encodes the audio.

Frames a caller sends before it hears the bot (the Realtime session may still be opening and the
bridge buffers them) carry the WARMUP bit: they count for loss but not for latency.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
import time
from array import array

FRAME_BYTES = 160  # 20 ms of 8 kHz μ-law
FRAME_S = 0.02
STAMP = struct.Struct("<qI")
STAMP_B64_CHARS = 16
REST_B64 = base64.b64encode(b"\xff" * (FRAME_BYTES - STAMP.size)).decode()  # μ-law silence
WARMUP = 1 << 31


def stamp_b64(seq: int) -> str:
    return base64.b64encode(STAMP.pack(time.monotonic_ns(), seq)).decode()


def age_ms(payload_b64: str | bytes) -> tuple[float, bool]:
    """(milliseconds since the frame was stamped, whether it is a warm-up frame)."""
    sent_ns, seq = STAMP.unpack(binascii.a2b_base64(payload_b64[:STAMP_B64_CHARS]))
    return (time.monotonic_ns() - sent_ns) / 1e6, bool(seq & WARMUP)


class Latencies:
    """Milliseconds, kept as a compact array so a 200-call run stays cheap to collect and ship."""

    def __init__(self, values: bytes = b"") -> None:
        self.values = array("d")
        self.values.frombytes(values)

    def add(self, ms: float) -> None:
        self.values.append(ms)

    def __len__(self) -> int:
        return len(self.values)

    def to_bytes(self) -> bytes:
        return self.values.tobytes()

    def percentile(self, q: float) -> float:
        if not self.values:
            return math.nan
        ordered = sorted(self.values)
        return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]
