"""Ledger semantics: every derived attribute on the edge cases, and against a slow reference.

The reference implementation at the bottom of this file reads the catalogue's definitions the
plainest way there is: day by day, recomputing the allocation from scratch every day.
"""

from __future__ import annotations

import datetime
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dunforce.attributes.catalogue import DERIVED_ATTRIBUTES
from dunforce.dsl.ast import Duration
from dunforce.ledger import DERIVED_NAMES, Case, analyse, derived_attributes
from dunforce.state import (
    AccountState,
    Adjustment,
    Charge,
    Event,
    Instalment,
    Issued,
    Payment,
    Plan,
    Rejection,
)


def account(*ledger, plans=(), events=()) -> AccountState:
    return AccountState(account_id="A1", ledger=ledger, plans=plans, events=events)


def values(state: AccountState, on: date, *, threshold: str = "0") -> dict[str, object]:
    return derived_attributes(state, on, threshold=Decimal(threshold))


def eur(text: str) -> Decimal:
    return Decimal(text)


def rent(amount: str, due: date, **kw) -> Charge:
    return Charge(amount, due, period=f"{due.year}-{due.month:02d}", **kw)


# ------------------------------------------------------------------------------ dates


def test_a_charge_due_on_31_january_is_overdue_on_1_february():
    state = account(rent("450.00", date(2026, 1, 31)), rent("450.00", date(2026, 2, 28)))
    on_due = values(state, date(2026, 1, 31))
    assert on_due["debt"] == eur("0.00")
    assert on_due["in_case"] is False
    assert on_due["balance"] == eur("450.00")
    assert on_due["next_due_date"] == date(2026, 1, 31)
    assert on_due["next_due_amount"] == eur("450.00")

    next_day = values(state, date(2026, 2, 1))
    assert next_day["debt"] == eur("450.00")
    assert next_day["case_open_date"] == date(2026, 2, 1)
    assert next_day["case_anchor"] == date(2026, 1, 31)
    assert next_day["days_late"] == 1
    assert next_day["unpaid_terms"] == 1
    assert next_day["next_due_date"] == date(2026, 2, 28)

    march = values(state, date(2026, 3, 1))
    assert march["debt"] == eur("900.00")
    assert march["case_anchor"] == date(2026, 1, 31)
    assert march["days_late"] == 29  # February 2026 has 28 days
    assert march["unpaid_terms"] == 2
    assert march["debt_months"] == Decimal(2)


def test_29_february_2028():
    state = account(rent("450.00", date(2028, 2, 29)))
    assert values(state, date(2028, 2, 29))["in_case"] is False
    first = values(state, date(2028, 3, 1))
    assert (first["case_open_date"], first["case_anchor"], first["days_late"]) == (
        date(2028, 3, 1),
        date(2028, 2, 29),
        1,
    )
    a_year = values(state, date(2029, 2, 28))
    assert a_year["days_late"] == 365
    assert a_year["late_episodes_12m"] == 1
    # the case opened on 1 March 2028, exactly 365 days before: out of the 12-month window,
    # although it is still open
    later = values(state, date(2029, 3, 1))
    assert later["days_late"] == 366
    assert later["in_case"] is True
    assert later["late_episodes_12m"] == 0
    assert later["first_late"] is True


def test_a_charge_due_on_28_february_of_a_leap_year_opens_a_case_on_the_29th():
    state = account(rent("450.00", date(2028, 2, 28)))
    result = analyse(state, date(2028, 2, 29))
    assert result.case == Case(date(2028, 2, 29), None, date(2028, 2, 28))
    assert result.values["days_late"] == 1


# ------------------------------------------------------------------------------ payments


def test_a_payment_on_the_due_date_is_on_time():
    state = account(rent("450.00", date(2026, 3, 5)), Payment("450.00", date(2026, 3, 5)))
    on_due = values(state, date(2026, 3, 5))
    assert on_due["last_payment_days"] == 0
    assert on_due["last_payment_amount"] == eur("450.00")
    after = analyse(state, date(2026, 3, 6))
    assert after.cases == ()
    assert after.case is None
    assert after.values["debt"] == 0
    assert after.values["in_case"] is False
    assert after.values["last_payment_days"] == 1


def test_a_payment_before_the_due_date_is_credit_then_settles_the_charge():
    state = account(rent("450.00", date(2026, 3, 5)), Payment("450.00", date(2026, 3, 1)))
    before = analyse(state, date(2026, 3, 2))
    assert before.values["balance"] == -45000
    assert before.values["credit"] == 45000
    assert before.values["debt"] == 0
    assert before.values["next_due_date"] == date(2026, 3, 5).toordinal()
    assert before.values["next_due_amount"] == 0
    assert before.charges == ((date(2026, 3, 5).toordinal(), 0),)
    after = analyse(state, date(2026, 3, 10))
    assert after.values["balance"] == 0
    assert after.values["credit"] == 0
    assert after.cases == ()


def test_partial_payments_do_not_move_the_anchor():
    state = account(
        rent("450.00", date(2026, 1, 5)),
        rent("450.00", date(2026, 2, 5)),
        rent("450.00", date(2026, 3, 5)),
        Payment("200.00", date(2026, 1, 20)),
        Payment("450.00", date(2026, 2, 8)),
        Payment("250.00", date(2026, 3, 4)),
    )
    # on 10 February January is paid and only 250 € of February is left, but D stays 5 January
    feb = values(state, date(2026, 2, 10))
    assert feb["debt"] == eur("250.00")
    assert feb["unpaid_terms"] == 1
    assert feb["case_open_date"] == date(2026, 1, 6)
    assert feb["case_anchor"] == date(2026, 1, 5)
    assert feb["days_late"] == 36
    # paid up on 4 March: the case closes; March's rent unpaid on the 6th opens a new one
    march = analyse(state, date(2026, 3, 10))
    assert march.cases == (
        Case(date(2026, 1, 6), date(2026, 3, 4), date(2026, 1, 5)),
        Case(date(2026, 3, 6), None, date(2026, 3, 5)),
    )
    assert march.values["case_anchor"] == date(2026, 3, 5).toordinal()
    assert march.values["days_late"] == 5
    assert march.values["first_late"] is False
    assert march.values["late_episodes_12m"] == 2


