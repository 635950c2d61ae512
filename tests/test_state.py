"""Account state: validated where the data enters, exact, immutable."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pendulum
import pytest

import dunforce
from dunforce import AccountState, Action, Charge, Event, Payment, Plan, Rejection, StateError
from dunforce.attributes import HOUSING_SCHEMA, AttributeSpec, ValueType
from dunforce.state import OUTCOMES, Issued


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12.5"), Decimal("12.50")),
        (12, Decimal("12.00")),
        ("0.10", Decimal("0.10")),
        (12.25, Decimal("12.25")),  # a float exact to the cent is accepted
    ],
)
def test_amounts_are_exact_decimals(value, expected):
    assert Charge(amount=value, due="2026-01-05").amount == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0.1 + 0.2, "not an exact amount"),
        ("12.345", "more than two decimals"),
        (-5, "negative"),
        ("douze", "not an amount"),
        (True, "not an amount"),
        (float("nan"), "not a finite amount"),
    ],
)
def test_bad_amounts_name_the_field_and_the_value(value, words):
    with pytest.raises(StateError) as info:
        Charge(amount=value, due="2026-01-05")
    assert info.value.field == "amount"
    assert words in str(info.value)
    assert info.value.value == value or value != value  # nan is not equal to itself


@pytest.mark.parametrize(
    "value", [datetime.date(2026, 1, 5), pendulum.date(2026, 1, 5), "2026-01-05"]
)
def test_dates_are_plain_dates_whatever_they_came_as(value):
    due = Charge(amount=1, due=value).due
    assert due == datetime.date(2026, 1, 5) and type(due) is datetime.date


@pytest.mark.parametrize("value", ["05/01/2026", "2026-02-30", datetime.datetime(2026, 1, 5), 3])
def test_bad_dates_are_refused(value):
    with pytest.raises(StateError) as info:
        Payment(amount=1, on=value)
    assert info.value.field == "on"


def test_attributes_are_checked_against_the_schema_with_suggestions():
    with pytest.raises(StateError) as info:
        AccountState(account_id="A", attributes={"incme": 1200})
    assert info.value.field == "attributes.incme" and info.value.account_id == "A"
    assert "did you mean 'income'?" in str(info.value)
    for attributes, field in [
        ({"apl": 1}, "attributes.apl"),
        ({"payment_method": "prlv"}, "attributes.payment_method"),
        ({"household_size": "3"}, "attributes.household_size"),
        ({"debt": 10}, "attributes.debt"),
    ]:
        with pytest.raises(StateError) as info:
            AccountState(account_id="A", attributes=attributes)
        assert info.value.field == field


def test_custom_attributes_need_the_programs_schema():
    program = dunforce.compile(
        'attribute agency: text one of ["nord", "sud"]\nprofile n: agency == "nord"\n'
        "profile o: otherwise\n"
    )
    with pytest.raises(StateError):
        AccountState(account_id="A", attributes={"agency": "nord"})
    state = AccountState(account_id="A", attributes={"agency": "nord"}, schema=program.schema)
    assert program.profile_of(state, "2026-01-01") == "n"


def test_the_ledger_holds_only_ledger_entries():
    with pytest.raises(StateError) as info:
        AccountState(account_id="A", ledger=(Charge(amount=1, due="2026-01-01"), "payment"))
    assert info.value.field == "ledger[1]"


def test_a_rejection_names_its_payment_or_its_amount():
    assert Rejection(on="2026-01-08", payment="p1").payment == "p1"
    assert Rejection(on="2026-01-08", amount="450").amount == Decimal("450.00")
    with pytest.raises(StateError):
        Rejection(on="2026-01-08")


def test_plans_sort_their_instalments():
    plan = Plan(signed_on="2026-02-01", instalments=[("2026-04-10", 50), ("2026-03-10", 50)])
    assert [i.due.isoformat() for i in plan.instalments] == ["2026-03-10", "2026-04-10"]


def test_record_returns_a_new_state_and_keeps_the_old_one():
    state = AccountState(account_id="A", events=(Event("arrival", on="2026-01-01"),))
    action = Action(
        "A",
        "s/sms::D+2@2026-01-05",
        "sms",
        None,
        (),
        datetime.date(2026, 1, 7),
        datetime.date(2026, 1, 7),
        "s",
        None,
        "automatic",
        "because",
    )
    recorded = state.record([action])
    assert state.history == () and state.issued_keys == frozenset()
    assert recorded.issued_keys == {"s/sms::D+2@2026-01-05"}
    assert recorded.history[0].emitted_on == datetime.date(2026, 1, 7)


def test_states_are_immutable():
    state = AccountState(account_id="A", attributes={"apl": True})
    with pytest.raises(AttributeError):
        state.account_id = "B"  # type: ignore[misc]
    with pytest.raises(TypeError):
        state.attributes["apl"] = False  # type: ignore[index]


def test_an_integrator_schema_extends_the_catalogue():
    schema = HOUSING_SCHEMA.extend([AttributeSpec("sector", ValueType.TEXT, optional=True)])
    assert AccountState(account_id="A", attributes={"sector": "x"}, schema=schema)


def test_issued_outcomes_are_a_closed_set():
    assert OUTCOMES == (
        "delivered",
        "failed",
        "bounced",
        "reached",
        "not_reached",
        "promise_to_pay",
    )
    assert Issued("k", "2026-01-07", "call", "not_reached").outcome == "not_reached"
    for wrong in ("sent", "", "Delivered"):
        with pytest.raises(StateError) as info:
            Issued("k", "2026-01-07", "sms", wrong)
        assert info.value.field == "outcome" and info.value.value == wrong
        assert "'promise_to_pay'" in str(info.value)
    with pytest.raises(StateError) as info:
        AccountState(account_id="A", history=(Issued("k", "2026-01-07"), "delivered"))
    assert info.value.field == "history[1]"


def test_a_state_extended_with_additions_equals_one_built_with_them():
    day = datetime.date(2026, 3, 2)
    state = AccountState(
        "A1", attributes={"apl": True}, ledger=(Charge("450.00", day),), history=()
    )
    payment = Payment("100.00", day + datetime.timedelta(days=3), id="P1")
    event = Event("rejection", day + datetime.timedelta(days=7))
    issued = Issued("reminder@2026-03-02", day, "sms", "delivered")
    extended = state._extended((payment,), (event,), (issued,))
    built = AccountState(
        "A1",
        attributes={"apl": True},
        ledger=(*state.ledger, payment),
        events=(event,),
        history=(issued,),
    )
    assert extended == built
    assert extended.issued_keys == frozenset({"reminder@2026-03-02"})
    assert state.ledger == (Charge("450.00", day),)  # the original is unchanged
    # what is added is checked all the same
    with pytest.raises(StateError, match="is not a"):
        state._extended(("not an entry",), (), ())
    # the index is the event's in the extended state, as when a state is built
    with pytest.raises(StateError, match=r"events\[1\]\.kind: unknown event kind 'moved'"):
        extended._extended((), (Event("moved", day),), ())
