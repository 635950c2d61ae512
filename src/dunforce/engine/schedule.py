"""Date arithmetic for offsets, on day ordinals (``date.toordinal()``), for the hot path.

Months add with end-of-month clamping (31 January + 1 month is 28 or 29 February). Business days
skip Saturdays and Sundays and, given the account's calendar (``business``, a function of a day
ordinal), its public holidays too. Nothing here reads the clock.
"""

from __future__ import annotations

import calendar
import datetime
import functools

_fromordinal = datetime.date.fromordinal


@functools.lru_cache(maxsize=65536)
def add_months(ordinal: int, months: int) -> int:
    day = _fromordinal(ordinal)
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last)).toordinal()


def add_business_days(ordinal: int, count: int, business=None) -> int:
    """``count`` business days after (or before) a day; 0 keeps the day. ``business`` says
    whether a day is one (Monday to Friday when not given)."""
    step = 1 if count >= 0 else -1
    if business is not None:
        day = ordinal
        for _ in range(abs(count)):
            day += step
            while not business(day):
                day += step
        return day
    remaining = abs(count)
    day = ordinal
    if remaining > 5 and (day - 1) % 7 < 5:  # whole weeks at once from a weekday
        weeks = (remaining - 1) // 5
        day += step * 7 * weeks
        remaining -= 5 * weeks
    while remaining:
        day += step
        if (day - 1) % 7 < 5:  # ordinal 1 (0001-01-01) is a Monday
            remaining -= 1
    return day


def shift(ordinal: int, amount: int, unit: str, business=None) -> int:
    """The day ``amount`` units after ``ordinal`` (before it when negative)."""
    if unit == "d":
        return ordinal + amount
    if unit == "w":
        return ordinal + 7 * amount
    if unit == "m":
        return add_months(ordinal, amount)
    return add_business_days(ordinal, amount, business)


def iso(ordinal: int) -> str:
    return _fromordinal(ordinal).isoformat()
