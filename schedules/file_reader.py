"""Read a dispatcher's schedule file (CSV or .xlsx) into rows keyed by field, with line numbers.

Dispatchers export from whatever they have: Excel in Japan saves CSV as CP932, newer versions
as UTF-8 with a BOM, some tools as UTF-16 with tabs; headers come in English or Japanese, typed
with full-width letters or stray spaces. All of that is accepted here so validation sees one
shape, and every row keeps the line number the dispatcher sees in their editor or in Excel.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jtext.scripts import katakana
from schedules.problems import Problem

# field → (English header, Japanese header). Order is the order of the contract in DESIGN.md.
FIELDS: dict[str, tuple[str, str]] = {
    "date": ("date", "運行日"),
    "vehicle_number": ("vehicle_number", "車番"),
    "plate": ("plate", "ナンバー"),
    "driver_name": ("driver_name", "運転者"),
    "driver_kana": ("driver_kana", "運転者カナ"),
    "driver_phone": ("driver_phone", "携帯電話"),
    "stop_seq": ("stop_seq", "順番"),
    "destination_name": ("destination_name", "届け先"),
    "destination_address": ("destination_address", "住所"),
    "destination_address_kana": ("destination_address_kana", "住所カナ"),
    "window_start": ("window_start", "到着開始"),
    "window_end": ("window_end", "到着終了"),
    "cargo": ("cargo", "積荷"),
    "cargo_kana": ("cargo_kana", "積荷カナ"),
    "notes": ("notes", "備考"),
    "sms_opt_out": ("sms_opt_out", "SMS不要"),  # the driver wants no after-call SMS: 1/0, yes/no, はい/いいえ, ○/×
}
REQUIRED = (
    "date",
    "vehicle_number",
    "driver_name",
    "driver_kana",
    "stop_seq",
    "destination_name",
    "destination_address",
)

_HEADER_NOISE = re.compile(r"[\s_\-‐‑‒–—―−・･()\[\]（）【】*※:：]+")


def header_key(header: str) -> str:
    """One spelling for every way a header gets typed: 'Vehicle Number', 'vehicle_number', '運転者 ｶﾅ'."""
    return _HEADER_NOISE.sub("", katakana(header).lower())


_HEADER_INDEX: dict[str, str] = {}
for _name, (_en, _ja) in FIELDS.items():
    _HEADER_INDEX[header_key(_en)] = _name
    _HEADER_INDEX[header_key(_ja)] = _name


@dataclass(slots=True)
class RawRow:
    line: int
    values: dict[str, str]  # field → cell text, stripped; "" when empty or absent


@dataclass(slots=True)
class ScheduleFile:
    headers: dict[str, str] = field(default_factory=dict)  # field → header as written in the file
    rows: list[RawRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str = ""

    def column(self, name: str) -> str:
        """The header the dispatcher wrote for a field, for messages; the contract's name if absent."""
        return self.headers.get(name) or FIELDS[name][1]


def read_schedule_file(path: Path) -> ScheduleFile:
    """Read the file at `path`; problems with the file itself are returned, not raised."""
    data = path.read_bytes()
    return read_schedule_bytes(data, path.name)


def read_schedule_bytes(data: bytes, name: str = "") -> ScheduleFile:
    suffix = Path(name).suffix.lower()
    if suffix == ".xls" or data.startswith(b"\xd0\xcf\x11\xe0"):
        return ScheduleFile(problems=[Problem(1, "", "old Excel .xls files are not read: save as .xlsx or CSV")])
    if data.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(data)
    return _read_csv(data)


