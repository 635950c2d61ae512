"""Which accounts can have an action today: the ledger derived over columns, for all at once.

For every account the columns vouch for, the open case (its anchor ``D`` and the day it opened)
is derived with grouped column operations, exactly as :func:`dunforce.ledger.analyse` derives it
for one account: charges fall overdue the day after their due date, payments and adjustments
settle the oldest charges first, a case is the run of days whose overdue amount is above the
threshold. Then each step of the program gives the days its occurrences may be issued on (its
anchor — the case, a charge still to pay, an event — plus its offset, within its catch-up and
policy window), and an occurrence already in the history is not pending.

An account with no pending occurrence is *quiet*: ``Program.step`` returns nothing for it, for
certain, and it is not read one by one. Every other account is stepped by the exact path. The
screen may let through an account that turns out to have nothing due (a step whose condition is
false, say) but never holds back one that has: where an offset is not in plain days, the window
is widened to every day it could fall on.
"""

from __future__ import annotations

import datetime

import numpy as np

from dunforce.attributes.types import AttributeSpec
from dunforce.batch.columns import Columns
from dunforce.batch.conditions import Judge
from dunforce.batch.ledger_days import SPAN, LedgerDays, distinct
from dunforce.dsl.format import format_expr
from dunforce.engine.plan import CompiledProgram, CompiledStep

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


def _window(step: CompiledStep) -> tuple[int, int | None, bool]:
    """Days after its anchor on which an occurrence may fall due: ``(first, last, exact)``
    (it may then be issued up to its lookback later); ``last`` is None when a repeating step
    has no end; ``exact``: one day."""
    low, high = _day_bounds(step.amount, step.unit)
    exact = step.unit == "d" and step.every is None
    if step.every is not None:
        if step.until is None:
            return low, None, False
        high = max(high, _day_bounds(step.until.amount, step.until.unit)[1])
    return low, high, exact


def _before_anchor(step: CompiledStep) -> bool:
    """Every occurrence of the step falls before its anchor (``E-21``, ``every 5 days from
    E-20 until E-1``)."""
    if _day_bounds(step.amount, step.unit)[1] >= 0:
        return False
    return step.every is None or (
        step.until is not None and _day_bounds(step.until.amount, step.until.unit)[1] < 0
    )


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

    # -- pending occurrences -----------------------------------------------------------------

    def pending(self) -> np.ndarray:
        """Accounts vouched for with at least one occurrence that may be issued today."""
        n = self.columns.count
        loose = np.zeros(n, dtype=bool)  # pending whatever the history says
        keyed: list[tuple[np.ndarray, str, np.ndarray]] = []  # (accounts, key prefix, anchors)
        occurring = []
        for block in self.program.blocks:
            for step in block.steps:
                accounts, anchors, exact = self._occurring(step, block)
                if len(accounts):
                    occurring.append((block, step, accounts, anchors, exact))
        if self.checked is not None and occurring:
            occurring = self._may_fire(occurring)
        for _, step, accounts, anchors, exact in occurring:
            if len(accounts):
                if exact:
                    keyed.append((accounts, step.key_prefix, anchors))
                else:
                    loose[accounts] = True
        pending = loose
        if keyed:
            pending = pending | self._not_issued(keyed, n)
        return pending & self.columns.vouched

    def _may_fire(self, occurring: list) -> list:
        """Keep the occurrences whose block may apply to the account's profile on their day,
        and whose condition (and rule's condition) may hold then, judged over columns."""
        n = self.columns.count
        rows = distinct(np.concatenate([accounts for _, _, accounts, _, _ in occurring]))
        where = np.full(n, -1, dtype=np.int64)
        where[rows] = np.arange(len(rows))
        judges: dict[int, Judge] = {}
        attributes: dict = {}
        kept = []
        for block, step, accounts, anchors, exact in occurring:
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
            keep = judge.applies(block.profiles)[local]
            for condition in (block.guard_expr, step.expr):
                if condition is not None:
                    keep &= judge.truth(condition, False).true[local]
            keep |= judge.raises[local]  # the step function refuses them: never held back
            for names in self._guarded_by(step):  # held back unless one of these is set
                may_be_set = np.zeros(len(rows), dtype=bool)
                for name in names:
                    may_be_set |= judge.attribute_may_be_set(name)
                keep &= may_be_set[local]
            kept.append((block, step, accounts[keep], anchors[keep], exact))
        return self._on_their_day(kept, rows, where, attributes)

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
        exact = [item for item in occurring if item[4] and len(item[2])]
        if not exact:
            return occurring
        keys = np.concatenate(
            [accounts * SPAN + anchors + step.amount for _, step, accounts, anchors, _ in exact]
        )
        keys = distinct(keys)
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
        truths: dict[str, object] = {}
        kept = []
        for block, step, accounts, anchors, is_exact in occurring:
            if not (is_exact and len(accounts)):
                kept.append((block, step, accounts, anchors, is_exact))
                continue
            local = np.searchsorted(keys, accounts * SPAN + anchors + step.amount)
            keep = judge.applies(block.profiles)[local]
            for condition in (block.guard_expr, step.expr):
                if condition is not None:
                    text = format_expr(condition)
                    truth = truths.get(text)
                    if truth is None:
                        truth = truths[text] = judge.truth(condition, False).true
                    keep &= truth[local]
            keep |= judge.raises[local]
            kept.append((block, step, accounts[keep], anchors[keep], is_exact))
        return kept

    def _occurring(self, step: CompiledStep, block):
        """The accounts and anchors of the occurrences of a step that fall in today's window."""
        today = self.today
        first, last, exact = _window(step)
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
            if exact:  # an occurrence dated before its case opened is never issued
                keep = anchors + step.amount >= self.opened[accounts]
                accounts, anchors = accounts[keep], anchors[keep]
        start = anchors + first
        hit = start <= today
        if last is not None:
            # as the step function: with a history too short to fill a cap, only the calendar
            # can move an occurrence
            lookback = np.where(self.uncapped[accounts], step.calendar_lookback, step.lookback)
            hit &= today <= anchors + last + lookback
        return accounts[hit], anchors[hit], exact

    def _not_issued(self, keyed, n: int) -> np.ndarray:
        """Accounts with an occurrence whose key is not in their history."""
        history_accounts, history_keys = self.columns.history
        pending = np.zeros(n, dtype=bool)
        asked = distinct(np.concatenate([accounts for accounts, _, _ in keyed]))
        with_history = np.zeros(n, dtype=bool)
        with_history[history_accounts[history_accounts >= 0]] = True
        issued: set[tuple[int, str]] = set()
        if with_history[asked].any():
            rows = np.isin(history_accounts, asked)
            issued = set(zip(history_accounts[rows].tolist(), history_keys[rows], strict=True))
        iso = {}
        for accounts, prefix, anchors in keyed:
            bare = ~with_history[accounts]
            pending[accounts[bare]] = True
            for account, anchor in zip(
                accounts[~bare].tolist(), anchors[~bare].tolist(), strict=True
            ):
                text = iso.get(anchor)
                if text is None:
                    text = iso[anchor] = datetime.date.fromordinal(anchor).isoformat()
                if (account, prefix + text) not in issued:
                    pending[account] = True
        return pending


__all__ = ["Screen"]
