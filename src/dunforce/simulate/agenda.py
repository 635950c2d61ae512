"""The days a program can act on an account, so that a simulation steps it only on those days.

Stepping every account every day is exact but slow: on most days nothing is due. After looking
at an account on a day, an :class:`Agenda` says whether ``program.step`` may return anything
that day, and the next day it may if the account does not change. It never decides an action
itself: the loop calls ``program.step`` on the days it names, and a property test checks that
the actions are those of stepping every account every day.

Why it is exact (``dunforce.engine.walk`` gives the step semantics):

* ``step`` issues an *occurrence* of a step (a step, an anchor, a scheduled day ``s``) only on a
  day ``d`` with ``s <= d <= s + lookback``, only if its key is not in the history, and only if
  the scenario fires it *as of day s*: its block applies to the profile of day ``s``, and the
  block's rule, stops and pauses and the step's condition allow it, with the values of day ``s``
  (the contact policy's own pauses can only hold it back further).
* The values of day ``s`` come from the attributes, every charge, and the other ledger entries,
  events and history dated on or before ``s``. A simulation adds its charges before it starts
  and every other entry on the day it makes it. So what the scenario decides for an occurrence
  of a past day never changes, and neither do two facts of the attributes: that no channel of
  the step can reach the tenant, or that a legal guard waits on a fact that never comes (no
  commandement served, no CCAPEX referral). An occurrence settled so is kept in the account's
  :class:`Memory`; whatever the account's change on a day touches (that day and later) is
  forgotten (:meth:`Memory.forget`).
* An occurrence the scenario fires goes out on a day its channel is open and its caps leave
  room, under the policy of the profile of that day, within its catch-up window after the day
  the policy first allowed it. Taking the earliest such day over every profile's policy gives a
  day before which it cannot go out; when no policy has one, it never will.
* Some steps never fire for an account whatever the day: those whose condition (or rule) reads
  only attributes and is false, and those of blocks bound to profiles the account can never have
  (a part ``a and ...`` of the profile's condition that reads only attributes is false; a
  simulation signs no repayment plan, so without a plan ``plan_active`` stays false).
* Occurrences to come are those of the anchors of the day (the open case's ``D``, the charges
  still owed, the events): the account is looked at again on the first of their days, whatever
  their block (the profile of that day decides), and on the day a case opens with nothing the
  simulation does (the loop watches the overdue amount).

This module reads the step engine's own functions (anchors, occurrences, the decision of a day,
the contact policy) so that it cannot drift from it.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left, bisect_right

import attrs

from dunforce.attributes.types import AttributeSpec
from dunforce.dsl import ast
from dunforce.engine.contact import Contact
from dunforce.engine.evaluate import Interpreter
from dunforce.engine.schedule import add_months, iso, shift
from dunforce.engine.walk import FIRED, Days, _anchors, _choose, _decide_on, _occurrences
from dunforce.ledger import _HISTORY_NAMES, DERIVED_NAMES, LedgerAnalysis, LedgerWalk, analyse
from dunforce.program import Program
from dunforce.state import AccountState

__all__ = ["NEVER", "Agenda", "Look", "Memory"]

#: a day after any simulation: "no need to look again"
NEVER = datetime.date.max.toordinal() + 1


@attrs.frozen
class Look:
    """What a look at an account on a day found: whether ``program.step`` may return actions
    that day (``live``), the keys of the occurrences that may go out that day (``keys``), the
    first later day it may return some if the account does not change (``next_day``), and the
    same if every occurrence of ``keys`` goes out that day (``after``)."""

    live: bool
    next_day: int
    after: int
    keys: frozenset[str] = frozenset()
    #: the look's analysis of the day and its values of the days (``Program._step`` reuses
    #: them rather than computing them again)
    analysis: LedgerAnalysis | None = attrs.field(default=None, eq=False, repr=False)
    days: Days | None = attrs.field(default=None, eq=False, repr=False)
    #: the occurrences of ``keys``, as ``(block, step, anchor, k, day)``: the only ones the
    #: step need judge today
    due: tuple = attrs.field(default=(), eq=False, repr=False)


class Memory:
    """What the looks know of one account: its settled occurrences, its attribute values and
    the derived values and profile of the days looked at."""

    __slots__ = ("attributes", "business", "days", "dead", "occurrences", "walk")

    def __init__(self) -> None:
        #: (step, anchor, repetition, case opening) -> (scheduled day, first day it may go out
        #: or None for never, last day of its lookback)
        self.occurrences: dict[tuple[int, int, int, int], tuple[int, int | None, int]] = {}
        #: the attributes in the step engine's runtime form (they never change)
        self.attributes: dict[str, object] | None = None
        self.business = None
        #: day -> (derived values, profile) of that day, as long as the account is unchanged
        self.days: dict[int, tuple[dict[str, object], str | None]] = {}
        #: the steps that never fire for this account (see ``Agenda.fixed``)
        self.dead: frozenset[int] | None = None
        #: the walk of the account's ledger as of the last look, to go on from while the
        #: ledger is the same
        self.walk: LedgerWalk | None = None

    def analysis(self, agenda: Agenda, state: AccountState, today: int) -> LedgerAnalysis:
        """``analyse(state, today)`` with the program's names, going on from the last look's
        walk when the ledger has not changed since, or has only been paid into."""
        walk = self.walk
        if (
            walk is None
            or (walk.ledger is not state.ledger and not walk.extend(state.ledger))
            or not walk.reaches(today)
        ):
            walk = self.walk = LedgerWalk(state.ledger, agenda.threshold, today)
        return walk.at(state, today, agenda.compiled.derived_names)

    def dead_steps(self, agenda: Agenda, state: AccountState) -> frozenset[int]:
        if self.dead is None:
            if self.attributes is None:
                self.attributes = agenda.program._attributes(state)
            attributes = self.attributes
            dead = set()
            for index, condition in agenda.fixed:
                if _false(lambda c=condition: c(attributes, 0, None)):
                    dead.add(index)
            # a simulation signs no plan: without one, the plan values never change
            known = dict(attributes)
            if not state.plans:
                known.update(_PLAN_VALUES)
            impossible = {
                name
                for name, parts in agenda.profile_parts.items()
                if any(
                    _false(lambda p=part: agenda.interpreter.value(p, known, 0, None))
                    for part in parts
                    if not state.plans or not _reads(part, _PLAN_VALUES)
                )
            }
            for block in agenda.compiled.blocks:
                if block.profiles is not None and block.profiles <= impossible:
                    dead.update(step.index for step in block.steps)
            self.dead = frozenset(dead)
        return self.dead

    def forget(self, day: int) -> None:
        """The account changed on ``day``: what was known of that day and later no longer
        holds."""
        # what is out of its lookback is never read again: drop it too
        self.occurrences = {
            entry: known
            for entry, known in self.occurrences.items()
            if known[0] < day and known[2] >= day
        }
        days = self.days
        for known in [d for d in days if d >= day]:
            del days[known]

    def _trim(self) -> None:
        """Keep the values of the days most likely to be read again (a bounded memory)."""
        days = self.days
        if len(days) > _KEPT_DAYS:
            for known in sorted(days)[: len(days) - _KEPT_DAYS // 2]:
                del days[known]


#: how many days of values an account's memory keeps at most
_KEPT_DAYS = 32


class Agenda:
    """A program's steps, arranged to find quickly the days it can act on an account."""

    def __init__(self, program: Program):
        compiled = program.compiled
        self.program = program
        self.compiled = compiled
        self.threshold = int(program.case_threshold * 100)
        simple = []
        other = []
        for block in compiled.blocks:
            for step in block.steps:
                (simple if step.simple else other).append((block, step))
        simple.sort(key=lambda pair: pair[1].amount)
        #: post-due steps at one offset in days, by offset
        self.simple = simple
        self.simple_amounts = [step.amount for _, step in simple]
        #: the longest lookback of those steps: one at an offset shorter than the days late
        #: less this is out of its window
        self.simple_reach = max((step.lookback for _, step in simple), default=0)
        #: every other step: pre-due, event, repeated, or in other units
        self.other = other
        schema = program.schema
        #: the steps whose own condition, or whose rule's, reads only attributes: false for an
        #: account, they never fire for it (``Memory.dead``)
        self.fixed = tuple(
            (step.index, condition)
            for block in compiled.blocks
            for step in block.steps
            for condition, expr in ((step.condition, step.expr), (block.guard, block.guard_expr))
            if condition is not None and _fixed(expr, schema)
        )
        #: per profile, the parts of its condition (``a and b and ...``) that read attributes
        #: and the repayment-plan values only: one false, and an account never has the profile
        self.profile_parts = {
            decl.name: tuple(
                part
                for part in _conjuncts(decl.condition)
                if _fixed(part, schema, also=_PLAN_VALUES)
            )
            for decl in program.checked.module.profiles
            if decl.condition is not None
        }
        self.interpreter = Interpreter(program.checked, profile_context=True)
        #: the contact policies that differ in when a step may go out (pauses aside: a pause
        #: only holds a step back)
        self.policies = _distinct(attrs.evolve(p, pauses=()) for p in compiled.policies.values())
        channels = compiled.channels
        reach_names = {
            name
            for channel in (channels or ())
            for name in (*channel.requires, channel.opt_out, channel.consent)
            if name is not None
        }
        #: whether recording an action changes the values the program reads (the history's
        #: derived values); when not, what the looks know of a day survives its actions
        self.reads_history = not compiled.derived_names.isdisjoint(_HISTORY_NAMES)
        #: whether "no channel reaches the tenant" is a fact of the attributes alone
        self.static_reach = len({p.reach for p in self.policies}) == 1 and not (
            reach_names & DERIVED_NAMES
        )

    def look(self, state: AccountState, today: int, memory: Memory) -> Look:
        """What ``program.step`` can do to ``state`` on ``today`` and after, if the state does
        not change (see :class:`Look`)."""
        analysis = memory.analysis(self, state, today)
        case = analysis.case
        context = _Context(self, state, today, analysis, memory)
        if case is not None:
            anchor = case.anchor.toordinal()
            opened = case.opened.toordinal()
            amounts = self.simple_amounts
            position = bisect_right(amounts, today - anchor)
            simple = self.simple
            dead = memory.dead_steps(self, state)
            later = position
            while later < len(amounts) and simple[later][1].index in dead:
                later += 1
            if later < len(amounts):
                context.upcoming = anchor + amounts[later]
            occurrences = memory.occurrences
            for index in range(bisect_left(amounts, today - anchor - self.simple_reach), position):
                block, step = simple[index]
                if step.index in dead:
                    continue
                day = anchor + step.amount
                if day < opened or day + step.lookback < today:
                    continue
                known = occurrences.get((step.index, anchor, -1, opened))
                if known is not None:
                    when = known[1]
                    if when is None:
                        continue
                    if when > today:
                        context.upcoming = min(context.upcoming, when)
                        continue
                context.visit(block, step, anchor, -1, day, opened)
        if self.other:
            kinds = {event.kind for event in state.events}
            business = context.business
            dead = memory.dead_steps(self, state)
            for block, step in self.other:
                if step.index in dead:
                    continue
                post_due = step.anchor == "D" and not step.pre_due
                if step.anchor == "E":
                    if block.event not in kinds:
                        continue
                elif post_due and case is None:
                    continue
                anchors = _anchors(
                    step, block, state, analysis, today, everything=True, business=business
                )
                opened = case.opened.toordinal() if post_due else -1
                for anchor in anchors:
                    if step.every is None:  # one occurrence: the common case, without a generator
                        day = shift(anchor, step.amount, step.unit, business)
                        if day > today:
                            context.upcoming = min(context.upcoming, day)
                        elif day + step.lookback >= today:
                            context.visit(block, step, anchor, -1, day, opened)
                        continue
                    for k, day in _occurrences(
                        step, block, anchor, today, everything=True, business=business
                    ):
                        if day > today:
                            context.upcoming = min(context.upcoming, day)
                        else:
                            context.visit(block, step, anchor, k, day, opened)
        memory._trim()
        after = context.upcoming
        next_day = min(after, today + 1) if context.keys else after
        return Look(
            bool(context.keys),
            next_day,
            after,
            frozenset(context.keys),
            analysis,
            context.days,
            tuple(context.due),
        )


