"""pyopenjtalk behind one function, imported quietly.

pyopenjtalk-plus prints an ONNX Runtime notice on import (to stdout); CLI output must stay clean,
so the import runs with stdout and stderr redirected.
"""

from __future__ import annotations

import contextlib
import io
import re
from functools import lru_cache

from schedules.readings.kana import merge_long_vowels

with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    import pyopenjtalk

_NOT_KANA = re.compile(r"[^ァ-ヶー、]")


@lru_cache(maxsize=65536)
def g2p(text: str) -> str:
    """Katakana for free Japanese text under the conventions of `kana.py`.

    Symbols pyopenjtalk reads as a pause come back as 、; anything it cannot read is dropped.
    """
    if not text.strip():
        return ""
    parts: list[str] = []
    for morph in pyopenjtalk.run_frontend(text):
        parts.append(merge_long_vowels(str(morph["pron"]), str(morph["read"])))
    out = _NOT_KANA.sub("", "".join(parts))
    return re.sub("、+", "、", out).strip("、")
