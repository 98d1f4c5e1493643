"""Every rule a schedule file must pass before anything is written, as pure functions.

Drivers hear what this file says, so a file with any problem is refused whole: half a
schedule would send some drivers to yesterday's destinations. All problems are collected in one
pass, each with the line and the column the dispatcher wrote, so one round of fixes is enough.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from jtext.scripts import katakana, width
from jtext.written_numbers import canonical_phone, canonical_serial, normalize_plate, plate_serial, plate_shape
from schedules.file_reader import FIELDS, REQUIRED, RawRow, ScheduleFile
from schedules.problems import Problem
from schedules.written_dates import parse_date, parse_time

# Longest text each column may hold (the database's column sizes).
MAX_LENGTH = {
    "plate": 60,
    "driver_name": 100,
    "driver_kana": 200,
    "destination_name": 200,
    "destination_address": 400,
    "destination_address_kana": 800,
    "cargo": 400,
    "cargo_kana": 800,
}

_NOT_KANA = re.compile(r"[^\u30a0-\u30ff\s、。]+")  # outside the katakana block (with ・ and ー), spaces, 、。


@dataclass(frozen=True, slots=True)
class ValidStop:
    line: int
    date: dt.date
    serial: str  # canonical digits
    vehicle_number: str  # as written
    plate: str  # as written, spacing normalized
    driver_name: str
    driver_kana: str  # katakana
    driver_phone: str  # digits, "" when not given
    stop_seq: int
    destination_name: str
    destination_address: str
    address_kana: str | None  # dispatcher's reading, katakana; None = render it
    window_start: dt.time | None
    window_end: dt.time | None
    cargo: str
    cargo_kana: str | None
    notes: str
    sms_opt_out: bool | None = None  # None: the file has no such column (the driver's setting stays)

    @property
    def vehicle_key(self) -> tuple[str, str]:
        return (self.serial, self.plate)

    @property
    def driver_key(self) -> tuple[str, str, str]:
        return (self.driver_name, self.driver_kana, self.driver_phone)


@dataclass(slots=True)
class Validated:
    date: dt.date | None
    stops: list[ValidStop] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# --- single values -------------------------------------------------------------------------------


def normalize_spacing(text: str) -> str:
    """One ASCII space between words: full-width spaces and doubled spaces are typing noise."""
    return " ".join(text.split())


def kana_reading(text: str) -> str:
    """Katakana with normalized spacing (hiragana and half-width kana accepted)."""
    return normalize_spacing(katakana(text))


def not_kana(reading: str) -> list[str]:
    """The runs of a reading that are not kana (kanji, latin letters, digits), in order, once each."""
    return list(dict.fromkeys(_NOT_KANA.findall(reading)))


_YES = frozenset({"1", "yes", "y", "true", "on", "はい", "○", "〇", "◯", "●"})
_NO = frozenset({"0", "no", "n", "false", "off", "いいえ", "×", "✕", "✖", "-"})


def yes_no(text: str) -> bool | None:
    """A yes/no cell: 1/0, yes/no, true/false, はい/いいえ, ○/×; None when it is neither."""
    value = width(text).strip().lower()
    return True if value in _YES else False if value in _NO else None


# --- rows --------------------------------------------------------------------------------------


class _RowChecker:
    """Checks one row, collecting problems with the file's own header names."""

    def __init__(self, table: ScheduleFile, row: RawRow, problems: list[Problem]) -> None:
        self.table = table
        self.row = row
        self.problems = problems
        self.ok = True

    def value(self, name: str) -> str:
        return self.row.values.get(name, "")

    def fail(self, name: str, reason: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.row.line, self.table.column(name), reason))

    def kana(self, name: str, label: str) -> str | None:
        raw = self.value(name)
        if not raw:
            return None
        reading = kana_reading(raw)
        bad = not_kana(reading)
        if bad:
            found = ", ".join(repr(run) for run in bad[:5])
            self.fail(name, f"{label} must be written in kana; found {found} in {raw!r}")
            return None
        return reading


