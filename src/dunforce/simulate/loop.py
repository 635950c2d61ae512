"""The day loop of a simulation: payments, then the morning job, then the outcomes, every day.

For each day from the start to the end, in this order:

1. what the ledger already holds for the day applies (rent charges falling due, housing aid);
2. direct debits returned by the bank come back (a ``rejection`` entry and event);
3. the behaviour model adds the tenants' payments of the day (:mod:`.behaviour`);
4. the program steps the accounts exactly as a daily job would (``program.step(state, day)``),
   and the actions are recorded in the history with an outcome drawn by the model;
5. the day's figures are counted.

Step 4 calls ``program.step`` only for the accounts the :class:`~.agenda.Agenda` says may have
something due (``every_day=True`` steps every account every day: the reference it is tested
against). The money side is vectorised over the accounts with numpy, in integer cents; the
random numbers come from :mod:`.draws`, so a run depends only on its inputs and its seed.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import attrs
import numpy as np

from dunforce.errors import DunforceError
from dunforce.ledger import analyse
from dunforce.program import Program
from dunforce.simulate.agenda import Agenda, Memory
from dunforce.simulate.behaviour import SEGMENTS, PaymentBehaviour
from dunforce.simulate.book import Book, cents_of, extend_rent
from dunforce.simulate.draws import code_of, uniform, uniforms
from dunforce.state import AccountState, Action, Charge, Issued
from dunforce.tables import Rejected

__all__ = ["Run", "run"]

# what each draw decides: one stream per purpose, so adding one never moves the others
_TERM, _DAILY, _REJECT, _ROUND, _OUTCOME, _PROMISE = 1, 2, 3, 4, 5, 6


@attrs.frozen
class Run:
    """What the loop saw, before it is shaped into tables. An account the program fails on is
    left out from that day: its rows until then stay, ``rejected`` says when and why."""

    #: the final states, in the order given; ``None`` for an account the program failed on
    states: tuple[AccountState | None, ...]
    actions: tuple[Action, ...]
    outcomes: tuple[str | None, ...]
    #: (account_id, day ordinal, cents, method, simulated, owed cents, returned day or None)
    payments: tuple[tuple, ...]
    #: one mapping per day, in order
    daily: tuple[dict[str, int], ...]
    rejected: tuple[Rejected, ...]
    #: how many times ``program.step`` was called
    steps: int


@attrs.define
class _Account:
    index: int
    account_id: str
    book: Book
    code: int
    segment: str
    debit: bool
    method: str | None
    #: whether the loop's overdue amount is the ledger's (see ``_followed``)
    followed: bool
    #: for an account that is not followed, the days a case may open with nothing the
    #: simulation does (see ``_changes``)
    changes: list[int]
    memory: Memory = attrs.field(factory=Memory)
    failed: bool = False


def _followed(state: AccountState, first: int) -> bool:
    """Whether the loop's overdue amount is the ledger's: the balance less the charges due on
    the day. It is when payments settle the oldest charges first (no payment names the charge
    it settles) and no rejection already in the ledger falls in the simulation (one that
    returns no payment is a charge, overdue the day after)."""
    return not any(
        (entry.kind == "payment" and entry.settles)
        or (entry.kind == "rejection" and entry.on.toordinal() >= first)
        for entry in state.ledger
    )


def _changes(state: AccountState, first: int) -> list[int]:
    """The days from ``first`` on when the overdue amount can grow with nothing the simulation
    does: the day after each charge falls due, and the days of the rejections already in the
    ledger (and the day after: a rejection that returns no payment is a charge of its day).
    A credit only ever closes a case, which takes actions away."""
    days = set()
    for entry in state.ledger:
        if isinstance(entry, Charge):
            days.add(entry.due.toordinal() + 1)
        elif entry.kind == "rejection":
            days.update((entry.on.toordinal(), entry.on.toordinal() + 1))
    return sorted(day for day in days if day >= first)


def run(
    program: Program,
    states: Sequence[AccountState],
    segments: Mapping[str, str],
    *,
    start: datetime.date,
    end: datetime.date,
    behaviour: PaymentBehaviour,
    seed: int,
    every_day: bool = False,
    progress: Callable[[datetime.date], None] | None = None,
) -> Run:
    """Simulate ``states`` from ``start`` to ``end`` (both included); ``segments`` gives each
    account's behaviour segment. ``progress`` is told each day once it is simulated."""
    loop = _Loop(program, states, segments, start, end, behaviour, seed, every_day)
    for today in range(start.toordinal(), end.toordinal() + 1):
        loop.day(today)
        if progress is not None:
            progress(datetime.date.fromordinal(today))
    return loop.result()


