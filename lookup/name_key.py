"""Names → a comparison key in katakana, so サトー, さとう, ｻﾄｳ and 佐藤 meet on one key.

The key keeps what tells people apart (オノ ≠ オオノ, サトウ ≠ サイトウ) and drops what the speech
model varies freely: script, width, long-vowel spelling (サトー = サトウ, オーノ = オオノ), ヅ/ズ and
ヂ/ジ, and the frames around a name (ドライバーの…です, …と申します, …さん). Kanji are read with
pyopenjtalk after folding old and variant forms (斉藤 → 斎藤, 渡邊 → 渡辺), but a schedule's own
kana (driver_kana) is always the authority for a driver's key, and it is a name, never cut as if
it held frames (ハイバラ stays ハイバラ). A spoken name that starts like a filler (はいばら) may be the
whole run or the filler and the rest; the key carries both (`also`), and the matcher decides.
The speech model may put two sentences in the slot (もしもし。佐藤です, 佐藤です。佐藤健一です): each
sentence has its own frames, so they are cut per sentence, and a name said in two sentences is
keyed as a name said again; sentences naming different people stay one run, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from jtext.corrections import after_last_correction, correction_pattern
from jtext.folds import name_kana_key
from jtext.openjtalk import dictionary_kana
from jtext.scripts import KANJI, has_kanji, katakana, width

# Old and variant forms of name kanji, folded before reading and before comparing surfaces.
KANJI_VARIANTS: dict[str, str] = {
    "斉": "斎", "齋": "斎", "齊": "斎",
    "邊": "辺", "邉": "辺",
    "髙": "高", "﨑": "崎", "嵜": "崎", "碕": "崎",
    "濵": "浜", "濱": "浜", "澤": "沢", "廣": "広", "櫻": "桜", "國": "国", "嶋": "島", "嶌": "島",
    "德": "徳", "惠": "恵", "眞": "真", "冨": "富", "曾": "曽", "萬": "万", "藏": "蔵", "條": "条",
    "瀨": "瀬", "舘": "館", "莊": "荘", "兒": "児", "將": "将", "淺": "浅", "黑": "黒", "佛": "仏",
    "龍": "竜", "槇": "槙", "桒": "桑", "塚": "塚",
}
_VARIANT_TABLE = str.maketrans(KANJI_VARIANTS)

# Greetings a driver opens or closes with (おはようございます。佐藤です): a frame at either end.
_GREETINGS = (
    "オハヨウゴザイマス", "オハヨーゴザイマス", "コンニチハ", "コンニチワ", "コンバンハ", "コンバンワ",
    "オセワニナッテオリマス", "オ世話ニナッテオリマス", "オセワニナリマス", "オ世話ニナリマス",
    "オセワニナッテマス", "オ世話ニナッテマス", "オセワニナッテイマス", "オ世話ニナッテイマス",
    "オセワサマデス", "オ世話様デス", "オ世話サマデス", "オセワサマ", "オ世話様", "オ世話サマ",
    "シツレイシマス", "失礼シマス",
)
# Frames around a name, in katakana after normalization; stripped repeatedly from either end. A text
# that is only a frame (えーと, はい) leaves no name. Nothing a name can end in (アカネ, ユウダ) is here.
_PREFIXES = sorted(
    [
        "エート", "エット", "エー", "アノー", "アノ", "ハイ", "ワタシハ", "ワタクシハ", "ボクハ", "オレハ",
        "ナマエハ", "ドライバーノ", "ドライバー", "ウンテンシュノ", "ウンテンシャノ",
        "私ハ", "名前ハ", "ワタクシ", "コチラハ", "コチラ", "運転手ノ", "運転者ノ", "僕ハ", "俺ハ",
        "エーット", "エエット", "エエト", "ウーント", "ウーン", "エットデスネ", "エートデスネ", "アノデスネ",
        "モシモシ", "オツカレサマデス", "オツカレサマデース", "オ疲レ様デス", "オ疲レサマデス", "オツカレサンデス",
        "スミマセン", "スイマセン", "ジブンハ", "自分ハ", *_GREETINGS,
    ],
    key=len,
    reverse=True,
)
_SUFFIXES = sorted(
    [
        "トモウシマス", "トイイマス", "デゴザイマス", "デス", "ダヨ", "サン", "サマ", "クン",
        "ト申シマス", "ト言イマス", "様", "ヨロシクオネガイシマス", "ヨロシク", "オネガイシマス", "デスネ",
        "ヨロシクオ願イシマス", "オ願イシマス", "デオ願イシマス",
        # How drivers actually answer: 佐藤っす, 佐藤でーす, 佐藤ですけど, 佐藤っていいます.
        "ッス", "ッスネ", "ッスケド", "デース", "デスケド", "デスケドモ", "デスガ", "ダケド", "ダケドモ",
        "ッテイイマス", "ッテ言イマス", "ッテモウシマス", "ッテ申シマス",
        "ニナリマス", "デスヨ", "デスヨネ", "ダヨネ", "ヤケド", "ヤケドモ", "ヤデ", "ヤネン", "ジャケド", "ジャケン",
        "オツカレサマデス", "オツカレサマデース", "オツカレサマ", "オ疲レ様デス", "オ疲レサマデス", "オ疲レ様",
        "オ疲レサマ", "オツカレサンデス",
        # 佐藤っていうんですけど, 佐藤というものです, 佐藤の方です (after です is cut)
        "ッテイウン", "ッテイウモン", "ッテイウモノ", "トイウモン", "トイウモノ", "ト言ウモノ", "ト言ウモン",
        "ッテ言ウ", "ッテイウ", "トイウ", "ノ方", "ノホウ", "ノ者", "ノモン", "ノモノ", *_GREETINGS,
        # 佐藤なんですけど: the explanatory な+ん, cut with the ending it comes with
        "ナンデス", "ナンデスケド", "ナンデスケドモ", "ナンデスガ", "ナンスケド", "ナンッスケド", "ナンダケド",
        "ナンヤケド",
    ],
    key=len,
    reverse=True,
)
# Fillers that stand alone between pauses (あ、佐藤です / もしもし、佐藤です): dropped only as a whole
# word, so a name that starts with the same sounds (アサダ, エノモト) keeps them.
_FILLER_WORDS = frozenset({
    "ア", "アー", "アッ", "エ", "エー", "エート", "エット", "エーット", "アノ", "アノー", "ソノ", "ソノー",
    "ハイ", "ハーイ", "ウン", "モシモシ", "ドウモ", "オツカレサマデス", "オツカレサマ", "オ疲レ様デス",
    "エエト", "エエット", "ウーン", "ウーント", "スミマセン", "スイマセン", "オ疲レサマデス", "オ疲レ様",
    "オレ", "俺", "ボク", "僕", "ワタシ", "私", "ワタクシ", "ジブン", "自分", "ハイハイ", "者", "モノ", "モン",
})
# Sounds a name can start with (ハイバラ, エダ, アノウ): glued to the kana that follow, the name may
# be the whole run, so the key keeps that reading too (`NameKey.also`).
_NAME_LIKE_PREFIXES = frozenset({
    "エート", "エット", "エー", "アノー", "アノ", "ハイ", "エーット", "エエト", "エエット",
})
# A correction (佐藤じゃなくて加藤です): only what follows the last one is the name meant.
_CORRECTION_RE = correction_pattern(katakana, short_ones_alone=True)
# Particles after a polite ending (佐藤ですがー, 佐藤と申しますけど): cut only there, since names end
# in the same sounds (芳賀 ハガ, 金子 カネコ).
_AFTER_POLITE_RE = re.compile(r"(?:マス|デス|ッス)((?:ケドモ|ケド|ガ|ネ|ヨ|ー)+)$")
# The words a company's name ends in (ヤマダ運送, 東京物流センター).
_COMPANY_WORDS = (
    r"運送|物流|運輸|急便|通運|陸運|倉庫|商事|産業|交通|ロジスティクス|エクスプレス|ウンソウ|ウンソー|"
    r"ブツリュウ|ブツリュー|ウンユ|営業所|センター|支店|会社|カイシャ"
)
# Who they drive for (ヤマダ運送の佐藤です, 配送の佐藤です): the company is not part of the name. The
# short words (便, ロジ) and the roles are company words only before の.
_COMPANY_RE = re.compile(
    rf"^.*?(?:{_COMPANY_WORDS}|便|ロジ|配送|配達|担当|ハイソウ|ハイソー|タントウ|タントー)ノ\s*"
)
# A sentence that only names the company (ヤマダ運送です。佐藤です): said instead of the name, never in it.
_COMPANY_ONLY_RE = re.compile(rf"^.*(?:{_COMPANY_WORDS})(?:デス|デース|ッス|デゴザイマス|ダ|ヤ)?$")
# A copula after a written name (佐藤だ, 佐藤やけど, and the regions' 佐藤じゃけえ, 佐藤だべ, 佐藤ばい):
# no name spelled in kanji ends in these kana.
_COPULA_AFTER_KANJI_RE = re.compile(
    rf"(?<=[{KANJI}])(?:(?:だ|や|じゃ)(?:よ|ね|で|ぞ|けど|けん|けえ|けぇ|べ|べさ|す|ど|わ)?|ばい|たい)$"
)
# Where a sentence ends, after width folding (．→. ！→! ｡→。 …→...): never a kana or ー, so no name
# is cut inside a sound, and schedule kana (`schedule_name_key`) are never split at all.
_SENTENCE_END_RE = re.compile(r"[。.!?\r\n]+")
_NOT_NAME_RE = re.compile(rf"[^\u30a1-\u30f4\u30fc{KANJI}\s]")  # katakana, kanji (佐々木 keeps its 々), spaces


@dataclass(frozen=True)
class NameKey:
    """A name's key.

    `full`: all parts run together, then folded, so it does not depend on whether or where a space
    was written. `family`: the first part, when the split is known. `surface`: the written form with
    variants folded (only when it holds kanji), which lets a transcript's 佐藤 stand for the reading
    the schedule gives to 佐藤 even when the dictionary's differs."""

    full: str
    family: str
    surface: str = ""
    also: tuple[str, ...] = ()  # other keys the same words may be: はいばら is ハイバラ as well as バラ
    # Their written forms, so the name said once (灰原健二 of 灰原健二。灰原健二) meets the schedule's
    # reading of its kanji as `surface` does: the dictionary's (ハイハラ) is near another driver (ハラ).
    also_surfaces: tuple[str, ...] = ()


