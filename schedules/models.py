"""The schedule store.

Drivers and vehicles outlive a day's schedule; a schedule day is versioned so that a reload
replaces what drivers hear atomically while the previous version stays for audit. Every text a
driver will hear is stored beside its katakana reading, rendered at load time (or taken from the
dispatcher's file), so the model never has to guess at kanji.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Driver(Base):
    """A person. Identity is name as written + reading + phone: two drivers may share a reading."""

    __tablename__ = "drivers"
    __table_args__ = (UniqueConstraint("name", "name_kana", "phone", name="uq_drivers_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_kana: Mapped[str] = mapped_column(String(200))  # katakana, spaces between family and given name
    phone: Mapped[str] = mapped_column(String(20), default="")  # digits only; "" when unknown
    # The driver asked not to get the after-call SMS (the schedule file's sms_opt_out / SMS不要 column).
    sms_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Vehicle(Base):
    """A truck. The 4-digit serial is not unique across plate regions, so (serial, plate) is."""

    __tablename__ = "vehicles"
    __table_args__ = (UniqueConstraint("serial", "plate", name="uq_vehicles_serial_plate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str] = mapped_column(String(4), index=True)  # canonical digits: "1234", "123", "12"
    plate: Mapped[str] = mapped_column(String(60), default="")  # as written: 品川 100 あ 12-34
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LoadLog(Base):
    """Every load attempt, accepted or not, so a dispatcher can see what went in and when."""

    __tablename__ = "load_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    checksum: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of the file bytes
    rows: Mapped[int] = mapped_column(Integer, default=0)
    schedule_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str] = mapped_column(String(20))  # loaded | unchanged | rejected | dry_run
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Who loaded it: a console user's name; empty for the command line.
    loaded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ScheduleDay(Base):
    """One version of one day's schedule; exactly one version per date is current."""

    __tablename__ = "schedule_days"
    __table_args__ = (
        UniqueConstraint("date", "version", name="uq_schedule_days_date_version"),
        Index("ix_schedule_days_date_current", "date", "is_current"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("load_log.id"))
    checksum: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    stops: Mapped[list[Stop]] = relationship(back_populates="day", cascade="all, delete-orphan")


class Stop(Base):
    """One stop of one vehicle on one day, with the readings the driver will hear."""

    __tablename__ = "stops"
    __table_args__ = (
        UniqueConstraint("schedule_day_id", "vehicle_id", "stop_seq", name="uq_stops_day_vehicle_seq"),
        Index("ix_stops_day_vehicle", "schedule_day_id", "vehicle_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_day_id: Mapped[int] = mapped_column(ForeignKey("schedule_days.id", ondelete="CASCADE"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id"), index=True)
    stop_seq: Mapped[int] = mapped_column(Integer)
    source_line: Mapped[int] = mapped_column(Integer)  # line in the dispatcher's file

    destination_name: Mapped[str] = mapped_column(String(200))
    destination_name_kana: Mapped[str] = mapped_column(String(400))
    destination_address: Mapped[str] = mapped_column(String(400))
    destination_address_kana: Mapped[str] = mapped_column(String(800))
    address_kana_from_file: Mapped[bool] = mapped_column(Boolean, default=False)
    # The rendered address reading holds a place name that Japan Post's data does not cover, read
    # by the general dictionary (a town it doesn't list, a Kyoto street outside the table): a
    # dispatcher checks these first. Never set for a reading typed in the file.
    # Exact meaning: schedules.readings.kana.Reading.uncertain.
    address_kana_uncertain: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    window_start: Mapped[dt.time | None] = mapped_column(Time, nullable=True)
    window_end: Mapped[dt.time | None] = mapped_column(Time, nullable=True)
    window_kana: Mapped[str] = mapped_column(String(200), default="")
    cargo: Mapped[str] = mapped_column(String(400), default="")
    cargo_kana: Mapped[str] = mapped_column(String(800), default="")
    cargo_kana_from_file: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    notes_kana: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")  # planned | arrived | done | skipped

    day: Mapped[ScheduleDay] = relationship(back_populates="stops")
    vehicle: Mapped[Vehicle] = relationship()
    driver: Mapped[Driver] = relationship()


class DestinationDocRow(Base):
    """The embedded search index: one destination of one depot's day (see schedules/search)."""

    __tablename__ = "destination_docs"
    __table_args__ = (
        UniqueConstraint("depot_id", "date", "destination_key", name="uq_destination_docs_key"),
        Index("ix_destination_docs_depot_date", "depot_id", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    depot_id: Mapped[str] = mapped_column(String(60))
    date: Mapped[dt.date] = mapped_column(Date)
    destination_key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str] = mapped_column(String(400), default="")
    address: Mapped[str] = mapped_column(String(400), default="")
    address_kana: Mapped[str] = mapped_column(String(800), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    notes_kana: Mapped[str] = mapped_column(Text, default="")
    cargo_notes: Mapped[str] = mapped_column(Text, default="")
    cargo_kana: Mapped[str] = mapped_column(Text, default="")


# Timestamps from SQLite come back naive; readers treat naive values as UTC.
__all__ = ["Base", "DestinationDocRow", "Driver", "LoadLog", "ScheduleDay", "Stop", "Vehicle"]


class ReadingOverride(Base):
    """A dispatcher's fix of a reading: the written text, the kana drivers hear instead, and who.

    Keyed by the kind of field and its text as written, not by stop, so the fix carries over to the
    next load of a schedule whenever that text is unchanged. Reverting keeps the row (with who and
    when) so the history of a reading can be read back.
    """

    __tablename__ = "reading_overrides"
    __table_args__ = (Index("ix_reading_overrides_kind_text", "kind", "text"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # destination | address | cargo | notes
    text: Mapped[str] = mapped_column(String(800))  # the text as written in the schedule file
    reading: Mapped[str] = mapped_column(String(800))  # the kana drivers hear instead
    previous_reading: Mapped[str] = mapped_column(String(800), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reverted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reverted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
