"""Turning what callers give (dates, amounts, attribute values) into exact, validated values.

Money is a ``Decimal`` to the cent; a ``float`` is accepted only when it is exact to the cent.
Dates are ``datetime.date`` (a ``pendulum.Date`` is one) or ISO ``YYYY-MM-DD`` strings. Every
refusal is a :class:`~dunforce.errors.StateError` naming the field and the value.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from dunforce.attributes.types import ValueType
from dunforce.errors import StateError

CENT = Decimal("0.01")


def to_money(value: object, field: str, *, allow_negative: bool = False) -> Decimal:
    """An amount of money as a ``Decimal`` with at most two decimals.

    >>> to_money("12.5", "amount")
    Decimal('12.50')
    >>> to_money(0.1 + 0.2, "amount")
    Traceback (most recent call last):
    ...
    dunforce.errors.StateError: amount: 0.30000000000000004 is not an exact amount of money ...
    """
    if isinstance(value, bool):
        raise StateError(f"{field}: {value!r} is not an amount of money", field=field, value=value)
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise StateError(
                f"{field}: {value!r} is not an amount of money (write it as 1234.56)",
                field=field,
                value=value,
            ) from None
    elif isinstance(value, float):
        amount = Decimal(repr(value))  # the shortest decimal that reads back as this float
        if amount.is_finite() and amount != amount.quantize(CENT):
            raise StateError(
                f"{field}: {value!r} is not an exact amount of money "
                "(pass a Decimal, an int or a str such as '12.50')",
                field=field,
                value=value,
            )
    else:
        raise StateError(
            f"{field}: {value!r} ({type(value).__name__}) is not an amount of money",
            field=field,
            value=value,
        )
    if not amount.is_finite():
        raise StateError(f"{field}: {value!r} is not a finite amount", field=field, value=value)
    if amount.adjusted() >= 15:  # a thousand billion euros: certainly a broken value
        raise StateError(f"{field}: {value!r} is too large an amount", field=field, value=value)
    if amount != amount.quantize(CENT):
        raise StateError(
            f"{field}: {value!r} has more than two decimals; money is counted in cents",
            field=field,
            value=value,
        )
    if amount < 0 and not allow_negative:
        raise StateError(f"{field}: {value!r} is negative", field=field, value=value)
    return amount.quantize(CENT)


def to_cents(amount: Decimal) -> int:
    """A validated amount as a whole number of cents (exact)."""
    return int(amount * 100)


def to_date(value: object, field: str) -> datetime.date:
    """A calendar date from a ``date`` (``pendulum.Date`` included) or an ISO string.

    >>> to_date("2026-03-02", "due")
    datetime.date(2026, 3, 2)
    """
    if isinstance(value, datetime.datetime):
        raise StateError(
            f"{field}: {value!r} is a date and time; pass a date", field=field, value=value
        )
    if isinstance(value, datetime.date):
        return datetime.date(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise StateError(
        f"{field}: {value!r} is not a date (pass a date or a 'YYYY-MM-DD' string)",
        field=field,
        value=value,
    )


def to_number(value: object, field: str) -> Decimal | int:
    if isinstance(value, bool):
        raise StateError(f"{field}: {value!r} is not a number", field=field, value=value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = None
        if number is not None and number.is_finite():
            return number
    raise StateError(f"{field}: {value!r} is not a number", field=field, value=value)


# ------------------------------------------------------------------ runtime and public forms
#
# Compiled conditions and the ledger compare values in runtime form: money in integer cents,
# dates as day ordinals, numbers as exact fractions. People read them in public form.


def to_runtime(value: object, kind: ValueType) -> object:
    """A public value (``Decimal`` euros, ``date``) in runtime form (cents, ordinal, fraction)."""
    if value is None:
        return None
    if kind is ValueType.MONEY:
        return int(Decimal(value) * 100)  # type: ignore[arg-type]
    if kind is ValueType.DATE:
        return value.toordinal()  # type: ignore[union-attr]
    if kind is ValueType.NUMBER:
        return Fraction(value)  # type: ignore[arg-type]
    return value


def exact_decimal(number: Fraction) -> Decimal | Fraction:
    """A fraction as a ``Decimal`` when it has a finite decimal expansion, else unchanged."""
    denominator = number.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return number
    scale = max(twos, fives)
    return Decimal(number.numerator * (10**scale // number.denominator)).scaleb(-scale)


def to_public(value: object, kind: ValueType | None) -> object:
    """A runtime value as people read it: euros to the cent, dates, exact decimals."""
    if value is None or kind is None:
        return value
    if kind is ValueType.MONEY:
        if isinstance(value, Fraction):  # money divided by a number: shown to the cent
            return (Decimal(value.numerator) / Decimal(value.denominator)).scaleb(-2).quantize(CENT)
        return Decimal(value).scaleb(-2)
    if kind is ValueType.DATE:
        return datetime.date.fromordinal(value)  # type: ignore[arg-type]
    if kind is ValueType.NUMBER:
        return exact_decimal(Fraction(value))  # type: ignore[arg-type]
    return value
