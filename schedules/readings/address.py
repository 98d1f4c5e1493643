"""Addresses: official kana for prefecture, district, city and town, then block numbers and the rest.

Longest match at each level against the Japan Post index (葛飾区新宿 → ニイジュク, 目黒区三田 →
ミタ, 大阪市浪速区日本橋 → ニッポンバシ, 群馬県吾妻郡 → アガツマグン, 横浜市 → ヨコハマシ), also
where the address stops at that level; an address written without its prefecture is matched
against every prefecture's cities, preferring the one whose town also matches. Kyoto's street
addresses (烏丸通四条下る) are read by `kyoto` before the town. What follows the town is read by
rule: 3丁目5番7号 → サンチョウメ ゴバン ナナゴウ, 3-5-7 → サンノゴノナナ, 12番地の3 →
ジュウニバンチノサン, 5階/5F → ゴカイ, 101号室 → ヒャクイチゴウシツ; a building listed by Japan
Post in that city gets its official kana, any other text goes through `text_reading`.
Parts are separated by spaces (short pauses).

A reading is `uncertain` when the general dictionary (pyopenjtalk) had to read kanji or Latin
letters of a place name: the part of the address before its first block number that Japan Post's
data does not cover (a town it doesn't list, a 小字 after 字, an address whose city isn't found),
or a Kyoto street outside the street table. Those are the readings a dispatcher should check
first. Japan Post's kana, the number rules, kana written in the address, and what follows the
block numbers (a building, a floor, 第2倉庫, B棟) are not place names' guesses and never count.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from jtext.folds import numbers_text, place_name_key
from schedules.readings.address_index import AddressIndex, get_index
from schedules.readings.kana import Reading
from schedules.readings.kyoto import STREET_ADDRESS, STREETS, street_kana
from schedules.readings.numbers import KANJI_NUMERAL, chome_digits, counted, jo_kana, kanji_to_int, number_kana
from schedules.readings.text import text_reading

_POSTAL = re.compile(r"^\s*(?:〒\s*)?\d{3}-?\d{4}\s*")
_KANJI_BEFORE_UNIT = re.compile(rf"({KANJI_NUMERAL})(?=丁目|番地|番|号|階|$|-|の\d)")
_KANJI_AFTER_NO = re.compile(rf"(?<=\dの)({KANJI_NUMERAL})")
_AZA = ("大字", "字")
_AZA_KANA = {"大字": "オオアザ", "字": "アザ"}
_JO = re.compile(r"(\d+)条")
_CHOME = re.compile(r"(\d+)丁目")
_LONGEST_DISTRICT = 8
_KYOTO = "京都府"

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



@dataclass(slots=True)
class _Said:
    """The parts read so far, in order, and whether any was guessed by the dictionary."""

    parts: list[str] = field(default_factory=list)
    uncertain: bool = False

    def add(self, *kana: str) -> None:
        self.parts.extend(k for k in kana if k)

    def guess(self, text: str, place: bool) -> str:
        """The dictionary's reading of `text`; a guess at a place name (`place`) makes the whole uncertain."""
        kana, guessed = text_reading(text)
        self.uncertain = self.uncertain or (place and guessed)
        return kana


def _read_jo(text: str, pref: str) -> str:
    """Numbered 条 outside Japan Post's towns (京都 四条通, 旭川 4条通 written without its town) as said there."""
    return _JO.sub(lambda m: jo_kana(int(m.group(1)), pref == "北海道") + "ジョウ", text)


def _longest(table: Mapping[str, object], text: str, longest: int) -> str:
    """The longest key of `table` that `text` starts with, compared as `place_name_key` (which keeps
    lengths, so the text after the match is text[len(key):])."""
    key = place_name_key(text[: longest + 1])
    for size in range(min(longest, len(text)), 0, -1):
        if key[:size] in table:
            return key[:size]
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


def _rest_kana(rest: str, buildings: dict[str, str], said: _Said) -> None:
    """Block numbers, floors and rooms by rule; names between them by building table or text (a
    name before the first number is still part of the place: a town or 小字 Japan Post doesn't list)."""
    rest = _KANJI_BEFORE_UNIT.sub(lambda m: str(kanji_to_int(m.group(1))), rest)
    rest = _KANJI_AFTER_NO.sub(lambda m: str(kanji_to_int(m.group(1))), rest)
    parts = said.parts
    pos = 0
    glue = False
    for m in _BLOCK.finditer(rest):
        _names_kana(rest[pos : m.start()], buildings, said, place=pos == 0)
        token = _block_token(m)
        if token == "ノ" or glue:
            parts[-1:] = [(parts[-1] if parts else "") + token]
        else:
            parts.append(token)
        glue = token == "ノ"
        pos = m.end()
    _names_kana(rest[pos:], buildings, said, place=pos == 0)


def _names_kana(text: str, buildings: dict[str, str], said: _Said, place: bool) -> None:
    text = text.strip(" ,、・-")
    if not text:
        return
    name = _longest(buildings, text, max((len(b) for b in buildings), default=0)) if buildings else ""
    if name:
        said.add(buildings[name])
        _names_kana(text[len(name) :], {}, said, place=False)
        return
    said.add(said.guess(text, place))


