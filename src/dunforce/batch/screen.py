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

from dunforce.batch.columns import CHARGE, Columns
from dunforce.batch.conditions import Judge
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


def _starts(accounts: np.ndarray, n: int) -> np.ndarray:
    """Where each account's rows start in rows sorted by account (``n + 1`` bounds)."""
    return np.searchsorted(accounts, np.arange(n + 1), side="left")


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct integers, in order: a sort, many times faster than ``np.unique``'s hash
    table on the millions of nearly sorted keys of a portfolio."""
    values = np.sort(values, kind="stable")
    if len(values) < 2:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def _sums(accounts: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per account, the sum of its rows (rows sorted by account), in exact integers."""
    running = np.concatenate(([0], np.cumsum(values, dtype=np.int64)))
    bounds = _starts(accounts, n)
    return running[bounds[1:]] - running[bounds[:-1]]


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
        ledger = columns.ledger
        charge = ledger.kind == CHARGE
        self.charge_account = ledger.account[charge]
        self.charge_due = ledger.day[charge]
        charge_cents = ledger.cents[charge]
        credit = ~charge & (ledger.day <= today)
        credit_account = ledger.account[credit]
        credit_day = ledger.day[credit]
        credit_cents = ledger.cents[credit]
        #: running totals over all rows (every amount is >= 0, so they never decrease)
        self.charged = np.concatenate(([0], np.cumsum(charge_cents, dtype=np.int64)))
        self.charge_start = _starts(self.charge_account, n)
        self.paid = _sums(credit_account, credit_cents, n)  # credits up to today
        history = columns.history[0]
        entries = np.bincount(history[history >= 0], minlength=n) if len(history) else 0
        self.uncapped = np.broadcast_to(entries < program.cap_floor, (n,))
        self.in_case, self.anchor, self.opened = self._cases(
            n, charge_cents, credit_account, credit_day, credit_cents
        )

    # -- cases -------------------------------------------------------------------------------

    def _cases(self, n, charge_cents, credit_account, credit_day, credit_cents):
        today = self.today
        span = np.int64(1 << 22)  # more than any day ordinal
        charge_key = self.charge_account * span + self.charge_due
        credit_key = credit_account * span + credit_day
        credit_running = np.concatenate(([0], np.cumsum(credit_cents, dtype=np.int64)))
        credit_start = _starts(credit_account, n)

        def paid_by(accounts: np.ndarray, keys: np.ndarray) -> np.ndarray:
            """What each account was credited up to and including the day of its key."""
            upto = np.searchsorted(credit_key, keys, side="right")
            return credit_running[upto] - credit_running[credit_start[accounts]]

        # the days the overdue amount may change: the day after a due date, a credit's day
        falls = self.charge_due + 1 <= today
        accounts = np.concatenate((self.charge_account[falls], credit_account))
        days = np.concatenate((self.charge_due[falls] + 1, credit_day))
        keys = _distinct(accounts * span + days)
        accounts, days = keys // span, keys % span
        charged = (
            self.charged[np.searchsorted(charge_key, keys, side="left")]
            - self.charged[self.charge_start[accounts]]
        )
        paid = paid_by(accounts, keys)
        below = charged - paid <= self.threshold
        in_case = np.zeros(n, dtype=bool)
        anchor = np.full(n, -1, dtype=np.int64)
        opened = np.full(n, -1, dtype=np.int64)
        if not len(keys):
            return in_case, anchor, opened
        position = np.arange(len(keys))
        last_below = np.maximum.accumulate(np.where(below, position, -1))
        ends = np.flatnonzero(np.append(accounts[1:] != accounts[:-1], True))
        firsts = np.concatenate(([0], ends[:-1] + 1))
        open_now = ~below[ends]
        ends, firsts = ends[open_now], firsts[open_now]
        who = accounts[ends]
        first_open = np.maximum(last_below[ends] + 1, firsts)
        opened_day = days[first_open]
        in_case[who] = True
        opened[who] = opened_day
        # D: the due date of the oldest charge not fully settled on the day the case opened
        paid_then = paid_by(who, who * span + opened_day)
        target = paid_then + self.charged[self.charge_start[who]]
        oldest = np.searchsorted(self.charged[1:], target, side="right")
        anchor[who] = self.charge_due[oldest]
        return in_case, anchor, opened

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
        rows = _distinct(np.concatenate([accounts for _, _, accounts, _, _ in occurring]))
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
            kept.append((block, step, accounts[keep], anchors[keep], exact))
        return kept

    def _occurring(self, step: CompiledStep, block):
        """The accounts and anchors of the occurrences of a step that fall in today's window."""
        today = self.today
        first, last, exact = _window(step)
        if step.anchor == "E":
            events = self.columns.events
            codes = [i for i, kind in enumerate(events.kinds) if kind == block.event]
            rows = np.isin(events.kind, codes)
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
        asked = _distinct(np.concatenate([accounts for accounts, _, _ in keyed]))
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
