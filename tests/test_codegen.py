"""Generated conditions: dates, durations, numbers and money, each against the interpreter."""

from __future__ import annotations

import datetime

import pytest

import dunforce
from dunforce import AccountState
from dunforce.engine.evaluate import Interpreter

DECLARED = "attribute grace: duration\nattribute start: date\n"


def profile(condition: str, attributes: dict, on: str = "2026-03-15") -> str | None:
    program = dunforce.compile(f"{DECLARED}profile yes: {condition}\nprofile no: otherwise\n")
    state = AccountState(account_id="A", attributes=attributes, schema=program.schema)
    chosen = program.profile_of(state, on)
    # the generated function and the reference interpreter agree
    days, _ = program._days(state, datetime.date.fromisoformat(on))
    values, _ = days.at(datetime.date.fromisoformat(on).toordinal())
    compiled = program.compiled.profiles[0]
    today = datetime.date.fromisoformat(on).toordinal()
    expected = Interpreter(program.checked, profile_context=True).value(
        compiled.expr, values, today, None
    )
    assert compiled.condition(values, today, None) == expected
    return chosen


BASE = {"grace": 30, "start": datetime.date(2026, 1, 31)}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("start + 1 m == 2026-02-28", "yes"),  # month arithmetic clamps to the month's end
        ("start + 2 m == 2026-03-31", "yes"),
        ("start - 1 m == 2025-12-31", "yes"),
        ("start + 2 w == 2026-02-14", "yes"),
        ("start + 3 bd == 2026-02-04", "yes"),  # Saturday 31 Jan + 3 business days: Wednesday
        ("1 m + start > 2026-02-27", "yes"),
        ("start + grace == 2026-03-02", "yes"),
        ("days_since(start) == 43", "yes"),
        ("days_until(start) == -43", "yes"),
        ("grace == 30 days", "yes"),
        ("grace > 4 w", "yes"),
        ("grace < 5 w", "yes"),
        ("grace + 2 days == 32 days", "yes"),
        ("grace - 1 w == 23 days", "yes"),
        ("grace * 2 == 60 days", "yes"),
        ("-grace < 0 days", "yes"),
        ("abs(-grace) == 30 days", "yes"),
        ("min(grace, 2 w) == 14 days", "yes"),
        ("max(grace, 2 w) == 30 days", "yes"),
        ("start - 2026-01-01 == 30", "yes"),
        ("1 / 3 + 1 / 3 + 1 / 3 == 1", "yes"),  # exact: fractions, never floats
        ("0.1 + 0.2 == 0.3", "yes"),
        ("100 € / 3 * 3 == 100 €", "yes"),
        ("min(1, 2.5) == 1", "yes"),
        ("max(10 €, 20 €) == 20 €", "yes"),
        ("grace > 31 days", "no"),
    ],
)
def test_conditions(condition, expected):
    assert profile(condition, BASE) == expected


def test_months_and_days_cannot_be_compared_and_the_error_says_where():
    with pytest.raises(dunforce.EvaluationError) as info:
        profile("grace < 1 m", BASE)
    assert "<string>:3" in str(info.value) and "a month is not a fixed number of days" in str(
        info.value
    )
