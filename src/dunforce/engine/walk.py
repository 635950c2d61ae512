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
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

import attrs

from dunforce.engine.plan import CompiledBlock, CompiledProgram, CompiledStep
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


def _occurrence_day(step: CompiledStep, anchor: int, first: int, k: int) -> int:
    """The day of occurrence ``k``: counted from the anchor when the units agree, so that a
    month clamped at one end of the month does not drift (31 Jan, 28 Feb, 31 Mar, ...)."""
    if k == 0:
        return first
    interval = step.every
    if interval.unit == step.unit and interval.unit in ("m", "bd"):
        return shift(anchor, step.amount + k * interval.amount, interval.unit)
    return shift(first, k * interval.amount, interval.unit)


#: the fewest calendar days one unit can span (to jump safely over past occurrences)
_SHORTEST_DAYS = {"d": 1, "w": 7, "m": 28, "bd": 1}


def _occurrences(
    step: CompiledStep, block: CompiledBlock, anchor: int, today: int, *, everything: bool
):
    """``(k, day)`` of each occurrence of a step for one anchor: those still within the
    catch-up window (and, for ``everything``, the past ones and the next one to come)."""
    window = block.window
    first = shift(anchor, step.amount, step.unit)
    if step.every is None:
        if everything or first <= today <= first + window:
            yield -1, first
        return
    end = None if step.until is None else shift(anchor, step.until.amount, step.until.unit)
    interval, unit = step.every.amount, step.every.unit
    k = 0
    if not everything:  # jump over the occurrences certainly before the window
        longest = {"d": 1, "w": 7, "m": 31, "bd": 3}[unit] * interval
        k = max(0, (today - window - first) // longest - 1)
    while True:
        day = _occurrence_day(step, anchor, first, k)
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

    def __init__(self, program: CompiledProgram, today: int, values, compute):
        self.program = program
        self.today = today
        self._compute = compute  # day ordinal -> values of that day
        self._values: dict[int, Mapping[str, object]] = {today: values}
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
            values = self._values[day] = self._compute(day)
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
) -> tuple[str | None, tuple[Action, ...]]:
    """The account's profile and the actions due on ``on``."""
    if statuses is None:
        return None, _due(program, state, on, days, analysis)
    today = on.toordinal()
    case = analysis.case
    explaining = statuses is not None
    _, profile_today = days.at(today)
    keys = state.issued_keys
    seen: set[str] = set()
    anchor_texts: dict[int, str] = {}
    emitted: list[tuple[int, int, str, Action]] = []
    for block in program.blocks:
        applies_today = _applies(block, profile_today)
        for step in block.steps:
            anchors = _anchors(step, block, state, analysis, today, everything=explaining)
            if explaining and not anchors and applies_today:
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
                for k, day in _occurrences(step, block, anchor, today, everything=explaining):
                    if day >= today and not applies_today:
                        continue  # today's steps are those of today's profile
                    anchor_text = anchor_texts.get(anchor)
                    if anchor_text is None:
                        anchor_text = anchor_texts[anchor] = iso(anchor)
                    key = step.key_prefix + anchor_text
                    if k >= 0:
                        key += f"#{k}"
                    status = _status(step, block, anchor, day, today, key, keys, case)
                    if key in seen and status == FIRED:
                        continue
                    seen.add(key)
                    profile, why = profile_today, None
                    if status == MISSED and day + block.window < today and day < today:
                        # past its window: say what kept it on its day, when something did
                        decided, why, profile = _decide_on(block, step, day, anchor, days, case)
                        if decided in (SKIPPED, PAUSED, STOPPED):
                            status = decided
                        else:
                            why = None
                    if status == FIRED:
                        status, why, profile = _decide_on(block, step, day, anchor, days, case)
                    elif not applies_today:
                        continue  # only a replayed step can come from another profile's block
                    if status == FIRED:
                        action = _action(
                            program, state, step, block, key, day, on, profile, anchor_text
                        )
                        emitted.append((day, step.index, key, action))
                    if explaining and (applies_today or status == FIRED):
                        statuses.append(
                            StepStatus(
                                block.name,
                                step.text,
                                step.line,
                                status,
                                datetime.date.fromordinal(day),
                                key,
                                _anchor_detail(step, anchor),
                                why=why,
                            )
                        )
    emitted.sort(key=lambda item: item[:3])
    return profile_today, tuple(item[3] for item in emitted)


