"""The abstract syntax tree of a scenario file.

Nodes are frozen attrs classes; children are tuples. Every node carries a ``span`` that is left
out of equality, so two trees compare equal when they mean the same thing wherever they were
written (the formatter's round trip relies on it). Nothing mutates a tree.
"""

from __future__ import annotations

import calendar
import datetime
import functools
from collections.abc import Iterator
from decimal import Decimal
from typing import Union

import attrs

from dunforce.attributes.types import ValueType
from dunforce.errors import Span
from dunforce.words import clock

NO_SPAN = Span(0, 0, 0, 0)

#: the canonical spelling of each unit; the parser maps every accepted spelling onto these
UNITS: dict[str, str] = {
    "d": "d",
    "day": "d",
    "days": "d",
    "bd": "bd",
    "w": "w",
    "week": "w",
    "weeks": "w",
    "m": "m",
    "month": "m",
    "months": "m",
}
UNIT_WORDS = {"d": "days", "bd": "business days", "w": "weeks", "m": "months"}


@functools.lru_cache(maxsize=512)
def _day_bounds(amount: int, unit: str) -> tuple[int, int]:
    size = abs(amount)
    if unit == "d":
        low = high = size
    elif unit == "w":
        low = high = 7 * size
    elif unit == "bd":
        # at least one calendar day each; at most a weekend per five and a few holidays
        low, high = size, 2 * size + 4
    else:  # months, with end-of-month clamping, over a whole leap cycle of start dates
        start = datetime.date(2024, 1, 1)
        spans = []
        for offset in range(4 * 365 + 1):
            day = start + datetime.timedelta(days=offset)
            spans.append((_add_months(day, size) - day).days)
        low, high = min(spans), max(spans)
    return (low, high) if amount >= 0 else (-high, -low)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))


def _span_field():
    return attrs.field(default=NO_SPAN, eq=False, repr=False, kw_only=True)


@attrs.frozen
class Node:
    span: Span = _span_field()


# ------------------------------------------------------------------------------ values


@attrs.frozen
class Duration:
    """A length of time: ``amount`` units of days, business days, weeks or months."""

    amount: int
    unit: str = "d"

    def __str__(self) -> str:
        word = {"d": "days", "bd": "bd", "w": "w", "m": "m"}[self.unit]
        if self.unit == "d" and self.amount == 1:
            word = "day"
        return f"{self.amount} {word}"

    def day_bounds(self) -> tuple[int, int]:
        """The fewest and most calendar days this can span, whatever the date it starts from
        (months vary from 28 to 31 days, business days skip weekends and holidays). Lints use
        it to warn only about what is certain; scheduling never does."""
        return _day_bounds(self.amount, self.unit)


@attrs.frozen
class Offset(Node):
    """``D+2``, ``D-5``, ``E+1bd``, ``D+1m``: a signed distance from an anchor (D or E)."""

    anchor: str
    amount: int
    unit: str = "d"

    def __str__(self) -> str:
        sign = "-" if self.amount < 0 else "+"
        unit = "" if self.unit == "d" else self.unit
        return f"{self.anchor}{sign}{abs(self.amount)}{unit}"

    def day_bounds(self) -> tuple[int, int]:
        return _day_bounds(self.amount, self.unit)


# ------------------------------------------------------------------------------ expressions


@attrs.frozen
class Name(Node):
    id: str


@attrs.frozen
class Literal(Node):
    value: bool | int | Decimal | str | datetime.date | Duration
    type: ValueType


@attrs.frozen
class Unary(Node):
    op: str  # "not" or "-"
    operand: Expr


@attrs.frozen
class Binary(Node):
    op: str  # + - * /
    left: Expr
    right: Expr


@attrs.frozen
class Compare(Node):
    op: str  # == != < <= > >=
    left: Expr
    right: Expr


@attrs.frozen
class BoolOp(Node):
    op: str  # "and" or "or"
    operands: tuple[Expr, ...]


@attrs.frozen
class IsSet(Node):
    name: Name
    negated: bool = False


@attrs.frozen
class In(Node):
    left: Expr
    options: tuple[Literal, ...]
    negated: bool = False


@attrs.frozen
class Call(Node):
    func: Name
    args: tuple[Expr, ...]


