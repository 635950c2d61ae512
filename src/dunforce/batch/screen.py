"""Which accounts can have an action today: the ledger derived over columns, for all at once.

For every account the columns vouch for, the open case (its anchor ``D`` and the day it opened)
is derived with grouped column operations, exactly as :func:`dunforce.ledger.analyse` derives it
for one account: charges fall overdue the day after their due date, payments and adjustments
settle the oldest charges first, a case is the run of days whose overdue amount is above the
threshold. Then each step of the program gives the days its occurrences may be issued on (its
anchor — the case, a charge still to pay, an event — plus its offset, within its catch-up and
policy window), and an occurrence already in the history is not pending.

An account with no pending occurrence is *quiet*: ``Program.step`` returns nothing for it, for
certain, and it is not read one by one. Every other account is stepped by the exact path, which
judges only the occurrences the screen kept (:class:`Pending`). The screen may let through an
occurrence that turns out not to go out (a step whose condition is false, say) but never holds
back one that does: an offset in months or business days is dated as the step function dates it
(by the calendar, with the public holidays of the account's ``departement``), and where a repeat
is in such units, the window is widened to every day it could fall on.
"""

from __future__ import annotations

import datetime
import functools

import attrs
import numpy as np
import pandas as pd

from dunforce.attributes.types import AttributeSpec
from dunforce.batch.columns import Columns
from dunforce.batch.conditions import Judge, attribute_column
from dunforce.batch.ledger_days import SPAN, LedgerDays, distinct
from dunforce.dsl.format import format_expr
from dunforce.engine.contact import first_open
from dunforce.engine.plan import CompiledBlock, CompiledProgram, CompiledStep
from dunforce.engine.schedule import add_business_days, add_months

#: room for ``bd`` offsets (weekends and public holidays) and ``m`` offsets (month lengths)
_HOLIDAY_SLACK = 12


