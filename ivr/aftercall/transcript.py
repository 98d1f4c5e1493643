"""The transcript as the summarizer model receives it: what was said, without personal data.

Left out, so it never reaches the model: phone numbers (any run of ten or more digits, in figures,
kanji or kana, with or without separators), the identified driver's name in every spelling the
records hold (written, family and given names, katakana and hiragana readings: the summary's
"who called" line is written by code from the record, never by the model), tool arguments (the
model's raw JSON may carry spoken numbers), tool results beyond their status, the prompts'
instructions, DTMF digits, ignored 相槌, timestamps and ids. Kept: both sides' words, in order,
marked interruptions, tool statuses and hand-overs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import jaconv

from ivr.aftercall.records import DriverFacts, Line

PHONE_MASK = "[電話番号]"
NAME_MASK = "[運転者]"
MAX_CHARS = 12_000  # the longest transcript sent; a longer one keeps its start and its end
_GAP = "\n…（中略）…\n"

_DIGIT = (r"(?:[0-9〇零一二三四五六七八九]|ぜろ|れい|まる|いち|に|さん|よん|し|ご|ろく|なな|しち|はち|きゅう|きゅー|く"
          r"|ゼロ|レイ|マル|イチ|ニ|サン|ヨン|シ|ゴ|ロク|ナナ|シチ|ハチ|キュウ|キュー|ク)")
_SEP = r"[\s\-‐‑‒–—―−ー・、,.の()（）]*"
_DIGIT_RUN = re.compile(rf"\+?{_DIGIT}(?:{_SEP}{_DIGIT}){{9,}}")
_TOOL_STATUS_KEYS = ("status", "error")


def mask_phone_numbers(text: str) -> str:
    """Every run of ten or more digits (a phone number's length, any script) becomes [電話番号]."""
    return _DIGIT_RUN.sub(PHONE_MASK, unicodedata.normalize("NFKC", text))


def _name_forms(driver: DriverFacts | None) -> list[str]:
    if driver is None:
        return []
    forms: set[str] = set()
    for written in (driver.name, driver.name_kana):
        parts = written.split()
        forms.update({written, "".join(parts), *parts})
        kana = [jaconv.kata2hira(p) for p in (written, "".join(parts), *parts)]
        forms.update(kana)
    # Longest first, so a full name is masked whole before its parts; a one-character part is too
    # likely to be an ordinary word (木, 森) to mask blindly.
    return sorted((f for f in forms if len(f) >= 2), key=len, reverse=True)


def mask_names(text: str, forms: Iterable[str]) -> str:
    for form in forms:
        text = text.replace(form, NAME_MASK)
    return text


def _tool_line(line: Line) -> str:
    output = line.data.get("output")
    status = ""
    if isinstance(output, dict):
        status = next((str(output[k]) for k in _TOOL_STATUS_KEYS if isinstance(output.get(k), str)), "")
    return f"[システム] {line.text}: {status or '-'}"


def render(lines: Iterable[Line], driver: DriverFacts | None) -> str:
    """One line per turn: 「運転者: …」「ボット: …」, masked; '' when nobody said anything."""
    names = _name_forms(driver)
    out: list[str] = []
    said = False
    for line in lines:
        if line.kind in ("caller", "bot"):
            text = mask_names(mask_phone_numbers(line.text.strip()), names)
            if text:
                said = True
                out.append(f"{'運転者' if line.kind == 'caller' else 'ボット'}: {text}")
        elif line.kind == "tool_result":
            out.append(_tool_line(line))
        elif line.kind == "interruption":
            out.append("[運転者がボットの発話をさえぎった]")
        elif line.kind == "transfer":
            out.append(f"[配車係へ転送: {line.text}]")
    if not said:
        return ""
    text = "\n".join(out)
    if len(text) > MAX_CHARS:
        half = (MAX_CHARS - len(_GAP)) // 2
        text = text[:half] + _GAP + text[-half:]
    return text
