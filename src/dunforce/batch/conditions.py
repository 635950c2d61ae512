"""Profiles and conditions judged over columns, in three values.

For each account of a set and a span of days (one for all, or one per account), a condition is
*certainly true*, *certainly false*, or *not known from the columns*: a :class:`Truth` holds two
masks, the accounts for which it may be true and those for which it may be false. What the
columns give exactly — the tenant's attributes, ``days_since`` and ``days_until`` of a date
attribute over the span, the repayment-plan values of an account without a plan and, when each
account is judged on one day, the values derived from its ledger that day
(:mod:`dunforce.batch.ledger_days`) — is judged exactly; everything else (the ledger over a
span, durations, the plan values of an account with a plan) may be anything. So the screen can
hold back an account only when the step function, whatever the ledger and the plans say, would
not issue it.

Numbers that are not whole (``debt_months``, a literal such as ``0.5``) are held in units of
``1 / SCALE``, rounded outwards: the bounds stay exact integers, and a comparison may only be
less certain than the step function's, never wrong.

An account whose condition might raise in the step function (an attribute not set, compared)
is flagged in :attr:`Judge.raises`: the step function would refuse it, so it is never held back.
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import pandas as pd

from dunforce.attributes.types import AttributeSpec, ValueType
from dunforce.batch import cells
from dunforce.batch.ledger_days import DayValues
from dunforce.dsl import ast
from dunforce.state import _attribute_value
from dunforce.tables import _ATTRIBUTE_PARSERS, _is_empty
from dunforce.values import to_runtime

__all__ = ["Judge", "Truth"]

#: wider than any value in runtime form (cents, day ordinals, counts)
_BIG = 1 << 60
#: the units of a number that is not whole: 1/4096 (halves, quarters... are exact)
SCALE = 1 << 12
#: the derived values of an account without a repayment plan, on every day
_WITHOUT_PLAN = {"plan_active": False, "plan_broken": False, "plan_remaining": 0}
_INTEGRAL = (ValueType.MONEY, ValueType.INT, ValueType.DATE)
#: the values the columns derive from the ledger of an account vouched for, on a day
_FROM_LEDGER = frozenset(
    {
        "balance",
        "case_anchor",
        "case_open_date",
        "credit",
        "days_late",
        "debt",
        "debt_months",
        "first_late",
        "in_case",
        "late_episodes_12m",
        "monthly_rent",
        "rejections_12m",
        "rejections_90d",
        "unpaid_terms",
    }
)


@attrs.frozen(eq=False)
class Truth:
    true: np.ndarray  # may be true
    false: np.ndarray  # may be false

    def negated(self) -> Truth:
        return Truth(self.false, self.true)


@attrs.frozen(eq=False)
class Number:
    """Whole numbers (cents, day ordinals, counts), each within ``[low, high]`` when set; in
    units of ``1 / scale``."""

    low: np.ndarray
    high: np.ndarray
    is_set: Truth
    scale: int = 1

    def rescaled(self, scale: int) -> Number:
        """The same numbers in units of ``1 / scale`` (a multiple of this one's); the bounds
        that stand for "any" stay so."""
        if scale == self.scale:
            return self
        factor = scale // self.scale
        return Number(_times(self.low, factor), _times(self.high, factor), self.is_set, scale)


def _times(bound: np.ndarray, factor: int) -> np.ndarray:
    unbounded = np.abs(bound) >= _BIG // 2
    return np.where(unbounded, np.sign(bound) * _BIG, bound * factor)


def _common(left: Number, right: Number) -> tuple[Number, Number]:
    scale = max(left.scale, right.scale)
    return left.rescaled(scale), right.rescaled(scale)


@attrs.frozen(eq=False)
class Text:
    values: np.ndarray  # str, or None where not set
    is_set: Truth


@attrs.frozen(eq=False)
class Unknown:
    """A value the columns do not give; ``unset``: it may be not set."""

    unset: bool


class Judge:
    """Conditions over the accounts at ``rows`` of the tenants table, for any day from
    ``first`` to ``last`` (ordinals, or arrays of one per row).

    ``ledger``: the ledger values of each row on its day (``first == last``), judged exactly.
    ``attributes``: attribute columns already read, shared by judges: a dict over these
    ``rows``, or over other rows, of which ``local`` gives the positions of these."""

    def __init__(
        self,
        checked,
        tenants: pd.DataFrame,
        rows: np.ndarray,
        first: int | np.ndarray,
        last: int | np.ndarray,
        attributes: dict | None = None,
        planned: np.ndarray | None = None,
        *,
        ledger: DayValues | None = None,
        local: np.ndarray | None = None,
        base: np.ndarray | None = None,
    ):
        self.checked = checked
        #: the accounts with a repayment plan (over the tenants table), whose plan values
        #: the columns do not give
        self.planned = (
            np.zeros(len(rows), dtype=bool) if planned is None else planned[rows].astype(bool)
        )
        self.schema = checked.schema
        self.tenants = tenants
        self.rows = rows
        self.size = len(rows)
        self.first, self.last = first, last
        self.ledger = ledger
        #: the rows the shared attribute columns are read over, and where these rows are in them
        self._base = rows if base is None else base
        self._local = local
        self.raises = np.zeros(self.size, dtype=bool)
        #: where the expression being judged is evaluated at all (``and`` and ``or`` stop early)
        self._reach = np.ones(self.size, dtype=bool)
        self.profiles = {p.name: p.condition for p in checked.module.profiles}
        self._values: dict[str, object] = {}
        #: the attribute columns read, which judges of other spans of days may share
        self.attributes: dict[str, tuple[np.ndarray, np.ndarray]] = (
            {} if attributes is None else attributes
        )
        self._truths: dict[str, tuple[Truth, np.ndarray]] = {}  # and where each may raise
        self.possible: dict[str | None, np.ndarray] = {}
        self.certain: dict[str | None, np.ndarray] = {}
        self._profile_sets()

    # -- masks -------------------------------------------------------------------------------

    def _all(self, value: bool) -> np.ndarray:
        return np.full(self.size, value, dtype=bool)

    def _anything(self) -> Truth:
        return Truth(self._all(True), self._all(True))

    def _same(self, value, dtype) -> np.ndarray:
        """One value for every row: a read-only view of it, not an array to fill (a literal
        of a condition judged over a million rows)."""
        return np.broadcast_to(np.array(value, dtype=dtype), (self.size,))

    def _constant(self, value: bool) -> Truth:
        return Truth(self._same(value, bool), self._same(not value, bool))

    # -- profiles ----------------------------------------------------------------------------

    def _profile_sets(self) -> None:
        """Which profiles each account may have, and the one it certainly has (first match)."""
        may_all_false = self._all(True)
        all_false = self._all(True)
        for name, condition in self.profiles.items():
            self._reach = may_all_false  # a profile is tried when none before it holds
            truth = self._constant(True) if condition is None else self._profile_truth(name)
            self.possible[name] = may_all_false & truth.true
            self.certain[name] = all_false & ~truth.false
            may_all_false = may_all_false & truth.false
            all_false = all_false & ~truth.true
        self.possible[None] = may_all_false
        self.certain[None] = all_false
        self._reach = self._all(True)

    def _profile_truth(self, name: str) -> Truth:
        known = self._truths.get(name)
        if known is None:
            condition = self.profiles[name]
            reach, raises = self._reach, self.raises
            self._reach, self.raises = self._all(True), self._all(False)
            truth = self._constant(True) if condition is None else self.truth(condition, True)
            known = self._truths[name] = (truth, self.raises)
            self._reach, self.raises = reach, raises
        truth, raises = known
        self._raise(raises)
        return truth

    def _raise(self, where: np.ndarray) -> None:
        """The step function may raise for these accounts, where it evaluates this part."""
        self.raises = self.raises | (where & self._reach)

    def applies(self, profiles: frozenset[str] | None) -> np.ndarray:
        """The accounts that may have one of ``profiles`` (``None``: any profile)."""
        if profiles is None:
            return self._all(True)
        result = self._all(False)
        for name in profiles:
            result = result | self.possible[name]
        return result

    # -- conditions --------------------------------------------------------------------------

    def truth(self, expr: ast.Expr, profile_context: bool) -> Truth:
        if isinstance(expr, ast.BoolOp):
            reach = self._reach
            parts = []
            for operand in expr.operands:
                part = self.truth(operand, profile_context)
                parts.append(part)
                # the next operand is evaluated only where this one does not decide
                self._reach = self._reach & (part.true if expr.op == "and" else part.false)
            self._reach = reach
            trues = [p.true for p in parts]
            falses = [p.false for p in parts]
            if expr.op == "and":
                return Truth(np.logical_and.reduce(trues), np.logical_or.reduce(falses))
            return Truth(np.logical_or.reduce(trues), np.logical_and.reduce(falses))
        if isinstance(expr, ast.Unary) and expr.op == "not":
            return self.truth(expr.operand, profile_context).negated()
        if isinstance(expr, ast.Name) and expr.id in self.profiles:
            if profile_context:
                return self._profile_truth(expr.id)
            return Truth(self.possible[expr.id], ~self.certain[expr.id])
        if isinstance(expr, ast.IsSet):
            if expr.name.id in self.profiles:
                return self._constant(not expr.negated)
            value = self.value(expr.name)
            if isinstance(value, Number | Text):
                return value.is_set.negated() if expr.negated else value.is_set
            if isinstance(value, Truth) and isinstance(self.schema[expr.name.id], AttributeSpec):
                _, is_set = self._attribute(expr.name.id)  # a bool attribute: None where not set
                return Truth(~is_set, is_set) if expr.negated else Truth(is_set, ~is_set)
            return self._anything()
        if isinstance(expr, ast.Compare):
            return self._compare(expr)
        if isinstance(expr, ast.In):
            return self._in(expr)
        value = self.value(expr)
        if isinstance(value, Truth):
            return value
        return self._anything()

    def _compare(self, expr: ast.Compare) -> Truth:
        left, right = self.value(expr.left), self.value(expr.right)
        op = expr.op
        equality = op in ("==", "!=")
        if isinstance(left, Number) and isinstance(right, Number):
            left, right = _common(left, right)
            both = ~left.is_set.false & ~right.is_set.false  # certainly set, both
            truth = _interval_compare(op, left, right)
        elif isinstance(left, Text) and isinstance(right, Text) and equality:
            both = ~left.is_set.false & ~right.is_set.false
            # elementwise ``==`` of Python objects (texts or None), in numpy's loop
            same = np.asarray(left.values == right.values, dtype=bool)
            truth = Truth(same, ~same) if op == "==" else Truth(~same, same)
        else:
            for side in (left, right):
                if not equality and _may_be_unset(side):
                    self._raise(_unset_mask(side, self.size))
            return self._anything()
        if not equality:
            # an ordering of a value not set raises in the step function
            self._raise(left.is_set.false | right.is_set.false)
            return Truth(truth.true | ~both, truth.false | ~both)
        # None == None, None != value: Python's answers, where the columns know them
        none_left, none_right = ~left.is_set.true, ~right.is_set.true
        known_none = (none_left & (none_right | ~right.is_set.false)) | (
            none_right & ~left.is_set.false
        )
        equal_none = none_left & none_right
        result_true = np.where(both, truth.true, True)
        result_false = np.where(both, truth.false, True)
        value_if_none = equal_none if op == "==" else ~equal_none
        result_true = np.where(known_none, value_if_none, result_true)
        result_false = np.where(known_none, ~value_if_none, result_false)
        return Truth(result_true, result_false)

    def _in(self, expr: ast.In) -> Truth:
        left = self.value(expr.left)
        options = {to_runtime(o.value, o.type) for o in expr.options}
        if isinstance(left, Text):
            inside = np.array([v in options for v in left.values], dtype=bool)
        elif isinstance(left, Number) and left.scale == 1:
            known = (left.low == left.high) & ~left.is_set.false  # set, to one value
            inside = known & np.isin(left.low, np.array(sorted(options), dtype=np.int64))
            unsure = ~(known | ~left.is_set.true)  # neither that, nor unset for certain
            truth = Truth(inside | unsure, ~inside | unsure)
            return truth.negated() if expr.negated else truth
        else:
            return self._anything()
        known = ~left.is_set.false | ~left.is_set.true  # set for certain, or unset for certain
        truth = Truth(inside | ~known, ~inside | ~known)
        return truth.negated() if expr.negated else truth

    # -- values ------------------------------------------------------------------------------

    def value(self, expr: ast.Expr):
        if isinstance(expr, ast.Literal):
            return self._literal(expr)
        if isinstance(expr, ast.Name):
            return self._name(expr.id)
        if isinstance(expr, ast.Unary) and expr.op == "-":
            inner = self.value(expr.operand)
            if isinstance(inner, Number):
                return Number(-inner.high, -inner.low, inner.is_set, inner.scale)
            return Unknown(_may_be_unset(inner))
        if isinstance(expr, ast.Binary) and expr.op in ("+", "-"):
            left, right = self.value(expr.left), self.value(expr.right)
            if isinstance(left, Number) and isinstance(right, Number):
                self._raise(left.is_set.false | right.is_set.false)
                left, right = _common(left, right)
                both = _set(left, right)
                if expr.op == "+":
                    low, high = left.low + right.low, left.high + right.high
                else:
                    low, high = left.low - right.high, left.high - right.low
                return Number(_bounded(low), _bounded(high), both, left.scale)
            return self._unknown_of(left, right)
        if isinstance(expr, ast.Call) and expr.func.id in ("days_since", "days_until"):
            date = self.value(expr.args[0])
            if not isinstance(date, Number):
                return self._unknown_of(date)
            self._raise(date.is_set.false)
            if expr.func.id == "days_since":  # T - date
                return Number(self.first - date.high, self.last - date.low, date.is_set)
            return Number(date.low - self.last, date.high - self.first, date.is_set)
        if isinstance(expr, ast.Binary | ast.Call):
            parts = (expr.left, expr.right) if isinstance(expr, ast.Binary) else expr.args
            return self._unknown_of(*(self.value(p) for p in parts))
        if isinstance(expr, ast.BoolOp | ast.Compare | ast.In | ast.IsSet | ast.Unary):
            return self.truth(expr, False)
        return Unknown(True)

    def _unknown_of(self, *values) -> Unknown:
        """An operation the columns do not follow: it raises where an operand is not set."""
        for value in values:
            if _may_be_unset(value):
                self._raise(_unset_mask(value, self.size))
        return Unknown(False)

    def _literal(self, expr: ast.Literal):
        value = to_runtime(expr.value, expr.type)
        if expr.type is ValueType.BOOL:
            return self._constant(bool(value))
        if expr.type in _INTEGRAL:
            same = self._same(value, np.int64)
            return Number(same, same, self._constant(True))
        if expr.type is ValueType.TEXT:
            return Text(self._same(value, object), self._constant(True))
        if expr.type is ValueType.NUMBER:
            scaled = value * SCALE
            low = self._same(math.floor(scaled), np.int64)
            high = self._same(math.ceil(scaled), np.int64)
            return Number(low, high, self._constant(True), SCALE)
        return Unknown(False)

    def _name(self, name: str):
        known = self._values.get(name)
        if known is not None:
            return known
        symbol = self.schema[name]
        if isinstance(symbol, AttributeSpec):
            result = self._attribute_value(name, symbol.type)
        elif self.ledger is not None and name in _FROM_LEDGER:
            result = self._ledger_value(name)
        elif name in _WITHOUT_PLAN:  # known without a plan; with one, anything it can be
            if isinstance(_WITHOUT_PLAN[name], bool):
                result = Truth(self.planned.copy(), self._all(True))
            else:  # plan_remaining: 0, or a sum of instalments
                low = np.zeros(self.size, dtype=np.int64)
                high = np.where(self.planned, _BIG, 0)
                result = Number(low, high, self._constant(True))
        elif symbol.type in _INTEGRAL:
            low = np.full(self.size, -_BIG, dtype=np.int64)
            result = Number(low, -low, Truth(self._all(True), self._all(symbol.optional)))
        elif symbol.type is ValueType.BOOL:
            result = self._anything()
        else:
            result = Unknown(symbol.optional)
        self._values[name] = result
        return result

    def _ledger_value(self, name: str):
        """A value derived from the ledger, on each row's day (every account vouched for has
        a ledger the columns derive exactly)."""
        ledger = self.ledger
        always = self._constant(True)
        if name in ("in_case", "first_late"):
            value = getattr(ledger, name)
            return Truth(value.copy(), ~value)
        if name == "debt_months":
            rent = ledger.monthly_rent
            scaled = ledger.debt * SCALE
            divisor = np.where(rent > 0, rent, 1)
            low = np.where(rent > 0, scaled // divisor, 0)
            high = np.where(rent > 0, -(-scaled // divisor), 0)
            return Number(low, high, always, SCALE)
        if name in ("case_anchor", "case_open_date"):
            value = ledger.anchor if name == "case_anchor" else ledger.opened
            in_case = ledger.in_case
            return Number(value, value, Truth(in_case.copy(), ~in_case))
        if name == "days_late":
            value = np.where(ledger.in_case, ledger.days - ledger.anchor, 0)
        elif name == "credit":
            value = np.maximum(-ledger.balance, 0)
        else:
            value = getattr(ledger, name)
        return Number(value, value, always)

    def _attribute_value(self, name: str, kind: ValueType):
        values, is_set = self._attribute(name)
        set_truth = Truth(is_set, ~is_set)
        if kind is ValueType.BOOL:
            if values.dtype == bool:
                true = values & is_set
            else:
                true = np.array([v is True for v in values], dtype=bool)
            return Truth(true, ~true)
        if kind in _INTEGRAL:
            if values.dtype.kind == "i":
                numbers = np.where(is_set, values, 0)
            else:
                numbers = np.array([v if v is not None else 0 for v in values], dtype=np.int64)
            return Number(numbers, numbers, set_truth)
        if kind is ValueType.TEXT:
            return Text(values, set_truth)
        return Unknown(not is_set.all())

    def attribute_may_be_set(self, name: str) -> np.ndarray:
        """The accounts whose attribute ``name`` may be set (it is, or its cell may not read)."""
        _, is_set = self._attribute(name)
        return is_set

    def _attribute(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The runtime values of an attribute (None where not set), and where it is set."""
        known = self.attributes.get(name)
        if known is None:
            known = self.attributes[name] = self._read_attribute(name)
        if self._local is not None:
            values, is_set = known
            return values[self._local], is_set[self._local]
        return known

    def _read_attribute(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return attribute_column(self.tenants, self.schema[name], self._base)


def attribute_column(
    tenants: pd.DataFrame, spec: AttributeSpec, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The runtime values of an attribute on the tenants rows ``rows`` (accounts vouched for:
    their cells all read), ``None`` where it is not set, and where it is set."""
    name = spec.name
    default = None if spec.default is None else to_runtime(spec.default, spec.type)
    if name not in tenants.columns:
        values = np.full(len(rows), default, dtype=object)
    else:
        parser = _ATTRIBUTE_PARSERS[spec.type]
        field = f"attributes.{name}"

        def convert(cell: object) -> tuple[bool, object]:
            if _is_empty(cell):
                return True, default
            public = _attribute_value(spec, parser(cell, name), field)
            return True, to_runtime(public, spec.type)

        column = tenants[name].iloc[rows]
        if spec.type is ValueType.TEXT and spec.allowed is None and cells.all_text(column):
            # free text (e-mail addresses, phone numbers: as many as accounts), read as it
            # is; an empty or blank cell is not given
            raw = column.to_numpy(dtype=object)
            blank = column.isna().to_numpy() | (column.str.strip() == "").to_numpy(
                dtype=bool, na_value=True
            )
            if default is None:
                raw = raw.copy()
                raw[blank] = None
                return raw, ~blank
            return np.where(blank, default, raw), np.ones(len(raw), dtype=bool)
        typed = _typed(column, spec.type)
        if typed is not None:
            values, present = typed
            if default is None or spec.type is ValueType.NUMBER:
                return values, present | (default is not None)
            filled = np.full(len(values), default, dtype=values.dtype)
            return np.where(present, values, filled), np.ones(len(values), dtype=bool)
        _, converted, codes = cells.per_value(column, convert, (True, default))
        values = np.empty(len(converted), dtype=object)
        values[:] = converted
        values = values[codes]
    is_set = np.array([v is not None for v in values], dtype=bool)
    return values, is_set


def _typed(column: pd.Series, kind: ValueType) -> tuple[np.ndarray, np.ndarray] | None:
    """The runtime values of a typed column of accounts vouched for (its cells all read, as the
    columns checked), as numbers, and the cells set; ``None``: judge it value by value."""
    dtype = column.dtype
    if dtype.kind in "biu" and column.hasnans:
        return None  # a nullable column of pandas with gaps
    if kind is ValueType.BOOL and dtype.kind == "b":
        return column.to_numpy(dtype=bool), np.ones(len(column), dtype=bool)
    if kind is ValueType.NUMBER and dtype.kind in "fiu":
        # only whether it is set is read (a number is judged as "anything")
        present = ~column.isna().to_numpy()
        return np.zeros(len(column), dtype=np.int64), present
    if kind in (ValueType.MONEY, ValueType.INT) and dtype.kind == "f":
        x = column.to_numpy(dtype=np.float64)
        present = ~np.isnan(x)
        scale = 100 if kind is ValueType.MONEY else 1
        return np.rint(np.where(present, x, 0) * scale).astype(np.int64), present
    if kind in (ValueType.MONEY, ValueType.INT) and dtype.kind in "iu":
        scale = 100 if kind is ValueType.MONEY else 1
        return column.to_numpy(dtype=np.int64) * scale, np.ones(len(column), dtype=bool)
    if kind is ValueType.DATE and dtype.kind == "M" and getattr(dtype, "tz", None) is None:
        days = column.to_numpy().astype("datetime64[D]")
        present = ~np.isnat(days)
        ordinals = np.where(present, days.astype(np.int64) + cells.EPOCH_ORDINAL, 0)
        return ordinals, present
    return None


def _bounded(bound: np.ndarray) -> np.ndarray:
    """A sum of bounds, "any" where one of them was."""
    return np.clip(bound, -_BIG, _BIG)


def _set(left: Number, right: Number) -> Truth:
    return Truth(left.is_set.true & right.is_set.true, left.is_set.false | right.is_set.false)


def _may_be_unset(value) -> bool:
    if isinstance(value, Unknown):
        return value.unset
    if isinstance(value, Number | Text):
        return bool(value.is_set.false.any())
    return False


def _unset_mask(value, size: int) -> np.ndarray:
    if isinstance(value, Number | Text):
        return value.is_set.false
    return np.full(size, _may_be_unset(value), dtype=bool)


def _interval_compare(op: str, left: Number, right: Number) -> Truth:
    """``left op right`` for values within their intervals (both set)."""
    if op == "<":
        return Truth(left.low < right.high, left.high >= right.low)
    if op == "<=":
        return Truth(left.low <= right.high, left.high > right.low)
    if op == ">":
        return Truth(left.high > right.low, left.low <= right.high)
    if op == ">=":
        return Truth(left.high >= right.low, left.low < right.high)
    apart = (left.high < right.low) | (right.high < left.low)
    single = (left.low == left.high) & (right.low == right.high) & (left.low == right.low)
    if op == "==":
        return Truth(~apart, ~single)
    return Truth(~single, ~apart)
