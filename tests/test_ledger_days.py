"""The ledger values derived over columns, for many accounts each on a day of its own, are
exactly those :func:`dunforce.ledger.analyse` derives for one account on that day."""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dunforce
from dunforce import AccountState, Adjustment, Charge, Event, Payment, Portfolio, Rejection
from dunforce.batch.columns import read_columns
from dunforce.batch.ledger_days import LedgerDays
from dunforce.ledger import analyse

FIRST = datetime.date(2025, 1, 1)
PROGRAM = dunforce.compile("profile anyone: otherwise\n", filename="none.dfs")


@st.composite
def plain_ledgers(draw):
    """Charges (some of 0, some on one day, with or without a period, rent revised) and
    credits over two years: enough for several cases a year apart."""
    entries = []
    with_period = draw(st.sampled_from(["all", "none", "some"]))
    for _ in range(draw(st.integers(0, 14))):
        due = FIRST + datetime.timedelta(days=draw(st.integers(0, 700)))
        cents = draw(st.sampled_from([0, 100, 45_000, 52_050, draw(st.integers(1, 90_000))]))
        period = {"all": True, "none": False}.get(with_period, draw(st.booleans()))
        entries.append(Charge(Decimal(cents) / 100, due, period=f"{due:%Y-%m}" if period else None))
    for _ in range(draw(st.integers(0, 14))):
        on = FIRST + datetime.timedelta(days=draw(st.integers(0, 720)))
        cents = draw(st.integers(1, 100_000))
        kind = Payment if draw(st.integers(0, 3)) else Adjustment
        entries.append(kind(Decimal(cents) / 100, on))
    events = [
        Event("rejection", on=FIRST + datetime.timedelta(days=draw(st.integers(0, 720))))
        for _ in range(draw(st.integers(0, 3)))
    ]
    payments = [e for e in entries if isinstance(e, Payment)]
    for _ in range(draw(st.integers(0, 3))):
        # a payment returned some days later (with the event of its day, or not), or an amount
        # that may match no payment
        if payments and draw(st.integers(0, 3)):
            payment = draw(st.sampled_from(payments))
            on = payment.on + datetime.timedelta(days=draw(st.integers(0, 10)))
            amount = payment.amount
        else:
            on = FIRST + datetime.timedelta(days=draw(st.integers(0, 720)))
            amount = Decimal(draw(st.integers(1, 100_000))) / 100
        entries.append(Rejection(on=on, amount=amount))
        if draw(st.booleans()):
            events.append(Event("rejection", on=on))
    return tuple(draw(st.permutations(entries))), tuple(events)


def _matched_alone(ledger: tuple) -> bool:
    """Every rejection returns a payment of its own when each takes the latest payment of its
    amount dated on or before it: the ledgers the columns vouch for."""
    taken = []
    for rejection in (e for e in ledger if isinstance(e, Rejection)):
        found = [
            (e.on, i)
            for i, e in enumerate(ledger)
            if isinstance(e, Payment) and e.amount == rejection.amount and e.on <= rejection.on
        ]
        if not found:
            return False
        taken.append(max(found))
    return len(set(taken)) == len(taken)


@settings(max_examples=150, deadline=None)
@given(
    ledgers=st.lists(plain_ledgers(), min_size=1, max_size=4),
    threshold=st.sampled_from([0, 1, 5_000]),
    last=st.integers(0, 740),
    asked=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 740)), min_size=1, max_size=8),
)
def test_the_values_of_any_account_on_any_day_are_those_of_the_ledger(
    ledgers, threshold, last, asked
):
    states = [
        AccountState(account_id=f"A{i}", ledger=ledger, events=events)
        for i, (ledger, events) in enumerate(ledgers)
    ]
    columns = read_columns(Portfolio.from_states(states), PROGRAM.schema, ())
    assert columns.vouched.tolist() == [_matched_alone(s.ledger) for s in states]
    last_day = FIRST.toordinal() + last
    days = LedgerDays(columns, threshold, last_day)
    accounts = np.array([a % len(states) for a, _ in asked])
    accounts = accounts[columns.vouched[accounts]]
    asked = [(a, d) for a, d in asked if columns.vouched[a % len(states)]]
    on = np.array([FIRST.toordinal() + min(d, last) for _, d in asked])
    values = days.at(accounts, on)
    for i, (account, day) in enumerate(zip(accounts.tolist(), on.tolist(), strict=True)):
        state = states[account]
        analysis = analyse(state, datetime.date.fromordinal(day), threshold=threshold)
        expected = analysis.values
        case = analysis.case
        where = f"{state.account_id} on {datetime.date.fromordinal(day)}"
        assert values.debt[i] == expected["debt"], where
        assert values.balance[i] == expected["balance"], where
        assert values.in_case[i] == expected["in_case"], where
        assert values.anchor[i] == (case.anchor.toordinal() if case else -1), where
        assert values.opened[i] == (case.opened.toordinal() if case else -1), where
        assert values.late_episodes_12m[i] == expected["late_episodes_12m"], where
        assert values.first_late[i] == expected["first_late"], where
        assert values.unpaid_terms[i] == expected["unpaid_terms"], where
        assert values.monthly_rent[i] == expected["monthly_rent"], where
        rent = int(values.monthly_rent[i])
        months = Fraction(int(values.debt[i]), rent) if rent else Fraction(0)
        assert months == expected["debt_months"], where
        assert values.rejections_90d[i] == expected["rejections_90d"], where
        assert values.rejections_12m[i] == expected["rejections_12m"], where


