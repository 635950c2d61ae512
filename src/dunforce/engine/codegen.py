"""Checked conditions to Python functions, built as Python AST nodes.

Each condition of a scenario file becomes a function ``f(A, T, P) -> bool`` where ``A`` maps a
name to its value in runtime form (money in cents, dates as day ordinals, numbers as exact
fractions), ``T`` is the step date as an ordinal and ``P`` the account's profile. The code is built
from Python AST nodes: a name of the scenario file only ever appears as a string constant
(``A["income"]``), never as Python source, so no user text is evaluated. Every node carries the
scenario's line and column, and the code is compiled under the scenario's file name, so a failure
at run time points at the scenario line.
"""

from __future__ import annotations

import ast as py
import sys
from collections.abc import Callable, Mapping

from dunforce.attributes.types import ValueType
from dunforce.dsl import ast
from dunforce.dsl.checker import CheckedModule
from dunforce.engine import runtime
from dunforce.values import to_runtime

Condition = Callable[[Mapping[str, object], int, "str | None"], bool]

_COMPARE = {
    "==": py.Eq,
    "!=": py.NotEq,
    "<": py.Lt,
    "<=": py.LtE,
    ">": py.Gt,
    ">=": py.GtE,
}
_ARITHMETIC = {"+": py.Add, "-": py.Sub, "*": py.Mult}


