"""Realistic schedule rows for the example file and the load benchmark (deterministic per seed).

Depots around Tokyo and Osaka, plates of several regions, addresses written the ways dispatchers
write them (丁目/番/号 and 1-2-3, with and without buildings), and the lookup traps the service
must survive: one serial on plates of different regions, drivers sharing a reading.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

JA_HEADERS = ["運行日", "車番", "ナンバー", "運転者", "運転者カナ", "携帯電話", "順番", "届け先", "住所", "住所カナ",
              "到着開始", "到着終了", "積荷", "積荷カナ", "備考"]

# (plate region, prefecture) per depot area
REGIONS = [("品川", "東京都"), ("足立", "東京都"), ("練馬", "東京都"), ("多摩", "東京都"), ("横浜", "神奈川県"),
           ("川崎", "神奈川県"), ("相模", "神奈川県"), ("千葉", "千葉県"), ("習志野", "千葉県"), ("袖ケ浦", "千葉県"),
           ("大宮", "埼玉県"), ("所沢", "埼玉県"), ("春日部", "埼玉県"), ("なにわ", "大阪府"), ("大阪", "大阪府"),
           ("和泉", "大阪府")]
PLATE_KANA = "あいうえかきくけこさすせそたちつてとなにぬねのはひふほまみむめもやゆよらりるれろわ"
PLATE_CLASS = ["100", "101", "130", "400", "410", "800", "11", "88"]

# Towns as written in addresses, by prefecture: (city + town) — readings come from Japan Post data.
TOWNS = {
    "東京都": ["江東区有明", "江東区新木場", "大田区平和島", "大田区東海", "品川区八潮", "葛飾区新宿", "目黒区三田",
             "中央区日本橋", "港区芝浦", "足立区入谷", "板橋区舟渡", "練馬区高松", "江戸川区臨海町", "府中市四谷",
             "八王子市石川町", "昭島市武蔵野"],
    "神奈川県": ["横浜市鶴見区大黒ふ頭", "横浜市金沢区福浦", "川崎市川崎区浮島町", "厚木市上依知", "相模原市中央区田名",
               "平塚市大神", "綾瀬市吉岡東"],
    "千葉県": ["市川市塩浜", "船橋市高瀬町", "習志野市茜浜", "千葉市美浜区新港", "柏市新十余二", "野田市二ツ塚",
             "袖ケ浦市長浦"],
    "埼玉県": ["三郷市彦成", "戸田市美女木", "川口市領家", "さいたま市岩槻区古ケ場", "所沢市北野", "春日部市豊野町",
             "入間市狭山ケ原"],
    "大阪府": ["大阪市浪速区日本橋", "大阪市住之江区南港北", "大阪市此花区島屋", "茨木市彩都あさぎ",
             "堺市堺区築港八幡町", "東大阪市高井田", "和泉市テクノステージ"],
}
CENTRES = ["物流センター", "配送センター", "DC", "倉庫", "営業所", "ロジスティクスセンター", "流通センター", "店",
           "工場"]
BRANDS = ["有明", "東京ベイ", "関東", "南港", "首都圏", "ヤマト運輸", "丸和", "日本ロジテム", "サンワ", "まるいち",
          "セントラル", "イオン", "コープ", "ライフ", "アスクル", "ニトリ", "カインズ", "ケーヨーデイツー", "マルエツ"]
BUILDINGS = ["", "", "", " 第2倉庫", " B棟", " ロジポート3F", " プロロジスパーク 4階", " GLP 2F", " 東棟1階",
             " メゾン三田101", " 第一ビル5F"]
CARGO = ["パレット12枚 冷蔵", "パレット6枚", "3.5t", "4t 冷凍", "段ボール40箱", "カゴ台車6本", "カゴ台車12本 常温",
         "冷凍 ケース30", "雑貨 120ケース", "飲料 48ケース", "精密機器 3台 天地無用", "ロール紙 8本", "青果 20箱 冷蔵",
         "鋼材 1.2t", "2t ユニック", "米 30kg×20袋", ""]
NOTES = ["", "", "", "3番バースに着けてください", "裏口から搬入", "到着30分前に電話", "午前中必着", "台車持参",
         "荷受け担当 田中様", "守衛所で受付", "リフト不可 手降ろし", "12時から13時は受付休止", "伝票2枚 返却",
         "納品後に空パレット回収"]
SURNAMES = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
            ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
            ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
            ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("清水", "シミズ"), ("山崎", "ヤマザキ"),
            ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"), ("石川", "イシカワ"),
            ("前田", "マエダ"), ("藤田", "フジタ"), ("後藤", "ゴトウ"), ("岡田", "オカダ"), ("長谷川", "ハセガワ"),
            ("村上", "ムラカミ"), ("近藤", "コンドウ"), ("石井", "イシイ"), ("坂本", "サカモト"), ("遠藤", "エンドウ"),
            ("青木", "アオキ"), ("藤井", "フジイ"), ("西村", "ニシムラ"), ("福田", "フクダ"), ("三浦", "ミウラ")]
GIVEN = [("健一", "ケンイチ"), ("大輔", "ダイスケ"), ("翔太", "ショウタ"), ("誠", "マコト"), ("直人", "ナオト"),
         ("浩二", "コウジ"), ("隆", "タカシ"), ("剛", "ツヨシ"), ("拓也", "タクヤ"), ("亮", "リョウ"), ("修", "オサム"),
         ("美咲", "ミサキ"), ("由美", "ユミ"), ("和也", "カズヤ"), ("達也", "タツヤ"), ("洋平", "ヨウヘイ"),
         ("智子", "トモコ"), ("聡", "サトシ"), ("勇気", "ユウキ"), ("正樹", "マサキ"), ("学", "マナブ"),
         ("秀樹", "ヒデキ"), ("博", "ヒロシ"), ("恵", "メグミ"), ("慎也", "シンヤ")]

# The lookup traps (see examples/README.md): (name, kana, phone, plate region, serial as written)
TRAPS = [
    ("太田 裕樹", "オオタ ユウキ", "090-1111-0001", "品川", "12-34"),
    ("大田 優希", "おおた ゆうき", "090-1111-0002", "横浜", "12-34"),
    ("佐藤 健一", "サトウ ケンイチ", "080-2222-0003", "なにわ", "12-34"),
    ("斎藤 健一", "サイトウ ケンイチ", "", "足立", "56-78"),
    ("斉藤 美咲", "サイトウ ミサキ", "070-3333-0004", "千葉", "56-78"),
    ("小野 翔太", "オノ ショウタ", "090-4444-0005", "大宮", "3-21"),
    ("大野 翔太", "オオノ ショウタ", "090-4444-0006", "所沢", "32-10"),
    ("渡辺 誠", "ワタナベ マコト", "", "川崎", "88-88"),
    ("渡邊 誠", "ワタナベ マコト", "080-5555-0007", "相模", "88-89"),
    ("髙橋 一郎", "タカハシ イチロウ", "090-6666-0008", "練馬", "・123"),
    ("高橋 一郎", "タカハシ イチロウ", "090-6666-0009", "習志野", "・・12"),
    ("斎藤 大輔", "サイトウ ダイスケ", "", "大阪", "・123"),
]


@dataclass(frozen=True, slots=True)
class Vehicle:
    serial: str  # as written: 12-34, ・123
    plate: str
    driver: str
    kana: str
    phone: str
    prefecture: str


def written_serial(number: int) -> str:
    text = str(number)
    return f"{text[:2]}-{text[2:]}" if len(text) == 4 else "・" * (4 - len(text)) + text


def _plate(rng: random.Random, region: str, serial: str) -> str:
    return f"{region} {rng.choice(PLATE_CLASS)} {rng.choice(PLATE_KANA)} {serial}"


def make_vehicles(rng: random.Random, count: int, *, traps: bool = True) -> list[Vehicle]:
    """`count` vehicles, each with its own driver; the traps first when asked for."""
    prefecture_of = dict(REGIONS)
    vehicles: list[Vehicle] = []
    seen_plates: set[str] = set()
    used_names: set[str] = set()
    if traps:
        for name, kana, phone, region, serial in TRAPS:
            plate = _plate(rng, region, serial)
            vehicles.append(Vehicle(serial, plate, name, kana, phone, prefecture_of[region]))
            seen_plates.add(plate)
            used_names.add(name)
    names = [(f"{s} {g}", f"{sk} {gk}") for s, sk in SURNAMES for g, gk in GIVEN]
    rng.shuffle(names)
    phone_serial = 1000
    while len(vehicles) < count:
        region, prefecture = rng.choice(REGIONS)
        serial = written_serial(rng.choice([rng.randint(1000, 9999)] * 8 + [rng.randint(1, 999)]))
        plate = _plate(rng, region, serial)
        if plate in seen_plates:
            continue
        if names:
            name, kana = names.pop()
        else:  # more vehicles than name pairs: a numbered relief driver keeps identities distinct
            s, sk = rng.choice(SURNAMES)
            name, kana = f"{s} 応援{len(vehicles)}", f"{sk} オウエン"
        if name in used_names:
            continue
        used_names.add(name)
        phone = ""
        if rng.random() < 0.6:
            phone_serial += 1
            phone = f"0{rng.choice('789')}0-{phone_serial // 10000 % 10000:04d}-{phone_serial % 10000:04d}"
        seen_plates.add(plate)
        vehicles.append(Vehicle(serial, plate, name, kana, phone, prefecture))
    return vehicles


def _address(rng: random.Random, prefecture: str) -> str:
    town = rng.choice(TOWNS[prefecture])
    chome, ban, go = rng.randint(1, 6), rng.randint(1, 30), rng.randint(1, 20)
    if rng.random() < 0.5:
        block = f"{chome}丁目{ban}番{go}号"
    elif rng.random() < 0.8:
        block = f"{chome}-{ban}-{go}"
    else:
        block = f"{chome}丁目{ban}-{go}"
    return f"{prefecture}{town}{block}{rng.choice(BUILDINGS)}"


def make_destinations(rng: random.Random, per_prefecture: int) -> dict[str, list[tuple[str, str]]]:
    """Shared destinations per prefecture: many stops go to the same centres."""
    out: dict[str, list[tuple[str, str]]] = {}
    for prefecture, towns in TOWNS.items():
        names: set[str] = set()
        places: list[tuple[str, str]] = []
        while len(places) < per_prefecture:
            place = rng.choice(towns).split("区")[-1].split("市")[-1]
            name = f"{rng.choice(BRANDS)}{rng.choice(['', place])}{rng.choice(CENTRES)}"
            if name in names:
                continue
            names.add(name)
            places.append((name, _address(rng, prefecture)))
        out[prefecture] = places
    return out


def schedule_rows(date: str, vehicles: list[Vehicle], destinations: dict[str, list[tuple[str, str]]],
                  rng: random.Random, stops_per_vehicle: tuple[int, int]) -> Iterator[list[str]]:
    """One row per stop in the Japanese header order (JA_HEADERS)."""
    for vehicle in vehicles:
        hour = rng.randint(5, 9)
        pool = destinations[vehicle.prefecture]
        for seq, (name, address) in enumerate(rng.sample(pool, rng.randint(*stops_per_vehicle)), start=1):
            start = f"{hour:02d}:{rng.choice(['00', '00', '30'])}" if hour < 22 else ""
            end = f"{hour + 1:02d}:{start[3:]}" if start and rng.random() < 0.9 else ""
            hour = min(hour + rng.randint(1, 2), 22)
            if rng.random() < 0.1:
                start = end = ""
            yield [date, vehicle.serial, vehicle.plate, vehicle.driver, vehicle.kana, vehicle.phone, str(seq),
                   name, address, "", start, end, rng.choice(CARGO), "", rng.choice(NOTES)]


def bench_rows(date: str, stops: int, seed: int = 7) -> list[list[str]]:
    """About `stops` rows: a large depot group's day (7 stops per truck on average)."""
    rng = random.Random(seed)
    vehicles = make_vehicles(rng, max(1, stops // 7 + 1))
    destinations = make_destinations(rng, max(10, stops // 25))
    rows = list(schedule_rows(date, vehicles, destinations, rng, (4, 10)))
    return rows[:stops]
