"""What the KPI functions accept, checked eagerly: accounts, days and the actions table.

Each refusal is a ``TypeError`` or ``ValueError`` naming the argument, raised before any work.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from dunforce.frames import actions_frame
from dunforce.program import Program
from dunforce.state import AccountState, Action
from dunforce.tables import Portfolio, Rejected

__all__ = ["ACTION_NEEDS", "account_states", "actions_between", "as_day", "check_program", "period"]

#: the columns of the actions table the KPIs read
ACTION_NEEDS: tuple[str, ...] = (
    "account_id",
    "channel",
    "options",
    "emitted_on",
    "scenario",
    "profile",
    "kind",
)


def check_program(program: object) -> Program:
    if not isinstance(program, Program):
        raise TypeError(f"program: expected a dunforce.Program, not {type(program).__name__}")
    return program


def as_day(value: object, name: str) -> datetime.date:
    """A calendar day from a ``date``, an ISO string, or a pandas/numpy instant at midnight
    (what an actions table holds)."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        if value != value.normalize() or value.tzinfo is not None:
            raise ValueError(f"{name}: {value!r} is not a day at midnight")
        return value.date()
    if isinstance(value, datetime.datetime):
        raise TypeError(f"{name}: {value!r} is a date and time; pass a date")
    if isinstance(value, datetime.date):
        return datetime.date(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise TypeError(f"{name}: {value!r} is not a date (pass a date or a 'YYYY-MM-DD' string)")


def period(start: object, end: object) -> tuple[datetime.date, datetime.date]:
    first, last = as_day(start, "start"), as_day(end, "end")
    if first > last:
        raise ValueError(f"start: {first} is after end ({last})")
    return first, last


def account_states(
    program: Program, accounts: Iterable[AccountState | Rejected] | Portfolio
) -> Iterator[AccountState]:
    """The states to measure: a portfolio's accounts read with the program's schema, or the
    states given; accounts that could not be read (``Rejected``) are skipped."""
    if isinstance(accounts, Portfolio):
        accounts = accounts.accounts(program.schema)
    elif isinstance(accounts, AccountState) or not isinstance(accounts, Iterable):
        raise TypeError(
            "accounts: expected an iterable of AccountState or a Portfolio, "
            f"not {type(accounts).__name__}"
        )
    for index, account in enumerate(accounts):
        if isinstance(account, Rejected):
            continue
        if not isinstance(account, AccountState):
            raise TypeError(
                f"accounts[{index}]: expected an AccountState, not {type(account).__name__}"
            )
        yield account


def actions_between(
    actions: pd.DataFrame | Iterable[Action], start: datetime.date, end: datetime.date
) -> pd.DataFrame:
    """The rows of the actions table emitted on a day of ``[start, end]``, with the columns the
    KPIs read (``options`` as text, ``emitted_on`` as ``datetime64[ns]``)."""
    if not isinstance(actions, pd.DataFrame):
        if isinstance(actions, str | bytes) or not isinstance(actions, Iterable):
            raise TypeError(
                "actions: expected the actions table (dunforce.frames.actions_frame) or "
                f"an iterable of Action, not {type(actions).__name__}"
            )
        actions = actions_frame(actions)
    missing = [column for column in ACTION_NEEDS if column not in actions.columns]
    if missing:
        raise ValueError(
            f"actions: missing column {missing[0]!r} (the KPIs read {', '.join(ACTION_NEEDS)})"
        )
    frame = actions.loc[:, list(ACTION_NEEDS)]
    emitted = pd.to_datetime(frame["emitted_on"])
    if emitted.isna().any():
        raise ValueError("actions: an action has no emitted_on day")
    inside = (emitted >= pd.Timestamp(start)) & (emitted <= pd.Timestamp(end))
    frame = frame.loc[inside].assign(
        emitted_on=emitted[inside].astype("datetime64[ns]"),
        options=frame.loc[inside, "options"].map(_options_text),
    )
    return frame.reset_index(drop=True)


def _options_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple | list):
        return " ".join(value)
    return ""  # None or NaN: no option
