"""The testing kit, ``dunforce.testing``: its strategies draw valid, varied data, its properties
hold on the bundled scenarios, and each property fails, with a message naming the account, the
day and the actions, on a program that breaks its promise.
"""

from __future__ import annotations

import datetime
import itertools
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import dunforce
import dunforce.testing as kit
from dunforce import (
    HOUSING_SCHEMA,
    AccountState,
    Adjustment,
    AttributeSpec,
    Charge,
    Event,
    Issued,
    Payment,
    Portfolio,
    Rejection,
    ValueType,
)
from dunforce.calendar import FRANCE
from dunforce.dsl.ast import Duration
from dunforce.ledger import derived_attributes
from dunforce.testing import (
    BEHAVIOURS,
    account_states,
    assert_deterministic,
    assert_idempotent,
    assert_no_contact_after_payment,
    assert_policy_respected,
    attribute_values,
    check_program,
    dates,
    is_about_arrears,
    ledgers,
    paid_up,
    portfolios,
    scenario_properties,
    settled,
    states_and_days,
)

ROOT = Path(__file__).parent.parent
SOCIAL_HOUSING = dunforce.load(ROOT / "examples" / "social_housing" / "scenarios.dfs")
INVOICES = dunforce.load(ROOT / "examples" / "invoices" / "scenarios.dfs")
DAY = datetime.timedelta(days=1)

