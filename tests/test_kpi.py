"""Collection KPIs: hand-computed portfolios, properties, the example portfolio and the docs page.

The small portfolios below are worked out by hand in the comments; the properties check the
definitions on generated ledgers against a plain reading of the rules (the rejection matching is
redone here from the ledger page's words).
"""

from __future__ import annotations

import datetime
import math
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dunforce
from dunforce import (
    DEFAULT_CHANNELS,
    AccountState,
    Adjustment,
    Channel,
    Charge,
    Payment,
    Portfolio,
    Rejected,
    Rejection,
)
from dunforce.frames import actions_frame
from dunforce.kpi import (
    CASE_COLUMNS,
    KPI_COLUMNS,
    ageing,
    bucket_labels,
    cases,
    kpis,
    summary,
)
from dunforce.ledger import analyse
from strategies import states as generated_states

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "social_housing"

WORKED = """\
profile apl_late: in_case and apl
profile late: in_case
profile other: otherwise

scenario reminder for other:
    email "rappel_echeance" at D-3

scenario gentle for apl_late:
    sms "relance_douce" at D+2
    call at D+10

scenario firm for late:
    sms "relance" at D+2
    letter "relance_2" at D+7
    letter "mise_en_demeure" registered at D+30 if debt > 0 €
"""

RICH = """\
profile disputed: dispute
profile apl_late: in_case and apl
profile late: in_case
profile other: otherwise

scenario reminder for other:
    email "rappel_echeance" at D-3

scenario gentle for apl_late:
    sms "relance_douce" at D+2
    call at D+10
    notify caf at D+40 if debt_months >= 2

scenario firm for late, disputed:
    sms "relance" at D+2
    letter "relance_2" at D+7
    letter "mise_en_demeure" registered at D+30 if debt > 0 €
    handoff bailiff order at D+60 if debt_months >= 2
    task "point_dossier" at D+45

on rejection:
    sms "rejet_prelevement" at E+1
"""

PROGRAM = dunforce.compile(WORKED, contact_policy=False)
RICH_PROGRAMS = {
    threshold: dunforce.compile(RICH, contact_policy=False, case_threshold=threshold)
    for threshold in ("0", "20", "150")
}
MARCH = {"start": "2026-03-01", "end": "2026-04-30"}


def worked_states() -> list[AccountState]:
    return [
        AccountState(
            account_id="A1",
            attributes={"apl": True},
            ledger=(Charge("400.00", "2026-03-05"), Payment("400.00", "2026-03-18")),
        ),
        AccountState(
            account_id="A2",
            ledger=(
                Charge("500.00", "2026-03-05"),
                Payment("150.00", "2026-03-20", id="P1"),
                Rejection("2026-03-24", payment="P1"),
                Charge("500.00", "2026-04-05"),
                Payment("300.00", "2026-04-10"),
            ),
        ),
        AccountState(
            account_id="A3",
            ledger=(Charge("450.00", "2026-03-05"), Payment("450.00", "2026-03-05")),
        ),
    ]


def run(program, states, start: date, end: date):
    """Step every account every day of [start, end], recording the actions."""
    states = list(states)
    emitted = []
    day = start
    while day <= end:
        for position, state in enumerate(states):
            actions = program.step(state, day)
            if actions:
                states[position] = state.record(actions)
                emitted.extend(actions)
        day += timedelta(days=1)
    return states, actions_frame(emitted)


@pytest.fixture(scope="module")
def worked():
    return run(PROGRAM, worked_states(), date(2026, 3, 1), date(2026, 4, 30))


def one_case(program, *ledger, start="2026-03-01", end="2026-04-30", **attributes) -> dict:
    state = AccountState(account_id="X", attributes=attributes, ledger=ledger)
    (row,) = cases(program, [state], start=start, end=end).to_dict("records")
    return row


# ------------------------------------------------------------------------------ worked example