def kanji_reading(text: str) -> str:
    """Katakana reading of text holding kanji (after variant folding), from pyopenjtalk's dictionary."""
    return dictionary_kana(text.translate(_VARIANT_TABLE))


def fold_surface(text: str) -> str:
    """The written name with variants folded and spaces dropped: 齋藤 健一 → 斎藤健一."""
    return re.sub(r"\s+", "", width(text or "")).translate(_VARIANT_TABLE)


def _strip_frames(text: str, keep_glued: bool = False) -> str:
    """Frames off both ends; with `keep_glued`, a name-like sound glued to the kana after it stays."""
    changed = True
    while changed and text:
        changed = False
        for p in _PREFIXES:
            if text.startswith(p):
                after = text[len(p) : len(p) + 1]
                if keep_glued and p in _NAME_LIKE_PREFIXES and "\u30a1" <= after <= "\u30fc":
                    continue
                text, changed = text[len(p) :].lstrip(), True
                break
        for s in _SUFFIXES:
            if text.endswith(s):
                text, changed = text[: -len(s)].rstrip(), True
                break
        if particles := _AFTER_POLITE_RE.search(text):
            text, changed = text[: particles.start(1)].rstrip(), True
        first, _, rest = text.partition(" ")
        head, _, last = text.rpartition(" ")
        # 佐藤です、はい: a filler said apart at either end, so the ending before it is cut too
        if rest and first in _FILLER_WORDS:
            text, changed = rest, True
        elif head and last in _FILLER_WORDS:
            text, changed = head, True
    return text


