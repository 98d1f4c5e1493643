"""`ivr demo`: a whole call on the embedded defaults, printed as it happens."""

from __future__ import annotations

import io
from pathlib import Path

from ivr.commands.demo import EXAMPLE, run_demo


async def test_demo_plays_a_whole_call_and_prints_it(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    out = io.StringIO()
    call_id, outcome = await run_demo(url, EXAMPLE, out)
    text = out.getvalue()
    assert outcome == "served" and call_id == 1
    assert "schedule-2026-12-01.csv: loaded (2026-12-01" in text
    # The misheard number is refused, read back in kana, and corrected.
    assert text.index('"status": "not_found"') < text.index('"status": "matched"')
    # What the tool returned (printed as ←), not the stand-in's line built from it.
    assert '"status": "not_found", "heard_vehicle_number_kana": "イチ ニー サン ゴー"' in text
    assert "（案内の途中の相槌「はい」: 割り込みにせず、案内を続けます）" in text
    assert "→ search_destination_info" in text and "ウケツケキュウシ" in text.split("→ search_destination_info")[1]
    assert "ありがとうございました。お気をつけて。" in text
