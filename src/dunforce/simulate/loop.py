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
from collections.abc import Mapping, Sequence

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


def _followed(state: AccountState) -> bool:
    """Whether the loop's overdue amount is the ledger's: the balance less the charges due on
    the day, which holds when payments settle the oldest charges first, that is when no payment
    names the charge it settles."""
    return not any(entry.kind == "payment" and entry.settles for entry in state.ledger)


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
) -> Run:
    """Simulate ``states`` from ``start`` to ``end`` (both included); ``segments`` gives each
    account's behaviour segment."""
    first, last = start.toordinal(), end.toordinal()
    threshold = int(program.case_threshold * 100)
    channels = program.channels
    schema_events = program.schema.events
    rejection_event = not schema_events or "rejection" in schema_events
    agenda = Agenda(program)
    accounts: list[_Account] = []
    # what the ledger already holds from the start on: day -> [(account, cents)]
    charged: dict[int, list[tuple[int, int]]] = defaultdict(list)
    credited: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)  # payments, adjustments
    resync: dict[int, set[int]] = defaultdict(set)
    count = len(states)
    balance = np.zeros(count, dtype=np.int64)
    for index, original in enumerate(states):
        state = original
        if behaviour.extend_rent:
            added = extend_rent(original, start, end)
            if added:
                state = attrs.evolve(original, ledger=original.ledger + added)
        before = analyse(state, datetime.date.fromordinal(first - 1), names=frozenset())
        balance[index] = before.values["balance"]
        for entry in state.ledger:
            if isinstance(entry, Charge):
                if entry.due.toordinal() >= first:
                    charged[entry.due.toordinal()].append((index, cents_of(entry.amount)))
                continue
            day = entry.on.toordinal()
            if day < first:
                continue
            if entry.kind == "rejection":
                resync[day].add(index)
            else:
                credited[day].append((index, cents_of(entry.amount), entry.kind == "payment"))
        method = state.attributes.get("payment_method")
        accounts.append(
            _Account(
                index,
                state.account_id,
                Book(state),
                code_of(state.account_id),
                segments[state.account_id],
                method == "debit",
                method if isinstance(method, str) and method != "debit" else "transfer",
                _followed(state),
                [] if _followed(state) else _changes(state, first),
            )
        )

    codes = np.array([a.code for a in accounts], dtype=np.uint64)
    segment_index = np.array([SEGMENTS.index(a.segment) for a in accounts], dtype=np.int64)
    debit = np.array([a.debit for a in accounts], dtype=bool)

    def per_segment(rates: Mapping[str, float]) -> np.ndarray:
        return np.array([rates[s] for s in SEGMENTS], dtype=np.float64)[segment_index]

    on_time = per_segment(behaviour.on_time)
    daily_rate = per_segment(behaviour.daily)
    reject_rate = per_segment(behaviour.rejection)
    permille = np.array([round(behaviour.share[s] * 1000) for s in SEGMENTS], dtype=np.int64)[
        segment_index
    ]
    decay = 0.5 ** (1.0 / behaviour.uplift_half_life_days)
    followed = np.array([a.followed for a in accounts], dtype=bool)
    # whether each account was in arrears at the end of the day before (a case was open)
    was_late = np.zeros(count, dtype=bool)
    boost = np.zeros(count, dtype=np.float64)
    alive = np.ones(count, dtype=bool)
    next_look = np.full(count, first, dtype=np.int64)  # the next day to look at each account

    actions: list[Action] = []
    outcomes: list[str | None] = []
    payments: list[list] = []
    payment_rows: dict[tuple[int, str], int] = {}  # (account, payment id) -> row in payments
    returns: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    daily_rows: list[dict[str, int]] = []
    failures: list[tuple[int, Rejected]] = []
    steps = 0
    channel_names = [c.name for c in channels]

    for today in range(first, last + 1):
        on = datetime.date.fromordinal(today)
        due_today = np.zeros(count, dtype=np.int64)
        aid_today = np.zeros(count, dtype=np.int64)
        collected = returned = 0
        forced: set[int] = set()

        # 1. the ledger's own entries of the day
        for index, cents in charged.get(today, ()):
            balance[index] += cents
            due_today[index] += cents
        for index, cents, is_payment in credited.get(today, ()):
            balance[index] -= cents
            if not is_payment:
                aid_today[index] += cents
            else:
                collected += cents
                payments.append([accounts[index].account_id, today, cents, None, False, None, None])

        # 2. direct debits the bank returns today
        for index, payment_id, cents in returns.get(today, ()):
            account = accounts[index]
            if not alive[index]:
                continue
            account.book.reject(payment_id, on, event=rejection_event)
            account.memory.forget(today)
            balance[index] += cents
            returned += cents
            payments[payment_rows[index, payment_id]][6] = today
            forced.add(index)
        for index in resync.get(today, ()):
            # a rejection already in the ledger: what it returns is the ledger's to say
            state = accounts[index].book.state
            balance[index] = analyse(state, on, names=frozenset()).values["balance"]
            forced.add(index)

        # 3. the tenants' payments
        owed = balance.copy()
        overdue = owed - due_today
        amount = np.zeros(count, dtype=np.int64)
        # the bank takes a direct debit's term: the day's charges less the day's housing aid
        term = due_today - aid_today
        by_bank = debit & (term > 0) & (owed > 0) & alive
        amount[by_bank] = np.minimum(owed[by_bank], term[by_bank])
        paying = by_bank.copy()
        in_time = ~debit & (due_today > 0) & (owed > 0) & alive
        if in_time.any():
            in_time &= uniforms(seed, codes, today, _TERM) < on_time
            amount[in_time] = np.maximum(1, owed[in_time] * permille[in_time] // 1000)
            paying |= in_time
        late = (overdue > 0) & (owed > 0) & ~paying & alive
        if late.any():
            odds = np.minimum(behaviour.max_daily, daily_rate + boost)
            late &= uniforms(seed, codes, today, _DAILY) < odds
            amount[late] = np.maximum(1, owed[late] * permille[late] // 1000)
            paying |= late
        payers = np.flatnonzero(paying)
        if len(payers):
            if behaviour.overpayment > 0:
                up = paying & ~by_bank
                up &= uniforms(seed, codes, today, _ROUND) < behaviour.overpayment
                amount[up] = (owed[up] // 1000 + 1) * 1000
            rejecting = by_bank & (uniforms(seed, codes, today, _REJECT) < reject_rate)
            for index in payers.tolist():
                account = accounts[index]
                cents = int(amount[index])
                method = "debit" if by_bank[index] else account.method
                payment_id = account.book.pay(cents, on, method)
                payment_rows[index, payment_id] = len(payments)
                payments.append(
                    [account.account_id, today, cents, method, True, int(owed[index]), None]
                )
                balance[index] -= cents
                collected += cents
                account.memory.forget(today)
                back = today + behaviour.rejection_delay_days
                if rejecting[index] and back <= last:
                    returns[back].append((index, payment_id, cents))

        # a case that opens today with nothing else to wake its account: look at it today
        late_now = (balance - due_today) > threshold
        for index in np.flatnonzero(late_now & ~was_late & followed).tolist():
            forced.add(index)
        was_late = late_now

        # 4. the morning job
        new_boost = np.zeros(count, dtype=np.float64)
        counts = dict.fromkeys(channel_names, 0)
        automatic = tasks = 0
        if every_day or today == first:
            looked = np.flatnonzero(alive)
        else:
            wake = (next_look <= today) & alive
            wake[list(forced)] = True
            looked = np.flatnonzero(wake & alive)
        for index in looked.tolist():
            account = accounts[index]
            state = account.book.state
            try:
                live = True
                upcoming = after = today + 1
                keys: frozenset[str] = frozenset()
                if not every_day:
                    look = agenda.look(state, today, account.memory)
                    live = look.live or today == first
                    upcoming, after, keys = look.next_day, look.after, look.keys
                    position = bisect_right(account.changes, today)
                    if position < len(account.changes):
                        upcoming = min(upcoming, account.changes[position])
                        after = min(after, account.changes[position])
                found: tuple[Action, ...] = ()
                if live:
                    steps += 1
                    found = program.step(state, on)
            except (DunforceError, ArithmeticError, TypeError, ValueError) as exc:
                account.failed = True
                alive[index] = False
                reason = (
                    f"the program failed on {on.isoformat()} and the account was left out: {exc}"
                )
                failures.append((index, Rejected(account.account_id, reason, source="step")))
                continue
            next_look[index] = upcoming
            if not found:
                continue
            issued = []
            for action in found:
                channel = channels[action.channel]
                outcome = None
                if channel.contact:
                    purpose = code_of(action.key)
                    outcome = behaviour.outcome_of(
                        channel.outcomes,
                        action.channel,
                        uniform(seed, account.code, today, purpose ^ _OUTCOME),
                        uniform(seed, account.code, today, purpose ^ _PROMISE),
                    )
                issued.append(Issued(action.key, action.emitted_on, action.channel, outcome))
                new_boost[index] += behaviour.uplift_of(action.channel, outcome)
                actions.append(action)
                outcomes.append(outcome)
                counts[action.channel] = counts.get(action.channel, 0) + 1
                if action.kind == "automatic":
                    automatic += 1
                else:
                    tasks += 1
            account.book.record(issued)
            if agenda.reads_history or not keys <= {action.key for action in found}:
                # the values of today change (or something due today is still out): again
                account.memory.forget(today)
                next_look[index] = today + 1
            else:
                next_look[index] = after
        boost = boost * decay + new_boost

        # 5. the day's figures
        overdue = np.where(alive, np.maximum(balance - due_today, 0), 0)
        row = {
            "date": today,
            "accounts_in_arrears": int(np.count_nonzero(overdue > threshold)),
            "overdue_cents": int(overdue.sum()),
            "collected_cents": collected,
            "returned_cents": returned,
            "actions": automatic + tasks,
            "automatic": automatic,
            "tasks": tasks,
        }
        row.update(counts)
        daily_rows.append(row)

    failures.sort(key=lambda pair: pair[0])
    return Run(
        states=tuple(None if a.failed else a.book.state for a in accounts),
        actions=tuple(actions),
        outcomes=tuple(outcomes),
        payments=tuple(tuple(p) for p in payments),
        daily=tuple(daily_rows),
        rejected=tuple(rejected for _, rejected in failures),
        steps=steps,
    )
