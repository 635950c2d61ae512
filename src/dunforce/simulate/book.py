"""One account's simulated ledger: the rent still to come, and what the simulation adds to it.

The behaviour model adds payments, direct-debit rejections (with their ``rejection`` event) and
the issued actions with their outcomes. Building a new :class:`~dunforce.state.AccountState` is
not free (the attributes are validated again), so the additions wait in a :class:`Book` until the
program needs the state: every addition is dated on the day it is made, and a state is asked for
only after the day's additions, so the state a program sees is the one it would have seen had
each addition been applied at once.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from dunforce.engine.schedule import add_months
from dunforce.state import AccountState, Adjustment, Charge, Event, Issued, Payment, Rejection

__all__ = ["Book", "cents_of", "extend_rent", "money_of"]

#: how close to the start the last rent charge must fall for the tenancy to count as current
CURRENT_RENT_DAYS = 62


def cents_of(amount: Decimal) -> int:
    return int(amount * 100)


def money_of(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def extend_rent(
    state: AccountState, start: datetime.date, end: datetime.date
) -> tuple[Charge | Adjustment, ...]:
    """The rent charges of the months after the account's last charge, up to ``end``.

    Each month repeats the charges of the last due date (same amounts, same day of the month,
    clamped to the month's end) and the adjustments dated that day (housing aid paid to the
    landlord), with the next period (``YYYY-MM``) when the charge had one. Nothing is added when
    the last charge falls due more than ``CURRENT_RENT_DAYS`` days before ``start`` (the tenancy
    has ended), nor on or after the tenant's ``departure_date``.
    """
    charges = [entry for entry in state.ledger if isinstance(entry, Charge)]
    if not charges:
        return ()
    last = max(charge.due for charge in charges)
    if last.toordinal() < start.toordinal() - CURRENT_RENT_DAYS:
        return ()
    terms = [charge for charge in charges if charge.due == last]
    aid = [entry for entry in state.ledger if isinstance(entry, Adjustment) and entry.on == last]
    departure = state.attributes.get("departure_date")
    added: list[Charge | Adjustment] = []
    months = 1
    while True:
        due = datetime.date.fromordinal(add_months(last.toordinal(), months))
        if due > end or (isinstance(departure, datetime.date) and due >= departure):
            break
        period = f"{due.year:04d}-{due.month:02d}"
        for index, charge in enumerate(terms):
            added.append(
                Charge(
                    charge.amount,
                    due,
                    period=period if charge.period is not None else None,
                    id=f"sim-C{due:%Y%m%d}-{index}" if charge.id is not None else None,
                    label=charge.label,
                )
            )
        for index, adjustment in enumerate(aid):
            added.append(
                Adjustment(
                    adjustment.amount,
                    due,
                    reason=adjustment.reason,
                    id=f"sim-A{due:%Y%m%d}-{index}" if adjustment.id is not None else None,
                )
            )
        months += 1
    return tuple(added)


class Book:
    """An account's state and the additions that wait to be applied to it."""

    __slots__ = ("_entries", "_events", "_history", "_state")

    def __init__(self, state: AccountState):
        self._state = state
        self._entries: list = []
        self._events: list[Event] = []
        self._history: list[Issued] = []

    def pay(self, cents: int, on: datetime.date, method: str | None) -> str:
        """Add a payment; its id, for a rejection to name."""
        payment_id = f"sim-P{on:%Y%m%d}"
        self._entries.append(Payment(money_of(cents), on, method=method, id=payment_id))
        return payment_id

    def reject(self, payment_id: str, on: datetime.date, *, event: bool) -> None:
        self._entries.append(Rejection(on, payment=payment_id, reason="simulated"))
        if event:
            self._events.append(Event("rejection", on, "simulated"))

    def record(self, issued: list[Issued]) -> None:
        self._history.extend(issued)

    @property
    def state(self) -> AccountState:
        """The state with every addition so far."""
        if self._entries or self._events or self._history:
            self._state = self._state._extended(
                tuple(self._entries), tuple(self._events), tuple(self._history)
            )
            self._entries.clear()
            self._events.clear()
            self._history.clear()
        return self._state
