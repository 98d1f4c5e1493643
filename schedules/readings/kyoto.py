"""Kyoto's street addresses: 烏丸通四条下る水銀屋町 is カラスマドオリ シジョウ サガル スイギンヤチョウ.

Central Kyoto gives a place by the street it is on, the cross street, and which way to go from
the crossing: 上る (north) アガル, 下る (south) サガル, 西入る ニシイル, 東入る ヒガシイル, written
many ways (上ル, 上がる, 西入, 西入ル, 西へ入る). 通 after a street name is ドオリ, never ツウ. Japan
Post lists only the town that follows, so the streets are read here: the numbered ones by rule
(四条 シジョウ, 七条 シチジョウ), the others from the table of the city's street names below, which
the general dictionary misreads (東洞院 ヒガシノトウイン, 油小路 アブラノコウジ, 出水 デミズ);
a street not in the table is left to the dictionary, and said so (`uncertain`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schedules.readings.numbers import jo_kana
from schedules.readings.text import text_reading

# The named streets of Kyoto's grid (上京・中京・下京・東山 and around), as the city signs them.
STREETS: dict[str, str] = {
    # east-west, north to south
    "北大路": "キタオオジ", "紫明": "シメイ", "鞍馬口": "クラマグチ", "寺之内": "テラノウチ",
    "上立売": "カミダチウリ", "今出川": "イマデガワ", "中立売": "ナカダチウリ",
    "上長者町": "カミチョウジャマチ", "下長者町": "シモチョウジャマチ", "出水": "デミズ", "下立売": "シモダチウリ",
    "椹木町": "サワラギチョウ", "丸太町": "マルタマチ", "竹屋町": "タケヤマチ", "夷川": "エビスガワ",
    "押小路": "オシコウジ", "御池": "オイケ", "姉小路": "アネヤコウジ", "六角": "ロッカク",
    "蛸薬師": "タコヤクシ", "錦小路": "ニシキコウジ", "綾小路": "アヤノコウジ", "仏光寺": "ブッコウジ",
    "高辻": "タカツジ", "松原": "マツバラ", "正面": "ショウメン",
    "花屋町": "ハナヤチョウ", "塩小路": "シオコウジ", "北小路": "キタコウジ",
    # north-south, east to west
    "東大路": "ヒガシオオジ", "大和大路": "ヤマトオオジ", "縄手": "ナワテ", "川端": "カワバタ",
    "木屋町": "キヤマチ", "河原町": "カワラマチ", "寺町": "テラマチ", "御幸町": "ゴコマチ",
    "麩屋町": "フヤチョウ", "富小路": "トミノコウジ", "柳馬場": "ヤナギノバンバ", "堺町": "サカイマチ",
    "高倉": "タカクラ", "間之町": "アイノマチ", "東洞院": "ヒガシノトウイン", "車屋町": "クルマヤチョウ",
    "烏丸": "カラスマ", "両替町": "リョウガエマチ", "室町": "ムロマチ", "衣棚": "コロモノタナ",
    "新町": "シンマチ", "釜座": "カマンザ", "西洞院": "ニシノトウイン", "小川": "オガワ",
    "醒ケ井": "サメガイ", "醒ヶ井": "サメガイ", "油小路": "アブラノコウジ", "東堀川": "ヒガシホリカワ",
    "堀川": "ホリカワ", "葭屋町": "ヨシヤマチ", "猪熊": "イノクマ", "黒門": "クロモン", "大宮": "オオミヤ",
    "松屋町": "マツヤマチ", "日暮": "ヒグラシ", "智恵光院": "チエコウイン", "浄福寺": "ジョウフクジ",
    "千本": "センボン", "六軒町": "ロッケンチョウ", "七本松": "シチホンマツ", "御前": "オンマエ",
    "西大路": "ニシオオジ", "壬生川": "ミブガワ", "坊城": "ボウジョウ", "岩上": "イワガミ",
    "不明門": "アケズ", "白川": "シラカワ",
}
_LONGEST_STREET = max(map(len, STREETS))

# Which way from the crossing, in every spelling: 上る 上ル 上がる 上ガル, 西入る 西入ル 西入 西へ入る ...
_DIRECTION = r"(?:上|下)(?:る|ル|がる|ガル)|(?:西|東)へ?入(?:る|ル)?"
_DIRECTION_KANA = {"上": "アガル", "下": "サガル", "西": "ニシイル", "東": "ヒガシイル"}
STREET_ADDRESS = re.compile(rf"(?P<streets>(?:\d+条|[^\d\s])+?)(?P<directions>(?:{_DIRECTION})+)")
_DIRECTIONS = re.compile(_DIRECTION)
_STREET = re.compile(r"通り?")
_NUMBERED = re.compile(r"(\d+)条")


@dataclass(frozen=True, slots=True)
class StreetReading:
    parts: list[str]
    uncertain: bool


def street_kana(streets: str, directions: str) -> StreetReading:
    """The reading of the street part of an address (before the town): each street, its 通 as
    ドオリ, then each direction. Chome numbers are digits already (四条 is 4条 here)."""
    parts: list[str] = []
    uncertain = False
    pos = 0
    while pos < len(streets):
        numbered = _NUMBERED.match(streets, pos)
        known = next(
            (streets[pos : pos + n] for n in range(_LONGEST_STREET, 0, -1) if streets[pos : pos + n] in STREETS), ""
        )
        street = _STREET.match(streets, pos)
        if numbered:
            parts.append(jo_kana(int(numbered.group(1)), hokkaido=False) + "ジョウ")
            pos = numbered.end()
        elif known:
            parts.append(STREETS[known])
            pos += len(known)
        elif street:
            parts[-1:] = [(parts[-1] if parts else "") + "ドオリ"]
            pos = street.end()
        else:
            end = min((m.start() for m in (_STREET.search(streets, pos), _NUMBERED.search(streets, pos)) if m),
                      default=len(streets))
            kana, guessed = text_reading(streets[pos:end])
            parts.append(kana)
            uncertain = uncertain or guessed
            pos = end
    parts.extend(_DIRECTION_KANA[m.group(0)[0]] for m in _DIRECTIONS.finditer(directions))
    return StreetReading([p for p in parts if p], uncertain)
