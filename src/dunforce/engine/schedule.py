"""Date arithmetic for offsets, on day ordinals (``date.toordinal()``), for the hot path.

Months add with end-of-month clamping (31 January + 1 month is 28 or 29 February). Business days
skip Saturdays and Sundays; public holidays come with the contact policy, which moves a step off a
holiday rather than changing what ``bd`` counts. Nothing here reads the clock.
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


def add_business_days(ordinal: int, count: int) -> int:
    """``count`` Monday-to-Friday days after (or before) a day; 0 keeps the day."""
    step = 1 if count >= 0 else -1
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


def shift(ordinal: int, amount: int, unit: str) -> int:
    """The day ``amount`` units after ``ordinal`` (before it when negative)."""
    if unit == "d":
        return ordinal + amount
    if unit == "w":
        return ordinal + 7 * amount
    if unit == "m":
        return add_months(ordinal, amount)
    return add_business_days(ordinal, amount)


def iso(ordinal: int) -> str:
    return _fromordinal(ordinal).isoformat()
