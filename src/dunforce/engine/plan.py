"""The compiled program: its profiles, blocks and steps, ready for the step function.

Everything that can be decided once is decided here — key prefixes, the steps of each profile,
the catch-up window of each block, the attributes each account must have — so that stepping an
account does only what depends on the account and the day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import attrs

from dunforce.attributes.types import AttributeSpec
from dunforce.calendar import FRANCE, Calendar
from dunforce.channels.registry import ChannelRegistry
from dunforce.channels.window import ContactWindow
from dunforce.dsl import ast
from dunforce.dsl.checker import CheckedModule
from dunforce.dsl.format import format_action, format_expr, format_item, format_step, format_timing
from dunforce.engine.codegen import Condition, Generator
from dunforce.engine.contact import (
    CALENDAR_SLACK_DAYS,
    TRUCE_DAYS,
    CapRule,
    ContactPolicy,
    cap_targets,
)
from dunforce.policy import GUARDS, default_policy
from dunforce.values import to_runtime

DEFAULT_CATCH_UP_DAYS = 3


@attrs.frozen
class CompiledProfile:
    name: str
    condition: Condition
    text: str  # the condition as written (canonical form), for reasons
    expr: ast.Expr | None
    line: int


@attrs.frozen
class CompiledAction:
    """One channel a step may use: the first, or a fallback after ``else``."""

    channel: str
    template: str | None
    options: tuple[str, ...]
    kind: str  # automatic or task (a legal step is always a task)
    requires_approval: bool  # a legal step: a person decides (GDPR art. 22)
    eviction: bool
    guards: frozenset[str]  # the legal guards that apply to it
    text: str


@attrs.frozen
class CompiledStep:
    index: int  # file order across the whole program: the order of actions on a day
    block: str
    step_id: str  # channel:template:offset, unique in its block
    channel: str
    template: str | None
    options: tuple[str, ...]
    kind: str  # automatic or task
    anchor: str  # "D" or "E"
    amount: int  # the offset of the (first) occurrence
    unit: str
    every: ast.Duration | None
    until: ast.Offset | None
    condition: Condition | None
    expr: ast.Expr | None
    text: str
    line: int
    actions: tuple[CompiledAction, ...] = ()
    #: how many days back an occurrence may still be issued: the catch-up window, and how far
    #: the contact policy may have moved it
    lookback: int = 0
    #: the same, for an account whose history is too short for any cap to bind: only the
    #: calendar (and the truce, or a guard's date) can move its steps
    calendar_lookback: int = 0
    key_prefix: str = attrs.field(init=False)  # "block/step_id@"
    #: a post-due step at one offset in days: the case of almost every step, checked inline
    simple: bool = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "key_prefix", f"{self.block}/{self.step_id}@")
        simple = self.anchor == "D" and self.amount >= 0 and self.every is None
        object.__setattr__(self, "simple", simple and self.unit == "d")

    @property
    def pre_due(self) -> bool:
        return self.anchor == "D" and self.amount < 0


@attrs.frozen
class CompiledBlock:
    name: str  # scenario name, `on-EVENT`, or `rule-HASH`
    kind: str  # scenario, event or rule
    event: str | None
    profiles: frozenset[str] | None  # None: every account, whatever its profile
    window: int  # catch-up days
    guard: Condition | None  # a rule's condition
    guard_expr: ast.Expr | None
    guard_text: str | None
    pauses: tuple[tuple[Condition, ast.Expr], ...]
    stops: tuple[tuple[Condition, ast.Expr], ...]
    steps: tuple[CompiledStep, ...]
    line: int
    #: the stops whose truth may change from one day to the next (see ``_changes_by_day``):
    #: the others, false on a step's own day, were false on the days of the steps before it
    changing_stops: tuple[tuple[Condition, ast.Expr], ...] = ()


@attrs.frozen
class CompiledProgram:
    profiles: tuple[CompiledProfile, ...]
    blocks: tuple[CompiledBlock, ...]
    #: per profile name (and None for accounts no profile matches), the blocks that apply
    blocks_by_profile: Mapping[str | None, tuple[CompiledBlock, ...]]
    attribute_names: tuple[str, ...]  # supplied attributes the program reads
    derived_names: frozenset[str]  # derived attributes the program reads
    required: tuple[str, ...]  # attributes the program reads that an account must supply
    defaults: Mapping[str, object]  # runtime defaults of the attributes it reads
    #: whether a step can fire without an open case (pre-due and event steps)
    has_other_anchors: bool = False
    #: per profile name, how the reason of an action says why the account has it
    profile_reasons: Mapping[str | None, str] = attrs.field(factory=dict)
    #: per profile name (None: accounts with no profile), the contact policy
    policies: Mapping[str | None, ContactPolicy] = attrs.field(factory=dict)
    channels: ChannelRegistry | None = None
    calendar: Calendar = FRANCE
    #: the fewest actions a cap of any policy allows: a history shorter than that never
    #: fills a cap, so no cap can move a step
    cap_floor: int = 1 << 30
    #: whether every step is one post-due offset in days (then the steps are scheduled
    #: without the calendar)
    simple_only: bool = False


def _rule_name(rule: ast.RuleDecl) -> str:
    digest = hashlib.sha1(format_expr(rule.condition).encode("utf-8")).hexdigest()[:8]
    return f"rule-{digest}"


def _step_id(step: ast.Step) -> str:
    action = step.action
    template = action.template or ""
    timing = step.timing
    if isinstance(timing, ast.At):
        when = str(timing.offset)
    else:
        when = f"{timing.start}/{timing.interval.amount}{timing.interval.unit}"
    return f"{action.channel}:{template}:{when}"


def build(
    checked: CheckedModule,
    *,
    channels: ChannelRegistry,
    catch_up_days: int,
    contact_policy: bool = True,
) -> CompiledProgram:
    module = checked.module
    generator = Generator(checked)

    profile_functions: list[tuple[ast.ProfileDecl, str]] = []
    for decl in module.profiles:
        name = generator.function(decl.condition, profile_context=True, label="profile")
        if decl.condition is not None:
            generator.profile_functions[decl.name] = name
        profile_functions.append((decl, name))

    policy_items = _policy_items(checked)
    pause_functions = {
        id(item): generator.function(item.condition, profile_context=False, label="pause")
        for items in policy_items.values()
        for item in items
        if isinstance(item, ast.Pause)
    }

    pending_blocks: list[tuple[dict, list[tuple[dict, str | None]]]] = []
    index = 0
    names_seen: dict[str, int] = {}

    def unique(name: str) -> str:
        """Two rules with one condition, or two `on` blocks of one event, get distinct names
        (the second gets ~2), so that their keys never collide."""
        names_seen[name] = names_seen.get(name, 0) + 1
        return name if names_seen[name] == 1 else f"{name}~{names_seen[name]}"

    def steps_of(block_name: str, items, window: int):
        nonlocal index
        seen: dict[str, int] = {}
        compiled = []
        for item in items:
            if not isinstance(item, ast.Step):
                continue
            step_id = _step_id(item)
            seen[step_id] = seen.get(step_id, 0) + 1
            if seen[step_id] > 1:
                step_id = f"{step_id}~{seen[step_id]}"
            function = (
                generator.function(item.condition, profile_context=False, label="step")
                if item.condition is not None
                else None
            )
            timing = item.timing
            offset = timing.offset if isinstance(timing, ast.At) else timing.start
            action = item.action
            channel = channels[action.channel]
            actions = tuple(_compiled_action(a, channels) for a in item.actions)
            compiled.append(
                (
                    dict(
                        index=index,
                        block=block_name,
                        step_id=step_id,
                        channel=action.channel,
                        template=action.template,
                        options=action.options,
                        kind=channel.kind_of(action.options),
                        anchor=offset.anchor,
                        amount=offset.amount,
                        unit=offset.unit,
                        every=None if isinstance(timing, ast.At) else timing.interval,
                        until=None if isinstance(timing, ast.At) else timing.end,
                        expr=item.condition,
                        text=" else ".join(format_action(a) for a in item.actions)
                        + f" {format_timing(timing)}"
                        + (f" if {format_expr(item.condition)}" if item.condition else ""),
                        line=item.span.line,
                        actions=actions,
                    ),
                    function,
                )
            )
            index += 1
        return compiled

    for decl in module.declarations:
        if isinstance(decl, ast.RuleDecl):
            name = unique(_rule_name(decl))
            guard = generator.function(decl.condition, profile_context=False, label="rule")
            block = dict(
                name=name,
                kind="rule",
                event=None,
                profiles=None,
                window=catch_up_days,
                guard=guard,
                guard_expr=decl.condition,
                guard_text=format_expr(decl.condition),
                pauses=(),
                stops=(),
                line=decl.span.line,
            )
            pending_blocks.append((block, steps_of(name, decl.steps, catch_up_days)))
        elif isinstance(decl, ast.ScenarioDecl | ast.EventDecl):
            window = next(
                (i.window.amount for i in decl.items if isinstance(i, ast.CatchUp)), catch_up_days
            )
            is_event = isinstance(decl, ast.EventDecl)
            name = unique(f"on-{decl.event}") if is_event else decl.name
            profiles = frozenset(n.id for n in decl.profiles)
            block = dict(
                name=name,
                kind="event" if is_event else "scenario",
                event=decl.event if is_event else None,
                profiles=(profiles or None) if is_event else profiles,
                window=window,
                guard=None,
                guard_expr=None,
                guard_text=None,
                pauses=tuple(
                    (
                        generator.function(i.condition, profile_context=False, label="pause"),
                        i.condition,
                    )
                    for i in decl.items
                    if isinstance(i, ast.Pause)
                ),
                stops=tuple(
                    (
                        generator.function(i.condition, profile_context=False, label="stop"),
                        i.condition,
                    )
                    for i in decl.items
                    if isinstance(i, ast.Stop)
                ),
                line=decl.span.line,
            )
            pending_blocks.append((block, steps_of(name, decl.items, window)))

    functions = generator.build()

    profiles = tuple(
        CompiledProfile(
            decl.name,
            functions[name],
            "otherwise" if decl.condition is None else format_expr(decl.condition),
            decl.condition,
            decl.span.line,
        )
        for decl, name in profile_functions
    )
    if contact_policy:
        policies = _resolve_policies(checked, channels, policy_items, functions, pause_functions)
    else:
        none = _no_policy(channels)
        policies = {None: none, **dict.fromkeys(checked.profiles, none)}
    # how far back a step may still be issued: its catch-up window, and how far the policy may
    # have moved it (a long weekend, twice the longest cap, the winter truce for an eviction)
    longest_cap = max((cap.days for p in policies.values() for cap in p.caps), default=0)
    moved = CALENDAR_SLACK_DAYS + 2 * longest_cap
    blocks = []
    for block, steps in pending_blocks:
        block = dict(block)
        block["guard"] = functions[block["guard"]] if block["guard"] else None
        block["pauses"] = tuple((functions[f], e) for f, e in block["pauses"])
        block["stops"] = tuple((functions[f], e) for f, e in block["stops"])
        block["changing_stops"] = tuple(
            (f, e) for f, e in block["stops"] if _changes_by_day(e, checked)
        )
        compiled_steps = tuple(
            CompiledStep(
                **fields,
                condition=functions[f] if f else None,
                lookback=_lookback(fields["actions"], block["window"] + moved),
                calendar_lookback=_lookback(
                    fields["actions"], block["window"] + CALENDAR_SLACK_DAYS
                ),
            )
            for fields, f in steps
        )
        blocks.append(CompiledBlock(**block, steps=compiled_steps))
    blocks_tuple = tuple(blocks)

    def applies(block: CompiledBlock, profile: str | None) -> bool:
        if block.kind == "scenario":
            return profile is not None and profile in block.profiles  # type: ignore[operator]
        return block.profiles is None or (profile is not None and profile in block.profiles)

    by_profile = {
        profile: tuple(b for b in blocks_tuple if applies(b, profile))
        for profile in (*checked.profiles, None)
    }

    read = checked.used_names()
    used = read | _policy_names(checked, policy_items, blocks_tuple)
    schema = checked.schema
    attribute_names = tuple(sorted(n for n in used if isinstance(schema[n], AttributeSpec)))
    derived_names = frozenset(n for n in used if not isinstance(schema[n], AttributeSpec))
    # what the policy reads beside the scenarios is not required: missing means not known
    required = tuple(
        n
        for n in attribute_names
        if n in read and not schema[n].optional and schema[n].default is None  # type: ignore[union-attr]
    )
    defaults = {
        n: to_runtime(schema[n].default, schema[n].type)
        for n in attribute_names
        if schema[n].default is not None  # type: ignore[union-attr]
    }
    return CompiledProgram(
        profiles,
        blocks_tuple,
        by_profile,
        attribute_names,
        derived_names,
        required,
        defaults,
        any(s.pre_due or s.anchor == "E" for b in blocks_tuple for s in b.steps),
        {None: "no profile", **{p.name: f"profile {p.name} ({p.text})" for p in profiles}},
        policies,
        channels,
        cap_floor=min((cap.limit for p in policies.values() for cap in p.caps), default=1 << 30),
        simple_only=all(s.simple for b in blocks_tuple for s in b.steps),
    )


def _changes_by_day(expr: ast.Expr, checked: CheckedModule) -> bool:
    """Whether a condition may hold on one day and not on another: it reads a value derived
    from the ledger or the plans, the account's profile, or the day (a function such as
    ``days_since``). One that reads only the tenant's attributes holds on every day or on
    none, as the attributes are the same on every day of a state."""
    if any(isinstance(node, ast.Call) for node in ast.walk(expr)):
        return True
    schema = checked.schema
    return any(
        name.id in checked.profiles or not isinstance(schema.get(name.id), AttributeSpec)
        for name in ast.names_in(expr)
    )


def _lookback(actions, days: int) -> int:
    """Add the truce an eviction may wait for, or the years a date guard may wait for."""
    if any(action.guards & _DATE_GUARDS for action in actions):
        return max(days, _GUARDED_LOOKBACK)
    return days + (TRUCE_DAYS if any(action.eviction for action in actions) else 0)


def _no_policy(channels: ChannelRegistry) -> ContactPolicy:
    """No contact policy: any day, no cap, no pause, no guard, no check of the contact data."""
    anytime = ContactWindow(range(7), holidays=True)
    return ContactPolicy(
        {c.name: anytime for c in channels}, (), (), frozenset(), None, {}, reach=False
    )


def _compiled_action(action: ast.Action, channels: ChannelRegistry) -> CompiledAction:
    channel = channels[action.channel]
    legal = channel.is_legal(action.options)
    eviction = channel.is_eviction(action.options)
    guards = set()
    if eviction:
        guards.add("winter_truce")
    if channel.name == "caf":
        guards.add("aid_arrears")
    if "summons" in action.options:
        guards |= {"order_delay", "ccapex_delay"}
    if legal:
        guards.add("prescription")
    return CompiledAction(
        action.channel,
        action.template,
        action.options,
        channel.kind_of(action.options),
        legal,
        eviction,
        frozenset(guards),
        format_action(action),
    )


def _policy_items(checked: CheckedModule) -> dict[str | None, tuple]:
    """The items that shape each policy, in the order they apply: the defaults, the file's
    policy for every account, then a profile's own (keys: ``None`` and profile names)."""
    module = checked.module
    common = tuple(checked.default_pauses)
    defaults = _default_caps()
    for policy in module.policies:
        if not policy.profiles:
            common = common + policy.items
    result: dict[str | None, tuple] = {None: defaults + common}
    for policy in module.policies:
        for name in policy.profiles:
            result[name.id] = defaults + common + policy.items
    return result


