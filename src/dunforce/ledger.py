"""Ledger semantics: what an account's ledger means on a step date.

This module owns the derived attributes of the catalogue (``balance``, ``debt``, the case and its
anchor ``D``, rejections, repayment plans, the legal values, the contact history...): it turns
an :class:`~dunforce.state.AccountState` and a step date into their values, following to the
letter the definitions of ``LEDGER_TERMS`` and ``DERIVED_ATTRIBUTES`` in
:mod:`dunforce.attributes.catalogue`; the legal rules themselves live in :mod:`dunforce.legal`.

It is pure: it never reads the clock (the step date is always an argument), does no I/O, draws
no random number and never mutates the state. It runs for every account every morning, so it
reads the ledger once, sorts it once, and works on plain integers (day ordinals, cents): the
overdue amount only changes on the day after a charge's due date and on the days of payments,
adjustments and rejections, so the runs of days that make the cases are computed from these
change points, never day by day.

Where the catalogue leaves a choice, the reading taken is stated here and in :func:`analyse`:

* Rejections are matched in date order (ledger order within a day), each one against the
  payments dated on or before it that no earlier rejection returns: the one it names (by
  ``payment=``; the latest such payment if several carry the id), otherwise the latest one of
  the same amount. A rejection that names a payment that does not exist (or is already returned,
  or is dated after it) returns no payment and is not matched by amount. This makes the match of
  a rejection depend only on what happened before it, so the past never changes.
* A rejection's amount (for ``balance``) is the amount of the payment it returns; a rejection
  that returns no payment is a charge of its own ``amount`` (nothing when it gives none). Such a
  charge is a charge for the debt, the cases, ``unpaid_terms``, ``next_due_*`` and ``charges``,
  but it is not rent: ``monthly_rent`` reads only the ``Charge`` entries.
* A payment naming an id that several charges carry settles them oldest first, then the rest; a
  payment naming no charge of the ledger settles oldest first.
* The plan in force is the latest-signed among the plans signed, not cancelled and not completed
  on the step date (so an older plan is in force again when a newer one is cancelled).
* Every ``rejection`` event on a day without a rejection entry counts as one rejection.
* The housing-aid impayé (:mod:`dunforce.legal`) is judged, on every day of the open case, by
  the version of the rule in force on the step date, with the monthly rent of each day (so a
  rent revision does not move a date already reached) and the aid attributes of the step date;
  an aid paid to the landlord whose amount is not set counts as 0 (the gross threshold).
* A history entry without a recorded channel takes the one its key names; history entries are
  dated by ``emitted_on``, since the history keeps no date for the outcome.

Two consequences of the definitions, kept as written: a case still open but opened 365 days or
more before the step date is not counted by ``late_episodes_12m``; and an instalment due on day
e is checked on e + 1 with the payments of e + 1 included, so paying it a day late keeps the plan.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from itertools import accumulate

import attrs

from dunforce.attributes.catalogue import DERIVED_ATTRIBUTES
from dunforce.attributes.types import ValueType
from dunforce.legal import (
    add_months,
    aid_report_deadline,
    aid_rule_on,
    order_delay,
    order_expiry,
    prescribed,
)
from dunforce.state import AccountState, Issued
from dunforce.values import to_date, to_money, to_public

__all__ = ["DERIVED_NAMES", "Case", "LedgerAnalysis", "LedgerWalk", "analyse", "derived_attributes"]

#: the names of the derived attributes, in catalogue order
DERIVED_NAMES: frozenset[str] = frozenset(a.name for a in DERIVED_ATTRIBUTES)
_TYPES: Mapping[str, ValueType] = {a.name: a.type for a in DERIVED_ATTRIBUTES}

_PLAN_NAMES = frozenset({"plan_active", "plan_broken", "plan_remaining"})
_REJECTION_NAMES = frozenset({"rejections_90d", "rejections_12m"})
_PAYMENT_NAMES = frozenset({"last_payment_days", "last_payment_amount"})
_NEXT_DUE_NAMES = frozenset({"next_due_date", "next_due_amount"})
_RENT_NAMES = frozenset({"monthly_rent", "debt_months"})
_AID_NAMES = frozenset({"aid_arrears", "aid_arrears_date", "aid_report_deadline"})
_ORDER_NAMES = frozenset({"order_delay", "order_expiry_date"})
_PRESCRIPTION_NAMES = frozenset({"prescribed_debt", "recoverable_debt"})
_HISTORY_NAMES = frozenset(
    {"last_call_unreached", "last_contact_days", "promise_to_pay_days", "failed_contacts_30d"}
)
#: the groups above that apply the law or read the history, tested at once on the fast path
_LEGAL_NAMES = _AID_NAMES | _ORDER_NAMES | _PRESCRIPTION_NAMES | _HISTORY_NAMES
_CONTACTED = frozenset({"delivered", "reached", "promise_to_pay"})
_NOT_CONTACTED = frozenset({"failed", "bounced", "not_reached"})
_HUNDRED = Decimal(100)  # a Decimal times a Decimal is faster than times an int
#: the plan values of an account without a plan
_NO_PLAN = {"plan_active": False, "plan_broken": False, "plan_remaining": 0}


@attrs.frozen
class Case:
    """A late episode: a maximal run of days on which the overdue amount is above the threshold."""

    #: first day of the run of days with overdue amount > threshold
    opened: datetime.date
    #: first later day at or below the threshold; ``None`` if still open on the analysis date
    closed: datetime.date | None
    #: ``D``: the due date of the oldest overdue charge not fully settled on ``opened``
    anchor: datetime.date


@attrs.frozen
class LedgerAnalysis:
    """What the ledger says on ``on``, in the form the compiled step function reads.

    ``values`` holds the derived attributes by name in runtime form: money in integer cents,
    dates as ``date.toordinal()``, numbers as exact ``Fraction``, ``None`` for an optional value
    that is not set. ``charges`` gives, for each distinct charge due date in order, its ordinal
    and the unsettled cents of the charges due that day under the allocation on ``on``.
    """

    on: datetime.date
    values: Mapping[str, object]
    case: Case | None
    cases: tuple[Case, ...]
    charges: tuple[tuple[int, int], ...]


def _settle(
    unsettled: list[int], ptr: int, k: int, amount: int, targets: tuple[int, ...] | None
) -> tuple[int, int]:
    """Allocate ``amount``: first to ``targets``, then oldest first from ``ptr``.

    ``unsettled`` is changed in place. Returns the new ``ptr`` (every charge before it is fully
    settled) and how much of the amount went to the ``k`` overdue charges (the first ``k``).
    """
    overdue = 0
    if targets:
        for i in targets:
            part = unsettled[i]
            if part:
                if part > amount:
                    part = amount
                unsettled[i] -= part
                amount -= part
                if i < k:
                    overdue += part
                if not amount:
                    return ptr, overdue
    n = len(unsettled)
    while amount and ptr < n:
        part = unsettled[ptr]
        if part <= amount:
            amount -= part
            unsettled[ptr] = 0
            if ptr < k:
                overdue += part
            ptr += 1
        else:
            unsettled[ptr] = part - amount
            if ptr < k:
                overdue += amount
            amount = 0
    return ptr, overdue


def _check_arguments(on: object, threshold: object, names: object) -> None:
    if isinstance(on, datetime.datetime) or not isinstance(on, datetime.date):
        raise TypeError(f"on: expected a datetime.date, not {on!r}")
    if type(threshold) is not int or threshold < 0:
        raise ValueError(f"threshold: expected a whole number of cents >= 0, not {threshold!r}")
    if names is not None:
        if not isinstance(names, frozenset):
            raise TypeError(f"names: expected a frozenset of derived names, not {names!r}")
        unknown = names - DERIVED_NAMES
        if unknown:
            raise ValueError(f"names: not derived attributes: {', '.join(sorted(unknown))}")


def analyse(
    state: AccountState,
    on: datetime.date,
    *,
    threshold: int = 0,
    names: frozenset[str] | None = None,
) -> LedgerAnalysis:
    """The derived attributes of ``state`` on the step date ``on``, in runtime form.

    ``threshold`` is the case threshold in cents. ``names``, when given, is the set of derived
    attributes the caller reads: ``values`` then holds at least those (the plan, rejection,
    last-payment, next-due, rent, housing-aid, commandement, prescription and history groups
    that are not asked are not computed). ``case``, ``cases`` and ``charges`` are always
    computed.

    Readings taken where the catalogue leaves a choice (see the module docstring): rejections
    are matched in date order against the payments no earlier rejection returns, by id when they
    name one, else the latest payment of the same amount; a rejection that returns no payment is
    a charge of its own amount, but not rent; a rejection's amount in ``balance`` is that of the
    payment it returns; the plan in force is the latest-signed among the plans signed, not
    cancelled and not completed; every ``rejection`` event on a day without a rejection entry
    counts as one rejection; the impayé rule in force on ``on`` judges every day of the open
    case with that day's monthly rent.

    >>> from datetime import date
    >>> from dunforce.state import Charge, Payment
    >>> state = AccountState(
    ...     account_id="A1",
    ...     ledger=(Charge("450.00", date(2026, 1, 5)), Payment("200.00", date(2026, 1, 20))),
    ... )
    >>> result = analyse(state, date(2026, 2, 1))
    >>> result.values["debt"], result.values["days_late"], result.case.anchor
    (25000, 27, datetime.date(2026, 1, 5))
    """
    _check_arguments(on, threshold, names)
    today = on.toordinal()
    return LedgerWalk(state.ledger, threshold, today).at(state, today, names)


#: a day after every ledger: "no more change days"
_NEVER = datetime.date.max.toordinal() + 2


class LedgerWalk:
    """A ledger read once, and walked change day by change day up to a step date.

    :func:`analyse` reads and walks the ledger for one step date. A simulation looks at an
    account that does not change on many days: it keeps the walk and goes on from the day it
    stopped at (:meth:`at`), which gives the same analysis without reading the ledger again.

    The walk reads every charge, payment and adjustment whatever its date (the walk stops at
    the step date) and the rejections dated up to ``first``: a later rejection may return a
    payment and change the allocation of the days before it, so the walk does not reach it
    (:meth:`reaches`).
    """

    __slots__ = (
        "amounts",
        "anchor",
        "applied",
        "by_id",
        "cases",
        "charge_rows",
        "charge_totals",
        "dues",
        "k",
        "later_rejection",
        "ledger",
        "line_amounts",
        "line_days",
        "move_days",
        "move_totals",
        "moves",
        "named",
        "op",
        "opened",
        "operations",
        "overdue",
        "ptr",
        "rejections",
        "returned",
        "returned_total",
        "shared_days",
        "threshold",
        "unsettled",
        "walked",
    )

    def __init__(self, ledger: tuple, threshold: int, first: int) -> None:
        self.ledger = ledger
        self.threshold = threshold
        # (due, index, cents, id, carries a period); None for a rejection counted as a charge
        charge_rows: list[tuple[int, int, int, str | None, bool | None]] = []
        # payments and adjustments: (day, index, cents, settles, is a payment, payment id)
        moves: list[tuple[int, int, int, str | None, bool, str | None]] = []
        rejections: list[tuple[int, int, str | None, int | None]] = []  # (day, index, id, cents)
        later_rejection = _NEVER
        named = False
        for index, entry in enumerate(ledger):
            kind = entry.kind
            if kind == "charge":
                charge_rows.append(
                    (
                        entry.due.toordinal(),
                        index,
                        int(entry.amount * _HUNDRED),
                        entry.id,
                        entry.period is not None,
                    )
                )
                continue
            day = entry.on.toordinal()
            if kind == "payment":
                if entry.settles is not None:
                    named = True
                cents = int(entry.amount * _HUNDRED)
                moves.append((day, index, cents, entry.settles, True, entry.id))
            elif kind == "adjustment":
                moves.append((day, index, int(entry.amount * _HUNDRED), None, False, None))
            elif day > first:
                if day < later_rejection:
                    later_rejection = day
            else:
                amount = entry.amount
                rejections.append(
                    (day, index, entry.payment, None if amount is None else int(amount * _HUNDRED))
                )
        moves.sort()

        # -- match each rejection to the payment it returns, in date order ---------------------
        # returned: ledger index of a payment -> the day it is returned
        returned: dict[int, int] = {}
        returned_total = 0
        operations = moves  # what changes the allocation, in date order; cents < 0: a return
        if rejections:
            operations = moves[:]
            rejections.sort()
            for day, index, payment_id, cents in rejections:
                found = -1
                for position in range(len(moves) - 1, -1, -1):
                    move = moves[position]
                    if move[0] > day or not move[4] or move[1] in returned:
                        continue
                    if payment_id is not None:
                        if move[5] == payment_id:
                            found = position
                            break
                    elif move[2] == cents:
                        found = position
                        break
                if found >= 0:
                    returned[moves[found][1]] = day
                    operations.append((day, index, -1, None, False, None))
                    returned_total += moves[found][2]
                elif cents is not None:
                    charge_rows.append((day, index, cents, None, None))
            operations.sort()

        # -- the charges in allocation order: oldest due date first, ledger order within a day
        charge_rows.sort()
        self.charge_rows = charge_rows
        self.dues = [row[0] for row in charge_rows]
        self.amounts = amounts = [row[2] for row in charge_rows]
        #: whether several charges fall due on one day (the charges are then grouped by day)
        self.shared_days = len(set(self.dues)) < len(self.dues)
        self.charge_totals = list(accumulate(amounts))
        self.moves = moves
        self.move_days = [move[0] for move in moves]
        self.move_totals = list(accumulate(move[2] for move in moves))
        self.rejections = rejections
        self.later_rejection = later_rejection
        self.returned = returned
        self.returned_total = returned_total
        self.operations = operations
        self.named = named
        by_id: dict[str, tuple[int, ...]] = {}
        if named:
            for position, row in enumerate(charge_rows):
                if row[3] is not None:
                    by_id[row[3]] = (*by_id.get(row[3], ()), position)
        self.by_id = by_id
        # the walk so far: nothing walked yet
        self.unsettled = amounts[:]
        self.walked = -1
        self.k = 0  # the charges overdue on the last day walked are the first k
        self.ptr = 0  # every charge before ptr is fully settled
        self.op = 0
        self.overdue = 0
        self.applied: list[tuple[int, int, int, str | None, bool, str | None]] = []
        self.cases: list[Case] = []  # the cases closed so far
        self.opened = -1
        self.anchor = -1
        self.line_days: list[int] = []  # the overdue amount from each change day on
        self.line_amounts: list[int] = []

    def extend(self, ledger: tuple) -> bool:
        """Take in a ledger that is this walk's with payments or adjustments added, dated
        after the last day walked (a simulation's day), and say so; ``False``, the walk
        unchanged, for any other ledger: it has to be walked afresh."""
        known = self.ledger
        size = len(known)
        if len(ledger) <= size or any(a is not b for a, b in zip(ledger, known, strict=False)):
            return False
        added = []
        for index in range(size, len(ledger)):
            entry = ledger[index]
            kind = entry.kind
            if kind == "charge" or kind == "rejection":
                return False
            day = entry.on.toordinal()
            if day <= self.walked:
                return False  # the walk has gone past its day
            cents = int(entry.amount * _HUNDRED)
            if kind == "payment":
                if entry.settles is not None:
                    return False
                added.append((day, index, cents, None, True, entry.id))
            else:
                added.append((day, index, cents, None, False, None))
        # the walk has applied no operation of those days yet: each goes in its place, after
        # the operations of its day (a later ledger index)
        moves, operations = self.moves, self.operations
        for move in added:
            position = bisect_right(self.move_days, move[0])
            moves.insert(position, move)
            self.move_days.insert(position, move[0])
            if operations is not moves:
                operations.insert(bisect_right(operations, (move[0], _NEVER)), move)
        self.move_totals = list(accumulate(move[2] for move in moves))
        self.ledger = ledger
        return True

    def reaches(self, today: int) -> bool:
        """Whether the walk can go on to ``today`` (it never goes back)."""
        return self.walked <= today < self.later_rejection

    def _walk_to(self, today: int) -> None:
        """Walk the change days up to ``today``: due + 1 of each charge, and the days of the
        operations."""
        dues, unsettled, operations = self.dues, self.unsettled, self.operations
        threshold, by_id, named, returned = self.threshold, self.by_id, self.named, self.returned
        applied, cases = self.applied, self.cases
        line_days, line_amounts = self.line_days, self.line_amounts
        count, n_ops = len(dues), len(operations)
        k, ptr, op, overdue = self.k, self.ptr, self.op, self.overdue
        opened, anchor = self.opened, self.anchor
        while True:
            day = dues[k] + 1 if k < count else _NEVER
            if op < n_ops and operations[op][0] < day:
                day = operations[op][0]
            if day > today:
                break
            while k < count and dues[k] < day:
                overdue += unsettled[k]
                k += 1
            rebuild = False
            while op < n_ops and operations[op][0] == day:
                operation = operations[op]
                op += 1
                if operation[2] < 0:
                    rebuild = True
                    continue
                applied.append(operation)
                amount = operation[2]
                if named and operation[3] in by_id:
                    ptr, settled = _settle(unsettled, ptr, k, amount, by_id[operation[3]])
                    overdue -= settled
                    continue
                while amount and ptr < count:  # oldest first (_settle, inlined for speed)
                    part = unsettled[ptr]
                    if part <= amount:
                        amount -= part
                        unsettled[ptr] = 0
                        if ptr < k:
                            overdue -= part
                        ptr += 1
                    else:
                        unsettled[ptr] = part - amount
                        if ptr < k:
                            overdue -= amount
                        amount = 0
            if rebuild:  # a payment is returned: allocate again without it
                applied[:] = [a for a in applied if returned.get(a[1], _NEVER) > day]
                unsettled[:] = self.amounts
                ptr = 0
                for operation in applied:
                    ptr, _ = _settle(unsettled, ptr, k, operation[2], by_id.get(operation[3]))
                overdue = sum(unsettled[:k])
            if overdue > threshold:
                if opened < 0:
                    while not unsettled[ptr]:
                        ptr += 1
                    opened = day
                    anchor = dues[ptr]
            elif opened >= 0:
                cases.append(
                    Case(
                        datetime.date.fromordinal(opened),
                        datetime.date.fromordinal(day),
                        datetime.date.fromordinal(anchor),
                    )
                )
                opened = -1
            line_days.append(day)
            line_amounts.append(overdue)
        self.k, self.ptr, self.op, self.overdue = k, ptr, op, overdue
        self.opened, self.anchor = opened, anchor
        self.walked = today

    def at(
        self, state: AccountState, today: int, names: frozenset[str] | None = None
    ) -> LedgerAnalysis:
        """The analysis of ``state`` (whose ledger is the walk's) on the day ``today``, a day
        the walk :meth:`reaches`; ``names`` as for :func:`analyse`."""
        if not self.reaches(today):
            raise ValueError(f"the walk is at day {self.walked} and cannot reach day {today}")
        self._walk_to(today)
        on = datetime.date.fromordinal(today)
        want_all = names is None
        dues, unsettled, moves, returned = self.dues, self.unsettled, self.moves, self.returned
        k, ptr, overdue, opened, anchor = self.k, self.ptr, self.overdue, self.opened, self.anchor
        line_days, line_amounts = self.line_days, self.line_amounts
        cases = self.cases
        case = None
        if opened >= 0:
            case = Case(on.fromordinal(opened), None, on.fromordinal(anchor))
            cases = [*cases, case]

        charged = bisect_right(dues, today)
        paid = bisect_right(self.move_days, today)
        balance = (
            (self.charge_totals[charged - 1] if charged else 0)
            - (self.move_totals[paid - 1] if paid else 0)
            + self.returned_total
        )
        late = 0
        for past in reversed(cases):
            if past.opened.toordinal() <= today - 365:
                break
            late += 1
        first_late = False
        if case is not None:
            first_late = len(cases) < 2 or cases[-2].opened.toordinal() < opened - 365
        values: dict[str, object] = {
            "balance": balance,
            "debt": overdue,
            "credit": -balance if balance < 0 else 0,
            "unpaid_terms": k - ptr - unsettled[ptr:k].count(0) if ptr < k else 0,
            "in_case": case is not None,
            "case_anchor": anchor if case is not None else None,
            "case_open_date": opened if case is not None else None,
            "days_late": today - anchor if case is not None else 0,
            "first_late": first_late,
            "late_episodes_12m": late,
        }
        charge_rows = self.charge_rows
        if want_all or not _RENT_NAMES.isdisjoint(names):
            rent = _rent_today(charge_rows, dues, today)
            values["monthly_rent"] = rent
            values["debt_months"] = Fraction(overdue, rent) if rent else Fraction(0)
        if want_all or not _REJECTION_NAMES.isdisjoint(names):
            values.update(_rejection_counts(state, self.rejections, today))
        if want_all or not _PAYMENT_NAMES.isdisjoint(names):
            last_day = -1
            last_amount = 0
            for position in range(paid - 1, -1, -1):
                move = moves[position]
                if not move[4] or move[1] in returned:
                    continue
                if last_day < 0:
                    last_day = move[0]
                elif move[0] != last_day:
                    break
                last_amount += move[2]
            values["last_payment_days"] = today - last_day if last_day >= 0 else None
            values["last_payment_amount"] = last_amount if last_day >= 0 else None

        grouped = list(zip(dues, unsettled, strict=True))
        if self.shared_days:  # several charges due on a day: one row for the day
            merged: list[tuple[int, int]] = []
            for due, part in grouped:
                if merged and merged[-1][0] == due:
                    merged[-1] = (due, merged[-1][1] + part)
                else:
                    merged.append((due, part))
            grouped = merged
        if want_all or not _NEXT_DUE_NAMES.isdisjoint(names):
            position = bisect_left(grouped, (today,))
            if position < len(grouped):
                values["next_due_date"], values["next_due_amount"] = grouped[position]
            else:
                values["next_due_date"] = values["next_due_amount"] = None
        if want_all or not _PLAN_NAMES.isdisjoint(names):
            if state.plans:
                values.update(_plan_values(state, today, line_days, line_amounts))
            else:
                values.update(_NO_PLAN)
        if want_all or not _LEGAL_NAMES.isdisjoint(names):
            if want_all or not _AID_NAMES.isdisjoint(names):
                rent_steps = None if case is None else _rent_steps(charge_rows)
                values.update(_aid_values(state, on, case, rent_steps, line_days, line_amounts))
            if want_all or not _PRESCRIPTION_NAMES.isdisjoint(names):
                old = 0  # the charges are in due-date order, so the prescribed ones come first
                for position in range(k):
                    due = dues[position]
                    # 3 years are at least 1,095 days: a later charge is not prescribed yet
                    if due >= today - 1095 or not prescribed(on.fromordinal(due), on):
                        break
                    old += unsettled[position]
                values["prescribed_debt"] = old
                values["recoverable_debt"] = overdue - old
            if want_all or not _ORDER_NAMES.isdisjoint(names):
                lease_start = state.attributes.get("lease_start")
                served = state.attributes.get("last_order_date")
                values["order_delay"] = order_delay(lease_start)
                values["order_expiry_date"] = (
                    None if served is None else order_expiry(served, lease_start).toordinal()
                )
            if want_all or not _HISTORY_NAMES.isdisjoint(names):
                values.update(_history_values(state.history, today))

        return LedgerAnalysis(on, values, case, tuple(cases), tuple(grouped))


def _rent_steps(
    rows: list[tuple[int, int, int, str | None, bool | None]],
) -> tuple[list[int], list[int]]:
    """The rent due dates and the rent due on each, from the charge rows in due-date order.

    A row is (due, index, cents, id, carries a period); only the ``Charge`` entries are rent (a
    rejection counted as a charge has ``None``), and those with a period when any has one.
    """
    rent = [row for row in rows if row[4]]
    if not rent:
        rent = [row for row in rows if row[4] is not None]
    days: list[int] = []
    sums: list[int] = []
    for row in rent:
        if days and days[-1] == row[0]:
            sums[-1] += row[2]
        else:
            days.append(row[0])
            sums.append(row[2])
    return days, sums


def _rent_today(
    rows: list[tuple[int, int, int, str | None, bool | None]], dues: list[int], today: int
) -> int:
    """``monthly_rent`` on ``today``: ``_rent_on(*_rent_steps(rows), today)`` without building
    the steps (it runs for every account on every step)."""
    periods = any(row[4] for row in rows)
    position = bisect_right(dues, today) - 1
    step = position if position >= 0 else 0
    direction = -1 if position >= 0 else 1
    found = None
    while 0 <= step < len(rows):
        rent = rows[step][4]
        if rent if periods else rent is not None:
            found = rows[step][0]
            break
        step += direction
    if found is None and direction < 0:  # no rent due on or before today: the earliest one
        return _rent_today(rows, dues, -1) if rows else 0
    if found is None:
        return 0
    total = 0
    for row in rows[bisect_left(dues, found) : bisect_right(dues, found)]:
        if row[4] if periods else row[4] is not None:
            total += row[2]
    return total


def _rent_on(days: list[int], sums: list[int], day: int) -> int:
    """``monthly_rent`` with ``day`` as the step date: the rent of the latest due date on or
    before it, else of the earliest one; 0 without rent."""
    if not days:
        return 0
    position = bisect_right(days, day) - 1
    return sums[position if position >= 0 else 0]


def _aid_values(
    state: AccountState,
    on: datetime.date,
    case: Case | None,
    rent_steps: tuple[list[int], list[int]] | None,
    line_days: list[int],
    line_amounts: list[int],
) -> dict[str, object]:
    """``aid_arrears``, ``aid_arrears_date`` and ``aid_report_deadline`` on ``on``.

    The impayé rule is the version in force on ``on`` and judges every day of the open case. It
    can only start to hold on a day the overdue amount changes (the line), the monthly rent
    changes (a rent due date) or the months after D run out, so only those days are tried.
    """
    if case is None:
        return {"aid_arrears": False, "aid_arrears_date": None, "aid_report_deadline": None}
    rule = aid_rule_on(on)
    today = on.toordinal()
    opened = case.opened.toordinal()
    start = bisect_right(line_days, opened)  # the case opens on a change day: line_days[start-1]
    candidates = {opened, *line_days[start:]}
    rent_days, rent_sums = rent_steps or ([], [])
    aid = 0
    if rule.rent_multiple is not None:
        candidates.update(d for d in rent_days if opened < d <= today)
        attributes = state.attributes
        if rule.net_of_aid and attributes.get("apl_paid_to_landlord"):
            aid = int((attributes.get("apl_amount") or 0) * _HUNDRED)
    over = None if rule.amount_over is None else int(rule.amount_over * _HUNDRED)
    months_day = None
    if rule.months_after_first_unpaid is not None:
        months_day = add_months(case.anchor, rule.months_after_first_unpaid).toordinal()
        months_day = max(months_day, opened)
        if months_day <= today:
            candidates.add(months_day)

    def holds(day: int) -> bool:
        overdue = line_amounts[bisect_right(line_days, day) - 1]
        if over is not None and overdue > over:
            return True
        if months_day is not None and day >= months_day:
            return True
        if rule.rent_multiple is not None:
            monthly = _rent_on(rent_days, rent_sums, day) - aid
            return overdue >= rule.rent_multiple * (monthly if monthly > 0 else 0)
        return False

    constituted = next((day for day in sorted(candidates) if holds(day)), None)
    deadline = None
    if constituted is not None:
        deadline = aid_report_deadline(datetime.date.fromordinal(constituted)).toordinal()
    return {
        "aid_arrears": holds(today),
        "aid_arrears_date": constituted,
        "aid_report_deadline": deadline,
    }


def _history_values(history: tuple[Issued, ...], today: int) -> dict[str, object]:
    """The contact values from the history entries emitted on or before ``today``."""
    call_day = -1
    unreached = False
    contact = -1
    promise = -1
    failed = 0
    for entry in history:
        outcome = entry.outcome
        if outcome is None:
            continue
        day = entry.emitted_on.toordinal()
        if day > today:
            continue
        if outcome in _CONTACTED and day > contact:
            contact = day
        if outcome == "promise_to_pay" and day > promise:
            promise = day
        if outcome in _NOT_CONTACTED and day > today - 30:
            failed += 1
        if day >= call_day and entry.inferred_channel == "call":  # >=: later in history order
            call_day = day
            unreached = outcome == "not_reached"
    return {
        "last_call_unreached": unreached,
        "last_contact_days": today - contact if contact >= 0 else None,
        "promise_to_pay_days": today - promise if promise >= 0 else None,
        "failed_contacts_30d": failed,
    }


def _rejection_counts(
    state: AccountState, rejections: list[tuple[int, int, str | None, int | None]], today: int
) -> dict[str, int]:
    """``rejections_90d`` and ``rejections_12m``: entries, and events on days without one."""
    days = [r[0] for r in rejections]
    entry_days = set(days)
    for event in state.events:
        if event.kind == "rejection":
            day = event.on.toordinal()
            if day <= today and day not in entry_days:
                days.append(day)
    return {
        "rejections_90d": sum(1 for day in days if day > today - 90),
        "rejections_12m": sum(1 for day in days if day > today - 365),
    }


def _plan_values(
    state: AccountState, today: int, line_days: list[int], line_amounts: list[int]
) -> dict[str, object]:
    """``plan_active``, ``plan_broken`` and ``plan_remaining`` on ``today``.

    ``line_days``/``line_amounts`` give the overdue amount from each change day on (0 before the
    first): the overdue amount on any day up to ``today`` is read from them.
    """

    def overdue_on(day: int) -> int:
        position = bisect_right(line_days, day) - 1
        return line_amounts[position] if position >= 0 else 0

    in_force = None
    plans = state.plans
    order = sorted(range(len(plans)), key=lambda i: (plans[i].signed_on, i), reverse=True)
    for position in order:  # latest-signed first; within a day, the later in plan order first
        plan = plans[position]
        signed = plan.signed_on.toordinal()
        if signed > today:
            continue
        if plan.cancelled_on is not None and plan.cancelled_on.toordinal() <= today:
            continue
        # completed on the first day after signing with an overdue amount of 0
        if signed + 1 <= today:
            later = line_amounts[bisect_right(line_days, signed + 1) :]  # every change day <= today
            if overdue_on(signed + 1) == 0 or 0 in later:
                continue
        in_force = plan
        break
    if in_force is None:
        return {"plan_active": False, "plan_broken": False, "plan_remaining": 0}
    dues = [i.due.toordinal() for i in in_force.instalments]
    cents = [int(i.amount * 100) for i in in_force.instalments]
    signed = in_force.signed_on.toordinal()
    broken = False
    for due in sorted(set(dues)):
        if signed <= due < today:
            target = sum(c for d, c in zip(dues, cents, strict=True) if d >= due + 1)
            if overdue_on(due + 1) > target:
                broken = True
                break
    remaining = sum(c for d, c in zip(dues, cents, strict=True) if d >= today)
    return {"plan_active": True, "plan_broken": broken, "plan_remaining": remaining}


# ------------------------------------------------------------------------------ public form


def public_value(name: str, value: object) -> object:
    """A derived value in runtime form turned into its public form (see ``derived_attributes``)."""
    return to_public(value, _TYPES[name])


def derived_attributes(
    state: AccountState, on: datetime.date | str, *, threshold: Decimal = Decimal(0)
) -> dict[str, object]:
    """Every derived attribute of ``state`` on ``on``, in public form, for people and docs.

    Money is a ``Decimal`` with two decimals, a date a ``datetime.date``, a number a ``Decimal``
    when it is exact as a decimal (else a ``Fraction``), an optional value not set ``None``.
    ``threshold`` is the case threshold in euros.

    >>> from datetime import date
    >>> from dunforce.state import Charge, Payment
    >>> state = AccountState(
    ...     account_id="A1",
    ...     ledger=(Charge("400.00", date(2026, 1, 5)), Payment("100.00", date(2026, 1, 20))),
    ... )
    >>> values = derived_attributes(state, date(2026, 2, 1))
    >>> values["debt"], values["debt_months"], values["case_anchor"]
    (Decimal('300.00'), Decimal('0.75'), datetime.date(2026, 1, 5))
    """
    cents = int(to_money(threshold, "threshold") * 100)
    if isinstance(on, str):  # an ISO date, as everywhere in the public API
        on = to_date(on, "on")
    values = analyse(state, on, threshold=cents).values
    return {a.name: public_value(a.name, values[a.name]) for a in DERIVED_ATTRIBUTES}