def _due(program: CompiledProgram, state, on: datetime.date, days: Days, analysis):
    """The step function's path: the same decisions as ``walk``, without the bookkeeping of
    ``explain``, and with the common step (one post-due offset in days) checked inline."""
    today = on.toordinal()
    case = analysis.case
    case_anchor = opened = -1
    if case is not None:
        case_anchor, opened = case.anchor.toordinal(), case.opened.toordinal()
    keys = state.issued_keys
    anchor_texts: dict[int, str] = {}
    emitted = []
    seen: set[str] = set()
    for block in program.blocks:
        window = block.window
        for step in block.steps:
            if step.simple:
                if case is None:
                    continue
                day = case_anchor + step.amount
                if day > today or day + window < today or day < opened:
                    continue
                due = ((case_anchor, -1, day),)
            else:
                due = [
                    (anchor, k, day)
                    for anchor in _anchors(step, block, state, analysis, today, everything=False)
                    for k, day in _occurrences(step, block, anchor, today, everything=False)
                ]
            for anchor, k, day in due:
                anchor_text = anchor_texts.get(anchor)
                if anchor_text is None:
                    anchor_text = anchor_texts[anchor] = iso(anchor)
                key = (
                    step.key_prefix + anchor_text
                    if k < 0
                    else (f"{step.key_prefix}{anchor_text}#{k}")
                )
                if key in keys or key in seen:
                    continue
                seen.add(key)
                if _status(step, block, anchor, day, today, key, keys, case) != FIRED:
                    continue
                decision, _, profile = _decide_on(block, step, day, anchor, days, case)
                if decision != FIRED:
                    continue
                action = _action(program, state, step, block, key, day, on, profile, anchor_text)
                emitted.append((day, step.index, key, action))
    emitted.sort(key=lambda item: item[:3])
    return tuple(item[3] for item in emitted)


def _action(program, state, step, block, key, day: int, on, profile, anchor_text) -> Action:
    return Action(
        state.account_id,
        key,
        step.channel,
        step.template,
        step.options,
        datetime.date.fromordinal(day),
        on,
        block.name,
        profile,
        step.kind,
        _reason(program, profile, step, block, anchor_text),
        line=step.line,
    )


def _decide_on(block, step, day: int, anchor: int, days: Days, case):
    """Decide a due step with the values and profile of its own day."""
    values, profile = days.at(day)
    status, why = _decide(block, step, values, day, profile, (anchor, days, case))
    return status, why, profile


def _decide(block: CompiledBlock, step: CompiledStep, values, day: int, profile, context):
    """Whether a due step fires, decided as of its day, and the condition that decided it."""
    if not _applies(block, profile):
        return NOT_FOR_PROFILE, None
    if block.guard is not None and not block.guard(values, day, profile):
        return SKIPPED, block.guard_expr
    for condition, expr in block.stops:
        if condition(values, day, profile):
            return STOPPED, expr
    for condition, expr in block.pauses:
        if condition(values, day, profile):
            return PAUSED, expr
    if step.condition is not None and not step.condition(values, day, profile):
        return SKIPPED, step.expr
    if block.stops:
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
        for _, when in _occurrences(other, block, anchor, day - 1, everything=True):
            if when < day and (
                opened is None or other.anchor == "E" or other.pre_due or (when >= opened)
            ):
                earlier.add(when)
    for when in sorted(earlier):
        values, profile = days.at(when)
        for condition, expr in block.stops:
            if condition(values, when, profile):
                return expr
    return None


def _anchors(step, block, state, analysis, today: int, *, everything: bool) -> list[int]:
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
            if everything and shift(due, step.amount, step.unit) + block.window >= today - 1:
                anchors.append(due)
            continue
        if shift(due, step.amount, step.unit) > today:
            if everything:
                anchors.append(due)  # the next one, waiting
            break
        anchors.append(due)
    return anchors


def _status(step, block, anchor, day, today, key, keys, case) -> str:
    """What the calendar alone says of an occurrence (the conditions come after)."""
    if key in keys:
        return DONE
    if day > today:
        return WAITING
    if day < anchor <= today:
        return MISSED  # a step before its anchor is never issued on or after it
    if today > day + block.window:
        return MISSED
    if step.anchor == "D" and not step.pre_due and day < case.opened.toordinal():
        return MISSED  # dated before its case opened: nobody was late yet
    return FIRED


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
