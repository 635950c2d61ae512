"""Every property over drawn accounts and days, as one ready test.

``test_my_rules = scenario_properties(program)`` in a test module gives pytest a Hypothesis
test that draws accounts the program reads (with histories it made itself) and days around
their due dates, and checks each of :data:`PROPERTIES` on them; :func:`check_program` runs the
same checks at once, from a script or a notebook.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

import hypothesis
from hypothesis import HealthCheck, Phase, given

from dunforce.state import AccountState
from dunforce.testing.accounts import states_and_days
from dunforce.testing.ledgers import paid_up
from dunforce.testing.properties import (
    assert_deterministic,
    assert_idempotent,
    assert_no_contact_after_payment,
    assert_policy_respected,
)
from dunforce.testing.values import DEFAULT_DAY

__all__ = ["PROPERTIES", "check_case", "check_program", "scenario_properties"]

#: the properties :func:`scenario_properties` checks, by name
PROPERTIES: tuple[str, ...] = (
    "deterministic",
    "idempotent",
    "no_contact_after_payment",
    "policy_respected",
)
DEFAULT_EXAMPLES = 100


def _no_contact_after_payment(program, state: AccountState, day: datetime.date) -> None:
    # as drawn (it holds trivially unless nothing is overdue), then once the tenant has paid
    assert_no_contact_after_payment(program, state, day)
    assert_no_contact_after_payment(program, paid_up(state, day), day)


_CHECKS: dict[str, Callable[..., None]] = {
    "deterministic": assert_deterministic,
    "idempotent": assert_idempotent,
    "no_contact_after_payment": _no_contact_after_payment,
    "policy_respected": assert_policy_respected,
}


def _chosen(properties: Iterable[str]) -> tuple[str, ...]:
    if isinstance(properties, str):
        raise TypeError(f"properties: expected a collection of names, not the text {properties!r}")
    chosen = tuple(properties)
    unknown = [p for p in chosen if p not in PROPERTIES]
    if unknown or not chosen:
        raise ValueError(f"properties: expected some of {', '.join(PROPERTIES)}, not {chosen!r}")
    return chosen


def check_case(
    program, state: AccountState, day: datetime.date, properties: Iterable[str] = PROPERTIES
) -> None:
    """Check the named properties of ``program`` on one account and one day."""
    for name in _chosen(properties):
        _CHECKS[name](program, state, day)


def scenario_properties(
    program,
    *,
    properties: Iterable[str] = PROPERTIES,
    max_examples: int | None = None,
    with_history: bool = True,
    start: datetime.date | str = DEFAULT_DAY,
    months: int = 6,
    settings: hypothesis.settings | None = None,
):
    """A pytest test (a Hypothesis-decorated function) that checks ``properties`` of
    ``program`` on drawn accounts and days; assign it to a ``test_`` name in a test module::

        program = dunforce.load("rules.dfs")
        test_my_rules = scenario_properties(program)

    The accounts are drawn by :func:`~dunforce.testing.states_and_days` (``months`` of rent
    from ``start``; ``with_history`` made by the program itself over earlier days). The
    no-contact-after-payment property is checked on the account as drawn and on the same
    account once its tenant has paid everything due (:func:`~dunforce.testing.paid_up`).
    ``max_examples`` (100 unless ``settings`` says otherwise) bounds the accounts drawn;
    ``settings`` is the parent of the test's Hypothesis settings (the deadline, the slow-data
    health checks and the explain phase are turned off: a history takes a few steps to make,
    and the failure's message already says what went wrong).
    """
    for needed in ("step", "profile_of", "compiled", "channels", "schema"):
        if not hasattr(program, needed):
            raise TypeError(f"program: expected a dunforce.Program, not {type(program).__name__}")
    chosen = _chosen(properties)
    if max_examples is not None and (
        isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1
    ):
        raise TypeError(f"max_examples: expected a whole number >= 1, not {max_examples!r}")
    if settings is not None and not isinstance(settings, hypothesis.settings):
        raise TypeError(f"settings: expected hypothesis.settings, not {type(settings).__name__}")
    options: dict[str, object] = {
        "deadline": None,
        "suppress_health_check": [
            *(settings.suppress_health_check if settings is not None else ()),
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    }
    # the explain phase reruns the failing example line by line: slow, and the message says it
    parent_phases = settings.phases if settings is not None else hypothesis.settings().phases
    options["phases"] = tuple(p for p in parent_phases if p is not Phase.explain)
    if max_examples is not None or settings is None:
        options["max_examples"] = max_examples or DEFAULT_EXAMPLES
    strategy = states_and_days(program, start=start, months=months, with_history=with_history)

    @hypothesis.settings(settings, **options)
    @given(strategy)
    def test_scenario_properties(case: tuple[AccountState, datetime.date]) -> None:
        state, day = case
        check_case(program, state, day, chosen)

    return test_scenario_properties


def check_program(program, **options) -> None:
    """Run :func:`scenario_properties` at once (from a script or a notebook); raises the first
    :class:`AssertionError` Hypothesis finds, after shrinking it to a small example."""
    scenario_properties(program, **options)()
