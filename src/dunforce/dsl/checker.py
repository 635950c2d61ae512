"""AST to checked AST: names, types, null safety, channels, events, and the lints.

The checker collects every problem of a file and reports them together, so a scenario designer
fixes a file in one pass. Errors stop compilation; warnings (lints) are reported and kept on the
result. It never evaluates anything: it reasons about the text.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

from dunforce.attributes.catalogue import HOUSING_SCHEMA
from dunforce.attributes.schema import Schema
from dunforce.attributes.types import TYPE_NAMES, AttributeSpec, DerivedAttribute, ValueType
from dunforce.channels.registry import DEFAULT_CHANNELS, ChannelRegistry
from dunforce.dsl import ast
from dunforce.dsl.format import format_expr, format_literal
from dunforce.dsl.lints import lint
from dunforce.dsl.source import Source
from dunforce.errors import Diagnostic, DslError, Span
from dunforce.policy import CAP_GROUPS, GUARDS, default_policy
from dunforce.words import WEEKDAYS

BOOL, INT, NUMBER, MONEY, DATE, DURATION, TEXT = (
    ValueType.BOOL,
    ValueType.INT,
    ValueType.NUMBER,
    ValueType.MONEY,
    ValueType.DATE,
    ValueType.DURATION,
    ValueType.TEXT,
)


@attrs.frozen
class Type:
    """The type of an expression; ``kind`` ``None`` is unknown (an error was already reported)."""

    kind: ValueType | None
    allowed: tuple[str, ...] | None = None

    def __str__(self) -> str:
        return str(self.kind) if self.kind else "unknown"


UNKNOWN = Type(None)


def _words(kind: ValueType | None) -> str:
    return {
        BOOL: "true or false",
        INT: "a whole number",
        NUMBER: "a number",
        MONEY: "an amount of money",
        DATE: "a date",
        DURATION: "a duration",
        TEXT: "a text",
        None: "unknown",
    }[kind]


# ------------------------------------------------------------------------------ functions


@attrs.frozen
class Function:
    name: str
    summary: str
    #: how many arguments it takes (``None``: no upper bound); the checker types each call
    min_args: int
    max_args: int | None


FUNCTIONS: Mapping[str, Function] = MappingProxyType(
    {
        f.name: f
        for f in (
            Function("days_since", "days from a date to the step date (int)", 1, 1),
            Function("days_until", "days from the step date to a date (int)", 1, 1),
            Function("min", "the smallest of its arguments, all of one type", 2, None),
            Function("max", "the largest of its arguments, all of one type", 2, None),
            Function("abs", "the absolute value of a number, an amount or a duration", 1, 1),
        )
    }
)


# ------------------------------------------------------------------------------ result


@attrs.frozen
class CheckedModule:
    """A module that passed the checker, with what later stages need to know about it."""

    module: ast.Module
    schema: Schema
    channels: ChannelRegistry
    warnings: tuple[Diagnostic, ...]
    source: Source = attrs.field(repr=False)
    #: the type of each expression node, by ``id(node)`` (the nodes live as long as ``module``)
    types: Mapping[int, ValueType | None] = attrs.field(factory=dict, repr=False, eq=False)
    #: the pauses of the default policy that apply with this schema (checked, typed)
    default_pauses: tuple[ast.Pause, ...] = attrs.field(default=(), repr=False, eq=False)

    def type_of(self, expr: ast.Expr) -> ValueType | None:
        return self.types.get(id(expr))

    @property
    def profiles(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.module.profiles)

    @property
    def filename(self) -> str:
        return self.module.filename

    def used_names(self) -> frozenset[str]:
        """Every attribute or derived attribute the module reads (the compiler computes only
        these)."""
        names = {n.id for n in ast.walk(self.module) if isinstance(n, ast.Name)}
        return frozenset(n for n in names if n in self.schema)


# ------------------------------------------------------------------------------ checker


def _listing(what: str, names: Iterable[str]) -> str | None:
    names = list(names)
    if not names:
        return None
    shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    return f"{what} are {shown}"


def _suggest(name: str, candidates: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


class _Scope:
    """What names mean where an expression stands."""

    def __init__(self, profiles: Mapping[str, int], *, known_set: frozenset[str] = frozenset()):
        self.profiles = profiles  # visible profile names -> declaration index
        self.known_set = known_set


class _Checker:
    def __init__(self, module: ast.Module, src: Source, schema: Schema, channels: ChannelRegistry):
        self.module = module
        self.src = src
        self.base_schema = schema
        self.schema = schema
        self.channels = channels
        self.errors: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []
        #: the type of every expression, by node identity (the compiler generates typed code)
        self.types: dict[int, ValueType | None] = {}
        self.profile_index: dict[str, int] = {}
        self.profile_decls: dict[str, ast.ProfileDecl] = {}
        #: per profile, the optional attributes its condition proves set (filled in file order)
        self.profile_known: dict[str, frozenset[str]] = {}

    # ----- reporting
    def error(self, span: Span, message: str, *, code: str, hint: str | None = None) -> None:
        self.errors.append(self.src.diagnostic(span, message, code=code, hint=hint))

    def warn(self, span: Span, message: str, *, code: str, hint: str | None = None) -> None:
        self.warnings.append(
            self.src.diagnostic(span, message, code=code, hint=hint, severity="warning")
        )

    # ----- driver
    def run(self) -> CheckedModule:
        self.check_attributes()
        self.declare_profiles()
        all_profiles = dict(self.profile_index)
        for index, profile in enumerate(self.module.profiles):
            if profile.condition is not None:
                visible = {n: i for n, i in all_profiles.items() if i < index}
                self.condition(profile.condition, _Scope(visible), "a profile condition")
        for rule in self.module.rules:
            scope = _Scope(all_profiles)
            self.condition(rule.condition, scope, "a rule condition")
            known = self.known_set(rule.condition, frozenset())
            for step in rule.steps:
                self.step(step, _Scope(all_profiles, known_set=known), anchor="D")
            self.same_steps(rule.steps)
        self.check_blocks(all_profiles)
        default_pauses = self.check_policies(all_profiles)
        if not self.errors:
            self.warnings.extend(lint(self.module, self.src, self.channels))
        if self.errors:
            raise DslError(self.errors)
        return CheckedModule(
            self.module,
            self.schema,
            self.channels,
            tuple(sorted(self.warnings, key=lambda d: (d.line, d.column))),
            self.src,
            MappingProxyType(self.types),
            default_pauses,
        )

    # ----- declarations
    def check_attributes(self) -> None:
        declared: dict[str, ast.AttributeDecl] = {}
        symbols = []
        for decl in self.module.attributes:
            if decl.name in declared:
                self.error(
                    decl.name_span,
                    f"attribute '{decl.name}' is declared twice",
                    code="duplicate-name",
                    hint=f"the first declaration is on line {declared[decl.name].span.line}",
                )
                continue
            declared[decl.name] = decl
            try:
                kind = ValueType.from_name(decl.type_name)
            except KeyError:
                self.error(
                    decl.type_span,
                    f"unknown type '{decl.type_name}'",
                    code="unknown-type",
                    hint=_suggest(decl.type_name, TYPE_NAMES)
                    or f"the types are {', '.join(TYPE_NAMES)}",
                )
                continue
            if decl.allowed is not None and kind is not TEXT:
                self.error(
                    decl.type_span,
                    f"only a text attribute can list its allowed values, and this one is {kind}",
                    code="type-mismatch",
                )
                continue
            existing = self.base_schema.get(decl.name)
            if isinstance(existing, DerivedAttribute):
                self.error(
                    decl.name_span,
                    f"'{decl.name}' is computed by dunforce from the ledger and cannot be declared",
                    code="duplicate-name",
                    hint="choose another name for your attribute",
                )
                continue
            if existing is not None and existing.type is not kind:
                self.error(
                    decl.name_span,
                    f"'{decl.name}' is a built-in {existing.type} attribute; it cannot become "
                    f"{kind}",
                    code="duplicate-name",
                    hint="declare it with its built-in type, or choose another name",
                )
                continue
            if decl.name in FUNCTIONS:
                self.error(
                    decl.name_span, f"'{decl.name}' is a function name", code="duplicate-name"
                )
                continue
            allowed = decl.allowed
            if existing is not None and existing.allowed is not None:
                if allowed is None:
                    allowed = existing.allowed  # the catalogue's set still holds
                elif outside := [v for v in allowed if v not in existing.allowed]:
                    self.error(
                        decl.type_span,
                        f'"{outside[0]}" is not a value of the built-in attribute {decl.name}',
                        code="unknown-value",
                        hint="a declaration may narrow the built-in values, not add to them: "
                        + ", ".join(f'"{v}"' for v in existing.allowed),
                    )
                    continue
            description = decl.description or (existing.description if existing else "")
            symbols.append(
                AttributeSpec(
                    decl.name,
                    kind,
                    description=description,
                    optional=decl.optional,
                    allowed=allowed,
                    unit=existing.unit if isinstance(existing, AttributeSpec) else None,
                    default=existing.default if isinstance(existing, AttributeSpec) else None,
                )
            )
        self.schema = self.base_schema.extend(symbols, replace=True)

    def declare_profiles(self) -> None:
        for index, decl in enumerate(self.module.profiles):
            if decl.name in self.profile_index:
                first = self.profile_decls[decl.name]
                self.error(
                    decl.name_span,
                    f"profile '{decl.name}' is declared twice",
                    code="duplicate-name",
                    hint=f"the first declaration is on line {first.span.line}",
                )
                continue
            if decl.name in FUNCTIONS or decl.name in self.channels:
                what = "function" if decl.name in FUNCTIONS else "channel"
                self.error(
                    decl.name_span,
                    f"profile '{decl.name}' has the name of a {what}",
                    code="duplicate-name",
                    hint="rename the profile",
                )
                continue
            if decl.name in self.schema:
                self.error(
                    decl.name_span,
                    f"profile '{decl.name}' has the name of an attribute",
                    code="duplicate-name",
                    hint="profiles and attributes share one namespace; rename the profile",
                )
                continue
            self.profile_index[decl.name] = index
            self.profile_decls[decl.name] = decl
            if decl.condition is not None:
                self.profile_known[decl.name] = self.known_set(decl.condition, frozenset())

    def check_blocks(self, profiles: Mapping[str, int]) -> None:
        seen: dict[str, ast.ScenarioDecl] = {}
        for block in (*self.module.scenarios, *self.module.event_blocks):
            if isinstance(block, ast.ScenarioDecl):
                if block.name in seen:
                    self.error(
                        block.name_span,
                        f"scenario '{block.name}' is declared twice",
                        code="duplicate-name",
                        hint=f"the first declaration is on line {seen[block.name].span.line}",
                    )
                seen.setdefault(block.name, block)
                anchor = "D"
            else:
                anchor = "E"
                if block.event not in self.schema.events:
                    self.error(
                        block.name_span,
                        f"unknown event '{block.event}'",
                        code="unknown-event",
                        hint=_suggest(block.event, self.schema.events)
                        or "the events are " + ", ".join(sorted(self.schema.events)),
                    )
            listed: set[str] = set()
            for name in block.profiles:
                if name.id in listed:
                    self.error(
                        name.span,
                        f"profile '{name.id}' is listed twice",
                        code="duplicate-name",
                    )
                listed.add(name.id)
                if name.id not in profiles:
                    self.error(
                        name.span,
                        f"unknown profile '{name.id}'",
                        code="unknown-profile",
                        hint=_suggest(name.id, profiles) or _listing("the profiles", profiles),
                    )
            known = self.profile_facts(block.profiles)
            scope = _Scope(profiles, known_set=known)
            windows = [item for item in block.items if isinstance(item, ast.CatchUp)]
            for extra in windows[1:]:
                self.error(
                    extra.span,
                    "a block says `catch up` once",
                    code="duplicate-name",
                    hint=f"the first is on line {windows[0].span.line}",
                )
            self.same_steps(item for item in block.items if isinstance(item, ast.Step))
            for item in block.items:
                if isinstance(item, ast.Step):
                    self.step(item, scope, anchor=anchor)
                elif isinstance(item, ast.CatchUp):
                    if item.window.unit != "d":
                        self.error(
                            item.span,
                            "a catch-up window is a number of days",
                            code="type-mismatch",
                            hint="write `catch up 5 days`",
                        )
                else:
                    what = (
                        "a pause condition" if isinstance(item, ast.Pause) else "a stop condition"
                    )
                    self.condition(item.condition, scope, what)

    # ----- the policy
    def check_policies(self, profiles: Mapping[str, int]) -> tuple[ast.Pause, ...]:
        """Check the ``policy`` blocks; returns the default pauses that apply to this schema."""
        defaults = tuple(
            item
            for item in default_policy().items
            if isinstance(item, ast.Pause)
            and all(name.id in self.schema for name in ast.names_in(item.condition))
        )
        for pause in defaults:
            self.condition(pause.condition, _Scope({}), "a pause condition")
        default_texts = {format_expr(p.condition) for p in defaults}
        covered: dict[str | None, ast.PolicyDecl] = {}
        for policy in self.module.policies:
            for name in policy.profiles or (None,):
                key = None if name is None else name.id
                if key in covered:
                    what = "every account" if key is None else f"profile '{key}'"
                    self.error(
                        policy.span if name is None else name.span,
                        f"a second policy for {what}",
                        code="duplicate-name",
                        hint=f"merge it with the policy on line {covered[key].span.line}",
                    )
                    continue
                covered[key] = policy
                if name is not None and name.id not in profiles:
                    self.error(
                        name.span,
                        f"unknown profile '{name.id}'",
                        code="unknown-profile",
                        hint=_suggest(name.id, profiles) or _listing("the profiles", profiles),
                    )
            scope = _Scope(profiles, known_set=self.profile_facts(policy.profiles))
            self.policy_items(policy, scope, default_texts)
        return defaults

    def policy_items(self, policy: ast.PolicyDecl, scope: _Scope, default_texts) -> None:
        windows: dict[str, ast.Window] = {}
        caps: dict[tuple, ast.Node] = {}
        for item in policy.items:
            if isinstance(item, ast.Window):
                for channel in item.channels:
                    if self.known_channel(channel) and channel.id in windows:
                        self.error(
                            channel.span,
                            f"a second window for {channel.id} in this policy",
                            code="duplicate-name",
                            hint=f"the first is on line {windows[channel.id].span.line}",
                        )
                    windows.setdefault(channel.id, item)
                self.window(item)
            elif isinstance(item, ast.Cap | ast.NoCap):
                target = item.target
                if target.id not in CAP_GROUPS and not self.known_channel(target, also=CAP_GROUPS):
                    continue
                # one cap per target and period; `no cap` lifts every cap of its target
                which = (target.id, str(item.period) if isinstance(item, ast.Cap) else None)
                if which in caps:
                    self.error(
                        target.span,
                        f"a second cap for {target.id}"
                        + (f" per {item.period}" if isinstance(item, ast.Cap) else "")
                        + " in this policy",
                        code="duplicate-name",
                        hint=f"the first is on line {caps[which].span.line}",
                    )
                caps.setdefault(which, item)
                if isinstance(item, ast.Cap):
                    self.cap(item)
            elif isinstance(item, ast.Pause):
                self.condition(item.condition, scope, "a pause condition")
            elif isinstance(item, ast.NoPause):
                text = format_expr(item.condition)
                if text not in default_texts:
                    self.error(
                        item.condition.span,
                        f"the default policy has no pause while {text}",
                        code="unknown-pause",
                        hint="its pauses are: "
                        + "; ".join(f"pause while {t}" for t in sorted(default_texts)),
                    )
            elif isinstance(item, ast.NoGuard):
                if item.guard.id not in GUARDS:
                    self.error(
                        item.guard.span,
                        f"unknown guard '{item.guard.id}'",
                        code="unknown-guard",
                        hint=_suggest(item.guard.id, GUARDS)
                        or "the guards are " + ", ".join(GUARDS),
                    )
            elif isinstance(item, ast.TimeZone) and not _is_time_zone(item.zone):
                self.error(
                    item.span,
                    f'unknown time zone "{item.zone}"',
                    code="bad-timezone",
                    hint='time zones are IANA names, as "Europe/Paris" or "Indian/Reunion"',
                )

    def known_channel(self, name: ast.Name, *, also: Iterable[str] = ()) -> bool:
        if name.id in self.channels:
            return True
        candidates = [*(c.name for c in self.channels), *also]
        self.error(
            name.span,
            f"unknown channel '{name.id}'",
            code="unknown-channel",
            hint=_suggest(name.id, candidates) or "the channels are " + ", ".join(candidates),
        )
        return False

    def window(self, item: ast.Window) -> None:
        days = item.days
        if days.last is not None and WEEKDAYS.index(days.last) < WEEKDAYS.index(days.first):
            self.error(
                days.span,
                f"{days} runs backwards: a range of days goes from Monday towards Sunday",
                code="bad-window",
                hint=f"write {days.last}-{days.first}, or two windows",
            )
        previous: ast.TimeRange | None = None
        for hours in item.hours:
            if hours.end <= hours.start:
                self.error(
                    hours.span,
                    f"{hours} ends before it starts",
                    code="bad-window",
                    hint="write the earlier time first; a window cannot run past midnight",
                )
            elif previous is not None and hours.start < previous.end:
                self.error(
                    hours.span,
                    f"{hours} starts before {previous} ends",
                    code="bad-window",
                    hint="list the hours of a day in order, without overlaps",
                )
            previous = hours

    def cap(self, item: ast.Cap) -> None:
        if item.limit < 1:
            self.error(
                item.span,
                "a cap of 0 forbids the channel",
                code="bad-cap",
                hint="remove the steps of this channel, or narrow its window",
            )
        if item.period.unit not in ("d", "w"):
            self.error(
                item.period_span,
                f"a cap counts calendar days, not {ast.UNIT_WORDS[item.period.unit]}",
                code="bad-cap",
                hint="write `per 30 days` or `per week`",
            )

    def profile_facts(self, names: tuple[ast.Name, ...]) -> frozenset[str]:
        """Optional attributes that every bound profile's condition proves set."""
        facts = [self.profile_known.get(name.id, frozenset()) for name in names]
        return frozenset.intersection(*facts) if facts else frozenset()

    # ----- steps
    def same_steps(self, steps: Iterable[ast.Step]) -> None:
        """Two steps of a block with one channel, template and timing would share their keys."""
        seen: dict[tuple, ast.Step] = {}
        for step in steps:
            identity = (step.action.channel, step.action.template, step.timing)
            if identity in seen:
                self.error(
                    step.span,
                    "this step sends what another step of the block sends at the same time",
                    code="duplicate-name",
                    hint=f"merge it with the step on line {seen[identity].span.line} "
                    "(join the conditions with `or`), or change its template or its offset",
                )
            seen.setdefault(identity, step)

    def step(self, step: ast.Step, scope: _Scope, *, anchor: str) -> None:
        for action in step.actions:
            self.action(action)
        timing = step.timing
        if isinstance(timing, ast.Every) and timing.end is not None:
            before = timing.start.amount < 0
            if before != (timing.end.amount < 0) and timing.end.amount != 0:
                self.error(
                    timing.span,
                    f"a repeat runs before its anchor or after it, not across it "
                    f"({timing.start} to {timing.end})",
                    code="bad-repeat",
                    hint=f"split it in two: one until {timing.start.anchor}-1, one from "
                    f"{timing.start.anchor}+1",
                )
        if isinstance(timing, ast.At) and timing.offset.anchor == "D" and timing.offset.amount == 0:
            self.warn(
                timing.offset.span,
                "a step at D+0 never fires: on the due date nobody is late yet",
                code="never-fires",
                hint="the first late day is D+1; for a reminder before the due date, use D-1",
            )
        offsets = (
            [step.timing.offset]
            if isinstance(step.timing, ast.At)
            else [o for o in (step.timing.start, step.timing.end) if o is not None]
        )
        for offset in offsets:
            if offset.anchor != anchor:
                if anchor == "E":
                    message = "steps of an `on` block are timed from the event: use E, as in E+2"
                else:
                    message = (
                        "E is the date of an event; outside an `on` block, time steps from the "
                        "due date D"
                    )
                self.error(
                    offset.span,
                    message,
                    code="wrong-anchor",
                    hint=f"write {anchor}{str(offset)[1:]}",
                )
        if isinstance(step.timing, ast.Every) and step.timing.end is not None:
            start, end = step.timing.start, step.timing.end
            if end.day_bounds()[1] < start.day_bounds()[0]:
                self.warn(
                    step.timing.span,
                    f"this repeat never fires: it ends at {end} before it starts at {start}",
                    code="never-fires",
                )
        if step.condition is not None:
            self.condition(step.condition, scope, "a step condition")

    def action(self, action: ast.Action) -> None:
        channel = self.channels.get(action.channel)
        if channel is None:
            self.error(
                action.channel_span,
                f"unknown channel '{action.channel}'",
                code="unknown-channel",
                hint=_suggest(action.channel, (c.name for c in self.channels))
                or "the channels are " + ", ".join(c.spelling for c in self.channels),
            )
            return
        if channel.verb != action.verb:
            if channel.verb is None:
                message = f"'{action.verb} {action.channel}' is written '{action.channel}'"
            else:
                message = f"the {action.channel} channel is written '{channel.spelling}'"
            self.error(action.span, message, code="wrong-verb", hint=f"write `{channel.spelling}`")
        if channel.requires_template and action.template is None:
            self.error(
                action.channel_span,
                f"{channel.spelling} needs a template that says what to do",
                code="missing-template",
                hint=f'write `{channel.spelling} "appeler_locataire" at …`',
            )
        spans = action.option_spans or (action.span,) * len(action.options)
        seen: set[str] = set()
        for index, (option, span) in enumerate(zip(action.options, spans, strict=True)):
            if option in seen:
                self.error(span, f"option '{option}' is given twice", code="unknown-option")
            seen.add(option)
            close = _suggest(option, channel.options)
            if option not in channel.options and not close and index == 0 and not action.template:
                self.error(
                    span,
                    f"unknown option '{option}' for {channel.spelling}",
                    code="unknown-option",
                    hint=f"if it is the template, write it in double quotes: "
                    f'`{channel.spelling} "{option}"`',
                )
            elif option not in channel.options:
                allowed = ", ".join(sorted(channel.options))
                self.error(
                    span,
                    f"unknown option '{option}' for {channel.spelling}",
                    code="unknown-option",
                    hint=close
                    or (f"its options are {allowed}" if allowed else "it takes no options"),
                )

    # ----- expressions
    def condition(
        self, expr: ast.Expr, scope: _Scope, what: str, *, code: str = "not-a-condition"
    ) -> None:
        """``expr`` must be true or false; ``what`` names it in the message."""
        kind = self.expr(expr, scope).kind
        if kind is not None and kind is not BOOL:
            self.error(
                expr.span,
                f"{what} must be true or false, but this is {_words(kind)}",
                code=code,
                hint="compare it with something, as in `debt > 0 €`",
            )

    def known_set(self, expr: ast.Expr, known: frozenset[str]) -> frozenset[str]:
        """Names proven set when ``expr`` is true: ``x is set`` conjuncts, also those proven by
        an earlier profile's condition when the profile is named."""
        if isinstance(expr, ast.IsSet) and not expr.negated:
            return known | {expr.name.id}
        if isinstance(expr, ast.BoolOp) and expr.op == "and":
            for operand in expr.operands:
                known = self.known_set(operand, known)
        if isinstance(expr, ast.Name):
            known = known | self.profile_known.get(expr.id, frozenset())
        return known

    def known_unset_or(self, expr: ast.Expr, known: frozenset[str]) -> frozenset[str]:
        """Names proven set when ``expr`` is false (from ``x is not set`` disjuncts)."""
        if isinstance(expr, ast.IsSet) and expr.negated:
            return known | {expr.name.id}
        if isinstance(expr, ast.BoolOp) and expr.op == "or":
            for operand in expr.operands:
                known = self.known_unset_or(operand, known)
        return known

    def expr(self, expr: ast.Expr, scope: _Scope) -> Type:
        method = getattr(self, "expr_" + type(expr).__name__.lower())
        result = method(expr, scope)
        self.types[id(expr)] = result.kind
        return result

    def expr_literal(self, expr: ast.Literal, scope: _Scope) -> Type:
        return Type(expr.type)

    def expr_name(self, expr: ast.Name, scope: _Scope) -> Type:
        name = expr.id
        if name in scope.profiles:
            return Type(BOOL)
        if name in self.profile_index:
            self.error(
                expr.span,
                f"profile '{name}' is declared later in the file",
                code="profile-order",
                hint="a profile condition can only use profiles declared before it",
            )
            return UNKNOWN
        symbol = self.schema.get(name)
        if symbol is None:
            if name in self.channels:
                message = f"'{name}' is a channel, not a value"
                hint = f"to act, write a step such as `{name} at D+2`"
            elif name in FUNCTIONS:
                message = f"'{name}' is a function"
                hint = f"call it: `{name}(…)`"
            elif name in ("today", "now", "date", "step_date"):
                message = f"unknown name '{name}'"
                hint = (
                    "the step date is implicit: use days_since(DATE) or days_until(DATE), "
                    "or a derived attribute such as days_late"
                )
            else:
                message = f"unknown name '{name}'"
                hint = (
                    _suggest(name, [*self.schema.symbols, *scope.profiles, *FUNCTIONS])
                    or "declare it with `attribute " + name + ": TYPE`"
                )
            self.error(expr.span, message, code="unknown-name", hint=hint)
            return UNKNOWN
        if symbol.optional and name not in scope.known_set:
            self.error(
                expr.span,
                f"'{name}' is not set for every tenant; guard its use",
                code="unguarded-optional",
                hint=f"write `{name} is set and …` (or `{name} is not set or …`)",
            )
        return Type(symbol.type, symbol.allowed)

    def expr_isset(self, expr: ast.IsSet, scope: _Scope) -> Type:
        name = expr.name.id
        symbol = self.schema.get(name)
        if name in self.profile_index:
            self.warn(
                expr.span,
                f"'{name}' is a profile, which is always true or false: this test is always "
                f"{'false' if expr.negated else 'true'}",
                code="always-set",
                hint=f"to test the profile, write `{'not ' if expr.negated else ''}{name}`",
            )
        elif symbol is None:
            self.expr_name(expr.name, scope)
        elif not symbol.optional:
            self.warn(
                expr.span,
                f"'{name}' is always set, so this test is always "
                f"{'false' if expr.negated else 'true'}",
                code="always-set",
            )
        return Type(BOOL)

    def expr_boolop(self, expr: ast.BoolOp, scope: _Scope) -> Type:
        known = scope.known_set
        for operand in expr.operands:
            inner = _Scope(scope.profiles, known_set=known)
            self.condition(operand, inner, f"each side of '{expr.op}'", code="type-mismatch")
            if expr.op == "and":
                known = self.known_set(operand, known)
            else:
                known = self.known_unset_or(operand, known)
        return Type(BOOL)

    def expr_unary(self, expr: ast.Unary, scope: _Scope) -> Type:
        inner = self.expr(expr.operand, scope)
        if expr.op == "not":
            if inner.kind not in (None, BOOL):
                self.error(
                    expr.span,
                    f"'not' applies to a condition, but this is {_words(inner.kind)}",
                    code="type-mismatch",
                )
            return Type(BOOL)
        if inner.kind in (None, INT, NUMBER, MONEY, DURATION):
            return Type(inner.kind)
        self.error(expr.span, f"cannot negate {_words(inner.kind)}", code="type-mismatch")
        return UNKNOWN

    def expr_binary(self, expr: ast.Binary, scope: _Scope) -> Type:
        left = self.expr(expr.left, scope).kind
        right = self.expr(expr.right, scope).kind
        if left is None or right is None:
            return UNKNOWN
        result = _arithmetic(expr.op, left, right)
        if result is None:
            hint = None
            if {left, right} <= {MONEY, INT, NUMBER} and expr.op in "+-":
                hint = "write amounts with their currency, as in 50 €"
            elif DATE in (left, right) and {INT, NUMBER} & {left, right}:
                hint = "add a duration to a date, as in 30 days"
            self.error(
                expr.span,
                f"cannot compute {_words(left)} {expr.op} {_words(right)}",
                code="type-mismatch",
                hint=hint,
            )
            return UNKNOWN
        return Type(result)

    def expr_compare(self, expr: ast.Compare, scope: _Scope) -> Type:
        if (unquoted := self._unquoted_text(expr.left, expr.right, scope)) is not None:
            return unquoted
        if (unquoted := self._unquoted_text(expr.right, expr.left, scope)) is not None:
            return unquoted
        left = self.expr(expr.left, scope)
        right = self.expr(expr.right, scope)
        if left.kind is None or right.kind is None:
            return Type(BOOL)
        if not _comparable(left.kind, right.kind):
            self.error(
                expr.span,
                f"cannot compare {_words(left.kind)} with {_words(right.kind)}",
                code="type-mismatch",
                hint=_comparison_hint(expr, left.kind, right.kind),
            )
            return Type(BOOL)
        if expr.op not in ("==", "!=") and not left.kind.is_ordered:
            self.error(
                expr.span,
                f"'{expr.op}' does not apply to {_words(left.kind)}; use == or !=",
                code="type-mismatch",
            )
        self.allowed_values(expr.left, left, (expr.right,))
        self.allowed_values(expr.right, right, (expr.left,))
        return Type(BOOL)

    def _unquoted_text(self, side: ast.Expr, other: ast.Expr, scope: _Scope) -> Type | None:
        """``payment_method == debit``: a value of a text attribute written as a name."""
        if not isinstance(side, ast.Name) or not isinstance(other, ast.Name):
            return None
        if side.id in self.schema or side.id in scope.profiles or side.id in self.profile_index:
            return None
        symbol = self.schema.get(other.id)
        if symbol is None or symbol.allowed is None or side.id not in symbol.allowed:
            return None
        self.error(
            side.span,
            f"'{side.id}' is a value of {other.id}, and values are texts in double quotes",
            code="unknown-name",
            hint=f'write "{side.id}"',
        )
        return Type(BOOL)

    def expr_in(self, expr: ast.In, scope: _Scope) -> Type:
        left = self.expr(expr.left, scope)
        if not expr.options:
            self.warn(
                expr.span,
                f"the list is empty, so this test is always {'true' if expr.negated else 'false'}",
                code="never-fires",
            )
        for option in expr.options:
            if left.kind is not None and not _comparable(left.kind, option.type):
                self.error(
                    option.span,
                    f"{format_literal(option)} is {_words(option.type)}, but "
                    f"{format_expr(expr.left)} is {_words(left.kind)}",
                    code="type-mismatch",
                )
        self.allowed_values(expr.left, left, expr.options)
        return Type(BOOL)

    def allowed_values(self, side: ast.Expr, kind: Type, others: Iterable[ast.Expr]) -> None:
        if kind.allowed is None:
            return
        for other in others:
            if (
                isinstance(other, ast.Literal)
                and other.type is TEXT
                and other.value not in kind.allowed
            ):
                listed = ", ".join(f'"{v}"' for v in kind.allowed)
                self.error(
                    other.span,
                    f'"{other.value}" is not a value of {format_expr(side)}',
                    code="unknown-value",
                    hint=(
                        (
                            s.replace("'", '"')
                            if (s := _suggest(str(other.value), kind.allowed))
                            else None
                        )
                        or f"its values are {listed}"
                    ),
                )

    def expr_call(self, expr: ast.Call, scope: _Scope) -> Type:
        name = expr.func.id
        function = FUNCTIONS.get(name)
        args = [self.expr(a, scope) for a in expr.args]
        if function is None:
            self.error(
                expr.func.span,
                f"unknown function '{name}'",
                code="unknown-function",
                hint=_suggest(name, FUNCTIONS) or "the functions are " + ", ".join(FUNCTIONS),
            )
            return UNKNOWN
        count = len(args)
        if count < function.min_args or (
            function.max_args is not None and count > function.max_args
        ):
            wanted = (
                f"{function.min_args}"
                if function.max_args == function.min_args
                else f"at least {function.min_args}"
            )
            self.error(
                expr.span,
                f"{name}() takes {wanted} argument{'s' if function.min_args > 1 else ''}, "
                f"not {count}",
                code="bad-call",
                hint=f"{name}: {function.summary}",
            )
            return UNKNOWN
        kinds = [a.kind for a in args]
        if None in kinds:
            return UNKNOWN
        if name in ("days_since", "days_until"):
            if kinds[0] is not DATE:
                self.error(
                    expr.args[0].span,
                    f"{name}() takes a date, not {_words(kinds[0])}",
                    code="type-mismatch",
                )
            return Type(INT)
        if name == "abs":
            if kinds[0] not in (INT, NUMBER, MONEY, DURATION):
                self.error(
                    expr.args[0].span,
                    f"abs() takes a number, an amount or a duration, not {_words(kinds[0])}",
                    code="type-mismatch",
                )
                return UNKNOWN
            return Type(kinds[0])
        # min, max
        first = kinds[0]
        for arg, kind in zip(expr.args[1:], kinds[1:], strict=True):
            if not _comparable(first, kind) or not first.is_ordered:  # type: ignore[union-attr]
                self.error(
                    arg.span,
                    f"{name}() takes values of one ordered type; this is {_words(kind)} "
                    f"after {_words(first)}",
                    code="type-mismatch",
                )
                return UNKNOWN
        if all(k is INT for k in kinds):
            return Type(INT)
        return Type(NUMBER if first in (INT, NUMBER) else first)