def test_overpayment_is_credit_that_settles_later_charges():
    state = account(
        rent("450.00", date(2026, 1, 5)),
        rent("450.00", date(2026, 2, 5)),
        rent("450.00", date(2026, 3, 5)),
        Payment("1000.00", date(2026, 1, 5)),
    )
    jan = analyse(state, date(2026, 1, 10))
    assert jan.values["balance"] == -55000
    assert jan.values["credit"] == 55000
    assert jan.values["debt"] == 0
    assert jan.charges == (
        (date(2026, 1, 5).toordinal(), 0),
        (date(2026, 2, 5).toordinal(), 0),
        (date(2026, 3, 5).toordinal(), 35000),
    )
    assert jan.values["next_due_date"] == date(2026, 2, 5).toordinal()
    assert jan.values["next_due_amount"] == 0
    feb = values(state, date(2026, 2, 20))
    assert (feb["balance"], feb["credit"], feb["in_case"]) == (eur("-100.00"), eur("100.00"), False)
    on_due = values(state, date(2026, 3, 5))
    assert on_due["next_due_amount"] == eur("350.00")
    assert on_due["balance"] == eur("350.00")
    assert on_due["credit"] == eur("0.00")
    late = analyse(state, date(2026, 3, 6))
    assert late.case == Case(date(2026, 3, 6), None, date(2026, 3, 5))
    assert late.values["debt"] == 35000


def test_a_payment_naming_a_charge_settles_it_first():
    water = Charge("100.00", date(2026, 2, 5), id="water-2026", label="water")
    january = rent("450.00", date(2026, 1, 5), id="rent-2026-01")
    named = analyse(
        account(january, water, Payment("100.00", date(2026, 2, 3), settles="water-2026")),
        date(2026, 2, 10),
    )
    assert named.values["debt"] == 45000
    assert named.values["unpaid_terms"] == 1
    assert named.charges == (
        (date(2026, 1, 5).toordinal(), 45000),
        (date(2026, 2, 5).toordinal(), 0),
    )
    oldest_first = analyse(
        account(january, water, Payment("100.00", date(2026, 2, 3))), date(2026, 2, 10)
    )
    assert oldest_first.values["debt"] == 45000
    assert oldest_first.values["unpaid_terms"] == 2
    assert oldest_first.charges == (
        (date(2026, 1, 5).toordinal(), 35000),
        (date(2026, 2, 5).toordinal(), 10000),
    )
    # what the named charge does not need goes oldest first
    more = analyse(
        account(january, water, Payment("150.00", date(2026, 2, 3), settles="water-2026")),
        date(2026, 2, 10),
    )
    assert more.charges == (
        (date(2026, 1, 5).toordinal(), 40000),
        (date(2026, 2, 5).toordinal(), 0),
    )
    # a payment naming no charge of the ledger settles oldest first
    unknown = analyse(
        account(january, water, Payment("100.00", date(2026, 2, 3), settles="nope")),
        date(2026, 2, 10),
    )
    assert unknown.charges == oldest_first.charges


def test_adjustments_settle_like_payments_but_are_not_payments():
    state = account(
        rent("450.00", date(2026, 1, 5)), Adjustment("450.00", date(2026, 1, 5), reason="APL")
    )
    result = values(state, date(2026, 1, 10))
    assert result["debt"] == eur("0.00")
    assert result["balance"] == eur("0.00")
    assert result["last_payment_days"] is None
    assert result["last_payment_amount"] is None
    assert result["monthly_rent"] == eur("450.00")  # the gross rent


def test_entries_after_the_step_date_are_ignored_but_charges_are_read_ahead():
    state = account(
        rent("450.00", date(2026, 1, 5)),
        rent("450.00", date(2026, 2, 5)),
        Payment("450.00", date(2026, 1, 15)),
        Rejection(date(2026, 1, 20), amount="450.00"),
    )
    result = analyse(state, date(2026, 1, 12))
    assert result.values["debt"] == 45000
    assert result.values["balance"] == 45000
    assert result.values["last_payment_days"] is None
    assert result.values["rejections_90d"] == 0
    assert result.charges == (
        (date(2026, 1, 5).toordinal(), 45000),
        (date(2026, 2, 5).toordinal(), 45000),
    )
    assert result.values["next_due_date"] == date(2026, 2, 5).toordinal()


# ------------------------------------------------------------------------------ rejections


def test_a_rejection_reopens_the_charge_its_payment_settled():
    for rejection in (
        Rejection(date(2026, 1, 12), payment="dd-1", reason="insufficient funds"),
        Rejection(date(2026, 1, 12), amount="450.00"),
    ):
        state = account(
            rent("450.00", date(2026, 1, 5)),
            Payment("450.00", date(2026, 1, 4), method="debit", id="dd-1"),
            rejection,
        )
        before = analyse(state, date(2026, 1, 11))
        assert before.values["debt"] == 0
        assert before.cases == ()
        after = analyse(state, date(2026, 1, 15))
        assert after.values["debt"] == 45000
        assert after.values["balance"] == 45000
        assert after.case == Case(date(2026, 1, 12), None, date(2026, 1, 5))
        assert after.values["days_late"] == 10
        assert after.values["last_payment_days"] is None
        assert after.values["rejections_90d"] == 1


def test_a_rejection_by_amount_returns_the_latest_payment_of_that_amount():
    state = account(
        rent("450.00", date(2025, 12, 5)),
        rent("450.00", date(2026, 1, 5)),
        Payment("450.00", date(2025, 12, 4)),
        Payment("450.00", date(2026, 1, 4)),
        Payment("20.00", date(2026, 1, 6)),
        Rejection(date(2026, 1, 12), amount="450.00"),
    )
    result = values(state, date(2026, 1, 12))
    assert result["last_payment_days"] == 6
    assert result["last_payment_amount"] == eur("20.00")
    assert result["debt"] == eur("430.00")
    assert result["case_anchor"] == date(2026, 1, 5)


def test_a_rejection_returns_a_payment_of_the_same_day_whatever_the_ledger_order():
    state = account(
        rent("450.00", date(2026, 1, 5)),
        Rejection(date(2026, 1, 5), amount="450.00"),
        Payment("450.00", date(2026, 1, 5)),
    )
    result = values(state, date(2026, 1, 6))
    assert result["debt"] == eur("450.00")
    assert result["balance"] == eur("450.00")
    assert result["unpaid_terms"] == 1
    assert result["last_payment_days"] is None


