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

FIRED, WAITING, DONE, SKIPPED, PAUSED, STOPPED, MISSED, NOT_DUE = (
    "fired",
    "waiting",
    "done",
    "skipped",
    "paused",
    "stopped",
    "missed",
    "not due",
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
    if not everything and unit in ("d", "w"):  # jump to the first occurrence in the window
        days = interval * (7 if unit == "w" else 1)
        k = max(0, -(-(today - window - first) // days))
    while True:
        day = shift(first, k * interval, unit) if k else first
        if end is not None and day > end:
            return
        if day > today:
            if everything:
                yield k, day  # the next one, waiting
            return
        if everything or day + window >= today:
            yield k, day
        k += 1


def walk(
    program: CompiledProgram,
    state: AccountState,
    on: datetime.date,
    values: Mapping[str, object],
    analysis,
    *,
    statuses: list[StepStatus] | None = None,
) -> tuple[str | None, tuple[Action, ...]]:
    """The account's profile and the actions due on ``on``."""
    today = on.toordinal()
    profile = None
    for candidate in program.profiles:
        if candidate.condition(values, today, None):
            profile = candidate.name
            break
    keys = state.issued_keys
    case = analysis.case
    explaining = statuses is not None
    emitted: list[tuple[int, int, str, Action]] = []
    for block in program.blocks_by_profile[profile]:
        if block.guard is not None and not block.guard(values, today, profile):
            if explaining:
                for step in block.steps:
                    statuses.append(
                        StepStatus(
                            block.name,
                            step.text,
                            step.line,
                            SKIPPED,
                            detail="the rule's condition is false",
                        )
                    )
            continue
        stopped = any(condition(values, today, profile) for condition, _ in block.stops)
        paused = not stopped and any(
            condition(values, today, profile) for condition, _ in block.pauses
        )
        for step in block.steps:
            anchors = _anchors(step, block, state, analysis, today, everything=explaining)
            if explaining and not anchors:
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
                    key = f"{block.name}/{step.step_id}@{iso(anchor)}"
                    if k >= 0:
                        key += f"#{k}"
                    status = _status(step, block, anchor, day, today, key, keys, stopped, paused)
                    condition = step.condition
                    if status == FIRED and condition is not None:
                        status = FIRED if condition(values, today, profile) else SKIPPED
                    if status == FIRED:
                        action = Action(
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
                            _reason(program, profile, step, block, anchor),
                            line=step.line,
                        )
                        emitted.append((day, step.index, key, action))
                    if explaining:
                        statuses.append(
                            StepStatus(
                                block.name,
                                step.text,
                                step.line,
                                status,
                                datetime.date.fromordinal(day),
                                key,
                                _anchor_detail(step, anchor),
                            )
                        )
    emitted.sort(key=lambda item: item[:3])
    return profile, tuple(item[3] for item in emitted)


def _anchors(step, block, state, analysis, today: int, *, everything: bool) -> list[int]:
    if step.anchor == "E":
        return [e.on.toordinal() for e in state.events if e.kind == block.event]
    if not step.pre_due:
        case = analysis.case
        return [case.anchor.toordinal()] if case is not None else []
    # a pre-due step: each charge still owed that falls due after today, close enough
    anchors = []
    for due, unsettled in analysis.charges:
        if due <= today or unsettled <= 0:
            continue
        if shift(due, step.amount, step.unit) > today:
            if everything:
                anchors.append(due)  # the next one, waiting
            break
        anchors.append(due)
    return anchors


def _status(step, block, anchor, day, today, key, keys, stopped, paused) -> str:
    if key in keys:
        return DONE
    if day > today:
        return WAITING
    if (step.amount < 0 or (step.anchor == "E" and step.amount < 0)) and today >= anchor:
        return MISSED  # a step before its anchor is never issued on or after it
    if today > day + block.window:
        return MISSED
    if stopped:
        return STOPPED
    if paused:
        return PAUSED
    return FIRED


def _reason(program, profile, step, block, anchor: int) -> str:
    who = f"profile {profile}" if profile is not None else "no profile"
    where = {"scenario": "scenario", "event": "on", "rule": "rule"}[block.kind]
    anchor_name = "E" if step.anchor == "E" else "D"
    return (
        f"{who}; {where} {block.name}, line {step.line}: {step.text} "
        f"({anchor_name} = {iso(anchor)})"
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