class Generator:
    """Builds the condition functions of one program into one Python module."""

    def __init__(self, checked: CheckedModule):
        self.checked = checked
        self.filename = checked.filename
        self.functions: list[py.FunctionDef] = []
        self.names: dict[str, object] = dict(runtime.HELPERS)
        self.profile_functions: dict[str, str] = {}  # profile name -> function name

    # ----- building
    def constant(self, value: object, node: ast.Node) -> py.expr:
        """A value the code refers to by name (fractions, durations, sets)."""
        name = f"_k{len(self.names)}"
        self.names[name] = value
        return self._at(py.Name(name, py.Load()), node)

    def _at(self, target: py.AST, node: ast.Node) -> py.AST:
        span = node.span
        if span.line:
            target.lineno = span.line  # type: ignore[attr-defined]
            target.col_offset = max(span.column - 1, 0)  # type: ignore[attr-defined]
            target.end_lineno = span.end_line  # type: ignore[attr-defined]
            target.end_col_offset = max(span.end_column - 1, 0)  # type: ignore[attr-defined]
        return target

    def function(self, expr: ast.Expr | None, *, profile_context: bool, label: str) -> str:
        """Add ``def NAME(A, T, P): return EXPR`` and return its name."""
        name = f"_{label}_{len(self.functions)}"
        body = py.Constant(True) if expr is None else self.expr(expr, profile_context)
        returned = py.Return(body)
        args = py.arguments(
            posonlyargs=[],
            args=[py.arg("A"), py.arg("T"), py.arg("P")],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        )
        extra = {"type_params": []} if sys.version_info >= (3, 12) else {}
        definition = py.FunctionDef(name, args, [returned], [], None, **extra)
        if expr is not None:
            self._at(returned, expr)
            self._at(definition, expr)
        self.functions.append(definition)
        return name

    def build(self) -> dict[str, Condition]:
        """Compile the module; the functions by name."""
        module = py.Module(body=list(self.functions), type_ignores=[])
        py.fix_missing_locations(module)
        # Python refuses a file name with a NUL in it; the traceback only needs to match it
        code = compile(module, self.filename.replace("\0", "\\0"), "exec")
        namespace = dict(self.names)
        namespace["__builtins__"] = {"min": min, "max": max, "abs": abs}
        exec(code, namespace)  # the module holds only the functions built above
        return {f.name: namespace[f.name] for f in self.functions}

    # ----- expressions
    def kind(self, expr: ast.Expr) -> ValueType | None:
        return self.checked.type_of(expr)

    def expr(self, expr: ast.Expr, profile_context: bool) -> py.expr:
        method = getattr(self, "expr_" + type(expr).__name__.lower())
        return self._at(method(expr, profile_context), expr)

    def expr_name(self, expr: ast.Name, profile_context: bool) -> py.expr:
        if expr.id in self.checked.profiles:
            if profile_context:
                # an earlier profile's name stands for its condition
                function = self.profile_functions.get(expr.id)
                if function is None:  # `otherwise`
                    return py.Constant(True)
                return py.Call(
                    py.Name(function, py.Load()),
                    [py.Name("A", py.Load()), py.Name("T", py.Load()), py.Name("P", py.Load())],
                    [],
                )
            # elsewhere it says which profile the account has
            return py.Compare(py.Name("P", py.Load()), [py.Eq()], [py.Constant(expr.id)])
        return py.Subscript(py.Name("A", py.Load()), py.Constant(expr.id), py.Load())

    def expr_literal(self, expr: ast.Literal, profile_context: bool) -> py.expr:
        value = to_runtime(expr.value, expr.type)
        if isinstance(value, bool | int | str):
            return py.Constant(value)
        return self.constant(value, expr)

    def expr_unary(self, expr: ast.Unary, profile_context: bool) -> py.expr:
        operand = self.expr(expr.operand, profile_context)
        if expr.op == "not":
            return py.UnaryOp(py.Not(), operand)
        if self.kind(expr.operand) is ValueType.DURATION:
            return self._helper("duration_neg", operand)
        return py.UnaryOp(py.USub(), operand)

    def expr_binary(self, expr: ast.Binary, profile_context: bool) -> py.expr:
        left = self.expr(expr.left, profile_context)
        right = self.expr(expr.right, profile_context)
        lk, rk = self.kind(expr.left), self.kind(expr.right)
        if expr.op == "/":
            return self._helper("divide", left, right)
        if ValueType.DURATION in (lk, rk):
            if ValueType.DATE in (lk, rk):
                date, duration = (left, right) if lk is ValueType.DATE else (right, left)
                sign = py.Constant(-1 if expr.op == "-" else 1)
                return self._helper("date_shift", date, duration, sign)
            if expr.op == "*":
                return self._helper("duration_mul", left, right)
            return self._helper("duration_add", left, right, py.Constant(expr.op == "-"))
        return py.BinOp(left, _ARITHMETIC[expr.op](), right)

    def expr_compare(self, expr: ast.Compare, profile_context: bool) -> py.expr:
        left = self.expr(expr.left, profile_context)
        right = self.expr(expr.right, profile_context)
        if self.kind(expr.left) is ValueType.DURATION:
            return self._helper("duration_compare", left, right, py.Constant(expr.op))
        return py.Compare(left, [_COMPARE[expr.op]()], [right])

    def expr_boolop(self, expr: ast.BoolOp, profile_context: bool) -> py.expr:
        operator = py.And() if expr.op == "and" else py.Or()
        return py.BoolOp(operator, [self.expr(o, profile_context) for o in expr.operands])

    def expr_isset(self, expr: ast.IsSet, profile_context: bool) -> py.expr:
        if expr.name.id in self.checked.profiles:  # a profile is always set (a lint says so)
            return py.Constant(not expr.negated)
        value = self.expr_name(expr.name, profile_context)
        test = py.IsNot() if not expr.negated else py.Is()
        return py.Compare(value, [test], [py.Constant(None)])

    def expr_in(self, expr: ast.In, profile_context: bool) -> py.expr:
        left = self.expr(expr.left, profile_context)
        values = frozenset(to_runtime(o.value, o.type) for o in expr.options)
        test = py.NotIn() if expr.negated else py.In()
        return py.Compare(left, [test], [self.constant(values, expr)])

    def expr_call(self, expr: ast.Call, profile_context: bool) -> py.expr:
        args = [self.expr(a, profile_context) for a in expr.args]
        name = expr.func.id
        today = py.Name("T", py.Load())
        if name == "days_since":
            return py.BinOp(today, py.Sub(), args[0])
        if name == "days_until":
            return py.BinOp(args[0], py.Sub(), today)
        if self.kind(expr.args[0]) is ValueType.DURATION:
            return self._helper(f"duration_{name}", *args)
        return py.Call(py.Name(name, py.Load()), args, [])

    def _helper(self, name: str, *args: py.expr) -> py.expr:
        return py.Call(py.Name(f"_{name}", py.Load()), list(args), [])
