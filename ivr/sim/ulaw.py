"""μ-law audio for the simulators: tones that a VAD hears as speech, silence, and raw files."""

from __future__ import annotations

import math
from pathlib import Path

FRAME_MS = 20
FRAME_BYTES = 160  # 20 ms at 8 kHz, one byte per sample
SILENCE_BYTE = 0xFF  # μ-law code of zero


def _encode(sample: int) -> int:
    """G.711 μ-law encode of one 16-bit sample."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    sample = min(abs(sample), clip) + bias
    exponent = 7
    for exp in range(7, -1, -1):
        if sample & (0x4000 >> (7 - exp)):
            exponent = exp
            break
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def tone_frame(freq: float = 400.0, amplitude: float = 0.3) -> bytes:
    """One 20 ms frame; 400 Hz fits exactly eight periods, so frames can repeat seamlessly."""
    return bytes(
        _encode(int(amplitude * 32767 * math.sin(2 * math.pi * freq * i / 8000))) for i in range(FRAME_BYTES)
    )


def tone(ms: int, freq: float = 400.0, amplitude: float = 0.3) -> bytes:
    frame = tone_frame(freq, amplitude)
    return (frame * (ms // FRAME_MS + 1))[: ms * 8]


def silence(ms: int) -> bytes:
    return bytes([SILENCE_BYTE]) * (ms * 8)


def frames(audio: bytes) -> list[bytes]:
    """Split into 20 ms frames, the last one padded with silence."""
    out = [audio[i : i + FRAME_BYTES] for i in range(0, len(audio), FRAME_BYTES)]
    if out and len(out[-1]) < FRAME_BYTES:
        out[-1] = out[-1] + bytes([SILENCE_BYTE]) * (FRAME_BYTES - len(out[-1]))
    return out


def read_ulaw(path: Path) -> bytes:
    """Raw 8 kHz μ-law (`.ulaw`, `.raw`), or a WAV whose format code is 7 (μ-law)."""
    data = path.read_bytes()
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        pos = 12
        fmt_ok = False
        while pos + 8 <= len(data):
            chunk, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
            body = data[pos + 8 : pos + 8 + size]
            if chunk == b"fmt ":
                fmt_ok = int.from_bytes(body[:2], "little") == 7 and int.from_bytes(body[4:8], "little") == 8000
            elif chunk == b"data":
                if not fmt_ok:
                    raise ValueError(f"{path}: not 8 kHz μ-law WAV")
                return body
            pos += 8 + size + (size & 1)
        raise ValueError(f"{path}: WAV without a data chunk")
    return data


_QUIET = bytes(b for b in range(256) if (b & 0x7F) >= 0x70)


def is_voiced(frame: bytes) -> bool:
    """What the stand-in's VAD calls speech: most samples away from zero (counted in C)."""
    loud = len(frame.translate(None, _QUIET))
    return loud * 2 > len(frame)