def test_each_payment_is_returned_by_one_rejection_only():
    state = account(
        rent("450.00", date(2026, 1, 5)),
        rent("450.00", date(2026, 2, 5)),
        Payment("450.00", date(2026, 1, 4), id="p1"),
        Payment("450.00", date(2026, 2, 4), id="p2"),
        Rejection(date(2026, 2, 10), amount="450.00"),  # returns p2
        Rejection(date(2026, 2, 11), amount="450.00"),  # returns p1
        Rejection(date(2026, 2, 12), payment="p2"),  # p2 is already returned: a charge of nothing
        Rejection(date(2026, 2, 13), amount="450.00"),  # nothing left to return: a 450 € charge
    )
    on_12 = values(state, date(2026, 2, 12))
    assert on_12["debt"] == eur("900.00")
    assert on_12["balance"] == eur("900.00")
    assert on_12["last_payment_days"] is None
    on_14 = values(state, date(2026, 2, 14))
    assert on_14["debt"] == eur("1350.00")
    assert on_14["balance"] == eur("1350.00")
    assert on_14["unpaid_terms"] == 3
    assert on_14["rejections_90d"] == 4


def test_a_rejection_that_returns_no_payment_counts_as_a_charge():
    state = account(
        rent("450.00", date(2026, 1, 5)),
        Payment("450.00", date(2026, 1, 5)),
        Rejection(date(2026, 1, 20), amount="30.00", reason="bank fees"),
        Rejection(date(2026, 1, 21), payment="unknown"),  # no payment, no amount: no money
    )
    on_date = analyse(state, date(2026, 1, 20))
    assert on_date.values["debt"] == 0
    assert on_date.values["balance"] == 3000
    assert on_date.values["next_due_date"] == date(2026, 1, 20).toordinal()
    assert on_date.values["next_due_amount"] == 3000
    after = analyse(state, date(2026, 1, 22))
    assert after.values["debt"] == 3000
    assert after.values["balance"] == 3000
    assert after.case == Case(date(2026, 1, 21), None, date(2026, 1, 20))
    assert after.values["unpaid_terms"] == 1
    assert after.values["rejections_90d"] == 2
    assert after.values["monthly_rent"] == 45000  # not rent
    assert after.charges == (
        (date(2026, 1, 5).toordinal(), 0),
        (date(2026, 1, 20).toordinal(), 3000),
    )


def test_rejection_events_count_on_days_without_a_rejection_entry():
    today = date(2026, 6, 30)
    state = account(
        rent("450.00", date(2026, 1, 5)),
        Payment("450.00", date(2026, 1, 5)),
        Payment("450.00", date(2026, 6, 1)),
        Rejection(date(2026, 6, 10), amount="450.00"),
        events=(
            Event("rejection", date(2026, 6, 10)),  # the same as the entry: not counted again
            Event("rejection", today - timedelta(days=89)),  # in both windows
            Event("rejection", today - timedelta(days=90)),  # 12 months only
            Event("rejection", today - timedelta(days=364)),  # 12 months only
            Event("rejection", today - timedelta(days=365)),  # in neither
            Event("rejection", today + timedelta(days=1)),  # after the step date
            Event("dispute", date(2026, 6, 20)),
        ),
    )
    result = analyse(state, today)
    assert result.values["rejections_90d"] == 2
    assert result.values["rejections_12m"] == 4
    assert result.values["debt"] == 0  # events change no amount
    assert result.values["balance"] == 0  # the entry returned the payment of 1 June


# ------------------------------------------------------------------------------ cases


def monthly(start: date, months: int, late: dict[int, int]) -> list:
    """Rent of 450 € due on the 5th, paid on the 5th except in the months of ``late``: day paid."""
    ledger: list = []
    for m in range(months):
        year, month = start.year + (start.month - 1 + m) // 12, (start.month - 1 + m) % 12 + 1
        ledger.append(rent("450.00", date(year, month, 5)))
        ledger.append(Payment("450.00", date(year, month, late.get(m, 5))))
    return ledger


def test_two_cases_in_a_year():
    state = account(*monthly(date(2026, 1, 1), 12, {1: 20, 6: 15}))
    feb = values(state, date(2026, 2, 10))
    assert (feb["first_late"], feb["late_episodes_12m"], feb["days_late"]) == (True, 1, 5)
    jul = analyse(state, date(2026, 7, 10))
    assert jul.cases == (
        Case(date(2026, 2, 6), date(2026, 2, 20), date(2026, 2, 5)),
        Case(date(2026, 7, 6), None, date(2026, 7, 5)),
    )
    assert jul.values["first_late"] is False
    assert jul.values["late_episodes_12m"] == 2
    assert jul.values["days_late"] == 5
    between = values(state, date(2026, 5, 1))
    assert (between["in_case"], between["first_late"], between["late_episodes_12m"]) == (
        False,
        False,
        1,
    )
    assert between["days_late"] == 0
    assert between["case_anchor"] is None
    assert between["case_open_date"] is None


def test_cases_exactly_365_days_apart():
    first = [rent("450.00", date(2026, 1, 5)), Payment("450.00", date(2026, 1, 10))]
    # the first case opened on 6 January 2026; a second one opens exactly 365 days later
    state = account(*first, rent("450.00", date(2027, 1, 5)), Payment("450.00", date(2027, 1, 8)))
    result = analyse(state, date(2027, 1, 6))
    assert result.case == Case(date(2027, 1, 6), None, date(2027, 1, 5))
    assert result.values["first_late"] is False  # O - 365 <= d
    assert result.values["late_episodes_12m"] == 1  # T - 365 < d excludes the first
    assert values(account(*first), date(2027, 1, 5))["late_episodes_12m"] == 1
    assert values(account(*first), date(2027, 1, 6))["late_episodes_12m"] == 0
    # one day later, the first case is out of the window
    state = account(*first, rent("450.00", date(2027, 1, 6)), Payment("450.00", date(2027, 1, 8)))
    result = analyse(state, date(2027, 1, 7))
    assert result.case == Case(date(2027, 1, 7), None, date(2027, 1, 6))
    assert result.values["first_late"] is True


def test_a_case_threshold_above_zero():
    state = account(rent("450.00", date(2026, 1, 5)), Payment("440.00", date(2026, 1, 5)))
    assert analyse(state, date(2026, 1, 10), threshold=1000).cases == ()
    assert values(state, date(2026, 1, 10), threshold="10.00")["in_case"] is False
    assert values(state, date(2026, 1, 10), threshold="10.00")["debt"] == eur("10.00")
    opened = analyse(state, date(2026, 1, 10), threshold=999)
    assert opened.case == Case(date(2026, 1, 6), None, date(2026, 1, 5))
    # back to the threshold exactly: the case closes
    state = account(
        rent("450.00", date(2026, 1, 5)),
        Payment("430.00", date(2026, 1, 5)),
        Payment("10.00", date(2026, 1, 9)),
    )
    closed = analyse(state, date(2026, 1, 12), threshold=1000)
    assert closed.cases == (Case(date(2026, 1, 6), date(2026, 1, 9), date(2026, 1, 5)),)
    assert closed.case is None
    assert closed.values["debt"] == 1000
    assert closed.values["in_case"] is False


