"""Addresses: official kana for prefecture, city and town, then block numbers and the rest.

Longest match at each level against the Japan Post index (葛飾区新宿 → ニイジュク, 目黒区三田 →
ミタ, 大阪市浪速区日本橋 → ニッポンバシ); an address written without its prefecture is matched
against every prefecture's cities, preferring the one whose town also matches. What follows the
town is read by rule: 3丁目5番7号 → サンチョウメ ゴバン ナナゴウ, 3-5-7 → サンノゴノナナ,
12番地の3 → ジュウニバンチノサン, 5階/5F → ゴカイ, 101号室 → ヒャクイチゴウシツ; a building
listed by Japan Post in that city gets its official kana, any other text goes through `text_kana`.
Parts are separated by spaces (short pauses).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from jtext.folds import numbers_text
from schedules.readings.address_index import AddressIndex, get_index
from schedules.readings.numbers import KANJI_NUMERAL, chome_digits, counted, jo_kana, kanji_to_int, number_kana
from schedules.readings.text import text_kana

_POSTAL = re.compile(r"^\s*(?:〒\s*)?\d{3}-?\d{4}\s*")
_KANJI_BEFORE_UNIT = re.compile(rf"({KANJI_NUMERAL})(?=丁目|番地|番|号|階|$|-|の\d)")
_KANJI_AFTER_NO = re.compile(rf"(?<=\dの)({KANJI_NUMERAL})")
_AZA = ("大字", "字")
_AZA_KANA = {"大字": "オオアザ", "字": "アザ"}
_JO = re.compile(r"(\d+)条")
_KYOTO_STREET = re.compile(r"^(.+?(?:上る|下る|上ル|下ル|西入ル|東入ル|西入|東入))")

_BLOCK = re.compile(
    r"(?P<chome>\d+)丁目"
    r"|(?P<banchi>\d+)番地"
    r"|(?P<ban>\d+)番(?!地)"
    r"|(?P<room>\d+)号室"
    r"|(?P<wing>\d+)号(?P<wing_kind>[棟館])"
    r"|(?P<go>\d+)号"
    r"|(?:地下|B)(?P<basement>\d+)(?:階|F)"
    r"|(?P<floor>\d+)(?:階|F)(?![A-Za-z])"
    r"|(?P<dashed>\d+(?:-\d+)+)"
    r"|(?<=[\d地番号])の(?=\d)"
    r"|(?P<number>\d+)"
)


# Kyoto's directions in a street address: 上ル is アガル (north), 下ル サガル, 西入 ニシイル, never クダル or イリ.
_KYOTO_DIRECTIONS = re.compile(r"上る|上ル|下る|下ル|西入ル|東入ル|西入|東入")
_KYOTO_DIRECTION_KANA = {"上": "アガル", "下": "サガル", "西": "ニシイル", "東": "ヒガシイル"}


def _kyoto_street_kana(street: str, pref: str) -> str:
    text = _KYOTO_DIRECTIONS.sub(lambda m: " " + _KYOTO_DIRECTION_KANA[m.group(0)[0]] + " ", _read_jo(street, pref))
    return "".join(text_kana(text).split())


def _read_jo(text: str, pref: str) -> str:
    """Numbered 条 outside Japan Post's towns (京都 四条通, 旭川 4条通 written without its town) as said there."""
    return _JO.sub(lambda m: jo_kana(int(m.group(1)), pref == "北海道") + "ジョウ", text)


def _longest(table: Mapping[str, object], text: str, longest: int) -> str:
    for size in range(min(longest, len(text)), 0, -1):
        if text[:size] in table:
            return text[:size]
    return ""


def _floor(n: int) -> str:
    return counted(n, "カイ", "k", "ガイ")


def _block_token(m: re.Match[str]) -> str:
    kind = m.lastgroup
    value = m.group(kind) if kind else ""
    if kind == "chome":
        return counted(int(value), "チョウメ", "s")
    if kind == "banchi":
        return number_kana(int(value)) + "バンチ"
    if kind == "ban":
        return number_kana(int(value)) + "バン"
    if kind == "room":
        return number_kana(int(value)) + "ゴウシツ"
    if kind == "wing_kind":  # 1号棟 イチゴウトウ, 2号館 ニゴウカン (lastgroup is the inner group)
        return number_kana(int(m.group("wing"))) + ("ゴウトウ" if value == "棟" else "ゴウカン")
    if kind == "go":
        return number_kana(int(value)) + "ゴウ"
    if kind == "basement":
        return "チカ" + _floor(int(value))
    if kind == "floor":
        return _floor(int(value))
    if kind == "dashed":
        return "ノ".join(number_kana(int(x)) for x in value.split("-"))
    if kind == "number":
        return number_kana(int(value))
    return "ノ"


