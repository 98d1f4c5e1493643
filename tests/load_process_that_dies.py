"""A schedule load process that fails once it has written its first rows, before the commit
(tests/test_console_load_process.py): `LOAD_DIES=kill` kills itself (as the kernel's OOM killer
would), `LOAD_DIES=raise` raises an error whose text holds a phone number."""

from __future__ import annotations

import os
import signal
import sys

from ivr.console import load_process

SECRET = "090-9999-0000 佐藤"
_progress = load_process.Channel.progress


def _dying(self: load_process.Channel, phase: str, done: int, total: int) -> None:
    _progress(self, phase, done, total)
    if phase == "writing" and done < total:  # rows sent to the database, nothing committed
        if os.environ.get("LOAD_DIES") == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError(f"broke while writing {SECRET}")


load_process.Channel.progress = _dying  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(load_process.main())
