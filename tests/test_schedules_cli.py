"""`ivr schedules load|review` through the real command line, on both backends."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from schedule_samples import BROKEN_CSV, EXAMPLE_CSV, stop, two_vehicle_day, write_csv

from ivr.cli import main


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


def test_load_example_then_review_it(env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["schedules", "load", str(EXAMPLE_CSV)]) == 0
    out = capsys.readouterr().out
    assert "loaded 2026-12-01 as version 1" in out
    assert "readings rendered" in out and "taken from the file" in out

    assert main(["schedules", "load", str(EXAMPLE_CSV)]) == 0
    assert "unchanged" in capsys.readouterr().out

    assert main(["schedules", "review", "--date", "2026-12-01"]) == 0
    review = capsys.readouterr().out
    assert "東京都葛飾区新宿" in review and "太田 裕樹" in review and "大田 優希" in review

    out_csv = tmp_path / "review.csv"
    assert main(["schedules", "review", "--date", "2026-12-01", "--out", str(out_csv)]) == 0
    with out_csv.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.DictReader(handle))
    with EXAMPLE_CSV.open(encoding="utf-8-sig", newline="") as handle:
        assert len(records) == sum(1 for _ in csv.DictReader(handle))


def test_broken_file_lists_every_problem_on_stderr_and_exits_non_zero(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schedules", "load", str(BROKEN_CSV)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert "line 4, column 運行日: impossible date 2026-02-30" in err
    assert "line 9, column 到着開始: impossible time 25:00" in err
    assert sum(line.startswith("line ") for line in err) == 20
    assert err[-1] == "broken-schedule.csv: rejected, 20 problems; nothing was written."
    assert main(["schedules", "review", "--date", "2026-12-01"]) == 2
    assert "no schedule loaded" in capsys.readouterr().err


def test_dry_run_validates_and_writes_nothing(env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "day.csv", two_vehicle_day())
    assert main(["schedules", "load", str(path), "--dry-run"]) == 0
    assert "dry run, nothing written" in capsys.readouterr().out
    bad = write_csv(tmp_path / "bad.csv", [stop(window_start="11:00", window_end="10:00")])
    assert main(["schedules", "load", str(bad), "--dry-run"]) == 1
    assert "line 2, column 到着終了: window ends (10:00) before it starts (11:00)" in capsys.readouterr().err
    assert main(["schedules", "review", "--date", "2026-12-01"]) == 2
    assert "no schedule loaded" in capsys.readouterr().err


def test_missing_file_is_a_user_error(env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["schedules", "load", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_review_of_a_day_without_schedule_is_a_user_error(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedules", "review", "--date", "2026-12-24"]) == 2
    assert "no schedule loaded for 2026-12-24" in capsys.readouterr().err


def test_review_rejects_an_unknown_output_format(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedules", "review", "--date", "2026-12-01", "--out", "x.pdf"]) == 2
    assert ".csv or .xlsx" in capsys.readouterr().err


def test_review_rejects_an_impossible_date(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["schedules", "review", "--date", "2026-02-30"])
    assert exit_info.value.code == 2
    assert "impossible date 2026-02-30" in capsys.readouterr().err


def test_database_without_tables_gives_a_hint(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    assert main(["schedules", "review", "--date", "2026-12-01"]) == 2
    assert "ivr db upgrade" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["schedules", "--help"], ["schedules", "load", "--help"],
                                  ["schedules", "review", "--help"]])
def test_every_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert "usage: ivr schedules" in capsys.readouterr().out
