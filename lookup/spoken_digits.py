"""Spoken numbers → digits, written by hand because no library reads いちにのさんよん or まる.

The input is a transcript (or the model's tool argument) of the vehicle or phone slot. Every
character must be accounted for: a number is a run made only of number words, so 「よろしく」
never yields よ(4) し(4) く(9) - the run holds ろ, so it is a word, not a number. A run made only
of number readings can still be a word: いちご (a strawberry), にし (the west, a family name), ごご
(the afternoon). When a run reads a digit with one of the one-mora readings (に, よ, し, ご, く) and
the dictionary has the run as a word (`jtext.words`), or as a name with its さん, it is a word too;
said digit by digit a number is lengthened or paused (いちごー, いち、ご), or grouped like a plate
(いちにのさんご), and reads as one.

Fillers and frames (えーと, 車番は…です, …番) are cut only where they stand: a frame at the start
or end of a stretch between pauses, a filler as a stretch of its own. Inside a word they stay, so
いちばんに (一番に) is a phrase, not 1 2. A correction (じゃなくて, 違う, いや after a pause) leaves
only what follows it: drivers correct themselves mid-number, and a dispatcher takes the second one.
When two numbers are separated by any other word, or a numeral is glued to a word (三田), the slot
is `invalid`: the lookup never guesses.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from jtext.corrections import after_last_correction, correction_pattern
from jtext.folds import number_slot_text
from jtext.scripts import HYPHENS, KANJI, LONG_MARK, hiragana
from jtext.words import is_word
from jtext.written_numbers import PLATE_REGIONS_WITH_NUMERALS, plate_shape


class NumberKind(StrEnum):
    """Which number a slot holds: a vehicle's plate serial or a phone number."""

    VEHICLE = "vehicle"
    PHONE = "phone"
    PHONE_TAIL = "phone_tail"  # the last four digits of a phone number (the identification's second factor)


NUMBER_KINDS: tuple[str, ...] = tuple(k.value for k in NumberKind)

