"""The lints: warnings about a file that checks but probably does not say what its author meant.

A lint never stops compilation and never changes what a program does. Those that reason about
conditions use :mod:`dunforce.dsl.intervals`, which is sound but not complete. So the lints that
claim a fault (a shadowed profile, a step that never fires) may miss one but never report one that
is not there; the lint that asks for a safeguard (a legal step must exclude tenants who owe
nothing) warns unless the analysis proves the safeguard, and is silenced by stating the debt
condition on the step.
"""

from __future__ import annotations

from decimal import Decimal

from dunforce.channels.registry import ChannelRegistry
from dunforce.dsl import ast, intervals
from dunforce.dsl.source import Source
from dunforce.errors import Diagnostic, Span

#: names whose use in a condition shows that a step looks at the amount owed
DEBT_NAMES = frozenset({"debt", "debt_months", "unpaid_terms"})

#: an account that owes nothing, as the lints reason about it
_NO_DEBT = [
    {
        "debt": intervals.Interval(high=Decimal(0), high_closed=True),
        "debt_months": intervals.Interval(high=Decimal(0), high_closed=True),
        "unpaid_terms": intervals.Interval(high=0, high_closed=True),
        "days_late": intervals.Interval(high=0, high_closed=True),
        "in_case": intervals.Values(frozenset({False})),
        "first_late": intervals.Values(frozenset({False})),
    }
]


def _mentions_debt(expr: ast.Expr | None) -> bool:
    return expr is not None and any(n.id in DEBT_NAMES for n in ast.names_in(expr))


def lint(module: ast.Module, src: Source, channels: ChannelRegistry) -> list[Diagnostic]:
    """Every warning about a module that passed the checker."""
    return _Linter(module, src, channels).run()


