"""The phrase dictionaries supervisors edit without a code change (相槌, requests for a person).

Both are `kind,phrase` CSV files shipped in the package, with `#` comment lines; each phrase is
folded by its user's `normalize` so lookups compare spellings the transcriber may vary.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path


def read_phrase_table(
    path: Path | None,
    *,
    package: str,
    filename: str,
    kinds: Iterable[str],
    normalize: Callable[[str], str],
    label: str,
) -> dict[str, set[str]]:
    """Normalized phrases by kind, from `path` or else the file shipped in `package`.

    An unknown kind or a file without `kind` and `phrase` columns is an error naming `label`, so a
    supervisor's typo stops the service at start instead of silently dropping phrases.
    """
    text = (
        path.read_text(encoding="utf-8")
        if path is not None
        else resources.files(package).joinpath(filename).read_text(encoding="utf-8")
    )
    groups: dict[str, set[str]] = {kind: set() for kind in kinds}
    rows = csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    if not {"kind", "phrase"} <= set(rows.fieldnames or ()):
        raise ValueError(f"{label}: expected the columns kind,phrase")
    for row in rows:
        kind = (row.get("kind") or "").strip()
        if kind not in groups:
            raise ValueError(f"{label}: unknown kind {kind!r} for phrase {row.get('phrase')!r}")
        key = normalize(row.get("phrase") or "")
        if key:
            groups[kind].add(key)
    return groups
