"""Phone numbers digit by digit, grouped as written, with a pause between groups.

Digits: 0 is ゼロ (never レイ or マル), 2 and 5 are stretched to ニー and ゴー as people do when
reading numbers out, 4 ヨン, 7 ナナ, 9 キュウ. Groups come from the hyphens, spaces or brackets as
written; an unbroken number is split the usual way (090-1234-5678, 03-1234-5678, 0120-123-456).
Groups are separated by PAUSE ("、"), which the voice reads as a short break.
"""

from __future__ import annotations

import re

from jtext.openjtalk import PAUSE
from jtext.scripts import width

PHONE_DIGITS = ("ゼロ", "イチ", "ニー", "サン", "ヨン", "ゴー", "ロク", "ナナ", "ハチ", "キュウ")
_GROUP = re.compile(r"\d+")
_MOBILE = re.compile(r"0[5789]0")


def split_groups(digits: str) -> list[str]:
    """Usual grouping of an unbroken Japanese number."""
    if digits.startswith("+81"):
        national = split_groups("0" + digits[3:])
        return ["+81", national[0][1:], *national[1:]]
    n = len(digits)
    if n == 11 and _MOBILE.match(digits):
        return [digits[:3], digits[3:7], digits[7:]]
    if n == 10 and digits.startswith(("0120", "0800")):
        return [digits[:4], digits[4:7], digits[7:]]
    if n == 10 and digits.startswith(("03", "06")):
        return [digits[:2], digits[2:6], digits[6:]]
    if n == 10 and digits.startswith("0"):
        return [digits[:3], digits[3:6], digits[6:]]
    if n > 4:
        return [digits[:-4], digits[-4:]]
    return [digits]


def read_out_digits(digits: str, sep: str = "") -> str:
    """Each digit as said when reading a number out ('1235' → イチニーサンゴー); non-digits are skipped.

    The one table for numbers read digit by digit to a caller: phone numbers here, and the
    vehicle number the lookup reads back ("イチ ニー サン ゴーでは見つかりませんでした").
    """
    return sep.join(PHONE_DIGITS[int(d)] for d in digits if d.isascii() and d.isdigit())


def group_kana(group: str) -> str:
    """'090' → ゼロキュウゼロ; '+81' → プラスハチイチ."""
    prefix = "プラス" if group.startswith("+") else ""
    return prefix + read_out_digits(group)


def phone_kana(text: str) -> str:
    """'090-1111-0001' → ゼロキュウゼロ、イチイチイチイチ、ゼロゼロゼロイチ."""
    text = width(text).strip()
    plus = text.startswith("+")
    groups = _GROUP.findall(text)
    if not groups:
        return ""
    if len(groups) == 1:
        parts = split_groups(("+" if plus else "") + groups[0])
    else:
        parts = [("+" if plus and i == 0 else "") + g for i, g in enumerate(groups)]
    return PAUSE.join(group_kana(p) for p in parts)


PHONE_IN_TEXT = re.compile(
    r"(?<![\d-])(?:\+81[-\s]?|0)\d{1,4}[-\s(]\d{1,4}[-\s)]\d{3,4}(?![\d-])"  # written with separators
    r"|(?<!\d)0[5789]0\d{8}(?!\d)"  # an unbroken mobile number
)
