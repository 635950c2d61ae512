"""``Program.run``: the vectorised path gives exactly the per-account path's actions and rejected
accounts, and every account read is stepped or rejected with its reason."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dunforce
from dunforce import AccountState, Charge, Event, Instalment, Issued, Payment, Plan, Portfolio
from dunforce.batch.columns import read_columns
from dunforce.batch.screen import Screen
from dunforce.ledger import analyse
from dunforce.state import Rejection
from dunforce.synthetic import synthetic_portfolio
from strategies import states

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "social_housing"
SOCIAL_HOUSING = dunforce.load(EXAMPLE / "scenarios.dfs")

#: a program with every kind of anchor and unit the screen must widen for
WIDE_TEXT = """\
profile late: in_case
profile other: otherwise

scenario chase for late:
    sms "r1" at D+1
    email "r2" at D+2bd
    call at D+3 if debt >= 100 €
    letter "r3" at D+1w
    letter "r4" registered at D+1m
    sms "p" every 7 days from D+8 until D+60
    call "c" every 2 w from D+10
    notify caf at D+40
    handoff bailiff order at D+50
    stop when dispute

scenario remind for other:
    sms "veille" at D-1
    email "avant" at D-3bd

on rejection:
    sms "rejet" at E+1
    call "rejet" at E+2bd

on departure:
    letter "solde" at E-10
    call "depart" every 5 days from E-20 until E-1
