"""pyopenjtalk behind one module: imported quietly, once, and memoized.

pyopenjtalk-plus prints an ONNX Runtime notice when it is imported; command output (`--json`,
review tables) must stay clean, so the import runs with stdout and stderr redirected. It runs
when this module is imported (at start), not inside the first call that needs a reading.
Two views of its analysis, because two callers want different things from the same dictionary:
- `spoken_kana`: what a voice should say, in the readings' spelling (sound changes as spoken,
  long vowels spelled as the dictionary spells them, pauses as 、);
- `dictionary_kana`: the pronunciation pyopenjtalk's own `g2p(kana=True)` gives, for keys that
  fold long vowels themselves (names, plate regions).
"""

from __future__ import annotations

import contextlib
import io
import re
from functools import lru_cache

with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    import pyopenjtalk

PAUSE = "、"
_NOT_SPOKEN = re.compile(rf"[^ァ-ヶー{PAUSE}]")
_PAUSES = re.compile(f"{PAUSE}+")


def merge_long_vowels(pron: str, read: str) -> str:
    """The spoken form `pron` with its ー spelled as the dictionary reading `read` spells them.

    pyopenjtalk gives both: `pron` carries the sound changes (ロッポン, ワ for は) and writes
    long vowels with ー; `read` spells them with the vowel (トウキョウ). Only where the two align
    letter for letter and `pron` has ー is the vowel taken from `read`.
    """
    pron = pron.replace("’", "")
    if "ー" not in pron or len(pron) != len(read):
        return pron
    return "".join(r if p == "ー" and r in "アイウエオ" else p for p, r in zip(pron, read, strict=True))


@lru_cache(maxsize=65536)
def spoken_kana(text: str) -> str:
    """Katakana for free Japanese text as a voice should say it.

    Symbols pyopenjtalk reads as a pause come back as 、 (runs of them as one); anything it
    cannot read is dropped.
    """
    if not text.strip():
        return ""
    morphs = pyopenjtalk.run_frontend(text)
    out = _NOT_SPOKEN.sub("", "".join(merge_long_vowels(str(m["pron"]), str(m["read"])) for m in morphs))
    return _PAUSES.sub(PAUSE, out).strip(PAUSE)


@lru_cache(maxsize=4096)
def dictionary_kana(text: str) -> str:
    """pyopenjtalk's katakana pronunciation of `text` (long vowels as ー, symbols as written)."""
    return str(pyopenjtalk.g2p(text, kana=True))


def cache_clear() -> None:
    """Forget every memoized reading (benchmarks measure the dictionary, not the memo)."""
    spoken_kana.cache_clear()
    dictionary_kana.cache_clear()
