"""The Markdown prompts, re-read when a file changes so wording can be fixed without a restart.

Every read compares each file's mtime (and size) with what was parsed last; a call takes one
`Prompts` snapshot when it starts, so a prompt edited mid-call never mixes two versions in a call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "prompts"
INSTRUCTIONS = "instructions.md"
GREETING = "greeting.md"
STEPS = "steps.md"


@dataclass(frozen=True)
class Prompts:
    instructions: str
    greeting: str
    steps: dict[str, str] = field(default_factory=dict)

    def step(self, key: str) -> str:
        """The instruction for the next step; a missing heading is a prompt bug, so say so plainly."""
        return self.steps.get(key, f"(指示 {key} が未定義です) 運転手さんに短く次の用件を聞いてください。")


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


class PromptStore:
    """Reads the prompt directory, re-parsing only when a file's mtime or size changed."""

    def __init__(self, directory: Path | str = DEFAULT_DIR) -> None:
        self.directory = Path(directory)
        self._stamp: tuple[tuple[int, int], ...] | None = None
        self._prompts: Prompts | None = None
        self._lock = threading.Lock()

    def _stamps(self) -> tuple[tuple[int, int], ...]:
        out = []
        for name in (INSTRUCTIONS, GREETING, STEPS):
            st = (self.directory / name).stat()
            out.append((st.st_mtime_ns, st.st_size))
        return tuple(out)

    def snapshot(self) -> Prompts:
        """The current prompts, re-read from disk if any file changed since the last read."""
        with self._lock:
            stamp = self._stamps()
            if self._prompts is None or stamp != self._stamp:
                self._prompts = Prompts(
                    instructions=(self.directory / INSTRUCTIONS).read_text(encoding="utf-8").strip(),
                    greeting=(self.directory / GREETING).read_text(encoding="utf-8").strip(),
                    steps=parse_steps((self.directory / STEPS).read_text(encoding="utf-8")),
                )
                self._stamp = stamp
            return self._prompts