@dataclass(frozen=True, slots=True)
class _Facts:
    """What one row says about the whole file, even when the row has problems of its own."""

    line: int
    date: dt.date | None
    vehicle: tuple[str, str] | None  # (serial, plate)
    vehicle_label: str
    driver: tuple[str, str, str] | None  # (name, kana, phone)
    seq: int | None
    sms_opt_out: bool | None = None


def _check_row(table: ScheduleFile, row: RawRow, problems: list[Problem]) -> tuple[_Facts, ValidStop | None]:
    check = _RowChecker(table, row, problems)
    for name in REQUIRED:
        if name in table.headers and not check.value(name):
            check.fail(name, "missing value (required)")
    for name, limit in MAX_LENGTH.items():
        if len(check.value(name)) > limit:
            check.fail(name, f"too long: {len(check.value(name))} characters (at most {limit})")

    date: dt.date | None = None
    if check.value("date"):
        parsed = parse_date(check.value("date"))
        if isinstance(parsed, str):
            check.fail("date", parsed)
        else:
            date = parsed

    written = check.value("vehicle_number")
    serial = canonical_serial(written) if written else None
    plate = normalize_plate(check.value("plate"))
    if written and serial is None and plate_shape(written):
        # The whole plate typed in the vehicle column: its serial is the vehicle number, and it is
        # the plate unless the plate column names another one.
        whole = normalize_plate(written)
        serial = plate_serial(whole)
        if serial and plate and plate != whole:
            check.fail("plate", f"plate {plate!r} is not the plate {whole!r} written as the vehicle number")
        plate = plate or whole
    if written and serial is None:
        check.fail("vehicle_number", f"unusable vehicle number {written!r}: expected up to 4 digits (12-34, ・123)")
    if serial and plate:
        on_plate = plate_serial(plate)
        if on_plate and on_plate != serial:
            check.fail("plate", f"plate {plate!r} ends in another number than vehicle number {written!r}")

    name = normalize_spacing(check.value("driver_name"))
    kana = check.kana("driver_kana", "driver reading")
    phone: str | None = ""
    if check.value("driver_phone"):
        phone = canonical_phone(check.value("driver_phone"))
        if phone is None:
            check.fail("driver_phone", f"not a phone number: {check.value('driver_phone')!r}")

    seq: int | None = None
    raw_seq = width(check.value("stop_seq")).strip()
    if raw_seq:
        if raw_seq.isascii() and raw_seq.isdigit() and int(raw_seq) > 0:
            seq = int(raw_seq)
        else:
            check.fail("stop_seq", f"stop number must be a whole number from 1 up, got {check.value('stop_seq')!r}")

    times: dict[str, dt.time | None] = {"window_start": None, "window_end": None}
    for key in times:
        if check.value(key):
            parsed_time = parse_time(check.value(key))
            if isinstance(parsed_time, str):
                check.fail(key, parsed_time)
            else:
                times[key] = parsed_time
    start, end = times["window_start"], times["window_end"]
    if start is not None and end is not None and end < start:
        check.fail("window_end", f"window ends ({end:%H:%M}) before it starts ({start:%H:%M})")

    opt_out: bool | None = None
    if "sms_opt_out" in table.headers:
        opt_out = yes_no(check.value("sms_opt_out")) if check.value("sms_opt_out") else False
        if opt_out is None:
            check.fail("sms_opt_out", f"expected 1/0, yes/no, はい/いいえ or ○/×, got {check.value('sms_opt_out')!r}")

    address_kana = check.kana("destination_address_kana", "address reading")
    cargo_kana = check.kana("cargo_kana", "cargo reading")

    facts = _Facts(
        line=row.line,
        date=date,
        vehicle=(serial, plate) if serial else None,
        vehicle_label=f"{written} ({plate})" if plate else written,
        driver=(name, kana, phone) if name and kana and phone is not None else None,
        seq=seq,
        sms_opt_out=opt_out,
    )
    if not check.ok or date is None or serial is None or kana is None or seq is None or phone is None:
        return facts, None
    return facts, ValidStop(
        line=row.line,
        date=date,
        serial=serial,
        vehicle_number=written,
        plate=plate,
        driver_name=name,
        driver_kana=kana,
        driver_phone=phone,
        stop_seq=seq,
        destination_name=normalize_spacing(check.value("destination_name")),
        destination_address=check.value("destination_address").strip(),
        address_kana=address_kana,
        window_start=start,
        window_end=end,
        cargo=normalize_spacing(check.value("cargo")),
        cargo_kana=cargo_kana,
        notes=check.value("notes").strip(),
        sms_opt_out=opt_out,
    )


