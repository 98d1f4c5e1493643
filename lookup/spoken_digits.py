"""Spoken numbers → digits, written by hand because no library reads いちにのさんよん or まる.

The input is a transcript (or the model's tool argument) of the vehicle or phone slot. Every
character must be accounted for: a number is a run made only of number words, so 「よろしく」
never yields よ(4) し(4) く(9) - the run holds ろ, so it is a word, not a number. Known fillers
and frames (えーと, 車番は…です, …番) are cut out first. When two numbers are separated by a
word, or a numeral is glued to a word (三田), the slot is `invalid`: the lookup never guesses.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from jtext.folds import number_slot_text
from jtext.scripts import HYPHENS, LONG_MARK
from jtext.written_numbers import PLATE_REGIONS_WITH_NUMERALS, plate_shape


class NumberKind(StrEnum):
    """Which number a slot holds: a vehicle's plate serial or a phone number."""

    VEHICLE = "vehicle"
    PHONE = "phone"


NUMBER_KINDS: tuple[str, ...] = tuple(k.value for k in NumberKind)

# Kana readings (hiragana) → (kind, value). "digit_mult" digits only exist before a multiplier (いっせん).
_DIGIT, _DIGIT_MULT, _MULT = "d", "dm", "m"
_KANA_WORDS: dict[str, tuple[str, int]] = {
    "ぜろ": (_DIGIT, 0), "れい": (_DIGIT, 0), "まる": (_DIGIT, 0),
    "いち": (_DIGIT, 1),
    "に": (_DIGIT, 2), "にい": (_DIGIT, 2),
    "さん": (_DIGIT, 3),
    "よん": (_DIGIT, 4), "よ": (_DIGIT, 4), "し": (_DIGIT, 4),
    "ご": (_DIGIT, 5), "ごお": (_DIGIT, 5), "ごう": (_DIGIT, 5),
    "ろく": (_DIGIT, 6),
    "なな": (_DIGIT, 7), "しち": (_DIGIT, 7),
    "はち": (_DIGIT, 8),
    "きゅう": (_DIGIT, 9), "きゅー": (_DIGIT, 9), "く": (_DIGIT, 9),
    "いっ": (_DIGIT_MULT, 1), "ろっ": (_DIGIT_MULT, 6), "はっ": (_DIGIT_MULT, 8),
    "じゅう": (_MULT, 10), "じゅー": (_MULT, 10), "じゅっ": (_MULT, 10),
    "ひゃく": (_MULT, 100), "びゃく": (_MULT, 100), "ぴゃく": (_MULT, 100),
    "せん": (_MULT, 1000), "ぜん": (_MULT, 1000),
}
_KANJI_WORDS: dict[str, tuple[str, int]] = {
    "〇": (_DIGIT, 0), "○": (_DIGIT, 0), "零": (_DIGIT, 0),
    "一": (_DIGIT, 1), "二": (_DIGIT, 2), "三": (_DIGIT, 3), "四": (_DIGIT, 4), "五": (_DIGIT, 5),
    "六": (_DIGIT, 6), "七": (_DIGIT, 7), "八": (_DIGIT, 8), "九": (_DIGIT, 9),
    "十": (_MULT, 10), "百": (_MULT, 100), "千": (_MULT, 1000),
}
_KANA_BY_LENGTH = sorted(_KANA_WORDS, key=len, reverse=True)
_KANA_MAX = max(len(w) for w in _KANA_WORDS)
_HYPHENS = frozenset(HYPHENS)
_GROUP_KANA = "の"
_LONG = LONG_MARK
_DOTS = "・·.。"

# Cut out before parsing, longest first. Each holds a character no reading uses, so cutting them
# can't eat a digit. Numeral-bearing place names (千葉, 八王子) are plate regions, not numbers.
_FILLERS = sorted(
    [
        "えーっと", "えーと", "えっと", "ええと", "えと", "えー", "ええ", "あのー", "あの", "あー",
        "そのー", "その", "うーん", "うん", "まあ", "まー", "はい", "なんだっけ",
        "しゃばんは", "しゃばんが", "しゃばん", "しゃりょうばんごう", "ばんごうは", "ばんごう",
        "なんばーは", "なんばーの", "なんばー", "くるまのばんごう", "ばん",
        "よろしくおねがいします", "よろしくおねがいしまーす", "よろしく", "おねがいします", "おねがい",
        "でお願いします", "よろしくお願いします", "お願いします", "お願い",
        "でございます", "ですね", "です", "だよ", "だね",
        "車両番号は", "車両番号", "車番は", "車番", "番号は", "番号", "号車", "番", "号",
        "一連指定番号は", "一連指定番号", "一連番号は", "一連番号",
        "電話番号は", "電話番号", "でんわばんごうは", "でんわばんごう", "けいたいは", "けいたい", "携帯は", "携帯",
    ],
    key=len,
    reverse=True,
)
_FILLER_RE = re.compile(
    "(?:" + "|".join(re.escape(f) for f in PLATE_REGIONS_WITH_NUMERALS) + ")の?|"
    + "|".join(re.escape(f) for f in _FILLERS)
)
# A numeral followed by one of these is a quantity (4時, 3台, 2丁目, 5人), not a vehicle number.
_COUNTERS_AFTER = (
    "時", "分", "秒", "日", "月", "年", "週", "人", "名", "台", "個", "本", "枚", "丁目", "階", "円", "歳", "才",
    "回", "件", "箱", "便", "度", "棟", "倍", "杯", "冊", "通", "社", "両", "車線",
)
_TRAILING_PARTICLE_RE = re.compile(r"(よね|ね)[\s、。!！?？]*$")