def test_with_a_threshold_the_anchor_is_the_oldest_unpaid_charge_when_the_case_opens():
    state = account(rent("100.00", date(2026, 1, 5)), rent("100.00", date(2026, 2, 5)))
    assert analyse(state, date(2026, 2, 5), threshold=15000).cases == ()
    result = analyse(state, date(2026, 2, 10), threshold=15000)
    assert result.case == Case(date(2026, 2, 6), None, date(2026, 1, 5))
    assert result.values["days_late"] == 36
    assert result.values["unpaid_terms"] == 2


# ------------------------------------------------------------------------------ plans


def plan_ledger(*, may_instalment_paid_on: int | None = 10) -> list:
    ledger = [rent("300.00", date(2026, month, 1)) for month in range(1, 7)]
    for month in (3, 4, 5):
        ledger.append(Payment("300.00", date(2026, month, 1)))
        paid_on = 10 if month != 5 else may_instalment_paid_on
        if paid_on is not None:
            ledger.append(Payment("100.00", date(2026, month, paid_on)))
    return ledger


PLAN = Plan(
    date(2026, 2, 10),
    [
        (date(2026, 3, 10), "100.00"),
        (date(2026, 4, 10), "100.00"),
        (date(2026, 5, 10), "100.00"),
        (date(2026, 6, 10), "300.00"),
    ],
    id="plan-1",
)


def test_a_plan_kept():
    result = values(account(*plan_ledger(), plans=(PLAN,)), date(2026, 5, 20))
    assert result["plan_active"] is True
    assert result["plan_broken"] is False
    assert result["plan_remaining"] == eur("300.00")
    assert result["debt"] == eur("300.00")  # 1500 € of rent due, 1200 € paid


def test_a_plan_broken_the_day_after_a_missed_instalment():
    state = account(*plan_ledger(may_instalment_paid_on=None), plans=(PLAN,))
    on_instalment = values(state, date(2026, 5, 10))
    assert on_instalment["plan_broken"] is False
    assert on_instalment["plan_remaining"] == eur("400.00")
    broken = values(state, date(2026, 5, 11))
    assert broken["plan_active"] is True
    assert broken["plan_broken"] is True
    assert broken["plan_remaining"] == eur("300.00")


def test_an_instalment_is_checked_the_day_after_it_is_due():
    # the overdue amount on e + 1 counts the payments of e + 1: a day's grace
    a_day_late = account(*plan_ledger(may_instalment_paid_on=11), plans=(PLAN,))
    assert values(a_day_late, date(2026, 5, 20))["plan_broken"] is False
    two_days_late = account(*plan_ledger(may_instalment_paid_on=12), plans=(PLAN,))
    assert values(two_days_late, date(2026, 5, 10))["plan_broken"] is False
    assert values(two_days_late, date(2026, 5, 11))["plan_broken"] is True
    # paying up on the 12th does not mend it: the plan was broken on the 11th
    assert values(two_days_late, date(2026, 5, 20))["plan_broken"] is True


def test_a_plan_completed_when_the_overdue_amount_is_zero():
    state = account(*plan_ledger()[:6], Payment("900.00", date(2026, 3, 5)), plans=(PLAN,))
    before = values(state, date(2026, 3, 4))
    assert (before["plan_active"], before["plan_remaining"]) == (True, eur("600.00"))
    done = values(state, date(2026, 3, 5))
    assert (done["plan_active"], done["plan_broken"], done["plan_remaining"]) == (
        False,
        False,
        eur("0.00"),
    )
    assert values(state, date(2026, 3, 20))["plan_active"] is False
    # signed the day before the debt is cleared: completed the day after its signing
    signed_late = attrs.evolve(PLAN, signed_on=date(2026, 3, 4))
    state = account(*plan_ledger()[:6], Payment("900.00", date(2026, 3, 5)), plans=(signed_late,))
    assert values(state, date(2026, 3, 4))["plan_active"] is True
    assert values(state, date(2026, 3, 5))["plan_active"] is False


def test_a_cancelled_plan_gives_way_to_the_older_plan_in_force():
    newer = Plan(date(2026, 3, 1), [(date(2026, 4, 20), "600.00")], cancelled_on=date(2026, 3, 15))
    state = account(*plan_ledger(), plans=(PLAN, newer))
    assert values(state, date(2026, 2, 9))["plan_active"] is False  # signed after the step date
    assert values(state, date(2026, 2, 10))["plan_remaining"] == eur("600.00")
    assert values(state, date(2026, 3, 14))["plan_remaining"] == eur("600.00")  # the newer
    on_cancel = values(state, date(2026, 3, 15))
    assert on_cancel["plan_active"] is True
    assert on_cancel["plan_remaining"] == eur("500.00")  # the older, after its March instalment
    alone = values(account(*plan_ledger(), plans=(newer,)), date(2026, 3, 15))
    assert (alone["plan_active"], alone["plan_broken"], alone["plan_remaining"]) == (
        False,
        False,
        eur("0.00"),
    )


def test_plans_signed_on_the_same_day_the_later_in_plan_order_is_in_force():
    other = Plan(PLAN.signed_on, [Instalment(date(2026, 6, 30), "600.00")])
    state = account(*plan_ledger(), plans=(PLAN, other))
    assert values(state, date(2026, 3, 1))["plan_remaining"] == eur("600.00")
    assert values(state, date(2026, 5, 20))["plan_remaining"] == eur("600.00")
    state = account(*plan_ledger(), plans=(other, PLAN))
    assert values(state, date(2026, 5, 20))["plan_remaining"] == eur("300.00")


# ------------------------------------------------------------------------------ rent


def test_monthly_rent_reads_the_charges_that_carry_a_period():
    state = account(
        rent("450.00", date(2026, 3, 5)),
        Charge("20.00", date(2026, 3, 5), period="2026-03", label="parking"),
        Charge("80.00", date(2026, 3, 5), label="service charges regularisation"),
        rent("460.00", date(2026, 4, 5)),
    )
    assert values(state, date(2026, 3, 1))["monthly_rent"] == eur("470.00")  # none due yet
    assert values(state, date(2026, 4, 4))["monthly_rent"] == eur("470.00")
    assert values(state, date(2026, 4, 5))["monthly_rent"] == eur("460.00")


