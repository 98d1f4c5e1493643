"""Per-call log lines: the call id and what happened, never numbers, names or transcripts."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

_log = logging.getLogger("ivr.call")


class CallLog:
    def __init__(self, call_id: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.call_id = call_id
        self._clock = clock
        self._t0 = clock()

    def started(self, call_id: str) -> None:
        """The call's id is known (Twilio's `start`): lines from now on carry it, timed from now."""
        self.call_id = call_id
        self._t0 = self._clock()

    def at_ms(self) -> int:
        return int((self._clock() - self._t0) * 1000)

    def event(self, what: str, **fields: Any) -> None:
        if not _log.isEnabledFor(logging.INFO):
            return
        extra = " ".join(f"{k}={v}" for k, v in fields.items())
        _log.info("call=%s t=%dms %s %s", self.call_id, self.at_ms(), what, extra)

    def warning(self, what: str, **fields: Any) -> None:
        extra = " ".join(f"{k}={v}" for k, v in fields.items())
        _log.warning("call=%s t=%dms %s %s", self.call_id, self.at_ms(), what, extra)
