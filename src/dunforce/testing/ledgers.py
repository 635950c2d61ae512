"""Strategies for ledgers: monthly rent and the ways tenants pay it, exact to the cent.

A ledger is one rent charge a month and, for each month, what the tenant did: paid on time,
early, late, in part, not at all, or too much; a direct debit may come back rejected (and be paid
again), housing aid paid to the landlord may credit the account, the rent is revised each
January. :func:`paid_up` and :func:`settled` say what "the tenant has paid" means for the
property of the same name.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from decimal import Decimal

import attrs
from hypothesis import strategies as st

from dunforce.errors import StateError
from dunforce.ledger import analyse
from dunforce.state import AccountState, Adjustment, Charge, Entry, Payment, Rejection
from dunforce.testing.values import DAY, DEFAULT_DAY, day_argument, money
from dunforce.values import CENT, to_date, to_money

__all__ = ["BEHAVIOURS", "ledgers", "paid_up", "settled"]

#: what a tenant may do with one month's rent
BEHAVIOURS: tuple[str, ...] = ("on_time", "early", "late", "partial", "none", "overpay")

_DEBT = frozenset({"debt"})


def _strategy(value: object, name: str, check) -> st.SearchStrategy:
    """A value checked now, or a strategy whose draws are checked when drawn."""
    if isinstance(value, st.SearchStrategy):
        return value.map(lambda drawn: check(drawn, name))
    return st.just(check(value, name))


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{name}: expected a whole number >= 0, not {value!r}")
    return value


def _day_of_month(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 31:
        raise TypeError(f"{name}: expected a day of the month from 1 to 31, not {value!r}")
    return value


def _rent(value: object, name: str) -> Decimal:
    try:
        amount = to_money(value, name)
    except StateError as exc:
        raise TypeError(exc.message) from None
    if amount <= 0:
        raise TypeError(f"{name}: the rent must be above 0, not {value!r}")
    return amount


def _month_day(start: datetime.date, months: int, day: int) -> datetime.date:
    """Day ``day`` of the month ``months`` after ``start``'s, clamped to the month's end."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _behaviours(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise TypeError(f"behaviours: expected a collection of behaviours, not the text {value!r}")
    chosen = tuple(value)
    unknown = [b for b in chosen if b not in BEHAVIOURS]
    if unknown or not chosen:
        raise ValueError(
            f"behaviours: expected some of {', '.join(BEHAVIOURS)}, not {list(chosen)!r}"
        )
    return chosen


def ledgers(
    *,
    start: datetime.date | str | st.SearchStrategy = DEFAULT_DAY,
    months: int | st.SearchStrategy[int] = 6,
    rent: Decimal | int | str | st.SearchStrategy | None = None,
    due_day: int | st.SearchStrategy[int] | None = None,
    behaviours: Iterable[str] = BEHAVIOURS,
    rejections: bool = True,
    adjustments: bool = True,
    method: str | None = None,
) -> st.SearchStrategy[tuple[Entry, ...]]:
    """Ledgers of ``months`` monthly rents from ``start``'s month, each due on ``due_day``.

    ``start``, ``months``, ``rent`` and ``due_day`` take a value or a strategy; without them
    the rent is drawn from 250 € to 1 200 € (to the cent) and the due day from 1 to 28. Each
    month the tenant does one of ``behaviours`` (see :data:`BEHAVIOURS`). With ``rejections``,
    a payment sometimes comes back a few days later (a :class:`~dunforce.Rejection` naming it,
    or giving its amount) and is sometimes paid again; with ``adjustments``, housing aid paid
    to the landlord sometimes credits the account. Payments carry ``method``.

    >>> from hypothesis import find
    >>> ledger = find(ledgers(months=2, rent="450.00", behaviours=["none"]), lambda _: True)
    >>> [(entry.kind, str(entry.amount)) for entry in ledger]
    [('charge', '450.00'), ('charge', '450.00')]
    """
    starts = (
        start.map(lambda day: day_argument(day, "start"))
        if isinstance(start, st.SearchStrategy)
        else st.just(day_argument(start, "start"))
    )
    month_counts = _strategy(months, "months", _count)
    rents = money(25_000, 120_000) if rent is None else _strategy(rent, "rent", _rent)
    due_days = (
        st.integers(1, 28) if due_day is None else _strategy(due_day, "due_day", _day_of_month)
    )
    chosen = _behaviours(behaviours)
    if method is not None and not isinstance(method, str):
        raise TypeError(f"method: expected a payment method name or None, not {method!r}")
    return _ledgers(
        starts, month_counts, rents, due_days, chosen, bool(rejections), bool(adjustments), method
    )


