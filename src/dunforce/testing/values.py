"""Strategies for single values: the attributes a schema declares, and step dates.

Each attribute is drawn by what its :class:`~dunforce.attributes.AttributeSpec` declares (type,
closed set of values, optional, default), with realistic ranges for the built-in housing
catalogue (an age is 18 to 99, a household 1 to 8 persons, a mobile number is French). Money is
a ``Decimal`` to the cent, never a float. Dates favour the days where contact rules bite:
Sundays, public holidays (national, Alsace-Moselle, overseas), month ends, 29 February.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from hypothesis import strategies as st

from dunforce.attributes import HOUSING_SCHEMA, AttributeSpec, Schema, ValueType
from dunforce.calendar import FRANCE
from dunforce.dsl.ast import Duration
from dunforce.errors import StateError
from dunforce.values import to_date

__all__ = ["DEFAULT_DAY", "attribute_values", "dates", "day_argument", "money"]

#: the day strategies draw around when they are not told otherwise
DEFAULT_DAY = datetime.date(2026, 1, 1)
DAY = datetime.timedelta(days=1)

#: the ``holidays`` subdivisions whose public holidays differ: national days, Moselle, Alsace,
#: and the overseas départements
_SUBDIVISIONS = (None, "57", "6AE", "971", "972", "973", "974", "976")
#: values of the catalogue drawn half the time: the common dwellings, and the départements whose
#: holidays or time zones are not Paris's
_COMMON_VALUES = {
    "housing_type": ("apartment", "house"),
    "departement": ("75", "57", "67", "68", "971", "972", "974", "976", "2A"),
}


def day_argument(value: object, name: str) -> datetime.date:
    """A date argument of a strategy, checked eagerly: an error names the argument."""
    try:
        return to_date(value, name)
    except StateError as exc:
        raise TypeError(f"{name}: {exc.message.split(': ', 1)[-1]}") from None


def money(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Amounts from ``low`` to ``high`` cents, as ``Decimal`` euros (exact to the cent)."""
    return st.integers(low, high).map(lambda cents: Decimal(cents).scaleb(-2))


def _between(first: datetime.date, last: datetime.date) -> st.SearchStrategy[datetime.date]:
    return st.dates(first, last)


def dates(
    *, around: datetime.date | str = DEFAULT_DAY, within: int = 90, tricky: bool = True
) -> st.SearchStrategy[datetime.date]:
    """Days at most ``within`` days before or after ``around``.

    With ``tricky`` (the default), half the draws are days on which contact rules bite:
    Sundays, French public holidays (national, Alsace-Moselle and overseas), the last day of a
    month and 29 February, when the range holds them.

    >>> from hypothesis import find
    >>> find(dates(around="2026-05-01", within=3), lambda day: day.weekday() == 6)
    datetime.date(2026, 5, 3)
    """
    centre = day_argument(around, "around")
    if isinstance(within, bool) or not isinstance(within, int) or within < 0:
        raise TypeError(f"within: expected a whole number of days >= 0, not {within!r}")
    first, last = centre - within * DAY, centre + within * DAY
    plain = _between(first, last)
    if not tricky:
        return plain
    special = [day for day in _days(first, last) if _is_tricky(day)]
    return st.one_of(plain, st.sampled_from(special)) if special else plain


def _days(first: datetime.date, last: datetime.date) -> Iterable[datetime.date]:
    day = first
    while day <= last:
        yield day
        day += DAY


def _is_tricky(day: datetime.date) -> bool:
    if day.weekday() == 6 or (day + DAY).day == 1 or (day.month, day.day) == (2, 29):
        return True
    ordinal = day.toordinal()
    return any(FRANCE.is_holiday(ordinal, subdivision) for subdivision in _SUBDIVISIONS)


# ------------------------------------------------------------------ attributes


def _within_years(before: int, after_days: int = 0):
    def strategy(today: datetime.date) -> st.SearchStrategy[datetime.date]:
        return _between(today - 365 * before * DAY, today + after_days * DAY)

    return strategy


def _fixed(strategy: st.SearchStrategy) -> Callable[[datetime.date], st.SearchStrategy]:
    return lambda today: strategy


#: realistic values for the built-in catalogue, used when the schema gives the name this type
_CATALOGUE: Mapping[str, tuple[ValueType, Callable[[datetime.date], st.SearchStrategy]]] = {
    "lease_start": (ValueType.DATE, _within_years(20, after_days=60)),
    "departure_date": (ValueType.DATE, lambda today: _between(today - 60 * DAY, today + 240 * DAY)),
    "last_order_date": (ValueType.DATE, _within_years(3)),
    "aid_report_date": (ValueType.DATE, _within_years(2)),
    "ccapex_referral_date": (ValueType.DATE, _within_years(2)),
    "deposit_amount": (ValueType.MONEY, _fixed(money(0, 150_000))),
    "income": (ValueType.MONEY, _fixed(money(0, 450_000))),
    "apl_amount": (ValueType.MONEY, _fixed(money(0, 60_000))),
    "age": (ValueType.INT, _fixed(st.integers(18, 99))),
    "household_size": (ValueType.INT, _fixed(st.integers(1, 8))),
    "dependents": (ValueType.INT, _fixed(st.integers(0, 6))),
    "debit_day": (ValueType.INT, _fixed(st.integers(1, 31))),
    "prior_orders": (ValueType.INT, _fixed(st.integers(0, 3))),
    "prior_plans": (ValueType.INT, _fixed(st.integers(0, 3))),
    "phone_mobile": (
        ValueType.TEXT,
        _fixed(st.integers(0, 10**8 - 1).map(lambda n: f"+336{n:08d}")),
    ),
    "email_address": (
        ValueType.TEXT,
        _fixed(st.integers(1, 9999).map(lambda n: f"locataire{n}@example.org")),
    ),
}

