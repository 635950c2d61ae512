"""The few operations generated code calls instead of a Python operator.

Division is exact (a fraction) and says which values were divided when it cannot be done;
durations in months or business days add to dates with the calendar, not as a number of days.
"""

from __future__ import annotations

from fractions import Fraction

from dunforce.dsl.ast import Duration
from dunforce.engine.schedule import shift

_DAYS = {"d": 1, "w": 7}


def divide(left, right) -> Fraction:
    if right == 0:
        raise ZeroDivisionError("division by zero")
    return Fraction(left) / right


def date_shift(day: int, duration: Duration, sign: int) -> int:
    return shift(day, sign * duration.amount, duration.unit)


def duration_neg(duration: Duration) -> Duration:
    return Duration(-duration.amount, duration.unit)


def duration_mul(left, right) -> Duration:
    duration, factor = (left, right) if isinstance(left, Duration) else (right, left)
    return Duration(duration.amount * factor, duration.unit)


def _common(left: Duration, right: Duration) -> tuple[int, int]:
    if left.unit == right.unit:
        return left.amount, right.amount
    if left.unit in _DAYS and right.unit in _DAYS:
        return left.amount * _DAYS[left.unit], right.amount * _DAYS[right.unit]
    raise ValueError(
        f"durations in {left.unit!r} and {right.unit!r} cannot be compared or added "
        "(a month is not a fixed number of days)"
    )


def duration_add(left: Duration, right: Duration, subtract: bool) -> Duration:
    a, b = _common(left, right)
    unit = left.unit if left.unit == right.unit else "d"
    return Duration(a - b if subtract else a + b, unit)


def duration_compare(left: Duration, right: Duration, op: str) -> bool:
    a, b = _common(left, right)
    return {
        "==": a == b,
        "!=": a != b,
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
    }[op]


def _extreme(values: tuple[Duration, ...], op: str) -> Duration:
    best = values[0]
    for value in values[1:]:
        if duration_compare(value, best, op):
            best = value
    return best


def duration_min(*values: Duration) -> Duration:
    return _extreme(values, "<")


def duration_max(*values: Duration) -> Duration:
    return _extreme(values, ">")


def duration_abs(value: Duration) -> Duration:
    return Duration(abs(value.amount), value.unit)


HELPERS = {
    f"_{name}": function
    for name, function in {
        "divide": divide,
        "date_shift": date_shift,
        "duration_neg": duration_neg,
        "duration_mul": duration_mul,
        "duration_add": duration_add,
        "duration_compare": duration_compare,
        "duration_min": duration_min,
        "duration_max": duration_max,
        "duration_abs": duration_abs,
    }.items()
}