@st.composite
def _ledgers(
    draw, starts, month_counts, rents, due_days, behaviours, rejections, adjustments, method
):
    start, months = draw(starts), draw(month_counts)
    rent, due_day = draw(rents), draw(due_days)
    entries: list[Entry] = []
    for month in range(months):
        due = _month_day(start, month, due_day)
        if month and due.month == 1:  # the yearly revision (IRL), at most 3.5 %
            rent = (rent * (1000 + draw(st.integers(0, 35))) / 1000).quantize(CENT)
        charge_id = f"c{month}"
        entries.append(Charge(amount=rent, due=due, period=f"{due:%Y-%m}", id=charge_id))
        behaviour = draw(st.sampled_from(behaviours))
        rent_cents = int(rent * 100)
        if behaviour == "none":
            paid = None
        elif behaviour == "on_time":
            paid = (rent, due)
        elif behaviour == "early":
            paid = (rent, due - draw(st.integers(1, 10)) * DAY)
        elif behaviour == "late":
            paid = (rent, due + draw(st.integers(1, 45)) * DAY)
        elif behaviour == "partial":
            part = draw(money(1, max(1, rent_cents - 1)))
            paid = (part, due + draw(st.integers(-5, 20)) * DAY)
        else:  # overpay
            paid = (rent + draw(money(1, rent_cents)), due + draw(st.integers(-5, 5)) * DAY)
        if paid is not None:
            amount, on = paid
            payment_id = f"p{month}"
            names_charge = draw(st.integers(0, 4)) == 4
            entries.append(
                Payment(
                    amount=amount,
                    on=on,
                    method=method,
                    id=payment_id,
                    settles=charge_id if names_charge else None,
                )
            )
            if rejections and draw(st.integers(0, 7)) == 7:  # a direct debit comes back
                returned = on + draw(st.integers(1, 6)) * DAY
                by_id = draw(st.booleans())
                entries.append(
                    Rejection(
                        on=returned,
                        payment=payment_id if by_id else None,
                        amount=None if by_id else amount,
                        reason="rejet de prélèvement",
                    )
                )
                if draw(st.booleans()):  # the tenant pays again
                    again = returned + draw(st.integers(2, 15)) * DAY
                    entries.append(Payment(amount=amount, on=again, method=method))
        if adjustments and draw(st.integers(0, 5)) == 5:  # housing aid paid to the landlord
            aid = draw(money(1_000, max(1_000, rent_cents // 2)))
            entries.append(
                Adjustment(amount=aid, on=due + draw(st.integers(0, 15)) * DAY, reason="apl")
            )
    return tuple(entries)


# ------------------------------------------------------------------ "the tenant has paid"


def settled(state: AccountState, day: datetime.date | str) -> bool:
    """Whether nothing is overdue on ``day``: every charge due before ``day`` is paid (its
    overdue amount, the derived ``debt``, is 0). A charge due on ``day`` itself is not late yet.

    >>> state = AccountState(account_id="A1", ledger=(Charge("450.00", "2026-03-02"),))
    >>> settled(state, "2026-03-02"), settled(state, "2026-03-03")
    (True, False)
    """
    on = to_date(day, "day")
    return analyse(state, on, names=_DEBT).values["debt"] == 0


def paid_up(state: AccountState, day: datetime.date | str) -> AccountState:
    """``state`` after the tenant paid, on ``day``, all that is due on or before ``day``.

    >>> state = AccountState(account_id="A1", ledger=(Charge("450.00", "2026-03-02"),))
    >>> later = paid_up(state, "2026-03-20")
    >>> later.ledger[-1].amount, settled(later, "2026-03-20")
    (Decimal('450.00'), True)
    """
    on = to_date(day, "day")
    today = on.toordinal()
    for attempt in range(3):  # a rejection of the same amount that day may return the payment
        analysis = analyse(state, on, names=_DEBT)
        owed = sum(cents for due, cents in analysis.charges if due <= today)
        if owed <= 0 and analysis.values["debt"] == 0:
            return state
        payment = Payment(
            amount=Decimal(max(owed, 1)).scaleb(-2), on=on, id=f"paid-up-{on}-{attempt}"
        )
        state = attrs.evolve(state, ledger=(*state.ledger, payment))
    raise ValueError(f"account {state.account_id}: could not settle the ledger on {on}")