#: optional facts of the catalogue most tenants do not have: given one time in six
_SELDOM = frozenset(
    {"departure_date", "last_order_date", "aid_report_date", "ccapex_referral_date"}
)

#: whole-number ranges by unit, for attributes of a user's schema
_INT_RANGES = {"years": (0, 99), "persons": (0, 8), "day of month": (1, 31), "days": (0, 365)}


def _value_strategy(spec: AttributeSpec, today: datetime.date) -> st.SearchStrategy:
    known = _CATALOGUE.get(spec.name)
    if known is not None and known[0] is spec.type and spec.allowed is None:
        return known[1](today)
    kind = spec.type
    if kind is ValueType.BOOL:
        return st.booleans()
    if kind is ValueType.INT:
        low, high = _INT_RANGES.get(spec.unit or "", (0, 20))
        return st.integers(low, high)
    if kind is ValueType.NUMBER:
        return st.integers(0, 100_000).map(lambda n: Decimal(n).scaleb(-2))
    if kind is ValueType.MONEY:
        return money(0, 500_000)
    if kind is ValueType.DATE:
        return _between(today - 5 * 365 * DAY, today + 365 * DAY)
    if kind is ValueType.DURATION:
        return st.builds(Duration, st.integers(0, 24), st.sampled_from(("d", "w", "m")))
    if spec.allowed is not None:
        common = [v for v in _COMMON_VALUES.get(spec.name, ()) if v in spec.allowed]
        if common:  # the usual values half the time, any allowed value otherwise
            return st.one_of(st.sampled_from(common), st.sampled_from(spec.allowed))
        return st.sampled_from(spec.allowed)
    return st.text(alphabet="abcdefghijklmnopqrstuvwxyzé0123456789-", min_size=1, max_size=12)


def _chosen_specs(schema: Schema, names: Iterable[str] | None) -> tuple[AttributeSpec, ...]:
    if not isinstance(schema, Schema):
        raise TypeError(f"schema: expected a dunforce.Schema, not {type(schema).__name__}")
    if names is None:
        return schema.attributes
    if isinstance(names, str):
        raise TypeError(f"names: expected a collection of attribute names, not the text {names!r}")
    specs = []
    for name in names:
        spec = schema.get(name)
        if spec is None:
            raise ValueError(f"names: {name!r} is not an attribute of the schema")
        if not isinstance(spec, AttributeSpec):
            continue  # a derived attribute is computed from the ledger, never supplied
        specs.append(spec)
    return tuple(specs)


def attribute_values(
    schema: Schema = HOUSING_SCHEMA,
    names: Iterable[str] | None = None,
    *,
    today: datetime.date | str = DEFAULT_DAY,
    overrides: Mapping[str, st.SearchStrategy] | None = None,
) -> st.SearchStrategy[dict[str, object]]:
    """Attribute mappings valid for ``schema``: the supplied attributes ``names`` (all by
    default; derived names are skipped, since the ledger gives them).

    An attribute that is neither optional nor defaulted is always given. An optional one is
    sometimes missing or ``None``, and one with a default sometimes missing, so that programs
    meet the defaults too: given, it is mostly its default, so a flag false by default (a
    dispute, an opt-out) is seldom true.
    ``overrides`` draws some attributes from strategies of your own (an optional or defaulted
    one is still missing at times), and dates are drawn around ``today``.

    >>> from hypothesis import find
    >>> find(attribute_values(names=["apl", "payment_method"]), lambda v: v.get("apl") is True)
    {'apl': True, 'payment_method': 'debit'}
    """
    specs = _chosen_specs(schema, names)
    day = day_argument(today, "today")
    overrides = dict(overrides or {})
    for name, strategy in overrides.items():
        if not isinstance(schema.get(name), AttributeSpec):
            raise ValueError(f"overrides: {name!r} is not a supplied attribute of the schema")
        if not isinstance(strategy, st.SearchStrategy):
            raise TypeError(f"overrides[{name!r}]: expected a Hypothesis strategy")
    drawn = tuple(
        (spec, overrides[spec.name] if spec.name in overrides else _value_strategy(spec, day))
        for spec in specs
    )
    return _attributes(drawn)


@st.composite
def _attributes(draw, drawn: tuple[tuple[AttributeSpec, st.SearchStrategy], ...]):
    """Each attribute as its spec allows: a required one always; an optional one two times in
    three, else missing or ``None`` (a notice to leave or a commandement one time in six); one
    with a default is missing half the time, and when given is mostly its default. Most
    tenants have no dispute, no court case, no opt-out: drawn 50/50, such flags would pause or
    redirect almost every scenario."""
    values: dict[str, object] = {}
    for spec, strategy in drawn:
        if spec.optional:
            presence = draw(st.integers(0, 5))
            if presence == 0 or (presence < 5 and spec.name in _SELDOM):
                continue
            values[spec.name] = None if presence == 1 else draw(strategy)
        elif spec.default is not None:
            presence = draw(st.integers(0, 15))
            if presence < 8:
                continue
            values[spec.name] = spec.default if presence < 15 else draw(strategy)
        else:
            values[spec.name] = draw(strategy)
    return values
