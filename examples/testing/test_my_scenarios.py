"""A landlord's property tests of its scenario file: run them with ``pytest examples/testing``.

Hypothesis draws tenants (attributes, a ledger of rent and payments, events, a history the
scenarios made themselves) and days to step them on, and checks each promise on each of them.
"""

from pathlib import Path

from hypothesis import given, settings

import dunforce
from dunforce.testing import scenario_properties, states_and_days

SCENARIOS = Path(__file__).parent.parent / "social_housing" / "scenarios.dfs"
program = dunforce.load(SCENARIOS)

# deterministic, idempotent, no contact about arrears once paid, the contact policy respected
test_the_scenarios_keep_their_promises = scenario_properties(program, max_examples=60)


# a rule of our own: every message to a tenant names its template, so that it can be rendered
@settings(max_examples=60, deadline=None)
@given(states_and_days(program))
def test_every_message_names_its_template(case):
    state, day = case
    for action in program.step(state, day):
        if action.channel in ("sms", "email", "letter"):
            assert action.template, f"{action.key} has no template"
