"""The KPIs of a collection run, per profile, scenario or channel, or for the whole portfolio.

A row is computed from two tables: the arrears cases of the period (:func:`dunforce.kpi.cases`)
and the actions emitted in it (:func:`dunforce.frames.actions_frame`). Money stays exact: the
cases' amounts are integer cents and the channels' unit costs are added up as ``Decimal`` before
the total is rounded once to the cent. Rates and means are floats, ``NaN`` when the group has
nothing to divide by.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal

import pandas as pd

from dunforce.kpi.arrears import CASE_COLUMNS, cases
from dunforce.kpi.inputs import actions_between, check_program, period
from dunforce.program import Program
from dunforce.state import AccountState, Action
from dunforce.tables import Portfolio, Rejected

__all__ = ["GROUPINGS", "KPI_COLUMNS", "kpis", "summary"]

#: what ``by`` may be: a row per profile, per scenario, per channel, or one row (``None``)
GROUPINGS: tuple[str | None, ...] = ("profile", "scenario", "channel", None)

#: the KPI columns of :func:`kpis`, in order (after the group column)
KPI_COLUMNS: tuple[str, ...] = (
    "cases",
    "recovery_rate",
    "cure_rate",
    "avg_days_to_collect",
    "actions",
    "contacts",
    "contacts_per_case",
    "cost_cents",
    "cost_per_case_cents",
    "automation_rate",
)

_INTS = frozenset({"cases", "actions", "contacts", "cost_cents"})
_WHOLE = "all"  # the one group of by=None
_CENT = Decimal("0.01")


def kpis(
    program: Program,
    accounts: Iterable[AccountState | Rejected] | Portfolio | pd.DataFrame,
    actions: pd.DataFrame | Iterable[Action],
    *,
    start: datetime.date | str,
    end: datetime.date | str,
    by: str | None = "profile",
    cure_days: int = 30,
) -> pd.DataFrame:
    """The KPIs of the cases open and the actions emitted in ``[start, end]``, one row a group.

    ``accounts`` is an iterable of ``AccountState``, a ``Portfolio``, or the table that
    ``cases(program, accounts, start=start, end=end)`` returned (to group the same cases several
    ways without reading the ledgers again). ``actions`` is the actions table of
    :func:`dunforce.frames.actions_frame` (or the actions themselves); only those with
    ``emitted_on`` in ``[start, end]`` count.

    A case belongs, for ``by="profile"``, to its profile on the day it opened; for
    ``by="scenario"`` (``"channel"``), to every scenario (channel) that emitted an action to its
    account on a day it was open, within the period; for ``by=None``, to the one row. An action
    belongs to the group its own ``profile``, ``scenario`` or ``channel`` column names (the
    profile it was emitted under). So with ``by="profile"`` the cases and the actions of the rows
    add up to those of ``by=None``; with ``"scenario"`` and ``"channel"`` the actions do, while a
    case counts in every row that acted on it, and in none if nothing did.

    Per group, over its cases and its actions:

    * ``cases``: how many;
    * ``recovery_rate`` = Σ ``recovered_cents`` / Σ ``owed_cents`` of the cases (what was
      collected, net of rejections, with housing aid and credit notes, out of the debt at
      opening plus the charges due while open; see :func:`cases`);
    * ``cure_rate``: among the cases opened at least ``cure_days`` days before ``end`` (whose
      outcome after ``cure_days`` days is known), the share cured within ``cure_days`` days
      (``days_to_cure <= cure_days``);
    * ``avg_days_to_collect``: the mean ``days_to_cure`` of the cured cases;
    * ``actions``, ``contacts`` (actions whose channel reaches the tenant:
      ``program.channels[channel].contact``) and ``contacts_per_case`` = contacts / cases;
    * ``cost_cents``: the sum of the actions' unit costs
      (``program.channels[channel].cost_of(options)``, exact ``Decimal`` euros), rounded once to
      the cent (half to even); ``cost_per_case_cents`` = cost_cents / cases;
    * ``automation_rate`` = automatic actions (``kind == "automatic"``) / actions.

    The rows follow the program's order (profiles and scenarios in file order, channels in
    registry order), with ``None`` (no profile) last. The group column is named after ``by``;
    with ``by=None`` there is no group column and one row.
    """
    program = check_program(program)
    first, last = period(start, end)
    if by not in GROUPINGS:
        raise ValueError(f"by: {by!r} is not one of 'profile', 'scenario', 'channel' or None")
    if isinstance(cure_days, bool) or not isinstance(cure_days, int) or cure_days < 0:
        raise ValueError(f"cure_days: expected a whole number of days >= 0, not {cure_days!r}")
    if isinstance(accounts, pd.DataFrame):
        missing = [column for column in CASE_COLUMNS if column not in accounts.columns]
        if missing:
            raise ValueError(
                f"accounts: a table of cases needs the columns of dunforce.kpi.cases; "
                f"{missing[0]!r} is missing"
            )
        table = accounts.reset_index(drop=True)
    else:
        table = cases(program, accounts, start=first, end=last)
    done = actions_between(actions, first, last)
    costs, contact = _channel_facts(program, done)

    members = _members(table, done, by, last)
    case_rows = _case_figures(table, members, last, cure_days)
    action_rows = _action_figures(done, by, costs, contact)
    groups = _ordered(program, by, set(case_rows) | set(action_rows))
    if by is None:
        groups = [_WHOLE]
    records = []
    for group in groups:
        record = {**_empty_case_figures(), **case_rows.get(group, {})}
        record.update(action_rows.get(group, _empty_action_figures()))
        records.append(_finish(record))
    frame = pd.DataFrame.from_records(records, columns=list(KPI_COLUMNS))
    frame = frame.astype({c: "int64" if c in _INTS else "float64" for c in KPI_COLUMNS})
    if by is not None:
        frame.insert(0, by, pd.Series(groups, dtype=object))
    return frame


def summary(
    program: Program,
    accounts: Iterable[AccountState | Rejected] | Portfolio | pd.DataFrame,
    actions: pd.DataFrame | Iterable[Action],
    *,
    start: datetime.date | str,
    end: datetime.date | str,
    cure_days: int = 30,
) -> pd.Series:
    """The whole-portfolio KPIs (the one row of ``kpis(..., by=None)``) as a Series: counts and
    cents as ``int``, rates as ``float``."""
    frame = kpis(program, accounts, actions, start=start, end=end, by=None, cure_days=cure_days)
    values = {
        column: int(frame.at[0, column]) if column in _INTS else float(frame.at[0, column])
        for column in KPI_COLUMNS
    }
    return pd.Series(values, name="kpis", dtype=object)


# ------------------------------------------------------------------------------ the cases


def _members(
    table: pd.DataFrame, done: pd.DataFrame, by: str | None, end: datetime.date
) -> list[tuple[int, object]]:
    """(case position, group) pairs: which groups each case belongs to."""
    if by is None:
        return [(position, _WHOLE) for position in range(len(table))]
    if by == "profile":
        return list(enumerate(table["profile"].tolist()))
    last_open = (table["closed"] - pd.Timedelta(days=1)).fillna(pd.Timestamp(end))
    spans = pd.DataFrame(
        {
            "case": range(len(table)),
            "account_id": table["account_id"].astype(object),
            "opened": table["opened"],
            "last_open": last_open,
        }
    )
    acted = done[["account_id", by, "emitted_on"]].merge(spans, on="account_id")
    inside = (acted["emitted_on"] >= acted["opened"]) & (acted["emitted_on"] <= acted["last_open"])
    pairs = zip(acted.loc[inside, "case"].tolist(), acted.loc[inside, by].tolist(), strict=True)
    return sorted(set(pairs), key=lambda pair: pair[0])


def _case_figures(
    table: pd.DataFrame, members: list[tuple[int, object]], end: datetime.date, cure_days: int
) -> dict[object, dict[str, object]]:
    owed = table["owed_cents"].tolist()
    recovered = table["recovered_cents"].tolist()
    cured = table["cured"].tolist()
    to_cure = [None if pd.isna(v) else int(v) for v in table["days_to_cure"].tolist()]
    latest_matured = pd.Timestamp(end - datetime.timedelta(days=cure_days))
    matured = (table["opened"] <= latest_matured).tolist()
    figures: dict[object, dict[str, object]] = {}
    for position, group in members:
        row = figures.setdefault(group, _empty_case_figures())
        row["cases"] += 1
        row["_owed"] += int(owed[position])
        row["_recovered"] += int(recovered[position])
        if matured[position]:
            row["_matured"] += 1
            if cured[position] and to_cure[position] <= cure_days:
                row["_cured_in_time"] += 1
        if cured[position]:
            row["_cured"] += 1
            row["_days_to_cure"] += to_cure[position]
    return figures


def _empty_case_figures() -> dict[str, object]:
    return dict.fromkeys(
        ("cases", "_owed", "_recovered", "_matured", "_cured_in_time", "_cured", "_days_to_cure"),
        0,
    )


# ------------------------------------------------------------------------------ the actions


def _channel_facts(
    program: Program, done: pd.DataFrame
) -> tuple[dict[tuple[str, str], Decimal], dict[str, bool]]:
    """The unit cost of each (channel, options) used, and whether each channel is a contact."""
    costs: dict[tuple[str, str], Decimal] = {}
    contact: dict[str, bool] = {}
    for channel, options in set(zip(done["channel"], done["options"], strict=True)):
        found = program.channels.get(channel) if isinstance(channel, str) else None
        if found is None:
            raise ValueError(f"actions: channel {channel!r} is not a channel of {program.filename}")
        costs[channel, options] = found.cost_of(options.split())
        contact[channel] = found.contact
    return costs, contact


def _action_figures(
    done: pd.DataFrame,
    by: str | None,
    costs: dict[tuple[str, str], Decimal],
    contact: dict[str, bool],
) -> dict[object, dict[str, object]]:
    groups = done[by].tolist() if by is not None else [_WHOLE] * len(done)
    counted = Counter(
        zip(groups, done["channel"], done["options"], done["kind"] == "automatic", strict=True)
    )
    figures: dict[object, dict[str, object]] = {}
    for (group, channel, options, automatic), number in counted.items():
        row = figures.setdefault(group, _empty_action_figures())
        row["actions"] += number
        row["_automatic"] += number if automatic else 0
        row["contacts"] += number if contact[channel] else 0
        row["_cost"] += costs[channel, options] * number
    return figures


def _empty_action_figures() -> dict[str, object]:
    return {"actions": 0, "_automatic": 0, "contacts": 0, "_cost": Decimal(0)}


# ------------------------------------------------------------------------------ the rows


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def _finish(row: dict[str, object]) -> dict[str, object]:
    cost = int((row["_cost"] / _CENT).to_integral_value(rounding=ROUND_HALF_EVEN))
    cases_ = row["cases"]
    return {
        "cases": cases_,
        "recovery_rate": _ratio(row["_recovered"], row["_owed"]),
        "cure_rate": _ratio(row["_cured_in_time"], row["_matured"]),
        "avg_days_to_collect": _ratio(row["_days_to_cure"], row["_cured"]),
        "actions": row["actions"],
        "contacts": row["contacts"],
        "contacts_per_case": _ratio(row["contacts"], cases_),
        "cost_cents": cost,
        "cost_per_case_cents": _ratio(cost, cases_),
        "automation_rate": _ratio(row["_automatic"], row["actions"]),
    }


def _ordered(program: Program, by: str | None, groups: set[object]) -> list[object]:
    """The groups in the program's order; names it does not know after, by name; None last."""
    if by == "profile":
        known: tuple[str, ...] = program.profiles
    elif by == "scenario":
        known = tuple(block.name for block in program.compiled.blocks)
    elif by == "channel":
        known = tuple(channel.name for channel in program.channels)
    else:
        known = ()
    order = {name: index for index, name in enumerate(known)}
    return sorted(
        groups, key=lambda g: (g is None, order.get(g, len(order)), "" if g is None else str(g))
    )
