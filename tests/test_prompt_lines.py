"""The service's own lines (lines.md) are prompts like the others, and a broken edit silences nothing;
the section files beside them (summary.md, sms.md, opening_hours.md) follow the same rules."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from ivr.prompts.store import DEFAULT_DIR, LINES, REQUIRED_LINES, PromptError, PromptStore, SectionFile


def copy_prompts(tmp_path: Path) -> Path:
    for f in DEFAULT_DIR.glob("*.md"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_every_line_the_service_says_is_in_the_shipped_prompts() -> None:
    prompts = PromptStore().snapshot()
    assert all(prompts.line(key) for key in REQUIRED_LINES)
    assert "配車係" in prompts.line("transfer_say") and "少々お待ちください" in prompts.line("filler")


def test_a_missing_step_is_said_to_be_missing_by_name() -> None:
    assert "no_such_step" in PromptStore().snapshot().step("no_such_step")


def test_an_edit_that_drops_a_line_keeps_the_previous_prompts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = PromptStore(copy_prompts(tmp_path))
    before = store.snapshot()
    path = tmp_path / LINES
    path.write_text(path.read_text(encoding="utf-8").replace("## filler", "## filer"), encoding="utf-8")
    touch_later(path)
    with caplog.at_level(logging.ERROR):
        after = store.snapshot()
    assert after.line("filler") == before.line("filler") and after.line("filler")
    assert "filler" in caplog.text


def test_prompts_without_a_required_line_do_not_start(tmp_path: Path) -> None:
    path = copy_prompts(tmp_path) / LINES
    path.write_text(path.read_text(encoding="utf-8").replace("## busy", "## bussy"), encoding="utf-8")
    with pytest.raises(PromptError, match="busy"):
        PromptStore(tmp_path).snapshot()


def test_a_section_file_is_reread_when_edited_and_keeps_its_last_good_version(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = copy_prompts(tmp_path) / "sms.md"
    template = SectionFile("sms.md", ("body", "no_cargo"), tmp_path)
    assert template.section("no_cargo") == "記載なし"
    path.write_text(path.read_text(encoding="utf-8").replace("記載なし", "なし"), encoding="utf-8")
    touch_later(path)
    assert template.section("no_cargo") == "なし"  # the next SMS, no restart
    path.write_text(path.read_text(encoding="utf-8").replace("## body", "## bdy"), encoding="utf-8")
    touch_later(path)
    with caplog.at_level(logging.ERROR):
        assert template.section("body").startswith("【配車】")
    assert "body" in caplog.text


def test_a_section_file_without_a_required_section_does_not_start(tmp_path: Path) -> None:
    path = copy_prompts(tmp_path) / "summary.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## caller_unknown", "## caller_unkown"),
                    encoding="utf-8")
    with pytest.raises(PromptError, match="caller_unknown"):
        SectionFile("summary.md", ("instructions", "caller_unknown"), tmp_path).sections()
