"""French legal rules as data, and the derived values that apply them to an account."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dunforce.dsl.ast import Duration
from dunforce.errors import StateError
from dunforce.ledger import analyse, derived_attributes
from dunforce.legal import (
    AID_ARREARS_RULES,
    LEGAL_RULES,
    PRESCRIPTION_YEARS,
    add_months,
    aid_report_deadline,
    aid_rule_on,
    in_winter_truce,
    legal_markdown,
    order_delay,
    order_expiry,
    prescribed,
    truce_end,
)
from dunforce.state import OUTCOMES, AccountState, Adjustment, Charge, Issued, Payment
from strategies import states


def rent(amount: str, due: date, **kw) -> Charge:
    return Charge(amount, due, period=f"{due:%Y-%m}", **kw)


def monthly(amount: str, first: date, months: int, **kw) -> list[Charge]:
    return [rent(amount, add_months(first, n), id=f"c{n}", **kw) for n in range(months)]


def values(*ledger, on: date, threshold: str = "0", history=(), **attributes) -> dict:
    state = AccountState(account_id="L", attributes=attributes, ledger=ledger, history=history)
    return derived_attributes(state, on, threshold=Decimal(threshold))


# ------------------------------------------------------------------------------ the rules


def test_the_aid_rule_switches_exactly_on_1_january_2027():
    before, after = aid_rule_on(date(2026, 12, 31)), aid_rule_on(date(2027, 1, 1))
    assert (before.rent_multiple, before.net_of_aid, before.amount_over) == (2, True, None)
    assert before.source == "CCH R824-1" and before.to_verify is False
    assert (after.amount_over, after.months_after_first_unpaid) == (Decimal("450.00"), 3)
    assert after.to_verify is True and "2026-83" in after.source
    assert aid_rule_on(date(1990, 1, 1)) is before
    assert aid_rule_on(date(2100, 1, 1)) is after


def test_the_aid_rule_versions_cover_every_day_without_overlap():
    assert AID_ARREARS_RULES[0].effective_from == date.min
    assert AID_ARREARS_RULES[-1].effective_until is None
    for older, newer in itertools.pairwise(AID_ARREARS_RULES):
        assert older.effective_until is not None
        assert older.effective_until + timedelta(days=1) == newer.effective_from


def test_aid_rule_on_refuses_what_is_not_a_date():
    with pytest.raises(TypeError, match="day"):
        aid_rule_on("2027-01-01")  # type: ignore[arg-type]


def test_the_report_deadline_is_two_months_later_clamped_to_the_month():
    assert aid_report_deadline(date(2026, 2, 6)) == date(2026, 4, 6)
    assert aid_report_deadline(date(2026, 12, 31)) == date(2027, 2, 28)
    assert aid_report_deadline(date(2027, 12, 31)) == date(2028, 2, 29)


def test_the_order_delay_changes_for_leases_from_29_july_2023():
    assert order_delay(date(2023, 7, 28)) == Duration(2, "m")
    assert order_delay(date(2023, 7, 29)) == Duration(6, "w")
    assert order_delay(date(2025, 1, 1)) == Duration(6, "w")
    assert order_delay(None) == Duration(2, "m")  # unknown: the longer delay
    assert order_expiry(date(2026, 3, 2), date(2023, 7, 29)) == date(2026, 4, 13)
    assert order_expiry(date(2026, 3, 2), date(2023, 7, 28)) == date(2026, 5, 2)
    assert order_expiry(date(2025, 12, 31), None) == date(2026, 2, 28)


@pytest.mark.parametrize("year", [2025, 2026, 2027, 2028])
def test_the_winter_truce_runs_from_1_november_to_31_march(year):
    assert not in_winter_truce(date(year, 10, 31))
    assert in_winter_truce(date(year, 11, 1))
    assert in_winter_truce(date(year, 12, 31))
    assert in_winter_truce(date(year, 1, 1))
    assert in_winter_truce(date(year, 3, 31))
    assert not in_winter_truce(date(year, 4, 1))
    assert truce_end(date(year, 11, 1)) == date(year + 1, 4, 1)
    assert truce_end(date(year, 12, 31)) == date(year + 1, 4, 1)
    assert truce_end(date(year, 1, 1)) == date(year, 4, 1)
    assert truce_end(date(year, 3, 31)) == date(year, 4, 1)
    with pytest.raises(ValueError, match="not in a winter truce"):
        truce_end(date(year, 4, 1))
    with pytest.raises(ValueError, match="not in a winter truce"):
        truce_end(date(year, 10, 31))


@given(st.dates(date(2020, 1, 1), date(2040, 12, 31)))
def test_truce_end_is_the_first_day_out_of_the_truce(day):
    if not in_winter_truce(day):
        return
    end = truce_end(day)
    assert day < end and (end.month, end.day) == (4, 1)
    assert not in_winter_truce(end)
    assert in_winter_truce(end - timedelta(days=1))
    assert (end - day).days <= 152  # 1 November to 1 April, in a leap year


def test_prescription_is_three_years_from_the_due_date():
    assert PRESCRIPTION_YEARS == 3
    assert not prescribed(date(2023, 3, 10), date(2026, 3, 10))
    assert prescribed(date(2023, 3, 10), date(2026, 3, 11))
    # 29 February 2024 + 3 years is 28 February 2027
    assert not prescribed(date(2024, 2, 29), date(2027, 2, 28))
    assert prescribed(date(2024, 2, 29), date(2027, 3, 1))


def test_the_legal_rules_list_every_rule_with_its_source():
    names = [rule.name for rule in LEGAL_RULES]
    assert len(names) == len(set(names))
    assert len(LEGAL_RULES) == len(AID_ARREARS_RULES) + 4
    for rule in LEGAL_RULES:
        assert rule.source and rule.summary.endswith(".")
    flagged = [rule for rule in LEGAL_RULES if rule.to_verify]
    assert len(flagged) == 1 and "2027" in flagged[0].name and flagged[0].caveat
    page = legal_markdown()
    assert page.count("\n") == len(LEGAL_RULES) + 2
    for rule in LEGAL_RULES:
        assert f"| `{rule.name}` |" in page
    assert "| CCH R824-1 | no |" in page


# ------------------------------------------------------------------------------ the impayé


def aid_ledger(months: int) -> list:
    """Rent of 400 € from 5 January 2026 with 150 € of aid paid to the landlord, nothing else."""
    ledger: list = monthly("400.00", date(2026, 1, 5), months)
    ledger += [Adjustment("150.00", add_months(date(2026, 1, 5), n)) for n in range(months)]
    return ledger


def test_net_threshold_when_the_aid_is_paid_to_the_landlord():
    # overdue 250 € on 6 January, 500 on 6 February, 750 on 6 March, 1000 on 6 April
    ledger = aid_ledger(4)
    net = {"apl_paid_to_landlord": True, "apl_amount": Decimal("150.00")}
    result = values(*ledger, on=date(2026, 4, 10), **net)
    assert result["aid_arrears"] is True
    assert result["aid_arrears_date"] == date(2026, 2, 6)  # 500 >= 2 x (400 - 150)
    assert result["aid_report_deadline"] == date(2026, 4, 6)
    early = values(*ledger, on=date(2026, 2, 5), **net)
    assert (early["aid_arrears"], early["aid_arrears_date"]) == (False, None)


def test_gross_threshold_when_the_aid_is_paid_to_the_tenant():
    ledger = aid_ledger(4)
    for attributes in ({}, {"apl": True, "apl_amount": Decimal("150.00")}):
        march = values(*ledger, on=date(2026, 3, 10), **attributes)
        assert march["in_case"] is True and march["debt"] == Decimal("750.00")
        assert (march["aid_arrears"], march["aid_arrears_date"]) == (False, None)
        april = values(*ledger, on=date(2026, 4, 10), **attributes)
        assert april["aid_arrears_date"] == date(2026, 4, 6)  # 1000 >= 2 x 400
        assert april["aid_report_deadline"] == date(2026, 6, 6)


def test_an_aid_paid_to_the_landlord_of_unknown_amount_counts_as_nothing():
    result = values(*aid_ledger(4), on=date(2026, 3, 10), apl_paid_to_landlord=True)
    assert (result["aid_arrears"], result["aid_arrears_date"]) == (False, None)


def test_twice_the_rent_exactly_is_an_impaye_until_2027():
    ledger = monthly("300.00", date(2026, 10, 5), 2)
    result = values(*ledger, on=date(2026, 12, 31))
    assert result["debt"] == Decimal("600.00")
    assert result["aid_arrears"] is True
    assert result["aid_arrears_date"] == date(2026, 11, 6)
    assert result["aid_report_deadline"] == date(2027, 1, 6)


def test_the_version_in_force_on_the_step_date_judges_the_whole_case():
    # 100 € a month unpaid from 5 November 2026: twice the rent on 6 December 2026; under the
    # 2027 rule, never above 450 € before March, and 3 months after D on 5 February 2027
    ledger = monthly("100.00", date(2026, 11, 5), 6)
    december = values(*ledger, on=date(2026, 12, 31))
    assert (december["aid_arrears"], december["aid_arrears_date"]) == (True, date(2026, 12, 6))
    january = values(*ledger, on=date(2027, 1, 1))
    assert (january["aid_arrears"], january["aid_arrears_date"]) == (False, None)
    assert january["aid_report_deadline"] is None
    before = values(*ledger, on=date(2027, 2, 4))
    assert (before["aid_arrears"], before["aid_arrears_date"]) == (False, None)
    on_time = values(*ledger, on=date(2027, 2, 5))
    assert (on_time["aid_arrears"], on_time["aid_arrears_date"]) == (True, date(2027, 2, 5))
    assert on_time["aid_report_deadline"] == date(2027, 4, 5)


def test_from_2027_a_debt_above_450_euros_is_an_impaye():
    ledger = monthly("450.00", date(2027, 1, 5), 2)
    january = values(*ledger, on=date(2027, 1, 20))
    assert january["debt"] == Decimal("450.00")  # 450 € is not above 450 €
    assert (january["aid_arrears"], january["aid_arrears_date"]) == (False, None)
    february = values(*ledger, on=date(2027, 2, 6))
    assert (february["aid_arrears"], february["aid_arrears_date"]) == (True, date(2027, 2, 6))
    assert february["aid_report_deadline"] == date(2027, 4, 6)


def test_from_2027_the_three_months_count_from_the_case_opening_when_it_is_later():
    # 50 € of each term left unpaid (each payment names its own charge, so D stays 5 January);
    # with a threshold of 200 €, the case opens on 6 May, after D + 3 months (5 April)
    ledger: list = monthly("300.00", date(2027, 1, 5), 5)
    ledger += [
        Payment("250.00", add_months(date(2027, 1, 5), n), settles=f"c{n}") for n in range(5)
    ]
    april = values(*ledger, on=date(2027, 4, 20), threshold="200")
    assert april["in_case"] is False and april["aid_arrears"] is False
    may = values(*ledger, on=date(2027, 5, 10), threshold="200")
    assert (may["case_open_date"], may["case_anchor"]) == (date(2027, 5, 6), date(2027, 1, 5))
    assert (may["aid_arrears"], may["aid_arrears_date"]) == (True, date(2027, 5, 6))


def test_a_case_that_closes_and_reopens_constitutes_a_new_impaye():
    ledger = [
        *monthly("400.00", date(2026, 1, 5), 4),
        Payment("800.00", date(2026, 2, 20)),  # January and February paid: the case closes
    ]
    february = values(*ledger, on=date(2026, 2, 10))
    assert february["aid_arrears_date"] == date(2026, 2, 6)
    closed = values(*ledger, on=date(2026, 2, 25))
    assert closed["in_case"] is False
    assert (closed["aid_arrears"], closed["aid_arrears_date"]) == (False, None)
    reopened = values(*ledger, on=date(2026, 3, 10))
    assert reopened["case_open_date"] == date(2026, 3, 6)
    assert (reopened["aid_arrears"], reopened["aid_arrears_date"]) == (False, None)
    april = values(*ledger, on=date(2026, 4, 10))
    assert (april["aid_arrears"], april["aid_arrears_date"]) == (True, date(2026, 4, 6))


def test_the_date_stays_while_the_case_stays_open_below_the_threshold():
    ledger = [*monthly("400.00", date(2026, 1, 5), 2), Payment("500.00", date(2026, 2, 10))]
    result = values(*ledger, on=date(2026, 2, 15))
    assert result["in_case"] is True and result["debt"] == Decimal("300.00")
    assert result["aid_arrears"] is False
    assert result["aid_arrears_date"] == date(2026, 2, 6)


def test_each_day_is_judged_with_the_rent_of_that_day():
    # the rent goes from 400 to 410 € in March: 800 € on 6 February was twice February's rent
    ledger = [*monthly("400.00", date(2026, 1, 5), 2), rent("410.00", date(2026, 3, 5))]
    result = values(*ledger, on=date(2026, 3, 10))
    assert result["monthly_rent"] == Decimal("410.00")
    assert result["aid_arrears"] is True
    assert result["aid_arrears_date"] == date(2026, 2, 6)


def test_no_case_no_impaye_whatever_the_rule():
    ledger = [*monthly("400.00", date(2026, 11, 5), 4), Payment("1600.00", date(2026, 11, 5))]
    for on in (date(2026, 12, 20), date(2027, 2, 20)):
        result = values(*ledger, on=on)
        assert result["in_case"] is False
        assert (result["aid_arrears"], result["aid_arrears_date"]) == (False, None)
        assert result["aid_report_deadline"] is None


# ------------------------------------------------------------------------------ commandement


def test_order_values_from_the_lease_start_and_the_last_order():
    recent = values(
        on=date(2026, 3, 10), lease_start=date(2023, 7, 29), last_order_date=date(2026, 3, 2)
    )
    assert recent["order_delay"] == Duration(6, "w")
    assert recent["order_expiry_date"] == date(2026, 4, 13)
    older = values(
        on=date(2026, 3, 10), lease_start=date(2023, 7, 28), last_order_date=date(2026, 3, 2)
    )
    assert older["order_delay"] == Duration(2, "m")
    assert older["order_expiry_date"] == date(2026, 5, 2)
    unknown = values(on=date(2026, 3, 10), last_order_date=date(2025, 12, 31))
    assert (unknown["order_delay"], unknown["order_expiry_date"]) == (
        Duration(2, "m"),
        date(2026, 2, 28),
    )
    never = values(on=date(2026, 3, 10), lease_start=date(2024, 1, 1))
    assert (never["order_delay"], never["order_expiry_date"]) == (Duration(6, "w"), None)


# ------------------------------------------------------------------------------ prescription


def test_prescribed_debt_splits_the_debt_by_due_date():
    ledger = [
        rent("400.00", date(2023, 3, 10), id="old"),
        rent("400.00", date(2023, 4, 10), id="mid"),
        rent("400.00", date(2026, 3, 1), id="new"),
    ]
    on_the_day = values(*ledger, on=date(2026, 3, 10))
    assert on_the_day["debt"] == Decimal("1200.00")
    assert on_the_day["prescribed_debt"] == Decimal("0.00")
    next_day = values(*ledger, on=date(2026, 3, 11))
    assert next_day["prescribed_debt"] == Decimal("400.00")
    assert next_day["recoverable_debt"] == Decimal("800.00")
    both = values(*ledger, on=date(2026, 4, 11))
    assert both["prescribed_debt"] == Decimal("800.00")
    assert both["recoverable_debt"] == Decimal("400.00")


def test_payments_settle_the_oldest_charges_first_so_little_is_prescribed():
    ledger = [
        rent("400.00", date(2023, 3, 10), id="old"),
        rent("400.00", date(2024, 3, 10), id="mid"),
        Payment("500.00", date(2024, 6, 1)),
    ]
    oldest_first = values(*ledger, on=date(2026, 6, 1))
    assert oldest_first["debt"] == Decimal("300.00")
    assert oldest_first["prescribed_debt"] == Decimal("0.00")
    named = values(
        *ledger[:2], Payment("400.00", date(2024, 6, 1), settles="mid"), on=date(2026, 6, 1)
    )
    assert named["prescribed_debt"] == Decimal("400.00")
    assert named["recoverable_debt"] == Decimal("0.00")


def test_a_charge_due_on_29_february_is_prescribed_from_1_march():
    ledger = [rent("400.00", date(2024, 2, 29))]
    assert values(*ledger, on=date(2027, 2, 28))["prescribed_debt"] == Decimal("0.00")
    assert values(*ledger, on=date(2027, 3, 1))["prescribed_debt"] == Decimal("400.00")


# ------------------------------------------------------------------------------ history


def issued(key: str, day: str, outcome: str | None, channel: str | None = None) -> Issued:
    return Issued(key, day, channel, outcome)


def test_the_channel_of_an_old_row_comes_from_its_key():
    assert issued("gentle/call::D+10@2026-01-05", "2026-01-15", None).inferred_channel == "call"
    assert issued("gentle/sms:relance_1:D+2@2026-01-05", "2026-01-07", None).inferred_channel == (
        "sms"
    )
    assert issued("gentle/call::D+10@2026-01-05", "2026-01-15", None, "task").inferred_channel == (
        "task"
    )
    assert issued("manual-entry", "2026-01-15", None).inferred_channel is None
    result = values(
        on=date(2026, 1, 20),
        history=(issued("gentle/call::D+10@2026-01-05", "2026-01-15", "not_reached"),),
    )
    assert result["last_call_unreached"] is True


def test_the_latest_call_with_an_outcome_decides():
    history = (
        issued("s/call::D+5@2026-01-05", "2026-01-10", "not_reached"),
        issued("s/call::D+10@2026-01-05", "2026-01-15", "reached"),
        issued("s/sms:r:D+12@2026-01-05", "2026-01-17", "not_reached", "sms"),  # not a call
        issued("s/call::D+14@2026-01-05", "2026-01-19", None),  # no outcome yet
    )
    assert values(on=date(2026, 1, 20), history=history)["last_call_unreached"] is False
    assert values(on=date(2026, 1, 12), history=history)["last_call_unreached"] is True
    same_day = (
        issued("s/call::D+5@2026-01-05", "2026-01-10", "reached"),
        issued("s/call::D+6@2026-01-05", "2026-01-10", "not_reached"),
    )
    assert values(on=date(2026, 1, 20), history=same_day)["last_call_unreached"] is True
    assert values(on=date(2026, 1, 20), history=same_day[::-1])["last_call_unreached"] is False


def test_contacts_promises_and_failures_on_the_step_date():
    history = (
        issued("s/sms:r:D+2@2026-01-05", "2026-01-07", "delivered"),
        issued("s/email:r:D+3@2026-01-05", "2026-01-08", "bounced"),
        issued("s/call::D+10@2026-01-05", "2026-01-15", "promise_to_pay"),
        issued("s/sms:r:D+20@2026-01-05", "2026-01-25", "failed"),
        issued("s/call::D+30@2026-01-05", "2026-02-04", "reached"),  # after the step date
        issued("s/letter:m:D+31@2026-01-05", "2026-02-05", "promise_to_pay"),
    )
    result = values(on=date(2026, 2, 3), history=history)
    assert result["last_contact_days"] == 19  # the promise of 15 January
    assert result["promise_to_pay_days"] == 19
    assert result["failed_contacts_30d"] == 2
    later = values(on=date(2026, 2, 7), history=history)
    assert (later["last_contact_days"], later["promise_to_pay_days"]) == (2, 2)
    assert later["failed_contacts_30d"] == 1  # 8 January is 30 days before: out of the window
    assert values(on=date(2026, 2, 6), history=history)["failed_contacts_30d"] == 2
    none = values(on=date(2026, 1, 6), history=history)
    assert (none["last_contact_days"], none["promise_to_pay_days"]) == (None, None)
    assert (none["failed_contacts_30d"], none["last_call_unreached"]) == (0, False)


def test_an_unknown_outcome_is_refused_with_a_suggestion():
    with pytest.raises(StateError) as info:
        Issued("s/sms::D+2@2026-01-05", "2026-01-07", "sms", "delivred")
    assert (info.value.field, info.value.value) == ("outcome", "delivred")
    message = str(info.value)
    assert message.startswith("outcome: 'delivred' is not one of 'delivered', 'failed'")
    assert message.endswith("(did you mean 'delivered'?)")
    for outcome in OUTCOMES:
        assert Issued("k", "2026-01-07", outcome=outcome).outcome == outcome
    assert Issued("k", "2026-01-07").outcome is None


# ------------------------------------------------------------------------------ names


def test_the_new_values_are_computed_only_when_asked_for():
    state = AccountState(account_id="L", ledger=aid_ledger(4))
    on = date(2026, 4, 10)
    full = analyse(state, on).values
    some = analyse(state, on, names=frozenset({"debt"})).values
    for name in ("aid_arrears", "order_delay", "prescribed_debt", "failed_contacts_30d"):
        assert name in full and name not in some
    deadline = analyse(state, on, names=frozenset({"aid_report_deadline"})).values
    assert deadline["aid_report_deadline"] == full["aid_report_deadline"] is not None


# ------------------------------------------------------------------------------ properties


@settings(max_examples=150, deadline=None)
@given(states(), st.dates(date(2026, 1, 1), date(2030, 12, 31)))
def test_properties_of_the_legal_values(state, on):
    result = analyse(state, on)
    got = result.values
    assert got["prescribed_debt"] + got["recoverable_debt"] == got["debt"]
    assert got["prescribed_debt"] >= 0 and got["recoverable_debt"] >= 0
    assert got["prescribed_debt"] == sum(
        part for due, part in result.charges if prescribed(date.fromordinal(due), on)
    )
    if got["aid_arrears"]:
        assert got["in_case"] and got["aid_arrears_date"] is not None
    if got["aid_arrears_date"] is not None:
        assert got["in_case"]
        assert got["case_open_date"] <= got["aid_arrears_date"] <= on.toordinal()
        constituted = date.fromordinal(got["aid_arrears_date"])
        assert got["aid_report_deadline"] == add_months(constituted, 2).toordinal()
    else:
        assert got["aid_report_deadline"] is None
    lease_start = state.attributes.get("lease_start")
    assert got["order_delay"] == order_delay(lease_start)
