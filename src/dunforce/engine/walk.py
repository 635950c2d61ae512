"""Stepping one account on one day: which steps are due, and what becomes of each.

``walk`` is the step function's body and ``explain``'s: with ``statuses`` it also records why
every other step did not fire. It never reads the clock, never does I/O, never mutates the state:
the same state and day give the same actions in the same order.

Semantics (DESIGN §5):

* A post-due step (``D+n``, ``n >= 0``) belongs to the open case; ``D`` is the case's anchor. With
  no open case no post-due step fires, and when the case closes they all stop.
* A pre-due step (``D-n``) is anchored on each charge still to be paid that falls due after the
  step date; it is never issued on or after that due date.
* An event step (``E±n``) is anchored on each event of its kind.
* A step is issued on its day, or on a later run within the block's catch-up window; after the
  window it is missed (``explain`` says so). A key already in the history is never issued again.
* ``stop when`` stops, and ``pause while`` holds, every step of its block while it holds.
* The contact policy (:mod:`dunforce.engine.contact`) then picks the first channel of the step
  that reaches the tenant, applies the legal guards, and moves the step to the first day its
  channel's window, the holidays and the caps allow; the catch-up window counts from that day.
  A step caught up later is checked again on the day it goes out: a stop or pause that holds
  then keeps it back.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

import attrs

from dunforce.engine.contact import Blocked, Contact
from dunforce.engine.plan import CompiledAction, CompiledBlock, CompiledProgram, CompiledStep
from dunforce.engine.schedule import iso, shift
from dunforce.errors import EvaluationError
from dunforce.state import AccountState, Action

FIRED, WAITING, DONE, SKIPPED, PAUSED, STOPPED, MISSED, NOT_DUE, NOT_FOR_PROFILE = (
    "fired",
    "waiting",
    "done",
    "skipped",
    "paused",
    "stopped",
    "missed",
    "not due",
    "not for the profile",
)
#: moved by the contact policy to a later day; held back (no channel reaches, a guard waits)
DEFERRED, BLOCKED = "deferred", "blocked"
#: what becomes of a step once due that explain still shows after the profile has changed
_HELD = frozenset({DEFERRED, BLOCKED, PAUSED, STOPPED, MISSED})


@attrs.frozen
class StepStatus:
    """What became of one step of the account's scenarios on the day explained."""

    block: str
    step: str  # the step as written
    line: int
    status: str
    scheduled_for: datetime.date | None = None
    key: str | None = None
    detail: str = ""
    #: the condition that decided a skipped, paused or stopped step (for its explanation)
    why: object = attrs.field(default=None, eq=False, repr=False)


def _occurrence_day(step: CompiledStep, anchor: int, first: int, k: int, business) -> int:
    """The day of occurrence ``k``: counted from the anchor when the units agree, so that a
    month clamped at one end of the month does not drift (31 Jan, 28 Feb, 31 Mar, ...)."""
    if k == 0:
        return first
    interval = step.every
    if interval.unit == step.unit and interval.unit in ("m", "bd"):
        return shift(anchor, step.amount + k * interval.amount, interval.unit, business)
    return shift(first, k * interval.amount, interval.unit, business)


#: the fewest calendar days one unit can span (to jump safely over past occurrences)
_SHORTEST_DAYS = {"d": 1, "w": 7, "m": 28, "bd": 1}