def _part_kana(part: str) -> str:
    return kanji_reading(part) if has_kanji(part) else part


@lru_cache(maxsize=8192)
def name_key(text: str) -> NameKey | None:
    """Key of a spoken or written name; None when nothing name-like is left after the frames."""
    said = _sentences(text)
    names, glued = _names(said, keep_glued=False), _names(said, keep_glued=True)
    stripped = " ".join(names)
    key = _key(stripped, frames=True)
    if key is None:
        return None
    # The other ways the same words may be read: only texts that differ are keyed again.
    readings = {" ".join(glued), _said_again(names), _said_again(glued)} - {stripped, None}
    others = [k for k in (_key(r, frames=True) for r in readings if r is not None) if k is not None]
    also = tuple(sorted({k.full for k in others} - {key.full}))
    surfaces = tuple(sorted({k.surface for k in others} - {key.surface, ""}))
    if not also and not surfaces:
        return key
    return NameKey(full=key.full, family=key.family, surface=key.surface, also=also, also_surfaces=surfaces)


def _sentences(text: str) -> list[str]:
    """The sentences in letters, the company cut from each, as each has its own frames. A correction
    reaches across sentences (佐藤じゃなくて。加藤です), so it is looked for in them all at once."""
    sentences = _SENTENCE_END_RE.split(width(text or ""))
    letters = "\n".join(_letters(_COPULA_AFTER_KANJI_RE.sub("", s.strip())) for s in sentences)
    said = [_COMPANY_RE.sub("", s).strip() for s in after_last_correction(_CORRECTION_RE, letters).split("\n")]
    named = [s for s in said if s and not _COMPANY_ONLY_RE.match(s)]
    return named if len(said) > 1 and named else said


