"""The arrears cases of a period, one row each, with the money that went in and out of them.

A case is the late episode of :mod:`dunforce.ledger` (DESIGN §3): it opens on the first day the
overdue amount is above the program's case threshold and closes on the first later day it is back
at or below it. Everything here is read from the ledger with :func:`dunforce.ledger.analyse`, in
integer cents; nothing is stepped and nothing reads the clock.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import pandas as pd

from dunforce.kpi.inputs import account_states, check_program, period
from dunforce.ledger import LedgerAnalysis, analyse
from dunforce.program import Program
from dunforce.state import AccountState, Adjustment, Charge, Payment
from dunforce.tables import Portfolio, Rejected

__all__ = ["CASE_COLUMNS", "cases"]

#: the columns of :func:`cases`, in order
CASE_COLUMNS: tuple[str, ...] = (
    "account_id",
    "profile",
    "opened",
    "closed",
    "anchor",
    "debt_at_open_cents",
    "charged_cents",
    "collected_cents",
    "adjusted_cents",
    "owed_cents",
    "recovered_cents",
    "days_open",
    "cured",
    "days_to_cure",
)

_DTYPES: dict[str, str] = {
    "account_id": "object",
    "profile": "object",
    "opened": "datetime64[ns]",
    "closed": "datetime64[ns]",
    "anchor": "datetime64[ns]",
    **dict.fromkeys(
        (
            "debt_at_open_cents",
            "charged_cents",
            "collected_cents",
            "adjusted_cents",
            "owed_cents",
            "recovered_cents",
            "days_open",
        ),
        "int64",
    ),
    "cured": "bool",
    "days_to_cure": "Int64",
}

_NO_VALUES: frozenset[str] = frozenset()  # the case, the debt and the balance are always there
_DAY = datetime.timedelta(days=1)


def cases(
    program: Program,
    accounts: Iterable[AccountState | Rejected] | Portfolio,
    *,
    start: datetime.date | str,
    end: datetime.date | str,
) -> pd.DataFrame:
    """One row per arrears case open on at least one day of ``[start, end]``.

    The cases are those of ``analyse(state, end)`` with the program's ``case_threshold``; a case
    is open from ``opened`` to the day before ``closed``. Amounts are integer cents:

    * ``profile``: ``program.profile_of(state, opened)``, ``None`` when no profile holds;
    * ``closed``: ``NaT`` when the case is still open on ``end``; ``anchor`` is its ``D``;
    * ``debt_at_open_cents``: the overdue amount at the end of the opening day (``debt`` of
      ``analyse(state, opened)``), so what happened that day is already in it;
    * ``charged_cents``: the charges due on a day the case is open (from ``opened`` to the day
      before ``closed``, or to ``end``);
    * ``collected_cents``: the payments dated after ``opened`` up to ``closed`` (the day the
      case is paid off counts), or up to ``end``, minus what the rejections dated in that span
      take back (the payments they return; a rejection that returns no payment, its amount);
    * ``adjusted_cents``: the adjustments (housing aid paid to the landlord, credit notes)
      dated in the same span;
    * ``owed_cents`` = ``debt_at_open_cents + charged_cents``;
    * ``recovered_cents`` = ``collected_cents + adjusted_cents``, but at least 0 and at most
      ``owed_cents`` (an overpayment is credit for the terms to come, not recovery);
    * ``days_open``: the days the case was open up to ``end`` (``closed - opened``, or
      ``end - opened + 1``); ``cured``: closed on or before ``end``; ``days_to_cure``:
      ``closed - opened`` for a cured case, ``<NA>`` otherwise.

    ``accounts`` is an iterable of ``AccountState`` or a ``Portfolio`` (read with the program's
    schema); the accounts it cannot read are skipped. Rows are in account order, then by opening
    day.
    """
    program = check_program(program)
    first, last = period(start, end)
    threshold = int(program.case_threshold * 100)
    rows: list[tuple] = []
    for state in account_states(program, accounts):
        rows.extend(_account_cases(program, state, first, last, threshold))
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(CASE_COLUMNS)
    data = {}
    for name, values in zip(CASE_COLUMNS, columns, strict=True):
        dtype = _DTYPES[name]
        if dtype == "datetime64[ns]":
            data[name] = pd.to_datetime(pd.Series(values, dtype=object)).astype(dtype)
        else:
            data[name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data, columns=list(CASE_COLUMNS))


def _account_cases(
    program: Program,
    state: AccountState,
    start: datetime.date,
    end: datetime.date,
    threshold: int,
) -> list[tuple]:
    at_end = analyse(state, end, threshold=threshold, names=_NO_VALUES)
    rows = []
    for case in at_end.cases:
        if case.closed is not None and case.closed <= start:
            continue  # its last open day is before the period
        opened = case.opened
        at_open = analyse(state, opened, threshold=threshold, names=_NO_VALUES)
        if case.closed is None:
            settled_by, last_open, at_settled = end, end, at_end
        else:
            settled_by, last_open = case.closed, case.closed - _DAY
            at_settled = analyse(state, settled_by, threshold=threshold, names=_NO_VALUES)
        flows = _flows(state, opened, last_open, settled_by)
        charged, paid, adjusted, charged_after_open = flows
        taken_back = _taken_back(at_open, at_settled, charged_after_open, paid, adjusted)
        debt_at_open = at_open.values["debt"]
        collected = paid - taken_back
        owed = debt_at_open + charged
        recovered = min(max(collected + adjusted, 0), owed)
        cured = case.closed is not None
        rows.append(
            (
                state.account_id,
                program.profile_of(state, opened),
                opened,
                case.closed,
                case.anchor,
                debt_at_open,
                charged,
                collected,
                adjusted,
                owed,
                recovered,
                ((case.closed if cured else end + _DAY) - opened).days,
                cured,
                (case.closed - opened).days if cured else None,
            )
        )
    return rows


def _flows(
    state: AccountState,
    opened: datetime.date,
    last_open: datetime.date,
    settled_by: datetime.date,
) -> tuple[int, int, int, int]:
    """In cents: the charges due on a day the case is open, the payments and the adjustments
    dated after ``opened`` up to ``settled_by``, and the charges due in that same span (what
    ``balance`` counted)."""
    charged = paid = adjusted = charged_after_open = 0
    for entry in state.ledger:
        if isinstance(entry, Charge):
            cents = int(entry.amount * 100)
            if opened <= entry.due <= last_open:
                charged += cents
            if opened < entry.due <= settled_by:
                charged_after_open += cents
        elif isinstance(entry, Payment):
            if opened < entry.on <= settled_by:
                paid += int(entry.amount * 100)
        elif isinstance(entry, Adjustment) and opened < entry.on <= settled_by:
            adjusted += int(entry.amount * 100)
    return charged, paid, adjusted, charged_after_open


def _taken_back(
    at_open: LedgerAnalysis,
    at_settled: LedgerAnalysis,
    charged_after_open: int,
    paid: int,
    adjusted: int,
) -> int:
    """What the rejections dated after ``opened`` up to the settling day added to the balance.

    ``balance`` moves by the charges falling due, minus the payments and adjustments, plus what
    rejections take back; reading it from ``analyse`` on both days keeps the matching of a
    rejection to its payment in one place (:mod:`dunforce.ledger`).
    """
    moved = at_settled.values["balance"] - at_open.values["balance"]
    return moved - charged_after_open + paid + adjusted
