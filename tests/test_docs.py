"""The README and docs/ stand alone and keep up with the code: every setting, every command and
flag is documented, and every link points at a file in the repository."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

from ivr.cli import build_parser
from ivr.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _leaf_commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], argparse.ArgumentParser]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for action in subs:
        for name, child in action.choices.items():
            yield from _leaf_commands(child, (*path, name))


def _sections(text: str) -> dict[str, str]:
    """`## heading` → the text up to the next `## ` heading."""
    parts = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    return {part.split("\n", 1)[0]: part for part in parts}


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    names = [name.upper() for name in Settings.model_fields]
    assert len(names) > 30
    assert [n for n in names if f"`{n}`" not in text] == []


def test_every_command_and_flag_is_documented() -> None:
    sections = _sections((DOCS / "commands.md").read_text(encoding="utf-8"))
    commands = list(_leaf_commands(build_parser()))
    assert len(commands) > 10 and (("qa", "lookup") in [path for path, _ in commands])
    missing = []
    for path, parser in commands:
        name = "`ivr " + " ".join(path) + "`"
        section = next((body for heading, body in sections.items() if name in heading), None)
        if section is None:
            missing.append(name)
            continue
        flags = [o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"]
        missing += [f"{name} {flag}" for flag in flags if flag not in section]
    assert missing == []


def test_docs_stand_alone() -> None:
    """Nothing points outside the repository, and every relative link reaches a file in it."""
    broken = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        assert "shared/DESIGN" not in text, page
        for target in LINK.findall(text):
            if "://" in target:
                continue
            resolved = (page.parent / target).resolve()
            if not resolved.exists() or ROOT not in resolved.parents:
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert broken == []


def test_every_docs_page_is_linked_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [p.name for p in DOCS.glob("*.md") if f"(docs/{p.name})" not in readme] == []
