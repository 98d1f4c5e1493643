"""The caller simulator's audio: μ-law from files (raw or WAV) and the stand-in's notion of speech."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from ivr.sim.ulaw import is_voiced, read_ulaw, silence, tone


def _wav(fmt_code: int, rate: int, data: bytes) -> bytes:
    fmt = struct.pack("<HHIIHH", fmt_code, 1, rate, rate, 1, 8)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_a_ulaw_wav_plays_its_data_chunk(tmp_path: Path) -> None:
    audio = tone(100)
    path = tmp_path / "hello.wav"
    path.write_bytes(_wav(7, 8000, audio))
    assert read_ulaw(path) == audio
    assert is_voiced(read_ulaw(path)[:160])


def test_a_raw_ulaw_file_plays_as_is(tmp_path: Path) -> None:
    path = tmp_path / "quiet.ulaw"
    path.write_bytes(silence(60))
    assert read_ulaw(path) == silence(60)
    assert not is_voiced(read_ulaw(path)[:160])


@pytest.mark.parametrize("fmt_code,rate", [(1, 8000), (7, 16000)])
def test_a_wav_that_is_not_8khz_ulaw_is_refused(tmp_path: Path, fmt_code: int, rate: int) -> None:
    path = tmp_path / "pcm.wav"
    path.write_bytes(_wav(fmt_code, rate, b"\x00" * 320))
    with pytest.raises(ValueError, match="not 8 kHz μ-law WAV"):
        read_ulaw(path)
