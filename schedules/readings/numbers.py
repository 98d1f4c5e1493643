"""Numbers as a Japanese speaker says them: plain, with counters, decimals, digit by digit.

Sound changes (促音化 and 連濁) depend on the last figure and the counter's first sound, so a
number is read in parts and only the last part is adjusted for the counter.
"""

from __future__ import annotations

import re

from jtext.scripts import width

DIGITS = ("ゼロ", "イチ", "ニ", "サン", "ヨン", "ゴ", "ロク", "ナナ", "ハチ", "キュウ")
_UNITS = ((10**12, "チョウ"), (10**8, "オク"), (10**4, "マン"))
_HUNDREDS = {1: "ヒャク", 3: "サンビャク", 6: "ロッピャク", 8: "ハッピャク"}
_THOUSANDS = {1: "セン", 3: "サンゼン", 8: "ハッセン"}
_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_BIG = {"万": 10**4, "億": 10**8}
KANJI_NUMERAL = "[〇零一二三四五六七八九十百千万億]+"


def _under_10000(n: int) -> list[str]:
    """Parts for 1..9999, e.g. 3,456 → [サンゼン, ヨンヒャク, ゴジュウ, ロク]."""
    parts: list[str] = []
    th, rest = divmod(n, 1000)
    hu, rest = divmod(rest, 100)
    te, on = divmod(rest, 10)
    if th:
        parts.append(_THOUSANDS.get(th, DIGITS[th] + "セン"))
    if hu:
        parts.append(_HUNDREDS.get(hu, DIGITS[hu] + "ヒャク"))
    if te:
        parts.append(("" if te == 1 else DIGITS[te]) + "ジュウ")
    if on:
        parts.append(DIGITS[on])
    return parts


def number_parts(n: int) -> list[str]:
    """Spoken parts of a non-negative integer; the last one is where a counter attaches."""
    if n == 0:
        return ["ゼロ"]
    parts: list[str] = []
    for size, name in _UNITS:
        big, n = divmod(n, size)
        if big:
            head = _under_10000(big)
            if big == 1:
                head = ["イッ" if name == "チョウ" else "イチ"]
            parts.extend([*head[:-1], head[-1] + name])
    if n:
        parts.extend(_under_10000(n))
    return parts


def number_kana(n: int) -> str:
    """1 → イチ, 24 → ニジュウヨン, 600 → ロッピャク, 10000 → イチマン."""
    return ("マイナス" if n < 0 else "") + "".join(number_parts(abs(n)))


# How the last spoken part changes before a counter, by the counter's sound class.
# "p": h-counters (本, 杯, 匹, 分): 1 イッポン, 3 サンボン, 6 ロッポン, 8 ハッポン, 10 ジュッポン.
# "k": k-counters (個, 回, 階, 箇所, ケース): 1 イッ, 6 ロッ, 8 ハッ, 10 ジュッ.
# "s": s/t/ch-counters (丁目, 冊, 歳, 通, トン): 1 イッ, 8 ハッ, 10 ジュッ.
_GEMINATE = {
    "イチ": "イッ",
    "ロク": "ロッ",
    "ハチ": "ハッ",
    "ジュウ": "ジュッ",
    "ヒャク": "ヒャッ",
    "ビャク": "ビャッ",
    "ピャク": "ピャッ",
}


_VOICING_ENDS = ("サン", "セン", "ゼン", "マン")


def counted(n: int, counter: str, sound: str = "", voiced: str = "", semi: str = "", yon_voiced: bool = False) -> str:
    """`n` followed by a counter, with the sound changes of its class.

    `counter` is the plain reading (ホン), `voiced` the form after サン/セン/マン (ボン), `semi` the
    form after a small ッ (ポン); `sound` is the class ("p", "k", "s" or "" for none);
    `yon_voiced` also voices after ヨン (4分 ヨンプン, while 4本 stays ヨンホン).
    """
    parts = number_parts(n)
    last = parts[-1]
    ending = next((k for k in _GEMINATE if last.endswith(k)), "")
    tail = counter
    voicing = (*_VOICING_ENDS, "ヨン") if yon_voiced else _VOICING_ENDS
    if sound:
        hundreds = ("ヒャク", "ビャク", "ピャク")
        changes = ("イチ", "ロク", "ハチ", "ジュウ", *hundreds) if sound in ("p", "k") else ("イチ", "ハチ", "ジュウ")
        if ending in changes:
            last = last[: -len(ending)] + _GEMINATE[ending]
            tail = semi or counter
        elif voiced and last.endswith(voicing):
            tail = voiced
    elif voiced and last.endswith(voicing):
        tail = voiced
    return "".join([*parts[:-1], last]) + tail


