"""Load a dispatcher's schedule file: validate everything, then replace the day in one transaction.

Drivers call from the small hours, so a load must never leave a half-written day: either the
whole new version becomes current at commit, or nothing changes. The previous version stays
(is_current = False) so "what did the driver hear yesterday at 6?" can still be answered.
A refused file leaves only a LoadLog row behind: that is the audit trail, not schedule data.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schedules.file_reader import read_schedule_bytes
from schedules.models import Driver, LoadLog, ScheduleDay, Stop, Vehicle, utcnow
from schedules.overrides.at_load import active_readings, apply_overrides
from schedules.problems import Problem
from schedules.rendering import Progress, Rendered, StopReadings, render_readings
from schedules.validation import ValidStop, validate

Outcome = Literal["loaded", "unchanged", "rejected", "dry_run"]
OnLoaded = Callable[[AsyncSession, ScheduleDay], Awaitable[None]]

_CHUNK = 2000  # rows per executemany; also bounds IN-lists well below both backends' parameter limits
_MAX_LOGGED_PROBLEMS = 200


@dataclass(slots=True)
class LoadSummary:
    date: dt.date | None = None
    version: int | None = None
    rows: int = 0
    drivers: int = 0
    vehicles: int = 0
    stops: int = 0
    new_drivers: int = 0
    new_vehicles: int = 0
    readings_rendered: int = 0
    readings_from_file: int = 0
    distinct_texts_rendered: int = 0
    readings_from_overrides: int = 0  # rendered readings replaced by a dispatcher's override (console)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        return data


@dataclass(slots=True)
class LoadReport:
    outcome: Outcome
    file_name: str
    checksum: str
    errors: list[Problem] = field(default_factory=list)
    summary: LoadSummary = field(default_factory=LoadSummary)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: validation, rendering, writing
    # What went wrong after the schedule was committed (the destination search index not updated).
    warnings: list[str] = field(default_factory=list)
    # A dry run's stops with the readings they would get, for a dispatcher to look over before loading.
    planned: list[tuple[ValidStop, StopReadings]] = field(default_factory=list)
    loaded_by: str | None = None  # a console user's name; None from the command line

    @property
    def ok(self) -> bool:
        return self.outcome != "rejected"


async def load_schedule(
    sessionmaker: async_sessionmaker[AsyncSession],
    path: Path,
    *,
    dry_run: bool = False,
    on_loaded: OnLoaded | None = None,
    progress: Progress | None = None,
) -> LoadReport:
    """Validate `path` and, unless `dry_run`, make it the current version of its date."""
    data = await asyncio.to_thread(path.read_bytes)
    return await load_schedule_bytes(sessionmaker, data, path.name, dry_run=dry_run, on_loaded=on_loaded,
                                     progress=progress)


async def load_schedule_bytes(
    sessionmaker: async_sessionmaker[AsyncSession],
    data: bytes,
    file_name: str,
    *,
    dry_run: bool = False,
    on_loaded: OnLoaded | None = None,
    progress: Progress | None = None,
    loaded_by: str | None = None,
    file_format: str | None = None,
) -> LoadReport:
    """`load_schedule` for a file already in memory (an upload, never written to disk under its name).
    `loaded_by` names who loaded it in the load log; `file_format` ("csv" or "xlsx") overrides the
    format `file_name`'s extension would suggest."""
    started_at = utcnow()
    report = LoadReport(outcome="dry_run" if dry_run else "loaded", file_name=file_name,
                        checksum=hashlib.sha256(data).hexdigest(), loaded_by=loaded_by)

    t0 = time.perf_counter()
    # Off the event loop: a large file takes long enough to stall every call's audio on this instance.
    table = await asyncio.to_thread(read_schedule_bytes, data, f"upload.{file_format}" if file_format else file_name)
    checked = await asyncio.to_thread(validate, table)
    report.timings["validation"] = time.perf_counter() - t0
    summary = report.summary
    summary.rows, summary.date, summary.stops = len(table.rows), checked.date, len(checked.stops)
    summary.drivers = len({s.driver_key for s in checked.stops})
    summary.vehicles = len({s.vehicle_key for s in checked.stops})
    if progress is not None:
        progress("validating", len(table.rows), len(table.rows))
    if checked.problems:
        return await _reject(sessionmaker, report, checked.problems, started_at, dry_run)
    assert checked.date is not None

    if not dry_run:
        current = await _current_day(sessionmaker, checked.date)
        if current is not None and current.checksum == report.checksum:
            report.outcome = "unchanged"
            summary.version = current.version
            await _log(sessionmaker, report, started_at)
            return report

    t0 = time.perf_counter()
    rendered = await asyncio.to_thread(render_readings, checked.stops, table.column, progress)
    report.timings["rendering"] = time.perf_counter() - t0
    summary.readings_rendered, summary.readings_from_file = rendered.rendered, rendered.from_file
    summary.distinct_texts_rendered = rendered.distinct
    if rendered.problems:
        return await _reject(sessionmaker, report, rendered.problems, started_at, dry_run)
    if dry_run:
        async with sessionmaker() as session:
            summary.readings_from_overrides = apply_overrides(checked.stops, rendered, await active_readings(session))
        report.planned = list(zip(checked.stops, rendered.readings, strict=True))
        return report

    t0 = time.perf_counter()
    try:
        await _write(sessionmaker, report, checked.stops, rendered, started_at, on_loaded, progress)
    except IntegrityError as exc:  # another load of the same day committed first
        problem = Problem(1, "", f"the database refused the load, nothing was changed: {exc.orig}")
        return await _reject(sessionmaker, report, [problem], started_at, dry_run)
    report.timings["writing"] = time.perf_counter() - t0
    return report


