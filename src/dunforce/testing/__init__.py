"""The testing kit: property-test a scenario file in a few lines.

Hypothesis strategies draw account states, ledgers, dates and portfolios that respect a schema;
ready properties check what every program must do (be deterministic and idempotent, stop
contacting a tenant who has paid, respect the contact policy); :func:`scenario_properties` turns
them into one pytest test::

    import dunforce
    from dunforce.testing import scenario_properties

    program = dunforce.load("rules.dfs")
    test_my_rules = scenario_properties(program)

The kit needs Hypothesis, an optional dependency of dunforce: ``pip install 'dunforce[test]'``
(or the smaller ``dunforce[testing]``).
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401  (the whole kit is built on it)
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "dunforce.testing needs Hypothesis, which is not installed: install the test extra, "
        "pip install 'dunforce[test]' (or only what the kit needs: pip install "
        "'dunforce[testing]')"
    ) from exc

from dunforce.testing import printing
from dunforce.testing.accounts import account_states, portfolios, states_and_days
from dunforce.testing.ledgers import BEHAVIOURS, ledgers, paid_up, settled
from dunforce.testing.properties import (
    assert_deterministic,
    assert_idempotent,
    assert_no_contact_after_payment,
    assert_policy_respected,
    is_about_arrears,
)
from dunforce.testing.suite import PROPERTIES, check_case, check_program, scenario_properties
from dunforce.testing.values import attribute_values, dates

printing.register()  # falsifying accounts print without their schema

__all__ = [
    "BEHAVIOURS",
    "PROPERTIES",
    "account_states",
    "assert_deterministic",
    "assert_idempotent",
    "assert_no_contact_after_payment",
    "assert_policy_respected",
    "attribute_values",
    "check_case",
    "check_program",
    "dates",
    "is_about_arrears",
    "ledgers",
    "paid_up",
    "portfolios",
    "scenario_properties",
    "settled",
    "states_and_days",
]
