"""Receiving a schedule file from the browser: capped in size, typed by its content, kept in memory.

The file is never written anywhere under the name the client sent: it is read into memory (the
size cap bounds that) and handed to the loader as bytes; the name is kept only as a label for the
report and the load log, cleaned of paths and control characters. Its type is judged from its
bytes: an .xlsx is a zip holding a workbook, a CSV is text; an extension that disagrees with the
content, an old .xls, or anything else is refused before the loader sees it.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from aiohttp import BodyPartReader, MultipartReader

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BINARY_MAGIC = (b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"7z\xbc\xaf",
                 b"Rar!", b"MZ")


class UploadRefused(Exception):
    """An upload refused before loading: the HTTP status and the message for the dispatcher."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Upload:
    data: bytes
    file_name: str  # a label only, cleaned
    file_format: str  # "csv" | "xlsx", from the content
    dry_run: bool


def clean_file_name(raw: str | None) -> str:
    name = re.split(r"[/\\]", raw or "")[-1]
    name = _CONTROL.sub("", name).strip()
    return name[:200] or "upload"


def too_big(max_bytes: int) -> UploadRefused:
    return UploadRefused(413, f"ファイルが大きすぎます（上限 {max_bytes / 1024 / 1024:.0f} MB）。")


def file_format_of(data: bytes, file_name: str) -> str:
    """"xlsx" or "csv" judged from the bytes; UploadRefused for anything else, or an extension that lies."""
    suffix = file_name.lower().rsplit(".", 1)[-1] if "." in file_name else ""
    if not data.strip():
        raise UploadRefused(400, "ファイルが空です。")
    if data.startswith(b"\xd0\xcf\x11\xe0") or suffix == "xls":
        raise UploadRefused(415, "古い Excel 形式（.xls）は読めません。Excel で .xlsx か CSV に保存し直してください。")
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            names = set()
        if "xl/workbook.xml" not in names or suffix not in ("xlsx", "xlsm", ""):
            raise UploadRefused(415, "Excel のブック（.xlsx）ではありません。CSV か .xlsx のファイルを選んでください。")
        return "xlsx"
    if suffix in ("xlsx", "xlsm"):
        raise UploadRefused(415, "拡張子は .xlsx ですが、中身が Excel のブックではありません。")
    if data.startswith(_BINARY_MAGIC) or (b"\x00" in data[:65536] and not _utf16(data)):
        raise UploadRefused(415, "CSV（文字のファイル）でも .xlsx でもありません。")
    return "csv"


def _utf16(data: bytes) -> bool:
    return data.startswith((b"\xff\xfe", b"\xfe\xff"))


async def _read_capped(part: BodyPartReader, limit: int) -> bytes:
    buffer = bytearray()
    while chunk := await part.read_chunk(65536):
        buffer += chunk
        if len(buffer) > limit:
            raise too_big(limit)
    return bytes(buffer)


async def receive_upload(reader: MultipartReader, max_bytes: int) -> Upload:
    """The `file` and `dry_run` fields of the form (the CSRF field was read before)."""
    data: bytes | None = None
    file_name = ""
    dry_run = False
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise UploadRefused(400, "フォームの形が違います。")
        if part.name == "file":
            if data is not None:
                raise UploadRefused(400, "ファイルは一度に一つだけ送ってください。")
            file_name = clean_file_name(part.filename)
            data = await _read_capped(part, max_bytes)
        elif part.name == "dry_run":
            dry_run = (await _read_capped(part, 16)).strip() not in (b"", b"0", b"false", b"off")
        else:
            await _read_capped(part, 4096)  # an unknown small field: read past it
    if data is None:
        raise UploadRefused(400, "ファイルを選んでください。")
    return Upload(data, file_name, file_format_of(data, file_name), dry_run)
