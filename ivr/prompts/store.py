"""Reads the Markdown prompts, re-reading when a file changes so wording is fixed without a restart.

Every read compares each file's mtime (and size) with what was parsed last; a call takes one
`Prompts` snapshot when it starts, so a prompt edited mid-call never mixes two versions in a call.
An edit that drops one of the service's own lines (`lines.md`) is refused with an error in the
log and the last good prompts stay in use: a typo in a heading must not silence every call.

Wording used outside a call's conversation (the summarizer's instructions, the SMS template, the
closed-desk lines) lives in files of `## key` sections beside these, read by `SectionFile` with
the same rules: re-read on change, and an edit that drops a section the code needs is refused.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

DEFAULT_DIR = Path(__file__).resolve().parent
INSTRUCTIONS = "instructions.md"
GREETING = "greeting.md"
STEPS = "steps.md"
LINES = "lines.md"
FILES = (INSTRUCTIONS, GREETING, STEPS, LINES)
REQUIRED_LINES = ("filler", "resumed", "transfer_say", "busy", "step_missing")

_log = logging.getLogger(__name__)
T = TypeVar("T")


class PromptError(Exception):
    """The prompt files lack something the service must be able to say."""


@dataclass(frozen=True)
class Prompts:
    instructions: str
    greeting: str
    steps: dict[str, str] = field(default_factory=dict)
    lines: dict[str, str] = field(default_factory=dict)

    def step(self, key: str) -> str:
        """The instruction for the next step; a missing heading is a prompt bug, so say so plainly."""
        found = self.steps.get(key)
        return found if found is not None else self.line("step_missing").replace("{key}", key)

    def line(self, key: str) -> str:
        """One of the service's own lines (lines.md); the required ones are checked when read."""
        return self.lines.get(key, "")


def parse_steps(markdown: str) -> dict[str, str]:
    """Split `## key` sections into {key: body}; text before the first section is commentary."""
    steps: dict[str, str] = {}
    key: str | None = None
    body: list[str] = []
    for line in markdown.splitlines():
        if line.startswith("## "):
            if key is not None:
                steps[key] = "\n".join(body).strip()
            key, body = line[3:].strip(), []
        elif key is not None:
            body.append(line)
    if key is not None:
        steps[key] = "\n".join(body).strip()
    return steps


def read_prompts(directory: Path) -> Prompts:
    """The prompts in `directory`; PromptError when one of the required lines is missing or empty."""
    lines = parse_steps((directory / LINES).read_text(encoding="utf-8"))
    missing = [key for key in REQUIRED_LINES if not lines.get(key)]
    if missing:
        raise PromptError(f"{directory / LINES}: no section for {', '.join(missing)}")
    return Prompts(
        instructions=(directory / INSTRUCTIONS).read_text(encoding="utf-8").strip(),
        greeting=(directory / GREETING).read_text(encoding="utf-8").strip(),
        steps=parse_steps((directory / STEPS).read_text(encoding="utf-8")),
        lines=lines,
    )


class _Reloading(Generic[T]):
    """What `read` made of `paths`, made again only when one of them changed (mtime or size).

    A read that raises PromptError after a good one keeps the good one in use (logged); the first
    read raises it, so a broken file stops the service at start instead of a call or a job."""

    def __init__(self, paths: Callable[[], tuple[Path, ...]], read: Callable[[], T]) -> None:
        self._paths = paths
        self._read = read
        self._stamp: tuple[tuple[int, int], ...] | None = None
        self._value: T | None = None
        self._lock = threading.Lock()

    def current(self) -> T:
        with self._lock:
            stamp = tuple((st.st_mtime_ns, st.st_size) for st in (p.stat() for p in self._paths()))
            if self._value is None or stamp != self._stamp:
                try:
                    self._value = self._read()
                except PromptError as exc:
                    if self._value is None:
                        raise
                    _log.error("prompts not reloaded, the previous ones stay in use: %s", exc)
                self._stamp = stamp
            return self._value


class PromptStore:
    """Reads the prompt directory, re-parsing only when a file's mtime or size changed."""

    def __init__(self, directory: Path | str = DEFAULT_DIR) -> None:
        self.directory = Path(directory)
        self._prompts = _Reloading(lambda: tuple(self.directory / name for name in FILES),
                                   lambda: read_prompts(self.directory))

    def snapshot(self) -> Prompts:
        """The current prompts, re-read from disk if any file changed since the last read."""
        return self._prompts.current()


class SectionFile:
    """One Markdown file of `## key` sections in the prompt directory, with the sections the code needs."""

    def __init__(self, name: str, required: tuple[str, ...], directory: Path | str = DEFAULT_DIR) -> None:
        self.path = Path(directory) / name
        self.required = required
        self._sections = _Reloading(lambda: (self.path,), self._read)

    def _read(self) -> dict[str, str]:
        sections = parse_steps(self.path.read_text(encoding="utf-8"))
        missing = [key for key in self.required if key not in sections]
        if missing:
            raise PromptError(f"{self.path}: no section for {', '.join(missing)}")
        return sections

    def sections(self) -> dict[str, str]:
        """Every section, re-read if the file changed; PromptError (or OSError) when the first read fails."""
        return self._sections.current()

    def section(self, key: str) -> str:
        """One of the required sections (their presence is checked when the file is read)."""
        return self.sections()[key]


DEFAULT_PROMPTS = PromptStore()
"""The shipped prompts, for the parts of the service that speak without a call's conversation
(Twilio's own lines); a call's conversation reads its own store's snapshot."""
