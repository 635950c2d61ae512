"""Arrears ageing: the overdue amount on a day, split by how long each unpaid charge is overdue.

The unsettled part of each charge comes from :func:`dunforce.ledger.analyse` (payments settle
the oldest charges first, rejections undo what they returned), so the buckets of an account add
up to its ``debt`` on that day, to the cent.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from itertools import pairwise

import pandas as pd

from dunforce.kpi.inputs import account_states, as_day, check_program
from dunforce.ledger import analyse
from dunforce.program import Program
from dunforce.state import AccountState
from dunforce.tables import Portfolio, Rejected

__all__ = ["DEFAULT_BUCKETS", "ageing", "bucket_labels"]

#: the upper bounds, in days past the due date, of the ageing buckets but the last
DEFAULT_BUCKETS: tuple[int, ...] = (30, 60, 90, 180)

_NO_VALUES: frozenset[str] = frozenset()


def bucket_labels(buckets: Sequence[int] = DEFAULT_BUCKETS) -> tuple[str, ...]:
    """The column names of the buckets: ``0-30``, ``31-60``, … and ``180+`` (more than 180).

    >>> bucket_labels((30, 60))
    ('0-30', '31-60', '60+')
    """
    bounds = _checked_buckets(buckets)
    labels = []
    low = 0
    for high in bounds:
        labels.append(f"{low}-{high}")
        low = high + 1
    labels.append(f"{bounds[-1]}+")
    return tuple(labels)


def _checked_buckets(buckets: object) -> tuple[int, ...]:
    if isinstance(buckets, str | bytes) or not isinstance(buckets, Iterable):
        raise TypeError(f"buckets: expected a sequence of whole numbers of days, not {buckets!r}")
    bounds = tuple(buckets)
    if not bounds:
        raise ValueError("buckets: give at least one bound, such as (30, 60, 90, 180)")
    for bound in bounds:
        if isinstance(bound, bool) or not isinstance(bound, int) or bound < 1:
            raise ValueError(f"buckets: {bound!r} is not a whole number of days >= 1")
    if any(a >= b for a, b in pairwise(bounds)):
        raise ValueError(f"buckets: {bounds!r} is not strictly increasing")
    return bounds


def ageing(
    program: Program,
    accounts: Iterable[AccountState | Rejected] | Portfolio,
    on: datetime.date | str,
    *,
    buckets: Sequence[int] = DEFAULT_BUCKETS,
) -> pd.DataFrame:
    """The overdue amount on ``on`` per profile, split by the age of the unpaid charges.

    A charge due on day ``d`` and not fully settled on ``on`` (with ``d < on``: a charge is
    overdue from the day after its due date) is ``on - d`` days old; its unsettled cents go to
    the first bucket whose bound is at least that age: with the default bounds, ``0-30`` holds 1
    to 30 days, ``31-60`` 31 to 60, … ``91-180`` 91 to 180 and ``180+`` more than 180.

    One row per profile (``program.profile_of(state, on)``; ``None`` when no profile holds) that
    has an account with an overdue amount, in the program's profile order: ``profile``, the
    buckets in integer cents, ``total`` (their sum: the accounts' ``debt``) and ``accounts``
    (how many of its accounts have an overdue amount). Accounts with nothing overdue are left
    out. ``accounts`` is an iterable of ``AccountState`` or a ``Portfolio``.
    """
    program = check_program(program)
    day = as_day(on, "on")
    bounds = _checked_buckets(buckets)
    labels = bucket_labels(bounds)
    today = day.toordinal()
    threshold = int(program.case_threshold * 100)
    amounts: dict[str | None, list[int]] = {}
    counts: dict[str | None, int] = {}
    for state in account_states(program, accounts):
        analysis = analyse(state, day, threshold=threshold, names=_NO_VALUES)
        parts = [(today - due, cents) for due, cents in analysis.charges if due < today and cents]
        if not parts:
            continue
        profile = program.profile_of(state, day)
        row = amounts.setdefault(profile, [0] * len(labels))
        for age, cents in parts:
            row[bisect_left(bounds, age)] += cents
        counts[profile] = counts.get(profile, 0) + 1
    order = {name: index for index, name in enumerate(program.profiles)}
    profiles = sorted(amounts, key=lambda p: (p is None, order.get(p, len(order)), p or ""))
    frame = pd.DataFrame(
        {
            "profile": pd.Series(profiles, dtype=object),
            **{
                label: pd.Series([amounts[p][i] for p in profiles], dtype="int64")
                for i, label in enumerate(labels)
            },
            "total": pd.Series([sum(amounts[p]) for p in profiles], dtype="int64"),
            "accounts": pd.Series([counts[p] for p in profiles], dtype="int64"),
        }
    )
    return frame