def test_the_worked_example_cases_row_by_row(worked):
    states, _ = worked
    table = cases(PROGRAM, states, **MARCH)
    assert tuple(table.columns) == CASE_COLUMNS
    a1, a2 = table.to_dict("records")
    # A1: 400 due 5 March, paid on the 18th: open from the 6th, cured after 12 days
    assert a1["account_id"] == "A1" and a1["profile"] == "apl_late"
    assert a1["opened"] == pd.Timestamp("2026-03-06")
    assert a1["closed"] == pd.Timestamp("2026-03-18")
    assert a1["anchor"] == pd.Timestamp("2026-03-05")
    assert (a1["debt_at_open_cents"], a1["charged_cents"], a1["collected_cents"]) == (
        40000,
        0,
        40000,
    )
    assert (a1["owed_cents"], a1["recovered_cents"], a1["adjusted_cents"]) == (40000, 40000, 0)
    assert (a1["days_open"], a1["cured"], a1["days_to_cure"]) == (12, True, 12)
    # A2: 500 + 500 owed; 150 paid and returned, then 300: collected 300, still open on 30 April
    assert a2["account_id"] == "A2" and a2["profile"] == "late"
    assert pd.isna(a2["closed"])
    assert (a2["debt_at_open_cents"], a2["charged_cents"]) == (50000, 50000)
    assert (a2["collected_cents"], a2["owed_cents"], a2["recovered_cents"]) == (
        30000,
        100000,
        30000,
    )
    assert (a2["days_open"], a2["cured"]) == (56, False)  # 6 March to 30 April
    assert pd.isna(a2["days_to_cure"])


def test_the_worked_example_whole_portfolio(worked):
    states, actions = worked
    overall = summary(PROGRAM, states, actions, **MARCH)
    assert overall.to_dict() == {
        "cases": 2,
        "recovery_rate": 0.5,  # (400 + 300) / (400 + 1000)
        "cure_rate": 0.5,  # A1 in 12 days, A2 not in 30
        "avg_days_to_collect": 12.0,
        "actions": 8,  # 3 reminders, 2 to A1's case, 3 to A2's
        "contacts": 8,
        "contacts_per_case": 4.0,
        "cost_cents": 1222,  # 3 × 0 + 2 × 6 + 130 + 680 + 400
        "cost_per_case_cents": 611.0,
        "automation_rate": 0.75,  # the call and the registered letter are tasks
    }
    assert all(type(overall[c]) is int for c in ("cases", "actions", "contacts", "cost_cents"))


def test_the_worked_example_per_profile(worked):
    states, actions = worked
    frame = kpis(PROGRAM, states, actions, **MARCH)
    assert tuple(frame.columns) == ("profile", *KPI_COLUMNS)
    rows = frame.set_index("profile").to_dict("index")
    assert list(rows) == ["apl_late", "late", "other"]  # file order
    assert rows["apl_late"] == {
        "cases": 1,
        "recovery_rate": 1.0,
        "cure_rate": 1.0,
        "avg_days_to_collect": 12.0,
        "actions": 2,
        "contacts": 2,
        "contacts_per_case": 2.0,
        "cost_cents": 406,
        "cost_per_case_cents": 406.0,
        "automation_rate": 0.5,
    }
    late = rows["late"]
    assert (late["cases"], late["recovery_rate"], late["cure_rate"]) == (1, 0.3, 0.0)
    assert math.isnan(late["avg_days_to_collect"])
    assert (late["actions"], late["cost_cents"], late["automation_rate"]) == (3, 816, 2 / 3)
    other = rows["other"]
    assert (other["cases"], other["actions"], other["cost_cents"]) == (0, 3, 0)
    assert math.isnan(other["recovery_rate"]) and math.isnan(other["contacts_per_case"])


def test_the_worked_example_per_scenario_and_channel(worked):
    states, actions = worked
    scenarios = kpis(PROGRAM, states, actions, **MARCH, by="scenario").set_index("scenario")
    assert list(scenarios.index) == ["reminder", "gentle", "firm"]
    assert scenarios["cases"].tolist() == [0, 1, 1]  # the reminders went out before the cases
    assert scenarios["actions"].tolist() == [3, 2, 3]
    assert scenarios["cost_cents"].tolist() == [0, 406, 816]
    channels = kpis(PROGRAM, states, actions, **MARCH, by="channel").set_index("channel")
    assert list(channels.index) == ["sms", "email", "letter", "call"]  # registry order
    assert channels["cases"].tolist() == [2, 0, 1, 1]
    assert channels["actions"].tolist() == [2, 3, 2, 1]
    assert channels["cost_cents"].tolist() == [12, 0, 810, 400]
    assert channels.loc["sms", "recovery_rate"] == 0.5
    assert channels.loc["letter", "automation_rate"] == 0.5
    assert channels.loc["call", "avg_days_to_collect"] == 12.0


