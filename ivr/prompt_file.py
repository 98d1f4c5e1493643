"""One Markdown prompt file of `## key` sections, re-read when it changes on disk.

For wording outside the call's own prompts (the summarizer's instructions, the SMS template, the
opening-hours lines): each read compares the file's mtime and size with the last parse, so an edit
takes effect at the next use, with no restart, as the call prompts do.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ivr.guidance.prompts import DEFAULT_DIR, parse_steps


class MissingSection(KeyError):
    """A section the code needs is not in the file: a prompt bug, reported with the file's name."""


class PromptFile:
    def __init__(self, name: str, directory: Path | str = DEFAULT_DIR) -> None:
        self.path = Path(directory) / name
        self._stamp: tuple[int, int] | None = None
        self._sections: dict[str, str] = {}
        self._lock = threading.Lock()

    def sections(self) -> dict[str, str]:
        with self._lock:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
            if stamp != self._stamp:
                self._sections = parse_steps(self.path.read_text(encoding="utf-8"))
                self._stamp = stamp
            return self._sections

    def section(self, key: str) -> str:
        text = self.sections().get(key)
        if text is None:
            raise MissingSection(f"{self.path.name} has no '## {key}' section")
        return text

    def check(self, *keys: str) -> None:
        """Every section in `keys` is there (run at start, so a broken file stops the service, not a job)."""
        missing = [k for k in keys if k not in self.sections()]
        if missing:
            raise MissingSection(f"{self.path.name} lacks section(s): {', '.join('## ' + k for k in missing)}")