@dataclass(frozen=True)
class ParsedNumber:
    """The digits heard in a slot, or why there are none (`reason`)."""

    digits: str | None
    reason: str = ""

    @property
    def valid(self) -> bool:
        return self.digits is not None


@dataclass(frozen=True)
class _Tok:
    kind: str  # _DIGIT, _DIGIT_MULT, _MULT, or "g" (group separator)
    value: int = 0


_GROUP = _Tok("g")


def _char_class(ch: str) -> str:
    """w = can be part of a number run, s = separator, o = other (a word that is not a number)."""
    if ch.isascii() and ch.isdigit():
        return "w"
    if ch in _KANJI_WORDS or ch in _HYPHENS or ch == _LONG or "ぁ" <= ch <= "ゖ":
        return "w"
    if ch.isspace() or ch in _DOTS or unicodedata.category(ch).startswith("P"):
        return "s"
    return "o"


def _has_ascii_alnum(run: str) -> bool:
    return any(c.isascii() and c.isalnum() for c in run)


def _has_numeral(run: str) -> bool:
    return any((c.isascii() and c.isdigit()) or c in _KANJI_WORDS for c in run)


@lru_cache(maxsize=4096)
def _tokenize(run: str) -> tuple[_Tok, ...] | None:
    """Cover the whole run with number words, longest reading first; None if any character is left."""

    def walk(pos: int, after_kana: bool) -> list[_Tok] | None:
        if pos == len(run):
            return []
        ch = run[pos]
        options: list[tuple[int, _Tok | None, bool]] = []
        if ch.isascii() and ch.isdigit():
            options.append((1, _Tok(_DIGIT, int(ch)), False))
        elif ch in _KANJI_WORDS:
            kind, value = _KANJI_WORDS[ch]
            options.append((1, _Tok(kind, value), False))
        elif ch in _HYPHENS or ch == _GROUP_KANA:
            options.append((1, _GROUP, False))
        elif ch == _LONG:
            # A long vowel mark after a kana reading (にー, ごー) belongs to it; elsewhere (12ー34) it is a dash.
            options.append((1, None, True) if after_kana else (1, _GROUP, False))
        else:
            for size in range(min(_KANA_MAX, len(run) - pos), 0, -1):
                word = run[pos : pos + size]
                if word in _KANA_WORDS:
                    kind, value = _KANA_WORDS[word]
                    options.append((size, _Tok(kind, value), True))
        for size, tok, kana in options:
            rest = walk(pos + size, kana)
            if rest is not None:
                return ([tok] if tok is not None else []) + rest
        return None

    found = walk(0, False)
    return tuple(found) if found is not None else None


def _eval_group(tokens: list[_Tok]) -> str | None:
    """Digits of one group: digit by digit (いちに), whole numbers (せんにひゃく…), or a mix (じゅうにさん)."""
    out: list[str] = []
    i, n = 0, len(tokens)
    while i < n:
        total, last_mult, used, j = 0, 10_000, False, i
        while j < n:
            tok = tokens[j]
            nxt = tokens[j + 1] if j + 1 < n else None
            if tok.kind in (_DIGIT, _DIGIT_MULT) and nxt is not None and nxt.kind == _MULT and nxt.value < last_mult:
                if tok.value == 0:
                    return None
                total += tok.value * nxt.value
                last_mult, used, j = nxt.value, True, j + 2
            elif tok.kind == _MULT and tok.value < last_mult:
                total += tok.value
                last_mult, used, j = tok.value, True, j + 1
            else:
                break
        if used:
            if j < n and tokens[j].kind == _DIGIT and 1 <= tokens[j].value <= 9 and last_mult >= 10:
                total += tokens[j].value
                j += 1
            out.append(str(total))
            i = j
            continue
        tok = tokens[i]
        if tok.kind != _DIGIT:
            return None  # いっ/はっ without a multiplier, or a multiplier out of order (ひゃくせん)
        out.append(str(tok.value))
        i += 1
    return "".join(out)


