"""Prompts are Markdown files, re-read when they change, with every step the tools ask for."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from ivr.prompts.store import DEFAULT_DIR, PromptStore, parse_steps

TOOLS_DIR = Path(__file__).resolve().parent.parent / "ivr" / "guidance"


def test_shipped_prompts_are_markdown_with_headings_and_lists() -> None:
    p = PromptStore().snapshot()
    assert p.instructions.startswith("# ") and "\n## " in p.instructions and "\n- " in p.instructions
    assert p.greeting.startswith("# ")
    assert "カナ" in p.instructions or "カタカナ" in p.instructions


def test_every_step_named_in_code_has_a_heading() -> None:
    steps = PromptStore().snapshot().steps
    used: set[str] = set()
    for path in TOOLS_DIR.rglob("*.py"):
        code = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'answer\(env, "([a-z_]+)"', code))
        used |= set(re.findall(r'step\("([a-z_]+)"', code))
    state_code = (TOOLS_DIR / "state.py").read_text(encoding="utf-8")
    used |= set(re.findall(r'"((?:lookup|confirm)_[a-z_]+)"', state_code))
    assert len(used) > 15
    assert sorted(used - set(steps)) == []


def test_parse_steps_splits_sections() -> None:
    assert parse_steps("# t\nintro\n## a\none\n\n## b\ntwo\n") == {"a": "one", "b": "two"}


def test_an_edited_file_is_picked_up_without_restart(tmp_path: Path) -> None:
    for f in DEFAULT_DIR.glob("*.md"):
        shutil.copy(f, tmp_path / f.name)
    store = PromptStore(tmp_path)
    before = store.snapshot()
    path = tmp_path / "greeting.md"
    path.write_text("# あいさつ\n\n- 「まいどありがとうございます。」と言います。\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = store.snapshot()
    assert "まいど" in after.greeting and "まいど" not in before.greeting
    assert after.instructions == before.instructions
