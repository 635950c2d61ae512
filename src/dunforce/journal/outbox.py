"""Outbox files: one JSON-lines file per batch, written whole or not at all.

A batch's file is written to a temporary name in the same directory, flushed to disk, then
renamed over its final name (an atomic step on POSIX and Windows), and the directory is synced.
A reader therefore sees no file or the complete file, never half of one. The name carries the
run date and the batch number (``2026-11-10-000042.jsonl``), and a batch's content never
changes: if a run dies after the rename and before the journal notes it, the next run finds the
file complete and only notes it.

Adapters read the files in name order and remember which they have sent; each line is one
action (its key is unique for its account, so a line is never repeated across files).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["write_outbox"]


def write_outbox(path: Path, records: Iterable[dict[str, object]]) -> int:
    """Write ``records`` as JSON lines at ``path`` atomically; returns how many were written.
    An existing complete file of that name is left as it is."""
    if path.exists():
        return sum(1 for _ in path.open(encoding="utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    count = 0
    with partial.open("w", encoding="utf-8", newline="\n") as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False, sort_keys=True, default=str))
            file.write("\n")
            count += 1
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)
    _sync_directory(path.parent)
    return count


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":  # pragma: no cover
        return
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
