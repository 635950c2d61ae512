"""Whole columns of the canonical tables checked and converted at once.

The per-account reader (:mod:`dunforce.tables`) judges every cell with Python; here a column is
judged in one go — numpy for typed columns (floats, datetimes), and for text columns once per
distinct value, with the very parsers the reader uses — so that a million accounts are checked
in seconds. Each function returns the converted values and a mask of the cells it could vouch
for; a cell it cannot vouch for is never guessed at: its account goes to the per-account reader,
which accepts it or rejects the account with the reason.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from dunforce.errors import StateError
from dunforce.tables import _is_empty, parse_date, parse_money

#: ``date.toordinal()`` of 1970-01-01: numpy counts days from there
EPOCH_ORDINAL = 719163
#: beyond this a float no longer holds every cent exactly
_LARGEST_EXACT = 1e13


def textual(column: pd.Series) -> bool:
    """A column of Python objects or of pandas strings: judged value by value."""
    return column.dtype == object or isinstance(column.dtype, pd.StringDtype)


def all_text(column: pd.Series) -> bool:
    """Every cell is a ``str`` or missing (one pass in C): an optional text field accepts them
    all, with no need to judge each distinct value."""
    if isinstance(column.dtype, pd.StringDtype):
        return True
    return column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in {
        "string",
        "empty",
    }


def distinct(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the distinct values (``-1`` for a missing one), and the distinct values."""
    codes, uniques = pd.factorize(column.to_numpy(dtype=object, copy=False), use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def per_value(column: pd.Series, judge: Callable[[object], tuple[bool, object]], missing):
    """Judge each distinct value once: ``judge(value) -> (ok, converted)``; a missing cell is
    ``missing`` (``(ok, converted)`` too)."""
    codes, uniques = distinct(column)
    judged = [judge(value) for value in uniques]
    ok = np.array([j[0] for j in judged] + [missing[0]], dtype=bool)
    converted = [j[1] for j in judged] + [missing[1]]
    return ok[codes], converted, codes  # code -1 picks the last item: the missing value


def empty(column: pd.Series) -> np.ndarray:
    """Cells with no value: missing, or text that is empty or spaces (as the reader sees them)."""
    if not textual(column):
        return column.isna().to_numpy()
    ok, _, _ = per_value(column, lambda value: (_is_empty(value), None), (True, None))
    return ok


def optional_text(column: pd.Series | None) -> np.ndarray | None:
    """Cells an optional text field accepts (empty, or a ``str``); ``None``: no such column."""
    if column is None:
        return None
    if not textual(column):
        return column.isna().to_numpy()
    if all_text(column):
        return np.ones(len(column), dtype=bool)

    def judge(value: object) -> tuple[bool, None]:
        return (_is_empty(value) or isinstance(value, str)), None

    ok, _, _ = per_value(column, judge, (True, None))
    return ok


def filled_text(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``optional_text`` and the cells with a value, in one pass over the distinct values."""
    if not textual(column):
        missing = column.isna().to_numpy()
        return missing, ~missing

    def judge(value: object) -> tuple[bool, bool]:
        empty = _is_empty(value)
        return (empty or isinstance(value, str)), not empty

    ok, filled, codes = per_value(column, judge, (True, False))
    return ok, np.array(filled, dtype=bool)[codes]


def cents(column: pd.Series, field: str) -> tuple[np.ndarray, np.ndarray]:
    """Amounts in integer cents, and the cells that are exact non-negative amounts."""
    kind = column.dtype.kind
    if kind == "f":
        # in place where it can be: a ledger column has tens of millions of cells
        x = column.to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            scaled = np.multiply(x, 100)
            np.rint(scaled, out=scaled)
            ok = np.divide(scaled, 100) == x  # false for NaN
            ok &= x >= 0
            ok &= x < _LARGEST_EXACT
            scaled[~ok] = 0
        return scaled.astype(np.int64), ok
    if kind in "iu" and column.dtype != bool:
        x = column.to_numpy(dtype=np.int64)
        ok = (x >= 0) & (x < _LARGEST_EXACT / 100)
        return np.where(ok, x * 100, 0), ok

    def judge(value: object) -> tuple[bool, int]:
        if _is_empty(value):
            return False, 0
        try:
            return True, int(parse_money(value, field) * 100)
        except StateError:
            return False, 0

    ok, converted, codes = per_value(column, judge, (False, 0))
    return np.asarray(converted, dtype=np.int64)[codes], ok


def ordinals(column: pd.Series, field: str) -> tuple[np.ndarray, np.ndarray]:
    """Days as ``date.toordinal()``, and the cells that are plain days (no time, no zone)."""
    if column.dtype.kind == "M" and getattr(column.dtype, "tz", None) is None:
        raw = column.to_numpy()
        unit = np.timedelta64(1, "D") // np.timedelta64(1, np.datetime_data(raw.dtype)[0])
        days, rest = np.divmod(raw.view(np.int64), unit)
        ok = rest == 0
        ok &= ~np.isnat(raw)
        days += EPOCH_ORDINAL
        days[~ok] = 0
        return days, ok

    def judge(value: object) -> tuple[bool, int]:
        if _is_empty(value):
            return False, 0
        try:
            return True, parse_date(value, field).toordinal()
        except (StateError, TypeError, ValueError):
            return False, 0

    ok, converted, codes = per_value(column, judge, (False, 0))
    return np.asarray(converted, dtype=np.int64)[codes], ok


def texts(
    column: pd.Series, allowed: frozenset[str] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes of the cells into their distinct values (``-1`` for a missing one), the cells that
    are a non-empty ``str`` (within ``allowed`` when given), and the distinct values."""
    codes, uniques = distinct(column)
    good = np.array(
        [isinstance(v, str) and bool(v) and (allowed is None or v in allowed) for v in uniques]
        + [False],
        dtype=bool,
    )
    return codes, good[codes], uniques


def account_codes(column: pd.Series, index: pd.Index) -> np.ndarray:
    """The position of each row's account in the tenants table, ``-1`` for an unknown one."""
    values = column.to_numpy(dtype=object, copy=False)
    runs = _runs(values)
    if runs is not None:  # the rows of an account one after the other: one lookup per run
        return np.repeat(_looked_up(values[runs], index), np.diff(np.append(runs, len(values))))
    return _looked_up(values, index)


def _looked_up(values: np.ndarray, index: pd.Index) -> np.ndarray:
    # an object index, not the raw array: pandas would turn the array into arrow strings first
    # (and back), which costs ten times the lookup itself
    return index.get_indexer(pd.Index(values, dtype=object, copy=False))


def _runs(values: np.ndarray) -> np.ndarray | None:
    """Where each run of equal values starts, when the runs are long (a table listing each
    account's rows together, as exports do); ``None`` otherwise."""
    n = len(values)
    if n < 2:
        return None
    try:
        runs = np.flatnonzero(run_starts(values))
    except (TypeError, ValueError):  # a value whose comparison is no truth value (pd.NA)
        return None
    return runs if len(runs) <= n // 4 else None


def run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts (a value unlike the one before it)."""
    first = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=first[1:])
    return first


__all__ = [
    "EPOCH_ORDINAL",
    "account_codes",
    "all_text",
    "cents",
    "distinct",
    "empty",
    "optional_text",
    "ordinals",
    "per_value",
    "run_starts",
    "texts",
]