def test_the_worked_example_ageing(worked):
    states, _ = worked
    # A2 owes 200 of March (56 days overdue) and April's 500 (25 days)
    assert ageing(PROGRAM, states, "2026-04-30").to_dict("records") == [
        {
            "profile": "late",
            "0-30": 50000,
            "31-60": 20000,
            "61-90": 0,
            "91-180": 0,
            "180+": 0,
            "total": 70000,
            "accounts": 1,
        }
    ]


def test_the_docs_page_examples_run():
    page = (ROOT / "docs" / "kpis.md").read_text(encoding="utf-8")
    found = re.findall(r"(?:<!--\s*([a-z]+)\s*-->\s*\n)?^```python\n(.*?)^```", page, re.S | re.M)
    bodies = [body for marker, body in found if marker != "fragment"]
    assert bodies, "the page has a worked example"
    for body in bodies:
        exec(compile(body, "docs/kpis.md", "exec"), {})


def test_the_docs_quote_the_default_unit_costs_used():
    page = (ROOT / "docs" / "kpis.md").read_text(encoding="utf-8")
    for name in ("sms", "call"):
        assert f"{DEFAULT_CHANNELS[name].cost:.2f} €" in page
    registered = DEFAULT_CHANNELS["letter"].cost_of(["registered"])
    assert f"= {registered:.2f} €" in page


# ------------------------------------------------------------------------------ the period


def two_cases() -> AccountState:
    # case 1: 6 to 9 January (closed on the 10th); case 2: from 6 February, closed on the 20th
    return AccountState(
        account_id="W",
        ledger=(
            Charge("100.00", "2026-01-05"),
            Payment("100.00", "2026-01-10"),
            Charge("100.00", "2026-02-05"),
            Payment("100.00", "2026-02-20"),
        ),
    )


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-01-10", "2026-02-28", [("2026-02-06", 14, True)]),  # closed on start: not open
        ("2026-01-09", "2026-02-28", [("2026-01-06", 4, True), ("2026-02-06", 14, True)]),
        ("2026-01-01", "2026-02-10", [("2026-01-06", 4, True), ("2026-02-06", 5, False)]),
        ("2026-01-11", "2026-02-05", []),
        ("2026-02-20", "2026-02-20", []),
        ("2026-02-19", "2026-02-19", [("2026-02-06", 14, False)]),
    ],
)
def test_a_case_counts_when_it_is_open_on_a_day_of_the_period(start, end, expected):
    table = cases(PROGRAM, [two_cases()], start=start, end=end)
    found = [
        (opened.date().isoformat(), days, cured)
        for opened, days, cured in zip(
            table["opened"], table["days_open"], table["cured"], strict=True
        )
    ]
    assert found == expected


def test_the_cure_rate_leaves_out_cases_too_young_to_judge():
    young = AccountState(account_id="Y", ledger=(Charge("100.00", "2026-04-19"),))
    state = two_cases()
    period = {"start": "2026-01-01", "end": "2026-04-30"}
    # W's two cases (cured in 4 and 14 days) are old enough; Y's opened on 20 April is not
    row = summary(PROGRAM, [state, young], [], **period)
    assert (row["cases"], row["cure_rate"]) == (3, 1.0)
    assert row["avg_days_to_collect"] == 9.0
    # within 10 days: all three are old enough, only the 4-day one was cured in time
    assert summary(PROGRAM, [state, young], [], **period, cure_days=10)["cure_rate"] == 1 / 3
    alone = summary(PROGRAM, [young], [], **period)
    assert alone["cases"] == 1 and math.isnan(alone["cure_rate"])


# ------------------------------------------------------------------------------ money of a case


def test_a_rejection_on_the_opening_day_is_in_the_debt_not_taken_back_again():
    row = one_case(
        PROGRAM,
        Charge("400.00", "2026-03-05"),
        Payment("400.00", "2026-03-05", id="P"),
        Rejection("2026-03-10", payment="P"),
        Payment("400.00", "2026-03-15"),
    )
    assert row["opened"] == pd.Timestamp("2026-03-10")
    assert (row["debt_at_open_cents"], row["collected_cents"], row["recovered_cents"]) == (
        40000,
        40000,
        40000,
    )