# ------------------------------------------------------------------------------ type rules


def _comparable(left: ValueType, right: ValueType) -> bool:
    return left is right or (left.is_numeric and right.is_numeric)


def _comparison_hint(expr: ast.Compare, left: ValueType, right: ValueType) -> str | None:
    if MONEY in (left, right) and (left.is_numeric or right.is_numeric):
        literal = expr.right if right is not MONEY else expr.left
        if isinstance(literal, ast.Literal):
            return f"write the amount with its currency: {format_literal(literal)} €"
        return "amounts compare with amounts, as in 50 €"
    duration = next(
        (s for s in (expr.left, expr.right) if isinstance(s, ast.Literal) and s.type is DURATION),
        None,
    )
    if DURATION in (left, right) and (left.is_numeric or right.is_numeric):
        amount = duration.value.amount if duration is not None else 90  # type: ignore[union-attr]
        if INT in (left, right):
            written = format_literal(duration) if duration is not None else "90 days"
            return f"days are counted as a whole number: write {amount}, not {written}"
        return f"this is a plain number: write {amount}, without a unit"
    text = next(
        (s for s in (expr.left, expr.right) if isinstance(s, ast.Literal) and s.type is TEXT), None
    )
    if DATE in (left, right) and text is not None:
        return f"dates are written without quotes: {text.value}"
    if DATE in (left, right) and (left.is_numeric or right.is_numeric):
        return "dates are written YYYY-MM-DD, as in 2026-01-31 (01/31/2026 is a division)"
    return None


