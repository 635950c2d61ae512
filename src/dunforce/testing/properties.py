"""Ready properties of a program on one account and one day, each a plain function.

Each one steps the program and raises :class:`AssertionError` with a message that names the
account, the day and the offending actions when the program breaks its promise; otherwise it
returns ``None``. They take any object with a ``Program``'s interface, so a wrapper around a
program is tested the same way. The checks compute what they check from the state, the history
and the actions themselves (counting caps, reading the calendar, matching keys to steps) rather
than trust the step function's own bookkeeping, so that a bug there shows.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

import attrs

from dunforce.attributes import AttributeSpec
from dunforce.calendar import time_zone
from dunforce.state import AccountState, Action
from dunforce.testing.ledgers import settled
from dunforce.values import to_date
from dunforce.words import clock

__all__ = [
    "assert_deterministic",
    "assert_idempotent",
    "assert_no_contact_after_payment",
    "assert_policy_respected",
    "is_about_arrears",
]

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: the offset of a step in its key: ``scenario/sms:relance:D+2@2026-03-02`` gives ``D+2``
_OFFSET = re.compile(r":(?P<anchor>[DE])(?P<sign>[+-])(?P<amount>\d+)[a-z]*(?:/[^:@]*)?(?:~\d+)?@")


def _day(value: object) -> datetime.date:
    return to_date(value, "day")


def _when(state: AccountState, day: datetime.date) -> str:
    return f"account {state.account_id} on {day} ({_WEEKDAYS[day.weekday()]})"


def _describe(action: Action) -> str:
    template = f" {action.template!r}" if action.template else ""
    options = f" {' '.join(action.options)}" if action.options else ""
    return (
        f"{action.key} [{action.channel}{template}{options}, {action.kind}, "
        f"scheduled for {action.scheduled_for}, profile {action.profile}]"
    )


def _listing(lines: Iterable[str]) -> str:
    return "".join(f"\n  - {line}" for line in lines)


def _snapshot(state: AccountState) -> str:
    """Everything a step could change in a state, in a form that outlives the state."""
    return repr(
        (
            state.account_id,
            sorted(state.attributes.items(), key=lambda item: item[0]),
            state.ledger,
            state.plans,
            state.events,
            state.history,
            sorted(state.issued_keys),
            id(state.schema),
        )
    )


# ------------------------------------------------------------------ determinism


def assert_deterministic(program, state: AccountState, day: datetime.date | str) -> None:
    """Stepping is pure: two calls, and a call on an equal copy of the state, give equal
    actions in the same order, and the state is the same after the calls as before."""
    on = _day(day)
    before = _snapshot(state)
    first = program.step(state, on)
    after = _snapshot(state)
    if after != before:
        raise AssertionError(
            f"{_when(state, on)}: step mutated the state it was given\n"
            f"  before: {before}\n  after:  {after}"
        )
    second = program.step(state, on)
    copy = attrs.evolve(state)
    third = program.step(copy, on)
    for label, other in (("a second call", second), ("a call on an equal copy", third)):
        if tuple(first) != tuple(other):
            raise AssertionError(
                f"{_when(state, on)}: step is not deterministic: {label} gave other actions"
                f"{_differences(first, other)}"
            )
    if _snapshot(state) != before:
        raise AssertionError(f"{_when(state, on)}: step mutated the state on a later call")


def _differences(first: tuple[Action, ...], other: tuple[Action, ...]) -> str:
    only_first = [a for a in first if a not in other]
    only_other = [a for a in other if a not in first]
    if not only_first and not only_other:
        return (
            "\n  the same actions in another order:"
            f"\n  first:  {[a.key for a in first]}\n  then:   {[a.key for a in other]}"
        )
    lines = [f"first call only: {a!r}" for a in only_first]
    lines += [f"later call only: {a!r}" for a in only_other]
    return _listing(lines)


# ------------------------------------------------------------------ idempotence


def assert_idempotent(program, state: AccountState, day: datetime.date | str) -> None:
    """Stepping, recording the actions in the history and stepping again the same day gives
    nothing new; no action repeats a key of the history, nor another action's key."""
    on = _day(day)
    actions = program.step(state, on)
    keys = [a.key for a in actions]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise AssertionError(
            f"{_when(state, on)}: the same key twice in one step{_listing(repeated)}"
        )
    issued = [a for a in actions if a.key in state.issued_keys]
    if issued:
        raise AssertionError(
            f"{_when(state, on)}: actions already in the history were issued again"
            f"{_listing(map(_describe, issued))}"
        )
    again = program.step(state.record(actions), on)
    if again:
        raise AssertionError(
            f"{_when(state, on)}: after recording the {len(actions)} actions issued, "
            f"stepping the same day again issued {len(again)} more"
            f"{_listing(map(_describe, again))}"
        )