def test_monthly_rent_reads_every_charge_when_none_carries_a_period():
    state = account(
        Charge("450.00", date(2026, 3, 5)),
        Charge("80.00", date(2026, 3, 5)),
        Charge("450.00", date(2026, 2, 5)),
    )
    assert values(state, date(2026, 3, 10))["monthly_rent"] == eur("530.00")
    assert values(state, date(2026, 3, 4))["monthly_rent"] == eur("450.00")


def test_debt_months_is_exact():
    state = account(rent("450.00", date(2026, 1, 5)), Payment("225.00", date(2026, 1, 5)))
    state = account(*state.ledger, rent("450.00", date(2026, 2, 5)))
    result = analyse(state, date(2026, 2, 6))
    assert result.values["debt_months"] == Fraction(3, 2)
    assert values(state, date(2026, 2, 6))["debt_months"] == Decimal("1.5")
    third = account(rent("300.00", date(2026, 1, 5)), Payment("200.00", date(2026, 1, 5)))
    assert analyse(third, date(2026, 1, 6)).values["debt_months"] == Fraction(1, 3)
    assert values(third, date(2026, 1, 6))["debt_months"] == Fraction(1, 3)


def test_an_empty_ledger():
    assert values(account(), date(2026, 1, 1)) == {
        "balance": eur("0.00"),
        "debt": eur("0.00"),
        "credit": eur("0.00"),
        "monthly_rent": eur("0.00"),
        "debt_months": Decimal(0),
        "unpaid_terms": 0,
        "in_case": False,
        "case_anchor": None,
        "case_open_date": None,
        "days_late": 0,
        "first_late": False,
        "late_episodes_12m": 0,
        "rejections_90d": 0,
        "rejections_12m": 0,
        "last_payment_days": None,
        "last_payment_amount": None,
        "next_due_date": None,
        "next_due_amount": None,
        "plan_active": False,
        "plan_broken": False,
        "plan_remaining": eur("0.00"),
        "aid_arrears": False,
        "aid_arrears_date": None,
        "aid_report_deadline": None,
        "order_delay": Duration(2, "m"),  # no lease_start: the longer delay
        "order_expiry_date": None,
        "prescribed_debt": eur("0.00"),
        "recoverable_debt": eur("0.00"),
        "last_call_unreached": False,
        "last_contact_days": None,
        "promise_to_pay_days": None,
        "failed_contacts_30d": 0,
    }
    result = analyse(account(), date(2026, 1, 1))
    assert (result.case, result.cases, result.charges) == (None, (), ())


# ------------------------------------------------------------------------------ the API


def test_runtime_and_public_forms():
    state = account(
        rent("450.00", date(2026, 1, 5)),
        Payment("100.00", date(2026, 1, 3)),
        plans=(Plan(date(2026, 1, 6), [(date(2026, 2, 1), "350.00")]),),
    )
    on = date(2026, 1, 10)
    runtime = analyse(state, on).values
    public = values(state, on)
    assert set(runtime) == set(public) == DERIVED_NAMES
    assert list(public) == [a.name for a in DERIVED_ATTRIBUTES]
    assert runtime["debt"] == 35000
    assert public["debt"] == Decimal("350.00")
    assert str(public["debt"]) == "350.00"
    assert runtime["case_anchor"] == date(2026, 1, 5).toordinal()
    assert public["case_anchor"] == date(2026, 1, 5)
    assert runtime["debt_months"] == Fraction(7, 9)
    assert public["debt_months"] == Fraction(7, 9)
    assert runtime["plan_remaining"] == 35000
    assert type(runtime["days_late"]) is int
    assert type(runtime["in_case"]) is bool


def test_names_skip_the_values_not_asked_for():
    state = account(
        rent("450.00", date(2026, 1, 5)),
        Rejection(date(2026, 1, 7), amount="10.00"),
        plans=(Plan(date(2026, 1, 6), [(date(2026, 2, 1), "450.00")]),),
    )
    full = analyse(state, date(2026, 1, 10))
    some = analyse(state, date(2026, 1, 10), names=frozenset({"debt", "days_late"}))
    for name in (
        "plan_active",
        "plan_broken",
        "plan_remaining",
        "rejections_90d",
        "rejections_12m",
    ):
        assert name not in some.values
    for name, value in some.values.items():
        assert full.values[name] == value
    assert (some.case, some.cases, some.charges) == (full.case, full.cases, full.charges)
    only_plans = analyse(state, date(2026, 1, 10), names=frozenset({"plan_broken"}))
    assert only_plans.values["plan_broken"] is full.values["plan_broken"] is False
    assert only_plans.values["plan_active"] is True