def _default_caps() -> tuple:
    return tuple(i for i in default_policy().items if not isinstance(i, ast.Pause))


def _resolve_policies(checked, channels, policy_items, functions, pause_functions):
    def resolve(items) -> ContactPolicy:
        windows = {c.name: c.default_window for c in channels}
        caps: dict[tuple[str, int], CapRule] = {}
        pauses: dict[str, tuple] = {}
        guards = set(GUARDS)
        zone = None
        for item in items:
            if isinstance(item, ast.Window):
                window = ContactWindow.of(item.days, item.hours, holidays=item.holidays)
                for name in item.channels:
                    windows[name.id] = window
            elif isinstance(item, ast.Cap):
                _, high = item.period.day_bounds()
                rule = CapRule(item.target.id, item.limit, high, format_item(item))
                caps[item.target.id, high] = rule
            elif isinstance(item, ast.NoCap):
                caps = {k: v for k, v in caps.items() if k[0] != item.target.id}
            elif isinstance(item, ast.Pause):
                text = format_expr(item.condition)
                pauses[text] = (functions[pause_functions[id(item)]], item.condition)
            elif isinstance(item, ast.NoPause):
                pauses.pop(format_expr(item.condition), None)
            elif isinstance(item, ast.NoGuard):
                guards.discard(item.guard.id)
            elif isinstance(item, ast.TimeZone):
                zone = item.zone
        by_channel = {
            c.name: tuple(
                cap for cap in caps.values() if cap.target in cap_targets(c.name, channels)
            )
            for c in channels
        }
        return ContactPolicy(
            windows,
            tuple(caps.values()),
            tuple(pauses.values()),
            frozenset(guards),
            zone,
            by_channel,
        )

    resolved = {key: resolve(items) for key, items in policy_items.items()}
    common = resolved[None]
    return {**{p: common for p in checked.profiles}, **resolved}


