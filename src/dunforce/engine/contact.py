"""The contact policy inside the step function: windows, holidays, caps, reachability, guards.

A step the scenario makes due on day ``s`` is *eligible* from the first day ``e >= s`` its
channel allows: a day of its window that is not a public holiday of the tenant's département,
outside the winter truce for an eviction, after the day a legal guard sets, and on which the
channel's caps, counted over the history, leave room. It is issued on the first run from ``e``
on, within the block's catch-up window counted from ``e``: a step moved by the policy is late,
not missed. On the day itself, the steps compete for what the caps leave, the one scheduled
first (then written first) going first; the others wait for a later day.

Everything is computed from the state and the day: no clock, no I/O. The history is the only
memory, so a step that lost to another today finds the cap full tomorrow and moves on.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections.abc import Mapping

import attrs

from dunforce.calendar import Calendar, time_zone
from dunforce.channels.registry import AUTOMATIC, ChannelRegistry
from dunforce.channels.window import ContactWindow
from dunforce.engine.schedule import add_months, iso
from dunforce.legal import in_winter_truce, truce_end

__all__ = ["Blocked", "CapRule", "Contact", "ContactPolicy", "Eligibility"]

#: how far the policy can move a step, beyond its caps: a long weekend with holidays
CALENDAR_SLACK_DAYS = 7
#: how far the winter truce can move an eviction (1 November to 1 April)
TRUCE_DAYS = 152
_MAX_MOVES = 1000  # a policy cannot move a step forever: every move goes forward


@attrs.frozen
class CapRule:
    """At most ``limit`` actions of ``target`` (a channel, ``automatic`` or ``contacts``) in any
    ``days`` consecutive days."""

    target: str
    limit: int
    days: int
    text: str

    def __str__(self) -> str:
        return self.text


@attrs.frozen
class ContactPolicy:
    """The policy of one profile, resolved: defaults, then the file's policy, then the profile's."""

    windows: Mapping[str, ContactWindow]
    caps: tuple[CapRule, ...]
    #: (condition, expression) pairs: every step waits while one holds
    pauses: tuple
    guards: frozenset[str]
    time_zone: str | None
    #: per channel, the caps that count it
    caps_by_channel: Mapping[str, tuple[CapRule, ...]] = attrs.field(factory=dict)
    #: whether a channel needs the tenant's contact data and consent (off: the caller decides)
    reach: bool = True


def cap_targets(channel: str, channels: ChannelRegistry) -> tuple[str, ...]:
    """The cap targets an action on ``channel`` counts for."""
    known = channels.get(channel)
    targets = [channel]
    if known is not None:
        if known.kind == AUTOMATIC:
            targets.append("automatic")
        if known.contact:
            targets.append("contacts")
    return tuple(targets)


@attrs.frozen
class Blocked:
    """No day can be given: no channel reaches the tenant, or a guard waits for a fact."""

    reason: str


@attrs.frozen
class Eligibility:
    day: int
    #: why the policy moved the step, in order (empty when it did not)
    moves: tuple[str, ...] = ()


class Contact:
    """The policy applied to one account on one day (built only when a step is due)."""

    def __init__(
        self,
        policy: ContactPolicy,
        channels: ChannelRegistry,
        calendar: Calendar,
        attributes: Mapping[str, object],
        history,
        today: int,
    ):
        self.policy = policy
        self.channels = channels
        self.calendar = calendar
        self.today = today
        self.attributes = attributes
        departement = attributes.get("departement")
        self.subdivision = calendar.subdivision(departement)
        self.zone = policy.time_zone or attributes.get("time_zone") or time_zone(departement)
        self._history = history
        self._days: dict[str, list[int]] | None = None
        self._reach: dict[str, str | None] = {}
        #: eligibility depends on the channel, the day and the history only: steps of several
        #: blocks at one offset ask the same question
        self._eligible: dict[tuple[str, int, bool], Eligibility] = {}
        self.admitted: dict[str, int] = {}

    # ----- who can be reached
    def unreachable(self, channel: str) -> str | None:
        """Why ``channel`` cannot reach the tenant (missing data, opt-out, no consent), or
        ``None`` when it can."""
        if channel in self._reach:
            return self._reach[channel]
        known = self.channels.get(channel)
        why = None
        if known is not None and self.policy.reach:
            attributes = self.attributes
            missing = [name for name in known.requires if attributes.get(name) in (None, "")]
            if missing:
                why = f"{channel}: {', '.join(missing)} not set"
            elif known.opt_out is not None and attributes.get(known.opt_out) is True:
                why = f"{channel}: the tenant opted out ({known.opt_out})"
            elif known.consent is not None and attributes.get(known.consent) is not True:
                why = f"{channel}: no consent ({known.consent} is not true)"
        self._reach[channel] = why
        return why

    # ----- when
    def _history_days(self) -> dict[str, list[int]]:
        """Per cap target, the sorted days actions were issued, up to today."""
        if self._days is None:
            days: dict[str, list[int]] = {}
            targets_of: dict[str, tuple[str, ...]] = {}
            today = self.today
            for issued in self._history:
                day = issued.emitted_on.toordinal()
                if day > today:
                    continue
                channel = issued.channel or _channel_of_key(issued.key)
                targets = targets_of.get(channel)
                if targets is None:
                    targets = targets_of[channel] = cap_targets(channel, self.channels)
                for target in targets:
                    days.setdefault(target, []).append(day)
            for values in days.values():
                values.sort()
            self._days = days
        return self._days

    def _count(self, cap: CapRule, day: int) -> tuple[int, int]:
        """How many actions of the cap's target the history holds in the cap's period ending
        on ``day``, and the index of the first of them in the target's sorted days."""
        times = self._history_days().get(cap.target)
        if not times:
            return 0, 0
        low = bisect_right(times, day - cap.days)
        return bisect_right(times, day) - low, low

    def eligible(self, channel: str, start: int, *, eviction: bool) -> Eligibility:
        """The first day from ``start`` the policy lets ``channel`` act, and why it moved."""
        known = self._eligible.get((channel, start, eviction))
        if known is None:
            known = self._eligible[channel, start, eviction] = self._eligible_from(
                channel, start, eviction
            )
        return known

    def _eligible_from(self, channel: str, start: int, eviction: bool) -> Eligibility:
        caps = self.policy.caps_by_channel.get(channel, ())
        day = start
        moves: list[str] = []
        for _ in range(_MAX_MOVES):
            closed = self.closed(channel, day, eviction=eviction)
            if closed is not None:
                moves.append(closed)
                if closed == _TRUCE:
                    day = truce_end(datetime.date.fromordinal(day)).toordinal()
                else:
                    day += 1
                continue
            for cap in caps:
                count, low = self._count(cap, day)
                if count >= cap.limit:
                    # room comes back when the oldest action that fills the cap leaves the window
                    day = self._history_days()[cap.target][low + count - cap.limit] + cap.days
                    moves.append(f"{cap} reached")
                    break
            else:
                return Eligibility(day, tuple(dict.fromkeys(moves)))  # each reason once
        raise AssertionError("the contact policy moved a step a thousand times")  # pragma: no cover

    def closed(self, channel: str, day: int, *, eviction: bool) -> str | None:
        """Why ``channel`` may not act on ``day`` itself (its window, a holiday, the truce), or
        ``None`` when it may: a step caught up late still waits for a day its channel allows."""
        return closed_on(
            self.policy, self.calendar, self.subdivision, channel, day, eviction=eviction
        )

    def admit(self, channel: str) -> str | None:
        """Take a place under today's caps for ``channel``; the cap that refuses, or ``None``."""
        for cap in self.policy.caps_by_channel.get(channel, ()):
            count, _ = self._count(cap, self.today)
            if count + self.admitted.get(cap.target, 0) >= cap.limit:
                return str(cap)
        for target in cap_targets(channel, self.channels):
            self.admitted[target] = self.admitted.get(target, 0) + 1
        return None

    def windows(self, channel: str, day: datetime.date):
        return self.policy.windows[channel].on(day, self.zone)

    # ----- legal guards
    def guard_day(
        self, guards: frozenset[str], values: Mapping[str, object]
    ) -> tuple[int, str] | Blocked:
        """The first day the legal guards of a step allow and why, or why they block it."""
        day, why = 0, ""
        active = guards & self.policy.guards
        if not active:
            return day, why
        if "prescription" in active:
            recoverable = values.get("recoverable_debt")
            prescribed = values.get("prescribed_debt")
            if recoverable is not None and recoverable <= 0 and prescribed:
                return Blocked("the whole debt is prescribed (3 years, loi 89-462 art. 7-1)")
        if "aid_arrears" in active:
            constituted = values.get("aid_arrears_date")
            if constituted is None:
                return Blocked(
                    "the unpaid rent is not an impayé yet under the CAF/MSA rule in force "
                    "(CCH R824-1)"
                )
            if constituted > day:
                day, why = constituted, f"waits for the impayé, constituted on {iso(constituted)}"
        if "order_delay" in active:
            expiry = values.get("order_expiry_date")
            if expiry is None:
                return Blocked("no commandement de payer has been served (last_order_date)")
            if expiry + 1 > day:
                day = expiry + 1
                why = f"waits for the commandement's delay to end on {iso(expiry)}"
        if "ccapex_delay" in active:
            referrals = [
                values.get(name)
                for name in ("ccapex_referral_date", "aid_report_date")
                if values.get(name) is not None
            ]
            if not referrals:
                return Blocked("no referral to the CCAPEX nor report to the CAF yet (art. 24 II)")
            after = add_months(min(referrals), 2)
            if after > day:
                day = after
                why = f"waits 2 months after the CCAPEX referral of {iso(min(referrals))}"
        return day, why