# ------------------------------------------------------------------ no contact after payment


def _step_of(program, key: str):
    """The compiled step a key belongs to, or ``None`` when the program has no such step."""
    prefix = key.rpartition("@")[0] + "@"
    for block in program.compiled.blocks:
        for step in block.steps:
            if step.key_prefix == prefix:
                return step
    return None


def is_about_arrears(program, action: Action, *, event_steps: bool = False) -> bool:
    """Whether ``action`` chases a debt: it comes from a post-due step (``D+n``, ``n >= 0``,
    one-off or repeated) of a scenario or a one-line rule, whatever its channel (message,
    call, letter, visit, task, legal step), since such a step belongs to an open case.

    Not about arrears: a pre-due reminder (``D-n``, anchored on a charge still to fall due) and
    a step anchored on an event (``E±n``: it answers the event, and says itself with an ``if``
    whether it needs a debt); ``event_steps=True`` counts the event steps in. An action whose
    key names no step of the program is read from its key (``…:D+2@…``), and counted in when
    even that fails.
    """
    step = _step_of(program, action.key)
    if step is not None:
        anchor, before = step.anchor, step.amount < 0
    else:
        found = _OFFSET.search(action.key)
        if found is None:
            return True
        anchor = found["anchor"]
        before = found["sign"] == "-" and int(found["amount"]) > 0
    if anchor == "E":
        return event_steps
    return not before


def assert_no_contact_after_payment(
    program, state: AccountState, day: datetime.date | str, *, event_steps: bool = False
) -> None:
    """An account with nothing overdue on ``day`` (:func:`~dunforce.testing.settled`: every
    charge due before ``day`` is paid) gets no action about arrears (:func:`is_about_arrears`:
    the ``D+n`` steps of a case, every channel). Pre-due reminders and event steps may still
    come; ``event_steps=True`` forbids the event steps too.

    On an account with something overdue, there is nothing to check. To test an account
    after its tenant paid, pass ``paid_up(state, day)``.
    """
    on = _day(day)
    if not settled(state, on):
        return
    actions = program.step(state, on)
    chasing = [a for a in actions if is_about_arrears(program, a, event_steps=event_steps)]
    if chasing:
        raise AssertionError(
            f"{_when(state, on)}: nothing is overdue, yet {len(chasing)} action(s) about "
            f"arrears were issued{_listing(map(_describe, chasing))}"
        )


# ------------------------------------------------------------------ the contact policy


def _value(state: AccountState, name: str) -> object:
    """An attribute of the account, or its default when the account does not give it."""
    if name in state.attributes:
        return state.attributes[name]
    spec = state.schema.get(name)
    return spec.default if isinstance(spec, AttributeSpec) else None


def _counts_for(channels, channel_name: str | None, target: str) -> bool:
    """Whether an action on ``channel_name`` counts for a cap on ``target`` (docs/policy.md: a
    channel, ``automatic`` for every automatic channel, ``contacts`` for every channel that
    reaches the tenant)."""
    if channel_name is None:
        return False
    if target == channel_name:
        return True
    channel = channels.get(channel_name)
    if channel is None:
        return False
    if target == "automatic":
        return channel.kind == "automatic"
    return target == "contacts" and channel.contact


def _hours(ranges: list[tuple[int, int]]) -> str:
    return ", ".join(f"{clock(start)}-{clock(end)}" for start, end in ranges)


def _window_problems(action: Action, window, day: datetime.date, zone: str) -> list[str]:
    problems = []
    if not action.windows:
        return [f"{_describe(action)}: no contact window on the action"]
    expected = list(window.hours or ((0, 24 * 60),))
    found = []
    for start, end in action.windows:
        if start.tzinfo is None or end.tzinfo is None:
            return [f"{_describe(action)}: its window {start}-{end} has no time zone"]
        if str(start.tzinfo) != zone:
            problems.append(f"{_describe(action)}: window in {start.tzinfo}, not {zone}")
        if start.date() != day:
            problems.append(f"{_describe(action)}: window on {start.date()}, not on {day}")
        finish = 24 * 60 if end.date() > day else end.hour * 60 + end.minute
        found.append((start.hour * 60 + start.minute, finish))
    if found != expected:
        problems.append(
            f"{_describe(action)}: window hours {_hours(found)}, the policy says {_hours(expected)}"
        )
    return problems