class _Days(Days):
    """The step engine's values and profile of each day, kept in the account's memory across
    looks (they only change when the account does, and :meth:`Memory.forget` sees to it)."""

    def __init__(self, context: _Context, memory: Memory):
        agenda = context.agenda
        super().__init__(agenda.compiled, context.today, None, None, context.business)
        self.context = context
        self.memory = memory

    def at(self, day: int):
        merged = self._values.get(day)
        if merged is not None:
            return merged, self._profiles[day]
        memory = self.memory
        known = memory.days.get(day)
        if known is None:
            context = self.context
            if day == context.today:
                found = context.analysis.values
            else:
                agenda = context.agenda
                found = analyse(
                    context.state,
                    datetime.date.fromordinal(day),
                    threshold=agenda.threshold,
                    names=agenda.compiled.derived_names,
                ).values
            values = dict(memory.attributes)
            values.update(found)
            known = memory.days[day] = (found, self._profile(values, day))
        else:
            values = dict(memory.attributes)
            values.update(known[0])
        self._values[day] = values
        self._profiles[day] = known[1]
        return values, known[1]


#: the functions of the language that read nothing but their arguments (the others, such as
#: ``days_since``, read the day)
_PURE_FUNCTIONS = frozenset({"min", "max", "abs"})


#: the repayment-plan values of an account without a plan (``dunforce.ledger``)
_PLAN_VALUES = {"plan_active": False, "plan_broken": False, "plan_remaining": 0}


