"""Simulation: the day loop, its equivalence with stepping every account every day, the
behaviour model, the result tables and the comparison of scenario sets."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dunforce
from dunforce import AccountState, Adjustment, Charge, Payment, Portfolio, Rejected
from dunforce.ledger import analyse
from dunforce.simulate import (
    SEGMENTS,
    Comparison,
    PaymentBehaviour,
    SimulationResult,
    compare,
    simulate,
)
from dunforce.simulate.behaviour import infer_segment
from dunforce.simulate.book import extend_rent
from dunforce.simulate.draws import code_of, uniform, uniforms
from dunforce.synthetic import synthetic_portfolio
from strategies import states as account_states

EXAMPLE = Path(__file__).parent.parent / "examples" / "social_housing"
START = datetime.date(2026, 11, 10)

# a small scenario set that uses what the example does not: repeated steps, business days,
# weeks and months, a rule, history-derived values, caps per profile, legal guards, events
RICH = """\
profile disputed: dispute
profile promised: promise_to_pay_days is set and promise_to_pay_days <= 10
profile unreached: last_call_unreached
profile fragile: apl and income is set and income < 1200 €
profile standard: otherwise

policy:
    cap contacts: 2 per week

policy for fragile:
    cap call: 1 per 30 days

if failed_contacts_30d >= 2 then letter "relance_courrier" at D+6

scenario gentle for fragile, standard, unreached:
    email "rappel" else sms "rappel" at D-3 if payment_method != "debit"
    sms "relance_1" else letter "relance_1" at D+1
    call at D+3bd if debt >= 50 €
    visit at D+1w if last_call_unreached
    sms "relance_persistante" every 5 days from D+8 until D+40
    letter "mise_en_demeure" registered at D+1m if debt_months >= 1
    propose plan at D+12 if debt >= 100 €
    notify caf at D+20 if apl
    handoff bailiff order at D+35 if debt >= 300 €
    pause while plan_active and not plan_broken
    stop when debt < 20 €

scenario promised_follow for promised:
    sms "rappel_promesse" at D+2
    call at D+9

on rejection:
    sms "rejet" else letter "rejet" at E+1
    call at E+2bd if debt > 0 €

on departure:
    letter "solde" at E-10
