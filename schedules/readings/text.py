"""Free text (cargo, notes, destination names): pyopenjtalk, with numbers read by our rules.

Dates, times, phone numbers and number+counter pairs are cut out and read by the rules in
`datetime_kana`, `phone` and `numbers` (午前0時 レイジ, 3.5t サンテンゴトン, -18℃ マイナス…);
everything between them goes to pyopenjtalk, which knows ordinary words far better than any
table we could keep.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jtext.folds import numbers_text
from jtext.openjtalk import spoken_kana as g2p
from schedules.readings.datetime_kana import DATE_IN_TEXT, TIME_IN_TEXT, date_reading, time_reading
from schedules.readings.numbers import COUNTER_WORDS, count_kana, decimal_kana
from schedules.readings.phone import PHONE_IN_TEXT, phone_kana

_ASCII_COUNTERS = {"t", "m", "L", "g", "kg", "km", "cm", "ft", "cs", "c/s", "C/S", "PL", "F"}
_COUNTER_ALT = "|".join(re.escape(w) + ("(?![A-Za-z])" if w in _ASCII_COUNTERS else "") for w in COUNTER_WORDS)
NUMBER_WITH_COUNTER = re.compile(rf"(?<![\d.])(-?\d+(?:\.\d+)?)\s?({_COUNTER_ALT})(入り?)?")
_MINUS_NUMBER = re.compile(r"(?<![\w.])-(\d+(?:\.\d+)?)")
_DECIMAL = re.compile(r"(?<![\d.])(\d+\.\d+)(?![\d.])")


def _number_with_counter(m: re.Match[str]) -> str:
    return count_kana(m.group(1), m.group(2)) + ("イリ" if m.group(3) else "")


# Depot words pyopenjtalk gets wrong (搬入口 is ハンニュウグチ on every loading dock).
VOCABULARY = {
    "搬入口": "ハンニュウグチ",
    "搬出口": "ハンシュツグチ",
    "荷捌き場": "ニサバキバ",
    "荷捌場": "ニサバキバ",
    "荷受け": "ニウケ",
    "荷受": "ニウケ",
    "荷下ろし場": "ニオロシバ",
    "納品口": "ノウヒングチ",
    "通用口": "ツウヨウグチ",
    # A wing of a building is カン, not pyopenjtalk's ダテ/タテ.
    "東館": "ヒガシカン",
    "西館": "ニシカン",
    "南館": "ミナミカン",
    "北館": "キタカン",
}
_VOCAB_RE = re.compile("|".join(sorted(map(re.escape, VOCABULARY), key=len, reverse=True)))


def _time(m: re.Match[str]) -> str:
    return time_reading(m.group(0)) or g2p(m.group(0))


# A range of times (9:00～10:00, 10時～, ～12時): the tilde is カラ/マデ, which the voice won't say
# by itself (9:00～10:00 would be クジジュウジ, two hours run together).
_TILDE = "[～〜~]"
_TIME_ONLY = TIME_IN_TEXT.pattern + r"(?!間)"
_TIME_RANGE = re.compile(
    rf"(?P<start>{_TIME_ONLY})\s*{_TILDE}\s*(?P<end>{_TIME_ONLY})?|{_TILDE}\s*(?P<until>{_TIME_ONLY})"
)


def _time_range(m: re.Match[str]) -> str:
    if m.group("until"):
        return (time_reading(m.group("until")) or g2p(m.group("until"))) + "マデ"
    start = (time_reading(m.group("start")) or g2p(m.group("start"))) + "カラ"
    if not m.group("end"):
        return start
    return start + " " + (time_reading(m.group("end")) or g2p(m.group("end"))) + "マデ"


_BASEMENT = re.compile(r"(?<![A-Za-z])B(\d+)F(?![A-Za-z])")


def _basement(m: re.Match[str]) -> str:
    return "チカ" + count_kana(m.group(1), "階")


def _date(m: re.Match[str]) -> str:
    return date_reading(m.group(0)) or g2p(m.group(0))


def _minus(m: re.Match[str]) -> str:
    return "マイナス" + decimal_kana(m.group(1))


def _decimal(m: re.Match[str]) -> str:
    return decimal_kana(m.group(1))


# Order matters: a date before a bare number+counter, a phone number before anything numeric.
_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_VOCAB_RE, lambda m: VOCABULARY[m.group(0)]),
    (PHONE_IN_TEXT, lambda m: phone_kana(m.group(0))),
    (DATE_IN_TEXT, _date),
    (_TIME_RANGE, _time_range),
    (re.compile(_TIME_ONLY), _time),
    (_BASEMENT, _basement),
    (NUMBER_WITH_COUNTER, _number_with_counter),
    (_MINUS_NUMBER, _minus),
    (_DECIMAL, _decimal),
)


def _render(text: str, rules: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...]) -> list[str]:
    if not text:
        return []
    if not rules:
        return [g2p(text)]
    (pattern, render), rest = rules[0], rules[1:]
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        out.extend(_render(text[pos : m.start()], rest))
        out.append(render(m))
        pos = m.end()
    out.extend(_render(text[pos:], rest))
    return out


def text_kana(text: str) -> str:
    """Katakana for free text; spaces in the text become short pauses (a space)."""
    chunks = [c for c in numbers_text(text).split() if c]
    return " ".join(k for k in ("".join(_render(c, _RULES)) for c in chunks) if k)