"""
WIDE = dunforce.compile(WIDE_TEXT, filename="wide.dfs")
PROGRAMS = {"social_housing": SOCIAL_HOUSING, "wide": WIDE}


def same_run(program, portfolio, day) -> dunforce.batch.RunResult:
    fast = program.run(portfolio, day)
    slow = program.run(portfolio, day, method="per_account")
    pd.testing.assert_frame_equal(fast.actions, slow.actions)
    pd.testing.assert_frame_equal(fast.rejected, slow.rejected)
    assert (fast.accounts, fast.stepped) == (slow.accounts, slow.stepped)
    assert fast.accounts == fast.stepped + len(fast.rejected)
    return fast


# ------------------------------------------------------------------------------ portfolios


def plain(state: AccountState, *, plans: bool = False) -> AccountState:
    """The same tenant with a ledger the screen derives itself: no rejection, no payment naming
    a charge (and its plans only when ``plans``)."""
    ledger = tuple(
        attrs.evolve(entry, settles=None) if isinstance(entry, Payment) else entry
        for entry in state.ledger
        if entry.kind != "rejection"
    )
    return attrs.evolve(state, ledger=ledger, plans=state.plans if plans else ())


def typed(portfolio: Portfolio) -> Portfolio:
    """The tables with typed columns, as pandas makes them: float amounts, datetime64 days."""
    ledger = portfolio.ledger.copy()
    amounts = pd.to_numeric(ledger["amount"].replace("", np.nan))
    ledger["amount"] = amounts.astype("float64")
    ledger["date"] = pd.to_datetime(ledger["date"])
    events = portfolio.events.copy()
    events["date"] = pd.to_datetime(events["date"])
    return attrs.evolve(portfolio, ledger=ledger, events=events)


@st.composite
def portfolios(draw):
    accounts = draw(st.lists(states(), min_size=1, max_size=12, unique_by=lambda s: s.account_id))
    accounts = [
        plain(s, plans=draw(st.booleans())) if draw(st.integers(0, 2)) else s for s in accounts
    ]
    portfolio = Portfolio.from_states(accounts)
    if draw(st.booleans()):
        portfolio = typed(portfolio)
    return portfolio


BREAKAGES = (
    ("ledger", "amount", "12,50"),
    ("ledger", "amount", "-3.00"),
    ("ledger", "amount", "1.234"),
    ("ledger", "kind", "charges"),
    ("ledger", "date", "31/01/2026"),
    ("ledger", "account_id", "NOBODY"),
    ("tenants", "apl", "peut-être"),
    ("tenants", "payment_method", "bitcoin"),
    ("tenants", "email_address", 42),  # a text attribute: a number is not a text
    ("tenants", "account_id", ""),
    ("events", "kind", "rejected"),
    ("history", "outcome", "maybe"),
    ("plans", "amount", "-5.00"),
    ("plans", "due", "2026-02-30"),
    ("plans", "signed_on", "2025-01-01"),  # one row of a plan with another signing day
    ("plans", "cancelled_on", "soon"),
    ("plans", "plan_id", 7),
)


def broken(portfolio: Portfolio, breakage, row: int) -> Portfolio:
    table, column, value = breakage
    frame = getattr(portfolio, table).copy()
    if not len(frame):
        return portfolio
    if column not in frame.columns:
        frame[column] = pd.Series([None] * len(frame), dtype=object)
    frame[column] = frame[column].astype(object)
    frame.iloc[row % len(frame), frame.columns.get_loc(column)] = value
    return attrs.evolve(portfolio, **{table: frame})


# ------------------------------------------------------------------------------ the property


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    portfolio=portfolios(),
    name=st.sampled_from(sorted(PROGRAMS)),
    day=st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 8, 31)),
    history_days=st.integers(0, 20),
)
def test_the_vectorised_run_gives_the_actions_of_the_per_account_step(
    portfolio, name, day, history_days
):
    program = PROGRAMS[name]
    # a history: the actions of the days before, recorded as the daily job records them
    for back in range(history_days, 0, -1):
        earlier = day - datetime.timedelta(days=back)
        issued = program.run(portfolio, earlier, method="per_account").actions
        if len(issued):
            rows = issued[["account_id", "key", "emitted_on", "channel"]].assign(
                emitted_on=issued["emitted_on"].dt.date
            )
            history = pd.concat([portfolio.history, rows], ignore_index=True)
            portfolio = attrs.evolve(portfolio, history=history)
    result = same_run(program, portfolio, day)
    assert result.method == "vectorised"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    portfolio=portfolios(),
    breakage=st.sampled_from(BREAKAGES),
    row=st.integers(0, 200),
    day=st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 8, 31)),
)
def test_broken_rows_are_rejected_the_same_and_the_others_go_on(portfolio, breakage, row, day):
    damaged = broken(portfolio, breakage, row)
    result = same_run(SOCIAL_HOUSING, damaged, day)
    assert result.accounts >= len(portfolio.tenants)
    if len(result.rejected):
        assert result.rejected["reason"].map(bool).all()


@settings(max_examples=60, deadline=None)
@given(state=states(), day=st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 9, 30)))
def test_the_cases_derived_over_columns_are_those_of_the_ledger(state, day):
    state = plain(state)
    program = SOCIAL_HOUSING
    portfolio = Portfolio.from_states([state])
    columns = read_columns(portfolio, program.schema, program.compiled.required)
    assert columns.vouched[0]
    screen = Screen(program.compiled, program._threshold, columns, day.toordinal())
    case = analyse(state, day, threshold=program._threshold).case
    assert screen.in_case[0] == (case is not None)
    if case is not None:
        assert screen.anchor[0] == case.anchor.toordinal()
        assert screen.opened[0] == case.opened.toordinal()


# ------------------------------------------------------------------------------ examples


@pytest.mark.slow
def test_the_example_portfolio_day_by_day_is_the_same_on_both_paths():
    portfolio = Portfolio.read_csv(EXAMPLE / "data")
    quiet = []
    for offset in range(0, 45, 3):
        day = datetime.date(2026, 11, 1) + datetime.timedelta(days=offset)
        quiet.append(same_run(SOCIAL_HOUSING, portfolio, day).quiet)
    assert max(quiet) > len(portfolio.tenants) // 2  # the screen does spare most accounts


@pytest.mark.slow
def test_a_synthetic_portfolio_day_by_day_is_the_same_on_both_paths():
    portfolio = synthetic_portfolio(1500, as_of="2026-11-09", seed=8)
    stepped, actions = [], 0
    for offset in range(1, 17, 3):
        day = datetime.date(2026, 11, 9) + datetime.timedelta(days=offset)
        result = same_run(SOCIAL_HOUSING, portfolio, day)
        stepped.append(result.accounts - result.quiet)
        actions += len(result.actions)
    assert actions > 500
    # the screen judges ledger profiles on each occurrence's day: few accounts are read
    assert max(stepped) < len(portfolio.tenants) // 4


SUMMONS = dunforce.compile(
    "profile late: in_case\nscenario s for late:\n    handoff bailiff summons at D+10\n",
    filename="summons.dfs",
)


@pytest.mark.parametrize(
    ("served", "reported", "referred", "fires"),
    [
        ("2025-10-01", "2025-11-01", None, True),
        ("2025-10-01", None, "2025-11-01", True),
        ("2025-10-01", None, None, False),  # nobody told the CCAPEX: the guard blocks it
        (None, "2025-11-01", "2025-11-01", False),  # no commandement served
    ],
)
def test_an_assignation_the_legal_guards_block_leaves_the_account_quiet(
    served, reported, referred, fires
):
    attributes = {"departement": "75", "lease_start": "2020-01-01"}
    for name, value in (
        ("last_order_date", served),
        ("aid_report_date", reported),
        ("ccapex_referral_date", referred),
    ):
        if value is not None:
            attributes[name] = value
    state = AccountState("A1", attributes, ledger=(Charge("500.00", "2026-03-05"),))
    result = same_run(SUMMONS, Portfolio.from_states([state]), "2026-03-17")
    assert len(result.actions) == int(fires)
    assert result.quiet == int(not fires)


CAUGHT_UP = dunforce.compile(
    'profile late: in_case\nscenario s for late:\n    letter "big" at D+5 if debt >= 400 €\n',
    filename="caught_up.dfs",
)


@pytest.mark.parametrize(
    ("ledger", "fires"),
    [
        # D+5 is 10 March; on the 12th the debt is 300 €, but the debt of the 10th counts
        ((Charge("500.00", "2026-03-05"), Payment("200.00", "2026-03-11")), True),
        ((Charge("500.00", "2026-03-05"), Payment("200.00", "2026-03-09")), False),
        # the second charge falls overdue on the 10th itself: 500 € that day, 300 € the day before
        ((Charge("300.00", "2026-03-05"), Charge("200.00", "2026-03-09")), True),
    ],
)
def test_a_step_caught_up_is_judged_over_columns_with_the_values_of_its_own_day(ledger, fires):
    state = AccountState("A1", {"departement": "75"}, ledger=ledger)
    result = same_run(CAUGHT_UP, Portfolio.from_states([state]), "2026-03-12")
    assert result.actions["template"].tolist() == (["big"] if fires else [])
    assert result.quiet == int(not fires)


REPEATED_TEXT = """\
profile late: in_case
scenario s for late:
    sms "p" every 3 days from D+3 until D+30
    email "q" at D+6
