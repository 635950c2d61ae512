"""Profiles and conditions judged over columns (``dunforce.batch.conditions``): whatever the
columns say for certain, the step function finds on every day of the span, and an account
whose condition may raise is flagged."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dunforce
from dunforce import AccountState, Portfolio
from dunforce.batch.columns import read_columns
from dunforce.batch.conditions import Judge
from dunforce.batch.ledger_days import LedgerDays
from dunforce.synthetic import synthetic_portfolio
from strategies import states
from test_run import EXAMPLE, SOCIAL_HOUSING, WIDE, plain, same_run

#: every form of condition the judge follows, and some it leaves unknown
MIXED = dunforce.compile(
    """\
profile leaving: departure_date is set and days_until(departure_date) <= 30
profile careless: departure_date is not set or days_until(departure_date) < -400
profile newcomer: days_since(lease_start) < 400 and not apl
profile cash: payment_method in ["cash", "cheque"] and payment_method != "transfer"
profile rich: income is set and income - 1000 € >= 1500 €
profile poor: (income is set and income < 900 €) or (fsl and prior_orders >= 1)
profile indebted: debt_months >= 1 or plan_active
profile quiet: phone_mobile is not set and email_address is set and email_address == "x@example.org"
profile rest: otherwise

scenario chase for leaving, careless, newcomer, cash, rich, poor, indebted, quiet:
    sms "a" at D+1 if housing_type == "house" or days_since(lease_start) > 4000
    letter "b" at D+3 if not (prior_orders in [1, 2]) and debt >= 10 €
    call at D+5 if max(prior_orders, household_size) > 3
    email "d1" at D+6 if case_open_date is set and days_since(case_open_date) < 25
    email "d2" at D+7 if unpaid_terms >= 2 or credit > 0 € or days_late == 20
    email "d3" at D+8 if balance > 500 € and case_anchor is set
    email "d4" at D+9 if late_episodes_12m >= 2 and rejections_90d == 0 and rejections_12m < 2
    email "d5" at D+10 if monthly_rent >= 400 € and debt_months >= 0.5 and debt_months < 1.25

scenario rest for rest:
    sms "r" at D+2 if leaving or newcomer
