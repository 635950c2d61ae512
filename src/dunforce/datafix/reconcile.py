"""The reconciliation: per source, the rows and amounts read, loaded, quarantined and filtered,
and whether they balance.

It is computed from the outcome, not from the decisions that made it: the quarantined rows are
those the quarantine *table* names, the loaded amount is read back from the canonical amount
*text* of the loaded rows. So a row lost, loaded twice, or both loaded and quarantined shows up
as a source that does not balance. Money is counted in integer cents and reported as
``Decimal``; an amount that did not parse counts in the rows, not in the amounts.

Balanced means: ``rows_read == rows_loaded + rows_quarantined + rows_filtered``, every row in
exactly one of the three, and ``amount_read == amount_loaded + amount_quarantined +
amount_filtered``. Blank lines are counted apart; they are not rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import numpy as np
import pandas as pd

from dunforce.datafix.config import Datafix
from dunforce.datafix.increment import MergeOutcome
from dunforce.datafix.parsers import parse_amounts
from dunforce.datafix.transform import AMOUNT_TABLES, Batch

__all__ = ["RECONCILIATION_COLUMNS", "cents_to_decimal", "reconcile"]

RECONCILIATION_COLUMNS: tuple[str, ...] = (
    "source",
    "table",
    "files",
    "rows_read",
    "rows_loaded",
    "rows_new",
    "rows_updated",
    "rows_unchanged",
    "rows_quarantined",
    "rows_filtered",
    "blank_lines",
    "amount_read",
    "amount_loaded",
    "amount_quarantined",
    "amount_filtered",
    "balanced",
)

_COUNTS = RECONCILIATION_COLUMNS[3:11]
_AMOUNTS = RECONCILIATION_COLUMNS[11:15]


def cents_to_decimal(cents: int) -> Decimal:
    """Integer cents as an exact ``Decimal`` with two decimals."""
    return Decimal(int(cents)).scaleb(-2)


def _loaded_cents(batch: Batch, loaded: np.ndarray) -> int:
    """The loaded amount, read back from the canonical text of the loaded rows."""
    if batch.source.table not in AMOUNT_TABLES or "amount" not in batch.values or not len(loaded):
        return 0
    codes, uniques = pd.factorize(pd.Series(batch.values["amount"][loaded], dtype=object))
    present = np.asarray([u != "" for u in uniques], dtype=bool)
    cents = np.zeros(len(uniques), dtype=np.int64)
    if present.any():
        parsed = parse_amounts(pd.Series(np.asarray(uniques, dtype=object)[present]), ".")
        cents[present] = parsed.cents
    return int((cents[codes] * batch.sign[loaded]).sum())


def _batch_counts(
    batch: Batch, outcome: MergeOutcome | None, quarantined_lines: np.ndarray
) -> tuple[dict[str, int], bool]:
    size = len(batch)
    if outcome is None:
        outcome = MergeOutcome(*(np.zeros(0, dtype=np.int64),) * 4)
    loaded = np.concatenate([outcome.new, outcome.updated, outcome.unchanged]).astype(np.int64)
    # quarantined rows: the line numbers the quarantine table names, back to row positions
    at = np.searchsorted(batch.rows, quarantined_lines)
    known = (at < size) & (batch.rows[np.minimum(at, max(size - 1, 0))] == quarantined_lines)
    quarantined = at[known]
    filtered = np.flatnonzero(batch.filtered)
    seen = np.bincount(
        np.concatenate([loaded, quarantined, filtered]).astype(np.int64), minlength=size
    )
    rows_balance = (
        bool(known.all()) and bool((seen == 1).all()) if size else not len(quarantined_lines)
    )
    in_quarantine = np.zeros(size, dtype=bool)
    in_quarantine[quarantined] = True
    amounts = batch.cents * batch.has_amount
    counts = {
        "rows_read": size,
        "rows_loaded": len(loaded),
        "rows_new": len(outcome.new),
        "rows_updated": len(outcome.updated),
        "rows_unchanged": len(outcome.unchanged),
        "rows_quarantined": len(quarantined),
        "rows_filtered": len(filtered),
        "blank_lines": batch.blank,
        "amount_read": int(amounts.sum()),
        "amount_loaded": _loaded_cents(batch, loaded),
        "amount_quarantined": int(amounts[in_quarantine].sum()),
        "amount_filtered": int(amounts[batch.filtered].sum()),
    }
    return counts, rows_balance


def reconcile(
    datafix: Datafix,
    files: Mapping[str, int],
    batches: Iterable[Batch],
    outcomes: Mapping[int, MergeOutcome],
    quarantine: pd.DataFrame,
) -> pd.DataFrame:
    """One row per source of ``datafix`` (``files`` gives how many files each read)."""
    lines: dict[tuple[str, str], np.ndarray] = {
        key: np.unique(group["row"].to_numpy(dtype=np.int64))
        for key, group in quarantine.groupby(["source", "file"], sort=False)
    }
    totals = {
        s.name: dict.fromkeys((*_COUNTS, *_AMOUNTS), 0) | {"_rows_balance": True}
        for s in datafix.sources
    }
    claimed: set[tuple[str, str]] = set()
    for batch in batches:
        key = (batch.source.name, batch.file)
        claimed.add(key)
        counts, rows_balance = _batch_counts(
            batch, outcomes.get(id(batch)), lines.get(key, np.zeros(0, dtype=np.int64))
        )
        total = totals[batch.source.name]
        for name, value in counts.items():
            total[name] += value
        total["_rows_balance"] &= rows_balance
    for source, _file in set(lines) - claimed:  # pragma: no cover - a quarantine line of no file
        totals[source]["_rows_balance"] = False
    rows = []
    for source in datafix.sources:
        total = totals[source.name]
        balanced = (
            total.pop("_rows_balance")
            and total["rows_read"]
            == total["rows_loaded"] + total["rows_quarantined"] + total["rows_filtered"]
            and total["amount_read"]
            == total["amount_loaded"] + total["amount_quarantined"] + total["amount_filtered"]
        )
        row = {"source": source.name, "table": source.table, "files": files.get(source.name, 0)}
        row |= {name: total[name] for name in _COUNTS}
        row |= {name: cents_to_decimal(total[name]) for name in _AMOUNTS}
        row["balanced"] = bool(balanced)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(RECONCILIATION_COLUMNS))
    for name in (*_COUNTS, "files"):
        frame[name] = frame[name].astype(np.int64)
    for name in _AMOUNTS:
        frame[name] = frame[name].astype(object)
    frame["balanced"] = frame["balanced"].astype(bool)
    return frame
