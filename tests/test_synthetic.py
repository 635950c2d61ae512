"""Synthetic portfolios: reproducible, typed for size, plausible, and readable by every reader."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dunforce
from dunforce import HOUSING_SCHEMA, AccountState, Charge, Portfolio
from dunforce.attributes.catalogue import DEPARTEMENT_CODES, EVENT_KINDS
from dunforce.attributes.types import ValueType
from dunforce.ledger import analyse
from dunforce.synthetic import (
    BEHAVIOURS,
    DEFAULT_MIX,
    PortfolioMix,
    synthetic_behaviours,
    synthetic_portfolio,
)

ROOT = Path(__file__).parent.parent
AS_OF = datetime.date(2026, 11, 9)
LARGE = 20_000


@pytest.fixture(scope="module")
def large() -> Portfolio:
    return synthetic_portfolio(LARGE, as_of=AS_OF, seed=11)


@pytest.fixture(scope="module")
def behaviours() -> pd.Series:
    return synthetic_behaviours(LARGE, seed=11)


@pytest.fixture(scope="module")
def tenants(large: Portfolio) -> pd.DataFrame:
    return large.tenants.set_index("account_id")


def cents(amounts: pd.Series) -> pd.Series:
    return (amounts * 100).round().astype(np.int64)


def balances_on(ledger: pd.DataFrame, day) -> pd.Series:
    """What each account owes in cents on ``day`` (charges and rejections minus the rest),
    from the rows dated on or before it."""
    rows = ledger[ledger["date"] <= pd.Timestamp(day)]
    owed = rows["kind"].isin(["charge", "rejection"])
    signed = cents(rows["amount"]).where(owed, -cents(rows["amount"]))
    return signed.groupby(rows["account_id"]).sum()


# ------------------------------------------------------------------------------ reproducibility


def test_the_same_seed_gives_the_same_tables():
    first = synthetic_portfolio(2_000, as_of="2026-11-09", seed=5)
    second = synthetic_portfolio(2_000, as_of=AS_OF, seed=5)
    for name in ("tenants", "ledger", "events", "plans", "history"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))


def test_different_seeds_give_different_tables():
    first = synthetic_portfolio(500, as_of=AS_OF, seed=1)
    second = synthetic_portfolio(500, as_of=AS_OF, seed=2)
    assert first.tenants["account_id"].tolist() == second.tenants["account_id"].tolist()
    assert not first.tenants.equals(second.tenants)
    assert not first.ledger.equals(second.ledger)


def test_the_behaviours_are_those_of_the_portfolio_drawn_with_the_same_seed():
    behaviours = synthetic_behaviours(3_000, seed=4)
    portfolio = synthetic_portfolio(3_000, as_of=AS_OF, months=6, seed=4)
    assert behaviours.index.tolist() == portfolio.tenants["account_id"].tolist()
    assert set(behaviours) == set(BEHAVIOURS)
    # partial payers never settle a month in full, so they owe more than on-time payers
    owed = balances_on(portfolio.ledger, AS_OF).reindex(behaviours.index, fill_value=0)
    assert owed[behaviours == "partial"].mean() > owed[behaviours == "on_time"].mean() + 100_00


# ------------------------------------------------------------------------------ shape and types

DTYPES = {
    ValueType.BOOL: "bool",
    ValueType.INT: "int64",
    ValueType.MONEY: "float64",
    ValueType.DATE: "datetime64[ns]",
    ValueType.TEXT: "object",
}


def test_the_tenant_columns_are_the_catalogue_with_compact_types(large):
    tenants = large.tenants
    names = [spec.name for spec in HOUSING_SCHEMA.attributes]
    assert tenants.columns.tolist() == ["account_id", *names]
    for spec in HOUSING_SCHEMA.attributes:
        expected = DTYPES[spec.type]
        if spec.type is ValueType.INT and spec.optional:
            expected = "float64"  # NaN where not given
        assert str(tenants[spec.name].dtype) == expected, spec.name
    assert tenants["account_id"].dtype == object
    assert tenants["account_id"].iloc[0] == "S0000001"
    assert tenants["account_id"].is_unique
    assert tenants["age"].isna().any() and tenants["departure_date"].isna().any()


def test_the_ledger_columns_are_compact_and_share_their_strings(large):
    ledger = large.ledger
    assert ledger.columns.tolist() == ["account_id", "kind", "amount", "date", "method"]
    assert {str(t) for t in ledger.dtypes} == {"object", "float64", "datetime64[ns]"}
    assert str(ledger["date"].dtype) == "datetime64[ns]"
    assert (ledger["date"] == ledger["date"].dt.normalize()).all()
    amounts = ledger["amount"].to_numpy()
    assert (np.round(amounts, 2) == amounts).all() and (amounts > 0).all()
    assert set(ledger["kind"]) == {"charge", "payment", "rejection", "adjustment"}
    # equal cells are one object: a few str objects however many rows
    assert len({id(kind) for kind in ledger["kind"]}) == 4
    assert len({id(account) for account in ledger["account_id"]}) == ledger["account_id"].nunique()
    assert set(ledger["method"].dropna()) <= {"debit", "transfer", "card", "cheque", "cash"}
    assert ledger.loc[ledger["kind"] != "payment", "method"].isna().all()
    # rows in account order, then date order
    assert pd.MultiIndex.from_frame(ledger[["account_id", "date"]]).is_monotonic_increasing


def test_the_other_tables_have_their_canonical_columns(large):
    assert large.events.columns.tolist() == ["account_id", "kind", "date"]
    assert set(large.events["kind"]) <= EVENT_KINDS
    assert large.plans.columns.tolist() == [
        "account_id",
        "plan_id",
        "signed_on",
        "due",
        "amount",
        "cancelled_on",
    ]
    assert large.history.empty
    assert large.history.columns[:3].tolist() == ["account_id", "key", "emitted_on"]


def test_an_empty_portfolio_has_the_same_columns():
    empty = synthetic_portfolio(0, as_of=AS_OF)
    full = synthetic_portfolio(3, as_of=AS_OF)
    for name in ("tenants", "ledger", "events", "plans"):
        assert getattr(empty, name).empty
        assert getattr(empty, name).dtypes.equals(getattr(full, name).dtypes), name
    assert list(empty.accounts()) == []


# ------------------------------------------------------------------------------ reading back


def test_every_account_reads_back_as_a_state_with_exact_amounts():
    portfolio = synthetic_portfolio(3_000, as_of=AS_OF, seed=2)
    items = list(portfolio.accounts(HOUSING_SCHEMA))
    assert len(items) == 3_000
    rejected = [item for item in items if not isinstance(item, AccountState)]
    assert rejected == []
    read = sum(entry.amount for state in items for entry in state.ledger)
    assert read == Decimal(int(cents(portfolio.ledger["amount"]).sum())) / 100
    first = items[0]
    row = portfolio.tenants.iloc[0]
    assert first.attributes["household_size"] == row["household_size"]
    assert first.attributes["lease_start"] == row["lease_start"].date()
    charge = next(entry for entry in first.ledger if isinstance(entry, Charge))
    assert charge.due.day == 5 and charge.amount == charge.amount.quantize(Decimal("0.01"))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    accounts=st.integers(0, 30),
    months=st.integers(1, 30),
    seed=st.integers(0, 2**64),
    as_of=st.dates(datetime.date(1990, 1, 1), datetime.date(2060, 12, 31)),
)
def test_any_portfolio_reads_back_and_stays_in_its_period(accounts, months, seed, as_of):
    portfolio = synthetic_portfolio(accounts, as_of=as_of, months=months, seed=seed)
    items = list(portfolio.accounts())
    assert len(items) == accounts
    assert all(isinstance(item, AccountState) for item in items)
    ledger = portfolio.ledger
    assert (ledger["date"] <= pd.Timestamp(as_of)).all()
    charges = ledger[ledger["kind"] == "charge"]
    assert (charges.groupby("account_id").size() <= months).all()
    tenants = portfolio.tenants.set_index("account_id")
    starts = tenants.loc[charges["account_id"], "lease_start"].to_numpy()
    leaves = tenants.loc[charges["account_id"], "departure_date"].to_numpy()
    assert (charges["date"].to_numpy() >= starts).all()
    assert not (charges["date"].to_numpy() >= leaves).any()  # NaT compares false


# ------------------------------------------------------------------------------ the model


def test_behaviour_shares_follow_the_mix(behaviours):
    shares = behaviours.value_counts(normalize=True)
    for name, expected in zip(BEHAVIOURS, DEFAULT_MIX.behaviours, strict=True):
        assert abs(shares[name] - expected) < 0.015, name


def test_a_shifted_mix_shifts_the_behaviours_and_the_arrears():
    heavy = attrs.evolve(DEFAULT_MIX, on_time=0.30, chronic=0.42)
    shares = synthetic_behaviours(LARGE, seed=3, mix=heavy).value_counts(normalize=True)
    assert abs(shares["chronic"] - 0.42) < 0.015
    owing = {}
    for name, mix in (("default", DEFAULT_MIX), ("heavy", heavy)):
        portfolio = synthetic_portfolio(5_000, as_of=AS_OF, seed=3, mix=mix)
        owing[name] = (balances_on(portfolio.ledger, AS_OF) > 0).mean()
    assert owing["heavy"] > owing["default"] + 0.15


def test_on_time_payers_rarely_owe_and_partial_and_chronic_payers_mostly_do(large, behaviours):
    owes = (balances_on(large.ledger, AS_OF) > 0).reindex(behaviours.index, fill_value=False)
    share = owes.groupby(behaviours).mean()
    assert share["on_time"] < 0.10
    assert share["partial"] > 0.80 and share["chronic"] > 0.80
    assert share["on_time"] < share["late"] < share["chronic"]


def test_housing_aid_and_its_monthly_adjustment(large, tenants):
    assert 0.30 < tenants["apl"].mean() < 0.50
    assert not (tenants["apl_paid_to_landlord"] & ~tenants["apl"]).any()
    assert 0.70 < tenants.loc[tenants["apl"], "apl_paid_to_landlord"].mean() < 0.80
    assert tenants["apl_amount"].notna().eq(tenants["apl"]).all()
    assert tenants["aid_payer"].notna().eq(tenants["apl"]).all()
    adjustments = large.ledger[large.ledger["kind"] == "adjustment"]
    paid_to_landlord = tenants.loc[adjustments["account_id"]]
    assert paid_to_landlord["apl_paid_to_landlord"].all()
    assert (adjustments["amount"].to_numpy() == paid_to_landlord["apl_amount"].to_numpy()).all()
    assert (adjustments["date"].dt.day == 5).all()
    charges = large.ledger[large.ledger["kind"] == "charge"]
    monthly = charges.groupby(["account_id", "date"])["amount"].sum()
    aid = adjustments.set_index(["account_id", "date"])["amount"]
    assert (aid <= monthly.loc[aid.index] * 0.7 + 0.01).all()  # the tenant always pays a share


def test_payment_methods_and_debit_days(tenants):
    debit = tenants["payment_method"] == "debit"
    assert abs(debit.mean() - DEFAULT_MIX.direct_debit) < 0.015
    assert tenants["debit_day"].notna().eq(debit).all()
    assert set(tenants["debit_day"].dropna()) <= {1.0, 2.0, 5.0}
    assert set(tenants["payment_method"]) == {"debit", "transfer", "card", "cheque", "cash"}


def test_rejections_return_a_direct_debit_of_the_same_amount(large, tenants):
    ledger = large.ledger
    rejections = ledger[ledger["kind"] == "rejection"]
    assert len(rejections) > 100
    assert (tenants.loc[rejections["account_id"], "payment_method"] == "debit").all()
    debits = ledger[(ledger["kind"] == "payment") & (ledger["method"] == "debit")]
    pairs = rejections.merge(debits, on=["account_id", "amount"], suffixes=("", "_paid"))
    delay = (pairs["date"] - pairs["date_paid"]).dt.days
    returned = pairs[delay.between(3, 6)].drop_duplicates(["account_id", "date"])
    assert len(returned) == len(rejections)
    events = large.events[large.events["kind"] == "rejection"]
    assert sorted(zip(events["account_id"], events["date"], strict=True)) == sorted(
        zip(rejections["account_id"], rejections["date"], strict=True)
    )


def test_arrivals_and_departures(large, tenants):
    events = large.events
    first_due = pd.Timestamp("2025-12-05")
    arrivals = events[events["kind"] == "arrival"]
    assert 0.06 < len(arrivals) / LARGE < 0.10
    starts = tenants.loc[arrivals["account_id"], "lease_start"].to_numpy()
    assert (arrivals["date"].to_numpy() == starts).all()
    assert (arrivals["date"] > first_due - pd.Timedelta(days=40)).all()
    departures = events[events["kind"] == "departure"]
    leaving = tenants["departure_date"].dropna()
    assert sorted(departures["account_id"]) == sorted(leaving.index)
    planned = departures.set_index("account_id")["date"]
    assert (planned == leaving.loc[planned.index]).all()
    assert (leaving > pd.Timestamp(AS_OF)).any() and (leaving <= pd.Timestamp(AS_OF)).any()
    left = leaving[leaving <= pd.Timestamp(AS_OF)]
    charges = large.ledger[large.ledger["kind"] == "charge"]
    charges = charges[charges["account_id"].isin(left.index)]
    assert (charges["date"].to_numpy() < left.loc[charges["account_id"]].to_numpy()).all()
    # charges stop: those who left have fewer terms than the twelve of the period
    assert charges.groupby("account_id").size().mean() < 11


def test_nothing_in_the_ledger_is_after_as_of_and_terms_are_monthly(large):
    ledger = large.ledger
    assert ledger["date"].max() <= pd.Timestamp(AS_OF)
    charges = ledger[ledger["kind"] == "charge"]
    assert set(charges["date"].dt.strftime("%Y-%m-%d")) == {
        f"{year}-{month:02d}-05" for year, month in [(2025, 12)] + [(2026, m) for m in range(1, 12)]
    }
    # revised on 1 January: every December rent is below the January rent of the same account
    december = charges[charges["date"] == "2025-12-05"].set_index("account_id")["amount"]
    january = charges[charges["date"] == "2026-01-05"].set_index("account_id")["amount"]
    both = december.index.intersection(january.index)
    assert (january[both] > december[both]).mean() > 0.99


def test_plans_follow_arrears(large, behaviours):
    plans = large.plans
    signed = plans.drop_duplicates("plan_id")
    assert len(signed) > 300 and signed["account_id"].is_unique
    assert set(behaviours[signed["account_id"]]) <= {"partial", "chronic"}
    # each plan repays (at most) what its account owed on the day it was signed: 100 € or more
    rows = large.ledger.merge(signed[["account_id", "signed_on"]], on="account_id")
    owed = balances_on(rows[rows["date"] <= rows["signed_on"]], AS_OF)
    repaid = cents(plans["amount"]).groupby(plans["account_id"]).sum()
    assert (owed[repaid.index] >= repaid).all() and (repaid >= 100_00).all()
    assert (signed["signed_on"] <= pd.Timestamp(AS_OF)).all()
    assert (plans["due"] > plans["signed_on"]).all() and (plans["due"].dt.day == 15).all()
    events = large.events
    assert sorted(events.loc[events["kind"] == "plan_signed", "account_id"]) == sorted(
        signed["account_id"]
    )
    cancelled = signed.dropna(subset=["cancelled_on"])
    broken = events[events["kind"] == "plan_broken"]
    assert len(cancelled) > 10
    assert sorted(zip(broken["account_id"], broken["date"], strict=True)) == sorted(
        zip(cancelled["account_id"], cancelled["cancelled_on"], strict=True)
    )
    assert (cancelled["cancelled_on"] <= pd.Timestamp(AS_OF)).all()


def test_households_are_plausible(tenants, behaviours):
    people = ~tenants["legal_entity"]
    assert (tenants["dependents"] <= tenants["household_size"] - 1).all()
    assert (tenants.loc[tenants["single_parent"], "dependents"] >= 1).all()
    assert tenants.loc[~people, "income"].isna().all()
    assert tenants.loc[~people, "employment_status"].isna().all()
    median = tenants.groupby("employment_status")["income"].median()
    assert median["employed"] > median["unemployed"] and median["employed"] > median["student"]
    retired = tenants["employment_status"] == "retired"
    assert (tenants.loc[retired, "age"].dropna() >= 61).all()
    chronic = behaviours[tenants.index] == "chronic"
    orders = tenants["prior_orders"]
    assert orders[chronic].mean() > 5 * orders[~chronic].mean()
    assert tenants["last_order_date"].notna().eq(tenants["prior_orders"] > 0).all()
    assert tenants["over_indebtedness"].any() and tenants["dispute"].any()


def test_contact_data_is_fictional_and_places_cover_france(tenants):
    phones = tenants["phone_mobile"].dropna()
    assert phones.map(lambda phone: re.fullmatch(r"\+3363998[0-9]{4}", phone) is not None).all()
    emails = tenants["email_address"].dropna()
    assert emails.str.endswith("@example.org").all()
    assert 0.8 < len(phones) / LARGE < 0.95
    assert not (tenants["sms_opt_out"] & tenants["phone_mobile"].isna()).any()
    assert set(tenants["departement"]) <= set(DEPARTEMENT_CODES)
    assert {"57", "67", "68", "971", "972", "973", "974"} <= set(tenants["departement"])
    assert tenants["language"].value_counts(normalize=True)["fr"] > 0.85


# ------------------------------------------------------------------------------ the example program


def test_the_example_program_steps_synthetic_accounts():
    program = dunforce.load(ROOT / "examples" / "social_housing" / "scenarios.dfs")
    portfolio = synthetic_portfolio(2_000, as_of=AS_OF, seed=9)
    states = list(portfolio.accounts(program.schema))
    assert all(isinstance(state, AccountState) for state in states)
    actions = [action for state in states for action in program.step(state, AS_OF)]
    assert actions and {action.account_id for action in actions} <= {s.account_id for s in states}
    in_case = sum(analyse(state, AS_OF).case is not None for state in states)
    assert 0.1 * len(states) < in_case < 0.6 * len(states)
    profiles = {program.profile_of(state, AS_OF) for state in states[:500]}
    assert len(profiles) > 10


# ------------------------------------------------------------------------------ arguments


@pytest.mark.parametrize(
    ("arguments", "error", "name"),
    [
        ({"accounts": -1}, ValueError, "accounts"),
        ({"accounts": 2.5}, TypeError, "accounts"),
        ({"as_of": "09/11/2026"}, ValueError, "as_of"),
        ({"as_of": datetime.datetime(2026, 11, 9, 8)}, TypeError, "as_of"),
        ({"months": 0}, ValueError, "months"),
        ({"seed": -3}, ValueError, "seed"),
        ({"mix": {"on_time": 1.0}}, TypeError, "mix"),
    ],
)
def test_bad_arguments_are_named(arguments, error, name):
    call = {"accounts": 10, "as_of": AS_OF} | arguments
    accounts = call.pop("accounts")
    with pytest.raises(error, match=name):
        synthetic_portfolio(accounts, **call)


def test_a_mix_checks_its_shares():
    with pytest.raises(ValueError, match=r"late: 1\.5 is not a share"):
        PortfolioMix(late=1.5)
    with pytest.raises(ValueError, match="add up to 1"):
        PortfolioMix(on_time=0.5)
    assert PortfolioMix(on_time=0.5, chronic=0.22).behaviours == (0.5, 0.17, 0.11, 0.22)


# ------------------------------------------------------------------------------ documentation


def test_the_python_examples_of_the_page_run(monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples name files from the repository root
    page = (ROOT / "docs" / "synthetic.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", page, re.S | re.M)
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/synthetic.md", "exec"), {})