def _runs(text: str) -> list[tuple[str, str]]:
    """Split into (class, run) with separators dropped but remembered as ("s", "")."""
    runs: list[tuple[str, str]] = []
    for ch in text:
        cls = _char_class(ch)
        if cls == "s":
            if not runs or runs[-1][0] != "s":
                runs.append(("s", ""))
            continue
        if runs and runs[-1][0] == cls:
            runs[-1] = (cls, runs[-1][1] + ch)
        else:
            runs.append((cls, ch))
    return runs


def _strip_frames(text: str) -> str:
    text = _TRAILING_PARTICLE_RE.sub("", text)
    return _FILLER_RE.sub(" ", text)


def _collect_tokens(text: str) -> tuple[list[_Tok] | None, str]:
    runs = _runs(text)
    tokens: list[_Tok] = []
    seen_number = False
    junk_after_number = False
    for idx, (cls, run) in enumerate(runs):
        if cls == "s":
            continue
        if cls == "o":
            if seen_number:
                junk_after_number = True
            continue
        before = runs[idx - 1][1] if idx > 0 and runs[idx - 1][0] == "o" else ""
        after = runs[idx + 1][1] if idx + 1 < len(runs) and runs[idx + 1][0] == "o" else ""
        if before and run.startswith(_GROUP_KANA):
            run = run[1:]  # 品川のいちに…: the particle of the word before, not a plate group
        # A numeral glued to a word (三田, 四谷, 12a) is part of that word: refuse rather than read a digit.
        glued_before = bool(before) and (run[:1] in _KANJI_WORDS or _has_ascii_alnum(before))
        glued_after = bool(after) and (
            run[-1:] in _KANJI_WORDS or _has_ascii_alnum(after) or after.startswith(_COUNTERS_AFTER)
        )
        if not run:
            continue
        found = _tokenize(run)
        if found is None or glued_before or glued_after:
            if _has_numeral(run):
                return None, "a number is mixed with other words"
            if seen_number:
                junk_after_number = True
            continue
        if junk_after_number:
            return None, "two numbers separated by other words"
        tokens.extend(found)
        seen_number = True
    if not seen_number:
        return None, "no number heard"
    return tokens, ""


def _groups(tokens: list[_Tok]) -> list[list[_Tok]]:
    groups: list[list[_Tok]] = [[]]
    for tok in tokens:
        if tok is _GROUP or tok.kind == "g":
            groups.append([])
        else:
            groups[-1].append(tok)
    return groups


@lru_cache(maxsize=8192)
def parse_spoken_number(text: str, kind: str) -> ParsedNumber:
    """Read the slot's text as a `kind` number ("vehicle": 1–4 digits; "phone": 10–11 digits from 0)."""
    if kind not in NUMBER_KINDS:
        raise ValueError(f"unknown number kind {kind!r}; expected one of {', '.join(NUMBER_KINDS)}")
    norm = number_slot_text(text)
    if kind == NumberKind.VEHICLE:
        plate = plate_shape(text, no_is_particle=True)  # a whole plate said or typed: its serial only
        if plate:
            norm = number_slot_text(plate.serial)
    norm = _strip_frames(norm).strip()
    if kind == NumberKind.VEHICLE:
        norm = norm.lstrip(_DOTS + " ")  # ・123, ・・12: the dots pad short plates
    tokens, reason = _collect_tokens(norm)
    if tokens is None:
        return ParsedNumber(None, reason)
    groups = _groups(tokens)
    parts = [_eval_group(g) for g in groups]
    if any(p is None or p == "" for p in parts):
        return ParsedNumber(None, "not a well-formed number")
    digits = "".join(p for p in parts if p is not None)
    if kind == NumberKind.VEHICLE:
        if len(parts) > 2 or (len(parts) == 2 and not (1 <= len(parts[0] or "") <= 2 and len(parts[1] or "") == 2)):
            return ParsedNumber(None, "a plate number is grouped as 12-34")
        if not 1 <= len(digits) <= 4:
            return ParsedNumber(None, "a vehicle number has 1 to 4 digits")
        if digits.startswith("0"):
            return ParsedNumber(None, "a vehicle number does not start with 0")
        return ParsedNumber(digits)
    if not 10 <= len(digits) <= 11 or not digits.startswith("0"):
        return ParsedNumber(None, "a phone number has 10 or 11 digits starting with 0")
    return ParsedNumber(digits)


def spoken_digits(text: str, kind: str) -> str | None:
    """The digits, or None when the slot holds no usable `kind` number."""
    return parse_spoken_number(text, kind).digits