"""
REPEATED = dunforce.compile(REPEATED_TEXT, filename="repeated.dfs", case_threshold=100)


@pytest.mark.parametrize(
    ("step", "key"),
    [
        ('sms "p" every 3 days from D+3 until D+30', "s/sms:p:D+3/3d@2026-03-05#1"),
        ('sms "q" at D+6', "s/sms:q:D+6@2026-03-05"),
    ],
)
def test_an_occurrence_on_the_day_its_case_opened_is_pending(step, key):
    # 50 € left of the March rent are under the threshold; the April rent falls overdue on the
    # 11th and opens the case with D = 5 March: the repeat of D+3 (the 8th) came before the
    # case, the next one (the 11th) is its first day
    ledger = (
        Charge("500.00", "2026-03-05"),
        Payment("450.00", "2026-03-05"),
        Charge("500.00", "2026-03-10"),
    )
    state = AccountState("A1", {"departement": "75", "phone_mobile": "+33600000000"}, ledger=ledger)
    program = dunforce.compile(
        f"profile late: in_case\nscenario s for late:\n    {step}\n",
        filename="opening.dfs",
        case_threshold=100,
    )
    result = same_run(program, Portfolio.from_states([state]), "2026-03-11")
    assert result.actions["key"].tolist() == [key]


@pytest.mark.parametrize("issued", [(0,), (0, 1)])
def test_a_repeat_already_issued_is_not_pending(issued):
    # D = 5 March, the case opens on the 6th: the repeats fall on the 8th (#0) and the 11th (#1)
    ledger = (Charge("500.00", "2026-03-05"),)
    repeats = [
        Issued(f"s/sms:p:D+3/3d@2026-03-05#{k}", f"2026-03-{8 + 3 * k:02d}", "sms") for k in issued
    ]
    history = (*repeats, Issued("s/email:q:D+6@2026-03-05", "2026-03-11", "email"))
    state = AccountState(
        "A1",
        {"departement": "75", "phone_mobile": "+33600000000", "email_address": "a@b.fr"},
        ledger=ledger,
        history=history,
    )
    result = same_run(REPEATED, Portfolio.from_states([state]), "2026-03-11")
    # with the repeat of the 11th still to issue, the account is read (the caps decide)
    assert result.quiet == int(1 in issued)
    if 1 in issued:
        assert not len(result.actions)


def test_an_account_with_nothing_due_is_not_read_one_by_one():
    state = AccountState(
        "A1",
        {"departement": "75"},
        ledger=(Charge("500.00", "2026-03-05"), Payment("500.00", "2026-03-05")),
    )
    result = same_run(WIDE, Portfolio.from_states([state]), "2026-03-20")
    assert (result.quiet, result.stepped, len(result.actions)) == (1, 1, 0)


@pytest.mark.parametrize(
    ("ledger", "vouched", "quiet"),
    [
        # a direct debit returned four days later: the debt is back, the week's letter is due
        ((Payment("500.00", "2026-03-05"), Rejection("2026-03-09", amount="500.00")), True, 0),
        # the rejection returns the later payment of its amount; the earlier one still settles
        (
            (
                Payment("500.00", "2026-03-01"),
                Rejection("2026-03-02", amount="500.00"),
                Payment("500.00", "2026-03-05"),
            ),
            True,
            1,
        ),
        # a rejection of an amount no payment has is a charge: left to the exact path
        ((Payment("500.00", "2026-03-05"), Rejection("2026-03-09", amount="80.00")), False, 0),
        # two rejections would take the one payment: left to the exact path
        (
            (
                Payment("500.00", "2026-03-05"),
                Rejection("2026-03-07", amount="500.00"),
                Rejection("2026-03-08", amount="500.00"),
            ),
            False,
            0,
        ),
    ],
)
def test_a_returned_payment_is_matched_over_columns(ledger, vouched, quiet):
    state = AccountState("A1", ledger=(Charge("500.00", "2026-03-05"), *ledger))
    portfolio = Portfolio.from_states([state])
    columns = read_columns(portfolio, WIDE.schema, WIDE.compiled.required)
    assert columns.vouched[0] == vouched
    result = same_run(WIDE, portfolio, "2026-03-12")
    assert result.quiet == quiet
    if vouched:  # the letter of D+1w, when the debt is back
        assert result.actions["template"].tolist() == ["r3"] * (1 - quiet)


PLANNED_TEXT = """\
profile kept: plan_active and not plan_broken
profile late: in_case
policy for kept:
    no pause while plan_active and not plan_broken