#: what the policy reads beside the scenarios: where the tenant lives, and the guards' facts
_CONTACT_ATTRIBUTES = ("departement", "time_zone", "ccapex_referral_date", "aid_report_date")
_GUARD_VALUES = {
    "prescription": ("recoverable_debt", "prescribed_debt"),
    "aid_arrears": ("aid_arrears_date",),
    "order_delay": ("order_expiry_date",),
}
#: the guards that wait for a date, which may come long after the step's own day
_DATE_GUARDS = frozenset({"aid_arrears", "order_delay", "ccapex_delay"})
#: how far back a step under such a guard may still be issued: prescription's three years
_GUARDED_LOOKBACK = 3 * 366


def _policy_names(checked, policy_items, blocks) -> frozenset[str]:
    from dunforce.ledger import DERIVED_NAMES

    schema = checked.schema
    names = set(_CONTACT_ATTRIBUTES)
    for pause in checked.default_pauses:
        names.update(n.id for n in ast.names_in(pause.condition))
    channels = checked.channels
    for block in blocks:
        for step in block.steps:
            for action in step.actions:
                channel = channels[action.channel]
                names.update(channel.requires)
                names.update(n for n in (channel.opt_out, channel.consent) if n is not None)
                for guard in action.guards:
                    names.update(_GUARD_VALUES.get(guard, ()))
    return frozenset(
        n
        for n in names
        if n in schema and (isinstance(schema[n], AttributeSpec) or n in DERIVED_NAMES)
    )


__all__ = [
    "DEFAULT_CATCH_UP_DAYS",
    "CompiledBlock",
    "CompiledProfile",
    "CompiledProgram",
    "CompiledStep",
    "build",
    "format_step",
]