def _reach_problems(action: Action, channel, state: AccountState) -> list[str]:
    problems = []
    missing = [n for n in channel.requires if _value(state, n) in (None, "")]
    if missing:
        problems.append(f"{_describe(action)}: {', '.join(missing)} not set")
    if channel.opt_out is not None and _value(state, channel.opt_out) is True:
        problems.append(f"{_describe(action)}: the tenant opted out ({channel.opt_out})")
    if channel.consent is not None and _value(state, channel.consent) is not True:
        problems.append(f"{_describe(action)}: no consent ({channel.consent})")
    return problems


def _in_winter_truce(day: datetime.date) -> bool:
    return day.month >= 11 or day.month <= 3  # 1 November to 31 March


def assert_policy_respected(program, state: AccountState, day: datetime.date | str) -> None:
    """Every action issued on ``day`` respects the contact policy of the account's profile on
    that day, as the program resolved it (``program.compiled.policies``):

    * it is issued on ``day``, a day of its channel's window, and not on a public holiday of the
      tenant's département (``departement``) unless the window says ``and holidays``: with the
      default windows, no automatic contact on a Sunday or a public holiday;
    * it carries its windows: time-zone aware (the policy's zone, else the tenant's), on
      ``day``, with the hours of the channel's window;
    * every cap of the policy holds, counted from the history (entries up to ``day``) and the
      day's actions: at most N actions of the target in any P consecutive days;
    * its channel reaches the tenant: the contact data it needs is set, no opt-out, consent
      given (unless the program was compiled without contact policy);
    * a legal step (registered letter, report to the CAF, bailiff) is a task that requires a
      person's approval, and no eviction is handed off during the winter truce.

    The ``pause while`` items of the policy are not checked here: they are conditions over the
    account, which only the program evaluates.
    """
    on = _day(day)
    actions = program.step(state, on)
    if not actions:
        return
    compiled = program.compiled
    profile = program.profile_of(state, on)
    policy = compiled.policies.get(profile) or compiled.policies[None]
    channels = program.channels
    calendar = compiled.calendar
    departement = _value(state, "departement")
    subdivision = calendar.subdivision(departement)
    zone = policy.time_zone or _value(state, "time_zone") or time_zone(departement)
    holiday = calendar.holiday(on.toordinal(), subdivision)
    problems: list[str] = []
    for action in actions:
        channel = channels.get(action.channel)
        window = policy.windows.get(action.channel)
        if channel is None or window is None:
            problems.append(f"{_describe(action)}: a channel the program does not know")
            continue
        if action.emitted_on != on:
            problems.append(f"{_describe(action)}: emitted on {action.emitted_on}, not on {on}")
        if on.weekday() not in window.days:
            problems.append(
                f"{_describe(action)}: a {_WEEKDAYS[on.weekday()]} is outside "
                f"{action.channel}'s window ({window})"
            )
        if holiday is not None and not window.holidays:
            problems.append(
                f"{_describe(action)}: {on} is a public holiday in département "
                f"{departement} ({holiday})"
            )
        problems += _window_problems(action, window, on, zone)
        if policy.reach:
            problems += _reach_problems(action, channel, state)
        if channel.is_legal(action.options):
            if not action.requires_approval:
                problems.append(f"{_describe(action)}: a legal step without approval required")
            if action.kind != "task":
                problems.append(f"{_describe(action)}: a legal step that is not a task")
            if (
                channel.is_eviction(action.options)
                and "winter_truce" in policy.guards
                and _in_winter_truce(on)
            ):
                problems.append(f"{_describe(action)}: an eviction during the winter truce")
    problems += _cap_problems(policy.caps, channels, state, actions, on)
    if problems:
        raise AssertionError(
            f"{_when(state, on)}, profile {profile}: the contact policy is not respected"
            f"{_listing(problems)}"
        )


def _cap_problems(caps, channels, state: AccountState, actions, on: datetime.date) -> list[str]:
    problems = []
    today = on.toordinal()
    for cap in caps:
        counted = [a for a in actions if _counts_for(channels, a.channel, cap.target)]
        if not counted:
            continue
        earlier = [
            entry
            for entry in state.history
            if today - cap.days < entry.emitted_on.toordinal() <= today
            and _counts_for(channels, entry.inferred_channel, cap.target)
        ]
        if len(earlier) + len(counted) > cap.limit:
            problems.append(
                f"cap {cap} exceeded: {len(earlier)} in the history and {len(counted)} today "
                f"({', '.join(a.key for a in counted)})"
            )
    return problems