def test_a_payment_made_before_the_case_and_returned_in_it_is_taken_back():
    row = one_case(
        PROGRAM,
        Payment("100.00", "2026-03-01", id="P"),  # paid ahead: the case opens with 300
        Charge("400.00", "2026-03-05"),
        Rejection("2026-03-12", amount="100.00"),  # matched by amount: the latest 100 payment
        Payment("150.00", "2026-03-20"),
        end="2026-03-31",
    )
    assert (row["debt_at_open_cents"], row["charged_cents"]) == (30000, 0)
    assert (row["collected_cents"], row["recovered_cents"]) == (5000, 5000)


def test_a_case_that_only_lost_money_recovered_nothing():
    row = one_case(
        PROGRAM,
        Payment("100.00", "2026-03-01", id="P"),
        Charge("400.00", "2026-03-05"),
        Rejection("2026-03-12", payment="P"),
        end="2026-03-31",
    )
    assert (row["collected_cents"], row["recovered_cents"], row["owed_cents"]) == (-10000, 0, 30000)


def test_a_rejection_that_returns_no_payment_takes_back_its_amount():
    row = one_case(
        PROGRAM,
        Charge("400.00", "2026-03-05"),
        Payment("200.00", "2026-03-10"),
        Rejection("2026-03-12", payment="UNKNOWN", amount="25.00"),  # names nothing: no match
        end="2026-03-31",
    )
    assert row["collected_cents"] == 20000 - 2500


def test_housing_aid_paid_to_the_landlord_counts_as_recovered():
    # the aid pays 275 of the 400 on the 10th, the tenant the other 125 on the 15th: the
    # payments alone are 31 % of what was owed, the case was recovered in full
    row = one_case(
        PROGRAM,
        Charge("400.00", "2026-03-05"),
        Adjustment("275.00", "2026-03-10", reason="apl"),
        Payment("125.00", "2026-03-15"),
        apl=True,
    )
    assert (row["debt_at_open_cents"], row["charged_cents"], row["owed_cents"]) == (
        40000,
        0,
        40000,
    )
    assert (row["collected_cents"], row["adjusted_cents"], row["recovered_cents"]) == (
        12500,
        27500,
        40000,
    )
    assert row["closed"] == pd.Timestamp("2026-03-15")


def test_aid_paid_on_the_next_due_date_settles_the_old_arrears_first():
    # oldest first: April's aid (275, on 5 April) pays March's remaining 125, which closes the
    # case that day; April's unpaid 250 opens the next one on the 6th
    state = AccountState(
        account_id="X",
        attributes={"apl": True},
        ledger=(
            Charge("400.00", "2026-03-05"),
            Adjustment("275.00", "2026-03-05", reason="apl"),
            Charge("400.00", "2026-04-05"),
            Adjustment("275.00", "2026-04-05", reason="apl"),
            Payment("250.00", "2026-04-10"),
        ),
    )
    first, second = cases(PROGRAM, [state], **MARCH).to_dict("records")
    assert (first["closed"], first["owed_cents"], first["adjusted_cents"]) == (
        pd.Timestamp("2026-04-05"),
        12500,
        27500,
    )
    assert first["recovered_cents"] == 12500  # capped: the rest of the aid is for April
    assert (second["opened"], second["debt_at_open_cents"], second["collected_cents"]) == (
        pd.Timestamp("2026-04-06"),
        25000,
        25000,
    )


def test_an_overpayment_is_credit_not_recovery():
    row = one_case(PROGRAM, Charge("400.00", "2026-03-05"), Payment("1000.00", "2026-03-10"))
    assert (row["collected_cents"], row["owed_cents"], row["recovered_cents"]) == (
        100000,
        40000,
        40000,
    )


def test_the_program_threshold_decides_what_a_case_is():
    program = dunforce.compile(WORKED, contact_policy=False, case_threshold="50")
    small = AccountState(
        account_id="S", ledger=(Charge("400.00", "2026-03-05"), Payment("360.00", "2026-03-05"))
    )
    large = AccountState(
        account_id="L", ledger=(Charge("400.00", "2026-03-05"), Payment("300.00", "2026-03-05"))
    )
    table = cases(program, [small, large], **MARCH)
    assert table["account_id"].tolist() == ["L"]
    assert table["debt_at_open_cents"].tolist() == [10000]
    assert len(cases(PROGRAM, [small, large], **MARCH)) == 2


