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
    """Milliseconds as a fixed histogram: 10 µs steps to 100 ms, then 1 ms steps to 10 s.

    Fixed size, so a process that counts frames for ten minutes (the soak) holds as much for them
    as one that counts for ten seconds: its resident memory measures the service, not the probe.
    A percentile is its step's upper edge (within 10 µs under 100 ms); the maximum is exact.
    """

    _FINE_MS = 100.0
    _FINE = 10_000  # 10 µs steps below 100 ms
    _COARSE = 9_900  # 1 ms steps from 100 ms to 10 s; one more step above

    def __init__(self, values: bytes = b"") -> None:
        self.counts = array("q", bytes(8 * (self._FINE + self._COARSE + 1)))
        self.total = 0
        self.max = math.nan
        if values:
            self.max = _MAX.unpack_from(values)[0]
            self.counts = array("q")
            self.counts.frombytes(values[_MAX.size:])
            self.total = sum(self.counts)

    def add(self, ms: float) -> None:
        if ms < self._FINE_MS:
            i = int(ms * 100) if ms > 0 else 0
        else:
            i = min(self._FINE + int(ms - self._FINE_MS), self._FINE + self._COARSE)
        self.counts[i] += 1
        self.total += 1
        if not ms <= self.max:  # also true while max is nan
            self.max = ms

    def __len__(self) -> int:
        return self.total

    def to_bytes(self) -> bytes:
        return _MAX.pack(self.max) + self.counts.tobytes()

    def merge(self, other: Latencies) -> None:
        for i, n in enumerate(other.counts):
            if n:
                self.counts[i] += n
        self.total += other.total
        if not other.max <= self.max:
            self.max = other.max

    def percentile(self, q: float) -> float:
        if not self.total:
            return math.nan
        if q >= 1.0:
            return self.max
        rank = max(1, math.ceil(q * self.total))
        seen = 0
        for i, n in enumerate(self.counts):
            seen += n
            if seen >= rank:
                edge = (i + 1) / 100 if i < self._FINE else self._FINE_MS + (i - self._FINE + 1)
                return min(edge, self.max)
        return self.max


_MAX = struct.Struct("<d")
