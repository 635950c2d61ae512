"""Daily increments: today's rows merged by key into yesterday's canonical tables.

Rows are applied in order: the previous tables, then the sources in datafix order, each source's
files in name order. A row whose key is new is appended. A row whose key is already there is a
**correction** when the earlier row comes from the previous tables or from an earlier file of
the same source: the fields the source maps are replaced in place (the row keeps its position,
and so its order in the ledger), or nothing changes when they are equal, which is what makes
loading a file twice harmless. A key taken by a row of the same file, or of another source of
the same run, is a **duplicate**: the later row is quarantined.

Nothing is ever deleted: a tenant who left keeps its row (its ``departure_date`` says it).
This module merges rows; it never parses a cell.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import attrs
import numpy as np
import pandas as pd

from dunforce.datafix.quarantine import QuarantineBuilder
from dunforce.datafix.transform import Batch
from dunforce.tables import TABLES

__all__ = ["MergeOutcome", "TableState", "text_column"]

_SEPARATOR = "\x1f"


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else value.date().isoformat()
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, np.integer):
        return str(int(value))
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def text_column(series: pd.Series) -> np.ndarray:
    """A column of a canonical table as text cells (``""`` for a value not given), converting
    typed columns (booleans, dates, numbers) the way ``Portfolio.write_csv`` writes them."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return np.where(series.to_numpy(dtype=bool), "true", "false").astype(object)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(
        series.dtype
    ):
        return series.fillna("").str.strip().to_numpy(dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = np.array([_cell_text(u) for u in uniques] + [""], dtype=object)
    return texts[codes]


@attrs.frozen
class MergeOutcome:
    """What became of the candidate rows of a batch (indices into the batch)."""

    new: np.ndarray
    updated: np.ndarray
    unchanged: np.ndarray
    duplicate: np.ndarray


class TableState:
    """The rows of one canonical table while they are merged, as text columns; each row
    remembers where it comes from (``origin`` -1 for the previous tables, else the source's
    position in the datafix) for corrections and for naming the row a duplicate repeats."""

    def __init__(self, table: str, previous: pd.DataFrame | None):
        self.table = table
        spec_columns = list(TABLES[table].columns)
        columns: dict[str, np.ndarray] = {}
        if previous is not None and len(previous.columns):
            for column in previous.columns:
                columns[str(column)] = text_column(previous[column])
            size = len(previous)
        else:
            size = 0
        if table != "tenants":
            for column in spec_columns:
                columns.setdefault(column, np.full(size, "", dtype=object))
        else:
            columns.setdefault("account_id", np.full(size, "", dtype=object))
        self.columns = columns
        self.size = size
        self.origin = np.full(size, -1, dtype=np.int64)
        self.file = np.full(size, "", dtype=object)
        self.row = np.zeros(size, dtype=np.int64)
        self.source = np.full(size, "", dtype=object)

    def keys(self, fields: tuple[str, ...]) -> pd.Series:
        parts = [
            pd.Series(self.columns.get(f, np.full(self.size, "", dtype=object)), dtype=object)
            for f in fields
        ]
        return _join(parts)

    def merge(
        self, batch: Batch, candidates: np.ndarray, quarantine: QuarantineBuilder
    ) -> MergeOutcome:
        """Merge the ``candidates`` rows of ``batch``; duplicates go to ``quarantine``."""
        source = batch.source
        fields = source.key
        mapped = [f.name for f in source.fields]
        keys = _join([pd.Series(batch.values[f][candidates], dtype=object) for f in fields])
        within = keys.duplicated(keep="first").to_numpy()
        existing = self.keys(fields)
        first = ~existing.duplicated(keep="first").to_numpy()
        position = np.full(len(keys), -1, dtype=np.int64)
        if first.any():
            index = pd.Index(existing[first].to_numpy(dtype=object))
            hit = index.get_indexer(keys.to_numpy(dtype=object))
            position = np.where(hit >= 0, np.flatnonzero(first)[np.maximum(hit, 0)], -1)
        found = (position >= 0) & ~within
        origin = np.full(len(keys), -1, dtype=np.int64)
        origin[found] = self.origin[position[found]]
        conflict = found & (origin >= 0) & (origin != batch.order)
        correction = found & ~conflict
        identical = np.ones(len(candidates), dtype=bool)
        at = position[correction]
        rows = candidates[correction]
        same = np.ones(len(rows), dtype=bool)
        for column in mapped:
            mine = self.columns.get(column)
            theirs = batch.values[column][rows]
            same &= (mine[at] == theirs) if mine is not None else (theirs == "")
        identical[np.flatnonzero(correction)] = same
        updated = correction & ~identical
        unchanged = correction & identical
        new = ~found & ~within
        self._quarantine(batch, candidates, keys, within, conflict, position, quarantine)
        # the rows matched are this source's from now on: another source repeating them later
        # in the run is a duplicate
        claimed = position[correction]
        self.origin[claimed] = batch.order
        self.file[claimed] = batch.file
        self.row[claimed] = batch.rows[candidates[correction]]
        self.source[claimed] = source.name
        # corrections, in place
        if updated.any():
            at = position[updated]
            rows = candidates[updated]
            for column in mapped:
                if column not in self.columns:
                    self.columns[column] = np.full(self.size, "", dtype=object)
                self.columns[column][at] = batch.values[column][rows]
        # new rows, appended
        rows = candidates[new]
        if len(rows):
            for column in mapped:
                if column not in self.columns:
                    self.columns[column] = np.full(self.size, "", dtype=object)
            for column, values in self.columns.items():
                added = (
                    batch.values[column][rows]
                    if column in batch.values
                    else np.full(len(rows), "", dtype=object)
                )
                self.columns[column] = np.concatenate([values, added])
            self.origin = np.concatenate([self.origin, np.full(len(rows), batch.order)])
            self.file = np.concatenate([self.file, np.full(len(rows), batch.file, dtype=object)])
            self.row = np.concatenate([self.row, batch.rows[rows]])
            self.source = np.concatenate(
                [self.source, np.full(len(rows), source.name, dtype=object)]
            )
            self.size += len(rows)
        return MergeOutcome(
            new=candidates[new],
            updated=candidates[updated],
            unchanged=candidates[unchanged],
            duplicate=candidates[within | conflict],
        )

    def _quarantine(
        self,
        batch: Batch,
        candidates: np.ndarray,
        keys: pd.Series,
        within: np.ndarray,
        conflict: np.ndarray,
        position: np.ndarray,
        quarantine: QuarantineBuilder,
    ) -> None:
        source = batch.source
        fields = source.key
        first_field = source.field(fields[0])
        column = first_field.column if first_field is not None else None
        described = ", ".join(fields)
        shown = keys.str.replace(_SEPARATOR, " | ", regex=False).to_numpy(dtype=object)
        if within.any():
            firsts = (
                pd.Series(np.arange(len(keys)))
                .groupby(keys.to_numpy(dtype=object))
                .transform("min")
            )
            where = np.flatnonzero(within)
            first_rows = batch.rows[candidates[firsts.to_numpy()[where]]]
            quarantine.add(
                source=source.name,
                file=batch.file,
                rows=batch.rows[candidates[where]],
                column=column,
                field=described,
                values=shown[where],
                reason="duplicate",
                details=[f"same {described} as row {r} of this file" for r in first_rows],
                order=len(source.fields) + 1,
            )
        if conflict.any():
            where = np.flatnonzero(conflict)
            at = position[where]
            quarantine.add(
                source=source.name,
                file=batch.file,
                rows=batch.rows[candidates[where]],
                column=column,
                field=described,
                values=shown[where],
                reason="duplicate",
                details=[
                    f"same {described} as {f}:{r} (source {s}, loaded in this run)"
                    for f, r, s in zip(self.file[at], self.row[at], self.source[at], strict=True)
                ],
                order=len(source.fields) + 1,
            )

    def frame(self) -> pd.DataFrame:
        """The merged table (text cells, ``""`` for a value not given)."""
        columns = list(self.columns)
        if self.table != "tenants":
            spec = list(TABLES[self.table].columns)
            columns = spec + [c for c in columns if c not in spec]
        return pd.DataFrame(
            {c: pd.Series(self.columns[c], dtype=object) for c in columns}, columns=columns
        )


def _join(parts: list[pd.Series]) -> pd.Series:
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    first, *rest = (p.reset_index(drop=True) for p in parts)
    return first.str.cat(rest, sep=_SEPARATOR)
