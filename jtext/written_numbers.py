"""Numbers as people write them: the plate (ナンバー), its serial, and phone numbers.

The schedule's vehicle number and the driver's spoken number must land on the same key, so both
sides reduce to plain ASCII digits: 12-34, １２－３４ and 1234 are "1234"; the leading dots of
short plates (・123, ・・12) are padding, not digits. A whole plate is region, class number, one
hiragana and the serial (品川 100 あ 12-34); the same shape is recognised in a schedule file and in
a transcript, with one difference kept as a parameter (`no_is_particle`): in speech the plate kana
の is the particle of 「しながわ12の34」, so a transcript never reads の as the plate kana.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jtext.scripts import HYPHENS, LONG_MARK, width

# The dots that pad a short serial (・123, ・・12); NFKC has already turned ･ into ・.
_DOTS = "・·."
_SERIAL_NOISE = re.compile(rf"[\s{re.escape(HYPHENS)}{LONG_MARK}{_DOTS}･]+")
_PHONE_NOISE = re.compile(rf"[\s{re.escape(HYPHENS)}{LONG_MARK}()（）]+")
_SERIAL_CHARS = rf"[{_DOTS}\d{re.escape(HYPHENS)}{LONG_MARK}\s]"
_PLATE = re.compile(
    rf"(?P<region>[^\d\s{_DOTS}{re.escape(HYPHENS)}]+?)\s*(?P<cls>\d{{2,3}})\s*(?P<kana>[ぁ-ゖ])\s*"
    rf"(?P<serial>{_SERIAL_CHARS}*\d{_SERIAL_CHARS}*)"  # a serial holds a digit: いち17にー is no plate
)
_PLATE_TAIL = re.compile(rf"{_SERIAL_CHARS}+$")

# Plate regions whose names hold a numeral: in a transcript they are places, not digits.
PLATE_REGIONS_WITH_NUMERALS = (
    "千葉", "八王子", "八戸", "十勝", "三河", "三重", "一宮", "四日市", "北九州", "九州", "五島",
)


def canonical_serial(written: str) -> str | None:
    """The plate's serial (一連指定番号) as 1–4 digits, or None when it is not a usable number."""
    text = _SERIAL_NOISE.sub("", width(written or ""))
    if not text.isascii() or not text.isdigit() or not 1 <= len(text) <= 4 or text.startswith("0"):
        return None
    return text


def canonical_phone(written: str) -> str | None:
    """Phone digits only (090-1111-0001 → 09011110001), or None when not a Japanese number."""
    text = _PHONE_NOISE.sub("", width(written or ""))
    if text.startswith("+81"):
        text = "0" + text[3:]
    if not text.isascii() or not text.isdigit() or not 10 <= len(text) <= 11 or not text.startswith("0"):
        return None
    return text


def written_serial(serial: str) -> str:
    """The serial as painted on a plate: 1234 → 12-34, 123 → ・123, 12 → ・・12."""
    if len(serial) == 4:
        return f"{serial[:2]}-{serial[2:]}"
    return "・" * (4 - len(serial)) + serial


@dataclass(frozen=True, slots=True)
class PlateShape:
    """A text shaped like a whole plate; `serial` is as written (check it with `canonical_serial`)."""

    region: str
    class_number: str
    kana: str
    serial: str


def plate_shape(text: str, *, no_is_particle: bool = False) -> PlateShape | None:
    """The parts of a whole plate (品川 100 あ 12-34, 品川100あ・123), or None when `text` is not one.

    `no_is_particle`: set it for what a caller said. Plates do use の, but in speech
    「しながわ12の34」 is region, 12 の 34, and must not become plate kana の with serial 34.
    """
    plain = " ".join(width(text or "").split())
    m = _PLATE.fullmatch(plain)
    if m is None or (no_is_particle and m["kana"] == "の"):
        return None
    return PlateShape(m["region"], m["cls"], m["kana"], m["serial"].strip())


def normalize_plate(text: str) -> str:
    """One spelling per plate (品川100あ1234 and 品川 100 あ 12-34 are 品川 100 あ 12-34): a file that
    spells a plate two ways must not give its driver two vehicles on one serial, which the lookup
    would count as two drivers. Text that is not plate-shaped only has its spacing normalized."""
    plain = " ".join(width(text or "").split())
    shape = plate_shape(plain)
    serial = canonical_serial(shape.serial) if shape else None
    if shape is None or serial is None:
        return plain
    return f"{shape.region} {shape.class_number} {shape.kana} {written_serial(serial)}"


def plate_serial(plate: str) -> str | None:
    """The serial written at the end of a plate ('品川 100 あ 12-34' → '1234'), if it ends in one."""
    tail = _PLATE_TAIL.search(plate)
    if not tail:
        return None
    # The class number (100) is separated from the serial by the kana; only the last group counts.
    return canonical_serial(tail.group(0).strip())


def plate_region(plate: str) -> str:
    """The region of a written plate (品川 100 あ 12-34 → 品川); "" when the plate has none."""
    head = re.split(r"\d", width(plate or ""), maxsplit=1)[0]
    return re.sub(r"\s+", "", head)