"""


@pytest.fixture(scope="module")
def program() -> dunforce.Program:
    return dunforce.load(EXAMPLE / "scenarios.dfs")


@pytest.fixture(scope="module")
def rich() -> dunforce.Program:
    return dunforce.compile(RICH, filename="rich.dfs")


@pytest.fixture(scope="module")
def example(program) -> list:
    return list(Portfolio.read_csv(EXAMPLE / "data").accounts(program.schema))


def _same_run(fast: SimulationResult, slow: SimulationResult) -> None:
    pd.testing.assert_frame_equal(fast.actions, slow.actions)
    pd.testing.assert_frame_equal(fast.payments, slow.payments)
    pd.testing.assert_frame_equal(fast.daily, slow.daily)
    assert [s.history for s in fast.states] == [s.history for s in slow.states]
    assert [s.ledger for s in fast.states] == [s.ledger for s in slow.states]


# ------------------------------------------------------------------------------ equivalence


@pytest.mark.slow
def test_stepping_only_on_the_agenda_days_gives_the_actions_of_every_day(program, example):
    end = START + datetime.timedelta(days=60)
    fast = simulate(program, example, start=START, end=end, seed=7)
    slow = simulate(program, example, start=START, end=end, seed=7, every_day=True)
    assert len(fast.actions) > 200  # the scenarios do act
    assert fast.steps < slow.steps / 5  # and the agenda does skip days
    _same_run(fast, slow)


@pytest.mark.slow
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    accounts=st.lists(account_states(), min_size=1, max_size=6, unique_by=lambda s: s.account_id),
    which=st.sampled_from(["example", "rich"]),
    start=st.dates(datetime.date(2026, 3, 1), datetime.date(2026, 7, 15)),
    days=st.integers(5, 60),
    seed=st.integers(0, 2**32),
    rejection=st.sampled_from([0.0, 0.5]),
    uplift=st.sampled_from([0.0, 0.3]),
    promise=st.sampled_from([0.0, 0.9]),
)
def test_property_the_agenda_never_misses_an_action(
    program, rich, accounts, which, start, days, seed, rejection, uplift, promise
):
    chosen = program if which == "example" else rich
    behaviour = PaymentBehaviour(
        rejection=dict.fromkeys(SEGMENTS, rejection),
        uplift={"default": uplift, "promise_to_pay": uplift},
        promise={"default": promise},
        reached={"default": 0.5},
    )
    end = start + datetime.timedelta(days=days)
    runs = [
        simulate(
            chosen, accounts, start=start, end=end, behaviour=behaviour, seed=seed, every_day=e
        )
        for e in (False, True)
    ]
    _same_run(*runs)


# ------------------------------------------------------------------------------ determinism


def test_same_inputs_and_seed_give_the_same_result(program, example):
    end = START + datetime.timedelta(days=20)
    first = simulate(program, example[:80], start=START, end=end, seed=3)
    again = simulate(program, example[:80], start=START, end=end, seed=3)
    _same_run(first, again)
    other = simulate(program, example[:80], start=START, end=end, seed=4)
    assert not first.payments.equals(other.payments)


def test_an_accounts_draws_do_not_depend_on_the_others(program, example):
    end = START + datetime.timedelta(days=30)
    alone = simulate(program, example[5:6], start=START, end=end, seed=11)
    among = simulate(program, example[:40], start=START, end=end, seed=11)
    mine = among.payments[among.payments["account_id"] == example[5].account_id]
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), alone.payments)


def test_python_and_numpy_draws_agree():
    codes = np.array([code_of("A"), code_of("LOC00001"), 2**64 - 1], dtype=np.uint64)
    vectorised = uniforms(2026, codes, 739_000, 3)
    one_by_one = [uniform(2026, int(code), 739_000, 3) for code in codes]
    assert vectorised.tolist() == one_by_one
    assert all(0 <= u < 1 for u in one_by_one)
    assert uniform(2026, int(codes[0]), 739_000, 3) != uniform(2026, int(codes[0]), 739_001, 3)


def test_processes_share_the_accounts_without_changing_the_result(program, example, monkeypatch):
    from dunforce.simulate import parallel

    monkeypatch.setattr(parallel, "MIN_ACCOUNTS_PER_PROCESS", 50)
    end = START + datetime.timedelta(days=25)
    alone = simulate(program, example[:160], start=START, end=end, seed=6)
    shared = simulate(program, example[:160], start=START, end=end, seed=6, workers=3)
    _same_run(alone, shared)
    assert shared.steps == alone.steps
    with pytest.raises(ValueError, match="workers"):
        simulate(program, example[:1], start=START, end=START, workers=0)


# ------------------------------------------------------------------------------ compare


def test_compare_differs_only_after_the_first_differing_action(program, example):
    text = (EXAMPLE / "scenarios.dfs").read_text(encoding="utf-8")
    anchor = '    letter "relance_amiable_2" at D+10\n'
    assert anchor in text
    variant = dunforce.compile(
        text.replace(anchor, anchor + '    sms "relance_extra" at D+5\n', 1), filename="extra.dfs"
    )
    end = START + datetime.timedelta(days=45)
    comparison = compare(
        {"base": program, "extra_sms": variant}, example, start=START, end=end, seed=5
    )
    assert isinstance(comparison, Comparison)
    base, extra = comparison.results["base"], comparison.results["extra_sms"]
    assert (extra.actions["template"] == "relance_extra").any()

    def keyed(actions):
        return set(zip(actions["account_id"], actions["key"], actions["emitted_on"], strict=True))

    differing = keyed(base.actions) ^ keyed(extra.actions)
    first = min(day for _, _, day in differing)
    before = [r.payments[r.payments["date"] <= first].reset_index(drop=True) for r in (base, extra)]
    pd.testing.assert_frame_equal(*before)
    assert len(before[0]) > 0
    assert not base.payments.equals(extra.payments)  # the extra SMS made some tenants pay

    table = comparison.kpis()
    assert list(table.index) == ["base", "extra_sms"]
    assert table.loc["extra_sms", "actions"] > table.loc["base", "actions"]
    side = comparison.daily
    assert side.columns.nlevels == 2 and set(side.columns.get_level_values(0)) == {
        "base",
        "extra_sms",
    }
    assert len(side) == 46
    assert "Comparison" in comparison._repr_html_()


# ------------------------------------------------------------------------------ the model


@pytest.mark.slow
def test_contacts_raise_payment():
    reminders = dunforce.compile(
        "profile late: in_case\n"
        "scenario remind for late:\n"
        '    sms "r1" at D+2\n'
        '    sms "r2" at D+6\n'
        "    call at D+9\n",
        contact_policy=False,
    )
    portfolio = synthetic_portfolio(2000, as_of="2026-11-09", seed=3)
    states = [s for s in portfolio.accounts(reminders.schema) if isinstance(s, AccountState)]
    end = START + datetime.timedelta(days=40)
    collected, owed = {}, {}
    for name, uplift in (("none", 0.0), ("large", 0.3)):
        behaviour = PaymentBehaviour(uplift={"default": uplift, "promise_to_pay": uplift})
        result = simulate(reminders, states, start=START, end=end, behaviour=behaviour, seed=1)
        collected[name] = int(result.payments["amount_cents"].sum())
        owed[name] = int(result.daily["overdue_cents"].iloc[-1])
        assert (result.actions["channel"] == "sms").sum() > 100
    assert collected["large"] > collected["none"] * 1.02
    assert owed["large"] < owed["none"] * 0.95


def test_simulated_payments_never_exceed_what_is_owed(program, example):
    end = START + datetime.timedelta(days=40)
    result = simulate(program, example, start=START, end=end, seed=2)
    simulated = result.payments[result.payments["simulated"]]
    assert len(simulated) > 100
    assert (simulated["amount_cents"] > 0).all()
    assert (simulated["amount_cents"] <= simulated["owed_cents"]).all()
    rounding = PaymentBehaviour(overpayment=1.0)
    over = simulate(program, example[:50], start=START, end=end, seed=2, behaviour=rounding)
    paid = over.payments[over.payments["simulated"] & (over.payments["method"] != "debit")]
    assert (paid["amount_cents"] > paid["owed_cents"]).all()
    assert (paid["amount_cents"] % 1000 == 0).all()


def test_the_daily_overdue_amount_is_the_ledgers(rich):
    # a payment naming its charge, a rejection, housing aid: the loop must follow the ledger
    state = AccountState(
        account_id="A1",
        attributes={"payment_method": "debit", "phone_mobile": "+33612345678"},
        ledger=(
            Charge("500.00", "2026-09-05", period="2026-09", id="c1"),
            Adjustment("100.00", "2026-09-05"),
            Payment("200.00", "2026-09-20", id="p1", settles="c1"),
            Charge("500.00", "2026-10-05", period="2026-10", id="c2"),
            Adjustment("100.00", "2026-10-05"),
        ),
    )
    behaviour = PaymentBehaviour(rejection=dict.fromkeys(SEGMENTS, 0.5))
    start, end = datetime.date(2026, 10, 20), datetime.date(2027, 2, 10)
    result = simulate(rich, [state] * 1, start=start, end=end, seed=8, behaviour=behaviour)
    final = result.states[0]
    for row in result.daily.itertuples():
        day = row.date.date()
        debt = analyse(final, day, threshold=0).values["debt"]
        assert row.overdue_cents == debt, day
        assert row.accounts_in_arrears == (1 if debt > 0 else 0)
    assert (result.payments["returned_on"].notna()).any()  # a debit came back


def test_rent_goes_on_for_tenants_still_renting():
    state = AccountState(
        account_id="A1",
        attributes={"departure_date": datetime.date(2027, 4, 20)},
        ledger=(
            Charge("450.00", "2026-10-31", period="2026-10", id="c1"),
            Adjustment("120.00", "2026-10-31", reason="apl", id="a1"),
        ),
    )
    added = extend_rent(state, datetime.date(2026, 11, 10), datetime.date(2027, 6, 30))
    charges = [e for e in added if isinstance(e, Charge)]
    assert [c.due for c in charges] == [
        datetime.date(2026, 11, 30),
        datetime.date(2026, 12, 31),
        datetime.date(2027, 1, 31),
        datetime.date(2027, 2, 28),
        datetime.date(2027, 3, 31),
    ]  # the 31st, clamped to the month's end; none on or after the departure
    assert {c.amount for c in charges} == {Decimal("450.00")}
    assert charges[0].period == "2026-11" and charges[0].id is not None
    aid = [e for e in added if isinstance(e, Adjustment)]
    assert [a.on for a in aid] == [c.due for c in charges] and aid[0].reason == "apl"
    stale = AccountState(account_id="A2", ledger=(Charge("450.00", "2026-05-05"),))
    assert extend_rent(stale, datetime.date(2026, 11, 10), datetime.date(2027, 6, 30)) == ()
    off = PaymentBehaviour(extend_rent=False)
    assert off.extend_rent is False


def _terms(late_days: list[int | None], paid_share: float = 1.0) -> AccountState:
    """A year of rent: for each month, the days late of its payment (None: unpaid)."""
    ledger = []
    for month, late in enumerate(late_days):
        due = datetime.date(2025 + (10 + month) // 12, (10 + month) % 12 + 1, 5)
        ledger.append(Charge("400.00", due))
        if late is not None:
            amount = (Decimal("400.00") * Decimal(str(paid_share))).quantize(Decimal("0.01"))
            ledger.append(Payment(amount, due + datetime.timedelta(days=late)))
    return AccountState(account_id="A1", ledger=tuple(ledger))


def test_segments_are_read_from_the_year_before():
    behaviour = PaymentBehaviour()
    assert infer_segment(_terms([0] * 12), START, behaviour) == "on_time"
    assert infer_segment(_terms([0, 8] * 6), START, behaviour) == "late"
    assert infer_segment(_terms([0] * 8 + [None, 3, None, 2]), START, behaviour) != "on_time"
    assert infer_segment(_terms([2] * 12, paid_share=0.85), START, behaviour) == "partial"
    assert infer_segment(_terms([5, None, None] * 4, paid_share=0.5), START, behaviour) == (
        "chronic"
    )
    empty = AccountState(account_id="A1")
    assert infer_segment(empty, START, PaymentBehaviour(default_segment="late")) == "late"


def test_a_behaviour_column_or_mapping_gives_the_segments(program, example):
    portfolio = Portfolio.read_csv(EXAMPLE / "data")
    tenants = portfolio.tenants.assign(behaviour=["chronic"] * len(portfolio.tenants))
    given = Portfolio(
        tenants=tenants,
        ledger=portfolio.ledger,
        events=portfolio.events,
        plans=portfolio.plans,
        history=portfolio.history,
    )
    end = START + datetime.timedelta(days=10)
    never = PaymentBehaviour(
        on_time={"on_time": 1.0, "late": 1.0, "partial": 1.0, "chronic": 0.0},
        daily={"on_time": 1.0, "late": 1.0, "partial": 1.0, "chronic": 0.0},
        rejection={"on_time": 0.0, "late": 0.0, "partial": 0.0, "chronic": 1.0},
        uplift={},
    )
    result = simulate(program, given, start=START, end=end, behaviour=never, seed=1)
    assert len(result.rejected) == 0 and len(result.states) == 300
    simulated = result.payments[result.payments["simulated"]]
    assert set(simulated["method"]) <= {"debit"}  # chronic payers only pay by their bank
    mapped = simulate(
        program,
        example[:20],
        start=START,
        end=end,
        behaviour=never,
        seed=1,
        segments={s.account_id: "on_time" for s in example[:20]},
    )
    assert mapped.payments["simulated"].sum() > 0
    with pytest.raises(ValueError, match="not one of"):
        simulate(program, example[:2], start=START, end=end, segments={"LOC00001": "rich"})


def test_outcomes_are_recorded_and_read_by_the_scenarios(rich):
    state = AccountState(
        account_id="A1",
        attributes={"payment_method": "transfer", "phone_mobile": "+33612345678"},
        ledger=(Charge("600.00", "2026-10-05"),),
    )
    never_pays = PaymentBehaviour(
        on_time=dict.fromkeys(SEGMENTS, 0.0),
        daily=dict.fromkeys(SEGMENTS, 0.0),
        reached={"default": 0.0},  # every call goes unanswered
    )
    start, end = datetime.date(2026, 10, 6), datetime.date(2026, 10, 31)
    result = simulate(rich, [state], start=start, end=end, behaviour=never_pays, seed=1)
    outcomes = dict(zip(result.actions["channel"], result.actions["outcome"], strict=False))
    assert outcomes["call"] == "not_reached"
    assert outcomes["sms"] in ("delivered", "failed")
    assert {h.outcome for h in result.states[0].history} >= {"not_reached"}
    # the unanswered call makes the tenant "unreached": the visit of that profile follows
    assert "visit" in set(result.actions["channel"])
    assert result.payments["simulated"].sum() == 0


# ------------------------------------------------------------------------------ the result


def test_rejected_accounts_are_reported(program, example):
    broken = AccountState(account_id="NOPE", attributes={}, ledger=())
    refused = Rejected("BAD", "income: 'x' is not an amount", field="income", source="tenants")
    strict = dunforce.compile(
        "attribute region: text\nprofile all: otherwise\n"
        'scenario s for all:\n    sms "r" at D+1 if region == "nord"\n'
    )
    end = START + datetime.timedelta(days=5)
    result = simulate(strict, [*example[:3], broken, refused], start=START, end=end)
    rejected = result.rejected.set_index("account_id")
    assert "BAD" in rejected.index and rejected.loc["BAD", "source"] == "tenants"
    assert set(rejected[rejected["source"] == "step"].index) >= {"NOPE"}
    assert "NOPE" not in {s.account_id for s in result.states}
    assert len(result.states) + len(result.rejected) == 5


def test_the_result_tables(program, example):
    end = START + datetime.timedelta(days=31)
    result = simulate(program, example[:60], start=START, end=end, seed=9)
    assert list(result.daily["date"]) == list(pd.date_range(START, end))
    assert result.daily["date"].dtype == "datetime64[ns]"
    assert {"accounts_in_arrears", "overdue_cents", "collected_cents", "actions", "sms"} <= set(
        result.daily.columns
    )
    assert result.daily["actions"].sum() == len(result.actions)
    assert result.daily["sms"].sum() == (result.actions["channel"] == "sms").sum()
    assert result.daily["collected_cents"].sum() == result.payments["amount_cents"].sum()
    assert result.payments["amount_cents"].dtype == "int64"
    assert result.payments["date"].between(pd.Timestamp(START), pd.Timestamp(end)).all()
    assert set(result.actions["outcome"].dropna()) <= set(dunforce.OUTCOMES)
    assert result.actions["emitted_on"].between(pd.Timestamp(START), pd.Timestamp(end)).all()
    kpis = result.kpis(by=None)
    assert len(kpis) == 1 and kpis["actions"].iloc[0] == len(result.actions)
    by_profile = result.kpis()
    assert "profile" in by_profile.columns
    assert set(result.ageing().columns) >= {"profile", "total", "accounts"}
    assert "a model, not a forecast" in result._repr_html_()
    assert repr(result).startswith("<SimulationResult")


def test_arguments_are_checked(program, example):
    with pytest.raises(ValueError, match="after end"):
        simulate(program, example[:1], start="2026-12-01", end="2026-11-01")
    with pytest.raises(ValueError, match="seed"):
        simulate(program, example[:1], start=START, end=START, seed=-1)
    with pytest.raises(TypeError, match="behaviour"):
        simulate(program, example[:1], start=START, end=START, behaviour={"daily": 1})
    with pytest.raises(TypeError, match="program"):
        simulate("rules.dfs", example[:1], start=START, end=START)
    with pytest.raises(ValueError, match="twice"):
        simulate(program, [example[0], example[0]], start=START, end=START)
    with pytest.raises(ValueError, match="missing chronic"):
        PaymentBehaviour(daily={"on_time": 0.1, "late": 0.1, "partial": 0.1})
    with pytest.raises(ValueError, match="between 0 and 1"):
        PaymentBehaviour(overpayment=2.0)
    with pytest.raises(TypeError, match="programs"):
        compare({}, example[:1], start=START, end=START)