SOME = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: to find a first example that shows a behaviour: generate only, never shrink
SEARCH = settings(
    max_examples=2000,
    phases=(Phase.generate,),
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
#: to show a property fails on a broken program: report the first failure found, unshrunk
FIND_FAILURE = settings(phases=(Phase.generate,), database=None, max_examples=1000)


def first(strategy, condition):
    """The first drawn example that satisfies ``condition`` (fails the test when none does)."""
    return find(strategy, condition, settings=SEARCH)


def date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


REACHABLE = {"phone_mobile": "+33612345678", "email_address": "locataire@example.org"}


def tenant(due: str = "2026-03-02", *entries, account_id: str = "T1", **attributes):
    """A reachable tenant in Paris owing a 500 € rent due on ``due`` (Monday 2 March 2026)."""
    values = {
        "household_size": 2,
        "housing_type": "apartment",
        "payment_method": "transfer",
        "lease_start": "2019-05-01",
        "departement": "75",
        **REACHABLE,
        **attributes,
    }
    values = {k: v for k, v in values.items() if v is not None}
    ledger = (Charge("500.00", due, period=due[:7]), *entries)
    return AccountState(account_id=account_id, attributes=values, ledger=ledger)


class Broken:
    """A program whose ``step`` is replaced: everything else is the real program's."""

    def __init__(self, program, step):
        self._program = program
        self.step = step

    def __getattr__(self, name):
        return getattr(self._program, name)


# ================================================================== the package


def test_the_kit_exports_what_it_says():
    for name in kit.__all__:
        assert hasattr(kit, name), name
    assert kit.PROPERTIES == (
        "deterministic",
        "idempotent",
        "no_contact_after_payment",
        "policy_respected",
    )


def test_without_hypothesis_the_import_names_the_extra_to_install():
    code = "import sys; sys.modules['hypothesis'] = None; import dunforce.testing"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert "ImportError: dunforce.testing needs Hypothesis" in result.stderr
    assert "pip install 'dunforce[test]'" in result.stderr
    assert "dunforce[testing]" in result.stderr


# ================================================================== attribute values


@SOME
@given(attribute_values())
def test_catalogue_values_make_valid_accounts_of_the_declared_types(values):
    state = AccountState(account_id="A1", attributes=values)  # validated: no error
    for spec in HOUSING_SCHEMA.attributes:
        if not spec.optional and spec.default is None:
            assert spec.name in values, spec.name
    for name, value in values.items():
        spec = HOUSING_SCHEMA[name]
        if value is None:
            assert spec.optional, name
            continue
        expected = {
            ValueType.BOOL: bool,
            ValueType.INT: int,
            ValueType.MONEY: Decimal,
            ValueType.DATE: datetime.date,
            ValueType.TEXT: str,
        }[spec.type]
        assert isinstance(value, expected), (name, value)
        if spec.type is ValueType.MONEY:
            assert value == value.quantize(Decimal("0.01")), (name, value)
        if spec.allowed is not None:
            assert value in spec.allowed, (name, value)
    assert state.attributes == values


SCHEMA = HOUSING_SCHEMA.extend(
    [
        AttributeSpec("agency", ValueType.TEXT, allowed=("nord", "sud")),
        AttributeSpec("score", ValueType.NUMBER),
        AttributeSpec("grace", ValueType.DURATION, default=Duration(5, "d")),
        AttributeSpec("visits", ValueType.INT, unit="days"),
        AttributeSpec("moved_in", ValueType.DATE, optional=True),
        AttributeSpec("note", ValueType.TEXT, optional=True),
    ]
)
CUSTOM = ["agency", "score", "grace", "visits", "moved_in", "note", "debt"]


@SOME
@given(attribute_values(SCHEMA, CUSTOM))
def test_values_of_a_users_schema_follow_its_declarations(values):
    AccountState(account_id="A1", attributes=values, schema=SCHEMA)
    assert set(values) <= set(CUSTOM) - {"debt"}  # a derived attribute is never supplied
    assert {"agency", "score", "visits"} <= set(values)  # no default, not optional
    assert values["agency"] in ("nord", "sud")
    assert 0 <= values["visits"] <= 365  # days
    if "grace" in values:
        assert isinstance(values["grace"], Duration)


def test_each_kind_of_presence_is_drawn():
    names = ["income", "apl", "household_size"]
    strategy = attribute_values(names=names)
    assert "income" not in first(strategy, lambda v: "income" not in v)
    assert first(strategy, lambda v: "income" in v and v["income"] is None)["income"] is None
    assert first(strategy, lambda v: v.get("apl") is True)["apl"] is True
    assert "apl" not in first(strategy, lambda v: "apl" not in v)


@SOME
@given(attribute_values(names=["departement", "apl"], overrides={"departement": st.just("57")}))
def test_overrides_draw_from_the_strategy_given(values):
    assert values["departement"] == "57"


def test_attribute_values_check_their_arguments_eagerly():
    with pytest.raises(ValueError, match="names: 'agencie' is not an attribute"):
        attribute_values(names=["agencie"])
    with pytest.raises(TypeError, match="names: expected a collection"):
        attribute_values(names="apl")
    with pytest.raises(TypeError, match=r"schema: expected a dunforce\.Schema"):
        attribute_values({"apl": True})
    with pytest.raises(ValueError, match="overrides: 'debt' is not a supplied attribute"):
        attribute_values(overrides={"debt": st.just(1)})
    with pytest.raises(TypeError, match=r"overrides\['apl'\]: expected a Hypothesis strategy"):
        attribute_values(overrides={"apl": True})
    with pytest.raises(TypeError, match="today"):
        attribute_values(today="soon")


# ================================================================== ledgers


@SOME
@given(ledgers(months=12))
def test_ledgers_are_valid_monthly_rent_exact_to_the_cent(ledger):
    state = AccountState(account_id="A1", ledger=ledger)
    charges = [e for e in ledger if isinstance(e, Charge)]
    assert len(charges) == 12
    months = [(c.due.year, c.due.month) for c in charges]
    assert months == [(2026 + m // 12, m % 12 + 1) for m in range(12)]
    assert len({c.due.day for c in charges}) == 1  # one due day, every month
    for entry in ledger:
        amount = entry.amount
        if amount is not None:
            assert isinstance(amount, Decimal) and amount == amount.quantize(Decimal("0.01"))
            assert amount > 0
    derived_attributes(state, charges[-1].due + 40 * DAY)  # the ledger means something


def _payments_by_month(ledger):
    charges = [e for e in ledger if isinstance(e, Charge)]
    payments = {e.id: e for e in ledger if isinstance(e, Payment)}
    return [(c, payments.get(f"p{c.id[1:]}")) for c in charges]


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_each_behaviour_pays_as_it_says(behaviour):
    strategy = ledgers(months=4, behaviours=[behaviour], rejections=False, adjustments=False)

    @SOME
    @given(strategy)
    def check(ledger):
        for charge, payment in _payments_by_month(ledger):
            if behaviour == "none":
                assert payment is None
                continue
            assert payment is not None
            if behaviour == "on_time":
                assert (payment.on, payment.amount) == (charge.due, charge.amount)
            elif behaviour == "early":
                assert payment.on < charge.due and payment.amount == charge.amount
            elif behaviour == "late":
                assert payment.on > charge.due and payment.amount == charge.amount
            elif behaviour == "partial":
                assert 0 < payment.amount < charge.amount
            else:
                assert payment.amount > charge.amount

    check()


def test_ledgers_show_rejections_repayments_adjustments_and_revisions():
    strategy = ledgers(months=13)
    by_id = first(
        strategy, lambda ledger: any(isinstance(e, Rejection) and e.payment for e in ledger)
    )
    assert any(isinstance(e, Rejection) and e.payment for e in by_id)
    by_amount = first(
        strategy, lambda ledger: any(isinstance(e, Rejection) and e.amount for e in ledger)
    )
    assert any(isinstance(e, Rejection) and e.amount for e in by_amount)
    repaid = first(
        strategy, lambda ledger: any(isinstance(e, Payment) and e.id is None for e in ledger)
    )
    assert any(isinstance(e, Payment) and e.id is None for e in repaid)
    aid = first(strategy, lambda ledger: any(isinstance(e, Adjustment) for e in ledger))
    assert any(isinstance(e, Adjustment) and e.reason == "apl" for e in aid)

    def revised(ledger):
        rents = [e.amount for e in ledger if isinstance(e, Charge)]
        return rents[-1] > rents[0]

    assert revised(first(strategy, revised))  # January 2027's revision


@SOME
@given(ledgers(months=st.integers(1, 3), rent=st.sampled_from(["400.00", "512.34"]), due_day=31))
def test_ledgers_take_strategies_and_clamp_the_due_day(ledger):
    charges = [e for e in ledger if isinstance(e, Charge)]
    assert 1 <= len(charges) <= 3
    assert charges[0].amount in (Decimal("400.00"), Decimal("512.34"))
    assert [c.due.day for c in charges] == [31, 28, 31][: len(charges)]  # 2026 is no leap year


def test_ledgers_check_their_arguments_eagerly():
    with pytest.raises(TypeError, match="months: expected a whole number >= 0"):
        ledgers(months=-1)
    with pytest.raises(TypeError, match="rent"):
        ledgers(rent="a lot")
    with pytest.raises(TypeError, match="rent: the rent must be above 0"):
        ledgers(rent=0)
    with pytest.raises(TypeError, match="due_day: expected a day of the month"):
        ledgers(due_day=40)
    with pytest.raises(ValueError, match="behaviours: expected some of on_time"):
        ledgers(behaviours=["sometimes"])
    with pytest.raises(TypeError, match="start"):
        ledgers(start="soon")
    with pytest.raises(TypeError, match="method"):
        ledgers(method=3)


# ================================================================== dates


@SOME
@given(dates(around="2026-05-01", within=10))
def test_dates_stay_within_their_range(day):
    assert abs((day - date("2026-05-01")).days) <= 10


def test_dates_favour_sundays_holidays_and_month_ends():
    strategy = dates(around="2026-12-20", within=30)
    assert first(strategy, lambda d: d.weekday() == 6).weekday() == 6
    # 26 December is a public holiday in Alsace-Moselle only
    alsace = first(strategy, lambda d: d == date("2026-12-26"))
    assert FRANCE.is_holiday(alsace.toordinal(), "6AE")
    assert not FRANCE.is_holiday(alsace.toordinal(), None)
    assert first(dates(around="2028-02-20", within=20), lambda d: (d.month, d.day) == (2, 29))


def test_dates_check_their_arguments_eagerly():
    with pytest.raises(TypeError, match="within"):
        dates(within=-1)
    with pytest.raises(TypeError, match="around"):
        dates(around="tomorrow")


# ================================================================== accounts


@SOME
@given(account_states(), dates(around="2026-04-01", within=120))
def test_account_states_of_the_catalogue_are_valid_and_can_be_stepped(state, day):
    assert isinstance(state, AccountState)
    derived_attributes(state, day)
    SOCIAL_HOUSING.step(state, day)  # every catalogue attribute is drawn: nothing is missing


def _step_prefixes(program) -> set[str]:
    return {step.key_prefix for block in program.compiled.blocks for step in block.steps}


@SOME
@given(states_and_days(SOCIAL_HOUSING))
def test_accounts_for_a_program_have_what_it_reads_and_the_history_it_made(case):
    state, day = case
    compiled = SOCIAL_HOUSING.compiled
    assert set(state.attributes) <= set(compiled.attribute_names)
    assert set(compiled.required) <= set(state.attributes)
    kinds = {b.event for b in compiled.blocks if b.kind == "event"}
    assert {e.kind for e in state.events} <= kinds
    prefixes = _step_prefixes(SOCIAL_HOUSING)
    for entry in state.history:
        assert entry.key.rpartition("@")[0] + "@" in prefixes, entry.key
        assert entry.emitted_on < day
        channel = SOCIAL_HOUSING.channels[entry.channel]
        assert entry.outcome is None or entry.outcome in channel.outcomes
    assert len({e.key for e in state.history}) == len(state.history)  # the program's own keys


def test_drawn_accounts_and_days_cover_what_properties_need():
    program = SOCIAL_HOUSING
    with_history = {
        "actions on the day": lambda c: program.step(*c),
        "a history and actions on the day": lambda c: c[0].history and program.step(*c),
        "an outcome in the history": lambda c: any(i.outcome for i in c[0].history),
        "a settled account": lambda c: settled(*c),
        "an account in arrears": lambda c: not settled(*c),
        "a Sunday with something due": lambda c: c[1].weekday() == 6 and not settled(*c),
        "a repayment plan": lambda c: c[0].plans,
        "a rejection event": lambda c: any(e.kind == "rejection" for e in c[0].events),
    }
    without_history = {  # rarer actions: found faster without a history to make
        "a legal step": lambda c: any(a.requires_approval for a in program.step(*c)),
        "a call": lambda c: any(a.channel == "call" for a in program.step(*c)),
        "a fallback channel": lambda c: any(
            " instead of " in a.policy_note for a in program.step(*c)
        ),
    }
    for strategy, cases in (
        (states_and_days(program), with_history),
        (states_and_days(program, with_history=False), without_history),
    ):
        for what, condition in cases.items():
            assert condition(first(strategy, condition)), what


def test_account_strategies_check_their_arguments_eagerly():
    with pytest.raises(ValueError, match="with_history: a history is made by stepping a program"):
        account_states(with_history=True)
    with pytest.raises(TypeError, match=r"program: expected a dunforce\.Program"):
        account_states(program=object())
    with pytest.raises(ValueError, match="schema: the program brings its own schema"):
        account_states(SCHEMA, program=SOCIAL_HOUSING)
    with pytest.raises(TypeError, match="months"):
        states_and_days(SOCIAL_HOUSING, months=-2)
    with pytest.raises(TypeError, match="ledger: expected a strategy"):
        account_states(ledger=())
    with pytest.raises(TypeError, match="account_id"):
        account_states(account_id="")
    with pytest.raises(ValueError, match="min_size"):
        portfolios(min_size=3, max_size=2)


@SOME
@given(
    account_states(ledger=ledgers(months=2, behaviours=["none"]), account_id="X9", on="2026-02-20")
)
def test_account_states_take_a_ledger_strategy_and_an_id(state):
    assert state.account_id == "X9"
    assert [e.kind for e in state.ledger if e.kind != "adjustment"] == ["charge", "charge"]


@settings(SOME, max_examples=15)
@given(portfolios(program=SOCIAL_HOUSING, max_size=5))
def test_portfolios_read_back_as_valid_accounts_and_run(portfolio):
    assert isinstance(portfolio, Portfolio)
    accounts = list(portfolio.accounts(SOCIAL_HOUSING.schema))
    assert all(isinstance(a, AccountState) for a in accounts), accounts
    ids = [a.account_id for a in accounts]
    assert 1 <= len(ids) <= 5 and len(set(ids)) == len(ids)
    result = SOCIAL_HOUSING.run(portfolio, "2026-03-10")
    assert result.rejected.empty


@SOME
@given(states_and_days(SOCIAL_HOUSING, with_history=False))
def test_paid_up_settles_the_account_with_one_payment_on_the_day(case):
    state, day = case
    paid = paid_up(state, day)
    assert settled(paid, day)
    added = paid.ledger[len(state.ledger) :]
    assert paid.ledger[: len(state.ledger)] == state.ledger
    assert all(isinstance(e, Payment) and e.on == day for e in added)
    if not settled(state, day):
        assert added


# ================================================================== the properties hold


test_the_social_housing_scenarios_keep_their_promises = scenario_properties(
    SOCIAL_HOUSING, max_examples=150
)
test_the_invoice_scenarios_keep_their_promises = scenario_properties(INVOICES, max_examples=40)


def test_every_property_holds_on_an_account_with_actions_due():
    state, day = tenant(), date("2026-03-12")  # D+10: a letter and a call
    actions = SOCIAL_HOUSING.step(state, day)
    assert [a.channel for a in actions] == ["letter", "call"]
    assert all(is_about_arrears(SOCIAL_HOUSING, a) for a in actions)
    assert_deterministic(SOCIAL_HOUSING, state, day)
    assert_idempotent(SOCIAL_HOUSING, state, day)
    assert_policy_respected(SOCIAL_HOUSING, state, day)
    assert_no_contact_after_payment(SOCIAL_HOUSING, state, day)  # in arrears: nothing to check
    paid = paid_up(state, day)
    assert SOCIAL_HOUSING.step(paid, day) == ()
    assert_no_contact_after_payment(SOCIAL_HOUSING, paid, day)


def test_a_pre_due_reminder_is_no_contact_about_arrears():
    state, day = tenant(), date("2026-02-25")  # D-5 of a rent not yet due
    (reminder,) = SOCIAL_HOUSING.step(state, day)
    assert ":D-5@" in reminder.key and settled(state, day)
    assert not is_about_arrears(SOCIAL_HOUSING, reminder)
    assert_no_contact_after_payment(SOCIAL_HOUSING, state, day)


def test_an_event_step_is_allowed_after_payment_unless_asked_otherwise():
    state = attrs.evolve(
        tenant("2026-03-02", Payment("500.00", "2026-03-01")),
        events=(Event("rejection", "2026-03-04"),),
    )
    day = date("2026-03-05")
    (action,) = SOCIAL_HOUSING.step(state, day)
    assert action.key.startswith("on-rejection/") and settled(state, day)
    assert_no_contact_after_payment(SOCIAL_HOUSING, state, day)
    with pytest.raises(AssertionError, match="on-rejection/sms:rejet_prelevement:E"):
        assert_no_contact_after_payment(SOCIAL_HOUSING, state, day, event_steps=True)


@pytest.mark.parametrize(
    ("key", "event_steps", "about"),
    [
        ("gentle/sms:relance:D+2@2026-03-02", False, True),
        ("gentle/letter:x:D+0@2026-03-02", False, True),
        ("gentle/sms:relance:D+10/14d@2026-03-02#2", False, True),
        ("gentle/letter:x:D+6bd~2@2026-03-02", False, True),
        ("gentle/email:rappel:D-5@2026-03-02", False, False),
        ("on-rejection/sms:rejet:E+1@2026-03-04", False, False),
        ("on-rejection/sms:rejet:E+1@2026-03-04", True, True),
        ("something else entirely", False, True),
    ],
)
def test_a_key_the_program_does_not_know_is_read_from_its_offset(key, event_steps, about):
    action = attrs.evolve(SOCIAL_HOUSING.step(tenant(), "2026-03-05")[0], key=key)
    assert is_about_arrears(SOCIAL_HOUSING, action, event_steps=event_steps) is about


# ================================================================== the properties fail


def test_determinism_fails_on_a_step_that_changes_from_call_to_call():
    calls = itertools.count()

    def step(state, day):
        return tuple(
            attrs.evolve(a, reason=f"{a.reason} (call {next(calls)})")
            for a in SOCIAL_HOUSING.step(state, day)
        )

    with pytest.raises(AssertionError) as failure:
        assert_deterministic(Broken(SOCIAL_HOUSING, step), tenant(), "2026-03-05")
    message = str(failure.value)
    assert "account T1 on 2026-03-05 (Thursday): step is not deterministic" in message
    assert "automatic_first_late/sms:relance_amiable_1:D+2@2026-03-02" in message


def test_determinism_fails_on_a_step_whose_order_changes():
    calls = itertools.count()

    def step(state, day):
        actions = SOCIAL_HOUSING.step(state, day)
        return actions[::-1] if next(calls) % 2 else actions

    with pytest.raises(AssertionError, match="the same actions in another order") as failure:
        assert_deterministic(Broken(SOCIAL_HOUSING, step), tenant(), "2026-03-12")
    assert "automatic_first_late/call::D+10@2026-03-02" in str(failure.value)


def test_determinism_fails_on_a_step_that_mutates_the_state():
    def step(state, day):
        actions = SOCIAL_HOUSING.step(state, day)
        object.__setattr__(state, "history", state.history + tuple(map(Issued.of, actions)))
        return actions

    with pytest.raises(AssertionError, match=r"T1 on 2026-03-05 .*: step mutated the state"):
        assert_deterministic(Broken(SOCIAL_HOUSING, step), tenant(), "2026-03-05")


def test_determinism_fails_on_a_step_that_depends_on_the_state_object():
    remembered: list[AccountState] = []

    def step(state, day):  # a cache keyed on the object rather than on its value
        if not remembered:
            remembered.append(state)
        return SOCIAL_HOUSING.step(state, day) if state is remembered[0] else ()

    with pytest.raises(AssertionError, match="a call on an equal copy gave other actions"):
        assert_deterministic(Broken(SOCIAL_HOUSING, step), tenant(), "2026-03-05")


def test_idempotence_fails_on_a_step_that_ignores_the_history():
    def step(state, day):
        return SOCIAL_HOUSING.step(attrs.evolve(state, history=()), day)

    broken = Broken(SOCIAL_HOUSING, step)
    with pytest.raises(AssertionError) as failure:
        assert_idempotent(broken, tenant(), "2026-03-12")
    message = str(failure.value)
    assert "account T1 on 2026-03-12 (Thursday): after recording the 2 actions issued" in message
    assert "stepping the same day again issued 2 more" in message
    assert "automatic_first_late/call::D+10@2026-03-02 [call, task" in message
    recorded = tenant().record(SOCIAL_HOUSING.step(tenant(), "2026-03-12"))
    with pytest.raises(AssertionError, match="actions already in the history were issued again"):
        assert_idempotent(broken, recorded, "2026-03-13")


def test_idempotence_fails_on_a_step_that_issues_a_key_twice():
    def step(state, day):
        return SOCIAL_HOUSING.step(state, day) * 2

    with pytest.raises(AssertionError, match="the same key twice in one step"):
        assert_idempotent(Broken(SOCIAL_HOUSING, step), tenant(), "2026-03-05")


def test_no_contact_after_payment_fails_on_a_step_that_ignores_payments():
    def step(state, day):
        unpaid = tuple(e for e in state.ledger if not isinstance(e, Payment))
        return SOCIAL_HOUSING.step(attrs.evolve(state, ledger=unpaid), day)

    paid = paid_up(tenant(), "2026-03-12")
    with pytest.raises(AssertionError) as failure:
        assert_no_contact_after_payment(Broken(SOCIAL_HOUSING, step), paid, "2026-03-12")
    message = str(failure.value)
    assert "account T1 on 2026-03-12 (Thursday): nothing is overdue, yet 2 action(s)" in message
    assert "automatic_first_late/letter:relance_amiable_2:D+6bd@2026-03-02" in message


POLICY_TEXT = """\
profile late: in_case
profile other: otherwise

scenario remind for late:
    sms "relance" at D+3
    letter "mise_en_demeure" registered at D+5
    handoff bailiff eviction at D+20
"""
WITH_POLICY = dunforce.compile(POLICY_TEXT, filename="policy.dfs")
WITHOUT_POLICY = dunforce.compile(POLICY_TEXT, filename="policy.dfs", contact_policy=False)
#: the scenarios run without their contact policy, checked against the policy they declare
POLICY_OFF = Broken(WITH_POLICY, WITHOUT_POLICY.step)


def _policy_failure(program, state, day) -> str:
    assert program.step(state, day), "the broken program issues something that day"
    with pytest.raises(AssertionError) as failure:
        assert_policy_respected(program, state, day)
    message = str(failure.value)
    assert f"account {state.account_id} on {day}" in message
    assert "the contact policy is not respected" in message
    return message


@pytest.mark.parametrize(
    ("due", "day", "attributes", "expected"),
    [
        (
            "2026-03-05",
            "2026-03-08",
            {},
            "remind/sms:relance:D+3@2026-03-05 [sms 'relance', automatic, scheduled for "
            "2026-03-08, profile late]: a Sunday is outside sms's window (mon-sat 08:00-20:00)",
        ),
        ("2026-04-28", "2026-05-01", {}, "2026-05-01 is a public holiday in département 75"),
        (
            "2026-12-23",
            "2026-12-26",
            {"departement": "67"},
            "2026-12-26 is a public holiday in département 67 (Saint Stephen's Day)",
        ),
        ("2026-03-02", "2026-03-05", {"sms_opt_out": True}, "the tenant opted out (sms_opt_out)"),
        ("2026-03-02", "2026-03-05", {"phone_mobile": None}, "phone_mobile not set"),
        ("2026-03-02", "2026-03-05", {}, "window hours 00:00-24:00, the policy says 08:00-20:00"),
        ("2026-11-03", "2026-11-23", {}, "an eviction during the winter truce"),
    ],
)
def test_the_policy_fails_on_steps_issued_without_it(due, day, attributes, expected):
    state = tenant(due, **attributes)
    assert_policy_respected(WITH_POLICY, state, day)  # the program itself respects it
    assert expected in _policy_failure(POLICY_OFF, state, day)


def test_26_december_is_no_holiday_in_paris():
    state = tenant("2026-12-23")
    assert [a.channel for a in WITH_POLICY.step(state, "2026-12-26")] == ["sms"]
    assert_policy_respected(WITH_POLICY, state, "2026-12-26")


def test_the_policy_fails_on_a_cap_counted_over_the_history():
    state = attrs.evolve(
        tenant(), history=(Issued("other/email:x:D+1@2026-03-02", "2026-03-05", "email"),)
    )
    assert WITH_POLICY.step(state, "2026-03-05") == ()  # the real program defers the SMS
    message = _policy_failure(POLICY_OFF, state, "2026-03-05")
    assert "cap automatic: 1 per day exceeded: 1 in the history and 1 today" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"requires_approval": False}, "a legal step without approval required"),
        ({"kind": "automatic"}, "a legal step that is not a task"),
        ({"windows": ()}, "no contact window on the action"),
        ({"emitted_on": date("2026-03-06")}, "emitted on 2026-03-06, not on 2026-03-09"),
    ],
)
def test_the_policy_fails_on_actions_changed_after_the_step(change, expected):
    def step(state, day):
        return tuple(attrs.evolve(a, **change) for a in WITH_POLICY.step(state, day))

    state, day = tenant(), date("2026-03-09")  # D+5 (a Monday): the registered letter
    assert [a.options for a in WITH_POLICY.step(state, day)] == [("registered",)]
    assert_policy_respected(WITH_POLICY, state, day)
    assert expected in _policy_failure(Broken(WITH_POLICY, step), state, day)


