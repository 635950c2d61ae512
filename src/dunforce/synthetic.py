"""Synthetic portfolios of a French social landlord, drawn at scale from one seeded generator.

**The data is synthetic and calibrated on no real landlord.** No row describes a real person,
dwelling or account: there are no names or addresses, the phone numbers are in the range the
French regulator (ARCEP) reserves for fiction (06 39 98 xx xx), the e-mail addresses are at
``example.org``, and every amount, date and flag is drawn from a pseudo-random generator.

It is for benchmarks (a million accounts), simulations and designing scenarios before real data
is at hand. The model is the one of the example generator
(``examples/social_housing/make_portfolio.py``), drawn column by column with numpy instead of
account by account, so that a million accounts take seconds:

* **Tenants**: lease type and dwelling, household size and dependants, single parents, age,
  employment and an income that depends on it, housing aid (APL, mostly paid to the landlord),
  FSL, guarantor and Visale, payment method and debit day, départements across France (Alsace-
  Moselle and overseas included), language, contact data and opt-outs, and the legal history of
  chronic payers (commandements, proceedings, CAF report, CCAPEX referral).
* **Ledger**: one rent charge a month, due on the 5th and revised on 1 January; housing aid paid
  to the landlord is an ``adjustment`` on the due date. Each account follows one behaviour
  (on time, late, partial or chronic); some direct debits are returned (a ``rejection`` of the
  same amount and a ``rejection`` event), some tenants arrive or leave during the period, and
  some partial and chronic payers sign a repayment plan that they keep or break.

This module only draws tables. It never reads the clock (``as_of`` is an argument) nor a file,
and it draws every random number from one ``numpy`` PCG64 generator, in a fixed order, so the
same arguments always give the same tables. It works on whole columns: the only Python loop runs
over the months.
"""

from __future__ import annotations

import datetime
import math

import attrs
import numpy as np
import pandas as pd

from dunforce.attributes.catalogue import HOUSING_SCHEMA
from dunforce.attributes.types import ValueType
from dunforce.tables import Portfolio

__all__ = [
    "BEHAVIOURS",
    "DEFAULT_MIX",
    "PortfolioMix",
    "synthetic_behaviours",
    "synthetic_portfolio",
]


# ------------------------------------------------------------------------------ parameters


