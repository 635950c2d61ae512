"""How the dashboard writes its numbers: euros from integer cents, rates, days and counts.

French conventions throughout, with the babel helpers of :mod:`dunforce.templates.filters`
(``1 234,56 €``, ``92,4 %``, ``12,5``), so that money on the page reads as on a letter to a
tenant. Money is never a float here: an amount arrives as integer cents and becomes an exact
``Decimal`` of euros; a mean of cents is divided exactly and rounded once, half to even. A value
with nothing to divide by (``NaN``) is shown as a dash.

>>> euros(123456)
'1 234,56 €'
>>> euros_per(1222, 2)
'6,11 €'
>>> percent(0.9240159)
'92,4 %'
>>> count(12345)
'12 345'
>>> percent(float("nan"))
'—'
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal

from dunforce.templates.filters import format_money, format_number

__all__ = ["MISSING", "count", "decimal", "euros", "euros_per", "percent"]

#: what a figure with nothing to divide by shows
MISSING = "—"


def _whole(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            number = int(value)  # numpy integers, exact integral floats of a typed column
        except (TypeError, ValueError):
            raise TypeError(f"{name}: expected a whole number, not {value!r}") from None
        if number != value:
            raise TypeError(f"{name}: expected a whole number, not {value!r}")
        return number
    return value


def euros(cents: int) -> str:
    """An amount of integer cents in euros, exactly: ``-5`` is ``-0,05 €``."""
    return format_money(Decimal(_whole(cents, "cents")).scaleb(-2))


def euros_per(cents: int, number: int) -> str:
    """``cents / number`` in euros, rounded once to the cent (half to even); a dash when
    ``number`` is 0."""
    cents, number = _whole(cents, "cents"), _whole(number, "number")
    if number == 0:
        return MISSING
    share = (Decimal(cents) / Decimal(number)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return format_money(share.scaleb(-2))


def _finite(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def percent(rate: float, decimals: int = 1) -> str:
    """A rate in [0, 1] as a percentage: ``0.75`` is ``75,0 %``."""
    number = _finite(rate)
    if number is None:
        return MISSING
    return f"{format_number(Decimal(repr(number * 100)), decimals)} %"


def decimal(value: float, decimals: int = 1) -> str:
    """A mean or a ratio with a decimal comma: ``12.0`` is ``12,0``."""
    number = _finite(value)
    if number is None:
        return MISSING
    return format_number(Decimal(repr(number)), decimals)


def count(value: int) -> str:
    """A whole number with grouped thousands."""
    return format_number(_whole(value, "count"))