def test_cases_a_year_apart_are_each_a_first_late_payment():
    rent = Decimal("500.00")
    ledger = (
        Charge(rent, datetime.date(2025, 1, 5)),
        Payment(rent, datetime.date(2025, 1, 20)),
        Charge(rent, datetime.date(2025, 3, 5)),
        Payment(rent, datetime.date(2025, 3, 25)),
        Charge(rent, datetime.date(2026, 4, 5)),
    )
    state = AccountState(account_id="A", ledger=ledger)
    columns = read_columns(Portfolio.from_states([state]), PROGRAM.schema, ())
    days = LedgerDays(columns, 0, datetime.date(2026, 4, 10).toordinal())
    on = [datetime.date(2025, 1, 10), datetime.date(2025, 3, 10), datetime.date(2026, 4, 10)]
    values = days.at(np.zeros(3, dtype=np.int64), np.array([d.toordinal() for d in on]))
    # the second case follows the first by two months; the third comes more than a year later
    assert values.first_late.tolist() == [True, False, True]
    assert values.late_episodes_12m.tolist() == [1, 2, 1]
    assert values.anchor.tolist() == [
        datetime.date(2025, 1, 5).toordinal(),
        datetime.date(2025, 3, 5).toordinal(),
        datetime.date(2026, 4, 5).toordinal(),
    ]


def _same_as_the_ledger_every_day(state: AccountState, first: datetime.date, count: int):
    columns = read_columns(Portfolio.from_states([state]), PROGRAM.schema, ())
    on = np.arange(first.toordinal(), first.toordinal() + count)
    values = LedgerDays(columns, 0, int(on[-1])).at(np.zeros(count, dtype=np.int64), on)
    for i, day in enumerate(on.tolist()):
        expected = analyse(state, datetime.date.fromordinal(day)).values
        for name in ("late_episodes_12m", "first_late", "rejections_90d", "rejections_12m"):
            assert getattr(values, name)[i] == expected[name], (name, day)
    return values


def test_a_case_opened_365_days_before_is_out_of_the_year_on_the_day_and_not_before():
    rent = Decimal("500.00")
    first, second = datetime.date(2025, 1, 5), datetime.date(2026, 1, 5)  # 365 days apart
    ledger = (Charge(rent, first), Payment(rent, first + datetime.timedelta(days=3)))
    ledger += (Charge(rent, second),)
    values = _same_as_the_ledger_every_day(AccountState(account_id="A", ledger=ledger), first, 400)
    # the second case opens 365 days after the first (index 1): the first has just left the
    # year, and the second does not count as a first late payment
    opened = (second - first).days + 1
    assert values.in_case[[1, opened]].all() and not values.in_case[opened - 1]
    assert values.late_episodes_12m[[opened - 1, opened]].tolist() == [1, 1]
    assert not values.first_late[opened]


def test_a_rejection_90_days_before_is_out_of_the_last_90_days():
    day = datetime.date(2026, 6, 1)
    events = tuple(
        Event("rejection", on=day - datetime.timedelta(days=back)) for back in (364, 365, 89, 90)
    )
    state = AccountState(account_id="A", events=events)
    values = _same_as_the_ledger_every_day(state, day - datetime.timedelta(days=400), 420)
    assert values.rejections_90d[400] == 1 and values.rejections_12m[400] == 3