# Kana readings (hiragana) → (kind, value). "digit_mult" digits only exist before a multiplier (いっせん).
_DIGIT, _DIGIT_MULT, _MULT = "d", "dm", "m"
_KANA_WORDS: dict[str, tuple[str, int]] = {
    "ぜろ": (_DIGIT, 0), "れい": (_DIGIT, 0), "まる": (_DIGIT, 0),
    "いち": (_DIGIT, 1), "ひと": (_DIGIT, 1),  # ひと, ふた: radio style (ひとふたさんまる)
    "に": (_DIGIT, 2), "にい": (_DIGIT, 2), "ふた": (_DIGIT, 2),
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

# Frames and fillers (see the module docstring). Each holds a character no reading uses, so cutting
# one never eats a digit. Lead-ins (車番は, なんばーの: kanji or sounds no everyday word holds) are
# cut wherever they are, since a plate region may come first (品川ナンバーの…); fillers (はい, その)
# and tails (です, ばん) are short and inside many words, so they are cut only where they open or
# close a stretch between pauses.
_STANDALONE = (
    "えーっと", "えーと", "えっと", "ええと", "えと", "えー", "ええ", "あのー", "あの", "あー",
    "そのー", "その", "うーん", "うん", "まあ", "まー", "はい", "なんだっけ",
    "もしもし", "うーんと", "うんと", "んーと", "んー", "ええっと", "えーとですね", "えっとですね", "あのですね",
    "えっとね", "えーとね", "あのね", "たしか", "確か", "たぶん", "多分", "どうも",
    "おつかれさまです", "おつかれさま", "お疲れ様です", "お疲れさまです", "お疲れ様", "お疲れさま",
    "すみません", "すいません",
)
_LEAD_INS = (
    "しゃばんは", "しゃばんが", "しゃばん", "くるまは", "くるまの", "車は", "車の",
    "とらっくは", "とらっくの", "とらっく", "しゃりょうは", "車両は", "なんばーぷれーとは", "なんばーぷれーと",
    "しゃりょうばんごうは", "しゃりょうばんごう", "ばんごうは", "ばんごう",
    "なんばーは", "なんばーの", "なんばー", "くるまのばんごうは", "くるまのばんごう",
    "車両番号は", "車両番号", "車番は", "車番", "番号は", "番号",
    "一連指定番号は", "一連指定番号", "一連番号は", "一連番号",
    "電話番号は", "電話番号", "でんわばんごうは", "でんわばんごう", "けいたいは", "けいたいの", "けいたい",
    "携帯は", "携帯の", "携帯", "でんわの", "電話の",
    "下四桁は", "下四桁", "下4桁は", "下4桁", "しもよんけたは", "しもよんけた", "したよんけたは", "したよんけた",
)
_TAILS = (
    "よろしくおねがいします", "よろしくおねがいしまーす", "よろしく", "おねがいします", "おねがい",
    "でお願いします", "よろしくお願いします", "お願いします", "お願い",
    "でございます", "ですね", "です", "だよ", "だね", "号車", "番", "号", "ばん",
    "だったかな", "だっけ", "かなあ", "かなー", "かな", "っす", "ですけど", "なんですけど", "になります",
    "だけど", "やけど", "やで", "やね", "だべ", "だべさ",
    "だとおもいます", "だと思います", "とおもいます", "と思います",
)


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# Numeral-bearing place names (千葉, 八王子) are plate regions, not numbers, wherever they stand.
_ANYWHERE_RE = re.compile(f"(?:{_alternatives(PLATE_REGIONS_WITH_NUMERALS)})の?|{_alternatives(_LEAD_INS)}")
_CORRECTION_RE = correction_pattern(hiragana)
_OPENING_RE = re.compile(f"^(?:{_alternatives(_STANDALONE)})+")
_CLOSING_RE = re.compile(f"(?:{_alternatives(_STANDALONE + _TAILS)})+$")
# A reading of one mora is also a particle, a verb form or a syllable of countless words; the
# other readings (いち, さん, よん, ろく, なな, はち, きゅう, ...) are rarely anything but numbers.
_ONE_MORA_DIGITS = frozenset({"に", "よ", "し", "ご", "く"})
_HONORIFIC = "さん"  # にしさん is 西さん, not 2 4 3
# Sound changes a multiplier takes after a digit: さんぜん, さんびゃく, ろっぴゃく, はっぴゃく; いっせん, はっせん.
_MULT_AFTER = {"ぜん": ("さん",), "びゃく": ("さん",), "ぴゃく": ("ろっ", "はっ")}
_SMALL_TSU_BEFORE = {"いっ": ("せん",), "ろっ": ("ぴゃく",), "はっ": ("ぴゃく", "せん")}

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
    reading: str = ""  # the kana word it was read from ("" for numerals and separators)


# Part of a plate said before the serial: its kana, alone or after the region (and its class
# number): さの12-34, 品川あ1234, 品川100あ1234. Only with the serial in digits, never with に, く or
# よ, which are also digits (に1234 is not a plate), and never a class number without its region
# (12 あ 34 is two numbers).
_PLATE_KANA = "あいうえかきけこをさすせそたちつてとなぬねはひふほまみむめもやゆらりるれろわ"
_PLATE_PART = re.compile(
    rf"(?:[{KANJI}]+\s*の?\s*(?:\d{{2,3}}\s*の?\s*)?)?[{_PLATE_KANA}]\s*の?\s*"
    rf"(?P<serial>[{re.escape(_DOTS)}]*\d[\d{re.escape(''.join(HYPHENS))}{LONG_MARK}\s]*)"
)
_GROUP = _Tok("g")
_NOTHING = "no number heard"


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
                    options.append((size, _Tok(kind, value, word), True))
        for size, tok, kana in options:
            rest = walk(pos + size, kana)
            if rest is None:
                continue
            if tok is None:  # a long mark: the reading before it was lengthened (ごー), not one mora
                return rest
            if kana and run[pos + size : pos + size + 1] == _LONG:
                return [_Tok(tok.kind, tok.value, tok.reading + _LONG), *rest]
            return [tok, *rest]
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
                if tok.value == 0 or not _sound_change_fits(tok, nxt):
                    return None
                total += tok.value * nxt.value
                last_mult, used, j = nxt.value, True, j + 2
            elif tok.kind == _MULT and tok.value < last_mult:
                if tok.reading in _MULT_AFTER:
                    return None  # ぜん, びゃく, ぴゃく only follow their digit (さんぜん, not ぜん alone)
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


def _sound_change_fits(digit: _Tok, mult: _Tok) -> bool:
    """さんぜん and ろっぴゃく, never ごぜん (午前) or いっひゃく: a sound-changed multiplier only after
    its digit, a small-tsu digit only before its multiplier. Numerals (三千) change no sound."""
    after = _MULT_AFTER.get(mult.reading)
    if after is not None and digit.reading not in after:
        return False
    before = _SMALL_TSU_BEFORE.get(digit.reading)
    return before is None or mult.reading in before


def _said_as_word(tokens: tuple[_Tok, ...]) -> bool:
    """A run read as a number that is more likely a word: it reads a digit with a bare one-mora
    reading (not lengthened, not before a multiplier: しじゅう is forty) and is a word of the
    dictionary (いちご, にし, ごご), or a name with its さん (にしさん). A run grouped like a plate
    (いちにのさんご, 12の35) is a number, whatever its groups spell; one digit said three times or
    more (ごごご) is no word either."""
    if any(t.kind == "g" for t in tokens) or not all(t.reading for t in tokens):
        return False
    readings = [t.reading for t in tokens]
    if len(readings) < 2 or (len(readings) >= 3 and len(set(readings)) == 1):
        return False
    bare = any(r in _ONE_MORA_DIGITS and (i + 1 == len(tokens) or tokens[i + 1].kind != _MULT)
               for i, r in enumerate(readings))
    said = "".join(readings)
    return bare and (is_word(said) or (said.endswith(_HONORIFIC) and is_word(said[: -len(_HONORIFIC)])))


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


_PAUSE_RE = re.compile(r"[\s、。，,.!！?？]+")


def _strip_frames(text: str) -> str:
    """Cut the frames and fillers where they stand: lead-ins anywhere, fillers and tails at the
    ends of each stretch between pauses (a stretch that is all fillers goes), never inside one. A
    stretch that is a word (はいく, 俳句) keeps what looks like a filler."""
    text = _ANYWHERE_RE.sub(" ", _TRAILING_PARTICLE_RE.sub("", text))
    kept = []
    for stretch in _PAUSE_RE.split(text):
        opened = _OPENING_RE.sub("", stretch)
        cut = _CLOSING_RE.sub("", opened)
        if cut == _HONORIFIC and opened != stretch:
            cut = stretch  # もしもしさん, はいさんです: a name with its さん, not 3
        if cut and not is_word(stretch):
            stretch = cut
        if cut:
            kept.append(stretch)
    return " ".join(kept)


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
        if found is not None and _said_as_word(found):
            found = None  # いちご, にし: a word, never digits
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
        return None, _NOTHING
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
    """Read the slot's text as a `kind` number ("vehicle": 1–4 digits; "phone": 10–11 digits from 0;
    "phone_tail": 4 digits, or a whole phone number's last 4)."""
    if kind not in NUMBER_KINDS:
        raise ValueError(f"unknown number kind {kind!r}; expected one of {', '.join(NUMBER_KINDS)}")
    norm = after_last_correction(_CORRECTION_RE, number_slot_text(text))
    parsed = _parse_slot(norm, kind)
    return parsed if parsed.valid else _said_twice(norm, kind) or _with_copula(norm, kind) or parsed


# A copula of one or two moras after a number (いちにのさんよんだ, 1234や, …ばい): names end in the
# same sounds (はちや, いちだ), so it is cut only where a number of three digits or more is left.
_COPULA_END = re.compile(r"(?:だ|や|じゃ|ばい|たい)[\s、。!！]*$")


def _with_copula(norm: str, kind: str) -> ParsedNumber | None:
    cut = _COPULA_END.sub("", norm)
    if cut == norm:
        return None
    parsed = _parse_slot(cut, kind)
    return parsed if parsed.digits is not None and len(parsed.digits) >= 3 else None


def _said_twice(norm: str, kind: str) -> ParsedNumber | None:
    """1234、1234: the same whole number said again between pauses (fillers aside) is that number.
    Only a number of three digits or more counts: いち、いち、いち is not 1 said three times."""
    heard: set[str] = set()
    for piece in _PAUSE_RE.split(norm):
        parsed = _parse_slot(piece, kind) if piece.strip() else None
        if parsed is None or (parsed.digits is None and parsed.reason == _NOTHING):
            continue
        if parsed.digits is None or len(parsed.digits) < 3:
            return None
        heard.add(parsed.digits)
        if len(heard) > 1:
            return None
    return ParsedNumber(heard.pop()) if heard else None


def _parse_slot(norm: str, kind: str) -> ParsedNumber:
    if kind == NumberKind.VEHICLE:
        plate = plate_shape(norm, no_is_particle=True)  # a whole plate said or typed: its serial only
        if plate:
            norm = number_slot_text(plate.serial)
        elif part := _PLATE_PART.match(norm := norm.strip()):
            norm = part["serial"] + norm[part.end() :]
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
    whole_phone = 10 <= len(digits) <= 11 and digits.startswith("0")
    if kind == NumberKind.PHONE_TAIL:
        if len(digits) == 4 or whole_phone:
            return ParsedNumber(digits[-4:])
        return ParsedNumber(None, "the last digits of a phone number are 4 digits")
    if not whole_phone:
        return ParsedNumber(None, "a phone number has 10 or 11 digits starting with 0")
    return ParsedNumber(digits)


def spoken_digits(text: str, kind: str) -> str | None:
    """The digits, or None when the slot holds no usable `kind` number."""
    return parse_spoken_number(text, kind).digits