def _day_bounds(amount: int, unit: str) -> tuple[int, int]:
    """The fewest and the most calendar days an offset can span."""
    if unit == "d":
        return amount, amount
    if unit == "w":
        return 7 * amount, 7 * amount
    if unit == "m":
        return (
            (28 * amount - 3, 31 * amount + 3)
            if amount >= 0
            else (31 * amount - 3, 28 * amount + 3)
        )
    slack = _HOLIDAY_SLACK + abs(amount) // 10  # bd: weekends, then holidays
    if amount >= 0:
        return amount, -(-amount * 7 // 5) + slack
    return amount * 7 // 5 - slack, amount


def _window(step: CompiledStep) -> tuple[int, int | None]:
    """Days after its anchor on which an occurrence of a repeated step may fall due:
    ``(first, last)`` (it may then be issued up to its lookback later); ``last`` is None when
    it has no end."""
    low, high = _day_bounds(step.amount, step.unit)
    if step.every is not None:
        if step.until is None:
            return low, None
        high = max(high, _day_bounds(step.until.amount, step.until.unit)[1])
    return low, high


def _before_anchor(step: CompiledStep) -> bool:
    """Every occurrence of the step falls before its anchor (``E-21``, ``every 5 days from
    E-20 until E-1``)."""
    if _day_bounds(step.amount, step.unit)[1] >= 0:
        return False
    return step.every is None or (
        step.until is not None and _day_bounds(step.until.amount, step.until.unit)[1] < 0
    )


@attrs.frozen(eq=False)
class Occurrences:
    """The occurrences of one step that may go out today: an account and an anchor each, and
    when each falls on one known day, that day and its repeat number (``-1``: not repeated)."""

    block: CompiledBlock
    step: CompiledStep
    accounts: np.ndarray
    anchors: np.ndarray
    days: np.ndarray | None  # None: a day the calendar decides, within a window
    repeats: np.ndarray | None

    def kept(self, keep: np.ndarray) -> Occurrences:
        def pick(values):
            return None if values is None else values[keep]

        return Occurrences(
            self.block,
            self.step,
            self.accounts[keep],
            self.anchors[keep],
            pick(self.days),
            pick(self.repeats),
        )


@attrs.frozen(eq=False)
class Pending:
    """The accounts with an occurrence that may be issued today, and those occurrences, so
    that the exact path judges only them: the screen drops only occurrences that cannot go
    out, and the step function's decision on each does not depend on the others'. An account
    with an occurrence the screen could not date (a repeat in months, say) has every
    occurrence judged."""

    accounts: np.ndarray  # per account: something may be issued today
    undated: np.ndarray  # per account: an occurrence has no day the screen knows
    steps: tuple[tuple[CompiledBlock, CompiledStep], ...]
    #: the dated occurrences, sorted by account: account, index into ``steps``, anchor, repeat
    #: number (``-1``: not repeated) and day
    account: np.ndarray
    step: np.ndarray
    anchor: np.ndarray
    repeat: np.ndarray
    day: np.ndarray

    @classmethod
    def of(cls, accounts: np.ndarray, dated: list[Occurrences], undated: np.ndarray) -> Pending:
        def joined(values) -> np.ndarray:
            return np.concatenate(values) if values else np.empty(0, dtype=np.int64)

        account = joined([found.accounts for found in dated])
        order = np.argsort(account, kind="stable")
        which = joined([np.full(len(found.accounts), i) for i, found in enumerate(dated)])
        return cls(
            accounts,
            undated,
            tuple((found.block, found.step) for found in dated),
            account[order],
            which[order],
            joined([found.anchors for found in dated])[order],
            joined([found.repeats for found in dated])[order],
            joined([found.days for found in dated])[order],
        )

    def occurrences(self, accounts: np.ndarray) -> dict[int, list[tuple]]:
        """The occurrences ``(block, step, anchor, k, day)`` to judge for some accounts, as
        ``Program._step`` takes them; an account with one the screen could not date is left
        out (all its occurrences are judged)."""
        accounts = accounts[~self.undated[accounts]]
        first = np.searchsorted(self.account, accounts, side="left")
        last = np.searchsorted(self.account, accounts, side="right")
        counts = last - first
        starts = np.repeat(first - (np.cumsum(counts) - counts), counts)
        rows = starts + np.arange(int(counts.sum()))
        found: dict[int, list[tuple]] = {account: [] for account in accounts.tolist()}
        steps = self.steps
        for account, which, anchor, repeat, day in zip(
            self.account[rows].tolist(),
            self.step[rows].tolist(),
            self.anchor[rows].tolist(),
            self.repeat[rows].tolist(),
            self.day[rows].tolist(),
            strict=True,
        ):
            block, step = steps[which]
            found[account].append((block, step, anchor, repeat, day))
        return found


def _may_fire_for(judge: Judge, block, step, local: np.ndarray, truths: dict) -> np.ndarray:
    """Which of the judge's rows at ``local`` may have a profile of the block and meet the
    step's conditions (``truths``: those already judged, by text); a row whose condition the
    step function may refuse is never held back."""
    keep = judge.applies(block.profiles)[local]
    for condition in (block.guard_expr, step.expr):
        if condition is not None:
            text = format_expr(condition)
            truth = truths.get(text)
            if truth is None:
                truth = truths[text] = judge.truth(condition, False).true
            keep &= truth[local]
    return keep | judge.raises[local]


def _is_business_day(calendar, subdivision: str | None, ordinal: int) -> bool:
    return calendar.is_business_day(ordinal, subdivision)


#: the attribute whose département gives an account its public holidays
_DEPARTEMENT = "departement"


def _in_days(amount: int, unit: str) -> int | None:
    """An offset in plain days, or None when the calendar decides it."""
    return amount if unit == "d" else 7 * amount if unit == "w" else None


#: a legal guard, and the attributes of which one at least must be set for it not to block
_GUARD_ATTRIBUTES = {
    "order_delay": ("last_order_date",),
    "ccapex_delay": ("ccapex_referral_date", "aid_report_date"),
}


class Screen:
    """The open case of every account on ``today``, and the accounts with something pending."""

    def __init__(
        self,
        program: CompiledProgram,
        threshold: int,
        columns: Columns,
        today: int,
        *,
        checked=None,
        tenants=None,
    ):
        self.program = program
        #: the checked scenarios and the tenants table, to judge profiles and conditions over
        #: columns (without them, every occurrence in its window counts as pending)
        self.checked = checked
        self.tenants = tenants
        self.threshold = threshold
        self.columns = columns
        self.today = today
        n = columns.count
        #: the ledger values of any account on any day up to today
        self.ledger = days = LedgerDays(columns, threshold, today)
        self.charge_account, self.charge_due = days.charge_account, days.charge_due
        self.charged, self.charge_start = days.charged, days.charge_start
        everyone = np.arange(n)
        self.paid = days.paid(everyone, np.full(n, today, dtype=np.int64))  # credits to today
        history = columns.history[0]
        entries = np.bincount(history[history >= 0], minlength=n) if len(history) else 0
        self.uncapped = np.broadcast_to(entries < program.cap_floor, (n,))
        self.in_case, self.anchor, self.opened = days.today(everyone)
        self._anchored: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._subdivided: tuple[np.ndarray, list[str | None]] | None = None

    # -- pending occurrences -----------------------------------------------------------------

    def pending(self) -> Pending:
        """The accounts vouched for with at least one occurrence that may be issued today, and
        those occurrences."""
        n = self.columns.count
        loose = np.zeros(n, dtype=bool)  # pending whatever the history says
        keyed: list[Occurrences] = []
        occurring = []
        for block in self.program.blocks:
            for step in block.steps:
                found = self._occurring(step, block)
                if len(found.accounts):
                    occurring.append(found)
        if self.checked is not None and occurring:
            occurring = self._may_fire(occurring)
        occurring = [self._within_policy(found) for found in occurring]
        for found in occurring:
            if len(found.accounts):
                if found.days is not None:
                    keyed.append(found)
                else:
                    loose[found.accounts] = True
        pending = loose
        if keyed:
            pending = pending | self._not_issued(keyed, n)
        return Pending.of(pending & self.columns.vouched, keyed, loose)

    def _may_fire(self, occurring: list) -> list:
        """Keep the occurrences whose block may apply to the account's profile on their day,
        and whose condition (and rule's condition) may hold then, judged over columns."""
        n = self.columns.count
        rows = distinct(np.concatenate([found.accounts for found in occurring]))
        where = np.full(n, -1, dtype=np.int64)
        where[rows] = np.arange(len(rows))
        judges: dict[int, Judge] = {}
        attributes: dict = {}
        kept = []
        for found in occurring:
            block, step, accounts = found.block, found.step, found.accounts
            judge = judges.get(step.lookback)
            if judge is None:  # its occurrences are decided on a day of this span
                judge = judges[step.lookback] = Judge(
                    self.checked,
                    self.tenants,
                    rows,
                    self.today - step.lookback,
                    self.today,
                    attributes,
                    self.columns.planned,
                )
            local = where[accounts]
            keep = _may_fire_for(judge, block, step, local, {})
            for names in self._guarded_by(step):  # held back unless one of these is set
                may_be_set = np.zeros(len(rows), dtype=bool)
                for name in names:
                    may_be_set |= judge.attribute_may_be_set(name)
                keep &= may_be_set[local]
            kept.append(found.kept(keep))
        return self._on_their_day(kept, rows, where, attributes)

    def _within_policy(self, found: Occurrences) -> Occurrences:
        """Drop the dated occurrences the contact policy certainly keeps from going out today.

        The policy moves a step to the first day its channel's window, the public holidays and
        the truce allow, then later still for a full cap or a legal guard that waits. So an
        occurrence that every channel of the step, under every profile's policy, first allows
        after today is deferred; and one that every one allows too early for today to be in
        its catch-up window is missed, when nothing can move it later: a history too short to
        fill any cap, and no legal guard on the step."""
        if found.days is None or not len(found.accounts):
            return found
        step, block = found.step, found.block
        policies = tuple({id(p): p for p in self.program.policies.values()}.values())
        calendar = self.program.calendar

        def opens(day: int, subdivision: str | None) -> tuple[int, int]:
            days = [
                first_open(p, calendar, subdivision, a.channel, day, eviction=a.eviction)
                for p in policies
                for a in step.actions
            ]
            return min(days), max(days)

        bounds = self._by_local_day(found.accounts, found.days, opens)
        if bounds is None:
            return found
        held = bounds[:, 0] > self.today
        if not any(a.guards & p.guards for a in step.actions for p in policies):
            late = self.today > bounds[:, 1] + block.window
            held |= late & self.uncapped[found.accounts]
        return found.kept(~held) if held.any() else found

    def _guarded_by(self, step: CompiledStep) -> list[tuple[str, ...]]:
        """The legal guards that block every action of the step, whatever the profile, while
        some attributes are not set (:meth:`dunforce.engine.contact.Contact.guard_day`): a
        commandement must have been served, the CCAPEX or the CAF must have been told."""
        enforced = frozenset.intersection(
            *(action.guards for action in step.actions),
            *(policy.guards for policy in self.program.policies.values()),
        )
        schema = self.checked.schema
        groups = [names for guard, names in _GUARD_ATTRIBUTES.items() if guard in enforced]
        return [g for g in groups if all(isinstance(schema.get(n), AttributeSpec) for n in g)]

    def _on_their_day(self, occurring: list, base: np.ndarray, where, attributes) -> list:
        """Judge again each occurrence on one day (a step in plain days, not repeated) with
        the values of that day, the ledger's included: the step function decides it so."""
        exact = [found for found in occurring if found.days is not None and len(found.accounts)]
        if not exact:
            return occurring
        keys = distinct(np.concatenate([found.accounts * SPAN + found.days for found in exact]))
        accounts, days = keys // SPAN, keys % SPAN
        judge = Judge(
            self.checked,
            self.tenants,
            accounts,
            days,
            days,
            attributes,
            self.columns.planned,
            ledger=self.ledger.at(accounts, days),
            local=where[accounts],
            base=base,
        )
        truths: dict[str, np.ndarray] = {}
        kept = []
        for found in occurring:
            if found.days is None or not len(found.accounts):
                kept.append(found)
                continue
            block, step = found.block, found.step
            local = np.searchsorted(keys, found.accounts * SPAN + found.days)
            kept.append(found.kept(_may_fire_for(judge, block, step, local, truths)))
        return kept

    def _occurring(self, step: CompiledStep, block) -> Occurrences:
        """The occurrences of a step that fall in today's window."""
        today = self.today
        first, last = _window(step)
        accounts, anchors, uncapped = self._anchors(step, block)
        # as the step function: with a history too short to fill a cap, only the calendar can
        # move an occurrence
        lookback = np.where(uncapped, step.calendar_lookback, step.lookback)
        repeated = self._repeated(step, block, accounts, anchors, lookback)
        if repeated is not None:
            return repeated
        days = self._days_of(step, accounts, anchors) if step.every is None else None
        if days is not None:  # one day each, as the step function schedules it
            hit = (days <= today) & (today <= days + lookback)
            if step.anchor == "D" and not step.pre_due:
                hit &= days >= self.opened[accounts]  # dated before its case: never issued
            repeats = np.full(int(hit.sum()), -1, dtype=np.int64)
            return Occurrences(block, step, accounts[hit], anchors[hit], days[hit], repeats)
        start = anchors + first
        hit = start <= today
        if last is not None:
            hit &= today <= anchors + last + lookback
        return Occurrences(block, step, accounts[hit], anchors[hit], None, None)

    def _days_of(self, step: CompiledStep, accounts, anchors) -> np.ndarray | None:
        """The day of the one occurrence of a step not repeated, for each anchor: in months,
        by the calendar's months; in business days, by the account's own public holidays (None
        when the screen does not know them: no tenants table)."""
        amount, unit = step.amount, step.unit
        plain = _in_days(amount, unit)
        if plain is not None:
            return anchors + plain
        if unit == "m":
            keys, where = np.unique(anchors, return_inverse=True)
            return np.array([add_months(int(k), amount) for k in keys], dtype=np.int64)[where]
        calendar = self.program.calendar

        def moved(anchor: int, subdivision: str | None) -> int:
            business = functools.partial(_is_business_day, calendar, subdivision)
            return add_business_days(anchor, amount, business)

        return self._by_local_day(accounts, anchors, moved)

    def _by_local_day(self, accounts: np.ndarray, days: np.ndarray, compute):
        """``compute(day, subdivision)`` for each account's day, worked out once per distinct
        day and public holidays (None when the screen does not know the holidays: no tenants
        table)."""
        local = self._subdivisions()
        if local is None:
            return None
        codes, names = local
        count = len(names)
        keys, where = np.unique(days * count + codes[accounts], return_inverse=True)
        found = [compute(key // count, names[key % count]) for key in keys.tolist()]
        return np.array(found, dtype=np.int64)[where]

    def _subdivisions(self) -> tuple[np.ndarray, list[str | None]] | None:
        """Each account's public holidays, as the step function finds them from its
        ``departement``: a code per account into the subdivisions' names (the accounts not
        vouched for, never screened, have the national days)."""
        if self._subdivided is not None or self.tenants is None or self.checked is None:
            return self._subdivided
        codes = np.zeros(self.columns.count, dtype=np.int64)
        names: list[str | None] = [None]
        spec = self.checked.schema.get(_DEPARTEMENT)
        if isinstance(spec, AttributeSpec):
            rows = np.flatnonzero(self.columns.vouched)
            values, _ = attribute_column(self.tenants, spec, rows)
            found, distinct_values = pd.factorize(values, use_na_sentinel=True)
            calendar = self.program.calendar
            index = {None: 0}
            of_value = []
            for value in distinct_values:
                name = calendar.subdivision(value) if isinstance(value, str) else None
                if name not in index:
                    index[name] = len(names)
                    names.append(name)
                of_value.append(index[name])
            codes[rows] = np.array([*of_value, 0], dtype=np.int64)[found]  # -1: not given
        self._subdivided = (codes, names)
        return self._subdivided

    def _anchors(self, step: CompiledStep, block) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The accounts and anchors the step's occurrences count from, and whether each
        account's history is too short to fill a cap; the same for every step of a kind, so
        worked out once."""
        if step.anchor == "E":
            kind = ("E", block.event, _before_anchor(step))
        else:
            kind = ("pre",) if step.pre_due else ("D",)
        known = self._anchored.get(kind)
        if known is not None:
            return known
        today = self.today
        if step.anchor == "E":
            events = self.columns.events
            codes = [i for i, kind in enumerate(events.kinds) if kind == block.event]
            rows = np.isin(events.kind, codes)
            if _before_anchor(step):  # a step before its event is missed once the event came
                rows &= events.day > today
            accounts, anchors = events.account[rows], events.day[rows]
        elif step.pre_due:
            # the charges still owed that fall due after today
            future = self.charge_due > today
            owed = self.charged[1:] - self.charged[self.charge_start[self.charge_account]]
            owed = owed > self.paid[self.charge_account]
            rows = future & owed
            accounts, anchors = self.charge_account[rows], self.charge_due[rows]
        else:
            accounts = np.flatnonzero(self.in_case)
            anchors = self.anchor[accounts]
        known = self._anchored[kind] = (accounts, anchors, self.uncapped[accounts])
        return known

    def _repeated(self, step, block, accounts, anchors, lookback) -> Occurrences | None:
        """A step repeated every so many days or weeks from an offset in days or weeks: each
        occurrence still in its catch-up window, on its own day (None for any other step)."""
        if step.every is None:
            return None
        offset = _in_days(step.amount, step.unit)
        interval = _in_days(step.every.amount, step.every.unit)
        until = None if step.until is None else _in_days(step.until.amount, step.until.unit)
        if offset is None or not interval or (step.until is not None and until is None):
            return None
        today = self.today
        first = anchors + offset
        latest = (
            np.full(len(anchors), today) if until is None else np.minimum(today, anchors + until)
        )
        # the repeats from the first one not yet past its catch-up window to the last one due
        low = np.maximum(0, -(-(today - lookback - first) // interval))
        high = np.where(latest >= first, (latest - first) // interval, -1)
        counts = np.maximum(high - low + 1, 0)
        rows = np.repeat(np.arange(len(accounts)), counts)
        within = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        repeats = low[rows] + within
        days = first[rows] + repeats * interval
        accounts, anchors = accounts[rows], anchors[rows]
        keep = np.ones(len(rows), dtype=bool)
        if step.anchor == "D" and not step.pre_due:
            keep = days >= self.opened[accounts]  # dated before its case: never issued
        elif step.anchor == "E" or step.pre_due:
            keep = ~((days < anchors) & (anchors <= today))  # before its anchor, which came
        return Occurrences(block, step, accounts[keep], anchors[keep], days[keep], repeats[keep])

    def _not_issued(self, keyed: list[Occurrences], n: int) -> np.ndarray:
        """Accounts with an occurrence whose key is not in their history."""
        history_accounts, history_keys = self.columns.history
        pending = np.zeros(n, dtype=bool)
        asked = distinct(np.concatenate([found.accounts for found in keyed]))
        with_history = np.zeros(n, dtype=bool)
        with_history[history_accounts[history_accounts >= 0]] = True
        issued: set[tuple[int, str]] = set()
        if with_history[asked].any():
            rows = np.isin(history_accounts, asked)
            issued = set(zip(history_accounts[rows].tolist(), history_keys[rows], strict=True))
        iso = {}
        for found in keyed:
            accounts, prefix = found.accounts, found.step.key_prefix
            bare = ~with_history[accounts]
            pending[accounts[bare]] = True
            for account, anchor, repeat in zip(
                accounts[~bare].tolist(),
                found.anchors[~bare].tolist(),
                found.repeats[~bare].tolist(),
                strict=True,
            ):
                text = iso.get(anchor)
                if text is None:
                    text = iso[anchor] = datetime.date.fromordinal(anchor).isoformat()
                key = prefix + text if repeat < 0 else f"{prefix}{text}#{repeat}"
                if (account, key) not in issued:
                    pending[account] = True
        return pending


__all__ = ["Occurrences", "Pending", "Screen"]
