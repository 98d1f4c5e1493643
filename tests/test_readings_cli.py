"""`ivr kana` and `ivr qa readings`, including the shipped case file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ivr.cli import main

CASES = Path(__file__).parent / "cases" / "readings.csv"


def test_kana_prints_the_reading(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kana", "--kind", "address", "東京都葛飾区新宿3丁目5番7号"]) == 0
    out = capsys.readouterr()
    assert out.out == "トウキョウト カツシカク ニイジュク サンチョウメ ゴバン ナナゴウ\n"
    assert out.err == ""


def test_kana_defaults_to_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kana", "パレット12枚"]) == 0
    assert capsys.readouterr().out.strip() == "パレットジュウニマイ"


def test_kana_rejects_unknown_kind(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["kana", "--kind", "voice", "x"])
    assert exc.value.code == 2
    assert "voice" in capsys.readouterr().err


def test_shipped_case_file_has_300_cases_and_all_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.csv"
    code = main(["qa", "readings", str(CASES), "--report", str(report)])
    out = capsys.readouterr().out
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    assert len(rows) >= 300
    assert {r["kind"] for r in rows} == {"address", "date", "time", "count", "phone", "text"}
    assert [r for r in rows if r["pass"] != "true"] == []
    assert code == 0, out


def test_failing_cases_are_printed_reported_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("kind,text,expected\ndate,1日,イチニチ\ndate,20日,ハツカ|ニジュウニチ\n", encoding="utf-8")
    report = tmp_path / "out.csv"
    assert main(["qa", "readings", str(cases), "--report", str(report)]) == 1
    out = capsys.readouterr().out
    assert "FAIL line 2 [date] 1日: expected イチニチ, got ツイタチ" in out
    assert "1/2 passed, 1 failed" in out
    rows = list(csv.reader(report.open(encoding="utf-8")))
    assert rows[0] == ["kind", "text", "expected", "got", "pass"]
    assert rows[1] == ["date", "1日", "イチニチ", "ツイタチ", "false"]
    assert rows[2][-1] == "true"


def test_long_vowel_spelling_does_not_fail_a_case(tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("\ufeffkind,text,expected\ntext,冷蔵,レーゾー\naddress,東京都,トーキョート\n", encoding="utf-8")
    assert main(["qa", "readings", str(cases)]) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("kind,spoken,expected\n", "line 1: header must be kind,text,expected"),
        ("kind,text,expected\ndate,1日\n", "line 2: expected 3 columns"),
        ("kind,text,expected\ndate,1日,ツイタチ\nvoice,x,y\n", "line 3: unknown kind 'voice'"),
        ("kind,text,expected\ndate,,ツイタチ\n", "line 2: the text column is empty"),
        ("kind,text,expected\ndate,1日,\n", "line 2: the expected column is empty"),
        ("", "line 1: the file is empty"),
    ],
)
def test_bad_case_file_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    cases = tmp_path / "bad.csv"
    cases.write_text(content, encoding="utf-8")
    assert main(["qa", "readings", str(cases)]) == 2
    assert message in capsys.readouterr().err


def test_missing_case_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qa", "readings", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