def _names(said: list[str], *, keep_glued: bool) -> list[str]:
    """The sentences that hold a name, frames cut from each; a greeting or a filler said alone
    (もしもし。) is not one more time the name was said. Sentences naming different people (はいばら
    です。はらです) leave open who called, and run together without the frames between them they could
    come near a driver neither of them is (ハラハイバラ to ハイバラ): unless they are one name said again,
    they are read as one run with those frames, as ever, so a second sentence never brings a driver
    nearer."""

    def cut(sentences: list[str]) -> list[str]:
        stripped = (_strip_frames(s, keep_glued) for s in sentences)
        return [s for s in stripped if s and not set(s.split(" ")) <= _FILLER_WORDS]

    names = cut(said)
    return cut([" ".join(filter(None, said))]) if len(names) > 1 and _said_again(names) is None else names


def _letters(text: str) -> str:
    """Katakana and kanji only (anything else a space), single-spaced: what a key is made from."""
    return re.sub(r"\s+", " ", _NOT_NAME_RE.sub(" ", katakana(text or ""))).strip()


def _key(norm: str, *, frames: bool) -> NameKey | None:
    """The key of a name already in katakana and kanji, split on spaces; `frames` drops filler words."""
    raw = [p for p in norm.split(" ") if p and not (frames and p in _FILLER_WORDS)]
    keyed = [(kana, key) for kana, key in ((k, name_kana_key(k)) for k in map(_part_kana, raw)) if key]
    if not keyed:
        return None
    # Folded after joining: スズキ イチロウ and スズキイチロウ are said alike (キイ is one long イ), so the
    # long vowel across the space must fold the same way as inside a word.
    full = name_kana_key("".join(kana for kana, _ in keyed)) if len(keyed) > 1 else keyed[0][1]
    family = keyed[0][1] if len(keyed) > 1 else ""
    joined = "".join(raw)
    surface = fold_surface(joined) if has_kanji(joined) else ""
    return NameKey(full=full, family=family, surface=surface)


def _said_again(sentences: list[str]) -> str | None:
    """The name once, where the caller said it again (佐藤健一、佐藤健一) or restated the family name
    whole (佐藤、佐藤健一, 佐藤です、佐藤健一です), in one sentence or in two (佐藤です。佐藤健一です):
    the last one. Only a reading the key also carries, since a family name and a given name can
    begin alike (三木 幹夫, ミキ ミキオ)."""
    units = sentences if len(sentences) > 1 else " ".join(sentences).split(" ")
    # each part its own frames (佐藤です、佐藤健一です), the name-like sounds kept (はいばら、はいばら)
    units = [u for u in (_strip_frames(u, keep_glued=True) for u in units) if u and u not in _FILLER_WORDS]
    keys = [k.full if (k := _key(u, frames=True)) else "" for u in units]
    if len(keys) < 2 or min(len(k) for k in keys) < 2:
        return None  # オ オノ is 大野 with a pause, not オ said again
    if len(set(keys)) == 1 or (len(keys) == 2 and keys[1].startswith(keys[0])):
        return units[-1]
    return None


@lru_cache(maxsize=8192)
def schedule_name_key(name_kana: str, written: str = "") -> NameKey | None:
    """Key of a driver from the schedule's kana (the authority), e.g. サトウ ケンイチ.

    Kana typed without a space (サトウケンイチ) give no family name, so a caller who says only
    佐藤 would find nobody; then the written name's first part (佐藤 of 佐藤 健一) tells where the
    family name ends, if its reading is where the kana begin."""
    key = _key(_letters(name_kana), frames=False)
    parts = written.split()
    if key is None or key.family or len(parts) < 2:
        return key
    family = name_kana_key(_part_kana(katakana(parts[0])))
    if family and key.full.startswith(family) and len(family) < len(key.full):
        return NameKey(full=key.full, family=family, surface=key.surface)
    return key
