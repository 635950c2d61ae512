"""Strategies for whole accounts: attributes, ledger, events, plans and a history, and portfolios.

Given a program, an account has what that program reads: the attributes it uses (always those it
requires), events of the kinds its ``on`` blocks answer, and, with ``with_history``, a history
made by stepping the program over earlier days and recording what it issued, with outcomes an
adapter could have reported. So the histories are those a daily job really builds, not
arbitrary keys.
"""

from __future__ import annotations

import datetime

import attrs
from hypothesis import strategies as st

from dunforce.attributes import HOUSING_SCHEMA, Schema
from dunforce.ledger import analyse
from dunforce.state import AccountState, Event, Instalment, Issued, Plan, Rejection
from dunforce.tables import Portfolio
from dunforce.testing.ledgers import ledgers
from dunforce.testing.values import DAY, DEFAULT_DAY, attribute_values, dates, day_argument, money

__all__ = ["account_states", "portfolios", "states_and_days"]

#: how far back ``with_history`` steps the program before the day drawn
HISTORY_DAYS = 60


def _schema_of(schema: Schema | None, program) -> Schema:
    if program is None:
        if schema is None:
            return HOUSING_SCHEMA
        if not isinstance(schema, Schema):
            raise TypeError(f"schema: expected a dunforce.Schema, not {type(schema).__name__}")
        return schema
    for needed in ("step", "schema", "compiled"):
        if not hasattr(program, needed):
            raise TypeError(f"program: expected a dunforce.Program, not {type(program).__name__}")
    if schema is not None and schema is not program.schema:
        raise ValueError("schema: the program brings its own schema; pass one or the other")
    return program.schema


def _event_kinds(schema: Schema, program) -> tuple[str, ...]:
    """The event kinds to draw: those the program's ``on`` blocks answer, else the schema's."""
    if program is not None:
        return tuple(sorted({b.event for b in program.compiled.blocks if b.kind == "event"}))
    return tuple(sorted(schema.events))


def _day_strategy(on, name: str = "on"):
    if on is None or isinstance(on, st.SearchStrategy):
        return on
    return st.just(day_argument(on, name))


@st.composite
def _account(
    draw,
    *,
    schema: Schema,
    program,
    start: datetime.date,
    months: int,
    ledger,
    with_history: bool,
    on,
    account_id: str | None,
):
    names = program.compiled.attribute_names if program is not None else None
    attributes = draw(attribute_values(schema, names, today=start))
    method = attributes.get("payment_method")
    entries = draw(
        ledger
        if ledger is not None
        else ledgers(start=start, months=months, method=method if isinstance(method, str) else None)
    )
    end = start + 31 * max(months, 1) * DAY
    kinds = _event_kinds(schema, program)
    events: list[Event] = []
    if "rejection" in kinds:  # the bank's notice of a returned payment, most of the time
        for entry in entries:
            if isinstance(entry, Rejection) and draw(st.integers(0, 4)) > 0:
                events.append(Event("rejection", on=entry.on))
    if kinds:
        for kind, on_day in draw(
            st.lists(
                st.tuples(st.sampled_from(kinds), st.dates(start - 30 * DAY, end + 90 * DAY)),
                max_size=3,
            )
        ):
            events.append(Event(kind, on=on_day))
    plans = ()
    if draw(st.integers(0, 3)) == 3:  # a repayment plan, sometimes cancelled
        signed = draw(st.dates(start, end))
        count = draw(st.integers(1, 6))
        amount = draw(money(2_000, 30_000))
        instalments = tuple(Instalment(signed + 30 * (n + 1) * DAY, amount) for n in range(count))
        cancelled = signed + draw(st.integers(10, 120)) * DAY if draw(st.booleans()) else None
        plans = (Plan(signed_on=signed, instalments=instalments, cancelled_on=cancelled),)
    identifier = account_id if account_id is not None else f"A{draw(st.integers(1, 99_999)):05d}"
    state = AccountState(
        account_id=identifier,
        attributes=attributes,
        ledger=entries,
        plans=plans,
        events=tuple(events),
        schema=schema,
    )
    day = draw(on) if on is not None else _step_day(draw, program, state, start, end)
    if with_history:
        state = _with_history(draw, program, state, day)
    return state, day