# Counters and units: written form → (reading, sound class, after サン/セン, after ッ).
COUNTERS: dict[str, tuple[str, str, str, str]] = {
    "本": ("ホン", "p", "ボン", "ポン"),
    "杯": ("ハイ", "p", "バイ", "パイ"),
    "匹": ("ヒキ", "p", "ビキ", "ピキ"),
    "箱": ("ハコ", "p", "バコ", "パコ"),
    "個": ("コ", "k", "", ""),
    "回": ("カイ", "k", "", ""),
    "階": ("カイ", "k", "ガイ", ""),
    "ヶ所": ("カショ", "k", "", ""),
    "ケ所": ("カショ", "k", "", ""),
    "カ所": ("カショ", "k", "", ""),
    "か所": ("カショ", "k", "", ""),
    "箇所": ("カショ", "k", "", ""),
    "ケース": ("ケース", "k", "", ""),
    "件": ("ケン", "k", "", ""),
    "缶": ("カン", "k", "", ""),
    "kg": ("キロ", "k", "", ""),
    "キロ": ("キロ", "k", "", ""),
    "km": ("キロ", "k", "", ""),
    "パレット": ("パレット", "k", "", ""),
    "パレ": ("パレ", "k", "", ""),
    "%": ("パーセント", "k", "", ""),
    "冊": ("サツ", "s", "", ""),
    "歳": ("サイ", "s", "", ""),
    "才": ("サイ", "s", "", ""),
    "t": ("トン", "s", "", ""),
    "トン": ("トン", "s", "", ""),
    "cm": ("センチ", "s", "", ""),
    "センチ": ("センチ", "s", "", ""),
    "丁目": ("チョウメ", "s", "", ""),
    "枚": ("マイ", "", "", ""),
    "台": ("ダイ", "", "", ""),
    "番": ("バン", "", "", ""),
    "号": ("ゴウ", "", "", ""),
    "便": ("ビン", "", "", ""),
    "名": ("メイ", "", "", ""),
    "列": ("レツ", "", "", ""),
    "m": ("メートル", "", "", ""),
    "L": ("リットル", "", "", ""),
    "ℓ": ("リットル", "", "", ""),
    "g": ("グラム", "", "", ""),
    "℃": ("ド", "", "", ""),
    "°C": ("ド", "", "", ""),
    "°": ("ド", "", "", ""),
    "t車": ("トンシャ", "s", "", ""),
    "トン車": ("トンシャ", "s", "", ""),
    "度": ("ド", "", "", ""),
    "円": ("エン", "", "", ""),
    "袋": ("フクロ", "", "", ""),
    "束": ("タバ", "", "", ""),
    "箇": ("コ", "k", "", ""),
    # Logistics shorthand: 20ft/40ft containers, cs and c/s for cases, PL for pallets, 個口 for parcels,
    # 3F for the third floor, 1号棟/2号館 for buildings of a site.
    "ft": ("フィート", "s", "", ""),
    "フィート": ("フィート", "s", "", ""),
    "cs": ("ケース", "k", "", ""),
    "c/s": ("ケース", "k", "", ""),
    "C/S": ("ケース", "k", "", ""),
    "PL": ("パレット", "k", "", ""),
    "個口": ("コグチ", "k", "", ""),
    "F": ("カイ", "k", "ガイ", ""),
    "号棟": ("ゴウトウ", "", "", ""),
    "号館": ("ゴウカン", "", "", ""),
}
_SPECIAL: dict[tuple[str, int], str] = {
    ("人", 1): "ヒトリ",
    ("人", 2): "フタリ",
    ("人", 4): "ヨニン",
    ("円", 4): "ヨエン",
    ("箱", 1): "ヒトハコ",
    ("袋", 1): "ヒトフクロ",
    ("袋", 2): "フタフクロ",
    ("束", 1): "ヒトタバ",
    ("束", 2): "フタタバ",
    ("時間", 4): "ヨジカン",
    ("時間", 9): "クジカン",
    ("時間", 7): "ナナジカン",
}