def _ignores_history(state, day):
    return SOCIAL_HOUSING.step(attrs.evolve(state, history=()), day)


def _ignores_payments(state, day):
    unpaid = tuple(e for e in state.ledger if not isinstance(e, Payment))
    return SOCIAL_HOUSING.step(attrs.evolve(state, ledger=unpaid), day)


def _changes_every_call():
    calls = itertools.count()

    def step(state, day):
        return tuple(
            attrs.evolve(a, reason=f"{a.reason} (call {next(calls)})")
            for a in SOCIAL_HOUSING.step(state, day)
        )

    return step


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (Broken(SOCIAL_HOUSING, _ignores_history), "issued again|stepping the same day again"),
        (Broken(SOCIAL_HOUSING, _ignores_payments), "nothing is overdue, yet"),
        (Broken(SOCIAL_HOUSING, _changes_every_call()), "step is not deterministic"),
        (POLICY_OFF, "the contact policy is not respected"),
    ],
    ids=["ignores-history", "ignores-payments", "changes-every-call", "policy-off"],
)
def test_the_ready_test_finds_each_broken_program(broken, expected):
    with pytest.raises(AssertionError, match=expected):
        check_program(broken, settings=FIND_FAILURE)


def test_the_ready_test_checks_only_the_properties_asked():
    check_program(POLICY_OFF, properties=["deterministic", "idempotent"], max_examples=50)


