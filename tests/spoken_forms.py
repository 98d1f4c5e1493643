"""Hypothesis strategies for digit strings in the ways callers say them and transcripts write them.

Written from the readings in the issue, not from the parser. Every choice (the form of each digit,
its reading, the separators, the grouping) is drawn from a strategy, so a failing case shrinks to
the plainest rendering that still fails (the first reading, the first form, no separator).
"""

from __future__ import annotations

import jaconv
from hypothesis import strategies as st

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
# One mora, said bare, is also a syllable of countless words (いちご, にし): said digit by digit a
# caller lengthens it or pauses after it, and only then must it always read as a digit.
ONE_MORA = frozenset({"に", "よ", "し", "ご", "く"})
KANJI = dict(zip("0123456789", "〇一二三四五六七八九", strict=True))
FULL = dict(zip("0123456789", "０１２３４５６７８９", strict=True))
_STD = dict(zip("123456789", ["いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう"], strict=True))
SEPARATORS = ("", " ", "、")
PAUSES = (" ", "、")
GROUP_MARKS = ("の", "-", "－", " の ")
SCRIPTS = ("hiragana", "katakana", "halfwidth")
NON_KANA_FORMS = ("kanji", "ascii", "fullwidth")


def in_script(kana: str, script: str) -> str:
    if script == "katakana":
        return jaconv.hira2kata(kana)
    if script == "halfwidth":
        return jaconv.z2h(jaconv.hira2kata(kana), kana=True, digit=False, ascii=False)
    return kana


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


@st.composite
def digit_run(draw: st.DrawFn, digits: str, *, clear: bool = False) -> str:
    """A run of digits, each in a drawn form: a kana reading in any script, kanji, ASCII or full width.

    `clear`: as a caller says digits one by one when asked to: a one-mora reading is lengthened
    (ごー) or set apart by pauses (さん、ご、いち), never run into the kana around it."""
    parts: list[str] = []
    for d in digits:
        form = draw(st.sampled_from(SCRIPTS + NON_KANA_FORMS))
        if form in SCRIPTS:
            reading = draw(st.sampled_from(READINGS[d]))
            if clear and reading in ONE_MORA:
                if draw(st.booleans()):
                    reading += "ー"
                else:
                    pause = draw(st.sampled_from(PAUSES))
                    reading = pause + reading + pause
            parts.append(in_script(reading, form))
        elif form == "kanji":
            parts.append(KANJI[d])
        elif form == "ascii":
            parts.append(d)
        else:
            parts.append(FULL[d])
    # Kana readings may run together; mixing scripts needs no separator, but a space or 、 is allowed.
    # (Pauses at the ends stay: a clear digit keeps its pause from the group next to it.)
    sep = draw(st.sampled_from(SEPARATORS))
    return sep.join(parts)


@st.composite
def plate_group(draw: st.DrawFn, digits: str, *, clear: bool = False) -> str:
    """One plate group: a digit run or, without a leading zero, a whole number in kana or kanji."""
    if not digits.startswith("0") and draw(st.booleans()):
        return draw(st.sampled_from((whole_kana, whole_kanji)))(int(digits))
    return draw(digit_run(digits, clear=clear))


@st.composite
def spoken_vehicle(draw: st.DrawFn, digits: str, *, clear: bool = False) -> str:
    """A 1-4 digit serial as a caller might say it, with plate grouping (12の34) for 4 digits."""
    if len(digits) == 4 and draw(st.booleans()):
        mark = draw(st.sampled_from(GROUP_MARKS))
        said = draw(plate_group(digits[:2], clear=clear)) + mark + draw(plate_group(digits[2:], clear=clear))
    else:
        said = draw(plate_group(digits, clear=clear))
    return said.strip(" 、")


@st.composite
def spoken_phone(draw: st.DrawFn, digits: str, *, clear: bool = False) -> str:
    """A phone number digit by digit, with optional hyphens between the usual groups."""
    groups = [digits[:3], digits[3:7], digits[7:]] if len(digits) == 11 else [digits[:2], digits[2:6], digits[6:]]
    sep = draw(st.sampled_from(("", "-", " ", "の")))
    return sep.join(draw(digit_run(g, clear=clear)) for g in groups).strip(" 、")


SERIALS = st.integers(min_value=1, max_value=9999).map(str)
DIGIT_STRINGS = st.text(alphabet="0123456789", min_size=1, max_size=4).filter(lambda d: not d.startswith("0"))
PHONE_NUMBERS = st.text(alphabet="0123456789", min_size=9, max_size=10).map(lambda rest: "0" + rest)
