"""What drivers will hear, stop by stop, for a dispatcher to check before the first call.

A misread place name (葛飾区新宿 read シンジュク) sends a driver across Tokyo, so every text is
shown beside its reading, and readings the dispatcher typed are marked as such: those are
the ones to fix in the file's kana columns when a rendering is wrong. Address readings with a
place name the general dictionary had to guess (`address_kana_uncertain`: a town Japan Post
doesn't list, a Kyoto street outside the table; see `schedules.readings.kana.Reading`) are marked
`check`, to be checked first; readings a dispatcher fixed in the console (schedules/overrides)
are marked `console`.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jtext.written_numbers import written_serial
from schedules.day_stops import current_day_stops, window_text
from schedules.overrides.listing import active_overrides, overridden_kinds


@dataclass(frozen=True, slots=True)
class ReviewRow:
    date: dt.date
    version: int
    vehicle_number: str
    plate: str
    driver_name: str
    driver_kana: str
    stop_seq: int
    destination_name: str
    destination_name_kana: str
    destination_address: str
    destination_address_kana: str
    address_kana_from_file: bool
    address_kana_uncertain: bool
    window: str
    window_kana: str
    cargo: str
    cargo_kana: str
    cargo_kana_from_file: bool
    notes: str
    notes_kana: str
    source_line: int
    # The kinds of text on this stop read as a dispatcher fixed them in the console (destination,
    # address, cargo, notes: see schedules/overrides), comma-separated; "" when none.
    fixed_in_console: str = ""


CSV_COLUMNS = [name for name in ReviewRow.__dataclass_fields__]


async def review_rows(sessionmaker: async_sessionmaker[AsyncSession], date: dt.date) -> list[ReviewRow] | None:
    """Every stop of the date's current version, vehicles in file order; None when nothing is loaded."""
    async with sessionmaker() as session:
        found = await current_day_stops(session, date)
        if found is None:
            return None
        day, result = found
        active = await active_overrides(session)
        rows = [
            ReviewRow(
                date=day.date,
                version=day.version,
                vehicle_number=written_serial(vehicle.serial),
                plate=vehicle.plate,
                driver_name=driver.name,
                driver_kana=driver.name_kana,
                stop_seq=stop.stop_seq,
                destination_name=stop.destination_name,
                destination_name_kana=stop.destination_name_kana,
                destination_address=stop.destination_address,
                destination_address_kana=stop.destination_address_kana,
                address_kana_from_file=stop.address_kana_from_file,
                address_kana_uncertain=stop.address_kana_uncertain,
                window=window_text(stop.window_start, stop.window_end),
                window_kana=stop.window_kana,
                cargo=stop.cargo,
                cargo_kana=stop.cargo_kana,
                cargo_kana_from_file=stop.cargo_kana_from_file,
                notes=stop.notes,
                notes_kana=stop.notes_kana,
                source_line=stop.source_line,
                fixed_in_console=",".join(overridden_kinds(stop, vehicle, driver, active)),
            )
            for stop, vehicle, driver in result
        ]
    first_line: dict[tuple[str, str], int] = {}
    for row in rows:
        first_line.setdefault((row.vehicle_number, row.plate), row.source_line)
    return sorted(rows, key=lambda r: (first_line[(r.vehicle_number, r.plate)], r.stop_seq))


def _source(from_file: bool, uncertain: bool = False, fixed: bool = False) -> str:
    return "file" if from_file else "console" if fixed else "check" if uncertain else ""


def _cells(row: ReviewRow) -> list[tuple[str, str, str, str]]:
    """(label, text, reading, source: file, check or "") for each non-empty item of a stop."""
    fixed = row.fixed_in_console.split(",")
    items = [
        ("destination", row.destination_name, row.destination_name_kana, _source(False, False, "destination" in fixed)),
        ("address", row.destination_address, row.destination_address_kana,
         _source(row.address_kana_from_file, row.address_kana_uncertain, "address" in fixed)),
        ("window", row.window, row.window_kana, ""),
        ("cargo", row.cargo, row.cargo_kana, _source(row.cargo_kana_from_file, False, "cargo" in fixed)),
        ("notes", row.notes, row.notes_kana, _source(False, False, "notes" in fixed)),
    ]
    return [item for item in items if item[1]]


_SOURCE_STYLE = {"file": "cyan", "check": "bold yellow", "console": "magenta"}


def _by_vehicle(rows: Iterable[ReviewRow]) -> list[list[ReviewRow]]:
    groups: list[list[ReviewRow]] = []
    for row in rows:
        if groups and (groups[-1][0].vehicle_number, groups[-1][0].plate) == (row.vehicle_number, row.plate):
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def print_review(rows: list[ReviewRow], console: Console) -> None:
    """One table per vehicle: each stop's texts with the reading drivers will hear."""
    if not rows:
        return
    first = rows[0]
    console.print(
        f"[bold]{first.date.isoformat()}[/] version {first.version}: {len(rows)} stops, "
        f"{len(_by_vehicle(rows))} vehicles. Readings marked [cyan]file[/] were typed in the schedule file, "
        "[magenta]console[/] fixed by a dispatcher in the console.",
        soft_wrap=True,
    )
    guessed = sum(row.address_kana_uncertain for row in rows)
    if guessed:
        console.print(
            f"[bold yellow]{guessed} address readings marked check[/] hold a place name that is not in "
            "Japan Post's data and was read by the general dictionary: check those first.",
            soft_wrap=True,
        )
    for group in _by_vehicle(rows):
        head = group[0]
        title = Text.assemble((head.vehicle_number, "bold"), f"  {head.plate}  {head.driver_name} ({head.driver_kana})")
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("item", no_wrap=True, style="dim")
        table.add_column("text", ratio=1, overflow="fold")
        table.add_column("reading drivers hear", ratio=1, overflow="fold")
        table.add_column("from", no_wrap=True)
        for row in group:
            for index, (label, text, said, source) in enumerate(_cells(row)):
                table.add_row(
                    str(row.stop_seq) if index == 0 else "",
                    label,
                    Text(text),
                    Text(said, style="green") if said else Text("(no reading)", style="red"),
                    Text(source, style=_SOURCE_STYLE[source]) if source else "",
                    end_section=index == len(_cells(row)) - 1,
                )
        console.print(table)


def write_csv(rows: list[ReviewRow], path: Path) -> None:
    """UTF-8 with a BOM: Excel in Japan opens it without garbling the kana."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow([_plain(getattr(row, name)) for name in CSV_COLUMNS])


def write_xlsx(rows: list[ReviewRow], path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(rows[0].date.isoformat() if rows else "review")
    sheet.append(CSV_COLUMNS)
    for row in rows:
        sheet.append([_plain(getattr(row, name)) for name in CSV_COLUMNS])
    workbook.save(path)


def _plain(value: object) -> str | int:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, int):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


__all__ = ["ReviewRow", "print_review", "review_rows", "write_csv", "write_xlsx", "written_serial"]