def test_scenario_properties_checks_its_arguments_eagerly():
    with pytest.raises(ValueError, match="properties: expected some of deterministic"):
        scenario_properties(SOCIAL_HOUSING, properties=["fast"])
    with pytest.raises(TypeError, match="properties: expected a collection"):
        scenario_properties(SOCIAL_HOUSING, properties="idempotent")
    with pytest.raises(TypeError, match="max_examples: expected a whole number >= 1"):
        scenario_properties(SOCIAL_HOUSING, max_examples=0)
    with pytest.raises(TypeError, match=r"program: expected a dunforce\.Program"):
        scenario_properties("rules.dfs")
    with pytest.raises(TypeError, match=r"settings: expected hypothesis\.settings"):
        scenario_properties(SOCIAL_HOUSING, settings={"max_examples": 5})


# ================================================================== the example and the docs

EXAMPLE = ROOT / "examples" / "testing" / "test_my_scenarios.py"


def _pytest(directory: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(directory), "-q", "-p", "no:cacheprovider"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_example_test_file_runs_and_passes():
    result = _pytest(EXAMPLE.parent, ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout


def test_the_example_test_file_fails_on_scenarios_that_break_its_rule(tmp_path):
    """The same file, next to scenarios that send a letter without a template: it fails."""
    (tmp_path / "testing").mkdir()
    (tmp_path / "testing" / EXAMPLE.name).write_text(EXAMPLE.read_text(encoding="utf-8"))
    (tmp_path / "social_housing").mkdir()
    letters = "".join(f"    letter at D+{n}\n" for n in range(1, 31))
    (tmp_path / "social_housing" / "scenarios.dfs").write_text(
        f"profile late: in_case\nprofile other: otherwise\n\nscenario remind for late:\n{letters}",
        encoding="utf-8",
    )
    (tmp_path / "conftest.py").write_text(  # report the first failure, unshrunk
        "from hypothesis import Phase, settings\n"
        "settings.register_profile('first', phases=(Phase.generate,), database=None)\n"
        "settings.load_profile('first')\n",
        encoding="utf-8",
    )
    result = _pytest(tmp_path / "testing", tmp_path)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "1 failed, 1 passed" in result.stdout
    assert "remind/letter::D+" in result.stdout and "has no template" in result.stdout


def test_the_docs_show_the_example_file_as_it_is():
    page = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    assert "```python\n" + EXAMPLE.read_text(encoding="utf-8") + "```" in page
    for name in kit.__all__:
        assert f"`{name}" in page, f"docs/testing.md does not mention {name}"