Expr = Union[Name, Literal, Unary, Binary, Compare, BoolOp, IsSet, In, Call]  # noqa: UP007

# ------------------------------------------------------------------------------ steps


@attrs.frozen
class Action(Node):
    """One channel with its template and options: ``letter "mise_en_demeure" registered``."""

    channel: str
    verb: str | None = None
    template: str | None = None
    options: tuple[str, ...] = ()
    channel_span: Span = _span_field()
    option_spans: tuple[Span, ...] = attrs.field(default=(), eq=False, repr=False, kw_only=True)


@attrs.frozen
class At(Node):
    offset: Offset


@attrs.frozen
class Every(Node):
    interval: Duration
    start: Offset
    end: Offset | None = None


Timing = Union[At, Every]  # noqa: UP007


@attrs.frozen
class Step(Node):
    """Actions (the first, then its fallbacks after ``else``) at a time, under a condition."""

    actions: tuple[Action, ...]
    timing: Timing
    condition: Expr | None = None

    @property
    def action(self) -> Action:
        return self.actions[0]

    @property
    def fallbacks(self) -> tuple[Action, ...]:
        return self.actions[1:]


@attrs.frozen
class Pause(Node):
    condition: Expr


@attrs.frozen
class Stop(Node):
    condition: Expr


@attrs.frozen
class CatchUp(Node):
    """``catch up 5 days``: how long after its day a step not yet issued is still issued."""

    window: Duration


BlockItem = Union[Step, Pause, Stop, CatchUp]  # noqa: UP007

# ------------------------------------------------------------------------------ declarations


@attrs.frozen
class AttributeDecl(Node):
    name: str
    type_name: str
    optional: bool = False
    allowed: tuple[str, ...] | None = None
    description: str | None = None
    name_span: Span = _span_field()
    type_span: Span = _span_field()


@attrs.frozen
class ProfileDecl(Node):
    """``profile NAME: CONDITION``; a ``condition`` of ``None`` is ``otherwise``."""

    name: str
    condition: Expr | None
    name_span: Span = _span_field()

    @property
    def is_otherwise(self) -> bool:
        return self.condition is None


@attrs.frozen
class RuleDecl(Node):
    """The one-line form: ``if CONDITION then STEP, STEP``."""

    condition: Expr
    steps: tuple[Step, ...]


@attrs.frozen
class ScenarioDecl(Node):
    name: str
    profiles: tuple[Name, ...]
    items: tuple[BlockItem, ...]
    name_span: Span = _span_field()


@attrs.frozen
class EventDecl(Node):
    """``on EVENT [for PROFILES]:`` and its steps, timed from the event date ``E``."""

    event: str
    profiles: tuple[Name, ...]
    items: tuple[BlockItem, ...]
    name_span: Span = _span_field()


# ------------------------------------------------------------------------------ the policy


@attrs.frozen
class DayRange(Node):
    """``mon-fri``, ``sat``: the days of the week a channel may be used, ends included."""

    first: str
    last: str | None = None
    first_span: Span = _span_field()
    last_span: Span = _span_field()

    def __str__(self) -> str:
        return self.first if self.last is None else f"{self.first}-{self.last}"


