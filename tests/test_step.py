"""The step function: exact on the brief's example, and pure, idempotent, schedule-independent."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dunforce
from dunforce import AccountState, Charge, Event, Payment, Plan
from dunforce.engine.evaluate import Interpreter
from dunforce.ledger import analyse, derived_attributes
from strategies import states, step_dates

ROOT = Path(__file__).parent.parent
BRIEF = "profile standard: otherwise\nif apl and first_late then sms at D+2, call at D+10\n"
RICH = """\
profile chronic:  late_episodes_12m >= 2
profile standard: otherwise

scenario firm for chronic:
    sms "relance_ferme" at D+1
    call at D+5 if debt >= 100 €
    sms "relance" every 7 days from D+8 until D+40
    letter "mise_en_demeure" registered at D+30 if debt_months >= 1
    stop when debt < 10 €

scenario gentle for standard:
    email "rappel" at D-3 if payment_method == "transfer"
    sms "relance_1" at D+2
    call at D+10 if debt > 0 €
    sms "relance_2" every 10 days from D+15
    pause while plan_active

on rejection:
    sms "rejet" at E+1
    call at E+3bd
"""
DAY = datetime.timedelta(days=1)
#: contact data, so that the policy lets the scenarios' channels reach the tenant
REACHABLE = {"phone_mobile": "+33612345678", "email_address": "locataire@example.org"}
programs = {
    "brief": dunforce.compile(BRIEF),
    "rich": dunforce.compile(RICH),
    "social_housing": dunforce.load(ROOT / "examples" / "social_housing" / "scenarios.dfs"),
}
PROGRAMS = st.sampled_from(sorted(programs)).map(programs.__getitem__)
#: the same scenarios without the contact policy, for the properties of the scenarios alone
without_policy = {
    "brief": dunforce.compile(BRIEF, contact_policy=False),
    "rich": dunforce.compile(RICH, contact_policy=False),
    "social_housing": dunforce.load(
        ROOT / "examples" / "social_housing" / "scenarios.dfs", contact_policy=False
    ),
}
SCENARIOS_ALONE = st.sampled_from(sorted(without_policy)).map(without_policy.__getitem__)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(program, state, days):
    """Step every day of ``days`` in turn, recording what was issued."""
    issued = []
    for day in days:
        actions = program.step(state, day)
        state = state.record(actions)
        issued.extend(actions)
    return issued, state


# ------------------------------------------------------------------ the brief's example


def tenant(apl: bool, *extra) -> AccountState:
    charge = Charge(amount="450.00", due=datetime.date(2026, 3, 2))  # a Monday
    return AccountState(
        account_id="T1",
        attributes={"apl": apl, **REACHABLE},
        ledger=(charge, *extra),
    )


MARCH = [datetime.date(2026, 3, 1) + n * DAY for n in range(31)]


def test_the_brief_example_sends_an_sms_on_4_march_and_a_call_task_on_12_march():
    issued, _ = run(programs["brief"], tenant(True), MARCH)
    assert [(a.emitted_on, a.channel, a.kind) for a in issued] == [
        (datetime.date(2026, 3, 4), "sms", "automatic"),
        (datetime.date(2026, 3, 12), "call", "task"),
    ]
    assert issued[0].key == f"{issued[0].scenario}/sms::D+2@2026-03-02"


def test_nothing_after_the_debt_is_paid():
    paid = Payment(amount="450.00", on=datetime.date(2026, 3, 8))
    issued, _ = run(programs["brief"], tenant(True, paid), MARCH)
    assert [a.channel for a in issued] == ["sms"]


def test_nothing_for_a_tenant_without_apl():
    assert run(programs["brief"], tenant(False), MARCH)[0] == []


# ------------------------------------------------------------------ properties


@SETTINGS
@given(PROGRAMS, states(), step_dates)
def test_step_is_pure_and_deterministic(program, state, day):
    snapshot = repr((state, state.attributes, state.ledger, state.plans, state.events))
    first = program.step(state, day)
    assert program.step(state, day) == first  # same inputs, same output, same order
    assert repr((state, state.attributes, state.ledger, state.plans, state.events)) == snapshot
    order = [(a.scheduled_for, a.line) for a in first]
    assert order == sorted(order)


@SETTINGS
@given(PROGRAMS, states(), step_dates)
def test_step_is_idempotent(program, state, day):
    actions = program.step(state, day)
    assert program.step(state.record(actions), day) == ()


@SETTINGS
@given(states(), step_dates)
def test_no_post_due_action_without_an_open_case(state, day):
    post_due_only = dunforce.compile(
        RICH.split("on rejection:")[0].replace(
            '    email "rappel" at D-3 if payment_method == "transfer"\n', ""
        )
    )
    if not derived_attributes(state, day)["in_case"]:
        assert post_due_only.step(state, day) == ()


@SETTINGS
@given(SCENARIOS_ALONE, states(), st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 6, 30)))
def test_running_every_other_day_issues_what_running_every_day_issues(program, state, start):
    # the contact policy's caps count what was issued, so they legitimately differ between
    # schedules; the scenarios alone must not
    month = [start + n * DAY for n in range(31)]
    daily, _ = run(program, state, month)
    alternate, _ = run(program, state, month[::2])
    daily_keys = {a.key for a in daily}
    alternate_keys = {a.key for a in alternate}
    assert alternate_keys <= daily_keys
    for action in daily:
        if action.key in alternate_keys:
            continue
        # the only differences: the next run came on the anchor of a step due before it (a
        # reminder is never sent on or after the due date), or after the case had closed, or
        # when a stop or a pause of its block held (a step caught up is checked on its day out)
        next_run = action.scheduled_for + DAY
        held = {s.key: s.status for s in program.explain(state, next_run).statuses if s.key}.get(
            action.key
        )
        if held in ("paused", "stopped"):
            continue
        before_anchor = re.search(r":[DE]-\d+\w*(/\w+)?@(\d{4}-\d\d-\d\d)", action.key)
        if before_anchor:
            # ... or the charge it reminds of was paid before the next run
            due = datetime.date.fromisoformat(before_anchor.group(2))
            owed = dict(analyse(state, next_run).charges).get(due.toordinal(), 0)
            assert next_run >= due or owed == 0, action.key
        else:
            assert not derived_attributes(state, next_run)["in_case"], action.key
    # each action keeps the day it was scheduled for, whenever it is issued
    by_key = {a.key: a.scheduled_for for a in daily}
    assert all(by_key[a.key] == a.scheduled_for for a in alternate)


@SETTINGS
@given(states(), step_dates)
def test_inserting_a_step_does_not_change_the_other_keys(state, day):
    inserted = RICH.replace(
        "scenario gentle for standard:\n",
        'scenario gentle for standard:\n    letter "nouveau" at D+4\n',
    )
    before = {a.key for a in programs["rich"].step(state, day)}
    after = {a.key for a in dunforce.compile(inserted).step(state, day)}
    assert after - {k for k in after if "letter:nouveau" in k} == before


@SETTINGS
@given(states(), step_dates)
def test_compiled_conditions_agree_with_the_interpreter(state, day):
    program = programs["social_housing"]
    days, _ = program._days(state, day)
    values, _ = days.at(day.toordinal())
    interpreter = Interpreter(program.checked, profile_context=True)
    for profile in program.compiled.profiles:
        if profile.expr is None:
            continue
        compiled = profile.condition(values, day.toordinal(), None)
        assert compiled == interpreter.value(profile.expr, values, day.toordinal(), None)


# ------------------------------------------------------------------ semantics, case by case


def rich_tenant(*entries, events=(), plans=(), method="transfer"):
    return AccountState(
        account_id="R1",
        attributes={"payment_method": method, **REACHABLE},
        ledger=entries,
        events=events,
        plans=plans,
    )


RENT = Charge(amount="500.00", due=datetime.date(2026, 4, 10), id="april")


def test_a_pre_due_step_fires_before_the_due_date_and_never_on_or_after_it():
    program = programs["rich"]
    reminder = [a for a in program.step(rich_tenant(RENT), "2026-04-07") if a.channel == "email"]
    assert [a.scheduled_for for a in reminder] == [datetime.date(2026, 4, 7)]
    assert [a for a in program.step(rich_tenant(RENT), "2026-04-10") if a.channel == "email"] == []
    # caught up the day before the due date, not on it
    late = [a for a in program.step(rich_tenant(RENT), "2026-04-09") if a.channel == "email"]
    assert [a.emitted_on for a in late] == [datetime.date(2026, 4, 9)]


def test_a_pre_due_step_waits_for_a_charge_that_credit_does_not_cover():
    credit = Payment(amount="500.00", on=datetime.date(2026, 4, 1))
    actions = programs["rich"].step(rich_tenant(RENT, credit), "2026-04-07")
    assert [a for a in actions if a.channel == "email"] == []


def test_catch_up_within_the_window_and_missed_beyond_it():
    program = programs["rich"]
    state = rich_tenant(RENT, method="debit")
    # D+2 is Sunday 12 April: the policy moves the SMS to Monday 13, and the catch-up window
    # of 3 days counts from there; run on 15 April, it is caught up, scheduled for the 12th
    caught = [a for a in program.step(state, "2026-04-15") if a.template == "relance_1"]
    assert [(a.scheduled_for, a.emitted_on) for a in caught] == [
        (datetime.date(2026, 4, 12), datetime.date(2026, 4, 15))
    ]
    assert "2026-04-12 is a Sunday" in caught[0].policy_note
    assert [a.template for a in program.step(state, "2026-04-16")].count("relance_1") == 1
    assert [a for a in program.step(state, "2026-04-17") if a.template == "relance_1"] == []
    explained = program.explain(state, "2026-04-17")
    missed = [s for s in explained.statuses if s.status == "missed"]
    assert any("relance_1" in s.step and "moved to 2026-04-13" in s.detail for s in missed)
    assert "missed" in str(explained) and "relance_1" in str(explained)


def test_a_repeat_fires_every_interval_with_its_own_key():
    program = programs["rich"]
    issued, _ = run(
        program,
        rich_tenant(RENT, method="debit"),
        [datetime.date(2026, 4, 10) + n * DAY for n in range(50)],
    )
    repeats = [a for a in issued if a.template == "relance_2"]
    assert [a.scheduled_for.isoformat() for a in repeats] == [
        "2026-04-25",
        "2026-05-05",
        "2026-05-15",
        "2026-05-25",
    ]
    assert len({a.key for a in repeats}) == 4 and repeats[1].key.endswith("#1")


def test_pause_while_a_plan_is_active_and_explain_says_so():
    plan = Plan(signed_on="2026-04-11", instalments=[("2026-05-10", "100.00")])
    state = rich_tenant(RENT, plans=(plan,), method="debit")
    assert [a for a in programs["rich"].step(state, "2026-04-12") if a.channel == "sms"] == []
    statuses = programs["rich"].explain(state, "2026-04-12").statuses
    assert any(s.status == "paused" for s in statuses)


def test_event_steps_are_timed_from_the_event_in_business_days():
    rejected = Event("rejection", on="2026-04-17")  # a Friday
    issued, _ = run(
        programs["rich"],
        rich_tenant(events=(rejected,)),
        [datetime.date(2026, 4, 17) + n * DAY for n in range(7)],
    )
    assert [(a.channel, a.scheduled_for.isoformat()) for a in issued] == [
        ("sms", "2026-04-18"),
        ("call", "2026-04-22"),  # three business days after Friday: Wednesday
    ]


def test_actions_of_a_day_come_in_scheduled_then_file_order():
    issued = programs["rich"].step(rich_tenant(RENT, method="debit"), "2026-04-20")
    days = [(a.scheduled_for, a.line) for a in issued]
    assert days == sorted(days)


def test_a_run_time_failure_points_at_the_scenario_line():
    program = dunforce.compile(
        "profile heavy: debt / credit > 2\nprofile other: otherwise\n"
        "scenario s for heavy, other:\n    sms at D+1\n",
        filename="r.dfs",
    )
    # in a case, credit is 0
    state = AccountState(account_id="Z", ledger=(Charge(amount="100", due="2026-01-01"),))
    for call in (program.step, program.profile_of, program.explain):
        with pytest.raises(dunforce.EvaluationError) as info:
            call(state, "2026-01-02")
        assert str(info.value).startswith("r.dfs:1: account Z: division by zero")


def test_a_missing_required_attribute_is_a_state_error_naming_it():
    program = dunforce.compile('profile m: payment_method == "debit"\nprofile o: otherwise\n')
    with pytest.raises(dunforce.StateError) as info:
        program.step(AccountState(account_id="Z"), "2026-01-01")
    assert info.value.field == "attributes.payment_method" and info.value.account_id == "Z"


def test_dates_may_be_given_as_iso_text_and_bad_ones_are_refused():
    program = programs["brief"]
    assert program.step(tenant(True), "2026-03-04") == program.step(
        tenant(True), datetime.date(2026, 3, 4)
    )
    with pytest.raises(TypeError):
        program.step(tenant(True), "04/03/2026")


@SETTINGS
@given(PROGRAMS, states(), step_dates)
def test_explain_fires_exactly_what_step_returns(program, state, day):
    explanation = program.explain(state, day)
    fired = [s.key for s in explanation.statuses if s.status == "fired"]
    assert sorted(fired) == sorted(a.key for a in program.step(state, day))
    assert explanation.actions == program.step(state, day)
    frame = explanation.to_frame()
    assert len(frame) == len(explanation.statuses)


# ------------------------------------------------------------------ found in review


def step_daily(program, state, start, days):
    return run(program, state, [datetime.date.fromisoformat(start) + n * DAY for n in range(days)])


def test_one_step_never_returns_two_actions_with_one_key():
    twice = (Event("rejection", "2026-04-17"), Event("rejection", "2026-04-17"))
    on_twice = dunforce.compile('profile s: otherwise\non rejection:\n    sms "rejet" at E+1\n')
    state = AccountState(account_id="A", attributes=REACHABLE, events=twice)
    assert len(on_twice.step(state, "2026-04-18")) == 1
    two_rules = dunforce.compile(
        "profile s: otherwise\nif in_case then sms at D+2\nif in_case then sms at D+2\n"
    )
    late = AccountState(
        account_id="A", attributes=REACHABLE, ledger=(Charge(amount=10, due="2026-04-01"),)
    )
    # one automatic message a day: the second rule's SMS goes out the next day
    issued, _ = run(two_rules, late, [datetime.date(2026, 4, 3), datetime.date(2026, 4, 4)])
    keys = [a.key for a in issued]
    assert len(keys) == len(set(keys)) == 2
    assert [a.emitted_on.day for a in issued] == [3, 4]


def test_identical_steps_in_a_block_are_refused():
    with pytest.raises(dunforce.DslError) as info:
        dunforce.compile(
            "profile s: otherwise\nscenario g for s:\n    sms at D+2\n    sms at D+2\n"
        )
    assert info.value.code == "duplicate-name"


def test_a_reminder_whose_window_ran_out_is_reported_missed():
    program = dunforce.compile('profile s: otherwise\nscenario g for s:\n    email "r" at D-2\n')
    state = AccountState(
        account_id="A", attributes=REACHABLE, ledger=(Charge(amount="100", due="2026-04-10"),)
    )
    statuses = program.explain(state, "2026-04-10").statuses
    assert [(s.status, s.scheduled_for.isoformat()) for s in statuses] == [("missed", "2026-04-08")]


def test_a_stop_stays_stopped_for_the_case():
    program = dunforce.compile(
        'profile s: otherwise\nscenario g for s:\n    sms "a" at D+2\n    sms "b" at D+10\n'
        '    sms "c" at D+40\n    stop when debt < 50 €\n'
    )
    state = AccountState(
        account_id="A",
        attributes=REACHABLE,
        ledger=(
            Charge(amount="300", due="2026-01-01"),
            Payment(amount="260", on="2026-01-05"),  # 40 € left: the stop holds from then
            Charge(amount="300", due="2026-02-01"),  # the debt grows again later
        ),
    )
    issued, _ = step_daily(program, state, "2026-01-01", 60)
    assert [a.template for a in issued] == ["a"]


def test_monthly_repeats_do_not_drift_after_the_end_of_a_month():
    program = dunforce.compile(
        "profile s: otherwise\nscenario g for s:\n    sms every 1 m from D+1m until D+3m\n"
    )
    state = AccountState(
        account_id="A", attributes=REACHABLE, ledger=(Charge(amount="100", due="2026-01-31"),)
    )
    issued, _ = step_daily(program, state, "2026-01-31", 100)
    assert [a.scheduled_for.isoformat() for a in issued] == [
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
    ]


def test_a_caught_up_step_is_explained_with_the_values_of_its_day():
    program = dunforce.compile(
        "profile s: otherwise\nscenario g for s:\n    sms at D+2 if debt >= 200 €\n"
    )
    state = AccountState(
        account_id="A",
        attributes=REACHABLE,
        ledger=(Charge(amount="100", due="2026-04-10"), Charge(amount="150", due="2026-04-12")),
    )
    (status,) = program.explain(state, "2026-04-14").statuses
    assert status.status == "skipped" and "debt = 100.00 €" in status.detail


def test_a_rule_condition_and_a_pause_are_named_in_the_explanation():
    rule = dunforce.compile("profile s: otherwise\nif apl then sms at D+2\n")
    state = AccountState(
        account_id="A",
        attributes={"apl": False, **REACHABLE},
        ledger=(Charge(amount=9, due="2026-04-10"),),
    )
    (status,) = rule.explain(state, "2026-04-12").statuses
    assert "apl is false (apl = false)" in status.detail


def test_none_for_an_attribute_with_a_default_means_not_given():
    state = AccountState(account_id="A", attributes={"apl": None, "income": None})
    assert "apl" not in state.attributes and state.attributes["income"] is None
    program = dunforce.compile("profile a: apl\nprofile o: otherwise\n")
    assert program.profile_of(state, "2026-01-01") == "o"  # apl's default, false


def test_an_unknown_event_kind_is_refused_with_a_suggestion():
    with pytest.raises(dunforce.StateError) as info:
        AccountState(account_id="A", events=(Event("rejecton", "2026-01-01"),))
    assert "did you mean 'rejection'?" in str(info.value)


def test_a_duration_error_points_at_the_scenario_line():
    program = dunforce.compile(
        "attribute grace: duration\nprofile x: grace < 1 m\nprofile o: otherwise\n"
        "scenario g for x, o:\n    sms at D+1\n",
        filename="g.dfs",
    )
    state = AccountState(
        account_id="A",
        attributes={"grace": 30, **REACHABLE},
        ledger=(Charge(amount=1, due="2026-01-01"),),
        schema=program.schema,
    )
    with pytest.raises(dunforce.EvaluationError) as info:
        program.step(state, "2026-01-02")
    assert str(info.value).startswith("g.dfs:2: account A:")


def test_reasons_say_why_the_profile_matched_and_which_condition_held():
    program = dunforce.compile(
        "profile low: income is set and income < 1200 €\nprofile o: otherwise\n"
        "scenario g for low, o:\n    call at D+10 if debt >= 50 €\n"
    )
    state = AccountState(
        account_id="A",
        attributes={"income": 900, **REACHABLE},
        ledger=(Charge(amount=400, due="2026-03-02"),),
    )
    (action,) = program.step(state, "2026-03-12")
    assert action.reason == (
        "profile low (income is set and income < 1200 €); scenario g, line 4: "
        "call at D+10 if debt >= 50 € (D = 2026-03-02)"
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    state=states(),
    program=PROGRAMS,
    back=st.lists(st.integers(1, 120), min_size=1, max_size=8),
)
def test_the_past_days_a_step_reads_are_each_the_analysis_of_that_day(state, program, back):
    """The step walks the ledger once for past days asked in date order, afresh when a day
    comes before the last one or a rejection lies between them: either way, each day's values
    are those ``analyse`` gives for it alone."""
    on = datetime.date(2026, 6, 30)
    days, _ = program._days(state, on)
    names = program.compiled.derived_names
    for ordinal in (on.toordinal() - b for b in back):
        values, _ = days.at(ordinal)
        day = datetime.date.fromordinal(ordinal)
        expected = analyse(state, day, threshold=program._threshold, names=names).values
        assert {k: values[k] for k in expected} == expected, day


# ------------------------------------------------------------------ stops on earlier days

#: stops that read only the tenant's attributes, beside one that reads the ledger
STOPS_TEXT = """\
profile late: in_case
scenario s for late:
    sms "a" at D+2
    letter "b" at D+6
    call at D+12
    sms "c" every 7 days from D+15 until D+60
    stop when dispute or payment_method == "cash"