# ------------------------------------------------------------------------------ costs, groups


def action_rows(*rows: tuple) -> pd.DataFrame:
    """An actions table from (account, channel, options, day, scenario, profile, kind)."""
    columns = ("account_id", "channel", "options", "emitted_on", "scenario", "profile", "kind")
    frame = pd.DataFrame.from_records(rows, columns=columns)
    return frame.assign(emitted_on=pd.to_datetime(frame["emitted_on"]))


@pytest.mark.parametrize(("count", "cents"), [(1, 0), (2, 1), (3, 2), (5, 2), (7, 4)])
def test_costs_are_added_exactly_and_rounded_once_half_to_even(count, cents):
    channels = DEFAULT_CHANNELS.register(Channel("whatsapp", cost="0.005"))
    program = dunforce.compile(WORKED, contact_policy=False, channels=channels)
    actions = action_rows(*[("A1", "whatsapp", "", "2026-03-02", "x", None, "automatic")] * count)
    assert summary(program, [], actions, **MARCH)["cost_cents"] == cents  # 0.5 c each


def test_options_add_their_cost():
    actions = action_rows(
        ("A1", "letter", "registered", "2026-03-02", "firm", "late", "task"),
        ("A1", "letter", "", "2026-03-03", "firm", "late", "automatic"),
    )
    assert summary(PROGRAM, [], actions, **MARCH)["cost_cents"] == 680 + 130


def test_only_the_actions_of_the_period_count(worked):
    states, actions = worked
    row = summary(PROGRAM, states, actions, start="2026-03-07", end="2026-03-15")
    assert row["actions"] == 4  # the two SMS, the letter and the call; not the reminders
    assert row["cost_cents"] == 6 + 6 + 130 + 400


def test_accounts_with_no_profile_are_a_row_of_their_own_last():
    program = dunforce.compile(
        'profile aided: in_case and apl\nscenario s for aided:\n    sms "r" at D+2\n',
        contact_policy=False,
    )
    states = [
        AccountState(
            account_id="N", attributes={"apl": False}, ledger=(Charge("10.00", "2026-03-05"),)
        ),
        AccountState(
            account_id="P", attributes={"apl": True}, ledger=(Charge("10.00", "2026-03-05"),)
        ),
    ]
    states, actions = run(program, states, date(2026, 3, 1), date(2026, 3, 31))
    frame = kpis(program, states, actions, start="2026-03-01", end="2026-03-31")
    assert frame["profile"].tolist() == ["aided", None]
    assert frame["cases"].tolist() == [1, 1] and frame["actions"].tolist() == [1, 0]
    aged = ageing(program, states, "2026-03-31")
    assert aged["profile"].tolist() == ["aided", None]
    assert aged["total"].tolist() == [1000, 1000]


def test_the_same_figures_from_states_a_portfolio_actions_or_a_cases_table(worked):
    states, actions = worked
    expected = kpis(PROGRAM, states, actions, **MARCH)
    portfolio = Portfolio.from_states(states)
    from_portfolio = kpis(PROGRAM, portfolio, actions, **MARCH)
    with_rejected = kpis(PROGRAM, [Rejected("Z", "bad row"), *states], actions, **MARCH)
    from_table = kpis(PROGRAM, cases(PROGRAM, states, **MARCH), actions, **MARCH)
    records = actions.to_dict("records")
    emitted = [
        dunforce.Action(
            r["account_id"],
            r["key"],
            r["channel"],
            r["template"],
            tuple(r["options"].split()),
            r["scheduled_for"].date(),
            r["emitted_on"].date(),
            r["scenario"],
            r["profile"],
            r["kind"],
            r["reason"],
        )
        for r in records
    ]
    from_actions = kpis(PROGRAM, states, emitted, **MARCH)
    for frame in (from_portfolio, with_rejected, from_table, from_actions):
        pd.testing.assert_frame_equal(frame, expected)


def test_nothing_to_measure_gives_empty_groups_and_one_whole_row():
    frame = kpis(PROGRAM, [], [], **MARCH)
    assert tuple(frame.columns) == ("profile", *KPI_COLUMNS) and len(frame) == 0
    row = summary(PROGRAM, [], [], **MARCH)
    assert (row["cases"], row["actions"], row["cost_cents"]) == (0, 0, 0)
    assert math.isnan(row["recovery_rate"]) and math.isnan(row["automation_rate"])
    assert len(cases(PROGRAM, [], **MARCH)) == 0
    assert len(ageing(PROGRAM, [], "2026-03-01")) == 0