def _share(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{attribute.name}: {value!r} is not a share between 0 and 1")


def _rate(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not -0.5 <= value <= 0.5:
        raise ValueError(f"{attribute.name}: {value!r} is not a yearly rate between -0.5 and 0.5")


@attrs.frozen
class PortfolioMix:
    """The shares that shape a synthetic portfolio; change them with ``attrs.evolve``.

    The four behaviour shares (``on_time``, ``late``, ``partial``, ``chronic``) are shares of
    all accounts and add up to 1. ``debit_rejections`` is the share of direct-debit payers with
    one to three debits returned; ``plans`` the share of partial and chronic payers who sign a
    repayment plan (when their debt reaches 100 €). ``arrivals`` are leases that start during
    the period, ``notices`` tenants who gave notice to leave after ``as_of`` and ``departures``
    tenants who left during the period. ``rent_revision`` is the yearly rent revision on
    1 January (a rate; amounts stay in whole cents).
    """

    on_time: float = attrs.field(default=0.62, validator=_share)
    late: float = attrs.field(default=0.17, validator=_share)
    partial: float = attrs.field(default=0.11, validator=_share)
    chronic: float = attrs.field(default=0.10, validator=_share)
    direct_debit: float = attrs.field(default=0.55, validator=_share)
    debit_rejections: float = attrs.field(default=0.12, validator=_share)
    plans: float = attrs.field(default=0.40, validator=_share)
    arrivals: float = attrs.field(default=0.08, validator=_share)
    notices: float = attrs.field(default=0.04, validator=_share)
    departures: float = attrs.field(default=0.02, validator=_share)
    rent_revision: float = attrs.field(default=0.0104, validator=_rate)

    def __attrs_post_init__(self) -> None:
        total = sum(self.behaviours)
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(
                f"on_time + late + partial + chronic is {total!r}; the behaviour shares of all "
                "accounts must add up to 1"
            )
        if self.notices + self.departures > 1:
            raise ValueError(
                f"notices + departures is {self.notices + self.departures!r}; an account gives "
                "notice or leaves, so they must add up to at most 1"
            )

    @property
    def behaviours(self) -> tuple[float, float, float, float]:
        """The shares of on-time, late, partial and chronic payers, in that order."""
        return (self.on_time, self.late, self.partial, self.chronic)


DEFAULT_MIX = PortfolioMix()

BEHAVIOURS = ("on_time", "late", "partial", "chronic")
_ON_TIME, _LATE, _PARTIAL, _CHRONIC = range(4)

# ------------------------------------------------------------------------------ the model's tables

# (value, weight): a landlord present in several regions, Alsace-Moselle and overseas included
DEPARTEMENTS = (
    ("75", 8), ("92", 6), ("93", 9), ("94", 6), ("95", 5), ("91", 4), ("77", 4), ("78", 3),
    ("69", 7), ("13", 7), ("59", 7), ("62", 3), ("33", 4), ("31", 4), ("44", 3), ("35", 2),
    ("57", 4), ("67", 4), ("68", 3), ("54", 2), ("06", 2), ("34", 2), ("971", 1), ("972", 1),
    ("973", 1), ("974", 1),
)  # fmt: skip
EMPLOYMENT = (
    ("employed", 38), ("fixed_term", 10), ("self_employed", 4), ("unemployed", 12),
    ("retired", 20), ("student", 4), ("inactive", 12),
)  # fmt: skip
_EMPLOYED, _FIXED_TERM, _SELF_EMPLOYED, _UNEMPLOYED, _RETIRED, _STUDENT, _INACTIVE = range(7)
#: monthly household income range in euros, by employment status (same order as EMPLOYMENT)
INCOME_RANGES = ((1350, 3600), (1100, 2300), (800, 3200), (600, 1350), (850, 2300), (450, 950),
                 (550, 1100))  # fmt: skip
LANGUAGES = (
    ("fr", 930), ("ar", 20), ("en", 15), ("pt", 10), ("tr", 10), ("es", 5), ("ro", 5),
    ("other", 5),
)  # fmt: skip
#: payment methods other than direct debit, with their weights among the non-debit payers
OTHER_METHODS = (("transfer", 25), ("card", 8), ("cheque", 8), ("cash", 4))
HOUSEHOLD_SIZES = ((1, 30), (2, 25), (3, 18), (4, 14), (5, 8), (6, 4), (7, 1))
LEASES = ("social", "intermediate", "residence", "commercial", "parking")
_SOCIAL, _INTERMEDIATE, _RESIDENCE, _COMMERCIAL, _PARKING = range(5)
HOUSINGS = ("apartment", "house", "room", "premises", "parking")
_APARTMENT, _HOUSE, _ROOM, _PREMISES, _PARKING_SPACE = range(5)
#: monthly rent range in euros by lease type (social rent depends on the household instead)
RENT_RANGES = {_INTERMEDIATE: (640, 980), _RESIDENCE: (360, 500), _COMMERCIAL: (550, 1600),
               _PARKING: (30, 80)}  # fmt: skip

METHODS = ("debit", *(name for name, _ in OTHER_METHODS))
_DEBIT, _TRANSFER, _CARD, _CHEQUE, _CASH = range(5)
#: ledger kinds, in the order rows of one day are written
KINDS = ("charge", "adjustment", "payment", "rejection")
_CHARGE, _ADJUSTMENT, _PAYMENT, _REJECTION = range(4)
EVENT_KINDS = (
    "arrival",
    "departure",
    "aid_suspended",
    "rejection",
    "plan_signed",
    "plan_broken",
    "payment_promise",
    "over_indebtedness",
    "dispute",
)
(_ARRIVAL, _DEPARTURE, _AID_SUSPENDED, _REJECTED, _PLAN_SIGNED, _PLAN_BROKEN, _PROMISE,
 _OVER_INDEBTED, _DISPUTE) = range(len(EVENT_KINDS))  # fmt: skip

DUE_DAY = 5  # rent is due on the 5th
INSTALMENT_DAY = 15  # plan instalments are due on the 15th
PLAN_MINIMUM = 100_00  # cents: no plan for a smaller debt
FICTION_PHONES = 10_000  # +33 6 39 98 00 00 to +33 6 39 98 99 99
_NEVER = np.iinfo(np.int64).max // 4  # a day number after every date drawn
_EPOCH = datetime.date(1970, 1, 1)
_NS_PER_DAY = 86_400 * 10**9


# ------------------------------------------------------------------------------ days


def _day(value: datetime.date) -> int:
    """A date as a day number (days since 1970-01-01), the unit of every date column here."""
    return (value - _EPOCH).days


def _month_of(days: np.ndarray) -> np.ndarray:
    """The month index (months since 1970-01) of day numbers."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _first_day(months: np.ndarray | int) -> np.ndarray:
    """The day number of the first day of month indices."""
    return (
        np.asarray(months, dtype=np.int64)
        .astype("datetime64[M]")
        .astype("datetime64[D]")
        .astype(np.int64)
    )


@attrs.frozen
class _Period:
    """The months simulated: ``months`` rent terms, the last one due on or before ``as_of``."""

    as_of: int
    first_month: int
    months: int

    @classmethod
    def ending(cls, as_of: datetime.date, months: int) -> _Period:
        last = (as_of.year - 1970) * 12 + as_of.month - 1 - (as_of.day < DUE_DAY)
        return cls(_day(as_of), last - months + 1, months)

    def due(self, month: int) -> int:
        return int(_first_day(self.first_month + month)) + DUE_DAY - 1

    @property
    def first_due(self) -> int:
        return self.due(0)

    def year_of(self, month: int) -> int:
        return (self.first_month + month) // 12


# ------------------------------------------------------------------------------ drawing


@attrs.frozen
class _Draw:
    """The one random generator, with the few kinds of draw the model makes."""

    rng: np.random.Generator

    def chance(self, probability: float | np.ndarray, size: int) -> np.ndarray:
        return self.rng.random(size) < probability

    def integers(self, low, high, size: int) -> np.ndarray:
        """Whole numbers from ``low`` to ``high`` (both included; arrays broadcast)."""
        return self.rng.integers(low, np.asarray(high) + 1, size=size, dtype=np.int64)

    def days(self, first: int, last: int, size: int) -> np.ndarray:
        """Day numbers from ``first`` to ``last`` included (``first`` when the range is empty)."""
        return self.integers(first, max(first, last), size)

    def pick(self, weighted, size: int) -> np.ndarray:
        """Indices into ``weighted`` (``(value, weight)`` pairs), drawn by weight."""
        weights = np.array([weight for _, weight in weighted], dtype=np.float64)
        return self.index(weights, size)

    def index(self, weights: np.ndarray, size: int) -> np.ndarray:
        cumulative = np.cumsum(weights / weights.sum())
        found = np.searchsorted(cumulative, self.rng.random(size), side="right")
        return np.minimum(found, len(weights) - 1)

    def choice(self, values, size: int) -> np.ndarray:
        """One of ``values`` each, equally likely (repeat a value to weigh it)."""
        return np.asarray(values)[self.rng.integers(0, len(values), size=size)]


def _objects(values) -> np.ndarray:
    """An object array of ``values``: index it to make columns whose equal cells share one str."""
    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    return array


def _padded(numbers: np.ndarray, width: int) -> np.ndarray:
    """Numbers as zero-padded digit strings, a numpy string array."""
    if not len(numbers):  # np.strings.zfill cannot size an empty result
        return np.empty(0, dtype=f"<U{width}")
    return np.strings.zfill(numbers.astype(np.str_), width)


# ------------------------------------------------------------------------------ tenants


def _numbers(count: int) -> np.ndarray:
    """The account numbers ``0000001``, … as digit strings (wider past ten million)."""
    return _padded(np.arange(1, count + 1), max(7, len(str(count))))


def _behaviours(draw: _Draw, count: int, mix: PortfolioMix) -> np.ndarray:
    return draw.index(np.array(mix.behaviours), count)


@attrs.frozen(eq=False)
class _Households:
    """The drawn tenants: their attribute columns, and what the ledger simulation reads."""

    ids: np.ndarray  # account ids, one str object each
    columns: dict[str, np.ndarray]  # attribute columns by name
    behaviour: np.ndarray
    rent: np.ndarray  # cents a month, before the first revision
    lease_start: np.ndarray  # day numbers
    leaves: np.ndarray  # day number of the move-out, _NEVER without notice
    method: np.ndarray  # index into METHODS
    debit_day: np.ndarray  # day of the month, 0 unless paying by direct debit
    aid: np.ndarray  # cents of housing aid credited each month, 0 when none
    aid_stops: np.ndarray  # day number the aid is suspended from, _NEVER when not
    events: list[tuple[np.ndarray, np.ndarray, int]]  # (accounts, days, kind) of the tenancy


def _households(draw: _Draw, count: int, period: _Period, mix: PortfolioMix) -> _Households:
    n = count
    as_of, first_due = period.as_of, period.first_due
    digits = _numbers(n)
    ids = np.strings.add("S", digits).astype(object)
    behaviour = _behaviours(draw, n, mix)  # the first draw: synthetic_behaviours repeats it
    chronic = behaviour == _CHRONIC

    # -- lease and dwelling
    roll = draw.rng.random(n)
    lease = np.select(
        [roll < 0.04, roll < 0.06, roll < 0.11, roll < 0.14],
        [_PARKING, _COMMERCIAL, _RESIDENCE, _INTERMEDIATE],
        _SOCIAL,
    )
    house = (lease == _SOCIAL) & draw.chance(0.12, n)
    housing = np.select(
        [lease == _PARKING, lease == _COMMERCIAL, lease == _RESIDENCE, house],
        [_PARKING_SPACE, _PREMISES, _ROOM, _HOUSE],
        _APARTMENT,
    )
    company = ((lease == _COMMERCIAL) & draw.chance(0.9, n)) | draw.chance(0.005, n)
    person = ~company

    new_lease = draw.chance(mix.arrivals, n)
    recent = draw.days(first_due - 15, as_of - 20, n)
    old_last = first_due - 35
    old = draw.days(min(_day(datetime.date(1998, 1, 1)), old_last - 3650), old_last, n)
    lease_start = np.where(new_lease, recent, old)
    on_first = draw.chance(0.7, n)
    lease_start = np.where(on_first, _first_day(_month_of(lease_start)), lease_start)

    roll = draw.rng.random(n)
    notice = roll < mix.notices
    left = (roll >= mix.notices) & (roll < mix.notices + mix.departures) & ~new_lease
    leaves = np.full(n, _NEVER, dtype=np.int64)
    leaves[notice] = draw.days(as_of + 12, as_of + 80, n)[notice]
    leave_from = min(max(as_of - 161, first_due + 1), as_of)
    leaves[left] = draw.days(leave_from, as_of - 9, n)[left]

    # -- household and resources
    family = person & ((lease == _SOCIAL) | (lease == _INTERMEDIATE))
    sizes = np.array([size for size, _ in HOUSEHOLD_SIZES])
    size = np.where(family, sizes[draw.pick(HOUSEHOLD_SIZES, n)], 1)
    single_parent = family & (size >= 2) & draw.chance(0.28, n)
    couple_child = (size == 2) & draw.chance(0.1, n)
    dependents = np.select(
        [single_parent, size >= 3, couple_child], [size - 1, size - 2, 1], 0
    ).astype(np.int64)
    dependents = np.where(family, dependents, 0)

    status = draw.pick(EMPLOYMENT, n)
    student, retired = status == _STUDENT, status == _RETIRED
    status = np.where(student & (lease == _SOCIAL) & (size > 2), _EMPLOYED, status)
    laid_off = chronic & ((status == _EMPLOYED) | retired) & draw.chance(0.5, n)
    status = np.where(laid_off, _UNEMPLOYED, status)
    student, retired = status == _STUDENT, status == _RETIRED
    age_low = np.select([student, retired], [18, 61], 20)
    age_high = np.select([student, retired], [27, 96], 66)
    age = draw.integers(age_low, age_high, n)
    has_age = person & draw.chance(0.93, n)
    ranges = np.array(INCOME_RANGES)
    euros = draw.integers(ranges[status, 0], ranges[status, 1], n)
    odd_cents = draw.choice((0, 0, 0, 50, -1), n)
    odd_cents = np.where(odd_cents < 0, draw.integers(0, 99, n), odd_cents)
    income = euros * 100 + odd_cents
    has_income = person & draw.chance(0.9, n)
    known_status = person & ~draw.chance(0.1, n)
    without_work = known_status & ((status == _UNEMPLOYED) | (status == _INACTIVE))
    minimum_income = without_work & draw.chance(0.5, n)

    poor = has_income & (income < 1700_00)
    housed = lease <= _RESIDENCE  # social, intermediate, residence
    apl = person & housed & (draw.rng.random(n) < np.where(poor, 0.75, 0.12))
    apl_paid = apl & draw.chance(0.75, n)
    apl_amount = draw.integers(70, 330, n) * 100 + draw.integers(0, 99, n)

    # -- rent and deposit, in cents a month before the first revision
    social_rent = (250 + 72 * np.minimum(size, 6) + draw.integers(-40, 70, n)) * 100
    social_rent = social_rent + np.where(house, 90_00, 0)
    rent = social_rent
    for kind, (low, high) in RENT_RANGES.items():
        rent = np.where(lease == kind, draw.integers(low, high, n) * 100, rent)
    rent = rent + draw.integers(0, 99, n)
    apl_amount = np.minimum(apl_amount, rent * 7 // 10)
    deposit = np.where(
        lease == _COMMERCIAL, rent * 3, np.where(draw.chance(0.85, n), rent * 8 // 10, 0)
    )

    # -- payment
    debit = draw.chance(mix.direct_debit, n)
    method = np.where(debit, _DEBIT, 1 + draw.pick(OTHER_METHODS, n))
    method = np.where(company & ((method == _CASH) | (method == _CARD)), _TRANSFER, method)
    debit_day = np.where(method == _DEBIT, draw.choice((1, 2, 5, 5), n), 0)

    known_student = known_status & student
    guarantor = person & (draw.rng.random(n) < np.where(known_student, 0.7, 0.1))
    young = has_age & (age < 31)
    visale = guarantor & young & draw.chance(0.5, n)

    # -- legal history, mostly of chronic payers
    prior_orders = np.where(chronic, draw.choice((0, 0, 1, 1, 2), n), draw.chance(0.01, n))
    last_order = draw.days(as_of - 1408, as_of - 40, n)
    prior_plans = np.where(chronic, draw.choice((0, 0, 1, 2), n), 0)
    followed = minimum_income | chronic
    social_worker = person & (draw.rng.random(n) < np.where(followed, 0.2, 0.04))
    aid_reported = apl & chronic & draw.chance(0.4, n)
    aid_report = draw.days(first_due + 27, as_of - 25, n)
    ccapex = chronic & draw.chance(0.25, n)
    ccapex_date = draw.days(first_due - 187, as_of - 39, n)
    court = chronic & draw.chance(0.2, n)
    over_indebted = draw.rng.random(n) < np.where(chronic, 0.06, 0.004)
    dispute = draw.chance(0.012, n)
    apl_suspended = apl & (draw.rng.random(n) < np.where(chronic, 0.15, 0.02))
    msa = draw.chance(0.04, n)  # the aid is paid by the MSA rather than the CAF
    suspended_on = draw.days(first_due + 152, as_of - 15, n)
    aid_stops = np.where(apl_suspended, suspended_on, _NEVER).astype(np.int64)

    # -- contact and consent
    has_phone = draw.chance(0.88, n)
    has_email = draw.rng.random(n) < np.where(company, 0.95, 0.62)
    phones = _objects(np.strings.add("+3363998", _padded(np.arange(FICTION_PHONES), 4)))
    emails = np.strings.add(np.strings.add("locataire.", digits), "@example.org").astype(object)

    columns: dict[str, np.ndarray] = {
        "lease_type": _objects(LEASES)[lease],
        "housing_type": _objects(HOUSINGS)[housing],
        "lease_start": lease_start,
        "departure_date": leaves,
        "departement": _objects([code for code, _ in DEPARTEMENTS])[draw.pick(DEPARTEMENTS, n)],
        "deposit_amount": deposit,
        "legal_entity": company,
        "income": np.where(has_income, income, -1),
        "age": np.where(has_age, age, -1),
        "household_size": size.astype(np.int64),
        "dependents": dependents,
        "single_parent": single_parent,
        "employment_status": np.where(
            known_status, _objects([name for name, _ in EMPLOYMENT])[status], None
        ),
        "minimum_income": minimum_income,
        "vulnerable": person & draw.chance(0.04, n),
        "social_worker": social_worker,
        "legal_representative": person & draw.chance(0.015, n),
        "guarantor": guarantor,
        "visale": visale,
        "apl": apl,
        "apl_paid_to_landlord": apl_paid,
        "apl_amount": np.where(apl, apl_amount, -1),
        "apl_suspended": apl_suspended,
        "aid_payer": np.where(apl, _objects(("caf", "msa"))[msa.astype(np.int64)], None),
        "fsl": person & (draw.rng.random(n) < np.where(chronic, 0.15, 0.03)),
        "payment_method": _objects(METHODS)[method],
        "debit_day": np.where(method == _DEBIT, debit_day, -1),
        "prior_orders": prior_orders.astype(np.int64),
        "last_order_date": np.where(prior_orders > 0, last_order, _NEVER),
        "prior_plans": prior_plans.astype(np.int64),
        "aid_report_date": np.where(aid_reported, aid_report, _NEVER),
        "ccapex_referral_date": np.where(ccapex, ccapex_date, _NEVER),
        "court_proceedings": court,
        "over_indebtedness": over_indebted,
        "dispute": dispute,
        "language": _objects([code for code, _ in LANGUAGES])[draw.pick(LANGUAGES, n)],
        "phone_mobile": np.where(has_phone, phones[np.arange(n) % FICTION_PHONES], None),
        "email_address": np.where(has_email, emails, None),
        "sms_opt_out": has_phone & draw.chance(0.02, n),
        "email_opt_out": has_email & draw.chance(0.015, n),
        "call_opt_out": has_phone & draw.chance(0.01, n),
    }
    everyone = np.arange(n)
    promise = np.isin(behaviour, (_LATE, _CHRONIC)) & draw.chance(0.1, n)
    events = [
        (everyone[new_lease], lease_start[new_lease], _ARRIVAL),
        (everyone[notice | left], leaves[notice | left], _DEPARTURE),
        (everyone[apl_suspended], aid_stops[apl_suspended], _AID_SUSPENDED),
        (everyone[promise], draw.days(as_of + 1, as_of + 10, n)[promise], _PROMISE),
        (everyone[over_indebted], draw.days(as_of - 330, as_of - 5, n)[over_indebted],
         _OVER_INDEBTED),
        (everyone[dispute], draw.days(as_of - 60, as_of - 1, n)[dispute], _DISPUTE),
    ]  # fmt: skip
    return _Households(
        ids=ids,
        columns=columns,
        behaviour=behaviour,
        rent=rent.astype(np.int64),
        lease_start=lease_start.astype(np.int64),
        leaves=leaves,
        method=method,
        debit_day=debit_day.astype(np.int64),
        aid=np.where(apl_paid, apl_amount, 0).astype(np.int64),
        aid_stops=aid_stops,
        events=events,
    )


# ------------------------------------------------------------------------------ ledger


@attrs.define(eq=False)
class _Rows:
    """Rows of a table drawn month by month: per column, its dtype and the list of its batches."""

    dtypes: dict[str, type]
    batches: dict[str, list[np.ndarray]] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.batches = {name: [] for name in self.dtypes}

    def add(self, account: np.ndarray, **columns: np.ndarray | int) -> None:
        """Rows for ``account`` (an array); a column given as a number is that on every row."""
        self.batches["account"].append(np.asarray(account, dtype=self.dtypes["account"]))
        for name, values in columns.items():
            values = np.broadcast_to(np.asarray(values, dtype=self.dtypes[name]), len(account))
            self.batches[name].append(values)

    def take(self, name: str) -> np.ndarray:
        """The whole column, once: its batches are released to keep the peak memory low."""
        batches = self.batches.pop(name)
        column = np.concatenate(batches) if batches else np.empty(0, self.dtypes[name])
        batches.clear()
        return column


def _ledger_rows() -> _Rows:
    return _Rows(
        {
            "account": np.int32,
            "day": np.int32,
            "kind": np.int8,
            "cents": np.int64,
            "method": np.int8,
        }
    )


@attrs.frozen(eq=False)
class _History:
    """What the months of the period wrote: ledger rows, plan instalments and events."""

    ledger: _Rows
    plans: _Rows
    events: _Rows


@attrs.frozen(eq=False)
class _Accounts:
    """The running state of every account through the months: its balance, and its plan."""

    balance: np.ndarray  # cents owed, from the ledger rows written so far
    signed_month: np.ndarray  # the month a plan was signed, -1 when none was
    kept: np.ndarray  # the plan is kept to the end
    keeps: np.ndarray  # else, the number of instalments paid


def _writer(ledger: _Rows, accounts: _Accounts, as_of: int):
    def write(who: np.ndarray, days, kind: int, cents: np.ndarray, method=-1, *, repeats=False):
        """Ledger rows, keeping those with an amount dated on or before ``as_of``; ``repeats``
        says that an account may have several of the rows."""
        keep = (days <= as_of) & (cents > 0)
        who, days, cents = who[keep], days[keep], cents[keep]
        ledger.add(
            account=who,
            day=days,
            kind=kind,
            cents=cents,
            method=np.broadcast_to(method, keep.shape)[keep],
        )
        owed = cents if kind in (_CHARGE, _REJECTION) else -cents
        if repeats:
            np.add.at(accounts.balance, who, owed)
        else:
            accounts.balance[who] += owed

    return write


def _simulate(draw: _Draw, homes: _Households, period: _Period, mix: PortfolioMix) -> _History:
    n = len(homes.ids)
    as_of = period.as_of
    ledger = _ledger_rows()
    plans = _Rows(
        {"account": np.int32, "signed": np.int64, "due": np.int64, "cents": np.int64,
         "cancelled": np.int64}
    )  # fmt: skip
    events = _Rows({"account": np.int32, "day": np.int32, "kind": np.int8})
    for who, days, kind in homes.events:
        events.add(account=who, day=days, kind=kind)
    state = _Accounts(
        balance=np.zeros(n, dtype=np.int64),
        signed_month=np.full(n, -1, dtype=np.int64),
        kept=np.zeros(n, dtype=bool),
        keeps=np.zeros(n, dtype=np.int64),
    )
    write = _writer(ledger, state, as_of)

    # returned debits: one to three months of some direct-debit payers
    rejecting = np.flatnonzero((homes.method == _DEBIT) & draw.chance(mix.debit_rejections, n))
    returned = draw.choice((1, 1, 1, 2, 3), len(rejecting))
    ranks = np.argsort(np.argsort(draw.rng.random((len(rejecting), period.months)), axis=1), axis=1)
    rejected = np.zeros((n, period.months), dtype=bool)
    rejected[rejecting] = ranks < returned[:, None]
    overpay_month = np.where(draw.chance(0.04, n), draw.integers(0, period.months - 1, n), -1)
    troubled = (homes.behaviour == _PARTIAL) | (homes.behaviour == _CHRONIC)
    plan_first = period.months // 3
    plan_last = max(plan_first, period.months - 3)
    plan_month = np.where(
        troubled & draw.chance(mix.plans, n), draw.integers(plan_first, plan_last, n), -1
    )

    revision = round(mix.rent_revision * 10_000)  # basis points, so rents stay whole cents
    rent = homes.rent.copy()
    year = period.year_of(0)
    for month in range(period.months):
        due = period.due(month)
        if period.year_of(month) != year:
            year = period.year_of(month)
            rent = rent + rent * revision // 10_000
        active = np.flatnonzero((homes.lease_start <= due) & (due < homes.leaves))
        m = len(active)
        owed = rent[active]
        aid = np.where(due < homes.aid_stops[active], homes.aid[active], 0)
        dues = np.full(m, due, dtype=np.int64)
        write(active, dues, _CHARGE, owed)
        write(active, dues, _ADJUSTMENT, aid)
        share = owed - aid

        # a kept plan (or its first instalments) brings the tenant back to paying on time
        signed = state.signed_month[active]
        keeping = (signed >= 0) & (month > signed)
        keeping &= state.kept[active] | (month <= signed + state.keeps[active])
        mode = np.where(keeping, _ON_TIME, homes.behaviour[active])
        method = homes.method[active]
        by_debit = (method == _DEBIT) & (mode <= _LATE)

        # -- the day and amount of the month's payment, for each behaviour
        early = due - draw.integers(0, 4, m)
        cheque_late = (method == _CHEQUE) & draw.chance(0.3, m)
        on_time_day = np.where(cheque_late, due + draw.integers(1, 4, m), early)
        late_day = due + draw.choice((2, 3, 4, 6, 8, 10, 12, 15, 20), m)
        late_day = np.where(draw.chance(0.33, m), due - draw.integers(0, 3, m), late_day)
        partial_day = due + draw.integers(0, 10, m)
        chronic_day = due + draw.integers(3, 25, m)
        day = np.choose(mode, (on_time_day, late_day, partial_day, chronic_day))
        debit_day = due - DUE_DAY + homes.debit_day[active]
        day = np.maximum(np.where(by_debit, debit_day, day), homes.lease_start[active])

        partial_amount = share * draw.integers(55, 90, m) // 100
        roll = draw.rng.random(m)
        some = share * draw.integers(30, 80, m) // 100
        chronic_amount = np.select([roll < 0.35, roll < 0.7], [0, some], share)
        amount = np.choose(mode, (share, share, partial_amount, chronic_amount))
        # a second payment: a partial payer's catch-up, a chronic payer's lump sum
        catch_up = np.minimum(np.maximum(state.balance[active] - amount, 0), share)
        lump_sum = share * draw.integers(10, 20, m) // 10
        catching_up = (mode == _PARTIAL) & draw.chance(0.25, m)
        lumping = (mode == _CHRONIC) & draw.chance(0.12, m)
        second = np.select([catching_up, lumping], [catch_up, lump_sum], 0)
        second_day = day + draw.integers(5, 12, m)
        pay_method = np.where(by_debit, _DEBIT, np.where(method == _DEBIT, _TRANSFER, method))
        write(active, day, _PAYMENT, amount, pay_method)
        write(active, second_day, _PAYMENT, second, pay_method)

        # -- a returned debit (the same amount, back on the account), often paid again
        return_day = day + draw.integers(3, 6, m)
        returns = rejected[active, month] & by_debit & (amount > 0) & (return_day <= as_of)
        write(active[returns], return_day[returns], _REJECTION, amount[returns])
        events.add(account=active[returns], day=return_day[returns], kind=_REJECTED)
        paid_again = returns & draw.chance(0.65, m)
        again_day = return_day + draw.integers(4, 20, m)
        write(active[paid_again], again_day[paid_again], _PAYMENT, amount[paid_again], _TRANSFER)

        # -- an overpayment: the month paid twice, or rounded up to the next 50 €
        extra = np.where(draw.chance(0.5, m), share, 50_00 - share % 50_00)
        extra_day = day + draw.integers(0, 3, m)
        over = overpay_month[active] == month
        write(active[over], extra_day[over], _PAYMENT, extra[over], _TRANSFER)

        # -- a repayment plan, signed after the month's payments once the debt is large enough
        signing_day = due + draw.integers(8, 20, m)
        signing = (plan_month[active] == month) & (signing_day <= as_of)
        signing &= state.balance[active] >= PLAN_MINIMUM
        if signing.any():
            who = active[signing]
            _sign_plans(draw, who, signing_day[signing], period, state, plans, events, write)
            state.signed_month[who] = month
    return _History(ledger, plans, events)


def _sign_plans(draw, who, signed_on, period, state, plans, events, write) -> None:
    """Plans of 6 to 12 monthly instalments due on the 15th for the debt of the day; most are
    kept, the others stop after one to three instalments, and half of those are cancelled a
    month after a missed instalment."""
    p = len(who)
    debt = state.balance[who]
    count = draw.integers(6, 12, p)
    instalment = -(-debt // count)  # the debt over the count, rounded up to the cent
    keeps = draw.integers(1, 3, p)
    kept = draw.chance(0.6, p)
    cancel_at = keeps + draw.rng.geometric(0.5, p) - 1  # the missed instalment that ends it
    first_month = _month_of(signed_on) + 1
    cancel_day = _first_day(first_month + cancel_at) + INSTALMENT_DAY - 1 + 30
    cancelled = ~kept & (cancel_at < count) & (cancel_day <= period.as_of)

    plan, number = np.nonzero(np.arange(12)[None, :] < count[:, None])
    due = _first_day(first_month[plan] + number) + INSTALMENT_DAY - 1
    amount = np.minimum(instalment[plan], debt[plan] - instalment[plan] * number)
    plans.add(
        account=who[plan],
        signed=signed_on[plan],
        due=due,
        cents=amount,
        cancelled=np.where(cancelled, cancel_day, _NEVER)[plan],
    )
    paid = kept[plan] | (number < keeps[plan])
    pay_day = due - draw.integers(0, 2, len(due))
    write(who[plan][paid], pay_day[paid], _PAYMENT, amount[paid], _TRANSFER, repeats=True)
    events.add(account=who, day=signed_on, kind=_PLAN_SIGNED)
    events.add(account=who[cancelled], day=cancel_day[cancelled], kind=_PLAN_BROKEN)
    state.kept[who] = kept
    state.keeps[who] = keeps


# ------------------------------------------------------------------------------ tables


def _dates(days: np.ndarray) -> pd.Series:
    """Day numbers as a ``datetime64[ns]`` column at midnight, NaT for ``_NEVER``."""
    stamps = days.astype(np.int64) * _NS_PER_DAY
    stamps[days >= _NEVER] = np.iinfo(np.int64).min  # NaT
    return pd.Series(stamps.view("datetime64[ns]"), copy=False)


def _money(cents: np.ndarray) -> pd.Series:
    """Cents as float64 euros, NaN for -1. Each is the float nearest its two-decimal amount
    (what ``np.round(x, 2)`` gives), since a float division is correctly rounded and the cents
    are exact below 2**53; readers convert these floats back to the exact cent."""
    euros = cents / 100
    euros[cents < 0] = np.nan
    return pd.Series(euros, copy=False)


def _text(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype=object, copy=False)


def _order(*keys: tuple[np.ndarray, int]) -> np.ndarray:
    """The permutation that sorts rows by small non-negative whole-number keys (most significant
    first, each below its bound), stable: one sort of the keys packed with the row numbers into
    int64s, much faster than an argsort."""
    rows = len(keys[0][0])
    widths = [max(1, (bound - 1).bit_length()) for _, bound in keys]
    row_width = max(1, (rows - 1).bit_length())
    if sum(widths) + row_width > 63:  # too wide to pack: a slower, general stable sort
        return np.lexsort([values for values, _ in reversed(keys)])
    packed = np.zeros(rows, dtype=np.int64)
    for (values, _), width in zip(keys, widths, strict=True):
        packed <<= width
        packed |= values
    packed <<= row_width
    packed |= np.arange(rows, dtype=np.int64)
    packed.sort()
    packed &= (1 << row_width) - 1
    return packed


def _sorted(rows: _Rows, accounts: int, day: str, kinds: int = 0) -> dict[str, np.ndarray]:
    """The columns of ``rows`` sorted by account, then day, then kind when ``kinds`` (the
    number of kinds) is given: the order of the rows of one day."""
    account, days = rows.take("account"), rows.take(day)
    first = int(days.min()) if len(days) else 0
    span = int(days.max()) - first + 1 if len(days) else 1
    keys = [(account, max(1, accounts)), (days - first, span)]
    if kinds:
        keys.append((rows.take("kind"), kinds))
    order = _order(*keys)
    columns = {"account": account[order], day: days[order]}
    if kinds:
        columns["kind"] = keys[2][0][order]
    del keys, account, days
    for name in list(rows.batches):
        columns[name] = rows.take(name)[order]
    return columns


def _ledger(homes: _Households, rows: _Rows) -> pd.DataFrame:
    columns = _sorted(rows, len(homes.ids), "day", len(KINDS))
    methods = np.append(_objects(METHODS), None)  # -1: not a payment
    return pd.DataFrame(
        {
            "account_id": _text(homes.ids[columns.pop("account")]),
            "kind": _text(_objects(KINDS)[columns.pop("kind")]),
            "amount": _money(columns.pop("cents")),
            "date": _dates(columns.pop("day")),
            "method": _text(methods[columns.pop("method")]),
        },
        copy=False,
    )


def _events(homes: _Households, rows: _Rows) -> pd.DataFrame:
    columns = _sorted(rows, len(homes.ids), "day", len(EVENT_KINDS))
    return pd.DataFrame(
        {
            "account_id": _text(homes.ids[columns["account"]]),
            "kind": _text(_objects(EVENT_KINDS)[columns["kind"]]),
            "date": _dates(columns["day"]),
        },
        copy=False,
    )


def _plans(homes: _Households, rows: _Rows) -> pd.DataFrame:
    columns = _sorted(rows, len(homes.ids), "due")
    account = columns["account"]
    # an account signs one plan at most, so a plan is named after its account
    signers, plan_of_row = np.unique(account, return_inverse=True)
    numbers = np.strings.lstrip(homes.ids[signers].astype(np.str_), "S")
    plan_ids = _objects(np.strings.add("PL", numbers))
    return pd.DataFrame(
        {
            "account_id": _text(homes.ids[account]),
            "plan_id": _text(plan_ids[plan_of_row]),
            "signed_on": _dates(columns["signed"]),
            "due": _dates(columns["due"]),
            "amount": _money(columns["cents"]),
            "cancelled_on": _dates(columns["cancelled"]),
        },
        copy=False,
    )


def _tenants(homes: _Households) -> pd.DataFrame:
    columns: dict[str, pd.Series] = {"account_id": _text(homes.ids)}
    for spec in HOUSING_SCHEMA.attributes:
        values = homes.columns[spec.name]
        if spec.type is ValueType.DATE:
            columns[spec.name] = _dates(values)
        elif spec.type is ValueType.MONEY:
            columns[spec.name] = _money(values)
        elif spec.type is ValueType.TEXT:
            columns[spec.name] = _text(values)
        elif spec.type is ValueType.BOOL:
            columns[spec.name] = pd.Series(values.astype(bool), copy=False)
        elif spec.optional:  # a whole number that may be missing: NaN where not given (-1)
            columns[spec.name] = pd.Series(np.where(values < 0, np.nan, values), copy=False)
        else:
            columns[spec.name] = pd.Series(values.astype(np.int64), copy=False)
    return pd.DataFrame(columns, copy=False)


def _empty_history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": pd.Series(dtype=object),
            "key": pd.Series(dtype=object),
            "emitted_on": pd.Series(dtype="datetime64[ns]"),
            "channel": pd.Series(dtype=object),
            "outcome": pd.Series(dtype=object),
        }
    )


# ------------------------------------------------------------------------------ the entry point


def _as_of(value: object) -> datetime.date:
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"as_of: {value!r} is not a date written YYYY-MM-DD") from None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise TypeError(f"as_of: expected a date or a 'YYYY-MM-DD' string, not {value!r}")
    return datetime.date(value.year, value.month, value.day)


def _whole(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name}: expected a whole number, not {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name}: {value!r} is not between {low:,} and {high:,}")
    return int(value)


def synthetic_portfolio(
    accounts: int,
    *,
    as_of: datetime.date | str,
    months: int = 12,
    seed: int = 0,
    mix: PortfolioMix = DEFAULT_MIX,
) -> Portfolio:
    """A synthetic portfolio of ``accounts`` social-housing accounts, exported on ``as_of``.

    Each account gets ``months`` monthly rent terms, the last one due on or before ``as_of``;
    nothing in the ledger is dated after ``as_of`` (planned departures, payment promises and plan
    instalments may be), and the history is empty. The same arguments always give the same
    tables. Account ids are ``S0000001``, ``S0000002``, …

    The columns are typed for size rather than read from text: text as Python ``str`` objects
    (equal cells share one object), booleans as numpy bools, whole numbers as ``int64``, amounts
    as ``float64`` rounded to the cent and optional numbers as ``float64`` (NaN when not given),
    dates as ``datetime64[ns]`` (NaT when not given). The ledger has ``account_id``, ``kind``,
    ``amount``, ``date`` and ``method``: a rejection returns the latest payment of its amount.

    >>> portfolio = synthetic_portfolio(50, as_of="2026-11-09", seed=1)
    >>> len(portfolio.tenants), portfolio.tenants["account_id"].iloc[0]
    (50, 'S0000001')
    >>> bool((portfolio.ledger["date"] <= "2026-11-09").all())
    True
    """
    count = _whole("accounts", accounts, 0, 100_000_000)
    months = _whole("months", months, 1, 600)
    seed = _whole("seed", seed, 0, 2**128 - 1)
    day = _as_of(as_of)
    if not isinstance(mix, PortfolioMix):
        raise TypeError(f"mix: expected a PortfolioMix, not {type(mix).__name__}")
    draw = _Draw(np.random.Generator(np.random.PCG64(seed)))
    period = _Period.ending(day, months)
    homes = _households(draw, count, period, mix)
    history = _simulate(draw, homes, period, mix)
    return Portfolio(
        tenants=_tenants(homes),
        ledger=_ledger(homes, history.ledger),
        events=_events(homes, history.events),
        plans=_plans(homes, history.plans),
        history=_empty_history(),
    )


def synthetic_behaviours(
    accounts: int, *, seed: int = 0, mix: PortfolioMix = DEFAULT_MIX
) -> pd.Series:
    """The payment behaviour of each account of ``synthetic_portfolio`` drawn with the same
    ``accounts``, ``seed`` and ``mix`` (whatever ``as_of`` and ``months``): one of
    :data:`BEHAVIOURS`, indexed by account id.

    The tables do not say it; it is the ground truth to judge profiles and simulations against.

    >>> synthetic_behaviours(4, seed=1).tolist()
    ['on_time', 'chronic', 'on_time', 'chronic']
    """
    count = _whole("accounts", accounts, 0, 100_000_000)
    seed = _whole("seed", seed, 0, 2**128 - 1)
    if not isinstance(mix, PortfolioMix):
        raise TypeError(f"mix: expected a PortfolioMix, not {type(mix).__name__}")
    codes = _behaviours(_Draw(np.random.Generator(np.random.PCG64(seed))), count, mix)
    ids = pd.Index(np.strings.add("S", _numbers(count)).astype(object), dtype=object)
    return pd.Series(_objects(BEHAVIOURS)[codes], index=ids, dtype=object, name="behaviour")