def _arithmetic(op: str, left: ValueType, right: ValueType) -> ValueType | None:
    numeric = left.is_numeric and right.is_numeric
    if op in "+-":
        if numeric:
            return INT if left is INT and right is INT else NUMBER
        if left is right and left in (MONEY, DURATION):
            return left
        if left is DATE and right is DURATION:
            return DATE
        if op == "+" and left is DURATION and right is DATE:
            return DATE
        if op == "-" and left is DATE and right is DATE:
            return INT
        return None
    if op == "*":
        if numeric:
            return INT if left is INT and right is INT else NUMBER
        if (left is MONEY and right.is_numeric) or (right is MONEY and left.is_numeric):
            return MONEY
        if (left is DURATION and right is INT) or (right is DURATION and left is INT):
            return DURATION
        return None
    # division
    if numeric:
        return NUMBER
    if left is MONEY and right is MONEY:
        return NUMBER
    if left is MONEY and right.is_numeric:
        return MONEY
    return None


def _is_time_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# ------------------------------------------------------------------------------ entry points


def check_module(
    module: ast.Module,
    src: Source,
    *,
    schema: Schema = HOUSING_SCHEMA,
    channels: ChannelRegistry = DEFAULT_CHANNELS,
) -> CheckedModule:
    """Check a parsed module; raises :class:`~dunforce.errors.DslError` with every error."""
    return _Checker(module, src, schema, channels).run()