# --- the whole file ----------------------------------------------------------------------------


def _driver_label(driver: tuple[str, str, str]) -> str:
    return f"{driver[0]} ({driver[1]})"


def _cross_row_problems(table: ScheduleFile, rows: list[_Facts]) -> list[Problem]:
    """Rules between rows: one date, unique stop numbers, one driver per vehicle and per phone, one SMS
    choice per driver."""
    problems: list[Problem] = []
    first_date: _Facts | None = None
    seq_seen: dict[tuple[str, str, int], _Facts] = {}
    vehicle_driver: dict[tuple[str, str], _Facts] = {}
    phone_driver: dict[str, _Facts] = {}
    opt_out_of: dict[tuple[str, str, str], _Facts] = {}
    for row in rows:
        if row.date is not None:
            if first_date is None or first_date.date is None:
                first_date = row
            elif row.date != first_date.date:
                problems.append(Problem(row.line, table.column("date"),
                                        f"several dates in one file: {row.date} here, {first_date.date} on line "
                                        f"{first_date.line}; load one day per file"))
        if row.vehicle is not None and row.seq is not None:
            key = (*row.vehicle, row.seq)
            if key in seq_seen:
                problems.append(Problem(row.line, table.column("stop_seq"),
                                        f"vehicle {row.vehicle_label} already has stop {row.seq} "
                                        f"on line {seq_seen[key].line}"))
            else:
                seq_seen[key] = row
        if row.vehicle is not None and row.driver is not None:
            known = vehicle_driver.setdefault(row.vehicle, row)
            assert known.driver is not None
            if known.driver != row.driver:
                column = ("driver_name" if known.driver[0] != row.driver[0]
                          else "driver_kana" if known.driver[1] != row.driver[1] else "driver_phone")
                detail = _driver_label(row.driver) + (" with another phone" if column == "driver_phone" else "")
                problems.append(Problem(row.line, table.column(column),
                                        f"vehicle {row.vehicle_label} has two drivers: {detail} here, "
                                        f"{_driver_label(known.driver)} on line {known.line}"))
        if row.driver is not None and row.sms_opt_out is not None:
            said = opt_out_of.setdefault(row.driver, row)
            if said.sms_opt_out != row.sms_opt_out:
                problems.append(Problem(row.line, table.column("sms_opt_out"),
                                        f"{_driver_label(row.driver)} is marked both ways: "
                                        f"{'yes' if row.sms_opt_out else 'no'} here, "
                                        f"{'yes' if said.sms_opt_out else 'no'} on line {said.line}"))
        if row.driver is not None and row.driver[2]:
            owner = phone_driver.setdefault(row.driver[2], row)
            assert owner.driver is not None
            if owner.driver[:2] != row.driver[:2]:
                problems.append(Problem(row.line, table.column("driver_phone"),
                                        f"phone shared by two drivers: {_driver_label(row.driver)} here, "
                                        f"{_driver_label(owner.driver)} on line {owner.line}"))
    return problems


def validate(table: ScheduleFile) -> Validated:
    """Check every row and the rules between rows; the file's own problems come first."""
    problems = list(table.problems)
    stops: list[ValidStop] = []
    facts: list[_Facts] = []
    for row in table.rows:
        row_facts, stop = _check_row(table, row, problems)
        facts.append(row_facts)
        if stop is not None:
            stops.append(stop)
    problems.extend(_cross_row_problems(table, facts))
    problems.sort(key=lambda p: p.line)  # stable: a line's problems keep the column order
    date = stops[0].date if stops else None
    return Validated(date=date, stops=stops, problems=problems)


__all__ = ["FIELDS", "MAX_LENGTH", "ValidStop", "Validated", "parse_date", "parse_time", "validate"]
