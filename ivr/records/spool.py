"""The local spool: call records a process could not write before it had to exit.

One JSON file per call record (`SPOOL_DIR`), written whole under a temporary name and renamed, so
a reader never sees half a file; readable by the service's user only, since transcripts hold
names. The next start of the service replays them (`RecordKeeper.replay`). Several workers may
start at once, and several machines may share the directory: a file is claimed by renaming it to
`*.claimed-HOST-PID` before it is read, so only one process replays it; a claim left by a process
of this host that died is taken over.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

from ivr.records.pending import PendingRecord

log = logging.getLogger(__name__)
SUFFIX = ".json"
CLAIM = ".claimed-"


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def put(self, record: PendingRecord) -> Path:
        """Write one record; returns its file. Raises OSError when the disk refuses (the caller logs it)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = f"{_safe(record.call_sid)}-{uuid.uuid4().hex[:12]}{SUFFIX}"
        final = self.directory / name
        temp = self.directory / f".{name}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(record.to_json(), out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, final)
        return final

    def rewrite(self, path: Path, record: PendingRecord) -> None:
        """Replace a claimed file's content (the replay learned the record's base before committing)."""
        temp = path.with_name(f".{path.name}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(record.to_json(), out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)

    def waiting(self) -> list[Path]:
        """Files not yet replayed, claimed ones of dead processes included."""
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir() if p.name.endswith(SUFFIX) or _dead_claim(p))

    def claim(self, path: Path) -> Path | None:
        """Rename `path` to this process's claim; None when another process got there first."""
        base = path.name.split(CLAIM)[0]
        claimed = path.with_name(f"{base}{CLAIM}{_owner()}")
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            return None
        return claimed

    def claimed(self) -> Iterator[tuple[Path, PendingRecord | None]]:
        """Each waiting file, claimed by this process, with its record (None: unreadable, kept aside)."""
        for path in self.waiting():
            claimed = self.claim(path)
            if claimed is None:
                continue
            try:
                record = PendingRecord.from_json(json.loads(claimed.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                bad = claimed.with_name(claimed.name.split(CLAIM)[0] + ".unreadable")
                os.replace(claimed, bad)
                log.error("spool file %s unreadable (%s): kept as %s", path.name, type(exc).__name__, bad.name)
                yield bad, None
                continue
            yield claimed, record

    def release(self, claimed: Path) -> None:
        """Hand a claimed file back (its replay failed: the database is still away)."""
        os.replace(claimed, claimed.with_name(claimed.name.split(CLAIM)[0]))

    @staticmethod
    def done(claimed: Path) -> None:
        claimed.unlink(missing_ok=True)


def _safe(call_sid: str) -> str:
    return "".join(c for c in call_sid if c.isalnum())[:64] or "call"


def _owner() -> str:
    """Host and process: a spool shared by several machines (a network volume) names whose claim it is."""
    return f"{_safe(socket.gethostname())}-{os.getpid()}"


def _dead_claim(path: Path) -> bool:
    """A claim of a process on this host that no longer runs. Another host's claim is left alone:
    its process cannot be checked from here (and its replay, should it be cut short, is idempotent
    when the file is claimed again after that host's next start)."""
    if CLAIM not in path.name:
        return False
    host, _, pid_text = path.name.rsplit(CLAIM, 1)[1].rpartition("-")
    if host != _safe(socket.gethostname()):
        return False
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