def test_arguments_are_checked():
    state = account()
    with pytest.raises(ValueError, match="threshold"):
        analyse(state, date(2026, 1, 1), threshold=-1)
    with pytest.raises(ValueError, match="threshold"):
        analyse(state, date(2026, 1, 1), threshold=Decimal("1.5"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="on"):
        analyse(state, datetime.datetime(2026, 1, 1, 12))
    with pytest.raises(ValueError, match="dept"):
        analyse(state, date(2026, 1, 1), names=frozenset({"dept"}))


def test_analyse_is_pure_and_deterministic():
    ledger = monthly(date(2026, 1, 1), 6, {2: 20})
    state = account(*ledger)
    first = analyse(state, date(2026, 6, 30))
    assert analyse(state, date(2026, 6, 30)) == first
    assert state.ledger == tuple(ledger)


def test_the_ledger_order_does_not_matter_across_days():
    ledger = monthly(date(2026, 1, 1), 6, {2: 20, 4: 9})
    assert analyse(account(*ledger), date(2026, 6, 30)) == analyse(
        account(*reversed(ledger)), date(2026, 6, 30)
    )


# ------------------------------------------------------------------------------ the reference


def cents(amount: Decimal) -> int:
    return int(amount * 100)


def reference(state: AccountState, on: date, threshold: int) -> tuple[dict[str, object], list]:
    """The definitions read literally: each day from the earliest ledger date, from scratch."""
    entries = list(enumerate(state.ledger))
    payments = [(e.on, i, e) for i, e in entries if isinstance(e, Payment) and e.on <= on]
    returned: dict[int, date] = {}  # ledger index of a payment -> the day it is returned
    rejection_charges = []  # (due, ledger index, cents)
    rejection_amounts = 0
    for r_on, r_index, r in sorted(
        (e.on, i, e) for i, e in entries if isinstance(e, Rejection) and e.on <= on
    ):
        candidates = [
            (p_on, p_index)
            for p_on, p_index, p in payments
            if p_on <= r_on
            and p_index not in returned
            and (p.id == r.payment if r.payment is not None else p.amount == r.amount)
        ]
        if candidates:
            p_index = max(candidates)[1]
            returned[p_index] = r_on
            rejection_amounts += cents(state.ledger[p_index].amount)
        elif r.amount is not None:
            rejection_charges.append((r_on, r_index, cents(r.amount)))
            rejection_amounts += cents(r.amount)

    def allocation(day: date) -> tuple[list, list[int]]:
        charges = sorted(
            [(e.due, i, cents(e.amount), e.id) for i, e in entries if isinstance(e, Charge)]
            + [(d, i, c, None) for d, i, c in rejection_charges if d <= day]
        )
        unsettled = [c[2] for c in charges]
        credits = sorted(
            [
                (p_on, i, cents(p.amount), p.settles)
                for p_on, i, p in payments
                if p_on <= day and not (i in returned and returned[i] <= day)
            ]
            + [
                (e.on, i, cents(e.amount), None)
                for i, e in entries
                if isinstance(e, Adjustment) and e.on <= day
            ]
        )
        for _, _, amount, settles in credits:
            order = [j for j, c in enumerate(charges) if settles is not None and c[3] == settles]
            for j in order + list(range(len(charges))):
                if not amount:
                    break
                part = min(amount, unsettled[j])
                unsettled[j] -= part
                amount -= part
        return charges, unsettled

    def overdue_on(day: date) -> tuple[int, date | None]:
        charges, unsettled = allocation(day)
        late = [(c[0], u) for c, u in zip(charges, unsettled, strict=True) if c[0] < day and u > 0]
        return sum(u for _, u in late), min((d for d, _ in late), default=None)

    dates = [e.due if isinstance(e, Charge) else e.on for _, e in entries]
    overdue: dict[date, int] = {}
    cases: list[list] = []  # [opened, closed, anchor]
    day = min(dates, default=on + timedelta(days=1))
    while day <= on:
        amount, oldest = overdue_on(day)
        overdue[day] = amount
        if amount > threshold and (not cases or cases[-1][1] is not None):
            cases.append([day, None, oldest])
        elif amount <= threshold and cases and cases[-1][1] is None:
            cases[-1][1] = day
        day += timedelta(days=1)

    charges, unsettled = allocation(on)
    open_case = cases[-1] if cases and cases[-1][1] is None else None
    balance = (
        sum(cents(e.amount) for _, e in entries if isinstance(e, Charge) and e.due <= on)
        - sum(cents(p.amount) for _, _, p in payments)
        + rejection_amounts
        - sum(cents(e.amount) for _, e in entries if isinstance(e, Adjustment) and e.on <= on)
    )
    effective = [(p_on, cents(p.amount)) for p_on, i, p in payments if i not in returned]
    last = max((d for d, _ in effective), default=None)
    upcoming = sorted({c[0] for c in charges if c[0] >= on})
    next_due = upcoming[0] if upcoming else None
    rejection_days = [e.on for _, e in entries if isinstance(e, Rejection) and e.on <= on]
    rejection_days += [
        ev.on
        for ev in state.events
        if ev.kind == "rejection" and ev.on <= on and ev.on not in rejection_days
    ]
    rent_charges = [e for _, e in entries if isinstance(e, Charge) and e.period is not None] or [
        e for _, e in entries if isinstance(e, Charge)
    ]
    rent_day = max((c.due for c in rent_charges if c.due <= on), default=None) or min(
        (c.due for c in rent_charges), default=None
    )
    monthly_rent = sum(cents(c.amount) for c in rent_charges if c.due == rent_day)
    debt = overdue.get(on, 0)

    def over(day: date) -> int:
        return overdue.get(day, 0)

    def completed(plan: Plan) -> bool:
        days = (
            plan.signed_on + timedelta(days=n) for n in range(1, (on - plan.signed_on).days + 1)
        )
        return any(over(d) == 0 for d in days)

    in_force = [
        (p.signed_on, i, p)
        for i, p in enumerate(state.plans)
        if p.signed_on <= on
        and not (p.cancelled_on is not None and p.cancelled_on <= on)
        and not completed(p)
    ]
    plan = max(in_force, key=lambda t: t[:2])[2] if in_force else None

    def target(day: date) -> int:
        return sum(cents(i.amount) for i in plan.instalments if i.due >= day)

    result = {
        "balance": balance,
        "debt": debt,
        "credit": max(-balance, 0),
        "monthly_rent": monthly_rent,
        "debt_months": Fraction(debt, monthly_rent) if monthly_rent else Fraction(0),
        "unpaid_terms": sum(
            1 for c, u in zip(charges, unsettled, strict=True) if c[0] < on and u > 0
        ),
        "in_case": open_case is not None,
        "case_anchor": open_case[2].toordinal() if open_case else None,
        "case_open_date": open_case[0].toordinal() if open_case else None,
        "days_late": (on - open_case[2]).days if open_case else 0,
        "first_late": open_case is not None
        and not any(open_case[0] - timedelta(days=365) <= c[0] < open_case[0] for c in cases),
        "late_episodes_12m": sum(1 for c in cases if on - timedelta(days=365) < c[0] <= on),
        "rejections_90d": sum(1 for d in rejection_days if d > on - timedelta(days=90)),
        "rejections_12m": sum(1 for d in rejection_days if d > on - timedelta(days=365)),
        "last_payment_days": (on - last).days if last else None,
        "last_payment_amount": sum(c for d, c in effective if d == last) if last else None,
        "next_due_date": next_due.toordinal() if next_due else None,
        "next_due_amount": sum(
            u for c, u in zip(charges, unsettled, strict=True) if c[0] == next_due
        )
        if next_due
        else None,
        "plan_active": plan is not None,
        "plan_broken": plan is not None
        and any(
            plan.signed_on <= i.due < on
            and over(i.due + timedelta(days=1)) > target(i.due + timedelta(days=1))
            for i in plan.instalments
        ),
        "plan_remaining": target(on) if plan else 0,
    }
    result.update(legal_reference(state, on, open_case, over, rent_charges, charges, unsettled))
    grouped: dict[int, int] = {}
    for c, u in zip(charges, unsettled, strict=True):
        grouped[c[0].toordinal()] = grouped.get(c[0].toordinal(), 0) + u
    cases_out = [Case(o, c, a) for o, c, a in cases]
    return result, [cases_out, tuple(grouped.items())]


def plus_months(day: date, months: int) -> date:
    """The catalogue's "months" term, written out independently of dunforce.legal."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def legal_reference(state, on, open_case, over, rent_charges, charges, unsettled) -> dict:
    """The impayé, commandement, prescription and history definitions, read literally."""
    attributes = state.attributes

    def monthly_rent_on(day: date) -> int:
        latest = max((c.due for c in rent_charges if c.due <= day), default=None) or min(
            (c.due for c in rent_charges), default=None
        )
        return sum(cents(c.amount) for c in rent_charges if c.due == latest)

    aid = 0
    if attributes.get("apl_paid_to_landlord"):
        aid = cents(attributes.get("apl_amount") or Decimal(0))

    def impaye(day: date, anchor: date) -> bool:
        if on <= date(2026, 12, 31):
            return over(day) >= 2 * max(monthly_rent_on(day) - aid, 0)
        return over(day) > 45000 or day >= plus_months(anchor, 3)

    constituted = None
    if open_case:
        day = open_case[0]
        while day <= on:
            if impaye(day, open_case[2]):
                constituted = day
                break
            day += timedelta(days=1)
    lease_start = attributes.get("lease_start")
    served = attributes.get("last_order_date")
    recent = lease_start is not None and lease_start >= date(2023, 7, 29)
    expiry = None
    if served is not None:
        expiry = served + timedelta(days=42) if recent else plus_months(served, 2)
    old = sum(
        u
        for c, u in zip(charges, unsettled, strict=True)
        if c[0] < on and plus_months(c[0], 36) < on
    )
    entries = [
        (e.emitted_on, n, e)
        for n, e in enumerate(state.history)
        if e.emitted_on <= on and e.outcome
    ]

    def channel(entry) -> str | None:
        if entry.channel is not None:
            return entry.channel
        rest = entry.key.split("/", 1)
        return rest[1].split(":", 1)[0] if len(rest) == 2 and ":" in rest[1] else None

    calls = [t for t in entries if channel(t[2]) == "call"]
    contacts = [d for d, _, e in entries if e.outcome in ("delivered", "reached", "promise_to_pay")]
    promises = [d for d, _, e in entries if e.outcome == "promise_to_pay"]
    return {
        "aid_arrears": open_case is not None and impaye(on, open_case[2]),
        "aid_arrears_date": constituted.toordinal() if constituted else None,
        "aid_report_deadline": plus_months(constituted, 2).toordinal() if constituted else None,
        "order_delay": Duration(6, "w") if recent else Duration(2, "m"),
        "order_expiry_date": expiry.toordinal() if expiry else None,
        "prescribed_debt": old,
        "recoverable_debt": over(on) - old,
        "last_call_unreached": bool(calls) and max(calls)[2].outcome == "not_reached",
        "last_contact_days": (on - max(contacts)).days if contacts else None,
        "promise_to_pay_days": (on - max(promises)).days if promises else None,
        "failed_contacts_30d": sum(
            1
            for d, _, e in entries
            if on - timedelta(days=30) < d and e.outcome in ("failed", "bounced", "not_reached")
        ),
    }


START = date(2025, 1, 1)
AMOUNTS = st.one_of(st.sampled_from([45000, 30000, 10000, 2500, 0]), st.integers(1, 60000))


@st.composite
def ledgers(draw) -> tuple[AccountState, date, int]:
    origin = draw(st.dates(START, date(2027, 12, 31) - timedelta(days=420)))
    span = draw(st.integers(30, 420))  # the ledger's days: origin to origin + span

    def day():
        return origin + timedelta(days=draw(st.integers(0, span)))

    def money():
        return Decimal(draw(AMOUNTS)) / 100

    ledger: list = []
    # a backbone of monthly rent, each paid in full, early, on time or late: cases open and close
    for month in range(draw(st.integers(0, 12))):
        due = origin + timedelta(days=30 * month + draw(st.integers(0, 3)))
        ledger.append(Charge("450.00", due, period="2026-01", id=f"c{month % 4}"))
        if draw(st.integers(0, 4)):
            ledger.append(Payment("450.00", due + timedelta(days=draw(st.integers(-3, 40)))))
    charge_ids = [f"c{n}" for n in range(4)]
    payment_ids = [f"p{n}" for n in range(4)]
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(
            st.sampled_from(["charge", "charge", "payment", "payment", "adjustment", "rejection"])
        )
        if kind == "charge":
            ledger.append(
                Charge(
                    money(),
                    day(),
                    period=draw(st.sampled_from([None, "2026-01"])),
                    id=draw(st.sampled_from([None, *charge_ids])),
                )
            )
        elif kind == "payment":
            ledger.append(
                Payment(
                    money(),
                    day(),
                    id=draw(st.sampled_from([None, *payment_ids])),
                    settles=draw(st.sampled_from([None, None, *charge_ids, "nope"])),
                )
            )
        elif kind == "adjustment":
            ledger.append(Adjustment(money(), day()))
        else:
            # often a few days after a payment (the same day included), as banks do
            paid = [e.on for e in ledger if isinstance(e, Payment)]
            when = day()
            if paid and draw(st.booleans()):
                when = draw(st.sampled_from(paid)) + timedelta(days=draw(st.integers(0, 2)))
            if draw(st.booleans()):
                ledger.append(Rejection(when, amount=money()))
            else:
                amount = draw(st.one_of(st.none(), AMOUNTS.map(lambda c: Decimal(c) / 100)))
                ledger.append(
                    Rejection(when, payment=draw(st.sampled_from(payment_ids)), amount=amount)
                )
    plans = []
    for _ in range(draw(st.integers(0, 2))):
        signed = day()
        instalments = [
            (signed + timedelta(days=draw(st.integers(-5, 120))), money())
            for _ in range(draw(st.integers(1, 4)))
        ]
        cancelled = draw(
            st.one_of(st.none(), st.integers(0, 200).map(lambda n, s=signed: s + timedelta(days=n)))
        )
        plans.append(Plan(signed, instalments, cancelled_on=cancelled))
    events = [Event("rejection", day()) for _ in range(draw(st.integers(0, 2)))]
    ledger = draw(st.permutations(ledger))
    state = AccountState(account_id="P", ledger=ledger, plans=plans, events=events)
    on = origin + timedelta(days=draw(st.integers(0, span + 40)))
    threshold = draw(st.sampled_from([0, 0, 1, 5000, 45000]))
    return state, on, threshold


@settings(max_examples=200, deadline=None)
@given(ledgers())
def test_analyse_agrees_with_the_day_by_day_reference(case):
    state, on, threshold = case
    expected, (cases, charges) = reference(state, on, threshold)
    result = analyse(state, on, threshold=threshold)
    assert dict(result.values) == expected
    assert list(result.cases) == cases
    assert result.case == (cases[-1] if cases and cases[-1].closed is None else None)
    assert result.charges == charges


# ------------------------------------------------------------------------------ with attributes

OUTCOME_CHOICES = (
    None,
    "delivered",
    "failed",
    "bounced",
    "reached",
    "not_reached",
    "promise_to_pay",
)


@st.composite
def with_attributes_and_history(draw) -> tuple[AccountState, date, int]:
    """A generated ledger, with the attributes and the history the legal values read."""
    state, on, threshold = draw(ledgers())
    attributes: dict[str, object] = {}
    if draw(st.booleans()):
        attributes["apl_paid_to_landlord"] = draw(st.booleans())
    if draw(st.booleans()):
        attributes["apl_amount"] = Decimal(draw(st.sampled_from([5000, 15000, 45000, 60000]))) / 100
    if draw(st.booleans()):
        attributes["lease_start"] = draw(st.dates(date(2023, 7, 20), date(2023, 8, 5)))
    if draw(st.booleans()):
        attributes["last_order_date"] = on - timedelta(days=draw(st.integers(-10, 90)))
    history = []
    for n in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["call", "sms", "email"]))
        history.append(
            Issued(
                f"s{n}/{kind}:t:D+{n}@2026-01-01",
                on - timedelta(days=draw(st.integers(-5, 45))),
                channel=draw(st.sampled_from([None, kind])),
                outcome=draw(st.sampled_from(OUTCOME_CHOICES)),
            )
        )
    return attrs.evolve(state, attributes=attributes, history=tuple(history)), on, threshold


@settings(max_examples=150, deadline=None)
@given(with_attributes_and_history())
def test_the_legal_and_history_values_agree_with_the_reference(case):
    state, on, threshold = case
    expected, _ = reference(state, on, threshold)
    result = analyse(state, on, threshold=threshold)
    assert dict(result.values) == expected
    asked = analyse(state, on, threshold=threshold, names=frozenset({"aid_arrears_date"}))
    assert asked.values["aid_arrears_date"] == expected["aid_arrears_date"]


@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.integers(1, 90_000), st.sampled_from([True, False, None])),
        max_size=12,
    ),
    st.integers(-3, 15),
)
def test_the_rent_of_the_day_is_that_of_the_rent_steps(charges, today):
    from dunforce.ledger import _rent_on, _rent_steps, _rent_today

    rows = sorted(
        (due, index, cents, None, rent) for index, (due, cents, rent) in enumerate(charges)
    )
    dues = [row[0] for row in rows]
    assert _rent_today(rows, dues, today) == _rent_on(*_rent_steps(rows), today)


@settings(max_examples=150, deadline=None)
@given(
    with_attributes_and_history(),
    st.lists(st.integers(-60, 120), min_size=1, max_size=8),
)
def test_a_walk_that_goes_on_gives_the_analysis_of_each_day(case, offsets):
    """A simulation goes on from the last day's walk of an unchanged ledger: that must be the
    analysis of the day, on every day it reaches (a rejection after the first day stops it)."""
    from dunforce.ledger import LedgerWalk

    state, on, threshold = case
    days = sorted({on.toordinal() + offset for offset in offsets})
    walk = LedgerWalk(state.ledger, threshold, days[0])
    for day in days:
        if not walk.reaches(day):
            rejections = [e.on.toordinal() for e in state.ledger if e.kind == "rejection"]
            assert any(days[0] < r <= day for r in rejections)  # only a later rejection stops it
            with pytest.raises(ValueError, match="cannot reach"):
                walk.at(state, day)
            walk = LedgerWalk(state.ledger, threshold, day)
        expected = analyse(state, date.fromordinal(day), threshold=threshold)
        assert walk.at(state, day) == expected
    with pytest.raises(ValueError, match="cannot reach"):
        walk.at(state, days[-1] - 1)  # a walk never goes back


_ADDITIONS = st.sampled_from(["payment", "adjustment", "named", "charge", "rejection"])


@settings(max_examples=150, deadline=None)
@given(with_attributes_and_history(), st.data())
def test_a_walk_takes_in_later_payments_and_gives_the_analysis_of_each_day(case, data):
    """A simulation pays into an account and goes on from its walk: a walk that takes in the
    new entries must give the analysis of the ledger with them, and it refuses every addition
    it cannot take (a charge, a rejection, a payment naming a charge, an entry it walked past)."""
    from dunforce.ledger import LedgerWalk

    state, on, threshold = case
    day = on.toordinal() + data.draw(st.integers(-60, 60))
    walk = LedgerWalk(state.ledger, threshold, day)
    assert walk.at(state, day) == analyse(state, date.fromordinal(day), threshold=threshold)
    for _ in range(data.draw(st.integers(1, 5))):
        walked = day
        day += data.draw(st.integers(0, 20))
        additions = []
        for kind in data.draw(st.lists(_ADDITIONS, min_size=1, max_size=3)):
            when = date.fromordinal(day + data.draw(st.integers(-2, 0)))
            cents = Decimal(data.draw(st.integers(1, 60_000))) / 100
            made = {
                "payment": lambda c, w: Payment(c, w, id="sim"),
                "adjustment": Adjustment,
                "named": lambda c, w: Payment(c, w, settles="c1"),
                "charge": Charge,
                "rejection": lambda c, w: Rejection(w, payment="sim"),
            }[kind]
            additions.append(made(cents, when))
        state = state._extended(tuple(additions), (), ())
        plain = all(
            entry.kind in ("payment", "adjustment") and getattr(entry, "settles", None) is None
            for entry in additions
        )
        dates = [getattr(entry, "on", None) or entry.due for entry in additions]
        dates = [when.toordinal() for when in dates]
        taken = walk.extend(state.ledger)
        if taken:
            assert plain and min(dates) > walked  # only what it can take
            assert walk.ledger is state.ledger
        else:
            assert not (plain and min(dates) > walked)  # what it can take, it takes
            walk = LedgerWalk(state.ledger, threshold, day)
        if not walk.reaches(day):  # a rejection of the ledger, after the walk's first day
            walk = LedgerWalk(state.ledger, threshold, day)
        assert walk.at(state, day) == analyse(state, date.fromordinal(day), threshold=threshold)
