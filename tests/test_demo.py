"""`ivr demo`: whole calls on the embedded defaults, printed as they happen."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from ivr.cli import main
from ivr.commands.demo import EXAMPLE, run_demo


async def test_demo_plays_the_calls_and_prints_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    out = io.StringIO()
    call_id, outcome = await run_demo(url, EXAMPLE, out)
    text = out.getvalue()
    assert outcome == "served" and call_id == 1
    assert "schedule-2026-12-01.csv: loaded (2026-12-01" in text
    # The misheard number is refused, read back in kana, and the keypad is offered...
    assert '"status": "not_found", "heard_vehicle_number_kana": "イチ ニー サン ゴー"' in text
    assert "プッシュボタンでも入力できます" in text
    # ... then typed, and that matches (what the tool returned, printed as ←).
    typed = text.index("（プッシュボタン）")
    assert text.index('"status": "not_found"') < typed < text.index('"status": "matched"')
    assert "（キー #）" in text and '"source": "keypad"' in text
    assert "（案内の途中の相槌「はい」: 割り込みにせず、案内を続けます）" in text
    assert "→ search_destination_info" in text and "ウケツケキュウシ" in text.split("→ search_destination_info")[1]
    assert "ありがとうございました。お気をつけて。" in text
    # After the call: its summary written and its SMS sent.
    assert "  summary: 発信者: 佐藤 健一（なにわ 400 す 12-34）" in text
    assert "  sms: queued (SM" in text
    # The second call asks for a person: the hand-over dials with a whisper, which names who and why.
    assert '<Number url="https://ivr.example.test/twilio/whisper?call=CA' in text
    whisper = next(line for line in text.splitlines() if line.startswith("配車係へのささやき: "))
    assert "サトウ ケンイチ" in whisper and "配車係との通話を希望" in whisper
    assert "明日の積み込みは何時からですか" in whisper

    # `ivr calls show` prints the demo call's summary: and sms: lines.
    monkeypatch.setenv("DATABASE_URL", url)
    assert await asyncio.to_thread(main, ["calls", "show", str(call_id)]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert any(line.startswith("summary: 発信者: 佐藤 健一") for line in shown)
    assert any(line.startswith("sms: queued (SM") for line in shown)