class _Linter:
    def __init__(self, module: ast.Module, src: Source, channels: ChannelRegistry):
        self.module = module
        self.src = src
        self.channels = channels
        self.profile_decls = {p.name: p for p in module.profiles}
        # inside a profile condition, an earlier profile's name stands for its condition
        self.meanings = intervals.meanings([(p.name, p.condition) for p in module.profiles])
        self.warnings: list[Diagnostic] = []

    def warn(self, span: Span, message: str, *, code: str, hint: str | None = None) -> None:
        self.warnings.append(
            self.src.diagnostic(span, message, code=code, hint=hint, severity="warning")
        )

    def run(self) -> list[Diagnostic]:
        self.lint_profiles()
        self.lint_bindings()
        for block in (*self.module.scenarios, *self.module.event_blocks):
            self.lint_order(block)
        for rule in self.module.rules:
            for step in rule.steps:
                self.lint_step(step, extra_conditions=(rule.condition,))
        for block in (*self.module.scenarios, *self.module.event_blocks):
            bound = tuple(
                self.profile_decls[n.id].condition
                for n in block.profiles
                if n.id in self.profile_decls
            )
            for item in block.items:
                if isinstance(item, ast.Step):
                    self.lint_step(item, extra_conditions=bound, profiles_context=True)
        return self.warnings

    def lint_profiles(self) -> None:
        profiles = self.module.profiles
        if not profiles:
            return
        dnfs = [self.meanings[p.name].true for p in profiles]
        for index, profile in enumerate(profiles):
            dnf = dnfs[index]
            if dnf is None:
                continue
            if intervals.never_true(dnf):
                self.warn(
                    profile.name_span,
                    f"profile '{profile.name}' matches no account: its condition is never true",
                    code="never-fires",
                )
                continue
            used = intervals.covering(dnf, dnfs[:index])
            if used:
                names = [profiles[i].name for i in sorted(used)]
                listed = " and ".join(f"'{n}'" for n in names)
                first = profiles[min(used)]
                self.warn(
                    profile.name_span,
                    f"profile '{profile.name}' is never chosen: every account it matches is "
                    f"matched first by {listed}",
                    code="shadowed-profile",
                    hint=f"move it above '{first.name}' (line {first.span.line}) or narrow "
                    f"{'that profile' if len(names) == 1 else 'those profiles'}",
                )
        if not any(p.is_otherwise for p in profiles):
            last = profiles[-1]
            self.warn(
                last.name_span,
                "no profile says `otherwise`: accounts that match no profile get no scenario",
                code="no-otherwise",
                hint="add a last profile such as `profile standard: otherwise`",
            )

    def lint_bindings(self) -> None:
        bound: set[str] = set()
        for block in (*self.module.scenarios, *self.module.event_blocks):
            bound.update(n.id for n in block.profiles)
        for decl in self.module.rules:
            bound.update(n.id for n in ast.names_in(decl))
        for block in (*self.module.scenarios, *self.module.event_blocks):
            for item in block.items:
                bound.update(n.id for n in ast.names_in(item))
        for scenario in self.module.scenarios:
            if not scenario.profiles:
                self.warn(
                    scenario.name_span,
                    f"scenario '{scenario.name}' is bound to no profile, so it never runs",
                    code="unbound-scenario",
                    hint=f"write `scenario {scenario.name} for PROFILE, …:`",
                )
        has_scenarios = bool(self.module.scenarios)
        for profile in self.module.profiles:
            if has_scenarios and profile.name not in bound:
                self.warn(
                    profile.name_span,
                    f"profile '{profile.name}' has no scenario: its accounts get no action",
                    code="profile-without-scenario",
                    hint=f"bind it: `scenario NAME for {profile.name}:`",
                )

    def lint_order(self, block: ast.ScenarioDecl | ast.EventDecl) -> None:
        latest: ast.Offset | None = None  # the listed step that certainly comes latest so far
        for item in block.items:
            if not isinstance(item, ast.Step):
                continue
            offset = item.timing.offset if isinstance(item.timing, ast.At) else item.timing.start
            low, high = offset.day_bounds()
            if latest is not None and high < latest.day_bounds()[0]:
                self.warn(
                    offset.span,
                    f"this step at {offset} comes before a step at {latest} listed above it",
                    code="step-order",
                    hint="list the steps of a scenario in time order",
                )
            elif latest is None or low > latest.day_bounds()[0]:
                latest = offset

    def lint_step(
        self,
        step: ast.Step,
        *,
        extra_conditions: tuple[ast.Expr | None, ...],
        profiles_context: bool = False,
    ) -> None:
        if step.condition is not None:
            dnf = intervals.to_dnf(step.condition)
            if intervals.never_true(dnf):
                self.warn(
                    step.condition.span,
                    "this condition is never true, so the step never fires",
                    code="never-fires",
                )
        legal = [
            a
            for a in step.actions
            if (c := self.channels.get(a.channel)) is not None and c.is_legal(a.options)
        ]
        if not legal:
            return
        # the step may fire for an account that owes nothing unless its own condition, or
        # the condition it sits under (the rule's, or one of the profiles its block is bound
        # to), excludes that
        if not extra_conditions or any(c is None for c in extra_conditions):
            context: ast.Expr | None = None  # bound to no profile, or to `otherwise`
        elif len(extra_conditions) == 1:
            context = extra_conditions[0]
        else:
            context = ast.BoolOp("or", tuple(extra_conditions))  # type: ignore[arg-type]
        if step.condition is None and context is None:
            looks_at_debt = False
        else:
            # in a bound profile's condition an earlier profile's name stands for its
            # condition; in a step's or a rule's it only says which profile was chosen
            names = self.meanings if profiles_context else None
            reach = intervals.intersect(
                intervals.to_dnf(step.condition), intervals.to_dnf(context, names=names)
            )
            owes_nothing = intervals.intersect(reach, _NO_DEBT)
            # too complex to analyse: settle for a mention of the debt
            looks_at_debt = (
                _mentions_debt(step.condition) or _mentions_debt(context)
                if owes_nothing is None
                else not owes_nothing
            )
        if not looks_at_debt:
            action = legal[0]
            spelling = self.channels[action.channel].spelling
            what = f"{spelling} {' '.join(action.options)}".strip()
            self.warn(
                action.span,
                f"this legal step ({what}) may fire for a tenant who owes nothing",
                code="legal-without-debt",
                hint="add a condition such as `if debt_months >= 1`, so that a tenant who has "
                "paid is not reported",
            )