@dataclass(slots=True)
class _Town:
    said: _Said
    rest: str
    matched: bool


def _kyoto_street(rest: str) -> re.Match[str] | None:
    """烏丸通四条下る…: a street part, when what comes before the direction is a street (a named
    one, a numbered 条, or anything with 通), not a town that happens to hold 上 or 西入."""
    m = STREET_ADDRESS.match(rest)
    if m is None:
        return None
    streets = m.group("streets")
    named = _JO.match(streets) or any(streets.startswith(s) for s in STREETS) or "通" in streets
    return m if named else None


def _match_town(index: AddressIndex, pref: str, city: str, rest: str) -> _Town:
    """The kana of the town at the start of `rest` (after Kyoto's street part, or 大字), and what follows."""
    towns = index.town_table(pref, city)
    rest = rest.lstrip()
    said = _Said()
    street = _kyoto_street(rest) if pref == _KYOTO else None
    if street is not None:
        reading = street_kana(street.group("streets"), street.group("directions"))
        said.add(*reading.parts)
        said.uncertain = reading.uncertain
        rest = rest[street.end() :].lstrip()
        chome = _CHOME.match(rest)  # 河原町通三条上る2丁目下丸屋町: a block between the crossing and the town
        if chome and _longest(towns, rest[chome.end() :], index.longest_town):
            said.add(counted(int(chome.group(1)), "チョウメ", "s"))
            rest = rest[chome.end() :]
    for aza in _AZA:
        if rest.startswith(aza) and len(_longest(towns, rest, index.longest_town)) <= len(aza):
            said.add(_AZA_KANA[aza])
            rest = rest[len(aza) :].lstrip()
            break
    town = _longest(towns, rest, index.longest_town)
    if not town:
        return _Town(said, rest, False)
    said.add(towns[town])
    rest = rest[len(town) :]
    for aza in _AZA:
        if rest.startswith(aza):
            said.add(_AZA_KANA[aza])
            rest = rest[len(aza) :]
            break
    return _Town(said, rest, True)


def _district(index: AddressIndex, pref: str, rest: str) -> tuple[str, str] | None:
    """(prefecture, 郡) when `rest` starts with a district written apart from its town or village
    (吾妻郡 中之条町), or alone (群馬県吾妻郡); None when a whole city name (吾妻郡中之条町) matches."""
    if "郡" not in rest[:_LONGEST_DISTRICT]:
        return None
    if pref:
        district = _longest(index.districts.get(pref, {}), rest, _LONGEST_DISTRICT)
        city = _longest(index.cities.get(pref, {}), rest, index.longest_city)
        prefs = [pref]
    else:
        district = _longest(index.district_anywhere, rest, _LONGEST_DISTRICT)
        city = _longest(index.city_anywhere, rest, index.longest_city)
        prefs = index.district_anywhere.get(district, [])
    if not district or len(city) > len(district):
        return None
    after = rest[len(district) :].lstrip()
    # A district name two prefectures share (三島郡): the one whose town or village follows.
    chosen = next((p for p in prefs if _longest(index.cities[p], after, index.longest_city)), prefs[0])
    return chosen, district


def address_reading(text: str, index: AddressIndex | None = None) -> Reading:
    """Katakana for a Japanese address and whether any of it is guessed (see the module docstring)."""
    index = index or get_index()
    rest = chome_digits(numbers_text(_POSTAL.sub("", text)).strip())
    said = _Said()
    pref = next((p for p in index.prefectures if rest.startswith(p)), "")
    if pref:
        said.add(index.prefectures[pref])
        rest = rest[len(pref) :].lstrip()
    district = _district(index, pref, rest)
    if district is not None:
        pref, name = district
        said.add(index.districts[pref][name])
        rest = rest[len(name) :].lstrip()
    if pref:
        name = _longest(index.cities.get(pref, {}), rest, index.longest_city)
        candidates = [(pref, name)] if name else []
    else:
        name = _longest(index.city_anywhere, rest, index.longest_city)
        candidates = list(index.city_anywhere.get(name, [])) if name else []
    if not candidates:
        _rest_kana(_read_jo(rest, pref), {}, said)
        return Reading(" ".join(said.parts), said.uncertain)
    after_city = rest[len(name) :]
    best: _Town | None = None
    chosen = candidates[0]
    for cand_pref, cand_name in candidates:
        city = index.cities[cand_pref][cand_name][0]
        found = _match_town(index, cand_pref, city, after_city)
        if best is None or (found.matched and not best.matched):
            best, chosen = found, (cand_pref, cand_name)
        if found.matched:
            break
    assert best is not None
    pref_of_city, city_name = chosen
    city = index.cities[pref_of_city][city_name][0]
    said.add(index.cities[pref_of_city][city_name][1], *best.said.parts)
    said.uncertain = said.uncertain or best.said.uncertain
    _rest_kana(_read_jo(best.rest, pref_of_city), index.building_table(pref_of_city, city), said)
    return Reading(" ".join(said.parts), said.uncertain)


def address_kana(text: str, index: AddressIndex | None = None) -> str:
    """Katakana for a Japanese address (see the module docstring)."""
    return address_reading(text, index).kana