# --- CSV ---------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str] | Problem:
    """(text, encoding name) for UTF-8 (BOM or not), UTF-16 with BOM, or CP932; else a Problem."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp932"), "cp932"
        except UnicodeDecodeError:
            line = data[: utf8_error.start].count(b"\n") + 1
            return Problem(line, "", "the file is neither UTF-8 nor Shift_JIS (CP932) text; save it as CSV UTF-8")


def _read_csv(data: bytes) -> ScheduleFile:
    decoded = decode_text(data)
    if isinstance(decoded, Problem):
        return ScheduleFile(problems=[decoded])
    text, encoding = decoded
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def lines() -> Any:
        end = 0
        for cells in reader:
            start, end = end + 1, reader.line_num
            yield start, cells

    result = _build(lines())
    result.encoding = encoding
    return result


# --- Excel -------------------------------------------------------------------------------------


def _read_xlsx(data: bytes) -> ScheduleFile:
    import openpyxl  # imported here: only Excel files pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        return ScheduleFile(problems=[Problem(1, "", f"not a readable .xlsx workbook ({exc.__class__.__name__})")])
    try:
        sheet = workbook.worksheets[0]
        rows = ((number, list(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1))
        result = _build(rows, cell_text=_excel_text)
    finally:
        workbook.close()
    result.encoding = "xlsx"
    return result


def _excel_text(name: str, value: Any) -> str:
    """Excel's typed cells as the text a dispatcher would have typed in a CSV."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if name in ("window_start", "window_end"):
            return value.strftime("%H:%M:%S" if value.second else "%H:%M")
        if name == "date" or value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, dt.timedelta):  # [h]:mm cells, which can hold 25:00
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        serial = _excel_serial(name, value)
        if serial:
            return serial
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        # A phone typed into a number cell loses its leading zero: 9011110001 was 090-1111-0001.
        if name == "driver_phone" and not text.startswith("0") and len(text) in (9, 10):
            text = "0" + text
        return text
    return str(value).strip()


_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_SERIAL_DATES = (36526, 73051)  # 2000-01-01 .. 2099-12-31 as Excel day numbers


def _excel_serial(name: str, value: float) -> str:
    """A date or time cell formatted as General holds Excel's serial number: 46357 is 2026-12-01, 0.375
    is 09:00. Only in the columns that must hold one, and only in their unambiguous ranges (9 in a time
    cell could mean 9時 or 09:00 of day 9, so whole numbers there stay numbers and are refused)."""
    if name == "date" and float(value).is_integer() and _SERIAL_DATES[0] <= value < _SERIAL_DATES[1]:
        return (_EXCEL_EPOCH + dt.timedelta(days=int(value))).date().isoformat()
    if name in ("window_start", "window_end") and isinstance(value, float) and 0 < value < 1:
        minutes = round(value * 24 * 60)
        if minutes < 24 * 60:
            return f"{minutes // 60:02d}:{minutes % 60:02d}"
    return ""


# --- shared ------------------------------------------------------------------------------------


def _plain_text(_name: str, value: Any) -> str:
    return "" if value is None else str(value).strip()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _build(lines: Any, cell_text: Any = _plain_text) -> ScheduleFile:
    """Find the header (first non-blank line), map it to fields, then collect the non-blank rows."""
    result = ScheduleFile()
    columns: list[str | None] = []  # index → field; None: no header; "": an unknown header (reported once)
    header_line = 0
    for number, cells in lines:
        if not header_line:
            texts = [_plain_text("", c) for c in cells]
            if not any(texts):
                continue
            header_line = number
            columns = _map_headers(texts, number, result)
            continue
        values = {name: "" for name in result.headers}
        blank = True
        for index, cell in enumerate(cells):
            name = columns[index] if index < len(columns) else None
            text = cell_text(name or "", cell)
            if not text:
                continue
            blank = False
            if name == "":
                continue
            if name is None:
                result.problems.append(
                    Problem(number, f"({_column_letter(index)})", f"value {text!r} under a column with no header")
                )
            else:
                values[name] = text
        if not blank:
            result.rows.append(RawRow(number, values))
    if not header_line:
        result.problems.append(Problem(1, "", "the file is empty: expected a header line and one row per stop"))
        return result
    if not result.rows and not result.problems:
        result.problems.append(Problem(header_line, "", "no stops: the file has a header but no rows"))
    return result


def _map_headers(texts: list[str], line: int, result: ScheduleFile) -> list[str | None]:
    columns: list[str | None] = []
    for text in texts:
        if not text:
            columns.append(None)
            continue
        name = _HEADER_INDEX.get(header_key(text))
        if name is None:
            result.problems.append(Problem(line, text, "unknown column; " + _expected_headers()))
            columns.append("")
        elif name in result.headers:
            result.problems.append(Problem(line, text, f"column given twice (also as {result.headers[name]!r})"))
            columns.append("")
        else:
            result.headers[name] = text
            columns.append(name)
    for name in REQUIRED:
        if name not in result.headers:
            en, ja = FIELDS[name]
            result.problems.append(Problem(line, "", f"missing required column {ja} ({en})"))
    return columns


def _expected_headers() -> str:
    return "known columns: " + ", ".join(f"{ja}/{en}" for en, ja in FIELDS.values())