scenario follow for kept:
    sms "echeance" at D-3
scenario chase for late:
    sms "r1" at D+1
"""
PLANNED = dunforce.compile(PLANNED_TEXT, filename="planned.dfs")


def test_an_account_with_a_plan_is_judged_over_columns_and_stepped_only_when_due():
    plan = Plan(
        "2026-03-01", [Instalment("2026-04-01", "250.00"), Instalment("2026-05-01", "250.00")]
    )
    state = AccountState(
        "A1",
        {"departement": "75", "phone_mobile": "+33612345678"},
        ledger=(
            Charge("500.00", "2026-02-05"),
            Payment("250.00", "2026-04-01"),
            Charge("500.00", "2026-04-05"),
        ),
        plans=(plan,),
    )
    portfolio = Portfolio.from_states([state])
    assert read_columns(portfolio, PLANNED.schema, PLANNED.compiled.required).vouched.all()
    # late and under a plan kept, but nothing falls in its window today: quiet
    quiet = same_run(PLANNED, portfolio, "2026-03-20")
    assert (quiet.quiet, len(quiet.actions)) == (1, 0)
    # three days before a charge, the plan's reminder is due: the account is read and stepped
    due = same_run(PLANNED, portfolio, "2026-04-02")
    assert due.quiet == 0
    assert due.actions["key"].tolist() == ["follow/sms:echeance:D-3@2026-04-05"]


@pytest.mark.parametrize(
    ("breakage", "rows"),
    [
        (breakage, rows)
        for breakage in BREAKAGES
        for rows in (1, 2)
        # another signing day on the only row of a plan is a plan signed that day
        if breakage[0] == "plans" and (rows, breakage[1]) != (1, "signed_on")
    ],
)
def test_a_plan_row_the_reader_refuses_is_never_vouched_for(breakage, rows):
    instalments = [Instalment("2026-04-01", "250.00"), Instalment("2026-05-01", "9")]
    plan = Plan("2026-03-01", instalments[:rows])
    state = AccountState("A1", {"departement": "75"}, plans=(plan,))
    quiet = AccountState("A2", {"departement": "75"})
    damaged = broken(Portfolio.from_states([state, quiet]), breakage, rows - 1)
    columns = read_columns(damaged, PLANNED.schema, PLANNED.compiled.required)
    assert columns.vouched.tolist() == [False, True]
    result = same_run(PLANNED, damaged, "2026-03-20")
    assert result.rejected["account_id"].tolist() == ["A1"]
    assert result.rejected["source"].tolist() == ["plans"]


def _screened(program, portfolio, day):
    columns = read_columns(portfolio, program.schema, program.compiled.required)
    screen = Screen(
        program.compiled,
        program._threshold,
        columns,
        datetime.date.fromisoformat(str(day)).toordinal(),
        checked=program.checked,
        tenants=portfolio.tenants,
    )
    return columns, screen.pending()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    portfolio=portfolios(),
    name=st.sampled_from(sorted(PROGRAMS)),
    day=st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 8, 31)),
)
def test_every_action_is_among_the_occurrences_the_screen_hands_the_exact_path(
    portfolio, name, day
):
    # the exact path judges only the occurrences the screen kept, on the days it gave them:
    # each action of the per-account step must be one of them, on its day
    program = PROGRAMS[name]
    columns, pending = _screened(program, portfolio, day)
    accounts = np.arange(columns.count)
    handed = pending.occurrences(accounts[columns.vouched])
    codes = {account: code for code, account in enumerate(columns.ids.tolist())}
    actions = program.run(portfolio, day, method="per_account").actions
    for account, key, scheduled in zip(
        actions["account_id"], actions["key"], actions["scheduled_for"].dt.date, strict=True
    ):
        code = codes[account]
        assert pending.accounts[code] or not columns.vouched[code]
        if code not in handed:
            continue  # not vouched for, or an occurrence the screen could not date
        found = {
            (
                step.key_prefix
                + datetime.date.fromordinal(anchor).isoformat()
                + ("" if k < 0 else f"#{k}"),
                datetime.date.fromordinal(when),
            )
            for _, step, anchor, k, when in handed[code]
        }
        assert (key, scheduled) in found


def test_business_days_count_the_public_holidays_of_the_accounts_departement():
    # D = Wednesday 1 April 2026: D+2bd is Friday the 3rd in Paris; in Moselle, Good Friday
    # and Easter Monday are holidays, so it is Tuesday the 7th
    program = dunforce.compile(
        'profile late: in_case\nscenario s for late:\n    email "r" at D+2bd\n',
        filename="holidays.dfs",
    )

    def tenant(account: str, departement: str) -> AccountState:
        attributes = {"departement": departement, "email_address": f"{account}@example.fr"}
        return AccountState(account, attributes, ledger=(Charge("500.00", "2026-04-01"),))

    portfolio = Portfolio.from_states([tenant("PARIS", "75"), tenant("METZ", "57")])
    for day in ("2026-04-03", "2026-04-07"):
        columns, pending = _screened(program, portfolio, day)
        handed = pending.occurrences(np.arange(columns.count))
        days = {code: [found[4] for found in handed[code]] for code in handed}
        expected = {"2026-04-03": {0: ["2026-04-03"], 1: []}, "2026-04-07": {1: ["2026-04-07"]}}
        for code, wanted in expected[day].items():
            assert days[code] == [datetime.date.fromisoformat(w).toordinal() for w in wanted]
    quiet_day = same_run(program, portfolio, "2026-04-03")
    assert quiet_day.actions["account_id"].tolist() == ["PARIS"]
    assert quiet_day.quiet == 1  # Moselle's is dated after today: not read one by one
    due_day = same_run(program, portfolio, "2026-04-07")
    metz = due_day.actions[due_day.actions["account_id"] == "METZ"]
    assert metz["scheduled_for"].dt.date.tolist() == [datetime.date(2026, 4, 7)]


def test_a_step_in_months_is_dated_by_the_calendar_and_clamped_to_the_month_end():
    # D = 31 January: D+1m is 28 February; on the 27th the account has nothing due
    program = dunforce.compile(
        'profile late: in_case\nscenario s for late:\n    letter "m" at D+1m\n',
        filename="months.dfs",
    )
    state = AccountState("A1", {"departement": "75"}, ledger=(Charge("500.00", "2026-01-31"),))
    portfolio = Portfolio.from_states([state])
    before = same_run(program, portfolio, "2026-02-27")
    assert (before.quiet, len(before.actions)) == (1, 0)
    due = same_run(program, portfolio, "2026-02-28")
    assert due.quiet == 0
    assert due.actions["key"].tolist() == ["s/letter:m:D+1m@2026-01-31"]


POLICY_MOVES = dunforce.compile(
    'profile late: in_case\nscenario s for late:\n    letter "l" at D+1\n    call "c" at D+5\n'
    "policy:\n    cap letter: 1 per week\n",
    filename="moves.dfs",
)


def test_steps_the_policy_defers_or_lets_miss_leave_the_account_quiet():
    # D = Monday 2 March: the letter's day is the 3rd, the call's Saturday the 7th, outside the
    # call's window (Monday to Friday). On the 7th the letter's catch-up window (3 days) has
    # ended and the call waits for Monday: nothing can go out, and the account is not read
    state = AccountState(
        "A1",
        {"departement": "75", "phone_mobile": "+33600000000"},
        ledger=(Charge("500.00", "2026-03-02"),),
    )
    portfolio = Portfolio.from_states([state])
    for day in ("2026-03-07", "2026-03-08"):
        result = same_run(POLICY_MOVES, portfolio, day)
        assert (result.quiet, len(result.actions)) == (1, 0), day
    monday = same_run(POLICY_MOVES, portfolio, "2026-03-09")
    assert monday.actions["key"].tolist() == ["s/call:c:D+5@2026-03-02"]
    assert monday.actions["scheduled_for"].dt.date.tolist() == [datetime.date(2026, 3, 7)]


def test_a_step_a_full_cap_moved_is_not_taken_for_missed():
    # a letter issued on 2 March fills the cap until the 9th: the letter of the 3rd goes out
    # on the 9th, six days after its day, which a history too short to fill a cap never allows
    state = AccountState(
        "A1",
        {"departement": "75", "phone_mobile": "+33600000000"},
        ledger=(Charge("500.00", "2026-03-02"),),
        history=(Issued("other/letter:avant:D-1@2026-03-02", "2026-03-02", "letter"),),
    )
    result = same_run(POLICY_MOVES, Portfolio.from_states([state]), "2026-03-09")
    assert "s/letter:l:D+1@2026-03-02" in result.actions["key"].tolist()


TWO_CHANNELS = dunforce.compile(
    "profile late: in_case\nscenario s for late:\n"
    '    sms "x" else call "x" at D+5\n    call "y" else letter "y" at D+5\n',
    filename="two_channels.dfs",
)


@pytest.mark.parametrize(
    ("attributes", "day", "sent"),
    [
        # no SMS: the call of Saturday the 7th waits for Monday, and is caught up on Wednesday
        # (the other step's call waits for another day: one call a day)
        ({"sms_opt_out": True}, "2026-03-11", [("s/sms:x:D+5", "call")]),
        # no phone: the letter goes out on Saturday, when the call could not
        ({"phone_mobile": None}, "2026-03-07", [("s/call:y:D+5", "letter")]),
    ],
)
def test_the_channel_the_tenant_gets_decides_when_a_step_is_deferred_or_missed(
    attributes, day, sent
):
    # D = Monday 2 March: every step falls on Saturday the 7th; SMS and letters may act on a
    # Saturday, calls only from Monday to Friday
    attributes = {"departement": "75", "phone_mobile": "+33600000000", **attributes}
    attributes = {k: v for k, v in attributes.items() if v is not None}
    state = AccountState("A1", attributes, ledger=(Charge("500.00", "2026-03-02"),))
    result = same_run(TWO_CHANNELS, Portfolio.from_states([state]), day)
    actions = result.actions
    pairs = zip(actions["key"], actions["channel"], strict=True)
    assert [(key.split("@")[0], channel) for key, channel in pairs] == sent


def test_a_step_a_legal_guard_holds_back_is_caught_up_when_the_guard_lets_it_go():
    # the assignation of 15 March waits two months after the CCAPEX referral of 1 February:
    # it goes out on 1 April, long after its day, and is still due on the 2nd
    attributes = {
        "departement": "75",
        "lease_start": "2020-01-01",
        "last_order_date": "2025-10-01",
        "ccapex_referral_date": "2026-02-01",
    }
    state = AccountState("A1", attributes, ledger=(Charge("500.00", "2026-03-05"),))
    result = same_run(SUMMONS, Portfolio.from_states([state]), "2026-04-02")
    assert result.actions["scheduled_for"].dt.date.tolist() == [datetime.date(2026, 3, 15)]


def test_a_late_tenant_is_stepped_and_gets_the_scenario_action():
    state = AccountState(
        "A1",
        {"departement": "75", "phone_mobile": "+33612345678"},
        ledger=(Charge("500.00", "2026-03-05"),),
    )
    result = same_run(WIDE, Portfolio.from_states([state]), "2026-03-06")
    assert result.quiet == 0
    assert result.actions["key"].tolist() == ["chase/sms:r1:D+1@2026-03-05"]


def test_an_issued_step_is_not_pending_and_the_account_stays_quiet():
    state = AccountState(
        "A1",
        {"departement": "75", "phone_mobile": "+33612345678"},
        ledger=(Charge("500.00", "2026-03-05"),),
        history=(Issued("chase/sms:r1:D+1@2026-03-05", "2026-03-06", "sms"),),
    )
    # 2026-03-07: r1 issued; r2 (D+2bd) is due on Monday 9 March, not yet
    result = same_run(WIDE, Portfolio.from_states([state]), "2026-03-07")
    assert len(result.actions) == 0


def test_states_and_rejected_items_run_on_the_per_account_path():
    good = AccountState("A1", {"departement": "75"}, ledger=(Charge("10.00", "2026-03-05"),))
    bad = dunforce.Rejected("A2", "amount: 'x' is not an amount", "amount", "x", "ledger", 3)
    result = WIDE.run([good, bad, "not a state"], "2026-03-20")
    assert (result.accounts, result.stepped, len(result.rejected)) == (3, 1, 2)
    assert result.method == "per_account"
    assert result.rejected["reason"].tolist()[1] == "not an AccountState: str"


def test_a_program_refusing_an_account_rejects_it_with_the_attribute():
    text = 'profile p: household_size > 2\nscenario s for p:\n    sms "x" at D+1\n'
    program = dunforce.compile(text, filename="p.dfs")
    state = AccountState("A1", {}, ledger=(Charge("10.00", "2026-03-05"),))
    result = same_run(program, Portfolio.from_states([state]), "2026-03-20")
    assert result.rejected[["account_id", "field", "source"]].values.tolist() == [
        ["A1", "household_size", "step"]
    ]


def test_rejected_rows_name_the_row_of_the_whole_table():
    paid = (Charge("10.00", "2026-03-05"), Payment("10.00", "2026-03-04"))
    accounts = [AccountState(f"A{i}", {"departement": "75"}, ledger=paid) for i in range(5)]
    portfolio = Portfolio.from_states(accounts)
    ledger = portfolio.ledger.copy()
    ledger.loc[6, "amount"] = "dix euros"
    result = same_run(WIDE, attrs.evolve(portfolio, ledger=ledger), "2026-03-20")
    assert result.rejected[["account_id", "source", "row"]].values.tolist() == [["A3", "ledger", 7]]
    assert result.quiet == 4


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_days_of_any_datetime_resolution_read_as_the_reader_reads_them(unit):
    from dunforce.batch import cells

    text = ["2026-03-05", "1969-12-31", "NaT", "2026-03-05T12:00", "2200-01-01", "1900-02-28"]
    column = pd.Series(np.array(text, dtype=f"datetime64[{unit}]"))
    days, ok = cells.ordinals(column, "date")
    assert ok.tolist() == [True, True, False, False, True, True]
    expected = [datetime.date.fromisoformat(t).toordinal() for t in text if len(t) == 10]
    assert days[ok].tolist() == expected
    amounts = pd.Series([12.5, -1.0, np.nan, 0.125, 1e14, 0.0])
    cents, ok = cells.cents(amounts, "amount")
    assert ok.tolist() == [True, False, False, False, False, True]
    assert cents[ok].tolist() == [1250, 0]


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["A1", "A2", "A3", "B9", "", None, np.nan, pd.NA, 7]), st.integers(1, 6)
        ),
        max_size=12,
    )
)
def test_account_codes_read_by_runs_are_those_of_one_lookup_per_row(rows):
    from dunforce.batch import cells

    column = pd.Series([value for value, times in rows for _ in range(times)], dtype=object)
    index = pd.Index(["A2", "A1", "A3"], dtype=object)
    expected = [index.get_loc(v) if isinstance(v, str) and v in index else -1 for v in column]
    assert cells.account_codes(column, index).tolist() == expected


def test_a_plan_whose_rows_disagree_names_rows_of_the_whole_table():
    instalments = (Instalment("2026-03-10", "50.00"), Instalment("2026-04-10", "50.00"))
    plan = Plan("2026-02-01", instalments)
    accounts = [AccountState(f"A{i}", {"departement": "75"}, plans=(plan,)) for i in range(3)]
    portfolio = Portfolio.from_states(accounts)
    plans = portfolio.plans.copy()
    plans["signed_on"] = plans["signed_on"].astype(object)
    plans.loc[5, "signed_on"] = "2026-02-02"  # the second row of the third account's plan
    result = same_run(WIDE, attrs.evolve(portfolio, plans=plans), "2026-03-20")
    assert result.rejected[["account_id", "source", "row"]].values.tolist() == [["A2", "plans", 6]]
    assert "on row 5 but 2026-02-02 here" in result.rejected["reason"][0]


def test_an_event_of_an_unknown_kind_names_its_row_of_the_whole_table():
    events = (Event("departure", "2026-09-01"), Event("departure", "2026-10-01"))
    accounts = [AccountState(f"A{i}", {"departement": "75"}, events=events) for i in range(3)]
    portfolio = Portfolio.from_states(accounts)
    table = portfolio.events.copy()
    table["kind"] = table["kind"].astype(object)
    table.loc[5, "kind"] = "rejected"
    result = same_run(WIDE, attrs.evolve(portfolio, events=table), "2026-03-20")
    assert result.rejected[["account_id", "source", "row"]].values.tolist() == [["A2", "events", 6]]
    assert result.quiet == 2  # the exact path read only the third account's rows


def test_an_unknown_account_in_the_ledger_is_rejected_and_counted():
    portfolio = Portfolio.from_states(
        [AccountState("A1", {"departement": "75"}, ledger=(Charge("10.00", "2026-03-05"),))]
    )
    extra = pd.DataFrame(
        {"account_id": ["GHOST"], "kind": ["charge"], "amount": ["5.00"], "date": ["2026-03-05"]}
    )
    ledger = pd.concat([portfolio.ledger, extra], ignore_index=True)
    result = same_run(WIDE, attrs.evolve(portfolio, ledger=ledger), "2026-03-20")
    assert (result.accounts, result.stepped) == (2, 1)
    assert result.rejected["account_id"].tolist() == ["GHOST"]


def test_a_departure_announced_ahead_wakes_the_account_before_it():
    state = AccountState(
        "A1",
        {"departement": "75"},
        ledger=(Charge("10.00", "2026-03-05"), Payment("10.00", "2026-03-05")),
        events=(Event("departure", "2026-04-30"),),
    )
    portfolio = Portfolio.from_states([state])
    quiet = same_run(WIDE, portfolio, "2026-03-20")
    assert quiet.quiet == 1
    woken = same_run(WIDE, portfolio, "2026-04-20")
    assert woken.quiet == 0 and woken.actions["key"].tolist() == [
        "on-departure/letter:solde:E-10@2026-04-30"
    ]


def test_money_stays_exact_in_cents():
    from dunforce.batch import cells

    amounts = pd.Series([0.1, 0.2, 487.32, 1e12, 0.1 + 0.2, -1.0])
    found, ok = cells.cents(amounts, "amount")
    assert found.dtype == np.int64
    assert found[ok].tolist() == [10, 20, 48732, 100000000000000]
    assert ok.tolist() == [True, True, True, True, False, False]
    assert Decimal(int(found[2])) / 100 == Decimal("487.32")


def test_the_run_result_reconciles_or_refuses_to_exist():
    from dunforce.batch import RunResult
    from dunforce.frames import actions_frame, rejected_frame

    with pytest.raises(AssertionError, match="3 accounts read"):
        RunResult(datetime.date(2026, 3, 1), actions_frame([]), rejected_frame([]), 3, 2)


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match="method"):
        SOCIAL_HOUSING.run([], "2026-03-01", method="fast")
    with pytest.raises(ValueError, match="Portfolio"):
        SOCIAL_HOUSING.run([], "2026-03-01", method="vectorised")


def test_a_file_name_with_a_nul_character_still_compiles():
    program = dunforce.compile(
        "profile a: in_case\nscenario s for a:\n    sms at D+1\n", filename="x\0y"
    )
    assert program.profiles == ("a",)


def _example_with_a_bad_cell_and_a_ghost() -> Portfolio:
    """The example tables with an amount that does not read and a ledger row of no tenant."""
    portfolio = Portfolio.read_csv(EXAMPLE / "data")
    ledger = portfolio.ledger.copy()
    ledger.loc[5, "amount"] = "cinq"
    extra = pd.DataFrame(
        {"account_id": ["GHOST"], "kind": ["charge"], "amount": ["5.00"], "date": ["2026-03-05"]}
    )
    return attrs.evolve(portfolio, ledger=pd.concat([ledger, extra], ignore_index=True))


def test_the_exact_path_read_in_slices_gives_the_same_run(monkeypatch):
    import sys

    batch_run = sys.modules["dunforce.batch.run"]  # the module: dunforce.batch.run is the function
    portfolio = _example_with_a_bad_cell_and_a_ghost()
    whole = SOCIAL_HOUSING.run(portfolio, "2026-11-12")
    monkeypatch.setattr(batch_run, "_SLICE", 7)
    sliced = same_run(SOCIAL_HOUSING, portfolio, "2026-11-12")
    pd.testing.assert_frame_equal(sliced.actions, whole.actions)
    assert sliced.rejected["account_id"].tolist() == ["LOC00001", "GHOST"]


def test_two_worker_processes_give_the_same_run_in_the_same_order(monkeypatch):
    import sys

    batch_run = sys.modules["dunforce.batch.run"]
    portfolio = _example_with_a_bad_cell_and_a_ghost()
    monkeypatch.setattr(batch_run, "_SLICE_FLOOR", 5)  # several slices for each worker
    slices = batch_run._slices(
        np.arange(100), read_columns(portfolio, SOCIAL_HOUSING.schema, ()), 2
    )
    assert len(slices) == 8
    alone = SOCIAL_HOUSING.run(portfolio, "2026-11-12")
    shared = SOCIAL_HOUSING.run(portfolio, "2026-11-12", workers=2)
    slow = SOCIAL_HOUSING.run(portfolio, "2026-11-12", method="per_account")
    for result in (alone, shared):
        pd.testing.assert_frame_equal(result.actions, slow.actions)
        pd.testing.assert_frame_equal(result.rejected, slow.rejected)
        assert (result.accounts, result.stepped) == (slow.accounts, slow.stepped)
    assert shared.rejected["account_id"].tolist() == ["LOC00001", "GHOST"]


def test_an_id_on_two_tenants_rows_is_rejected_once_per_row_however_the_accounts_are_sliced(
    monkeypatch,
):
    import sys

    batch_run = sys.modules["dunforce.batch.run"]
    portfolio = Portfolio.read_csv(EXAMPLE / "data")
    tenants = portfolio.tenants.copy()
    orphan = tenants.loc[250, "account_id"]  # its ledger rows now name no tenants row
    tenants.loc[250, "account_id"] = tenants.loc[3, "account_id"]  # far apart: other slices
    portfolio = attrs.evolve(portfolio, tenants=tenants)
    monkeypatch.setattr(batch_run, "_SLICE", 7)
    result = same_run(SOCIAL_HOUSING, portfolio, "2026-11-12")
    duplicated = tenants.loc[3, "account_id"]
    assert result.rejected["account_id"].tolist() == [duplicated, duplicated, orphan]
    assert result.rejected["source"].tolist() == ["tenants", "tenants", "ledger"]
    assert result.rejected["row"].tolist()[:2] == [4, 251]


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_a_worker_count_that_is_not_a_whole_number_of_processes_is_refused(workers):
    portfolio = Portfolio.read_csv(EXAMPLE / "data")
    with pytest.raises((TypeError, ValueError), match="workers"):
        SOCIAL_HOUSING.run(portfolio, "2026-11-12", workers=workers)


def test_runs_forking_workers_from_two_threads_each_get_their_own_work(monkeypatch):
    import sys
    import threading

    monkeypatch.setattr(sys.modules["dunforce.batch.run"], "_SLICE_FLOOR", 5)
    portfolio = Portfolio.read_csv(EXAMPLE / "data")
    days = ("2026-11-10", "2026-11-12")
    alone = {day: SOCIAL_HOUSING.run(portfolio, day) for day in days}
    shared = {}

    def run(day: str) -> None:
        shared[day] = SOCIAL_HOUSING.run(portfolio, day, workers=2)

    threads = [threading.Thread(target=run, args=(day,)) for day in days]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(alone["2026-11-10"].actions) != len(alone["2026-11-12"].actions)
    for day in days:
        pd.testing.assert_frame_equal(shared[day].actions, alone[day].actions)
