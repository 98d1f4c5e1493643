"""Free text (cargo, notes, destination names): pyopenjtalk, with numbers read by our rules.

Dates, times, time ranges, phone numbers and number+counter pairs are cut out and read by the
rules in `datetime_kana`, `phone` and `numbers` (午前0時 レイジ, 9:00-10:00 クジカラ ジュウジマデ,
3.5t サンテンゴトン, -18℃ マイナス…); everything between them goes to pyopenjtalk, which knows
ordinary words far better than any table we could keep. `text_reading` also says whether
pyopenjtalk had to read kanji or Latin letters: that part is the dictionary's guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from jtext.folds import numbers_text
from jtext.openjtalk import spoken_kana as g2p
from jtext.scripts import HYPHENS, KANJI, LONG_MARK
from schedules.readings.datetime_kana import DATE_IN_TEXT, TIME_IN_TEXT, date_reading, day_kana, time_reading
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
    return _said_time(m.group(0))


# A range of times in any of the ways dispatchers write one: 9:00-10:00, 9:00～10:00, 9時〜10時,
# 9時-10時, 9-10時, 午前9時～午後3時, 9:00~ (from), ~12:00 (until), with まで/迄 after the end or not.
# The dash or tilde is カラ … マデ, which no voice says by itself (9:00-10:00 would be クジジュウジ,
# two hours run together).
_TILDES = "~〜∼"
_RANGE_SEP = rf"\s*[{_TILDES}{re.escape(HYPHENS)}{LONG_MARK}]\s*"
_TIME_ONLY = TIME_IN_TEXT.pattern + r"(?!間)"
_HOUR_END = r"(?:午前|午後)?\s*\d{1,2}時(?:半|\d{1,2}分)?(?![\d:間])"
_UNTIL = r"(?P<{}>まで|迄)?"
_TIME_RANGE = re.compile(
    rf"(?P<start>{_TIME_ONLY})(?:{_RANGE_SEP}(?P<end>{_TIME_ONLY}){_UNTIL.format('made')}"
    rf"|{_RANGE_SEP}(?!\s*(?:\d|午前|午後)))"
    rf"|(?<![\d:.])(?P<bare_ampm>午前|午後)?(?P<bare>\d{{1,2}}){_RANGE_SEP}(?P<bare_end>{_HOUR_END})"
    rf"{_UNTIL.format('bare_made')}"
    rf"|(?<![\d:時分半])[{_TILDES}]\s*(?P<until>{_TIME_ONLY}){_UNTIL.format('until_made')}"
)
# Spaces around the dash or tilde of a range (9時 〜 10時) would split it into separate chunks.
_SPACED_RANGE = re.compile(
    rf"(?<=[\d時分半])\s*([{_TILDES}{re.escape(HYPHENS)}{LONG_MARK}])\s*(?=午前|午後|\d)|\s+(?=[{_TILDES}]\s*\d)"
)


def _said_time(text: str) -> str:
    return time_reading(text) or g2p(text)


def _time_range(m: re.Match[str]) -> str:
    if m.group("until"):
        return _said_time(m.group("until")) + "マデ"
    if m.group("bare"):
        start = (m.group("bare_ampm") or "") + m.group("bare") + "時"
        return _said_time(start) + "カラ " + _said_time(m.group("bare_end")) + "マデ"
    start = _said_time(m.group("start")) + "カラ"
    if not m.group("end"):
        return start
    return start + " " + _said_time(m.group("end")) + "マデ"


_BASEMENT = re.compile(r"(?<![A-Za-z])B(\d+)F(?![A-Za-z])")


def _basement(m: re.Match[str]) -> str:
    return "チカ" + count_kana(m.group(1), "階")


def _date(m: re.Match[str]) -> str:
    return _date_or_day(m.group(0))


# 12/1 in a note is a date, as a dispatcher reads it (ジュウニガツ ツイタチ), unless a unit follows
# (1/2個): a month and a day that exist, not inside a longer number, path or fraction.
_MONTH_SLASH_DAY = r"(?:1[0-2]|0?[1-9])/(?:3[01]|[12]\d|0?[1-9])"
_SLASH_DATE = re.compile(rf"(?<![\d/.]){_MONTH_SLASH_DAY}(?![\d/.]|\s?(?:{_COUNTER_ALT}))")
# 1日 is the first of a month (ツイタチ: 1日に納品, 1日～3日) unless it is a length of time: a
# quantity before it (約1日, 1～2日) or after it (1日2回), or a word of duration (1日分, 1日中, 1日で).
# Every other day reads the same either way (フツカ, ハツカ), so only 1日 needs the rule.
_DURATION_AFTER = (
    "分", "中", "間", "あたり", "当たり", "当り", "おき", "置き", "ごと", "毎", "以内", "以上", "未満", "程度",
    "ほど", "前", "後", "遅れ", "おくれ", "で", "かけ", "がかり", "掛かり", "単位", "平均", "延び", "延長", "待ち",
)
_DAY_ONE = re.compile(
    rf"(?<![\d.,約丸毎計各最{_TILDES}{re.escape(HYPHENS)}{LONG_MARK}])1日"
    rf"(?!\s?(?:\d|{'|'.join(map(re.escape, _DURATION_AFTER))}))"
)


# A range of days, 1日～3日, 12/1-12/3, 12/1(火)～12/3(木): カラ … マデ, as for times (the dash or
# tilde itself is never said). 1～2日 (a bare number first) is a length of time: イチニチカラフツカ.
_WEEKDAY = r"(?:\s*[(（][月火水木金土日](?:曜日?)?[)）])?"
_DAY = rf"(?:{_MONTH_SLASH_DAY}|\d{{1,2}}月\s*\d{{1,2}}日|\d{{1,2}}日)"
_DATE_RANGE = re.compile(
    rf"(?<![\d/.])(?:(?P<a>{_DAY}{_WEEKDAY})|(?P<n>\d{{1,2}}))\s*[{_TILDES}{re.escape(HYPHENS)}]\s*"
    rf"(?P<b>{_DAY}{_WEEKDAY})(?:まで|迄)?"  # まで said after the range is the マデ it ends with
    # open ends, with a tilde as for times: 12/1～ (from), ～1日 (until)
    rf"|(?<![\d/.])(?P<since>{_DAY}{_WEEKDAY})\s*[{_TILDES}](?!\s*\d)"
    rf"|(?<![\d/.])[{_TILDES}]\s*(?P<until>{_DAY}{_WEEKDAY})(?:まで|迄)?"
)


def _date_range(m: re.Match[str]) -> str:
    if m.group("since"):
        return _date_or_day(m.group("since")) + "カラ"
    if m.group("until"):
        return _date_or_day(m.group("until")) + "マデ"
    end = m.group("b")
    if m.group("n"):
        if not re.fullmatch(r"\d{1,2}日", end):
            return g2p(m.group(0))
        return g2p(m.group("n") + "日") + "カラ" + g2p(end)
    return _date_or_day(m.group("a")) + "カラ " + _date_or_day(end) + "マデ"


def _date_or_day(text: str) -> str:
    return date_reading(text) or g2p(text)


# A range of counted things, 1～3番, 10〜20個, 2~3時間: カラ between the two, each with its counter
# (イチバンカラサンバン), as the tilde is never said and the two numbers run together would be another
# number (ジュウニジュッコ); -18～-20℃ too. Dates and times are read as ranges by their own rules first.
_COUNT_RANGE = re.compile(
    rf"(?<![\d.])(-?\d+(?:\.\d+)?)\s?[{_TILDES}]\s?(-?\d+(?:\.\d+)?)\s?({_COUNTER_ALT})(?![\d.])"
)


def _count_range(m: re.Match[str]) -> str:
    return count_kana(m.group(1), m.group(3)) + "カラ" + count_kana(m.group(2), m.group(3))


# 着 after a place or a time is an arrival (名古屋着, 倉庫着, 午前中着, AM着: チャク), where the
# dictionary reads a clothing suffix (ナゴヤギ). Clothes keep their ギ (作業着, 防寒着); words the
# dictionary already reads with チャク (到着, 先着) are left to it. Only before a pause or a particle,
# so a compound that goes on (着時, 着払い) is read whole by the dictionary.
_CLOTHES = (
    "作業", "防寒", "防護", "防水", "上", "下", "肌", "普段", "部屋", "水", "晴れ", "晴", "厚", "薄", "重ね", "仕事",
    "運動", "古", "外出", "外", "胴", "産", "礼", "喪", "替え", "寝",
)
_ARRIVAL = re.compile(
    rf"(?P<word>[A-Za-z]+|[\u30a1-\u30fa\u30fc]+|[{KANJI}]+)着(?P<after>後)?"  # 着後: after arriving
    rf"(?=$|[、。,.!?！？\s)）」』]|[でにのはもへとをやか]|予定|次第)"
)


class _Guessed(NamedTuple):
    """What a rule said for its match, where the dictionary read part of it (`text`): that part is a
    guess, as if the rule had left it to pyopenjtalk (`text_reading` tells which readings hold one)."""

    kana: str
    text: str


def _arrival(m: re.Match[str]) -> _Guessed:
    word = m.group("word")
    if not g2p(word + "着").endswith("ギ") or word.endswith(_CLOTHES):
        return _Guessed(g2p(m.group(0)), m.group(0))
    return _Guessed(g2p(word) + ("チャクゴ" if m.group("after") else "チャク"), word)


def _minus(m: re.Match[str]) -> str:
    return "マイナス" + decimal_kana(m.group(1))


def _decimal(m: re.Match[str]) -> str:
    return decimal_kana(m.group(1))


_Rules = tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str | _Guessed]], ...]
# Order matters: a date before a bare number+counter, a phone number before anything numeric.
_RULES: _Rules = (
    (_VOCAB_RE, lambda m: VOCABULARY[m.group(0)]),
    (PHONE_IN_TEXT, lambda m: phone_kana(m.group(0))),
    (_DATE_RANGE, _date_range),
    (DATE_IN_TEXT, _date),
    (_SLASH_DATE, _date),
    (_DAY_ONE, lambda m: day_kana(1)),
    (_TIME_RANGE, _time_range),
    (re.compile(_TIME_ONLY), _time),
    (_BASEMENT, _basement),
    (_COUNT_RANGE, _count_range),
    (NUMBER_WITH_COUNTER, _number_with_counter),
    (_MINUS_NUMBER, _minus),
    (_DECIMAL, _decimal),
    (_ARRIVAL, _arrival),
)


def _render(text: str, rules: _Rules, guessed: list[str]) -> list[str]:
    """Kana for `text`, rule by rule; what no rule reads goes to pyopenjtalk and is noted in `guessed`."""
    if not text:
        return []
    if not rules:
        guessed.append(text)
        return [g2p(text)]
    (pattern, render), rest = rules[0], rules[1:]
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        out.extend(_render(text[pos : m.start()], rest, guessed))
        said = render(m)
        if isinstance(said, _Guessed):
            guessed.append(said.text)
            said = said.kana
        out.append(said)
        pos = m.end()
    out.extend(_render(text[pos:], rest, guessed))
    return out


# Text the dictionary has to interpret: kana is read as written, kanji and Latin letters are not.
_INTERPRETED = re.compile(f"[{KANJI}A-Za-z]")
_DIGIT = re.compile(r"\d")
_RANGE_MARKS = frozenset(_TILDES + HYPHENS + LONG_MARK)
# Every rule between the vocabulary and arrivals reads a number, so a chunk without digits skips
# them, and only a chunk with a dash or tilde can hold a range.
_WORD_RULES = tuple(rule for rule in _RULES if rule[0] in (_VOCAB_RE, _ARRIVAL))
_NO_RANGE_RULES = tuple(rule for rule in _RULES if rule[0] not in (_TIME_RANGE, _COUNT_RANGE))


def _rules_for(chunk: str) -> _Rules:
    if not _DIGIT.search(chunk):
        return _WORD_RULES
    return _RULES if _RANGE_MARKS.intersection(chunk) else _NO_RANGE_RULES


def text_reading(text: str) -> tuple[str, bool]:
    """Katakana for free text, and whether pyopenjtalk read kanji or Latin letters in it (a guess
    from the general dictionary, which knows words better than place names)."""
    guessed: list[str] = []
    plain = numbers_text(text)
    if _RANGE_MARKS.intersection(plain):
        plain = _SPACED_RANGE.sub(lambda m: m.group(1) or "", plain)
    chunks = [c for c in plain.split() if c]
    rendered = ("".join(_render(c, _rules_for(c), guessed)) for c in chunks)
    kana = " ".join(k for k in rendered if k)
    return kana, any(_INTERPRETED.search(g) for g in guessed)


def text_kana(text: str) -> str:
    """Katakana for free text; spaces in the text become short pauses (a space)."""
    return text_reading(text)[0]