async def _reject(
    sessionmaker: async_sessionmaker[AsyncSession],
    report: LoadReport,
    problems: list[Problem],
    started_at: dt.datetime,
    dry_run: bool,
) -> LoadReport:
    report.outcome = "rejected"
    report.errors = problems
    if not dry_run:
        await _log(sessionmaker, report, started_at)
    return report


async def _log(sessionmaker: async_sessionmaker[AsyncSession], report: LoadReport, started_at: dt.datetime) -> None:
    """The audit row for a load that wrote no schedule (refused or unchanged)."""
    async with sessionmaker() as session, session.begin():
        session.add(_log_row(report, started_at))


def _log_row(report: LoadReport, started_at: dt.datetime) -> LoadLog:
    shown = [str(p) for p in report.errors[:_MAX_LOGGED_PROBLEMS]]
    if len(report.errors) > len(shown):
        shown.append(f"... and {len(report.errors) - len(shown)} more")
    return LoadLog(
        file_name=report.file_name[:500],
        checksum=report.checksum,
        rows=report.summary.rows,
        schedule_date=report.summary.date,
        started_at=started_at,
        finished_at=utcnow(),
        outcome=report.outcome,
        error_count=len(report.errors),
        message="\n".join(shown),
        summary=report.summary.as_json(),
        loaded_by=report.loaded_by,
    )


async def _current_day(sessionmaker: async_sessionmaker[AsyncSession], date: dt.date) -> ScheduleDay | None:
    async with sessionmaker() as session:
        return await session.scalar(
            select(ScheduleDay).where(ScheduleDay.date == date, ScheduleDay.is_current.is_(True))
        )


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _insert_missing(session: AsyncSession, table: Table, keys: list[str], rows: list[dict[str, Any]]) -> None:
    """Insert rows whose identity is not there yet; a row added meanwhile by another load is kept."""
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for chunk in _chunks(rows):
        await session.execute(insert(table).on_conflict_do_nothing(index_elements=keys), chunk)


async def _driver_ids(session: AsyncSession, stops: list[ValidStop], summary: LoadSummary) -> dict[Any, int]:
    wanted = {s.driver_key for s in stops}
    names = sorted({k[0] for k in wanted})
    ids: dict[Any, int] = {}

    async def lookup() -> None:
        for chunk in _chunks(names):
            rows = await session.execute(
                select(Driver.id, Driver.name, Driver.name_kana, Driver.phone).where(Driver.name.in_(chunk))
            )
            for row in rows:
                key = (row.name, row.name_kana, row.phone)
                if key in wanted:
                    ids[key] = row.id

    await lookup()
    missing = sorted(wanted - ids.keys())
    summary.new_drivers = len(missing)
    if missing:
        now = utcnow()
        await _insert_missing(session, cast(Table, Driver.__table__), ["name", "name_kana", "phone"],
                              [{"name": n, "name_kana": k, "phone": p, "created_at": now} for n, k, p in missing])
        await lookup()
    return ids


async def _sms_opt_outs(session: AsyncSession, stops: list[ValidStop], drivers: dict[Any, int]) -> None:
    """The file's SMS opt-out column sets each of its drivers' choice; a file without it changes none."""
    choice = {drivers[s.driver_key]: s.sms_opt_out for s in stops if s.sms_opt_out is not None}
    for value in (True, False):
        ids = sorted(i for i, v in choice.items() if v is value)
        for chunk in _chunks(ids):
            await session.execute(update(Driver).where(Driver.id.in_(chunk)).values(sms_opt_out=value))