def count_kana(number: str, counter: str) -> str:
    """A written number and counter as said: ('6', '本') → ロッポン, ('3.5', 't') → サンテンゴトン."""
    negative = number.startswith("-")
    number = number.lstrip("-")
    prefix = "マイナス" if negative else ""
    if "." in number:
        return prefix + decimal_kana(number) + COUNTERS.get(counter, (counter,))[0]
    n = int(number)
    special = _SPECIAL.get((counter, n))
    if special:
        return prefix + special
    if counter == "人":
        return prefix + number_kana(n) + "ニン"
    if counter == "時間":
        return prefix + number_kana(n) + "ジカン"
    reading, sound, voiced, semi = COUNTERS[counter]
    return prefix + counted(n, reading, sound, voiced, semi)


COUNTER_WORDS = sorted([*COUNTERS, "人", "時間"], key=len, reverse=True)


def decimal_kana(text: str) -> str:
    """'3.5' → サンテンゴ, '1.5' → イッテンゴ, '0.25' → レイテンニゴ (digits after the point one by one)."""
    whole, _, frac = text.partition(".")
    head = "レイ" if whole in ("", "0") else number_kana(int(whole))
    if not frac:
        return head
    for plain, short in (("イチ", "イッ"), ("ハチ", "ハッ"), ("ジュウ", "ジュッ")):
        if head.endswith(plain):
            head = head[: -len(plain)] + short
            break
    return head + "テン" + "".join(DIGITS[int(d)] for d in frac)


def digits_kana(digits: str) -> str:
    """Digit by digit: '0120' → ゼロイチニゼロ."""
    return "".join(DIGITS[int(d)] for d in digits if d.isdigit())


def kanji_to_int(text: str) -> int:
    """Kanji numerals to an integer: 三 → 3, 十一 → 11, 二千二十六 → 2026, 一〇五 → 105."""
    if all(ch in _KANJI_DIGITS for ch in text):
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in text))
    total = section = digit = 0
    for ch in text:
        if ch in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[ch]
        elif ch in _KANJI_UNITS:
            section += (digit or 1) * _KANJI_UNITS[ch]
            digit = 0
        elif ch in _KANJI_BIG:
            total += (section + digit or 1) * _KANJI_BIG[ch]
            section = digit = 0
        else:
            raise ValueError(f"not a kanji numeral: {text!r}")
    return total + section + digit


_KANJI_CHOME = re.compile(r"([〇一二三四五六七八九十]+)(丁目|条|線)")


def chome_digits(text: str) -> str:
    """三丁目 → 3丁目, 北一条 → 北1条: the index and the input spell these numbers the same way."""
    return _KANJI_CHOME.sub(lambda m: f"{kanji_to_int(m.group(1))}{m.group(2)}", text)


_KANA_DIGITS = re.compile(r"(\d+)(?=([ァ-ヶ]?))")


def jo_kana(n: int, hokkaido: bool) -> str:
    """The number of a 条 (a street row) as locals say it, without the ジョウ. Hokkaido's grid towns
    count: 4条 ヨジョウ, 7条 ナナジョウ, 9条 クジョウ (北24条 キタニジュウヨジョウ); elsewhere the
    old street names keep their old readings: 四条 シジョウ, 七条 シチジョウ, 九条 クジョウ."""
    head = number_kana(n)
    last = n % 10
    if last == 4:
        head = head[: -len("ヨン")] + ("ヨ" if hokkaido else "シ")
    elif last == 7 and not hokkaido:
        head = head[: -len("ナナ")] + "シチ"
    elif last == 9:
        head = head[: -len("キュウ")] + "ク"
    return head


def kana_with_digits(kana: str) -> str:
    """Japan Post writes some numbers in its kana (キタ１ジョウニシ, ３チョウメ): read them out,
    with the small-ッ change before an unvoiced sound (1チョウメ → イッチョウメ, 1セン → イッセン).
    Only Hokkaido's grid towns are written with digits before ジョウ (南４条通), so those are read
    the Hokkaido way (ミナミヨジョウドオリ)."""

    def spoken(m: re.Match[str]) -> str:
        n, following = int(m.group(1)), m.group(2)
        if m.string.startswith("ジョウ", m.end()):
            return jo_kana(n, hokkaido=True)
        if following and following in "カキクケコサシスセソタチツテト":
            return counted(n, "", "s")
        if following and following in "ハヒフヘホ":
            return counted(n, "", "p")
        return number_kana(n)

    return _KANA_DIGITS.sub(spoken, width(kana))