# ------------------------------------------------------------------------------ ageing


def test_ageing_buckets_include_their_bound():
    on = date(2026, 7, 1)
    ages = (0, 1, 30, 31, 180, 181)  # age 0 is due today: not overdue yet
    state = AccountState(
        account_id="G",
        ledger=tuple(Charge("10.00", on - timedelta(days=age)) for age in ages),
    )
    (row,) = ageing(PROGRAM, [state], on).to_dict("records")
    assert row == {
        "profile": "late",
        "0-30": 2000,
        "31-60": 1000,
        "61-90": 0,
        "91-180": 1000,
        "180+": 1000,
        "total": 5000,
        "accounts": 1,
    }
    (row,) = ageing(PROGRAM, [state], on, buckets=(1, 31)).to_dict("records")
    assert (row["0-1"], row["2-31"], row["31+"]) == (1000, 2000, 2000)


def test_ageing_follows_the_allocation_oldest_first():
    state = AccountState(
        account_id="O",
        ledger=(
            Charge("300.00", "2026-01-05"),
            Charge("300.00", "2026-03-05"),
            Payment("400.00", "2026-03-10"),  # settles January and 100 of March
        ),
    )
    (row,) = ageing(PROGRAM, [state], "2026-05-01").to_dict("records")
    assert (row["31-60"], row["total"]) == (20000, 20000)


def test_bucket_labels():
    assert bucket_labels() == ("0-30", "31-60", "61-90", "91-180", "180+")
    assert bucket_labels((7,)) == ("0-7", "7+")


# ------------------------------------------------------------------------------ arguments


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: kpis(PROGRAM, [], [], **MARCH, by="agent"), ValueError, "by:"),
        (lambda: kpis(PROGRAM, [], [], **MARCH, cure_days=-1), ValueError, "cure_days:"),
        (lambda: kpis(PROGRAM, [], [], **MARCH, cure_days=True), ValueError, "cure_days:"),
        (lambda: cases(PROGRAM, [], start="2026-05-01", end="2026-04-30"), ValueError, "start:"),
        (lambda: cases(PROGRAM, [], start="01/03/2026", end="2026-04-30"), TypeError, "start:"),
        (
            lambda: cases(PROGRAM, [], start=datetime.datetime(2026, 3, 1), end="2026-04-30"),
            TypeError,
            "start:",
        ),
        (lambda: cases("rules.dfs", [], **MARCH), TypeError, "program:"),
        (lambda: cases(PROGRAM, worked_states()[0], **MARCH), TypeError, "accounts:"),
        (lambda: cases(PROGRAM, ["A1"], **MARCH), TypeError, "accounts[0]:"),
        (lambda: kpis(PROGRAM, [], "actions.csv", **MARCH), TypeError, "actions:"),
        (
            lambda: kpis(PROGRAM, [], pd.DataFrame({"account_id": []}), **MARCH),
            ValueError,
            "missing column 'channel'",
        ),
        (
            lambda: kpis(PROGRAM, pd.DataFrame({"account_id": []}), [], **MARCH),
            ValueError,
            "accounts:",
        ),
        (
            lambda: kpis(
                PROGRAM, [], action_rows(("A", "fax", "", "2026-03-02", "s", None, "task")), **MARCH
            ),
            ValueError,
            "channel 'fax'",
        ),
        (lambda: ageing(PROGRAM, [], "2026-03-01", buckets=(60, 30)), ValueError, "buckets:"),
        (lambda: ageing(PROGRAM, [], "2026-03-01", buckets=()), ValueError, "buckets:"),
        (lambda: ageing(PROGRAM, [], "2026-03-01", buckets=(0, 30)), ValueError, "buckets:"),
        (lambda: ageing(PROGRAM, [], "tomorrow"), TypeError, "on:"),
    ],
)
def test_bad_arguments_are_refused_by_name(call, error, words):
    with pytest.raises(error, match=re.escape(words)):
        call()


