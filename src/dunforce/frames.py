"""Actions and rejected accounts as typed pandas tables.

One shape for every place that returns many actions — ``Program.run``, the Dask run, a
simulation — so that KPIs, plots and reports read them the same way: text columns are Python
strings (``None`` where there is no value), days are ``datetime64[ns]`` at midnight, the contact
windows are instants in UTC (``datetime64[ns, UTC]``; the tenant's own time zone is in the
action's ``windows``), ``requires_approval`` is a bool and ``line`` an int.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dunforce.state import Action
from dunforce.tables import REJECTED_COLUMNS, Rejected

__all__ = [
    "ACTION_COLUMNS",
    "ACTION_DTYPES",
    "REJECTED_DTYPES",
    "actions_frame",
    "rejected_frame",
    "typed_column",
]

#: the columns of an actions table, in order
ACTION_COLUMNS: tuple[str, ...] = (
    "account_id",
    "key",
    "channel",
    "template",
    "options",
    "scheduled_for",
    "emitted_on",
    "scenario",
    "profile",
    "kind",
    "requires_approval",
    "window_start",
    "window_end",
    "policy_note",
    "reason",
    "line",
)

ACTION_DTYPES: dict[str, str] = {
    **dict.fromkeys(ACTION_COLUMNS, "object"),
    "scheduled_for": "datetime64[ns]",
    "emitted_on": "datetime64[ns]",
    "requires_approval": "bool",
    "window_start": "datetime64[ns, UTC]",
    "window_end": "datetime64[ns, UTC]",
    "line": "int64",
}

REJECTED_DTYPES: dict[str, str] = {**dict.fromkeys(REJECTED_COLUMNS, "object"), "row": "Int64"}


def actions_frame(actions: Iterable[Action]) -> pd.DataFrame:
    """The actions as a typed table, one row per action, in the order given."""
    rows = [
        (
            a.account_id,
            a.key,
            a.channel,
            a.template,
            " ".join(a.options),
            a.scheduled_for,
            a.emitted_on,
            a.scenario,
            a.profile,
            a.kind,
            a.requires_approval,
            a.window_start,
            a.window_end,
            a.policy_note,
            a.reason,
            a.line,
        )
        for a in actions
    ]
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(ACTION_COLUMNS)
    data = {
        name: typed_column(values, ACTION_DTYPES[name])
        for name, values in zip(ACTION_COLUMNS, columns, strict=True)
    }
    return pd.DataFrame(data, columns=list(ACTION_COLUMNS))


def typed_column(values, dtype: str) -> pd.Series:
    """A column of an actions table: days at midnight, instants in UTC, the rest as given."""
    if dtype == "datetime64[ns]":
        return pd.to_datetime(pd.Series(values, dtype=object)).astype(dtype)
    if dtype == "datetime64[ns, UTC]":
        return pd.to_datetime(pd.Series(values, dtype=object), utc=True).astype(dtype)
    return pd.Series(values, dtype=dtype)


def rejected_frame(rejected: Iterable[Rejected]) -> pd.DataFrame:
    """The rejected accounts as a table: account_id, reason, field, value, source, row."""
    rows = [r.to_dict() for r in rejected]
    frame = pd.DataFrame(rows, columns=list(REJECTED_COLUMNS))
    return frame.astype(REJECTED_DTYPES)
