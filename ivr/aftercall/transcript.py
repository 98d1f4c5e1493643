"""The transcript as the summarizer model receives it: what was said, without personal data.

Left out, so it never reaches the model: phone numbers (any run of ten or more digits, in figures,
kanji or kana, with or without separators), the identified driver's name in every spelling the
records hold (written, family and given names, katakana and hiragana readings: the summary's
"who called" line is written by code from the record, never by the model), tool arguments (the
model's raw JSON may carry spoken numbers), tool results beyond their status, the prompts'
instructions, DTMF digits, ignored 相槌, timestamps and ids. Kept: both sides' words, in order,
marked interruptions, tool statuses and hand-overs. How each line is written is wording the
model reads, so it is in ivr/prompts/summary.md beside the instructions that explain it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ivr.aftercall.records import DriverFacts, Line
from jtext.scripts import hiragana, width

PHONE_MASK = "[電話番号]"
NAME_MASK = "[運転者]"
MAX_CHARS = 12_000  # the longest transcript sent; a longer one keeps its start and its end
_GAP = "\n…（中略）…\n"

# How each kind of line is written (sections of summary.md): {text}, {tool} and {status}, {reason}.
SECTIONS = ("line_caller", "line_bot", "line_tool", "line_interruption", "line_transfer")
# A digit in figures, kanji or kana, then nine more, each after any separators a transcript writes.
_DIGIT_RUN = re.compile(r"\+?(?:{d})(?:[{sep}]*(?:{d})){{9,}}".format(
    d=r"[0-9〇零一二三四五六七八九]|ぜろ|れい|まる|いち|に|さん|よん|し|ご|ろく|なな|しち|はち|きゅう|きゅー|く"
      r"|ゼロ|レイ|マル|イチ|ニ|サン|ヨン|シ|ゴ|ロク|ナナ|シチ|ハチ|キュウ|キュー|ク",
    sep=r"\s\-‐‑‒–—―−ー・、,.の()（）",
))
_TOOL_STATUS_KEYS = ("status", "error")


def mask_phone_numbers(text: str) -> str:
    """Every run of ten or more digits (a phone number's length, any script) becomes [電話番号]."""
    return _DIGIT_RUN.sub(PHONE_MASK, width(text))


def _name_forms(driver: DriverFacts | None) -> list[str]:
    if driver is None:
        return []
    forms: set[str] = set()
    for written in (driver.name, driver.name_kana):
        parts = written.split()
        forms.update({written, "".join(parts), *parts})
        kana = [hiragana(p) for p in (written, "".join(parts), *parts)]
        forms.update(kana)
    # Longest first, so a full name is masked whole before its parts; a one-character part is too
    # likely to be an ordinary word (木, 森) to mask blindly.
    return sorted((f for f in forms if len(f) >= 2), key=len, reverse=True)


def mask_names(text: str, forms: Iterable[str]) -> str:
    for form in forms:
        text = text.replace(form, NAME_MASK)
    return text


def _tool_status(line: Line) -> str:
    output = line.data.get("output")
    status = ""
    if isinstance(output, dict):
        status = next((str(output[k]) for k in _TOOL_STATUS_KEYS if isinstance(output.get(k), str)), "")
    return status or "-"


def render(lines: Iterable[Line], driver: DriverFacts | None, sections: dict[str, str]) -> str:
    """One line per turn, written by the `line_*` sections of summary.md, masked; '' when nobody
    said anything."""
    names = _name_forms(driver)
    out: list[str] = []
    said = False
    for line in lines:
        if line.kind in ("caller", "bot"):
            text = mask_names(mask_phone_numbers(line.text.strip()), names)
            if text:
                said = True
                out.append(sections[f"line_{line.kind}"].format(text=text))
        elif line.kind == "tool_result":
            out.append(sections["line_tool"].format(tool=line.text, status=_tool_status(line)))
        elif line.kind == "interruption":
            out.append(sections["line_interruption"])
        elif line.kind == "transfer":
            out.append(sections["line_transfer"].format(reason=line.text))
    if not said:
        return ""
    text = "\n".join(out)
    if len(text) > MAX_CHARS:
        half = (MAX_CHARS - len(_GAP)) // 2
        text = text[:half] + _GAP + text[-half:]
    return text
