"""Is the dispatch desk open now, and when does it next open?

The timetable's spans belong to the day they start on, and that day's kind decides which spans
apply: a closed date has none, a public holiday (振替休日 and 国民の休日 included, from `jpholiday`)
has the `hol` spans or none, any other day its weekday's. A span that runs past midnight is found
from the day before. The clock is injected, so every rule is tested at any moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import jpholiday

from ivr.config import DeskConfig
from ivr.opening_hours.closures import Closures, parse_closures
from ivr.opening_hours.timetable import Span, Timetable, parse_timetable

SEARCH_DAYS = 400  # a desk that opens on no day within this is reported as not opening


@dataclass(frozen=True)
class DeskStatus:
    """`opens_at` is the next opening when closed (None: none within a year); `closes_at` the end of the
    current opening when open (None: always open). Both are aware datetimes in the desk's time zone."""

    open: bool
    at: dt.datetime
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None


def is_public_holiday(day: dt.date) -> bool:
    return bool(jpholiday.is_holiday(day))


class DeskHours:
    def __init__(self, timetable: Timetable, closures: Closures | None = None, *, tz: dt.tzinfo | str = "Asia/Tokyo",
                 clock: Callable[[], dt.datetime] | None = None,
                 holiday: Callable[[dt.date], bool] = is_public_holiday) -> None:
        self.timetable = timetable
        self.closures = closures or Closures()
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._clock = clock or (lambda: dt.datetime.now(self.tz))
        self._holiday = holiday

    @classmethod
    def from_config(cls, config: DeskConfig, *, clock: Callable[[], dt.datetime] | None = None) -> DeskHours:
        return cls(parse_timetable(config.hours), parse_closures(config.closed_dates), tz=config.timezone, clock=clock)

    def spans_on(self, day: dt.date) -> tuple[Span, ...]:
        """The spans that start on `day`."""
        if self.closures.closed(day):
            return ()
        return self.timetable.spans(day.weekday(), holiday=self._holiday(day))

    def _openings(self, first: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """(opens, closes) in order of opening, for spans starting on `first` and the days after it."""
        for offset in range(SEARCH_DAYS + 1):
            day = first + dt.timedelta(days=offset)
            midnight = dt.datetime.combine(day, dt.time(), tzinfo=self.tz)
            for span in self.spans_on(day):
                yield midnight + dt.timedelta(minutes=span.start), midnight + dt.timedelta(minutes=span.end)

    def status(self, now: dt.datetime | None = None) -> DeskStatus:
        """Open or closed at `now` (default: the clock), with the next change."""
        now = (now or self._clock()).astimezone(self.tz)
        if self.timetable.always_open:
            return DeskStatus(open=True, at=now)
        closes_at: dt.datetime | None = None
        for opens, closes in self._openings(now.date() - dt.timedelta(days=1)):
            if closes_at is not None:  # open: extend through spans that continue it without a gap
                if opens > closes_at:
                    break
                closes_at = max(closes_at, closes)
                continue
            if opens <= now < closes:
                closes_at = closes
            elif opens > now:
                return DeskStatus(open=False, at=now, opens_at=opens)
        if closes_at is not None:
            return DeskStatus(open=True, at=now, closes_at=closes_at)
        return DeskStatus(open=False, at=now)

    def is_open(self, now: dt.datetime | None = None) -> bool:
        return self.status(now).open

    def next_opening(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """When a closed desk opens next; None when it is open now or opens on no day within a year."""
        return self.status(now).opens_at
