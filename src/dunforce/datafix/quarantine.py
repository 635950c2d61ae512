"""The quarantine: every input row that is not loaded, with where it is and why.

One line per problem: a row with a bad date and a bad amount has two lines, so that the export
can be fixed in one pass; the reconciliation counts the row once. The columns are ``source``,
``file``, ``row`` (the 1-based line in the file), ``column`` (the export's column, empty for a
problem of the whole line), ``field`` (the canonical field), ``value`` (the cell as read),
``reason`` (a stable code, below) and ``detail`` (what was expected, in words).

This module owns the reason codes and builds the table; it decides nothing about rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

import numpy as np
import pandas as pd

__all__ = ["QUARANTINE_COLUMNS", "REASONS", "QuarantineBuilder"]

QUARANTINE_COLUMNS: tuple[str, ...] = (
    "source",
    "file",
    "row",
    "column",
    "field",
    "value",
    "reason",
    "detail",
)

#: every reason a row can be quarantined for, with what it means
REASONS = MappingProxyType(
    {
        "wrong-field-count": "The line has more or fewer cells than the header (a separator "
        "too many in a label, a truncated line).",
        "bad-encoding": "A cell the source reads holds bytes that are not text in the source's "
        "encoding (a UTF-8 file read as latin-1 is the other way round and is not detectable; "
        "a byte-order mark is).",
        "missing-value": "A required field is empty: account_id, kind, date and amount of a "
        "ledger row, a key field, or a field marked required.",
        "unparseable-date": "No date format of the field reads the cell, or the day is not in "
        "the calendar (31/02/2026), or the year is outside 1900-2199.",
        "unparseable-amount": "The cell is not an amount in the source's conventions (decimal "
        "separator, thousands in groups of three, one sign).",
        "too-many-decimals": "An amount with more than two decimals: money is exact to the cent, "
        "and dunforce never rounds.",
        "negative-amount": "A negative amount in a ledger or plans row of a source without "
        "negative_kind (canonical ledger amounts are positive; the kind gives the direction).",
        "bad-boolean": "The cell is none of the words the field takes for true and false.",
        "bad-number": "The cell is not a whole number (int fields) or a number (number fields).",
        "unknown-code": "The cell is not a code of the field's code table.",
        "not-allowed": "The value is outside the closed set of its canonical field: a ledger "
        "kind, an event kind, a payment method, a département, …",
        "unknown-account": "A ledger, events, plans or history row whose account is not in the "
        "tenants table (neither loaded today nor in the previous tables).",
        "duplicate": "The row's key is already taken by a row of the same file, or of another "
        "source loaded in the same run. A later file of the same source, or a later run, "
        "corrects a row instead.",
    }
)


class QuarantineBuilder:
    """Collects problems as columns (a million bad cells need no Python object each) and
    builds the quarantine table once."""

    def __init__(self) -> None:
        self._parts: list[dict[str, object]] = []

    def add(
        self,
        *,
        source: str,
        file: str,
        rows: np.ndarray,
        column: str | None,
        field: str | None,
        values: Iterable[object],
        reason: str | Iterable[str],
        details: Iterable[str],
        order: int,
    ) -> None:
        """Problems of one kind (or one column) in one file: ``rows`` are line numbers."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return
        if isinstance(reason, str):
            if reason not in REASONS:  # pragma: no cover - a programming error
                raise ValueError(f"unknown quarantine reason {reason!r}")
            reason = [reason] * len(rows)
        self._parts.append(
            {
                "source": [source] * len(rows),
                "file": [file] * len(rows),
                "row": rows,
                "column": [column or ""] * len(rows),
                "field": [field or ""] * len(rows),
                "value": list(values),
                "reason": list(reason),
                "detail": list(details),
                "_order": np.full(len(rows), order, dtype=np.int64),
            }
        )

    def frame(self, sources: Iterable[str]) -> pd.DataFrame:
        """The quarantine table, by source (in datafix order), file, row, then the order the
        problems were found in."""
        if not self._parts:
            frame = pd.DataFrame({c: pd.Series(dtype=object) for c in QUARANTINE_COLUMNS})
            frame["row"] = frame["row"].astype(np.int64)
            return frame
        frame = pd.concat([pd.DataFrame(part) for part in self._parts], ignore_index=True)
        rank = {name: index for index, name in enumerate(sources)}
        frame["_source"] = frame["source"].map(rank)
        frame["_seq"] = np.arange(len(frame))
        frame = frame.sort_values(["_source", "file", "row", "_order", "_seq"], kind="stable")
        frame = frame.reset_index(drop=True)
        for column in ("value", "detail"):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
        return frame[list(QUARANTINE_COLUMNS)]