scenario t for late:
    sms "d" at D+3
    call at D+20 if debt >= 100 €
    letter "e" at D+40
    stop when debt < 400 €
"""
programs["stops"] = dunforce.compile(STOPS_TEXT, filename="stops.dfs")


def checking_every_stop_on_earlier_days(program):
    """The same program, with every stop checked on the days of the earlier steps as well."""
    compiled = program.compiled
    evolved = {id(b): attrs.evolve(b, changing_stops=b.stops) for b in compiled.blocks}
    by_profile = {
        profile: tuple(evolved[id(b)] for b in blocks)
        for profile, blocks in compiled.blocks_by_profile.items()
    }
    compiled = attrs.evolve(compiled, blocks=tuple(evolved.values()), blocks_by_profile=by_profile)
    return attrs.evolve(program, compiled=compiled)


@pytest.mark.parametrize(
    ("stop", "changes"),
    [
        ("dispute", False),
        ('dispute or payment_method == "cash"', False),
        ("household_size >= 5 and not apl", False),
        ("debt < 40 €", True),  # a ledger value
        ("plan_active", True),  # a plan value
        ("dispute or debt_months >= 3", True),
        ("days_since(lease_start) > 400", True),  # the day itself
        ("late", True),  # the account's profile
    ],
)
def test_only_stops_that_read_the_ledger_the_profile_or_the_day_change_from_day_to_day(
    stop, changes
):
    program = dunforce.compile(
        f"profile late: in_case\nscenario s for late:\n    sms at D+2\n    stop when {stop}\n"
    )
    (block,) = program.compiled.blocks
    assert len(block.stops) == 1
    assert (len(block.changing_stops) == 1) is changes


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    state=states(),
    name=st.sampled_from(["stops", "rich", "social_housing"]),
    day=step_dates,
)
def test_a_stop_of_attributes_alone_needs_no_look_at_the_earlier_days(state, name, day):
    """A stop that reads only attributes, false on a step's day, was false on the days of the
    steps before it: skipping them changes neither the actions of a daily job (every other
    day for two months) nor the explanation."""
    program = programs[name]
    reference = checking_every_stop_on_earlier_days(program)
    days = [day + n * DAY for n in range(0, 60, 2)]
    issued, last = run(program, state, days)
    assert issued == run(reference, state, days)[0]
    mine, theirs = program.explain(last, days[-1]), reference.explain(last, days[-1])
    assert mine.statuses == theirs.statuses