def _occurrences(
    step: CompiledStep,
    block: CompiledBlock,
    anchor: int,
    today: int,
    *,
    everything: bool,
    business=None,
):
    """``(k, day)`` of each occurrence of a step for one anchor: those the policy may still
    issue (and, for ``everything``, the past ones and the next one to come)."""
    window = step.lookback
    first = shift(anchor, step.amount, step.unit, business)
    if step.every is None:
        if everything or first <= today <= first + window:
            yield -1, first
        return
    end = (
        None if step.until is None else shift(anchor, step.until.amount, step.until.unit, business)
    )
    interval, unit = step.every.amount, step.every.unit
    k = 0
    if not everything:  # jump over the occurrences certainly before the window
        longest = {"d": 1, "w": 7, "m": 31, "bd": 3}[unit] * interval
        k = max(0, (today - window - first) // longest - 1)
    while True:
        day = _occurrence_day(step, anchor, first, k, business)
        if end is not None and day > end:
            return
        if day > today:
            if everything:
                yield k, day  # the next one, waiting
            return
        if everything or day + window >= today:
            yield k, day
        k += 1


class Days:
    """The values and profile of the account as of each day a step is decided on.

    A step is decided as of the day it was scheduled for, even when it is caught up later, so
    that what a program does never depends on the days the job happened to run. The values of
    an earlier day are computed only when a step of that day is still to be decided.
    """

    def __init__(self, program: CompiledProgram, today: int, values, compute, business=None):
        self.program = program
        #: whether a day is a business day for this account (its public holidays excluded)
        self.business = business
        self.today = today
        self._compute = compute  # day ordinal -> values of that day
        #: today's values, or a function that computes them the first time they are needed
        self._today = values
        self._values: dict[int, Mapping[str, object]] = {}
        self._profiles: dict[int, str | None] = {}

    def _profile(self, values, day: int) -> str | None:
        for candidate in self.program.profiles:
            if candidate.condition(values, day, None):
                return candidate.name
        return None

    def at(self, day: int) -> tuple[Mapping[str, object], str | None]:
        """The values and the profile of a day, computed the first time they are asked for."""
        values = self._values.get(day)
        if values is None:
            if day == self.today:
                values = self._today() if callable(self._today) else self._today
            else:
                values = self._compute(day)
            self._values[day] = values
        if day not in self._profiles:
            self._profiles[day] = self._profile(values, day)
        return values, self._profiles[day]


def _applies(block: CompiledBlock, profile: str | None) -> bool:
    if block.kind == "scenario":
        return profile is not None and profile in block.profiles  # type: ignore[operator]
    return block.profiles is None or (profile is not None and profile in block.profiles)


def walk(
    program: CompiledProgram,
    state: AccountState,
    on: datetime.date,
    days: Days,
    analysis,
    *,
    statuses: list[StepStatus] | None = None,
    occurrences=None,
) -> tuple[str | None, tuple[Action, ...]]:
    """The account's profile and the actions due on ``on`` (``occurrences``: see ``_due``)."""
    if statuses is None:
        return None, _due(program, state, on, days, analysis, occurrences)
    today = on.toordinal()
    case = analysis.case
    _, profile_today = days.at(today)
    judge = _Judge(program, state, today, days, case, explaining=True)
    keys = state.issued_keys
    seen: set[str] = set()
    anchor_texts: dict[int, str] = {}
    pending: list[tuple] = []
    for block in program.blocks:
        applies_today = _applies(block, profile_today)
        for step in block.steps:
            anchors = _anchors(
                step, block, state, analysis, today, everything=True, business=days.business
            )
            if not anchors and applies_today:
                statuses.append(
                    StepStatus(
                        block.name,
                        step.text,
                        step.line,
                        NOT_DUE,
                        detail=_nothing_to_anchor(step, case),
                    )
                )
            for anchor in anchors:
                for k, day in _occurrences(
                    step, block, anchor, today, everything=True, business=days.business
                ):
                    if day >= today and not applies_today:
                        continue  # today's steps are those of today's profile
                    anchor_text = anchor_texts.get(anchor)
                    if anchor_text is None:
                        anchor_text = anchor_texts[anchor] = iso(anchor)
                    key = step.key_prefix + anchor_text
                    if k >= 0:
                        key += f"#{k}"
                    if key in seen:
                        continue
                    seen.add(key)
                    if key in keys:
                        status, why, profile, detail, pick = DONE, None, profile_today, "", None
                    else:
                        status, why, profile, detail, pick = judge(block, step, anchor, day)
                    if (
                        status != FIRED
                        and not applies_today
                        and not (
                            status in _HELD and day < today and _applies(block, days.at(day)[1])
                        )
                    ):
                        # only a step of the account's profile on its own day, caught up or
                        # held back since, can come from another profile's block
                        continue
                    entry = StepStatus(
                        block.name,
                        step.text,
                        step.line,
                        status,
                        datetime.date.fromordinal(day),
                        key,
                        "; ".join(filter(None, (_anchor_detail(step, anchor), detail))),
                        why=why,
                    )
                    statuses.append(entry)
                    if status == FIRED:
                        pending.append(
                            (day, step.index, key, block, step, anchor_text, profile, pick, entry)
                        )
    actions = judge.admit(pending, on)
    for index, status in enumerate(statuses):
        replaced = judge.refused.get(status.key) if status.status == FIRED else None
        if replaced is not None:
            detail = "; ".join(filter(None, (status.detail, replaced)))
            statuses[index] = attrs.evolve(status, status=DEFERRED, detail=detail)
    return profile_today, actions


def _due(program: CompiledProgram, state, on: datetime.date, days, analysis, occurrences=None):
    """The step function's path: the same decisions as ``walk``, without the bookkeeping of
    ``explain``, and with the common step (one post-due offset in days) checked inline.
    ``days`` may be a function that makes the :class:`Days`: most accounts have nothing due
    and never need them. ``occurrences``, when given, are the ``(block, step, anchor, k, day)``
    that may go out today, found by a caller that knows no other one can: only those are
    judged."""
    today = on.toordinal()
    case = analysis.case
    keys = state.issued_keys
    anchor_texts: dict[int, str] = {}
    pending = []
    seen: set[str] = set()
    judge = None
    if occurrences is None:
        if not program.simple_only and not isinstance(days, Days):
            days = days()  # the calendar schedules the other steps
        occurrences = _candidates(program, state, today, days, analysis)
    for block, step, anchor, k, day in occurrences:
        anchor_text = anchor_texts.get(anchor)
        if anchor_text is None:
            anchor_text = anchor_texts[anchor] = iso(anchor)
        key = step.key_prefix + anchor_text if k < 0 else (f"{step.key_prefix}{anchor_text}#{k}")
        if key in keys or key in seen:
            continue
        seen.add(key)
        if judge is None:
            if not isinstance(days, Days):
                days = days()
            judge = _Judge(program, state, today, days, case)
        status, _, profile, _, pick = judge(block, step, anchor, day)
        if status == FIRED:
            pending.append((day, step.index, key, block, step, anchor_text, profile, pick))
    if judge is None:
        return ()
    return judge.admit(pending, on)


def _candidates(program: CompiledProgram, state, today: int, days, analysis):
    """Every occurrence of the program's steps that may still be issued on ``today``, as
    ``(block, step, anchor, k, day)``."""
    case = analysis.case
    case_anchor = opened = -1
    if case is not None:
        case_anchor, opened = case.anchor.toordinal(), case.opened.toordinal()
    # with a history too short to fill any cap, only the calendar can move a step: one due
    # longer ago than its catch-up window and the calendar's slack is missed, for certain
    uncapped = len(state.history) < program.cap_floor
    business = None if program.simple_only else days.business
    for block in program.blocks:
        for step in block.steps:
            lookback = step.calendar_lookback if uncapped else step.lookback
            if step.simple:
                if case is None:
                    continue
                day = case_anchor + step.amount
                if day > today or day + lookback < today or day < opened:
                    continue
                yield block, step, case_anchor, -1, day
                continue
            for anchor in _anchors(
                step, block, state, analysis, today, everything=False, business=business
            ):
                for k, day in _occurrences(
                    step, block, anchor, today, everything=False, business=business
                ):
                    if day + lookback >= today:
                        yield block, step, anchor, k, day


class _Judge:
    """Decides the occurrences of one account on one day, then admits them under the caps."""

    def __init__(
        self,
        program: CompiledProgram,
        state: AccountState,
        today: int,
        days,
        case,
        *,
        explaining: bool = False,
    ):
        self.explaining = explaining
        self.program = program
        self.state = state
        self.today = today
        self.days = days
        self.case = case
        self.values, self.profile = days.at(today)
        self.policy = program.policies.get(self.profile) or program.policies[None]
        self._contact: Contact | None = None
        #: keys refused by today's caps, and why (for ``explain``)
        self.refused: dict[str, str] = {}

    @property
    def contact(self) -> Contact:
        if self._contact is None:
            self._contact = Contact(
                self.policy,
                self.program.channels,
                self.program.calendar,
                self.values,
                self.state.history,
                self.today,
            )
        return self._contact

    def __call__(self, block: CompiledBlock, step: CompiledStep, anchor: int, day: int):
        """``(status, why, profile, detail, pick)`` of one occurrence not yet issued; ``pick``
        is the chosen action and its eligibility when the status is ``fired``."""
        today, case = self.today, self.case
        profile = self.profile
        if day > today:
            return WAITING, None, profile, "", None
        if day < anchor <= today:
            return MISSED, None, profile, "", None  # a step before its anchor never comes after
        if step.anchor == "D" and not step.pre_due and day < case.opened.toordinal():
            return MISSED, None, profile, "", None  # dated before its case: nobody was late yet
        if today > day + step.lookback:
            return self._missed(block, step, anchor, day, self._kept_back(step, day))
        if day == today and not self.explaining and not _applies(block, profile):
            # decided as of today, by today's profile: whatever the policy says, it does not
            # fire (explain goes on, to say what the policy would have done)
            return NOT_FOR_PROFILE, None, profile, "", None
        contact = self.contact
        chosen, blocked = _choose(step, contact)
        held = moved = ""
        eligibility = None
        if chosen is None:
            held = "no channel reaches the tenant: " + blocked
        else:
            guard = contact.guard_day(chosen.guards, self.values)
            if isinstance(guard, Blocked):
                held = guard.reason
            else:
                waits, why = guard
                eligibility = contact.eligible(
                    chosen.channel, max(day, waits), eviction=chosen.eviction
                )
                moved = "; ".join((why, *eligibility.moves) if waits > day else eligibility.moves)
                if today > eligibility.day + block.window:
                    detail = f"moved to {iso(eligibility.day)} ({moved})" if moved else ""
                    return self._missed(block, step, anchor, day, detail)
        if held and not self.explaining:
            return BLOCKED, None, profile, held, None
        # what the scenario says comes first: a step its condition skips is skipped
        policy = self.policy
        status, why, profile = _decide_on(block, step, day, anchor, self.days, case, policy)
        if status != FIRED:
            return status, why, profile, "", None
        if held:
            return BLOCKED, None, profile, held, None
        assert chosen is not None and eligibility is not None
        first = eligibility.day
        if day < anchor <= first:  # a step before its anchor never goes out on or after it
            where = "due date" if step.anchor == "D" else "event"
            return MISSED, None, profile, f"moved onto its {where} ({moved})", None
        if first > today:
            return DEFERRED, None, profile, f"deferred to {iso(first)}: {moved}", None
        closed = contact.closed(chosen.channel, today, eviction=chosen.eviction)
        if closed is not None:  # caught up on a day its channel may not act: the next one
            later = contact.eligible(chosen.channel, today, eviction=chosen.eviction).day
            if later > first + block.window or day < anchor <= later:
                return MISSED, None, profile, f"{closed}, and its catch-up window ends", None
            return DEFERRED, None, profile, f"deferred to {iso(later)}: {closed}", None
        if day != today:
            status, why = _still(block, self.values, today, self.profile, policy)
        detail = f"{chosen.channel} instead of {blocked}" if chosen is not step.actions[0] else ""
        if moved:
            detail = "; ".join(filter(None, (detail, f"moved from {iso(day)}: {moved}")))
        return status, why, profile, detail, (chosen, eligibility, detail)

    def _kept_back(self, step: CompiledStep, day: int) -> str:
        """For ``explain``: whether the policy kept an old step back until it was too late."""
        if not self.explaining:
            return ""
        chosen, _ = _choose(step, self.contact)
        if chosen is None:
            return ""
        eligibility = self.contact.eligible(chosen.channel, day, eviction=chosen.eviction)
        if eligibility.day <= day:
            return ""
        return (
            f"kept back by the policy past its catch-up window, to {iso(eligibility.day)}: "
            + "; ".join(eligibility.moves)
        )

    def _missed(self, block, step, anchor: int, day: int, detail: str):
        """Past its window: say what kept it on its day, when something did."""
        if not self.explaining:
            return MISSED, None, self.profile, detail, None
        decided, why, profile = _decide_on(block, step, day, anchor, self.days, self.case, None)
        if decided in (SKIPPED, PAUSED, STOPPED):
            return decided, why, profile, "", None
        return MISSED, None, profile, detail, None

    def admit(self, pending: list, on: datetime.date) -> tuple[Action, ...]:
        """Today's competition for the caps: the step scheduled first (then written first) goes
        first; the others are deferred to a later day."""
        pending.sort(key=lambda item: item[:3])
        actions = []
        for day, _, key, block, step, anchor_text, profile, pick, *_ in pending:
            chosen, _eligibility, detail = pick
            refused = self.contact.admit(chosen.channel)
            if refused is not None:
                self.refused[key] = f"deferred to a later day: {refused} today"
                continue
            actions.append(
                _action(
                    self.program,
                    self.state,
                    step,
                    block,
                    chosen,
                    key,
                    day,
                    on,
                    profile,
                    anchor_text,
                    self.contact.windows(chosen.channel, on),
                    detail,
                )
            )
        return tuple(actions)


def _choose(step: CompiledStep, contact: Contact) -> tuple[CompiledAction | None, str]:
    """The first action of a step whose channel reaches the tenant, and why the ones before
    it do not."""
    reasons = []
    for action in step.actions:
        why = contact.unreachable(action.channel)
        if why is None:
            return action, "; ".join(reasons)
        reasons.append(why)
    return None, "; ".join(reasons)


def _still(block: CompiledBlock, values, today: int, profile, policy):
    """A step caught up after its day goes out only if no stop or pause holds on the day."""
    for condition, expr in block.stops:
        if condition(values, today, profile):
            return STOPPED, expr
    for condition, expr in (*block.pauses, *policy.pauses):
        if condition(values, today, profile):
            return PAUSED, expr
    return FIRED, None


def _action(
    program, state, step, block, chosen, key, day: int, on, profile, anchor_text, windows, note
) -> Action:
    return Action(
        state.account_id,
        key,
        chosen.channel,
        chosen.template,
        chosen.options,
        datetime.date.fromordinal(day),
        on,
        block.name,
        profile,
        chosen.kind,
        _reason(program, profile, step, block, anchor_text),
        line=step.line,
        requires_approval=chosen.requires_approval,
        windows=windows,
        policy_note=note,
    )


def _decide_on(block, step, day: int, anchor: int, days: Days, case, policy):
    """Decide a due step with the values and profile of its own day."""
    values, profile = days.at(day)
    pauses = block.pauses if policy is None else (*block.pauses, *policy.pauses)
    status, why = _decide(block, step, values, day, profile, (anchor, days, case), pauses)
    return status, why, profile


def _decide(
    block: CompiledBlock, step: CompiledStep, values, day: int, profile, context, pauses=()
):
    """Whether a due step fires, decided as of its day, and the condition that decided it."""
    if not _applies(block, profile):
        return NOT_FOR_PROFILE, None
    if block.guard is not None and not block.guard(values, day, profile):
        return SKIPPED, block.guard_expr
    for condition, expr in block.stops:
        if condition(values, day, profile):
            return STOPPED, expr
    for condition, expr in pauses:
        if condition(values, day, profile):
            return PAUSED, expr
    if step.condition is not None and not step.condition(values, day, profile):
        return SKIPPED, step.expr
    if block.changing_stops:  # the others were just found false: so they were on every day
        anchor, days, case = context
        stopped = _earlier_stop(block, step, anchor, day, days, case)
        if stopped is not None:
            return STOPPED, stopped
    return FIRED, None


def _earlier_stop(block: CompiledBlock, step: CompiledStep, anchor: int, day: int, days, case):
    """The stop condition that held on the day of an earlier step of the block, for the same
    anchor: once a scenario has stopped for a case (or a charge, or an event), it stays so."""
    opened = case.opened.toordinal() if case is not None else None
    earlier = set()
    for other in block.steps:
        if (other.anchor, other.pre_due) != (step.anchor, step.pre_due):
            continue
        for _, when in _occurrences(
            other, block, anchor, day - 1, everything=True, business=days.business
        ):
            if when < day and (
                opened is None or other.anchor == "E" or other.pre_due or (when >= opened)
            ):
                earlier.add(when)
    for when in sorted(earlier):
        values, profile = days.at(when)
        for condition, expr in block.changing_stops:
            if condition(values, when, profile):
                return expr
    return None


def _anchors(
    step, block, state, analysis, today: int, *, everything: bool, business=None
) -> list[int]:
    if step.anchor == "E":
        return sorted({e.on.toordinal() for e in state.events if e.kind == block.event})
    if not step.pre_due:
        case = analysis.case
        return [case.anchor.toordinal()] if case is not None else []
    # a pre-due step: each charge still owed that falls due after today, close enough
    anchors = []
    for due, unsettled in analysis.charges:
        if unsettled <= 0:
            continue
        if due <= today:
            # explain reports a reminder whose window ran out on its due date as missed
            if (
                everything
                and shift(due, step.amount, step.unit, business) + block.window >= today - 1
            ):
                anchors.append(due)
            continue
        if shift(due, step.amount, step.unit, business) > today:
            if everything:
                anchors.append(due)  # the next one, waiting
            break
        anchors.append(due)
    return anchors


def _reason(program, profile, step, block, anchor_text: str) -> str:
    """Why: which profile the account has and why, which step, which condition held."""
    where = {"scenario": "scenario", "event": "event block", "rule": "rule"}[block.kind]
    anchor_name = "E" if step.anchor == "E" else "D"
    what = step.text if block.guard_text is None else f"if {block.guard_text} then {step.text}"
    return (
        f"{program.profile_reasons[profile]}; {where} {block.name}, line {step.line}: {what} "
        f"({anchor_name} = {anchor_text})"
    )


def _anchor_detail(step, anchor: int) -> str:
    return f"{'E' if step.anchor == 'E' else 'D'} = {iso(anchor)}"


def _nothing_to_anchor(step, case) -> str:
    if step.anchor == "E":
        return "no such event on this account"
    if step.pre_due:
        return "no charge to pay falls due soon"
    return "no open case (nothing overdue)"


def evaluation_error(exc: Exception, filename: str, account_id: str) -> EvaluationError:
    """A failure inside a condition, pointing at the scenario line it comes from."""
    line = None
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == filename:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    where = f"{filename}:{line}" if line else filename
    return EvaluationError(f"{where}: account {account_id}: {exc}")
