"""`ivr lookup`, `ivr qa digits` and `ivr qa lookup` through ivr.cli.main, on both backends."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.cli import main
from schedules.loader import load_schedule

CASES = Path(__file__).parent / "cases"


async def _load(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    assert (await load_schedule(sessionmaker, CASES / "lookup_roster.csv")).ok


async def test_lookup_json_gives_status_driver_and_candidates(
    sessionmaker: async_sessionmaker[AsyncSession], db_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _load(sessionmaker)
    monkeypatch.setenv("DATABASE_URL", db_url)
    argv = ["lookup", "--date", "2026-12-01", "--vehicle", "ごーろくのななはち", "--name", "オオタ", "--json"]
    assert await asyncio.to_thread(main, [*argv, "--caller-phone", "090-2222-0002"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "matched" and out["digits"] == "5678" and out["driver"]["name"] == "大田 優希"
    assert out["model_view"]["driver_name_kana"] == "オオタ ユウキ"
    assert await asyncio.to_thread(main, argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "ambiguous" and out["driver"] is None and len(out["candidates"]) == 2
    # Staff also see exactly what the model would be told: no candidate, no digits.
    model_view = out["model_view"]
    assert model_view["status"] == "ambiguous" and model_view["heard_vehicle_number_kana"] == "ゴー ロク ナナ ハチ"
    assert not {"candidates", "driver", "digits", "name_key"} & set(model_view)
    assert "太田" not in json.dumps(model_view, ensure_ascii=False)


async def test_shipped_lookup_cases_all_pass_and_report_is_written(
    sessionmaker: async_sessionmaker[AsyncSession], db_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    await _load(sessionmaker)
    monkeypatch.setenv("DATABASE_URL", db_url)
    report = tmp_path / "report.csv"
    code = await asyncio.to_thread(
        main, ["qa", "lookup", str(CASES / "lookup.csv"), "--date", "2026-12-01", "--report", str(report)]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "vehicle,name,caller_phone,expected_status,expected_driver,got_status,got_driver,pass"
    assert len(lines) > 150 and all(line.endswith(",true") for line in lines[1:])


async def test_failing_lookup_case_is_printed_and_exits_nonzero(
    sessionmaker: async_sessionmaker[AsyncSession], db_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    await _load(sessionmaker)
    monkeypatch.setenv("DATABASE_URL", db_url)
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "vehicle,name,caller_phone,expected_status,expected_driver\n"
        "1234,サトウ,,match,佐藤 健一\n"
        "5678,オオタ,,match,太田 裕樹\n",
        encoding="utf-8",
    )
    assert await asyncio.to_thread(main, ["qa", "lookup", str(cases), "--date", "2026-12-01"]) == 1
    out = capsys.readouterr().out
    assert "cases.csv:3" in out and "got_status='ambiguous'" in out and "1/2 passed" in out


def test_shipped_digit_cases_all_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "digits.csv"
    assert main(["qa", "digits", str(CASES / "digits.csv"), "--report", str(report)]) == 0
    rows = report.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "kind,spoken,expected,got,pass" and len(rows) > 400
    rejected = [r for r in rows[1:] if r.split(",")[-3] == ""]
    assert len(rejected) >= 40


def test_failing_digit_case_exits_one(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cases = tmp_path / "d.csv"
    cases.write_text("kind,spoken,expected\nvehicle,いちに,12\nvehicle,よろしく,449\n", encoding="utf-8")
    assert main(["qa", "digits", str(cases)]) == 1
    out = capsys.readouterr().out
    assert "d.csv:3" in out and "1/2 passed" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("kind,said,expected\nvehicle,1,1\n", "header lacks column(s) spoken"),
        ("kind,spoken,expected\nvehicle,1,1\ncar,1,1\n", "d.csv:3: kind must be"),
        ("kind,spoken,expected\nvehicle,1,1,extra\n", "d.csv:2: 4 fields"),
        ("kind,spoken,expected\nvehicle,1,one\n", "d.csv:2: expected must be ASCII digits"),
    ],
)
def test_malformed_digit_case_file_is_a_clear_error(
    content: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cases = tmp_path / "d.csv"
    cases.write_text(content, encoding="utf-8")
    assert main(["qa", "digits", str(cases)]) == 2
    assert message in capsys.readouterr().err


def test_malformed_lookup_case_file_names_the_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cases = tmp_path / "l.csv"
    cases.write_text(
        "vehicle,name,caller_phone,expected_status,expected_driver\n1234,サトウ,,found,\n", encoding="utf-8"
    )
    assert main(["qa", "lookup", str(cases), "--date", "2026-12-01"]) == 2
    assert "l.csv:2: expected_status must be one of" in capsys.readouterr().err
    assert main(["qa", "lookup", str(tmp_path / "missing.csv"), "--date", "2026-12-01"]) == 2
    assert "not found" in capsys.readouterr().err


async def test_expected_status_may_list_alternatives(
    sessionmaker: async_sessionmaker[AsyncSession], db_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    """`a|b` accepts either status, as `ivr qa readings` does with readings; a driver named by the
    case must be the one found when a naming status is what came back, and nobody otherwise."""
    await _load(sessionmaker)
    monkeypatch.setenv("DATABASE_URL", db_url)
    cases = tmp_path / "alt.csv"
    cases.write_text(
        "vehicle,name,caller_phone,expected_status,expected_driver\n"
        "1234,サトウ,,not_found|match,佐藤 健一\n"  # 2: matched 佐藤: passes
        "5678,オオタ,,not_found | ambiguous,\n"  # 3: ambiguous: passes (spaces around | don't count)
        "5678,オオタ,,ambiguous|match,大田 優希\n"  # 4: ambiguous, nobody named: passes
        "1234,サトウ,,not_found|confirm,佐藤 健一\n"  # 5: matched is neither: fails
        "1234,サトウ,,ambiguous|match,加藤 美咲\n"  # 6: matched someone else: fails
        "5678,オオタ,,not_found|invalid,\n",  # 7: ambiguous is neither: fails
        encoding="utf-8",
    )
    report = tmp_path / "alt-report.csv"
    code = await asyncio.to_thread(main, ["qa", "lookup", str(cases), "--date", "2026-12-01", "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 1, out
    assert [line.rsplit(",", 1)[1] for line in report.read_text(encoding="utf-8").splitlines()[1:]] == [
        "true", "true", "true", "false", "false", "false"]
    assert "alt.csv:5" in out and "alt.csv:6" in out and "alt.csv:7" in out and "3/6 passed" in out


@pytest.mark.parametrize(
    ("cell", "driver", "message"),
    [
        ("not_found|found", "", "l.csv:2: expected_status must be one of"),
        ("|", "", "l.csv:2: expected_status must be one of"),
        ("not_found|confirm", "", "l.csv:2: expected_status not_found|confirm needs expected_driver"),
        ("not_found|ambiguous", "佐藤 健一", "l.csv:2: expected_driver is only for match, matched or confirm"),
    ],
)
def test_malformed_alternatives_name_the_line(
    cell: str, driver: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cases = tmp_path / "l.csv"
    cases.write_text(f"vehicle,name,caller_phone,expected_status,expected_driver\n1234,サトウ,,{cell},{driver}\n",
                     encoding="utf-8")
    assert main(["qa", "lookup", str(cases), "--date", "2026-12-01"]) == 2
    assert message in capsys.readouterr().err
