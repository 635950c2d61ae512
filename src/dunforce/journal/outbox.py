"""Outbox files: one JSON-lines file per batch, written whole or not at all.

A batch's file is written to a temporary name in the same directory, flushed to disk, then
renamed over its final name (an atomic step on POSIX and Windows), and the directory is synced.
A reader therefore sees no file or the complete file, never half of one. The name carries the
run date, the journal's id and the batch number (``2026-11-10-3f9c0a1b2c4d-000042.jsonl``), and
a batch's content never changes: if a run dies after the rename and before the journal notes
it, the next run finds the file complete, checks that it is the batch's, and only notes it.

Adapters read the files in name order and remember which they have sent; each line is one
action (its key is unique for its account, so a line is never repeated across files).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from dunforce.journal.store import JournalError

__all__ = ["write_outbox"]


def render(records: Iterable[dict[str, object]]) -> bytes:
    """The bytes of an outbox file: one JSON object per line, keys sorted."""
    lines = (
        json.dumps(record, ensure_ascii=False, sort_keys=True, default=str) + "\n"
        for record in records
    )
    return "".join(lines).encode("utf-8")


def write_outbox(path: Path, records: Iterable[dict[str, object]]) -> int:
    """Write ``records`` as JSON lines at ``path`` atomically; returns how many were written.

    A file already at ``path`` with the same content is left as it is; with another content,
    it is an error (the file of another batch, or a journal restored from a backup while its
    outbox went on): nothing is overwritten, nothing is lost in silence."""
    content = render(records)
    count = content.count(b"\n")
    try:
        if path.exists():
            if path.read_bytes() != content:
                raise JournalError(
                    f"{path}: an outbox file of this name exists with other actions; was the "
                    "journal restored from a backup, or the outbox shared by two journals? "
                    "Move the file aside after checking what it holds, and run again."
                )
            return count
        _make_directory(path.parent)
        partial = path.with_name(f".{path.name}.partial")
        with partial.open("wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
        _sync_directory(path.parent)
    except OSError as exc:
        raise JournalError(
            f"{path}: cannot write the outbox file ({exc.strerror or exc}); the actions are safe "
            "in the journal, and the next run writes the file once the directory is writable"
        ) from None
    return count


def _make_directory(directory: Path) -> None:
    """Create the directory and make its entry durable, up to the first that existed."""
    missing = []
    for parent in (directory, *directory.parents):
        if parent.is_dir():
            break
        missing.append(parent)
    directory.mkdir(parents=True, exist_ok=True)
    for created in reversed(missing):
        _sync_directory(created.parent)


def _sync_directory(directory: Path) -> None:
    """Make a rename or a new entry durable (POSIX; Windows has no directory handles)."""
    if os.name != "posix":  # pragma: no cover
        return
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