#: the unit lengths in days, roughly, to aim at a step's day
_UNIT_DAYS = {"d": 1, "bd": 1.4, "w": 7, "m": 30.4}


def _offsets(blocks) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The offsets in days of the post-due steps of ``blocks``, and of their other steps
    (pre-due and event steps); without blocks (no program), a range of each."""
    if blocks is None:
        return tuple(range(0, 61)), tuple(range(-10, 11))
    after, other = set(), set()
    for block in blocks:
        for step in block.steps:
            days = round(step.amount * _UNIT_DAYS.get(step.unit, 1))
            (after if step.anchor == "D" and days >= 0 else other).add(days)
    return tuple(sorted(after)) or (0,), tuple(sorted(other)) or (0,)


def _step_day(draw, program, state: AccountState, start: datetime.date, end: datetime.date):
    """A day to step ``state`` on: mostly one on which a step of the program falls due (its
    offset from the open case's anchor D, from a due date or from an event, or a few days later,
    when the job catches up), else any day of the span, often a Sunday or a holiday."""
    aim = draw(st.integers(0, 3))
    late = draw(st.sampled_from((0, 0, 0, 1, 2, 3))) * DAY  # mostly on the day, else caught up
    if aim <= 1:  # a post-due step of a case, in a scenario of the account's profile
        candidate = draw(st.dates(start, end + 60 * DAY))
        case = analyse(state, candidate, names=frozenset()).case
        if case is None:
            return candidate
        blocks = None
        if program is not None:
            profile = program.profile_of(state, candidate)
            blocks = program.compiled.blocks_by_profile.get(profile, ())
        day = case.anchor + draw(st.sampled_from(_offsets(blocks)[0])) * DAY + late
        return day if day >= case.opened else candidate
    if aim == 2:  # a pre-due or event step
        anchors = sorted({e.due for e in state.ledger if e.kind == "charge"})
        anchors += sorted({e.on for e in state.events})
        blocks = None if program is None else program.compiled.blocks
        if anchors:
            offset = draw(st.sampled_from(_offsets(blocks)[1]))
            return draw(st.sampled_from(anchors)) + offset * DAY + late
    middle = start + (end - start) // 2
    return draw(dates(around=middle, within=(end - start).days // 2 + 45))


def _with_history(draw, program, state: AccountState, day: datetime.date) -> AccountState:
    """Step the program over some days before ``day`` (a run of the last days, as a daily job
    does, and a few scattered ones, as a job that sometimes did not run), recording what it
    issued with an outcome an adapter could have reported."""
    run = draw(st.integers(0, 10))
    scattered = draw(st.lists(st.integers(1, HISTORY_DAYS), max_size=6))
    for back in sorted({*range(1, run + 1), *scattered}, reverse=True):
        earlier = day - back * DAY
        issued = []
        for action in program.step(state, earlier):
            channel = program.channels.get(action.channel)
            outcomes = channel.outcomes if channel is not None else ()
            outcome = draw(st.sampled_from((None, *outcomes)))
            issued.append(Issued(action.key, action.emitted_on, action.channel, outcome))
        if issued:
            state = attrs.evolve(state, history=(*state.history, *issued))
    return state


def _arguments(schema, program, start, months, ledger, with_history, on, account_id):
    resolved = _schema_of(schema, program)
    first = day_argument(start, "start")
    if isinstance(months, bool) or not isinstance(months, int) or months < 0:
        raise TypeError(f"months: expected a whole number >= 0, not {months!r}")
    if ledger is not None and not isinstance(ledger, st.SearchStrategy):
        raise TypeError("ledger: expected a strategy of ledgers, such as ledgers(...)")
    if with_history and program is None:
        raise ValueError("with_history: a history is made by stepping a program; pass program=")
    if account_id is not None and (not isinstance(account_id, str) or not account_id):
        raise TypeError(f"account_id: expected a non-empty text, not {account_id!r}")
    return dict(
        schema=resolved,
        program=program,
        start=first,
        months=months,
        ledger=ledger,
        with_history=bool(with_history),
        on=_day_strategy(on),
        account_id=account_id,
    )


def account_states(
    schema: Schema | None = None,
    *,
    program=None,
    start: datetime.date | str = DEFAULT_DAY,
    months: int = 6,
    ledger: st.SearchStrategy | None = None,
    with_history: bool = False,
    on: datetime.date | str | st.SearchStrategy | None = None,
    account_id: str | None = None,
) -> st.SearchStrategy[AccountState]:
    """Valid account states for ``schema`` (the housing catalogue by default) or ``program``.

    The ledger is drawn by :func:`ledgers` over ``months`` months from ``start`` (or from the
    ``ledger`` strategy you give). With a program, the attributes are those it reads and the
    events those its ``on`` blocks answer; with ``with_history`` too, the history is made by
    stepping the program over earlier days, before the day ``on`` (by default a day drawn in
    the ledger's span): use :func:`states_and_days` to get that day with the state.

    >>> from hypothesis import find
    >>> state = find(account_states(months=1), lambda s: s.ledger and s.attributes.get("apl"))
    >>> state.account_id, state.ledger[0].kind, state.attributes["apl"]
    ('A00001', 'charge', True)
    """
    arguments = _arguments(schema, program, start, months, ledger, with_history, on, account_id)
    return _account(**arguments).map(lambda pair: pair[0])


def states_and_days(
    program=None,
    *,
    schema: Schema | None = None,
    start: datetime.date | str = DEFAULT_DAY,
    months: int = 6,
    ledger: st.SearchStrategy | None = None,
    with_history: bool | None = None,
    on: datetime.date | str | st.SearchStrategy | None = None,
) -> st.SearchStrategy[tuple[AccountState, datetime.date]]:
    """Pairs ``(state, day)`` to step: an account as :func:`account_states` draws it, and a day
    in its ledger's span, often a few days after a due date and often a Sunday, a public holiday
    or a month end. With a program, the history is by default made by stepping it over the days
    before ``day`` (``with_history=False`` to start from an empty history).
    """
    history = program is not None if with_history is None else with_history
    arguments = _arguments(schema, program, start, months, ledger, history, on, None)
    return _account(**arguments)


@st.composite
def _portfolio(draw, accounts, min_size: int, max_size: int):
    size = draw(st.integers(min_size, max_size))
    return Portfolio.from_states([draw(accounts(f"A{n:05d}")) for n in range(1, size + 1)])


def portfolios(
    schema: Schema | None = None,
    *,
    program=None,
    min_size: int = 1,
    max_size: int = 10,
    start: datetime.date | str = DEFAULT_DAY,
    months: int = 6,
) -> st.SearchStrategy[Portfolio]:
    """Portfolios (:class:`~dunforce.Portfolio`, the canonical tables) of ``min_size`` to
    ``max_size`` accounts drawn by :func:`account_states`, with distinct account ids."""
    for name, value in (("min_size", min_size), ("max_size", max_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise TypeError(f"{name}: expected a whole number >= 0, not {value!r}")
    if min_size > max_size:
        raise ValueError(f"min_size ({min_size}) is above max_size ({max_size})")
    arguments = _arguments(schema, program, start, months, None, False, None, None)

    def accounts(account_id: str):
        return _account(**{**arguments, "account_id": account_id}).map(lambda pair: pair[0])

    return _portfolio(accounts, min_size, max_size)