def _rest_kana(rest: str, buildings: dict[str, str]) -> list[str]:
    """Block numbers, floors and rooms by rule; names between them by building table or text."""
    rest = _KANJI_BEFORE_UNIT.sub(lambda m: str(kanji_to_int(m.group(1))), rest)
    rest = _KANJI_AFTER_NO.sub(lambda m: str(kanji_to_int(m.group(1))), rest)
    parts: list[str] = []
    pos = 0
    glue = False
    for m in _BLOCK.finditer(rest):
        parts.extend(_names_kana(rest[pos : m.start()], buildings))
        token = _block_token(m)
        if token == "ノ" or glue:
            parts[-1:] = [(parts[-1] if parts else "") + token]
        else:
            parts.append(token)
        glue = token == "ノ"
        pos = m.end()
    parts.extend(_names_kana(rest[pos:], buildings))
    return parts


def _names_kana(text: str, buildings: dict[str, str]) -> list[str]:
    text = text.strip(" ,、・-")
    if not text:
        return []
    name = _longest(buildings, text, max((len(b) for b in buildings), default=0)) if buildings else ""
    if name:
        return [buildings[name], *_names_kana(text[len(name) :], {})]
    kana = text_kana(text)
    return [kana] if kana else []


def _match_town(index: AddressIndex, pref: str, city: str, rest: str) -> tuple[list[str], str, bool]:
    """(kana parts, remaining text, matched) for the town at the start of `rest`."""
    towns = index.town_table(pref, city)
    rest = rest.lstrip()
    parts: list[str] = []
    for aza in _AZA:
        if rest.startswith(aza) and len(_longest(towns, rest, index.longest_town)) <= len(aza):
            parts.append(_AZA_KANA[aza])
            rest = rest[len(aza) :].lstrip()
            break
    town = _longest(towns, rest, index.longest_town)
    if not town and (street := _KYOTO_STREET.match(rest)):
        after = rest[street.end() :]
        town = _longest(towns, after, index.longest_town)
        if town:
            parts.append(_kyoto_street_kana(street.group(1), pref))
            rest = after
    if not town:
        return parts, rest, False
    parts.append(towns[town])
    rest = rest[len(town) :]
    for aza in _AZA:
        if rest.startswith(aza):
            koaza = rest[len(aza) :]
            parts.append(_AZA_KANA[aza])
            rest = koaza
            break
    return parts, rest, True


def address_kana(text: str, index: AddressIndex | None = None) -> str:
    """Katakana for a Japanese address (see the module docstring)."""
    index = index or get_index()
    rest = chome_digits(numbers_text(_POSTAL.sub("", text)).strip())
    parts: list[str] = []
    pref = next((p for p in index.prefectures if rest.startswith(p)), "")
    if pref:
        parts.append(index.prefectures[pref])
        rest = rest[len(pref) :].lstrip()
        cities = index.cities.get(pref, {})
        name = _longest(cities, rest, index.longest_city)
        candidates = [(pref, name)] if name else []
    else:
        name = _longest(index.city_anywhere, rest, index.longest_city)
        candidates = list(index.city_anywhere.get(name, [])) if name else []
    if not candidates:
        return " ".join([*parts, *_rest_kana(_read_jo(rest, pref), {})])
    after_city = rest[len(name) :]
    best: tuple[list[str], str, bool] | None = None
    chosen = candidates[0]
    for cand_pref, cand_name in candidates:
        city = index.cities[cand_pref][cand_name][0]
        found = _match_town(index, cand_pref, city, after_city)
        if best is None or (found[2] and not best[2]):
            best, chosen = found, (cand_pref, cand_name)
        if found[2]:
            break
    assert best is not None
    pref_of_city, city_name = chosen
    city = index.cities[pref_of_city][city_name][0]
    parts.append(index.cities[pref_of_city][city_name][1])
    town_parts, rest, _matched = best
    parts.extend(town_parts)
    parts.extend(_rest_kana(_read_jo(rest, pref_of_city), index.building_table(pref_of_city, city)))
    return " ".join(p for p in parts if p)