""",
    filename="mixed.dfs",
)


def _values_by_day(program, state: AccountState, first: int, last: int):
    days, _ = program._days(state, datetime.date.fromordinal(last))
    return {day: days.at(day) for day in range(first, last + 1)}


def _conditions(program) -> list:
    return [
        step for block in program.compiled.blocks for step in block.steps if step.expr is not None
    ]


def _agrees(judge: Judge, truths: dict, position: int, program, state, by_day) -> None:
    """What the judge calls certain for one of its rows, the step function finds on each day
    of ``by_day`` (a function giving the values and profile of each day)."""
    try:
        days = by_day()
    except dunforce.DunforceError:
        assert judge.raises[position], f"{state.account_id}: a profile raised, not flagged"
        return
    for day, (values, profile) in days.items():
        assert judge.possible[profile][position], (state.account_id, day, profile)
        for name, certain in judge.certain.items():
            if certain[position]:
                assert profile == name, (state.account_id, day, name, profile)
        for step in _conditions(program):
            truth = truths[step.index]
            try:
                holds = bool(step.condition(values, day, profile))
            except (TypeError, ArithmeticError):
                assert judge.raises[position], (state.account_id, step.text)
                continue
            side = truth.true if holds else truth.false
            assert side[position], (state.account_id, day, step.text, holds)


def _step_truths(judge: Judge, program) -> dict:
    return {step.index: judge.truth(step.expr, False) for step in _conditions(program)}


def _check(program, states: list[AccountState], today: datetime.date, span: int) -> None:
    portfolio = Portfolio.from_states(states)
    last = today.toordinal()
    first = last - span
    rows = np.arange(len(states))
    judge = Judge(program.checked, portfolio.tenants, rows, first, last)
    truths = _step_truths(judge, program)
    for row, state in enumerate(states):
        _agrees(
            judge,
            truths,
            row,
            program,
            state,
            lambda s=state: _values_by_day(program, s, first, last),
        )


def _check_on_days(program, states: list[AccountState], asked: list[tuple[int, datetime.date]]):
    """Accounts judged each on a day of its own (``asked``: index in ``states``, day), with
    the ledger values of that day."""
    portfolio = Portfolio.from_states(states)
    columns = read_columns(portfolio, program.schema, ())
    assert columns.vouched.all()
    rows = np.array([index for index, _ in asked], dtype=np.int64)
    on = np.array([day.toordinal() for _, day in asked], dtype=np.int64)
    ledger = LedgerDays(columns, program._threshold, int(on.max())).at(rows, on)
    judge = Judge(
        program.checked, portfolio.tenants, rows, on, on, planned=columns.planned, ledger=ledger
    )
    truths = _step_truths(judge, program)
    for position, (row, day) in enumerate(zip(rows.tolist(), on.tolist(), strict=True)):
        state = states[row]
        _agrees(
            judge,
            truths,
            position,
            program,
            state,
            lambda s=state, d=day: _values_by_day(program, s, d, d),
        )
    return judge


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    accounts=st.lists(states(), min_size=1, max_size=8, unique_by=lambda s: s.account_id),
    program=st.sampled_from([SOCIAL_HOUSING, WIDE, MIXED]),
    data=st.data(),
)
def test_on_a_day_of_its_own_each_account_is_judged_with_its_ledger_values(accounts, program, data):
    asked = [
        (index, data.draw(st.dates(datetime.date(2026, 1, 15), datetime.date(2026, 7, 31))))
        for index in range(len(accounts))
        for _ in range(data.draw(st.integers(1, 3)))
    ]
    _check_on_days(program, [plain(a, plans=True) for a in accounts], asked)


@pytest.mark.parametrize("program", [SOCIAL_HOUSING, MIXED], ids=["social_housing", "mixed"])
def test_the_ledger_values_of_every_day_decide_the_ledger_profiles(program):
    portfolio = synthetic_portfolio(120, as_of="2026-11-09", seed=5)
    states = [
        s
        for s in portfolio.accounts(program.schema)
        if isinstance(s, AccountState) and not s.plans and plain(s) == s
    ]
    today = datetime.date(2026, 11, 20)
    asked = [
        (index, today - datetime.timedelta(days=back))
        for index in range(len(states))
        for back in range(0, 120, 3)
    ]
    judge = _check_on_days(program, states, asked)
    # every profile reads attributes and ledger values: each account's is certain
    decided = np.logical_or.reduce([judge.certain[name] for name in judge.certain])
    assert decided.all()
    if program is SOCIAL_HOUSING:
        assert judge.certain["chronic"].any() and judge.certain["significant_debt"].any()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    accounts=st.lists(states(), min_size=1, max_size=8),
    program=st.sampled_from([SOCIAL_HOUSING, WIDE, MIXED]),
    today=st.dates(datetime.date(2026, 1, 15), datetime.date(2026, 7, 31)),
    span=st.integers(0, 40),
)
def test_what_the_columns_judge_certain_holds_on_every_day_of_the_span(
    accounts, program, today, span
):
    _check(program, [plain(a) for a in accounts], today, span)


@pytest.mark.parametrize("program", [SOCIAL_HOUSING, MIXED], ids=["social_housing", "mixed"])
def test_the_synthetic_tenants_are_judged_as_the_step_function_sees_them(program):
    portfolio = synthetic_portfolio(300, as_of="2026-11-09", seed=11)
    states = [s for s in portfolio.accounts(program.schema) if isinstance(s, AccountState)]
    _check(program, [s for s in states if not s.plans], datetime.date(2026, 11, 20), 12)


def test_attribute_profiles_are_certain_and_derived_ones_are_not():
    portfolio = synthetic_portfolio(400, as_of="2026-11-09", seed=3)
    columns = read_columns(portfolio, SOCIAL_HOUSING.schema, SOCIAL_HOUSING.compiled.required)
    rows = np.flatnonzero(columns.vouched)
    today = datetime.date(2026, 11, 20).toordinal()
    judge = Judge(SOCIAL_HOUSING.checked, portfolio.tenants, rows, today - 10, today)
    over_indebted = portfolio.tenants["over_indebtedness"].to_numpy(dtype=bool)[rows]
    assert over_indebted.any()
    # the first profile reads one attribute: the columns decide it for every account
    assert (judge.certain["over_indebted"] == over_indebted).all()
    assert (judge.possible["over_indebted"] == over_indebted).all()
    # `chronic` reads the ledger's late episodes: never certain from the columns
    assert not judge.certain["chronic"].any()
    assert judge.possible["chronic"].any()
    assert not judge.raises.any()


def test_a_guarded_ordering_is_judged_without_flagging_the_tenants_it_does_not_reach():
    program = dunforce.compile(
        "profile rich: income is set and income > 2000 €\n"
        "profile modest: income is not set or income <= 1000 €\n"
        'profile rest: otherwise\nscenario s for rich:\n    sms "a" at D+1\n',
        filename="guarded.dfs",
    )
    accounts = [
        AccountState("A1", attributes={"income": "2500.00"}),
        AccountState("A2", attributes={}),
        AccountState("A3", attributes={"income": "1500.00"}),
    ]
    portfolio = Portfolio.from_states(accounts)
    judge = Judge(program.checked, portfolio.tenants, np.arange(3), 100, 100)
    assert not judge.raises.any()
    assert judge.certain["rich"].tolist() == [True, False, False]
    assert judge.certain["modest"].tolist() == [False, True, False]
    assert judge.certain["rest"].tolist() == [False, False, True]


#: a program reading attributes of each type, typed columns of pandas
TYPED = dunforce.compile(
    """\
