"""The ledger values of many accounts, each on a day of its own, derived over columns.

For the accounts the columns vouch for (no payment naming a charge, every rejection matched to
a payment of its own), the ledger is charges, and credits (payments and adjustments) that settle
the oldest charges first, less the payments returned (a rejection takes its payment back on its
own day). So on a day ``d`` the settled part of the charges is the credits up to ``d``, taken in
due-date order, and everything :func:`dunforce.ledger.analyse` derives from the ledger follows
from running totals, exactly:

* ``debt`` is the charges due before ``d`` less the credits up to ``d`` (never below 0);
* the cases are the runs of *change days* (the day after a due date, a credit's day) whose debt
  is above the threshold; ``D`` is the due date of the oldest charge not fully settled on the
  day the case opened;
* ``late_episodes_12m`` counts the cases opened in the 365 days up to ``d``, ``first_late`` says
  whether the case open on ``d`` follows none opened in the year before it;
* ``unpaid_terms`` counts the charges due before ``d`` not fully settled, ``monthly_rent`` is the
  rent of the latest rent due date on or before ``d`` (else the earliest), and ``debt_months``
  the debt in months of that rent;
* ``rejections_90d`` and ``rejections_12m`` count the rejection entries, and the ``rejection``
  events on days without one.

The values are asked for accounts and days as two arrays, so that every occurrence of a step can
be judged with the values of its own day, as the step function judges it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import attrs
import numpy as np

from dunforce.batch.cells import run_starts
from dunforce.batch.columns import CHARGE, REJECTION, Columns

__all__ = ["DayValues", "LedgerDays"]

#: more than any day ordinal: ``account * SPAN + day`` orders rows by account, then day
SPAN = np.int64(1 << 22)


def starts(accounts: np.ndarray, n: int) -> np.ndarray:
    """Where each account's rows start in rows sorted by account (``n + 1`` bounds)."""
    return np.searchsorted(accounts, np.arange(n + 1), side="left")


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct integers, in order: a sort, many times faster than ``np.unique``'s hash
    table on the millions of nearly sorted keys of a portfolio."""
    values = np.sort(values, kind="stable")
    return values[run_starts(values)]


def _running(values: np.ndarray) -> np.ndarray:
    """Running totals with a leading 0, in exact integers."""
    return np.concatenate(([0], np.cumsum(values, dtype=np.int64)))


@attrs.frozen(eq=False)
class DayValues:
    """The ledger values of ``accounts[i]`` on ``days[i]``, in runtime form (cents, ordinals);
    ``anchor`` and ``opened`` are ``-1`` out of a case."""

    days: np.ndarray
    debt: np.ndarray
    balance: np.ndarray
    in_case: np.ndarray
    anchor: np.ndarray
    opened: np.ndarray
    late_episodes_12m: np.ndarray
    first_late: np.ndarray
    unpaid_terms: np.ndarray
    monthly_rent: np.ndarray
    rejections_90d: np.ndarray
    rejections_12m: np.ndarray


class LedgerDays:
    """Running totals of the charges and credits of every account vouched for, and its cases,
    to read the ledger values of any account on any day up to ``last`` (an ordinal)."""

    def __init__(self, columns: Columns, threshold: int, last: int):
        self.threshold = threshold
        self.last = last
        n = self.count = columns.count
        ledger = columns.ledger
        charge = ledger.kind == CHARGE
        with ThreadPoolExecutor(max_workers=1) as helper:
            # numpy works without the GIL: the credits' running totals beside the charges'
            credits = helper.submit(self._credits, ledger, ~charge, last, n)
            self.charge_account = ledger.account[charge]
            self.charge_due = ledger.day[charge]
            cents = ledger.cents[charge]
            self.charged = _running(cents)  # every amount is >= 0: they never decrease
            self.charge_start = starts(self.charge_account, n)
            self.charge_key = self.charge_account * SPAN + self.charge_due
            self.owing = _running(cents > 0)  # a charge of 0 is never unpaid
            credit_cents = credits.result()
            # then the rent beside the cases: they read the same sorted columns and set their
            # own attributes
            rent = helper.submit(self._rent, columns, charge, cents)
            self._rejections(columns)
            self._cases(cents, credit_cents)
            rent.result()

    def _credits(self, ledger, credit: np.ndarray, last: int, n: int) -> np.ndarray:
        """The running totals of the credits up to ``last``; their amounts."""
        credit &= ledger.day <= last
        credit_account = ledger.account[credit]
        self.credit_key = credit_account * SPAN + ledger.day[credit]
        credit_cents = ledger.cents[credit]
        self.credit_running = _running(credit_cents)
        self.credit_start = starts(credit_account, n)
        return credit_cents

    # -- running totals ----------------------------------------------------------------------

    def paid(self, accounts: np.ndarray, days: np.ndarray) -> np.ndarray:
        """What each account was credited up to and including its day."""
        upto = np.searchsorted(self.credit_key, accounts * SPAN + days, side="right")
        return self.credit_running[upto] - self.credit_running[self.credit_start[accounts]]

    def _charged_before(self, accounts: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The position (in the charge rows) after the last charge due before each day."""
        return np.searchsorted(self.charge_key, accounts * SPAN + days, side="left")

    def _oldest_unsettled(self, accounts: np.ndarray, paid: np.ndarray) -> np.ndarray:
        """The position of each account's oldest charge not fully settled by ``paid``."""
        target = paid + self.charged[self.charge_start[accounts]]
        return np.searchsorted(self.charged[1:], target, side="right")

    def _rent(self, columns: Columns, charge: np.ndarray, cents: np.ndarray) -> None:
        """The rent due dates of each account and the rent due on each: the charges with a
        period, or every charge when none has one."""
        period = columns.ledger.period[charge]
        n = self.count
        with_period = np.zeros(n, dtype=bool)
        with_period[self.charge_account[period]] = True
        rent = period | ~with_period[self.charge_account]
        keys = self.charge_key[rent]  # in order: the charges are sorted by account and day
        # the rent of each due date: the charges of a key, one after the other, summed
        first = np.flatnonzero(run_starts(keys))
        self.rent_key = keys[first]
        self.rent_sum = (
            np.add.reduceat(cents[rent], first) if len(first) else np.zeros(0, dtype=np.int64)
        )
        self.rent_start = starts(self.rent_key // SPAN, n)

    def _rejections(self, columns: Columns) -> None:
        """The days of the rejections: every entry, and every event on a day without one."""
        ledger, events = columns.ledger, columns.events
        entries = ledger.kind == REJECTION
        entry_keys = ledger.account[entries] * SPAN + ledger.day[entries]
        codes = [i for i, kind in enumerate(events.kinds) if kind == "rejection"]
        rows = np.isin(events.kind, codes)
        event_keys = events.account[rows] * SPAN + events.day[rows]
        event_keys = event_keys[~np.isin(event_keys, entry_keys)]
        self.rejection_key = np.sort(np.concatenate((entry_keys, event_keys)))

    def _cases(self, charge_cents: np.ndarray, credit_cents: np.ndarray) -> None:
        """The change days of every account (its debt changes only on those) and the cases:
        runs of change days with the debt above the threshold.

        The changes are the charges, on the day after they fall due, and the credits, on their
        day: merged in (account, day) order, their running sum is the debt of each change day
        (less what the accounts before it add up to)."""
        falls = self.charge_due < self.last  # the day after it falls due is not after today
        keys = np.concatenate((self.charge_key[falls] + 1, self.credit_key))
        moves = np.concatenate((charge_cents[falls], -credit_cents))
        del falls
        order = np.argsort(keys, kind="stable")  # two sorted runs: merged, not sorted again
        keys = keys[order]
        running = np.cumsum(moves[order], dtype=np.int64)
        del moves, order
        # the last move of each change day holds the debt from that day on
        last_move = np.append(run_starts(keys)[1:], True)[: len(keys)]
        keys, running = keys[last_move], running[last_move]
        del last_move
        accounts = keys // SPAN
        # what the accounts before each add up to: the running sum at the end of the previous
        before = np.concatenate(([0], running))[starts(accounts, self.count)]
        debt = running - before[accounts]
        del running, before
        above = debt > self.threshold
        del debt
        first = run_starts(accounts)
        opening = np.empty(len(keys), dtype=bool)
        if len(keys):
            opening[0] = above[0]
            opening[1:] = above[1:] & (first[1:] | ~above[:-1])
        del first
        #: change days, and whether the debt is above the threshold from each on
        self.change_key = keys
        self.change_above = above
        #: the cases' openings, in order: their day, and D
        self.open_key = keys[opening]
        open_accounts = accounts[opening]
        del accounts
        open_days = self.open_key % SPAN
        oldest = self._oldest_unsettled(open_accounts, self.paid(open_accounts, open_days))
        self.open_anchor = self.charge_due[np.minimum(oldest, len(self.charge_due) - 1)]
        # the opening at or before each change day (there are fewer cases than change days)
        self.change_case = np.cumsum(opening, dtype=np.int32) - 1

    # -- values on days ----------------------------------------------------------------------

    def today(self, accounts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``in_case``, ``anchor`` and ``opened`` of the accounts on the last day."""
        keys = np.asarray(accounts, dtype=np.int64) * SPAN + self.last
        in_case, case = self._case_on(accounts, keys)
        anchor = np.where(in_case, self._open_anchor(case), -1)
        return in_case, anchor, np.where(in_case, self._open_day(case), -1)

    def _case_on(self, accounts: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether a case is open on each day, and its number: the case of the last change
        day on or before it."""
        change = np.searchsorted(self.change_key, keys, side="right") - 1
        own = change >= 0
        own[own] = self.change_key[change[own]] // SPAN == accounts[own]
        change = np.where(own, change, 0)
        in_case = own & self.change_above[change] if len(self.change_key) else own
        case = np.where(in_case, self.change_case[change] if len(self.change_key) else 0, 0)
        return in_case, case.astype(np.int64)

    def at(self, accounts: np.ndarray, days: np.ndarray) -> DayValues:
        """The ledger values of ``accounts[i]`` on ``days[i]`` (each on or before the last
        day)."""
        accounts = np.asarray(accounts, dtype=np.int64)
        days = np.asarray(days, dtype=np.int64)
        keys = accounts * SPAN + days
        paid = self.paid(accounts, days)
        start = self.charge_start[accounts]
        overdue_end = self._charged_before(accounts, days)
        debt = np.maximum(self.charged[overdue_end] - self.charged[start] - paid, 0)
        due_end = np.searchsorted(self.charge_key, keys, side="right")
        balance = self.charged[due_end] - self.charged[start] - paid
        in_case, case = self._case_on(accounts, keys)
        opened = np.where(in_case, self._open_day(case), -1)
        anchor = np.where(in_case, self._open_anchor(case), -1)
        # the cases opened in the 365 days up to the day, and the one before the open case
        upto = np.searchsorted(self.open_key, keys, side="right")
        since = np.searchsorted(self.open_key, keys - 364, side="left")
        late = upto - since
        before = case - 1
        previous = np.where(in_case & (before >= 0), before, 0)
        follows = (
            in_case
            & (before >= 0)
            & (self._open_account(previous) == accounts)
            & (self._open_day(previous) >= opened - 365)
        )
        first_late = in_case & ~follows
        oldest = self._oldest_unsettled(accounts, paid)
        unpaid = np.where(
            oldest < overdue_end, self.owing[overdue_end] - self.owing[oldest], 0
        ).astype(np.int64)
        rejected_upto = np.searchsorted(self.rejection_key, keys, side="right")
        return DayValues(
            days=days,
            debt=debt,
            balance=balance,
            in_case=in_case,
            anchor=anchor,
            opened=opened,
            late_episodes_12m=late,
            first_late=first_late,
            unpaid_terms=unpaid,
            monthly_rent=self._monthly_rent(accounts, keys),
            rejections_90d=rejected_upto
            - np.searchsorted(self.rejection_key, keys - 89, side="left"),
            rejections_12m=rejected_upto
            - np.searchsorted(self.rejection_key, keys - 364, side="left"),
        )

    def _open_day(self, case: np.ndarray) -> np.ndarray:
        if not len(self.open_key):
            return np.full(len(case), -1, dtype=np.int64)
        return self.open_key[case] % SPAN

    def _open_account(self, case: np.ndarray) -> np.ndarray:
        if not len(self.open_key):
            return np.full(len(case), -1, dtype=np.int64)
        return self.open_key[case] // SPAN

    def _open_anchor(self, case: np.ndarray) -> np.ndarray:
        if not len(self.open_key):
            return np.full(len(case), -1, dtype=np.int64)
        return self.open_anchor[case]

    def _monthly_rent(self, accounts: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """The rent of the latest rent due date on or before the day, else of the earliest;
        0 without rent."""
        if not len(self.rent_key):
            return np.zeros(len(accounts), dtype=np.int64)
        latest = np.searchsorted(self.rent_key, keys, side="right") - 1
        first = self.rent_start[accounts]
        has_rent = self.rent_start[accounts + 1] > first
        position = np.where(latest >= first, latest, first)
        position = np.minimum(position, len(self.rent_key) - 1)
        return np.where(has_rent, self.rent_sum[position], 0)
