"""The public entry points: read the portfolio, choose the segments, run, shape the tables.

:func:`simulate` and :func:`compare` check their arguments eagerly (errors name the argument),
read a portfolio with the program's schema (a ``behaviour`` column of the tenants table, outside
the schema, gives segments), infer the other segments from the ledgers, run the day loop
(:mod:`.loop`, split over processes by :mod:`.parallel`) and turn what it saw into the typed
tables of a :class:`~.result.SimulationResult`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping

import pandas as pd

from dunforce.errors import StateError
from dunforce.frames import actions_frame, rejected_frame
from dunforce.processes import check_workers
from dunforce.program import Program
from dunforce.simulate.behaviour import SEGMENTS, PaymentBehaviour, infer_segment
from dunforce.simulate.parallel import run_parts
from dunforce.simulate.result import Comparison, SimulationResult
from dunforce.state import AccountState
from dunforce.tables import Portfolio, Rejected
from dunforce.values import to_date

__all__ = ["BEHAVIOUR_COLUMN", "compare", "simulate"]

#: a tenants column, outside the schema, that gives each account's segment
BEHAVIOUR_COLUMN = "behaviour"


def simulate(
    program: Program,
    portfolio: Portfolio | Iterable[AccountState | Rejected],
    *,
    start: datetime.date | str,
    end: datetime.date | str,
    behaviour: PaymentBehaviour | None = None,
    seed: int = 0,
    segments: Mapping[str, str] | None = None,
    every_day: bool = False,
    workers: int = 1,
    progress: Callable[[datetime.date], None] | None = None,
) -> SimulationResult:
    """Run ``program`` every day from ``start`` to ``end`` (both included) over ``portfolio``.

    ``portfolio`` is a :class:`~dunforce.Portfolio` (read with the program's schema; a
    ``behaviour`` column of its tenants table, when the schema has no such attribute, gives
    segments) or an iterable of ``AccountState`` (``Rejected`` items are passed on to
    ``result.rejected``). ``segments`` maps account ids to a segment of :data:`SEGMENTS`; an
    account with none is given one from its ledger (:func:`~.behaviour.infer_segment`).
    ``every_day=True`` steps every account every day, which gives the same result, slowly.
    ``workers`` processes share the accounts (each takes at least 500), which helps on a
    machine with several cores; the result does not depend on it. ``progress``, when given,
    is called with each day once it is simulated (with one worker only), for a progress bar.
    """
    program, first, last, behaviour, seed = _checked(program, start, end, behaviour, seed)
    check_workers(workers)
    states, rejected, given = _accounts(program, portfolio)
    return _simulate(
        program,
        states,
        rejected,
        given,
        segments,
        first,
        last,
        behaviour,
        seed,
        every_day=every_day,
        workers=workers,
        progress=progress,
    )


def compare(
    programs: Mapping[str, Program],
    portfolio: Portfolio | Iterable[AccountState | Rejected],
    *,
    start: datetime.date | str,
    end: datetime.date | str,
    behaviour: PaymentBehaviour | None = None,
    seed: int = 0,
    segments: Mapping[str, str] | None = None,
    workers: int = 1,
) -> Comparison:
    """Simulate each scenario set of ``programs`` (name -> program) on the same portfolio, with
    the same behaviour model and seed: a tenant's draws are the same under every set, so the
    runs differ only from the first action that differs."""
    if not isinstance(programs, Mapping) or not programs:
        raise TypeError("programs: expected a non-empty mapping of names to Programs")
    check_workers(workers)
    if not isinstance(portfolio, Portfolio):
        portfolio = list(portfolio)
    read: dict[int, tuple] = {}
    results = {}
    for name, program in programs.items():
        if not isinstance(name, str):
            raise TypeError(f"programs: names are strings, not {name!r}")
        program, first, last, checked, seed = _checked(program, start, end, behaviour, seed)
        key = id(program.schema)
        if key not in read:
            read[key] = _accounts(program, portfolio)
        states, rejected, given = read[key]
        results[name] = _simulate(
            program, states, rejected, given, segments, first, last, checked, seed, workers=workers
        )
    return Comparison(results)


def _checked(program, start, end, behaviour, seed):
    if not isinstance(program, Program):
        raise TypeError(f"program: expected a dunforce Program, not {type(program).__name__}")
    try:
        first, last = to_date(start, "start"), to_date(end, "end")
    except StateError as exc:
        raise TypeError(exc.message) from None
    if first > last:
        raise ValueError(f"start: {first.isoformat()} is after end ({last.isoformat()})")
    if behaviour is None:
        behaviour = PaymentBehaviour()
    elif not isinstance(behaviour, PaymentBehaviour):
        raise TypeError(f"behaviour: expected a PaymentBehaviour, not {type(behaviour).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed: expected a whole number >= 0, not {seed!r}")
    return program, first, last, behaviour, seed


def _accounts(program: Program, portfolio) -> tuple[list, list, dict[str, str]]:
    """The states, the accounts rejected on the way, and the segments the data gives."""
    given: dict[str, str] = {}
    if isinstance(portfolio, Portfolio):
        tenants = portfolio.tenants
        if BEHAVIOUR_COLUMN in tenants.columns and BEHAVIOUR_COLUMN not in program.schema:
            for account, value in zip(
                tenants["account_id"].tolist(), tenants[BEHAVIOUR_COLUMN].tolist(), strict=True
            ):
                if isinstance(value, str) and value.strip():
                    given[str(account)] = value.strip()
            portfolio = Portfolio(
                tenants=tenants.drop(columns=[BEHAVIOUR_COLUMN]),
                ledger=portfolio.ledger,
                events=portfolio.events,
                plans=portfolio.plans,
                history=portfolio.history,
            )
        items = portfolio.accounts(program.schema)
    elif isinstance(portfolio, AccountState) or not isinstance(portfolio, Iterable):
        raise TypeError(
            "portfolio: expected a Portfolio or an iterable of AccountState, "
            f"not {type(portfolio).__name__}"
        )
    else:
        items = portfolio
    states: list[AccountState] = []
    rejected: list[Rejected] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        if isinstance(item, Rejected):
            rejected.append(item)
        elif isinstance(item, AccountState):
            if item.account_id in seen:
                raise ValueError(f"portfolio: account {item.account_id!r} appears twice")
            seen.add(item.account_id)
            states.append(item)
        else:
            raise TypeError(
                f"portfolio[{index}]: expected an AccountState, not {type(item).__name__}"
            )
    return states, rejected, given


def _simulate(
    program,
    states,
    rejected,
    given,
    segments,
    first,
    last,
    behaviour,
    seed,
    *,
    every_day=False,
    workers=1,
    progress=None,
):
    if segments is not None and not isinstance(segments, Mapping):
        raise TypeError(
            f"segments: expected a mapping of account ids to segments, not {segments!r}"
        )
    chosen: dict[str, str] = {}
    threshold = int(program.case_threshold * 100)
    for state in states:
        segment = (segments or {}).get(state.account_id) or given.get(state.account_id)
        if segment is None:
            segment = infer_segment(state, first, behaviour, threshold=threshold)
        elif segment not in SEGMENTS:
            raise ValueError(
                f"segment of account {state.account_id!r}: {segment!r} is not one of "
                f"{', '.join(SEGMENTS)}"
            )
        chosen[state.account_id] = segment
    raw = run_parts(
        program,
        states,
        chosen,
        workers=workers,
        start=first,
        end=last,
        behaviour=behaviour,
        seed=seed,
        every_day=bool(every_day),
        progress=progress,
    )
    actions = actions_frame(raw.actions)
    actions["outcome"] = pd.Series(raw.outcomes, dtype=object)
    return SimulationResult(
        program=program,
        start=first,
        end=last,
        seed=seed,
        states=tuple(state for state in raw.states if state is not None),
        rejected=rejected_frame([*rejected, *raw.rejected]),
        actions=actions,
        payments=_payments(raw.payments),
        daily=_daily(raw.daily),
        steps=raw.steps,
    )


def _day_column(ordinals) -> pd.Series:
    days = [None if o is None else datetime.date.fromordinal(o) for o in ordinals]
    return pd.to_datetime(pd.Series(days, dtype=object)).astype("datetime64[ns]")


def _payments(rows) -> pd.DataFrame:
    columns = list(zip(*rows, strict=True)) if rows else [()] * 7
    account, day, cents, method, simulated, owed, returned = columns
    return pd.DataFrame(
        {
            "account_id": pd.Series(account, dtype=object),
            "date": _day_column(day),
            "amount_cents": pd.Series(cents, dtype="int64"),
            "method": pd.Series(method, dtype=object),
            "simulated": pd.Series(simulated, dtype=bool),
            "owed_cents": pd.Series(owed, dtype="Int64"),
            "returned_on": _day_column(returned),
        }
    )


def _daily(rows) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows))
    frame["date"] = _day_column(frame["date"].tolist())
    return frame.astype({c: "int64" for c in frame.columns if c != "date"})
