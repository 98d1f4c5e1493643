"""The dispatch desk's opening hours: timetable, public holidays (振替休日 included), closed dates,
spans past midnight, the Tokyo time zone, and the bot's kana for the next opening."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ivr.config import DeskConfig
from ivr.opening_hours.closures import parse_closures
from ivr.opening_hours.desk import DeskHours
from ivr.opening_hours.speech import closed_line, opening_kana
from ivr.opening_hours.timetable import parse_timetable
from ivr.opening_hours.transfer import transfer_decision
from ivr.settings import SettingsError, load_settings

TOKYO = ZoneInfo("Asia/Tokyo")
WEEK = "mon-fri 08:00-19:00; sat 08:00-12:00"


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=TOKYO)


def desk(hours: str = WEEK, closed: str = "") -> DeskHours:
    return DeskHours(parse_timetable(hours), parse_closures(closed), tz="Asia/Tokyo")


def test_open_inside_the_weekday_hours_until_closing() -> None:
    status = desk().status(at(2026, 12, 1, 10, 0))  # a Tuesday
    assert status.open and status.closes_at == at(2026, 12, 1, 19, 0) and status.opens_at is None


def test_closing_time_is_closed_and_the_next_opening_is_tomorrow_morning() -> None:
    status = desk().status(at(2026, 12, 1, 19, 0))
    assert not status.open and status.opens_at == at(2026, 12, 2, 8, 0)
    assert opening_kana(status) == "アシタノ ゴゼンハチジ"


def test_before_opening_the_desk_opens_later_today() -> None:
    status = desk().status(at(2026, 12, 1, 7, 59))
    assert not status.open and status.opens_at == at(2026, 12, 1, 8, 0)
    assert opening_kana(status) == "キョウノ ゴゼンハチジ"


def test_friday_evening_opens_on_saturday_and_saturday_afternoon_on_monday() -> None:
    assert desk().next_opening(at(2026, 12, 4, 20, 0)) == at(2026, 12, 5, 8, 0)
    saturday = desk().status(at(2026, 12, 5, 12, 0))
    assert not saturday.open and saturday.opens_at == at(2026, 12, 7, 8, 0)
    assert opening_kana(saturday) == "ジュウニガツ ナノカ ゲツヨウビノ ゴゼンハチジ"


def test_public_holidays_are_closed_including_the_citizens_holiday_between_two() -> None:
    # 2026-09-21 敬老の日 (Mon), 09-22 国民の休日 (Tue), 09-23 秋分の日 (Wed).
    for day in (21, 22, 23):
        assert not desk().is_open(at(2026, 9, day, 10, 0))
    status = desk().status(at(2026, 9, 19, 13, 0))  # Saturday after closing
    assert status.opens_at == at(2026, 9, 24, 8, 0)
    assert opening_kana(status) == "クガツ ニジュウヨッカ モクヨウビノ ゴゼンハチジ"


def test_substitute_holidays_are_closed() -> None:
    # 2026-05-03 憲法記念日 falls on a Sunday: 05-06 (Wed) is its 振替休日. 2025-11-24 likewise for 11-23.
    assert not desk().is_open(at(2026, 5, 6, 10, 0))
    assert desk().next_opening(at(2026, 5, 2, 13, 0)) == at(2026, 5, 7, 8, 0)
    assert not desk().is_open(at(2025, 11, 24, 10, 0))
    assert desk().next_opening(at(2025, 11, 24, 10, 0)) == at(2025, 11, 25, 8, 0)


def test_year_end_without_closed_dates_follows_the_calendar() -> None:
    assert desk().is_open(at(2026, 12, 31, 10, 0))  # a Thursday, not a public holiday
    assert not desk().is_open(at(2027, 1, 1, 10, 0))  # 元日
    assert desk().next_opening(at(2026, 12, 31, 19, 30)) == at(2027, 1, 2, 8, 0)  # a Saturday


def test_year_end_closed_dates_wrap_into_the_new_year() -> None:
    closed = desk(closed="12-29..01-03")
    assert not closed.is_open(at(2026, 12, 29, 10, 0)) and not closed.is_open(at(2027, 1, 2, 10, 0))
    status = closed.status(at(2026, 12, 28, 19, 30))
    assert status.opens_at == at(2027, 1, 4, 8, 0)
    assert opening_kana(status) == "イチガツ ヨッカ ゲツヨウビノ ゴゼンハチジ"


def test_one_off_closed_dates() -> None:
    closed = desk(closed="2026-12-02, 2026-08-12..2026-08-14")
    assert not closed.is_open(at(2026, 12, 2, 10, 0)) and closed.is_open(at(2026, 12, 3, 10, 0))
    assert not closed.is_open(at(2026, 8, 13, 10, 0)) and closed.is_open(at(2027, 8, 13, 10, 0))


def test_holiday_hours_replace_closing_on_holidays() -> None:
    d = desk("mon-fri 08:00-19:00; hol 09:00-12:00")
    assert not d.is_open(at(2026, 9, 21, 8, 30))
    assert d.status(at(2026, 9, 21, 8, 30)).opens_at == at(2026, 9, 21, 9, 0)
    assert d.status(at(2026, 9, 21, 11, 0)).closes_at == at(2026, 9, 21, 12, 0)


def test_a_span_past_midnight_belongs_to_the_day_it_starts() -> None:
    night = desk("mon-fri 22:00-06:00")
    saturday_early = night.status(at(2026, 12, 5, 5, 0))  # Friday night's span
    assert saturday_early.open and saturday_early.closes_at == at(2026, 12, 5, 6, 0)
    monday_early = night.status(at(2026, 12, 7, 3, 0))  # Sunday starts no span
    assert not monday_early.open and monday_early.opens_at == at(2026, 12, 7, 22, 0)
    # Monday 2026-09-21 is a holiday: its night span does not run, Tuesday 03:00 is closed.
    assert not night.is_open(at(2026, 9, 22, 3, 0)) and not night.is_open(at(2026, 9, 21, 23, 0))


def test_adjoining_spans_close_at_the_end_of_the_last() -> None:
    d = desk("mon-fri 08:00-12:00, 12:00-19:00; fri 19:00-24:00; sat 00:00-02:00")
    assert d.status(at(2026, 12, 1, 11, 0)).closes_at == at(2026, 12, 1, 19, 0)
    assert d.status(at(2026, 12, 4, 18, 0)).closes_at == at(2026, 12, 5, 2, 0)


def test_now_in_another_zone_is_read_in_tokyo_time() -> None:
    utc = dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC)  # 2026-12-02 08:30 in Tokyo
    status = desk().status(utc)
    assert status.open and status.at.tzinfo == TOKYO and status.closes_at == at(2026, 12, 2, 19, 0)


def test_the_injected_clock_is_the_default_now() -> None:
    d = DeskHours(parse_timetable(WEEK), tz="Asia/Tokyo", clock=lambda: at(2026, 12, 6, 10, 0))  # Sunday
    assert not d.is_open() and d.next_opening() == at(2026, 12, 7, 8, 0)


def test_an_empty_timetable_is_always_open_even_on_holidays() -> None:
    status = desk("").status(at(2027, 1, 1, 3, 0))
    assert status.open and status.closes_at is None and closed_line(status) == ""


def test_japanese_day_names_and_full_width_punctuation() -> None:
    d = desk("月-金 ８:００〜１９:００；土 8:30-12:00")
    assert d.is_open(at(2026, 12, 1, 8, 0)) and not d.is_open(at(2026, 12, 5, 8, 0))
    assert d.next_opening(at(2026, 12, 5, 8, 0)) == at(2026, 12, 5, 8, 30)
    assert d.timetable == parse_timetable("mon,tue,wed,thu,fri 08:00-19:00; saturday 08:30-12:00")


def test_a_week_range_may_wrap_past_sunday() -> None:
    assert set(parse_timetable("fri-mon 10:00-11:00").days) == {4, 5, 6, 0}


def test_a_desk_that_never_opens_says_so() -> None:
    d = desk("hol 09:00-10:00", closed="01-01..12-31")
    status = d.status(at(2026, 12, 1, 10, 0))
    assert not status.open and status.opens_at is None and opening_kana(status) == ""
    assert closed_line(status).startswith("タダイマ") and "カラデス" not in closed_line(status)


def test_the_closed_line_reads_times_and_dates_in_kana() -> None:
    line = closed_line(desk("mon-fri 13:30-19:00").status(at(2026, 12, 1, 10, 0)))
    assert "キョウノ ゴゴイチジハンカラデス" in line
    line = closed_line(desk("mon-fri 12:15-19:00").status(at(2026, 12, 5, 10, 0)))
    assert "ジュウニガツ ナノカ ゲツヨウビノ ジュウニジジュウゴフンカラデス" in line
    assert not any(ch.isdigit() for ch in line)


@pytest.mark.parametrize("text, fault", [
    ("mon-fri 8-19", "not a time"),
    ("xyz 08:00-10:00", "unknown day 'xyz'"),
    ("mon 25:00-26:00", "not a time of day"),
    ("mon 24:00-02:00", "not a time of day"),
    ("mon 08:00-08:00", "same time"),
    ("mon 08:00", "not a range"),
    ("08:00-19:00", "expected days then hours"),
])
def test_a_bad_timetable_names_the_entry_at_fault(text: str, fault: str) -> None:
    with pytest.raises(ValueError, match=fault):
        parse_timetable(text)


@pytest.mark.parametrize("text, fault", [
    ("13-01", "not a day of the year"),
    ("02-30", "not a day of the year"),
    ("2026-12-31..2026-12-01", "ends before it starts"),
    ("2026-13-01", "not a date"),
    ("new year", "not MM-DD"),
])
def test_bad_closed_dates_name_the_item_at_fault(text: str, fault: str) -> None:
    with pytest.raises(ValueError, match=fault):
        parse_closures(text)


def test_settings_refuse_a_bad_timetable_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match="DISPATCH_HOURS"):
        load_settings(dispatch_hours="mon-fri 8 to 19")
    with pytest.raises(SettingsError, match="DISPATCH_CLOSED_DATES"):
        load_settings(dispatch_closed_dates="12-32")
    settings = load_settings(dispatch_hours=WEEK, dispatch_closed_dates="12-29..01-03")
    d = DeskHours.from_config(DeskConfig.from_settings(settings), clock=lambda: at(2026, 12, 30, 10, 0))
    assert not d.is_open() and d.next_opening() == at(2027, 1, 4, 8, 0)


def test_the_transfer_decision_dials_when_open_and_says_when_it_opens_when_closed() -> None:
    assert transfer_decision(desk(), at(2026, 12, 1, 10, 0)).attempt
    closed = transfer_decision(desk(), at(2026, 12, 1, 19, 30))
    assert not closed.attempt and closed.opens_at == at(2026, 12, 2, 8, 0)
    assert "アシタノ ゴゼンハチジカラデス" in closed.say