@attrs.frozen
class TimeRange(Node):
    """``10:00-13:00``: local hours, the start included and the end excluded, in minutes after
    midnight (``24:00`` is 1440, the end of the day)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{clock(self.start)}-{clock(self.end)}"


@attrs.frozen
class Window(Node):
    """``window call: mon-fri 10:00-13:00, 14:00-20:00``: when channels may reach a tenant."""

    channels: tuple[Name, ...]
    days: DayRange
    holidays: bool = False  # ``and holidays``: public holidays are allowed too
    hours: tuple[TimeRange, ...] = ()  # none: any hour of the allowed days


@attrs.frozen
class Cap(Node):
    """``cap call: 4 per 30 days``: at most ``limit`` actions in any run of ``period`` days."""

    target: Name
    limit: int
    period: Duration
    period_span: Span = _span_field()


@attrs.frozen
class NoCap(Node):
    target: Name


@attrs.frozen
class NoPause(Node):
    """``no pause while dispute``: lifts a pause of the default policy."""

    condition: Expr


@attrs.frozen
class NoGuard(Node):
    """``no guard winter_truce``: lifts one of the legal guards."""

    guard: Name


@attrs.frozen
class TimeZone(Node):
    zone: str


PolicyItem = Union[Window, Cap, NoCap, Pause, NoPause, NoGuard, TimeZone]  # noqa: UP007


@attrs.frozen
class PolicyDecl(Node):
    """``policy [for PROFILES]:``: the contact policy, for every account or for some profiles."""

    profiles: tuple[Name, ...]
    items: tuple[PolicyItem, ...]


Declaration = Union[  # noqa: UP007
    AttributeDecl, ProfileDecl, RuleDecl, ScenarioDecl, EventDecl, PolicyDecl
]


@attrs.frozen
class Module(Node):
    declarations: tuple[Declaration, ...]
    filename: str = attrs.field(default="<string>", eq=False, kw_only=True)

    def of_type(self, kind: type) -> tuple:
        return tuple(d for d in self.declarations if isinstance(d, kind))

    @property
    def attributes(self) -> tuple[AttributeDecl, ...]:
        return self.of_type(AttributeDecl)

    @property
    def profiles(self) -> tuple[ProfileDecl, ...]:
        return self.of_type(ProfileDecl)

    @property
    def rules(self) -> tuple[RuleDecl, ...]:
        return self.of_type(RuleDecl)

    @property
    def scenarios(self) -> tuple[ScenarioDecl, ...]:
        return self.of_type(ScenarioDecl)

    @property
    def event_blocks(self) -> tuple[EventDecl, ...]:
        return self.of_type(EventDecl)

    @property
    def policies(self) -> tuple[PolicyDecl, ...]:
        return self.of_type(PolicyDecl)


# ------------------------------------------------------------------------------ traversal


def children(node: object) -> Iterator[Node]:
    """The direct child nodes of ``node``, in field order."""
    if not isinstance(node, Node):
        return
    for field in attrs.fields(type(node)):
        if field.name == "span":
            continue
        value = getattr(node, field.name)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, tuple):
            yield from (v for v in value if isinstance(v, Node))


def walk(node: Node) -> Iterator[Node]:
    """Every node below and including ``node``, depth first, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


def depth(node: Node) -> int:
    """The height of the tree under ``node``, computed without recursion."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(current))
    return deepest


def names_in(expr: Node) -> Iterator[Name]:
    """Every name an expression reads (function names excluded)."""
    skip: set[int] = set()
    for node in walk(expr):
        if isinstance(node, Call):
            skip.add(id(node.func))
        elif isinstance(node, Name) and id(node) not in skip:
            yield node


def dump(node: Node, *, spans: bool = True) -> str:
    """An indented, readable rendering of a tree (for golden tests and notebooks).

    >>> from dunforce.dsl.parser import parse
    >>> print(dump(parse("profile late: days_late > 5\\n").declarations[0]))
    ProfileDecl name='late' @1:1-1:28
      Compare op='>' @1:15-1:28
        Name id='days_late' @1:15-1:24
        Literal value=5 type=int @1:27-1:28
    """
    lines: list[str] = []
    stack: list[tuple[object, int]] = [(node, 0)]
    while stack:
        current, level = stack.pop()
        if not isinstance(current, Node):
            continue
        fields = []
        for field in attrs.fields(type(current)):
            if field.name == "span" or not field.eq:
                continue
            value = getattr(current, field.name)
            if isinstance(value, Node) or (
                isinstance(value, tuple) and value and all(isinstance(v, Node) for v in value)
            ):
                continue
            if isinstance(value, ValueType):
                value = value.value
            elif isinstance(value, Duration):
                value = str(value)
            elif isinstance(value, Decimal):
                value = format(value, "f")
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            fields.append(
                f"{field.name}={value!r}"
                if isinstance(value, str) and field.name not in ("type",)
                else f"{field.name}={value}"
            )
        where = ""
        if spans and current.span != NO_SPAN:
            s = current.span
            where = f" @{s.line}:{s.column}-{s.end_line}:{s.end_column}"
        lines.append("  " * level + " ".join([type(current).__name__, *fields]) + where)
        stack.extend((child, level + 1) for child in reversed(list(children(current))))
    return "\n".join(lines)
