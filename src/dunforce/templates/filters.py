"""The filters a template may apply, and the French formatting behind them.

Formatting is babel's (``fr_FR``), never hand-written; this module only normalises its output to
plain ASCII spaces and hyphen-minus, because babel's narrow and no-break spaces are outside the
GSM-7 alphabet and would turn every SMS into UCS-2. Filters never guess: a value of the wrong
type is a :class:`FilterError`, an unset value passes through to ``default`` (or to the output,
which refuses it).

>>> format_money(Decimal("1234.56"))
'1 234,56 €'
>>> format_date(datetime.date(2026, 3, 15))
'15 mars 2026'
>>> format_short_date(datetime.date(2026, 3, 15))
'15/03/2026'
>>> format_number(Decimal("1234.5"))
'1 234,5'
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from babel.dates import format_date as _babel_date
from babel.numbers import format_currency as _babel_currency
from babel.numbers import format_decimal as _babel_decimal
from jinja2 import Undefined

from dunforce.attributes.types import ValueType

LOCALE = "fr_FR"

_PLAIN = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2212": "-"})

#: decimals shown for a number that has no finite decimal form (a third of a month)
_FRACTION_DECIMALS = 2
_MAX_DECIMALS = 6


class FilterError(Exception):
    """A filter given a value it cannot format; the template set turns it into a RenderError."""


class Unset:
    """An unset value (``None``) on its way through a template, carrying the variable's name.

    It is false, equal to ``None``, and passes through the formatting filters, so that
    ``{{ x | date | default("…") }}`` works; it refuses to be shown or ordered.
    """

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, Unset)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(None)

    def _refuse(self, other: object) -> bool:
        raise UnsetUsed(self.name)

    __lt__ = __le__ = __gt__ = __ge__ = _refuse

    def __repr__(self) -> str:
        return f"Unset({self.name!r})"


class UnsetUsed(Exception):
    """An unset value was shown or ordered; ``name`` is its variable."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(name)


def _is_number(value: object) -> bool:
    return isinstance(value, int | Decimal | Fraction | float) and not isinstance(value, bool)


def _describe(value: object) -> str:
    return f"{value!r} ({type(value).__name__})"


def format_money(amount: Decimal | int) -> str:
    """An amount in euros, French style: ``1 234,56 €`` (plain spaces, two decimals).

    >>> format_money(Decimal("-5"))
    '-5,00 €'
    """
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise FilterError(f"money expects an amount (Decimal), not {_describe(amount)}")
    if isinstance(amount, Decimal) and not amount.is_finite():
        raise FilterError(f"money expects a finite amount, not {amount!r}")
    return _babel_currency(amount, "EUR", locale=LOCALE).translate(_PLAIN)


def _as_date(day: object, filter_name: str) -> datetime.date:
    if not isinstance(day, datetime.date):
        raise FilterError(f"{filter_name} expects a date, not {_describe(day)}")
    return day


def format_date(day: datetime.date) -> str:
    """A French long date: ``15 mars 2026``."""
    return _babel_date(_as_date(day, "date"), format="long", locale=LOCALE).translate(_PLAIN)


def format_short_date(day: datetime.date) -> str:
    """A French short date: ``15/03/2026``."""
    return _babel_date(_as_date(day, "short_date"), format="short", locale=LOCALE).translate(_PLAIN)


