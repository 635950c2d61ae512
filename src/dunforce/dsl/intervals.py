"""Conditions as sets of accounts, for the lints that reason about them.

A condition is turned into a disjunction of conjunctions (DNF) of constraints on single
attributes: an interval for ordered values (``income < 1200 €``), a set of values for texts and
booleans (``payment_method in ["debit"]``, ``apl``). Anything else (``debt > income``) becomes an
opaque atom keyed by its text, so equal sub-conditions are still recognised.

The analysis is sound, not complete: it may miss a shadowed profile, it never claims one that is
not. It is used only for warnings; it never decides what a program does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from dunforce.attributes.types import ValueType
from dunforce.dsl import ast

#: above this many conjunctions a condition is not analysed (the warnings stay silent)
MAX_TERMS = 64

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


@attrs.frozen
class Interval:
    """Values between ``low`` and ``high``; ``None`` is unbounded."""

    low: object = None
    low_closed: bool = False
    high: object = None
    high_closed: bool = False

    def is_empty(self) -> bool:
        if self.low is None or self.high is None:
            return False
        if self.low > self.high:  # type: ignore[operator]
            return True
        return self.low == self.high and not (self.low_closed and self.high_closed)

    def intersect(self, other: Interval) -> Interval:
        low, low_closed = self.low, self.low_closed
        if other.low is not None and (
            low is None or other.low > low or (other.low == low and not other.low_closed)
        ):
            low, low_closed = other.low, other.low_closed
        high, high_closed = self.high, self.high_closed
        if other.high is not None and (
            high is None or other.high < high or (other.high == high and not other.high_closed)
        ):
            high, high_closed = other.high, other.high_closed
        return Interval(low, low_closed, high, high_closed)

    def within(self, other: Interval) -> bool:
        if self.is_empty():
            return True
        if other.low is not None:
            if self.low is None or self.low < other.low:
                return False
            if self.low == other.low and self.low_closed and not other.low_closed:
                return False
        if other.high is not None:
            if self.high is None or self.high > other.high:
                return False
            if self.high == other.high and self.high_closed and not other.high_closed:
                return False
        return True


@attrs.frozen
class Values:
    """A set of values (``exclude=False``) or everything but a set (``exclude=True``)."""

    values: frozenset
    exclude: bool = False

    def is_empty(self) -> bool:
        return not self.exclude and not self.values

    def intersect(self, other: Values) -> Values:
        if not self.exclude and not other.exclude:
            return Values(self.values & other.values)
        if self.exclude and other.exclude:
            return Values(self.values | other.values, exclude=True)
        included, excluded = (self, other) if not self.exclude else (other, self)
        return Values(included.values - excluded.values)

    def within(self, other: Values) -> bool:
        if self.is_empty():
            return True
        if not self.exclude and not other.exclude:
            return self.values <= other.values
        if not self.exclude and other.exclude:
            return not (self.values & other.values)
        if self.exclude and other.exclude:
            return other.values <= self.values
        return False


Constraint = Interval | Values
Conjunction = dict  # key -> Constraint
DNF = list  # list[Conjunction]; [] is "never", [{}] is "always"


def _intersect(a: Constraint, b: Constraint) -> Constraint | None:
    if type(a) is not type(b):
        return None
    return a.intersect(b)  # type: ignore[arg-type]


def _within(a: Constraint, b: Constraint) -> bool:
    if type(a) is not type(b):
        return False
    return a.within(b)  # type: ignore[arg-type]


def _and(left: DNF, right: DNF) -> DNF | None:
    result = []
    for a in left:
        for b in right:
            merged = dict(a)
            empty = False
            for key, constraint in b.items():
                if key in merged:
                    both = _intersect(merged[key], constraint)
                    if both is None:
                        return None
                    merged[key] = both
                else:
                    merged[key] = constraint
                if merged[key].is_empty():
                    empty = True
            if not empty:
                result.append(merged)
            if len(result) > MAX_TERMS:
                return None
    return result


def _opaque(expr: ast.Expr, truth: bool = True) -> DNF:
    from dunforce.dsl.format import format_expr  # the text of an expression is its identity

    return [{("expr", format_expr(expr)): Values(frozenset({truth}))}]


def _ordered_atom(name: str, op: str, value: object) -> DNF:
    if op == "==":
        return [{name: Interval(value, True, value, True)}]
    if op == "!=":
        return [{name: Interval(None, False, value, False)}, {name: Interval(value, False)}]
    low = op in (">", ">=")
    closed = op in (">=", "<=")
    interval = Interval(value, closed) if low else Interval(high=value, high_closed=closed)
    return [{name: interval}]


def _comparison(expr: ast.Compare, negate: bool) -> DNF:
    op = _NEGATE[expr.op] if negate else expr.op
    left, right = expr.left, expr.right
    if isinstance(right, ast.Name) and isinstance(left, ast.Literal):
        left, right, op = right, left, _FLIP[op]
    if not (isinstance(left, ast.Name) and isinstance(right, ast.Literal)):
        return _opaque(expr, not negate)
    if right.type in (ValueType.TEXT, ValueType.BOOL):
        if op not in ("==", "!="):
            return _opaque(expr, not negate)
        return [{left.id: Values(frozenset({right.value}), exclude=op == "!=")}]
    if right.type is ValueType.DURATION:
        return _opaque(expr, not negate)
    return _ordered_atom(left.id, op, right.value)


@attrs.frozen
class Meaning:
    """A name's condition, analysed once: its DNF when true and when false."""

    true: DNF | None
    false: DNF | None