class _Loop:
    """The simulation's state between two days: the accounts, and their money as numpy arrays
    (index = the account's position in the portfolio)."""

    def __init__(self, program, states, segments, start, end, behaviour, seed, every_day):
        self.program = program
        self.behaviour = behaviour
        self.seed = seed
        self.every_day = every_day
        self.first, self.last = start.toordinal(), end.toordinal()
        self.threshold = int(program.case_threshold * 100)
        events = program.schema.events
        self.rejection_event = not events or "rejection" in events
        self.agenda = Agenda(program)
        self.accounts: list[_Account] = []
        # what the ledger already holds from the start on, by day: charges, credits (payments
        # and adjustments) and rejections
        self.charged: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.credited: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)
        self.resync: dict[int, set[int]] = defaultdict(set)
        count = len(states)
        self.balance = np.zeros(count, dtype=np.int64)
        for index, original in enumerate(states):
            self._open(index, original, segments[original.account_id], start, end)
        accounts = self.accounts
        self.codes = np.array([a.code for a in accounts], dtype=np.uint64)
        segment = np.array([SEGMENTS.index(a.segment) for a in accounts], dtype=np.int64)

        def per_segment(rates: Mapping[str, float]) -> np.ndarray:
            return np.array([rates[s] for s in SEGMENTS], dtype=np.float64)[segment]

        self.on_time = per_segment(behaviour.on_time)
        self.daily_rate = per_segment(behaviour.daily)
        self.reject_rate = per_segment(behaviour.rejection)
        shares = [round(behaviour.share[s] * 1000) for s in SEGMENTS]
        self.permille = np.array(shares, dtype=np.int64)[segment]
        self.decay = 0.5 ** (1.0 / behaviour.uplift_half_life_days)
        self.debit = np.array([a.debit for a in accounts], dtype=bool)
        self.followed = np.array([a.followed for a in accounts], dtype=bool)
        # whether each account was in arrears at the end of the day before (a case was open)
        self.was_late = np.zeros(count, dtype=bool)
        self.boost = np.zeros(count, dtype=np.float64)
        self.alive = np.ones(count, dtype=bool)
        self.next_look = np.full(count, self.first, dtype=np.int64)

        self.actions: list[Action] = []
        self.outcomes: list[str | None] = []
        self.payments: list[list] = []
        self.payment_rows: dict[tuple[int, str], int] = {}  # (account, payment id) -> row
        self.returns: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
        self.daily: list[dict[str, int]] = []
        self.failures: list[tuple[int, Rejected]] = []
        self.steps = 0

    def _open(self, index: int, original: AccountState, segment: str, start, end) -> None:
        state = original
        if self.behaviour.extend_rent:
            added = extend_rent(original, start, end)
            if added:
                state = attrs.evolve(original, ledger=original.ledger + added)
        first = self.first
        before = analyse(state, datetime.date.fromordinal(first - 1), names=frozenset())
        self.balance[index] = before.values["balance"]
        for entry in state.ledger:
            if isinstance(entry, Charge):
                if entry.due.toordinal() >= first:
                    self.charged[entry.due.toordinal()].append((index, cents_of(entry.amount)))
                continue
            day = entry.on.toordinal()
            if day < first:
                continue
            if entry.kind == "rejection":
                self.resync[day].add(index)
            else:
                is_payment = entry.kind == "payment"
                self.credited[day].append((index, cents_of(entry.amount), is_payment))
        method = state.attributes.get("payment_method")
        followed = _followed(state, first)
        self.accounts.append(
            _Account(
                index,
                state.account_id,
                Book(state),
                code_of(state.account_id),
                segment,
                method == "debit",
                method if isinstance(method, str) and method != "debit" else "transfer",
                followed,
                [] if followed else _changes(state, first),
            )
        )

    # ----- one day
    def day(self, today: int) -> None:
        count = len(self.accounts)
        self.on = datetime.date.fromordinal(today)
        self.due_today = np.zeros(count, dtype=np.int64)
        self.aid_today = np.zeros(count, dtype=np.int64)
        self.collected = self.returned = 0
        self.forced: set[int] = set()
        self._ledger(today)
        self._returns(today)
        self._payments(today)
        # a case that opens today with nothing else to wake its account: look at it today
        late_now = (self.balance - self.due_today) > self.threshold
        self.forced.update(np.flatnonzero(late_now & ~self.was_late & self.followed).tolist())
        self.was_late = late_now
        self._morning(today)
        self._figures(today)

    def _ledger(self, today: int) -> None:
        """1. The ledger's own entries of the day."""
        balance = self.balance
        for index, cents in self.charged.get(today, ()):
            balance[index] += cents
            self.due_today[index] += cents
        for index, cents, is_payment in self.credited.get(today, ()):
            balance[index] -= cents
            if is_payment:
                self.collected += cents
                account_id = self.accounts[index].account_id
                self.payments.append([account_id, today, cents, None, False, None, None])
            else:
                self.aid_today[index] += cents

    def _returns(self, today: int) -> None:
        """2. Direct debits the bank returns today, and rejections already in the ledger."""
        for index, payment_id, cents in self.returns.get(today, ()):
            if not self.alive[index]:
                continue
            account = self.accounts[index]
            account.book.reject(payment_id, self.on, event=self.rejection_event)
            account.memory.forget(today)
            self.balance[index] += cents
            self.returned += cents
            self.payments[self.payment_rows[index, payment_id]][6] = today
            self.forced.add(index)
        for index in self.resync.get(today, ()):
            # what a rejection already in the ledger returns is the ledger's to say
            state = self.accounts[index].book.state
            self.balance[index] = analyse(state, self.on, names=frozenset()).values["balance"]
            self.forced.add(index)

    def _payments(self, today: int) -> None:
        """3. The tenants' payments (``docs/simulation.md`` gives the model)."""
        behaviour, seed, codes = self.behaviour, self.seed, self.codes
        alive, debit, permille = self.alive, self.debit, self.permille
        owed = self.balance.copy()
        overdue = owed - self.due_today
        amount = np.zeros(len(owed), dtype=np.int64)
        # the bank takes a direct debit's term: the day's charges less the day's housing aid
        term = self.due_today - self.aid_today
        by_bank = debit & (term > 0) & (owed > 0) & alive
        amount[by_bank] = np.minimum(owed[by_bank], term[by_bank])
        paying = by_bank.copy()
        in_time = ~debit & (self.due_today > 0) & (owed > 0) & alive
        if in_time.any():
            in_time &= uniforms(seed, codes, today, _TERM) < self.on_time
            amount[in_time] = np.maximum(1, owed[in_time] * permille[in_time] // 1000)
            paying |= in_time
        late = (overdue > 0) & (owed > 0) & ~paying & alive
        if late.any():
            odds = np.minimum(behaviour.max_daily, self.daily_rate + self.boost)
            late &= uniforms(seed, codes, today, _DAILY) < odds
            amount[late] = np.maximum(1, owed[late] * permille[late] // 1000)
            paying |= late
        payers = np.flatnonzero(paying)
        if not len(payers):
            return
        if behaviour.overpayment > 0:
            up = paying & ~by_bank
            up &= uniforms(seed, codes, today, _ROUND) < behaviour.overpayment
            amount[up] = (owed[up] // 1000 + 1) * 1000
        rejecting = by_bank & (uniforms(seed, codes, today, _REJECT) < self.reject_rate)
        back = today + behaviour.rejection_delay_days
        for index in payers.tolist():
            account = self.accounts[index]
            cents = int(amount[index])
            method = "debit" if by_bank[index] else account.method
            payment_id = account.book.pay(cents, self.on, method)
            account.memory.forget(today)
            self.payment_rows[index, payment_id] = len(self.payments)
            row = [account.account_id, today, cents, method, True, int(owed[index]), None]
            self.payments.append(row)
            self.balance[index] -= cents
            self.collected += cents
            if rejecting[index] and back <= self.last:
                self.returns[back].append((index, payment_id, cents))

    def _morning(self, today: int) -> None:
        """4. The morning job: step the accounts that may have something due, record."""
        self.new_boost = np.zeros(len(self.accounts), dtype=np.float64)
        self.counts = dict.fromkeys((c.name for c in self.program.channels), 0)
        self.automatic = self.tasks = 0
        if self.every_day or today == self.first:
            looked = np.flatnonzero(self.alive)
        else:
            wake = self.next_look <= today
            wake[list(self.forced)] = True
            looked = np.flatnonzero(wake & self.alive)
        for index in looked.tolist():
            self._step(self.accounts[index], today)
        self.boost = self.boost * self.decay + self.new_boost

    def _step(self, account: _Account, today: int) -> None:
        index, on = account.index, self.on
        state = account.book.state
        try:
            live = True
            upcoming = after = today + 1
            keys: frozenset[str] = frozenset()
            if not self.every_day:
                look = self.agenda.look(state, today, account.memory)
                live = look.live or today == self.first  # the first day: every account
                upcoming, after, keys = look.next_day, look.after, look.keys
                position = bisect_right(account.changes, today)
                if position < len(account.changes):
                    upcoming = min(upcoming, account.changes[position])
                    after = min(after, account.changes[position])
            found: tuple[Action, ...] = ()
            if live:
                self.steps += 1
                if self.every_day:
                    found = self.program.step(state, on)
                else:
                    # the look's values of the days are the step's, and only the occurrences
                    # it found due can go out (on the first day, every account is stepped)
                    due = look.due if look.live else None
                    found = self.program._step(state, on, look.analysis, look.days, due)
        except (DunforceError, ArithmeticError, TypeError, ValueError) as exc:
            account.failed = True
            self.alive[index] = False
            reason = f"the program failed on {on.isoformat()}, the account is left out: {exc}"
            self.failures.append((index, Rejected(account.account_id, reason, source="step")))
            return
        self.next_look[index] = upcoming
        if not found:
            return
        account.book.record([self._issue(account, action, today) for action in found])
        if self.agenda.reads_history or keys != {action.key for action in found}:
            # the values of today change, or something due today is still out: look again
            account.memory.forget(today)
            self.next_look[index] = today + 1
        else:
            self.next_look[index] = after

    def _issue(self, account: _Account, action: Action, today: int) -> Issued:
        """An action as the history records it, with the outcome the model draws for it."""
        behaviour, seed = self.behaviour, self.seed
        channel = self.program.channels[action.channel]
        outcome = None
        if channel.contact:
            purpose = code_of(action.key)
            outcome = behaviour.outcome_of(
                channel.outcomes,
                action.channel,
                uniform(seed, account.code, today, purpose ^ _OUTCOME),
                uniform(seed, account.code, today, purpose ^ _PROMISE),
            )
        self.new_boost[account.index] += behaviour.uplift_of(action.channel, outcome)
        self.actions.append(action)
        self.outcomes.append(outcome)
        self.counts[action.channel] = self.counts.get(action.channel, 0) + 1
        if action.kind == "automatic":
            self.automatic += 1
        else:
            self.tasks += 1
        return Issued(action.key, action.emitted_on, action.channel, outcome)

    def _figures(self, today: int) -> None:
        """5. The day's figures."""
        overdue = np.where(self.alive, np.maximum(self.balance - self.due_today, 0), 0)
        row = {
            "date": today,
            "accounts_in_arrears": int(np.count_nonzero(overdue > self.threshold)),
            "overdue_cents": int(overdue.sum()),
            "collected_cents": self.collected,
            "returned_cents": self.returned,
            "actions": self.automatic + self.tasks,
            "automatic": self.automatic,
            "tasks": self.tasks,
        }
        row.update(self.counts)
        self.daily.append(row)

    def result(self) -> Run:
        self.failures.sort(key=lambda pair: pair[0])
        return Run(
            states=tuple(None if a.failed else a.book.state for a in self.accounts),
            actions=tuple(self.actions),
            outcomes=tuple(self.outcomes),
            payments=tuple(tuple(p) for p in self.payments),
            daily=tuple(self.daily),
            rejected=tuple(rejected for _, rejected in self.failures),
            steps=self.steps,
        )
