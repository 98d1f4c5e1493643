"""A problem found in a dispatcher's file, in the terms the dispatcher uses to find it.

Reading and validation both report problems; the loader collects every one of them before
deciding, so a dispatcher fixes a whole file in one pass instead of one error per attempt.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    line: int  # line of the file as an editor or Excel shows it (the header is line 1)
    column: str  # the header as written in the file; "" when the problem is the whole file
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}" if self.column else f"line {self.line}"
        return f"{where}: {self.reason}"
