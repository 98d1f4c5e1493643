"""Independent renderers of digit strings in the ways callers say and transcripts write them.

Used by the property tests (any digit string, in any mix of forms, must parse back to itself)
and to write tests/cases/digits.csv. Written from the readings in the issue, not from the parser.
"""

from __future__ import annotations

import random

import jaconv

READINGS: dict[str, tuple[str, ...]] = {
    "0": ("ぜろ", "れい", "まる"),
    "1": ("いち",),
    "2": ("に", "にー", "にい"),
    "3": ("さん",),
    "4": ("よん", "よ", "し"),
    "5": ("ご", "ごー", "ごお"),
    "6": ("ろく",),
    "7": ("なな", "しち"),
    "8": ("はち",),
    "9": ("きゅう", "く", "きゅー"),
}
KANJI = dict(zip("0123456789", "〇一二三四五六七八九", strict=True))
FULL = dict(zip("0123456789", "０１２３４５６７８９", strict=True))
_STD = dict(zip("123456789", ["いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう"], strict=True))


def kana_digits(digits: str, rng: random.Random, sep: str = "") -> str:
    return sep.join(rng.choice(READINGS[d]) for d in digits)


def whole_kana(n: int) -> str:
    """1..9999 as a whole number in hiragana: 1234 → せんにひゃくさんじゅうよん, 808 → はっぴゃくはち."""
    assert 1 <= n <= 9999
    th, hu, te, un = n // 1000, n // 100 % 10, n // 10 % 10, n % 10
    out = ""
    if th:
        out += {1: "せん", 3: "さんぜん", 8: "はっせん"}.get(th, _STD[str(th)] + "せん")
    if hu:
        out += {1: "ひゃく", 3: "さんびゃく", 6: "ろっぴゃく", 8: "はっぴゃく"}.get(hu, _STD[str(hu)] + "ひゃく")
    if te:
        out += "じゅう" if te == 1 else _STD[str(te)] + "じゅう"
    if un:
        out += _STD[str(un)]
    return out


def whole_kanji(n: int) -> str:
    """1..9999 as kanji: 1234 → 千二百三十四."""
    out = ""
    for value, mark in ((1000, "千"), (100, "百"), (10, "十")):
        d = n // value % 10
        if d:
            out += ("" if d == 1 else KANJI[str(d)]) + mark
    if n % 10:
        out += KANJI[str(n % 10)]
    return out


def render_digit_run(digits: str, rng: random.Random) -> str:
    """A run of digits, each in a randomly chosen form: kana, katakana, half-width, kanji, ASCII, full width."""
    parts = []
    for d in digits:
        form = rng.randrange(6)
        if form == 0:
            parts.append(rng.choice(READINGS[d]))
        elif form == 1:
            parts.append(jaconv.hira2kata(rng.choice(READINGS[d])))
        elif form == 2:
            parts.append(jaconv.z2h(jaconv.hira2kata(rng.choice(READINGS[d])), kana=True, digit=False, ascii=False))
        elif form == 3:
            parts.append(KANJI[d])
        elif form == 4:
            parts.append(d)
        else:
            parts.append(FULL[d])
    # Kana readings may run together; mixing scripts needs no separator, but a space or 、 is allowed.
    sep = rng.choice(["", "", " ", "、"])
    return sep.join(parts)


def render_group(digits: str, rng: random.Random) -> str:
    """One plate group (no leading zero): a digit run or, sometimes, a whole number."""
    if not digits.startswith("0") and rng.random() < 0.3:
        return rng.choice([whole_kana, whole_kanji])(int(digits))
    return render_digit_run(digits, rng)


def render_vehicle(digits: str, rng: random.Random) -> str:
    """A 1-4 digit serial as a caller might say it, with plate grouping for 4 digits."""
    if len(digits) == 4 and rng.random() < 0.5:
        sep = rng.choice(["の", "-", "－", " の "])
        return render_group(digits[:2], rng) + sep + render_group(digits[2:], rng)
    return render_group(digits, rng)


def render_phone(digits: str, rng: random.Random) -> str:
    """A phone number digit by digit, with optional hyphens between the usual groups."""
    groups = [digits[:3], digits[3:7], digits[7:]] if len(digits) == 11 else [digits[:2], digits[2:6], digits[6:]]
    sep = rng.choice(["", "-", " ", "の"])
    return sep.join(render_digit_run(g, rng) for g in groups)
