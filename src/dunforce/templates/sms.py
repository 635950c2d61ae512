"""How long an SMS template can get: the longest plausible rendering, and the warnings about it.

A template is measured with the longest plausible value of each variable's type (see
``SAMPLES``; a text with allowed values takes its longest one) and, at each ``{% if %}``, the
longest branch, whatever the condition: every branch can happen to some tenant. The
measurement walks the checked parse tree itself, so it never raises and never depends on data.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType

from jinja2 import nodes

from dunforce.attributes.types import ValueType
from dunforce.errors import Diagnostic, Span
from dunforce.templates import codes
from dunforce.templates.filters import FILTER_FUNCTIONS, FilterError, Unset, UnsetUsed, show
from dunforce.templates.gsm import GSM7_SINGLE, GSM_EXTENSION, UCS2, outside_gsm7, sms_size
from dunforce.templates.template import Template
from dunforce.templates.validate import Variable, as_variables, literal

#: the longest plausible value of each type, as the SMS check assumes it
SAMPLES: Mapping[ValueType, object] = MappingProxyType(
    {
        ValueType.MONEY: Decimal("999999.99"),  # 999 999,99 €
        ValueType.DATE: datetime.date(2026, 9, 30),  # 30 septembre 2026
        ValueType.INT: 999,
        ValueType.NUMBER: Decimal("999.99"),  # 999,99
        ValueType.BOOL: True,  # oui / non: three letters either way
        ValueType.TEXT: "X" * 20,
        ValueType.DURATION: 999,
    }
)
PLACEHOLDER = "X" * 20

#: GSM-7 spellings of characters that often slip into French text
REPLACEMENTS: Mapping[str, str] = MappingProxyType(
    {
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "œ": "oe",
        "Œ": "OE",
        "…": "...",
        "–": "-",
        "—": "-",
        "\u00a0": "a space",
        "\u202f": "a space",
        "ç": "c",
        "â": "a",
        "ê": "e",
        "î": "i",
        "ô": "o",
        "û": "u",
        "ë": "e",
        "ï": "i",
    }
)


def sample_value(variable: Variable) -> object:
    """The value the SMS check assumes for a variable: the longest plausible one."""
    if variable.type is ValueType.TEXT and variable.allowed:
        return max(variable.allowed, key=len)
    return SAMPLES[variable.type]


def _gsm_units(text: str) -> int:
    return sum(2 if c in GSM_EXTENSION else 1 for c in text)


def _ucs2_units(text: str) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


class _Longest:
    """Renders a checked tree with sample values, taking the heaviest branch of each ``if``."""

    def __init__(self, variables: Mapping[str, Variable], weight: Callable[[str], int]):
        self.variables = variables
        self.weight = weight
        self.seen: list[str] = []  # every piece of text met, in every branch

    def body(self, body: list[nodes.Node]) -> str:
        return "".join(self.statement(node) for node in body)

    def statement(self, node: nodes.Node) -> str:
        if isinstance(node, nodes.Output):
            return "".join(self.expression(child) for child in node.nodes)
        if isinstance(node, nodes.If):
            branches = [node.body, *(branch.body for branch in node.elif_), node.else_]
            return max((self.body(b) for b in branches), key=self.weight)
        return ""

    def expression(self, node: nodes.Node) -> str:
        text = self._expression(node)
        self.seen.append(text)
        return text

    def _expression(self, node: nodes.Node) -> str:
        if isinstance(node, nodes.TemplateData):
            return node.data
        is_literal, value = literal(node)
        if is_literal:
            return _safe_show(value) or ""
        if isinstance(node, nodes.Name):
            return _safe_show(self._sample(node.name)) or PLACEHOLDER
        if isinstance(node, nodes.Filter):
            return self._chain(node)
        return ""

    def _sample(self, name: str) -> object:
        variable = self.variables.get(name)
        return PLACEHOLDER if variable is None else sample_value(variable)

    def _chain(self, node: nodes.Filter) -> str:
        chain: list[tuple[str, list[object]]] = []
        current: nodes.Node = node
        while isinstance(current, nodes.Filter):
            chain.append((current.name, [literal(arg)[1] for arg in current.args]))
            current = current.node
        chain.reverse()
        if not isinstance(current, nodes.Name):
            return PLACEHOLDER
        starts = [self._sample(current.name)]
        if any(name == "default" for name, _ in chain):
            starts.append(Unset(current.name))
        candidates = []
        for value in starts:
            try:
                for name, args in chain:
                    value = FILTER_FUNCTIONS[name](value, *args)
            except (FilterError, UnsetUsed, TypeError, ValueError, ArithmeticError, KeyError):
                continue
            shown = _safe_show(value)
            if shown is not None:
                candidates.append(shown)
        return max(candidates, key=self.weight) if candidates else PLACEHOLDER


def _safe_show(value: object) -> str | None:
    try:
        return show(value)
    except (FilterError, UnsetUsed, TypeError, ValueError, ArithmeticError):
        return None


def longest_rendering(
    template: Template, variables: Mapping[str, object], *, encoding: str | None = None
) -> str:
    """The body's longest rendering: longest values, heaviest branches (by GSM-7 septets, or
    by UTF-16 units with ``encoding="UCS-2"``); ``""`` when the body does not parse.

    ``variables`` is what :meth:`TemplateSet.check` takes: names to ``ValueType`` or symbols.
    """
    tree = template.body_tree
    if tree is None:
        return ""
    weight = _ucs2_units if encoding == UCS2 else _gsm_units
    return _Longest(as_variables(variables), weight).body(tree.body).rstrip()


def _describe(char: str) -> str:
    if char.isprintable() and not char.isspace():
        return char
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'unnamed character')})"


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _find(template: Template, chars: tuple[str, ...]) -> tuple[int, int]:
    """The line and column of the first of ``chars`` in the body (its first line if none)."""
    for line in range(template.body_line, len(template.lines) + 1):
        text = template.lines[line - 1]
        for column, char in enumerate(text, start=1):
            if char in chars:
                return line, column
    return template.body_line, 1


def sms_diagnostics(template: Template, variables: Mapping[str, object]) -> tuple[Diagnostic, ...]:
    """Warnings for a template sent as SMS: more than one segment, characters outside GSM-7."""
    tree = template.body_tree
    if tree is None or template.has_errors:
        return ()
    variables = as_variables(variables)
    gsm = _Longest(variables, _gsm_units)
    gsm_text = gsm.body(tree.body).rstrip()
    ucs2 = _Longest(variables, _ucs2_units)
    ucs2_text = ucs2.body(tree.body).rstrip()
    outside = outside_gsm7("".join(gsm.seen))
    found = []
    if outside:
        size = sms_size(ucs2_text, encoding=UCS2)
        line, column = _find(template, outside)
        shown = [_describe(c) for c in outside]
        fixes = [f"{REPLACEMENTS[c]} for {_describe(c)}" for c in outside if c in REPLACEMENTS]
        found.append(
            Diagnostic(
                filename=template.filename,
                span=Span.point(line, column),
                message=f"this SMS uses {_listed(shown)} which "
                + ("is" if len(shown) == 1 else "are")
                + " not in the GSM-7 alphabet: the whole SMS is sent as UCS-2, "
                "70 characters a segment",
                severity=codes.WARNING,
                code=codes.SMS_CHARSET,
                hint=("write " + _listed(fixes)) if fixes else "write it with GSM-7 characters",
                source_line=template.lines[line - 1] if line <= len(template.lines) else None,
            )
        )
    else:
        size = sms_size(gsm_text)
    if size.segments > 1:
        line = template.body_line
        text = template.lines[line - 1] if line <= len(template.lines) else ""
        found.append(
            Diagnostic(
                filename=template.filename,
                span=Span(line, 1, line, max(len(text), 1) + 1),
                message=f"this SMS takes {size.segments} segments ({size.units} characters with "
                f"the longest values); one segment holds {size.single_limit}",
                severity=codes.WARNING,
                code=codes.SMS_LENGTH,
                hint="shorten it; the count assumes amounts of 999 999,99 €, dates such as "
                "30 septembre 2026, texts at their longest and the longest branch of each if"
                + (" (€ counts as two)" if size.single_limit == GSM7_SINGLE else ""),
                source_line=text,
            )
        )
    return tuple(found)


__all__ = ["PLACEHOLDER", "SAMPLES", "longest_rendering", "sample_value", "sms_diagnostics"]