def closed_on(
    policy: ContactPolicy,
    calendar: Calendar,
    subdivision: str | None,
    channel: str,
    day: int,
    *,
    eviction: bool,
) -> str | None:
    """Why ``channel`` may not act on ``day`` under ``policy`` for a dwelling whose public
    holidays are the ``subdivision``'s, or ``None`` when it may."""
    window = policy.windows[channel]
    truce = eviction and "winter_truce" in policy.guards
    if truce and in_winter_truce(datetime.date.fromordinal(day)):
        return _TRUCE
    weekday = (day - 1) % 7  # ordinal 1, 1 January of year 1, is a Monday
    if weekday not in window.days:
        return f"{iso(day)} is a {_DAY_NAMES[weekday]}, outside {channel}'s window"
    if not window.holidays:
        holiday = calendar.holiday(day, subdivision)
        if holiday is not None:
            return f"{iso(day)} is a public holiday ({holiday})"
    return None


def first_open(
    policy: ContactPolicy,
    calendar: Calendar,
    subdivision: str | None,
    channel: str,
    start: int,
    *,
    eviction: bool,
) -> int:
    """The first day from ``start`` that ``channel``'s window, the public holidays and the
    truce let it act: the day the policy gives a step when no cap is full and no legal guard
    waits (each of them only moves it later)."""
    day = start
    for _ in range(_MAX_MOVES):
        closed = closed_on(policy, calendar, subdivision, channel, day, eviction=eviction)
        if closed is None:
            return day
        day = truce_end(datetime.date.fromordinal(day)).toordinal() if closed == _TRUCE else day + 1
    raise AssertionError("the contact policy moved a step a thousand times")  # pragma: no cover


_TRUCE = "winter truce (no eviction from 1 November to 31 March)"
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _channel_of_key(key: str) -> str:
    """``scenario/sms:relance:D+5@2026-03-02`` -> ``sms``, for history rows without a channel."""
    _, _, rest = key.partition("/")
    return rest.split(":", 1)[0]