def test_days_may_be_given_as_the_actions_table_holds_them(worked):
    states, actions = worked
    as_text = summary(PROGRAM, states, actions, **MARCH)
    as_stamps = summary(
        PROGRAM,
        states,
        actions,
        start=pd.Timestamp("2026-03-01"),
        end=actions["emitted_on"].max().to_datetime64(),  # 4 April, the last action
    )
    assert as_stamps["actions"] == as_text["actions"]
    with pytest.raises(ValueError, match="end:"):
        summary(PROGRAM, states, actions, start="2026-03-01", end=pd.Timestamp("2026-04-04 10:00"))


# ------------------------------------------------------------------------------ properties


def returned_by_day(state: AccountState) -> list[tuple[date, int]]:
    """What each rejection takes back, read the plainest way from the ledger page's rules:
    in date order, the payment it names, else the latest payment of its amount, among those
    dated on or before it and not yet returned; a rejection that finds none, its own amount."""
    payments = sorted(
        (entry.on, index, entry)
        for index, entry in enumerate(state.ledger)
        if isinstance(entry, Payment)
    )
    rejections = sorted(
        (
            (entry.on, index, entry)
            for index, entry in enumerate(state.ledger)
            if isinstance(entry, Rejection)
        ),
        key=lambda item: item[:2],
    )
    returned: set[int] = set()
    taken = []
    for day, _, rejection in rejections:
        open_ = [(d, i, p) for d, i, p in payments if d <= day and i not in returned]
        if rejection.payment is not None:
            found = [c for c in open_ if c[2].id == rejection.payment]
        else:
            found = [c for c in open_ if c[2].amount == rejection.amount]
        if found:
            _, index, payment = max(found, key=lambda c: c[:2])
            returned.add(index)
            taken.append((day, int(payment.amount * 100)))
        elif rejection.amount is not None:
            taken.append((day, int(rejection.amount * 100)))
    return taken


@settings(max_examples=150, deadline=None)
@given(
    state=generated_states(),
    threshold=st.sampled_from(sorted(RICH_PROGRAMS)),
    start=st.dates(date(2026, 1, 1), date(2026, 6, 30)),
    length=st.integers(0, 120),
)
def test_case_rows_follow_their_definitions(state, threshold, start, length):
    program = RICH_PROGRAMS[threshold]
    end = start + timedelta(days=length)
    table = cases(program, [state], start=start, end=end)
    cents = int(Decimal(threshold) * 100)
    taken = returned_by_day(state)
    for row in table.to_dict("records"):
        opened = row["opened"].date()
        closed = None if pd.isna(row["closed"]) else row["closed"].date()
        assert opened <= end and (closed is None or closed > start)
        assert row["debt_at_open_cents"] == analyse(state, opened).values["debt"] > cents
        settled_by = closed or end
        last_open = closed - timedelta(days=1) if closed else end
        paid = sum(
            int(e.amount * 100)
            for e in state.ledger
            if isinstance(e, Payment) and opened < e.on <= settled_by
        )
        back = sum(amount for day, amount in taken if opened < day <= settled_by)
        assert row["collected_cents"] == paid - back
        assert row["charged_cents"] == sum(
            int(e.amount * 100)
            for e in state.ledger
            if isinstance(e, Charge) and opened <= e.due <= last_open
        )
        assert row["owed_cents"] == row["debt_at_open_cents"] + row["charged_cents"]
        assert 0 <= row["recovered_cents"] <= row["owed_cents"]
        assert row["cured"] == (closed is not None)
        if closed is not None:
            assert analyse(state, closed).values["debt"] <= cents
            assert row["days_to_cure"] == row["days_open"] == (closed - opened).days >= 1
        else:
            assert analyse(state, end).values["debt"] > cents
            assert row["days_open"] == (end - opened).days + 1
        assert row["profile"] == program.profile_of(state, opened)
    for column in CASE_COLUMNS:
        if column.endswith("_cents") or column == "days_open":
            assert table[column].dtype == "int64"


accounts_lists = st.lists(
    generated_states(), min_size=1, max_size=3, unique_by=lambda s: s.account_id
)