async def _vehicle_ids(session: AsyncSession, stops: list[ValidStop], summary: LoadSummary) -> dict[Any, int]:
    wanted = {s.vehicle_key for s in stops}
    serials = sorted({k[0] for k in wanted})
    ids: dict[Any, int] = {}

    async def lookup() -> None:
        for chunk in _chunks(serials):
            rows = await session.execute(
                select(Vehicle.id, Vehicle.serial, Vehicle.plate).where(Vehicle.serial.in_(chunk))
            )
            for row in rows:
                if (row.serial, row.plate) in wanted:
                    ids[(row.serial, row.plate)] = row.id

    await lookup()
    missing = sorted(wanted - ids.keys())
    summary.new_vehicles = len(missing)
    if missing:
        now = utcnow()
        await _insert_missing(session, cast(Table, Vehicle.__table__), ["serial", "plate"],
                              [{"serial": s, "plate": p, "created_at": now} for s, p in missing])
        await lookup()
    return ids


async def _write(
    sessionmaker: async_sessionmaker[AsyncSession],
    report: LoadReport,
    stops: list[ValidStop],
    rendered: Rendered,
    started_at: dt.datetime,
    on_loaded: OnLoaded | None,
    progress: Progress | None,
) -> None:
    summary = report.summary
    assert summary.date is not None
    async with sessionmaker() as session, session.begin():
        log = _log_row(report, started_at)
        session.add(log)
        current = await session.scalar(
            select(ScheduleDay)
            .where(ScheduleDay.date == summary.date, ScheduleDay.is_current.is_(True))
            .with_for_update()
        )
        if current is not None and current.checksum == report.checksum:  # the same file won a race
            report.outcome = "unchanged"
            summary.version = current.version
            log.outcome, log.finished_at, log.summary = "unchanged", utcnow(), summary.as_json()
            return
        # Overrides are read in the load's own transaction, after rendering and before writing, so
        # the new version carries every fix committed before it (see schedules/overrides/at_load.py).
        summary.readings_from_overrides = apply_overrides(stops, rendered, await active_readings(session))
        drivers = await _driver_ids(session, stops, summary)
        await _sms_opt_outs(session, stops, drivers)
        vehicles = await _vehicle_ids(session, stops, summary)
        latest = await session.scalar(select(func.max(ScheduleDay.version)).where(ScheduleDay.date == summary.date))
        await session.execute(
            update(ScheduleDay)
            .where(ScheduleDay.date == summary.date, ScheduleDay.is_current.is_(True))
            .values(is_current=False)
        )
        await session.flush()
        day = ScheduleDay(date=summary.date, version=(latest or 0) + 1, is_current=True, load_id=log.id,
                          checksum=report.checksum, created_at=utcnow())
        session.add(day)
        await session.flush()
        summary.version = day.version

        rows = [
            {
                "schedule_day_id": day.id,
                "vehicle_id": vehicles[stop.vehicle_key],
                "driver_id": drivers[stop.driver_key],
                "stop_seq": stop.stop_seq,
                "source_line": stop.line,
                "destination_name": stop.destination_name,
                "destination_name_kana": said.destination_name,
                "destination_address": stop.destination_address,
                "destination_address_kana": said.destination_address,
                "address_kana_from_file": said.address_from_file,
                "address_kana_uncertain": said.address_uncertain,
                "window_start": stop.window_start,
                "window_end": stop.window_end,
                "window_kana": said.window,
                "cargo": stop.cargo,
                "cargo_kana": said.cargo,
                "cargo_kana_from_file": said.cargo_from_file,
                "notes": stop.notes,
                "notes_kana": said.notes,
                "status": "planned",
            }
            for stop, said in zip(stops, rendered.readings, strict=True)
        ]
        written = 0
        for chunk in _chunks(rows):
            await session.execute(cast(Table, Stop.__table__).insert(), chunk)
            written += len(chunk)
            if progress is not None:
                progress("writing", written, len(rows))
        if on_loaded is not None:
            await on_loaded(session, day)
        log.finished_at = utcnow()
        log.summary = summary.as_json()


__all__ = ["LoadReport", "LoadSummary", "OnLoaded", "Outcome", "load_schedule", "load_schedule_bytes"]