def format_number(number: Decimal | int, decimals: int | None = None) -> str:
    """A number with a decimal comma and grouped thousands: ``1 234,5``.

    Without ``decimals`` a ``Decimal`` keeps the decimals it has (up to six) and a fraction shows
    two; with ``decimals`` it is rounded (half to even) to that many.

    >>> format_number(Decimal("1.25"), 1)
    '1,2'
    >>> format_number(12345)
    '12 345'
    """
    if not _is_number(number):
        raise FilterError(f"number expects a number, not {_describe(number)}")
    if decimals is not None and (
        isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6
    ):
        raise FilterError(f"number takes a whole number of decimals from 0 to 6, not {decimals!r}")
    if isinstance(number, Fraction):
        value = Decimal(number.numerator) / Decimal(number.denominator)
        shown = _FRACTION_DECIMALS
    elif isinstance(number, float):
        value, shown = Decimal(repr(number)), None
    else:
        value, shown = Decimal(number), None
    if not value.is_finite():
        raise FilterError(f"number expects a finite number, not {number!r}")
    if decimals is not None:
        shown = decimals
    elif shown is None:
        shown = min(max(0, -value.as_tuple().exponent), _MAX_DECIMALS)  # type: ignore[operator]
    pattern = "#,##0" + ("." + "0" * shown if shown else "")
    return _babel_decimal(value, format=pattern, locale=LOCALE).translate(_PLAIN)


def _text(value: object, filter_name: str) -> str:
    if not isinstance(value, str):
        raise FilterError(f"{filter_name} expects a text, not {_describe(value)}")
    return value


def capitalize(text: str) -> str:
    """The first letter in capitals, the rest unchanged (``caf`` → ``Caf``, ``CAF`` stays)."""
    text = _text(text, "capitalize")
    return text[:1].upper() + text[1:]


def _passes_unset(function: Callable[..., str]) -> Callable[..., object]:
    def wrapper(value: object, *args: object) -> object:
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()  # the caller gave no value: say which name
        if isinstance(value, Unset):
            return value
        return function(value, *args)

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


def default(value: object, fallback: object) -> object:
    """``fallback`` when the value is unset, the value otherwise.

    A name the caller gave no value for is an error, not unset: guard it with ``is defined``.
    """
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return fallback if value is None or isinstance(value, Unset) else value


#: what each filter does to a value; Jinja calls them with the value first
FILTER_FUNCTIONS: Mapping[str, Callable[..., object]] = MappingProxyType(
    {
        "money": _passes_unset(format_money),
        "date": _passes_unset(format_date),
        "short_date": _passes_unset(format_short_date),
        "number": _passes_unset(format_number),
        "upper": _passes_unset(lambda text: _text(text, "upper").upper()),
        "lower": _passes_unset(lambda text: _text(text, "lower").lower()),
        "capitalize": _passes_unset(capitalize),
        "default": default,
    }
)

#: the filters a template may use, in the order the documentation lists them
FILTERS: tuple[str, ...] = tuple(FILTER_FUNCTIONS)

_ANY = None
#: the value types each filter accepts (``None``: any), and how many literal arguments it takes
ACCEPTS: Mapping[str, frozenset[ValueType] | None] = MappingProxyType(
    {
        "money": frozenset({ValueType.MONEY}),
        "date": frozenset({ValueType.DATE}),
        "short_date": frozenset({ValueType.DATE}),
        "number": frozenset({ValueType.INT, ValueType.NUMBER, ValueType.MONEY}),
        "upper": frozenset({ValueType.TEXT}),
        "lower": frozenset({ValueType.TEXT}),
        "capitalize": frozenset({ValueType.TEXT}),
        "default": _ANY,
    }
)
ARITY: Mapping[str, tuple[int, int]] = MappingProxyType(
    {name: (1, 1) if name == "default" else (0, 1 if name == "number" else 0) for name in FILTERS}
)
#: the type of a filter's result, when it is not the type it was given
RESULT: Mapping[str, ValueType] = MappingProxyType(
    {
        name: ValueType.TEXT
        for name in ("money", "date", "short_date", "number", "upper", "lower", "capitalize")
    }
)


def show(value: object) -> str:
    """A value shown without a filter: booleans as oui/non, dates long, numbers French."""
    if isinstance(value, Unset):
        raise UnsetUsed(value.name)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.date):
        return format_date(value)
    if _is_number(value):
        return format_number(value)  # type: ignore[arg-type]
    return str(value)


__all__ = [
    "FILTERS",
    "FILTER_FUNCTIONS",
    "FilterError",
    "Unset",
    "UnsetUsed",
    "format_date",
    "format_money",
    "format_number",
    "format_short_date",
    "show",
]