@settings(max_examples=40, deadline=None)
@given(
    states=accounts_lists,
    start=st.dates(date(2026, 1, 1), date(2026, 4, 30)),
    length=st.integers(0, 90),
    cure_days=st.integers(0, 60),
)
def test_kpi_tables_add_up_and_stay_in_range(states, start, length, cure_days):
    program = RICH_PROGRAMS["0"]
    states, actions = run(program, states, date(2026, 1, 1), date(2026, 7, 31))
    end = start + timedelta(days=length)
    period = {"start": start, "end": end, "cure_days": cure_days}
    table = cases(program, states, start=start, end=end)
    whole = summary(program, table, actions, **period)
    counted = ("cases", "actions", "contacts", "cost_cents")
    inside = actions[
        (actions["emitted_on"] >= pd.Timestamp(start))
        & (actions["emitted_on"] <= pd.Timestamp(end))
    ]
    unit_costs = sum(
        (
            program.channels[c].cost_of(o.split())
            for c, o in zip(inside["channel"], inside["options"], strict=True)
        ),
        Decimal(0),
    )
    assert whole["cost_cents"] == unit_costs * 100  # the default costs are whole cents
    assert whole["actions"] == len(inside)
    assert whole["cases"] == len(table)
    frames = {
        by: kpis(program, table, actions, **period, by=by)
        for by in ("profile", "scenario", "channel")
    }
    for by, frame in frames.items():
        for column in ("recovery_rate", "cure_rate", "automation_rate"):
            values = frame[column].dropna()
            assert ((values >= 0) & (values <= 1)).all(), (by, column)
        for column in counted:
            assert frame[column].dtype == "int64"
        for column in ("actions", "contacts", "cost_cents"):
            assert frame[column].sum() == whole[column], (by, column)
        assert frame[by].is_unique
    assert frames["profile"]["cases"].sum() == whole["cases"]
    for by in ("scenario", "channel"):
        assert (frames[by]["cases"] <= whole["cases"]).all()
    for value in (whole["recovery_rate"], whole["cure_rate"], whole["automation_rate"]):
        assert math.isnan(value) or 0 <= value <= 1


@settings(max_examples=60, deadline=None)
@given(states=accounts_lists, on=st.dates(date(2026, 1, 1), date(2026, 9, 30)))
def test_ageing_adds_up_to_the_debt(states, on):
    aged = ageing(PROGRAM, states, on)
    debts = [analyse(state, on).values["debt"] for state in states]
    assert aged["total"].sum() == sum(debts)
    assert aged["accounts"].sum() == sum(1 for debt in debts if debt > 0)
    buckets = list(bucket_labels())
    assert (aged[buckets].sum(axis=1) == aged["total"]).all()
    assert all(aged[column].dtype == "int64" for column in [*buckets, "total", "accounts"])


# ------------------------------------------------------------------------------ the example


@pytest.fixture(scope="module")
def example():
    program = dunforce.load(EXAMPLE / "scenarios.dfs")
    portfolio = Portfolio.read_csv(EXAMPLE / "data")
    states = [s for s in portfolio.accounts(program.schema) if isinstance(s, AccountState)]
    start, end = date(2026, 11, 10), date(2026, 11, 16)
    states, actions = run(program, states, start, end)
    return program, states, actions, start, end


def test_the_example_portfolio_over_a_week(example):
    program, states, actions, start, end = example
    table = cases(program, states, start=start, end=end)
    whole = summary(program, table, actions, start=start, end=end)
    assert whole["cases"] == len(table) > 0
    assert whole["actions"] == len(actions) > 0
    expected_cost = sum(
        program.channels[c].cost_of(o.split())
        for c, o in zip(actions["channel"], actions["options"], strict=True)
    )
    assert whole["cost_cents"] == expected_cost * 100
    assert whole["contacts"] == sum(program.channels[c].contact for c in actions["channel"])
    automatic = (actions["kind"] == "automatic").sum()
    assert whole["automation_rate"] == automatic / len(actions)
    recovered, owed = table["recovered_cents"].sum(), table["owed_cents"].sum()
    assert whole["recovery_rate"] == recovered / owed
    by_profile = kpis(program, table, actions, start=start, end=end)
    for column in ("cases", "actions", "contacts", "cost_cents"):
        assert by_profile[column].sum() == whole[column]
    assert set(by_profile["profile"].dropna()) <= set(program.profiles)
    by_scenario = kpis(program, table, actions, start=start, end=end, by="scenario")
    assert set(by_scenario["scenario"]) == set(actions["scenario"])
    # with a threshold of 0, the cases open on the last day are the accounts in arrears
    aged = ageing(program, states, end)
    assert aged["accounts"].sum() == table["closed"].isna().sum()
    assert aged["total"].sum() == sum(analyse(s, end).values["debt"] for s in states)