def _fixed(expr, schema, also=()) -> bool:
    """Whether an expression reads attributes only (and the names ``also``): no other derived
    value, no profile, no function of the day."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Call) and node.func.id not in _PURE_FUNCTIONS:
            return False
    return all(
        name.id in also or isinstance(schema.get(name.id), AttributeSpec)
        for name in ast.names_in(expr)
    )


def _reads(expr, names) -> bool:
    return any(name.id in names for name in ast.names_in(expr))


def _conjuncts(expr) -> list:
    """The operands of a chain of ``and`` (the expression itself when it is not one)."""
    if isinstance(expr, ast.BoolOp) and expr.op == "and":
        return [part for operand in expr.operands for part in _conjuncts(operand)]
    return [expr]


def _false(evaluate) -> bool:
    """Whether a condition on attributes alone is false (an error: not known to be)."""
    try:
        return evaluate() is False
    except (ArithmeticError, LookupError, TypeError, ValueError):
        return False  # the step function says what is wrong, on its day


def _distinct(items) -> tuple:
    kept: list = []
    for item in items:
        if all(item != other for other in kept):
            kept.append(item)
    return tuple(kept)


class _Context:
    """One look at one account: what it found, and the values of the days it needs."""

    def __init__(self, agenda: Agenda, state: AccountState, today: int, analysis, memory):
        self.agenda = agenda
        self.state = state
        self.today = today
        self.analysis = analysis
        self.memory = memory
        self.issued = state.issued_keys
        #: the keys of the occurrences that may go out today, and the occurrences
        self.keys: list[str] = []
        self.due: list[tuple] = []
        #: the first later day an occurrence may go out (those of ``keys`` aside)
        self.upcoming = NEVER
        self._days: Days | None = None
        self._contacts: dict[int, Contact] = {}

    # ----- the values of the days (those of Program.step, the attributes converted once)
    @property
    def business(self):
        memory = self.memory
        if memory.business is None:
            calendar = self.agenda.compiled.calendar
            subdivision = calendar.subdivision(self.state.attributes.get("departement"))
            memory.business = lambda ordinal: calendar.is_business_day(ordinal, subdivision)
        return memory.business

    @property
    def days(self) -> Days:
        if self._days is None:
            agenda, memory = self.agenda, self.memory
            if memory.attributes is None:
                memory.attributes = agenda.program._attributes(self.state)
            self._days = _Days(self, memory)
        return self._days

    # ----- the occurrences
    def visit(self, block, step, anchor: int, k: int, day: int, opened: int):
        """Take one due occurrence into account: it may make today live, or name a later day."""
        today = self.today
        if day + step.lookback < today or day < anchor <= today or day < opened:
            return  # out of its window, past its anchor, or before its case: missed
        when = self.first_day(block, step, anchor, k, day, opened)
        if when is None:
            return
        if when <= today:
            self.keys.append(step.key_prefix + iso(anchor) + (f"#{k}" if k >= 0 else ""))
            self.due.append((block, step, anchor, k, day))
        else:
            self.upcoming = min(self.upcoming, when)

    def first_day(self, block, step, anchor: int, k: int, day: int, opened: int):
        """``None`` when the occurrence can never be issued to this state, else a day from
        today before which it cannot be."""
        occurrences = self.memory.occurrences
        entry = (step.index, anchor, k, opened)
        known = occurrences.get(entry)
        if known is not None and (known[1] is None or known[1] > self.today):
            return known[1]
        # new, or fired by the scenario and due: issued since?
        key = step.key_prefix + iso(anchor) + (f"#{k}" if k >= 0 else "")
        if key in self.issued:
            when = None
        elif known is None:
            case = self.analysis.case
            status, _, _ = _decide_on(block, step, day, anchor, self.days, case, None)
            when = self._policy_day(block, step, anchor, day) if status == FIRED else None
        else:
            when = self._policy_day(block, step, anchor, day)
        occurrences[entry] = (day, when, day + step.lookback)
        return when

    def _contact(self, policy) -> Contact:
        contact = self._contacts.get(id(policy))
        if contact is None:
            compiled = self.agenda.compiled
            contact = self._contacts[id(policy)] = Contact(
                policy,
                compiled.channels,
                compiled.calendar,
                self.days.at(self.today)[0],
                self.state.history,
                self.today,
            )
        return contact

    def _policy_day(self, block, step, anchor: int, day: int) -> int | None:
        """For an occurrence the scenario fires: the first day from today on which some
        profile's policy may let it go out, or ``None`` if none ever will.

        Under a policy, the step goes out on a day its channel is open and its caps leave room
        (``eligible`` returns that day itself), no earlier than the day it became eligible
        (``e``: from its own day and the legal guards' waits), within the block's catch-up
        window after ``e``, before its anchor when it comes before it, and within the step's
        lookback. A wait that depends on the values of the day (the impayé's date) only makes
        ``e`` later: without it, the day found is still a day before which it cannot go out.
        """
        agenda = self.agenda
        today = self.today
        if not agenda.static_reach:
            return today
        values = self.days.at(today)[0]
        chosen, _ = _choose(step, self._contact(agenda.policies[0]))
        if chosen is None:
            return None  # no channel of the step can reach the tenant
        channel, eviction = chosen.channel, chosen.eviction
        earliest = None
        for policy in agenda.policies:
            guards = chosen.guards & policy.guards
            wait = day
            if "order_delay" in guards:
                expiry = values.get("order_expiry_date")
                if expiry is None:
                    continue  # no commandement served: the assignation waits for ever
                wait = max(wait, expiry + 1)
            if "ccapex_delay" in guards:
                referrals = [
                    values[name]
                    for name in ("ccapex_referral_date", "aid_report_date")
                    if values.get(name) is not None
                ]
                if not referrals:
                    continue
                wait = max(wait, add_months(min(referrals), 2))
            contact = self._contact(policy)
            eligible = contact.eligible(channel, wait, eviction=eviction).day
            first = contact.eligible(channel, max(eligible, today), eviction=eviction).day
            # without a wait on the values of the day, ``eligible`` is the policy's own day
            exact = "aid_arrears" not in guards
            if exact and (day < anchor <= eligible or first > eligible + block.window):
                continue
            if day < anchor <= first or first > day + step.lookback:
                continue
            earliest = first if earliest is None else min(earliest, first)
        return earliest
