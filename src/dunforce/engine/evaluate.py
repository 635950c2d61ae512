"""A plain interpreter of conditions over runtime values: the reference the compiler is tested
against, and what ``explain`` uses to say which part of a condition was false.

It is slow and simple on purpose; the step function never uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from dunforce.attributes.types import ValueType
from dunforce.dsl import ast
from dunforce.dsl.checker import CheckedModule
from dunforce.dsl.format import format_expr, format_literal
from dunforce.engine import runtime
from dunforce.values import to_public, to_runtime

_COMPARE = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class Interpreter:
    def __init__(self, checked: CheckedModule, profile_context: bool = False):
        self.checked = checked
        self.profile_context = profile_context
        self.conditions = {p.name: p.condition for p in checked.module.profiles}

    def value(self, expr: ast.Expr, values: Mapping[str, object], today: int, profile):
        kind = self.checked.type_of
        if isinstance(expr, ast.Literal):
            return to_runtime(expr.value, expr.type)
        if isinstance(expr, ast.Name):
            if expr.id in self.conditions:
                if self.profile_context:
                    condition = self.conditions[expr.id]
                    return (
                        True if condition is None else self.value(condition, values, today, profile)
                    )
                return profile == expr.id
            return values[expr.id]
        if isinstance(expr, ast.Unary):
            inner = self.value(expr.operand, values, today, profile)
            if expr.op == "not":
                return not inner
            if kind(expr.operand) is ValueType.DURATION:
                return runtime.duration_neg(inner)
            return -inner
        if isinstance(expr, ast.BoolOp):
            if expr.op == "and":
                return all(self.value(o, values, today, profile) for o in expr.operands)
            return any(self.value(o, values, today, profile) for o in expr.operands)
        if isinstance(expr, ast.IsSet):
            if expr.name.id in self.conditions:
                return not expr.negated
            return (values[expr.name.id] is None) == expr.negated
        if isinstance(expr, ast.In):
            left = self.value(expr.left, values, today, profile)
            options = {to_runtime(o.value, o.type) for o in expr.options}
            return (left in options) != expr.negated
        if isinstance(expr, ast.Compare):
            left = self.value(expr.left, values, today, profile)
            right = self.value(expr.right, values, today, profile)
            if kind(expr.left) is ValueType.DURATION:
                return runtime.duration_compare(left, right, expr.op)
            return _COMPARE[expr.op](left, right)
        if isinstance(expr, ast.Binary):
            left = self.value(expr.left, values, today, profile)
            right = self.value(expr.right, values, today, profile)
            lk, rk = kind(expr.left), kind(expr.right)
            if expr.op == "/":
                return runtime.divide(left, right)
            if ValueType.DURATION in (lk, rk):
                if ValueType.DATE in (lk, rk):
                    date, duration = (left, right) if lk is ValueType.DATE else (right, left)
                    return runtime.date_shift(date, duration, -1 if expr.op == "-" else 1)
                if expr.op == "*":
                    return runtime.duration_mul(left, right)
                return runtime.duration_add(left, right, expr.op == "-")
            return {"+": left + right, "-": left - right, "*": left * right}[expr.op]
        if isinstance(expr, ast.Call):
            args = [self.value(a, values, today, profile) for a in expr.args]
            name = expr.func.id
            if name == "days_since":
                return today - args[0]
            if name == "days_until":
                return args[0] - today
            if kind(expr.args[0]) is ValueType.DURATION:
                return getattr(runtime, f"duration_{name}")(*args)
            return {"min": min, "max": max, "abs": abs}[name](*args)
        raise TypeError(f"not an expression: {expr!r}")

    def why_false(self, expr: ast.Expr, values, today: int, profile) -> str:
        """The smallest part of a false condition that makes it false, with its values."""
        if isinstance(expr, ast.BoolOp) and expr.op == "and":
            for operand in expr.operands:
                if not self.value(operand, values, today, profile):
                    return self.why_false(operand, values, today, profile)
        shown = []
        for name in dict.fromkeys(n.id for n in ast.names_in(expr)):
            if name in values:
                symbol = self.checked.schema.get(name)
                value = to_public(values[name], symbol.type if symbol else None)
                shown.append(f"{name} = {_show(value, symbol.type if symbol else None)}")
        where = f" ({', '.join(shown)})" if shown else ""
        return f"{format_expr(expr)} is false{where}"


def _show(value: object, kind: ValueType | None) -> str:
    if value is None:
        return "not set"
    if kind is ValueType.MONEY:
        return f"{value:.2f} €"
    if isinstance(value, Fraction):
        return f"{float(value):.4g}"
    if kind is ValueType.TEXT:
        return format_literal(ast.Literal(value, ValueType.TEXT))
    return str(value).lower() if isinstance(value, bool) else str(value)
