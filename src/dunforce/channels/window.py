"""Contact windows: the days and the local hours a channel may reach a tenant.

A window is written as in a scenario's ``policy`` block (``mon-fri 10:00-13:00, 14:00-20:00``),
and read by the language's own parser, so that Python and scenario files can never disagree on
what a window means.
"""

from __future__ import annotations

import datetime
import functools
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import attrs

from dunforce.words import WEEKDAYS, clock

if TYPE_CHECKING:
    from dunforce.dsl.ast import DayRange, TimeRange

__all__ = ["ContactWindow"]

_DAY = 24 * 60


def _weekdays(days: DayRange) -> frozenset[int]:
    first = WEEKDAYS.index(days.first)
    last = first if days.last is None else WEEKDAYS.index(days.last)
    if last < first:
        raise ValueError(f"{days} runs backwards: a range of days goes from Monday towards Sunday")
    return frozenset(range(first, last + 1))


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@attrs.frozen
class ContactWindow:
    """The weekdays (0 is Monday) and local hours ``(start, end)`` in minutes after midnight.

    No hours means any hour of an allowed day (a letter). Public holidays are excluded unless
    ``holidays`` is set.

    >>> window = ContactWindow.parse("mon-fri 10:00-13:00, 14:00-20:00")
    >>> window.days, window.hours
    (frozenset({0, 1, 2, 3, 4}), ((600, 780), (840, 1200)))
    >>> str(window)
    'mon-fri 10:00-13:00, 14:00-20:00'
    """

    days: frozenset[int] = attrs.field(converter=frozenset)
    hours: tuple[tuple[int, int], ...] = ()
    holidays: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.days or not self.days <= set(range(7)):
            raise ValueError("a contact window needs weekdays among 0 (Monday) to 6 (Sunday)")
        previous_end = -1
        for start, end in self.hours:
            if not 0 <= start < end <= _DAY:
                raise ValueError(f"hours {clock(start)}-{clock(end)} do not make a range")
            if start < previous_end:
                raise ValueError("the hours of a contact window are in order and do not overlap")
            previous_end = end

    @classmethod
    def parse(cls, text: str) -> ContactWindow:
        """A window written as in a policy block: ``mon-sat 08:00-20:00``."""
        from dunforce.dsl.parser import parse  # the language's parser; imported when needed
        from dunforce.errors import DslError

        try:
            module = parse(f"policy:\n    window sms: {text}\n", filename="<window>")
        except DslError as exc:
            raise ValueError(f"{text!r} is not a contact window: {exc.message}") from None
        (item,) = module.policies[0].items
        return cls.of(item.days, item.hours, holidays=item.holidays)

    @classmethod
    def of(
        cls, days: DayRange, hours: tuple[TimeRange, ...], *, holidays: bool = False
    ) -> ContactWindow:
        return cls(_weekdays(days), tuple((h.start, h.end) for h in hours), holidays)

    def allows(self, weekday: int) -> bool:
        return weekday in self.days

    def on(self, day: datetime.date, zone: str) -> tuple[tuple[datetime.datetime, ...], ...]:
        """The windows of one day as time-zone-aware ``(start, end)``; the whole day when the
        window gives no hours."""
        tz = _zone(zone)
        hours = self.hours or ((0, _DAY),)
        result = []
        for start, end in hours:
            begin = datetime.datetime.combine(day, _time(start), tz)
            finish = (
                datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tz)
                if end == _DAY
                else datetime.datetime.combine(day, _time(end), tz)
            )
            result.append((begin, finish))
        return tuple(result)

    def __str__(self) -> str:
        days = sorted(self.days)
        if days == list(range(days[0], days[-1] + 1)):
            text = (
                WEEKDAYS[days[0]] if len(days) == 1 else f"{WEEKDAYS[days[0]]}-{WEEKDAYS[days[-1]]}"
            )
        else:  # pragma: no cover - a policy block writes ranges; Python may build any set
            text = ",".join(WEEKDAYS[d] for d in days)
        if self.holidays:
            text += " and holidays"
        if self.hours:
            text += " " + ", ".join(f"{clock(s)}-{clock(e)}" for s, e in self.hours)
        return text


def _time(minutes: int) -> datetime.time:
    return datetime.time(minutes // 60, minutes % 60)
