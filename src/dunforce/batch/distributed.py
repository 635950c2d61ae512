"""``Program.run`` over Dask DataFrames, partition by partition (the ``dask`` extra).

A group of landlords with tens of millions of accounts keeps its canonical tables as Dask
DataFrames (Parquet files on shared storage, say). Every table is split by account — the rows
of one account, in every table, land in the same partition — and each partition is one
``Program.run`` on a worker, on the vectorised path. The program travels as its source text and
options and is compiled once per partition where it lands.

The result is one :class:`~dunforce.batch.RunResult` (the actions of a day fit in memory even
when the ledger does not): the same actions and rejected accounts as the pandas run, ordered by
account id (the pandas run keeps the order of the tenants table, which a cluster does not have).
A rejected row's ``row`` is the index label of that row in its table, plus one: the data row
of the table when it carries the default index, as ``dd.from_pandas`` keeps it.
"""

from __future__ import annotations

import datetime
import zlib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from dunforce.batch.run import RunResult
from dunforce.frames import ACTION_COLUMNS, actions_frame, rejected_frame
from dunforce.tables import TABLES, Portfolio

__all__ = ["run_dask"]

_PART = "_dunforce_partition"


def _dask():
    try:
        import dask
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover - the extra is installed in the test environment
        raise ImportError("a Dask run needs dask: pip install 'dunforce[dask]'") from None
    return dask, dd


def _part_of(ids: pd.Series, partitions: int) -> pd.Series:
    """A partition number per account id, the same on every machine (crc32, not ``hash``)."""
    numbers = [zlib.crc32(str(i).encode("utf-8")) % partitions for i in ids]
    return pd.Series(np.asarray(numbers, dtype=np.int64), index=ids.index, name=_PART)


def _split(frame, partitions: int, dd):
    if isinstance(frame, pd.DataFrame):
        frame = dd.from_pandas(frame, npartitions=max(1, min(partitions, len(frame) or 1)))
    part = frame["account_id"].map_partitions(_part_of, partitions, meta=(_PART, "int64"))
    return frame.assign(**{_PART: part}).shuffle(on=_PART, npartitions=partitions)


def _run_part(program, on: datetime.date, names: tuple[str, ...], *frames: pd.DataFrame):
    tables = {name: frame.drop(columns=[_PART]) for name, frame in zip(names, frames, strict=True)}
    # the rows of each table with their own labels: a rejected row names its row of the table
    labels = {name: frame.index for name, frame in tables.items()}
    portfolio = Portfolio(**{name: frame.reset_index(drop=True) for name, frame in tables.items()})
    result = program.run(portfolio, on)
    rejected = result.rejected
    if len(rejected):
        rows = []
        for source, row in zip(rejected["source"], rejected["row"], strict=True):
            if source in labels and not pd.isna(row):
                label = labels[source][int(row) - 1]
                rows.append(int(label) + 1 if isinstance(label, int | np.integer) else None)
            else:
                rows.append(None)
        rejected = rejected.assign(row=pd.array(rows, dtype="Int64"))
    return result.actions, rejected, result.accounts, result.stepped, result.quiet


def run_dask(
    program,
    tables: Mapping[str, object] | Portfolio,
    date: datetime.date | str,
    *,
    partitions: int | None = None,
) -> RunResult:
    """Run ``program`` on ``date`` over Dask DataFrames (or pandas ones, split here).

    ``tables`` maps the canonical table names (``tenants``, ``ledger``, ``events``, ``plans``,
    ``history``) to Dask or pandas DataFrames; ``tenants`` and ``ledger`` are required.
    ``partitions`` defaults to the tenants table's partition count. The work is computed with
    the current Dask scheduler — a ``distributed.Client`` when one is active.
    """
    dask, dd = _dask()
    from dunforce.program import _as_date

    on = _as_date(date, "date")
    if isinstance(tables, Portfolio):
        tables = {name: getattr(tables, name) for name in TABLES}
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise ValueError(f"tables: not canonical tables: {', '.join(sorted(unknown))}")
    for name in ("tenants", "ledger"):
        if tables.get(name) is None:
            raise ValueError(f"tables: the {name} table is required")
    tenants = tables["tenants"]
    if partitions is None:
        partitions = tenants.npartitions if hasattr(tenants, "npartitions") else 1
    names = tuple(name for name in TABLES if tables.get(name) is not None)
    split = [_split(tables[name], partitions, dd) for name in names]
    parts = [
        dask.delayed(_run_part)(program, on, names, *(frame.partitions[i] for frame in split))
        for i in range(partitions)
    ]
    results = dask.compute(*parts)
    actions = [r[0] for r in results if len(r[0])]
    rejected = [r[1] for r in results if len(r[1])]
    action_table = (
        pd.concat(actions, ignore_index=True) if actions else actions_frame(())
    ).sort_values("account_id", kind="stable", ignore_index=True)
    rejected_table = (
        pd.concat(rejected, ignore_index=True) if rejected else rejected_frame(())
    ).sort_values("account_id", kind="stable", ignore_index=True)
    return RunResult(
        on,
        action_table[list(ACTION_COLUMNS)],
        rejected_table,
        sum(r[2] for r in results),
        sum(r[3] for r in results),
        sum(r[4] for r in results),
        "dask",
    )