profile rich: income is set and income >= 1500 € and deposit_amount < 300 €
profile family: household_size is set and household_size + dependents >= 4
profile recent: lease_start is set and days_since(lease_start) < 400
profile aided: apl
profile rest: otherwise
scenario s for rich, family, recent, aided:
    sms "a" at D+1
""",
    filename="typed.dfs",
)
_CENTS = st.integers(-(10**9), 10**9)
_TYPED_ROW = st.tuples(
    st.none() | _CENTS,  # income
    st.none() | _CENTS,  # deposit_amount, 0 when not set
    st.none() | st.integers(0, 12),  # household_size, in a float column with gaps
    st.integers(0, 9),  # dependents, in an integer column
    st.none() | st.integers(-3000, 30),  # lease_start, days from the run
    st.booleans(),  # apl
)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(_TYPED_ROW, min_size=1, max_size=12))
def test_typed_columns_are_judged_as_their_cells_read_one_by_one(rows):
    today = datetime.date(2026, 11, 20)
    epoch = np.datetime64(today.isoformat(), "D")

    def money(cents):
        return np.nan if cents is None else cents / 100

    typed = pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(len(rows))],
            "income": [money(r[0]) for r in rows],
            "deposit_amount": [money(r[1]) for r in rows],
            "household_size": [np.nan if r[2] is None else float(r[2]) for r in rows],
            "dependents": np.array([r[3] for r in rows], dtype=np.int64),
            "lease_start": [
                np.datetime64("NaT") if r[4] is None else epoch + np.timedelta64(r[4], "D")
                for r in rows
            ],
            "apl": np.array([r[5] for r in rows], dtype=bool),
        }
    ).astype({"lease_start": "datetime64[ns]"})
    one_by_one = typed.astype(object)  # every cell a Python value, read by the parsers
    judges = []
    for frame in (typed, one_by_one):
        columns = read_columns(Portfolio(tenants=frame), TYPED.schema, ())
        assert columns.vouched.all()
        on = today.toordinal()
        judges.append(Judge(TYPED.checked, frame, np.arange(len(rows)), on, on))
    fast, slow = judges
    for name in ("income", "deposit_amount", "household_size", "dependents", "lease_start"):
        read, parsed = fast._name(name), slow._name(name)
        assert read.low.tolist() == parsed.low.tolist(), name
        assert read.is_set.true.tolist() == parsed.is_set.true.tolist(), name
    assert fast._name("deposit_amount").is_set.true.all()  # its default when not set
    for profile in ("rich", "family", "recent", "aided", "rest"):
        assert fast.certain[profile].tolist() == slow.certain[profile].tolist(), profile
        assert fast.possible[profile].tolist() == slow.possible[profile].tolist(), profile
        assert (fast.certain[profile] == fast.possible[profile]).all(), profile


def test_the_example_portfolio_runs_the_same_with_the_sharper_screen_on_many_days():
    portfolio = Portfolio.read_csv(EXAMPLE / "data")
    quiet = 0
    for day in ("2026-10-02", "2026-10-20", "2026-11-03", "2026-11-12", "2026-11-27"):
        quiet += same_run(SOCIAL_HOUSING, portfolio, day).quiet
    assert quiet > 0


@pytest.mark.slow
def test_a_synthetic_portfolio_runs_the_same_on_both_paths_over_a_month():
    portfolio = synthetic_portfolio(600, as_of="2026-11-09", seed=7)
    for day in range(1, 31, 4):
        same_run(SOCIAL_HOUSING, portfolio, datetime.date(2026, 11, day))


_FREE_TEXT_CELL = st.one_of(
    st.none(),
    st.just(np.nan),
    st.just(pd.NA),
    st.sampled_from(["", "  ", "\t", "\x1c", "\u3000", "x@example.org", " y@example.org "]),
    st.text(min_size=1, max_size=6),
)


@settings(max_examples=80, deadline=None)
@given(cells=st.lists(_FREE_TEXT_CELL, min_size=1, max_size=12), arrow=st.booleans())
def test_free_text_is_read_as_the_reader_reads_it(cells, arrow):
    # an e-mail address has as many values as accounts: it is read as it is, and a missing,
    # empty or blank cell is not given, as the per-account reader says
    frame = pd.DataFrame(
        {"account_id": [f"A{i}" for i in range(len(cells))], "email_address": cells}
    ).astype({"email_address": "string" if arrow else object})
    judge = Judge(TYPED.checked, frame, np.arange(len(cells)), 100, 100)
    values, is_set = judge._read_attribute("email_address")
    given_cells = [
        None if c is None or c is pd.NA or isinstance(c, float) or not c.strip() else c
        for c in cells
    ]
    assert [None if v is None else v for v in values.tolist()] == given_cells
    assert is_set.tolist() == [c is not None for c in given_cells]
    states = Portfolio(tenants=frame.astype(object)).accounts(TYPED.schema)
    read = [s.attributes.get("email_address") for s in states]
    assert read == given_cells
