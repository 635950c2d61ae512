"""The bundled examples check without errors or warnings: they are what users copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from dunforce.dsl import check_file

ROOT = Path(__file__).parent.parent


def test_social_housing_has_about_forty_profiles_and_no_warning():
    checked = check_file(ROOT / "examples" / "social_housing" / "scenarios.dfs")
    assert checked.warnings == ()
    assert 35 <= len(checked.profiles) <= 50
    assert checked.profiles[-1] and checked.module.profiles[-1].is_otherwise
    channels = {
        s.action.channel
        for sc in checked.module.scenarios
        for s in sc.items
        if hasattr(s, "action")
    }
    assert {"sms", "email", "letter", "call", "plan", "caf", "bailiff"} <= channels
    assert {b.event for b in checked.module.event_blocks} >= {"rejection", "departure"}


@pytest.mark.parametrize("name", ["social_housing", "invoices"])
def test_examples_check_clean(name):
    checked = check_file(ROOT / "examples" / name / "scenarios.dfs")
    assert checked.warnings == (), "\n".join(map(str, checked.warnings))


# ---------------------------------------------------------------- the example portfolio, day by day


def _example_accounts():
    import dunforce
    from dunforce import AccountState
    from dunforce.tables import Portfolio

    example = ROOT / "examples" / "social_housing"
    program = dunforce.load(example / "scenarios.dfs", templates=example / "templates")
    portfolio = Portfolio.read_csv(example / "data")
    accounts = [a for a in portfolio.accounts(program.schema) if isinstance(a, AccountState)]
    return program, accounts


@pytest.mark.slow
def test_the_example_defers_steps_and_every_deferred_step_is_issued_or_explained():
    """Seven weeks of daily runs of the example portfolio: the policy defers steps (caps,
    Sundays, 11 November), blocks some (no contact data), and every step it deferred is issued
    later or still explained, never silently dropped; every message renders."""
    import datetime

    program, accounts = _example_accounts()
    states = {a.account_id: a for a in accounts}
    deferred: dict[tuple[str, str], datetime.date] = {}
    seen_statuses = set()
    day = datetime.date(2026, 11, 6)
    end = datetime.date(2026, 12, 24)
    while day <= end:
        for account_id, state in states.items():
            if day <= datetime.date(2026, 11, 16):
                for status in program.explain(state, day).statuses:
                    seen_statuses.add(status.status)
                    if status.status == "deferred":
                        deferred.setdefault((account_id, status.key), day)
            actions = program.step(state, day)
            for action in actions:
                assert action.emitted_on.weekday() != 6, action  # never on a Sunday
                assert action.emitted_on != datetime.date(2026, 11, 11), action  # Armistice
                if action.template is not None:
                    message = program.render(action, state)
                    assert message.body.strip(), action.key
            states[account_id] = state.record(actions)
        day += datetime.timedelta(days=1)
    assert {"deferred", "blocked", "fired"} <= seen_statuses
    assert deferred, "the example should show the policy deferring steps"
    for (account_id, key), when in deferred.items():
        state = states[account_id]
        if key in state.issued_keys:
            continue
        explanation = program.explain(state, end)
        final = {s.key: s for s in explanation.statuses}
        if key in final:
            assert final[key].status != "deferred", (account_id, key, when)
            continue
        # not listed: its case closed (post-due steps stop), or the account left the profile
        block = key.split("/")[0]
        post_due = ":D+" in key
        listed_blocks = {s.block for s in explanation.statuses}
        assert (post_due and explanation.case == "no open case") or block not in listed_blocks, (
            account_id,
            key,
            str(explanation),
        )
