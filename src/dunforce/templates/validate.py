"""The allow-list: which parts of Jinja a template may use, checked on Jinja's parse tree.

Templates may show names, apply dunforce's filters to them with literal arguments, and choose
text with ``{% if %}`` on names, literals, ``not``/``and``/``or``, comparisons and the tests
``is defined`` / ``is none``. Everything else (attribute access, calls, loops, assignments,
inheritance) is refused here, before a template is ever compiled: the sandbox is a second line,
not the first. This module reads trees only; it never compiles or renders.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from decimal import Decimal

import attrs
from jinja2 import nodes

from dunforce.attributes.types import AttributeSpec, DerivedAttribute, ValueType
from dunforce.templates import codes
from dunforce.templates.filters import ACCEPTS, ARITY, FILTERS, RESULT

#: names the template engine gives a meaning of its own
RESERVED = frozenset({"self", "loop", "caller", "varargs", "kwargs", "super"})
TESTS = ("defined", "none")
_ORDER_OPS = {"lt": "<", "lteq": "<=", "gt": ">", "gteq": ">="}
_EQUAL_OPS = {"eq": "==", "ne": "!="}
_NUMERIC = frozenset({ValueType.INT, ValueType.NUMBER, ValueType.MONEY})
_SHOWN_LITERALS = frozenset({ValueType.TEXT, ValueType.INT, ValueType.NUMBER})

_STATEMENTS: dict[type, tuple[str, str]] = {
    nodes.For: ("for", "loops (`{% for %}`) are not allowed in templates"),
    nodes.Assign: ("set", "`{% set %}` is not allowed in templates"),
    nodes.AssignBlock: ("set", "`{% set %}` is not allowed in templates"),
    nodes.Macro: ("macro", "macros (`{% macro %}`) are not allowed in templates"),
    nodes.CallBlock: ("call", "`{% call %}` blocks are not allowed in templates"),
    nodes.Include: ("include", "`{% include %}` is not allowed: a template is one file"),
    nodes.Import: ("import", "`{% import %}` is not allowed: a template is one file"),
    nodes.FromImport: ("from", "`{% from … import %}` is not allowed: a template is one file"),
    nodes.Extends: ("extends", "`{% extends %}` is not allowed: a template is one file"),
    nodes.Block: ("block", "`{% block %}` is not allowed: a template is one file"),
    nodes.FilterBlock: ("filter", "`{% filter %}` blocks are not allowed; filter a name instead"),
    nodes.With: ("with", "`{% with %}` is not allowed in templates"),
    nodes.Scope: ("autoescape", "`{% autoescape %}` is not allowed in templates"),
    nodes.ScopedEvalContextModifier: ("autoescape", "`{% autoescape %}` is not allowed"),
    nodes.EvalContextModifier: ("autoescape", "`{% autoescape %}` is not allowed"),
    nodes.ExprStmt: ("do", "`{% do %}` is not allowed in templates"),
    nodes.Break: ("break", "`{% break %}` is not allowed in templates"),
    nodes.Continue: ("continue", "`{% continue %}` is not allowed in templates"),
}

_EXPRESSIONS: dict[type, str] = {
    nodes.Getattr: "templates cannot read attributes (`a.b`): write the name of a variable",
    nodes.Getitem: "templates cannot index values (`a[0]`, `a['b']`): write the name of a variable",
    nodes.Call: "templates cannot call functions or methods",
    nodes.Concat: "`~` is not allowed: write the texts side by side",
    nodes.CondExpr: "inline `a if b else c` is not allowed: use `{% if %}…{% else %}…{% endif %}`",
    nodes.List: "lists are not allowed in templates",
    nodes.Tuple: "tuples are not allowed in templates",
    nodes.Dict: "dictionaries are not allowed in templates",
    nodes.Slice: "slices are not allowed in templates",
    nodes.BinExpr: "arithmetic is not allowed in templates: use a derived value",
    nodes.UnaryExpr: "arithmetic is not allowed in templates: use a derived value",
}

_TYPE_HINTS = {
    ValueType.MONEY: "use 'money' for an amount",
    ValueType.DATE: "use 'date' or 'short_date' for a date",
    ValueType.INT: "use 'number' for a number",
    ValueType.NUMBER: "use 'number' for a number",
    ValueType.TEXT: "a text is shown as it is: {{ name }}",
    ValueType.BOOL: "choose the words with {% if name %}…{% else %}…{% endif %}",
    ValueType.DURATION: "a duration is shown as it is: {{ name }}",
}


@attrs.frozen
class Problem:
    """One thing wrong with a template part; ``line`` counts from 1 within the part and
    ``needle`` is the text to put the caret under, when it is known."""

    code: str
    message: str
    line: int
    needle: str | None = None
    hint: str | None = None
    severity: str = "error"


@attrs.frozen
class Variable:
    """What a template may know about a name: its type and, for a text, its allowed values."""

    type: ValueType
    allowed: tuple[str, ...] | None = None
    optional: bool = False


def _article(kind: ValueType | None) -> str:
    words = {
        ValueType.MONEY: "an amount of money",
        ValueType.DATE: "a date",
        ValueType.INT: "a whole number",
        ValueType.NUMBER: "a number",
        ValueType.TEXT: "a text",
        ValueType.BOOL: "true or false",
        ValueType.DURATION: "a duration",
    }
    return "none" if kind is None else words[kind]


def _literal_type(value: object) -> ValueType | None:
    if isinstance(value, bool):
        return ValueType.BOOL
    if isinstance(value, int):
        return ValueType.INT
    if isinstance(value, float | Decimal):
        return ValueType.NUMBER
    if isinstance(value, str):
        return ValueType.TEXT
    return None


def literal(node: nodes.Node) -> tuple[bool, object]:
    """Whether ``node`` is a literal (``-1`` included), and its value."""
    if isinstance(node, nodes.Const):
        return True, node.value
    if isinstance(node, nodes.Neg | nodes.Pos) and isinstance(node.node, nodes.Const):
        value = node.node.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return True, -value if isinstance(node, nodes.Neg) else value
    return False, None


def _first_name(node: nodes.Node) -> str | None:
    for found in node.find_all(nodes.Name):
        return found.name
    return None


def _needle(node: nodes.Node) -> str | None:
    """The text of ``node`` most worth pointing at: the attribute read, else the first name."""
    outer = [node.attr] if isinstance(node, nodes.Getattr) else []
    attributes = outer + [n.attr for n in node.find_all(nodes.Getattr)]
    if attributes:
        return attributes[-1]  # outside in: the innermost is the one written first
    if isinstance(node, nodes.Name):
        return node.name
    return _first_name(node)


class Analyser:
    """Walks one parse tree and collects its problems.

    Without ``variables`` it checks the shape only (what compiling needs); with them, it also
    checks names, filter types and comparisons.
    """

    def __init__(self, variables: Mapping[str, Variable] | None = None):
        self.variables = variables
        self.problems: list[Problem] = []

    # -- reporting

    def _add(self, node: nodes.Node, code: str, message: str, **kw: object) -> None:
        self.problems.append(Problem(code, message, node.lineno or 1, **kw))  # type: ignore[arg-type]

    def _forbid(self, node: nodes.Node, message: str, needle: str | None = None) -> None:
        self._add(
            node,
            codes.FORBIDDEN,
            message,
            needle=needle if needle is not None else _needle(node),
            hint="templates show variables ({{ debt | money }}) and choose text with "
            "{% if … %}; nothing else runs",
        )

    # -- statements

    def run(self, tree: nodes.Template) -> tuple[Problem, ...]:
        self._statements(tree.body)
        return tuple(self.problems)

    def _statements(self, body: list[nodes.Node]) -> None:
        for node in body:
            if isinstance(node, nodes.Output):
                for child in node.nodes:
                    self._output(child)
            elif isinstance(node, nodes.If):
                self._condition(node.test)
                self._statements(node.body)
                for branch in node.elif_:
                    self._condition(branch.test)
                    self._statements(branch.body)
                self._statements(node.else_)
            elif type(node) in _STATEMENTS:
                keyword, message = _STATEMENTS[type(node)]
                self._forbid(node, message, needle=keyword)
            else:
                self._forbid(node, f"`{type(node).__name__}` is not allowed in templates")

    # -- expressions

    def _output(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.TemplateData):
            return
        if isinstance(node, nodes.Name):
            self._name(node)
        elif isinstance(node, nodes.Filter):
            self._filter(node)
        elif literal(node)[0] and _literal_type(literal(node)[1]) in _SHOWN_LITERALS:
            return
        elif isinstance(node, nodes.Test):
            self._forbid(node, "tests (`is …`) belong in `{% if %}`, not in `{{ }}`", "is")
        else:
            self._expression(node, "in {{ }}")

    def _expression(self, node: nodes.Node, where: str) -> None:
        for kind, message in _EXPRESSIONS.items():
            if isinstance(node, kind):
                self._forbid(node, message)
                return
        if isinstance(node, nodes.Filter):
            self._forbid(node, "filters are not allowed in conditions", node.name)
        elif isinstance(node, nodes.Compare):
            self._forbid(node, "comparisons belong in `{% if %}`, not in `{{ }}`")
        else:
            self._forbid(node, f"this expression is not allowed {where}")

    def _name(self, node: nodes.Name) -> ValueType | None:
        if node.name in RESERVED:
            self._forbid(node, f"'{node.name}' is reserved by the template engine", node.name)
            return None
        if self.variables is None:
            return None
        variable = self.variables.get(node.name)
        if variable is None:
            close = difflib.get_close_matches(node.name, list(self.variables), n=1, cutoff=0.6)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else "templates may use the attributes, the derived values, account_id, "
                "today and scheduled_for"
            )
            self._add(
                node,
                codes.UNKNOWN_VARIABLE,
                f"unknown variable '{node.name}'",
                needle=node.name,
                hint=hint,
            )
            return None
        return variable.type

    def _filter(self, node: nodes.Filter) -> ValueType | None:
        """Check a chain of filters on a name; the type of its result (``None``: unknown)."""
        inner = node.node
        if isinstance(inner, nodes.Name):
            kind = self._name(inner)
            base = inner.name
        elif isinstance(inner, nodes.Filter):
            kind = self._filter(inner)
            base = _first_name(inner)
        else:
            self._forbid(node, "filters apply to the name of a variable", node.name)
            return None
        if node.name not in FILTERS:
            close = difflib.get_close_matches(node.name, FILTERS, n=1, cutoff=0.6)
            self._add(
                node,
                codes.UNKNOWN_FILTER,
                f"unknown filter '{node.name}'",
                needle=node.name,
                hint=(f"did you mean '{close[0]}'? " if close else "")
                + "the filters are "
                + ", ".join(FILTERS),
            )
            return None
        if node.kwargs or node.dyn_args or node.dyn_kwargs:
            self._forbid(node, f"'{node.name}' takes its arguments by position", node.name)
            return None
        literals = [literal(arg) for arg in node.args]
        if not all(ok for ok, _ in literals):
            self._forbid(node, f"the arguments of '{node.name}' must be literals", node.name)
            return None
        low, high = ARITY[node.name]
        values = [value for _, value in literals]
        if not low <= len(values) <= high or (
            node.name == "number"
            and values
            and (type(values[0]) is not int or not 0 <= values[0] <= 6)
        ):
            expected = {
                "default": 'one literal, the text shown when the value is unset: default("…")',
                "number": "nothing, or the number of decimals from 0 to 6: number(1)",
            }.get(node.name, "no argument")
            self._add(
                node,
                codes.FILTER_ARGS,
                f"'{node.name}' takes {expected}",
                needle=node.name,
            )
            return None
        accepts = ACCEPTS[node.name]
        if accepts is not None and kind is not None and kind not in accepts:
            after_default = isinstance(inner, nodes.Filter) and inner.name == "default"
            self._add(
                node,
                codes.FILTER_TYPE,
                f"'{node.name}' formats {' or '.join(sorted(_article(k) for k in accepts))}, "
                + (
                    f"but after default(…) '{base}' may be {_article(kind)}"
                    if after_default
                    else f"but '{base}' is {_article(kind)}"
                ),
                needle=node.name,
                hint="put default last, after the formatting filters"
                if after_default
                else _TYPE_HINTS[kind],
            )
            return None
        if node.name == "default":
            fallback = _literal_type(values[0])
            compatible = fallback is None or fallback == kind or {fallback, kind} <= _NUMERIC
            return kind if compatible else ValueType.TEXT
        return RESULT.get(node.name, kind)

    # -- conditions

    def _condition(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Name):
            self._name(node)
        elif literal(node)[0]:
            return
        elif isinstance(node, nodes.Not):
            self._condition(node.node)
        elif isinstance(node, nodes.And | nodes.Or):
            self._condition(node.left)
            self._condition(node.right)
        elif isinstance(node, nodes.Test):
            self._test(node)
        elif isinstance(node, nodes.Compare):
            self._compare(node)
        else:
            self._expression(node, "in a condition")

    def _test(self, node: nodes.Test) -> None:
        if node.name not in TESTS:
            self._forbid(
                node,
                f"the test 'is {node.name}' is not allowed; templates may test "
                "'is defined' and 'is none'",
                node.name,
            )
        elif node.args or node.kwargs or node.dyn_args or node.dyn_kwargs:
            self._forbid(node, f"'is {node.name}' takes no argument", node.name)
        elif not isinstance(node.node, nodes.Name):
            self._forbid(node, f"'is {node.name}' applies to the name of a variable", node.name)
        else:
            self._name(node.node)

    def _operand(self, node: nodes.Node) -> tuple[bool, ValueType | None, str, object]:
        """(usable, type, how to name it, literal value) of one side of a comparison."""
        if isinstance(node, nodes.Name):
            return True, self._name(node), f"'{node.name}'", None
        ok, value = literal(node)
        if ok:
            return True, _literal_type(value), repr(value), value
        self._expression(node, "in a comparison")
        return False, None, "", None

    def _compare(self, node: nodes.Compare) -> None:
        left = node.expr
        for operand in node.ops:
            if operand.op not in _ORDER_OPS and operand.op not in _EQUAL_OPS:
                self._forbid(
                    node,
                    f"'{operand.op.replace('notin', 'not in')}' is not allowed in conditions; "
                    "compare with == and join with or",
                    "in",
                )
                return
            self._pair(node, left, operand.op, operand.expr)
            left = operand.expr

    def _pair(self, node: nodes.Node, left: nodes.Node, op: str, right: nodes.Node) -> None:
        ok_left, left_type, left_text, left_value = self._operand(left)
        ok_right, right_type, right_text, right_value = self._operand(right)
        if not (ok_left and ok_right) or self.variables is None:
            return
        if left_type is None or right_type is None:
            return  # an unknown name (already reported) or `none`
        needle = _first_name(node)
        if op in _ORDER_OPS:
            same = left_type == right_type and left_type in (ValueType.DATE, ValueType.TEXT)
            if not (same or {left_type, right_type} <= _NUMERIC):
                self._add(
                    node,
                    codes.COMPARE_TYPE,
                    f"cannot order {left_text} ({_article(left_type)}) and {right_text} "
                    f"({_article(right_type)}) with {_ORDER_OPS[op]}",
                    needle=needle,
                )
            return
        if left_type != right_type and not {left_type, right_type} <= _NUMERIC:
            self._add(
                node,
                codes.COMPARE_TYPE,
                f"{left_text} ({_article(left_type)}) is never equal to {right_text} "
                f"({_article(right_type)})",
                needle=needle,
            )
            return
        for name_node, value in ((left, right_value), (right, left_value)):
            if isinstance(name_node, nodes.Name) and isinstance(value, str):
                variable = self.variables.get(name_node.name)
                if variable is not None and variable.allowed and value not in variable.allowed:
                    close = difflib.get_close_matches(value, variable.allowed, n=1, cutoff=0.6)
                    self._add(
                        node,
                        codes.COMPARE_TYPE,
                        f"'{name_node.name}' is never {value!r}: its values are "
                        + ", ".join(repr(v) for v in variable.allowed[:12])
                        + (", …" if len(variable.allowed) > 12 else ""),
                        needle=repr(value)[1:-1],
                        hint=f"did you mean {close[0]!r}?" if close else None,
                    )


def as_variables(variables: object) -> dict[str, Variable]:
    """What a caller says templates may read, as :class:`Variable`: each name maps to a
    ``ValueType``, to a schema symbol (``AttributeSpec``, ``DerivedAttribute``) or to a
    ``Variable``."""
    if not isinstance(variables, Mapping):
        raise TypeError(
            f"variables must be a mapping of names to ValueType, not {type(variables).__name__}"
        )
    found = {}
    for name, spec in variables.items():
        if not isinstance(name, str):
            raise TypeError(f"variables: names must be str, not {name!r}")
        if isinstance(spec, Variable):
            found[name] = spec
        elif isinstance(spec, ValueType):
            found[name] = Variable(spec)
        elif isinstance(spec, AttributeSpec | DerivedAttribute):
            found[name] = Variable(spec.type, spec.allowed, spec.optional)
        else:
            raise TypeError(
                f"variables[{name!r}] must be a ValueType, an AttributeSpec or a "
                f"DerivedAttribute, not {spec!r}"
            )
    return found


def analyse(
    tree: nodes.Template, variables: Mapping[str, Variable] | None = None
) -> tuple[Problem, ...]:
    """The problems of a parsed template, in the order they are written."""
    return Analyser(variables).run(tree)


__all__ = ["RESERVED", "TESTS", "Problem", "Variable", "analyse", "as_variables", "literal"]