def meanings(conditions: Sequence[tuple[str, ast.Expr | None]]) -> dict[str, Meaning]:
    """The analysis of each named condition, in order, each using those before it.

    Profiles refer only to earlier profiles, so one pass in file order analyses every chain
    without recursing through names (a chain of a thousand profiles is as cheap as one).
    """
    analysed: dict[str, Meaning] = {}
    for name, condition in conditions:
        if name not in analysed:
            analysed[name] = Meaning(
                to_dnf(condition, names=analysed), to_dnf(condition, True, names=analysed)
            )
    return analysed


def to_dnf(
    expr: ast.Expr | None,
    negate: bool = False,
    *,
    names: Mapping[str, Meaning] | None = None,
) -> DNF | None:
    """The condition as a DNF, or ``None`` when it is too large to analyse.

    ``None`` as ``expr`` is ``otherwise``: always true. ``names`` gives the analysed meaning of
    some names (the earlier profiles, inside a profile condition); they are used in place.
    """
    if expr is None:
        return [] if negate else [{}]
    if isinstance(expr, ast.Literal) and expr.type is ValueType.BOOL:
        return [{}] if bool(expr.value) != negate else []
    if isinstance(expr, ast.Name):
        if names is not None and expr.id in names:
            meaning = names[expr.id]
            return meaning.false if negate else meaning.true
        return [{expr.id: Values(frozenset({not negate}))}]
    if isinstance(expr, ast.Unary) and expr.op == "not":
        return to_dnf(expr.operand, not negate, names=names)
    if isinstance(expr, ast.IsSet):
        return [{("set", expr.name.id): Values(frozenset({expr.negated == negate}))}]
    if isinstance(expr, ast.Compare):
        return _comparison(expr, negate)
    if isinstance(expr, ast.In) and isinstance(expr.left, ast.Name):
        exclude = expr.negated != negate
        values = frozenset(o.value for o in expr.options)
        if all(o.type in (ValueType.TEXT, ValueType.BOOL) for o in expr.options):
            return [{expr.left.id: Values(values, exclude=exclude)}]
        if not exclude:
            points = [{expr.left.id: Interval(v, True, v, True)} for v in sorted(values)]
            return points if len(points) <= MAX_TERMS else None
        return _opaque(expr, not negate)
    if isinstance(expr, ast.BoolOp):
        conjunctive = (expr.op == "and") != negate
        parts = [to_dnf(o, negate, names=names) for o in expr.operands]
        if any(p is None for p in parts):
            return None
        if conjunctive:
            result: DNF | None = [{}]
            for part in parts:
                result = _and(result, part)  # type: ignore[arg-type]
                if result is None:
                    return None
            return result
        union: DNF = []
        for part in parts:
            union.extend(term for term in part if term not in union)  # type: ignore[union-attr]
        return union if len(union) <= MAX_TERMS else None
    return _opaque(expr, not negate)


def _term_within(term: Conjunction, other: Conjunction) -> bool:
    return all(key in term and _within(term[key], c) for key, c in other.items())


def covering(dnf: DNF, others: Sequence[DNF | None]) -> set[int] | None:
    """Which of ``others`` together cover every account ``dnf`` matches, or ``None`` if they
    do not (as far as this analysis can tell)."""
    used: set[int] = set()
    for term in dnf:
        for index, other in enumerate(others):
            if other is not None and any(_term_within(term, o) for o in other):
                used.add(index)
                break
        else:
            return None
    return used


def intersect(left: DNF | None, right: DNF | None) -> DNF | None:
    """The accounts both conditions match, or ``None`` when that cannot be analysed."""
    if left is None or right is None:
        return None
    return _and(left, right)


def never_true(dnf: DNF | None) -> bool:
    return dnf is not None and not dnf
