"""Why each step of an account's scenarios fired, waits, was done, skipped, paused, stopped or
missed on a day: what a collection officer reads before calling a tenant."""

from __future__ import annotations

import datetime

import attrs

from dunforce.dsl.format import format_expr
from dunforce.engine.evaluate import Interpreter
from dunforce.engine.walk import SKIPPED, STOPPED, StepStatus
from dunforce.state import Action


@attrs.frozen
class Explanation:
    account_id: str
    on: datetime.date
    profile: str | None
    profile_reason: str
    case: str
    statuses: tuple[StepStatus, ...]
    actions: tuple[Action, ...]

    @classmethod
    def build(cls, program, state, on, profile, days, analysis, statuses, actions):
        today = on.toordinal()
        checked = program.checked
        values = days.at(today)[0]
        reason = "no profile holds"
        for compiled in program.compiled.profiles:
            if compiled.name == profile:
                reason = f"profile {profile}: {compiled.text} holds"
                break
            if compiled.expr is not None:
                why = Interpreter(checked, profile_context=True).why_false(
                    compiled.expr, values, today, None
                )
                reason_not = f"not {compiled.name}: {why}"
                reason = reason_not if profile is None else reason
        case = analysis.case
        case_text = (
            f"open since {case.opened.isoformat()}, D = {case.anchor.isoformat()}"
            if case is not None
            else "no open case"
        )
        detailed = []
        interpreter = Interpreter(checked)
        for status in statuses:
            if status.why is not None and status.scheduled_for is not None:
                day = status.scheduled_for.toordinal()
                day_values, day_profile = days.at(day)
                if status.status == SKIPPED:
                    why = interpreter.why_false(status.why, day_values, day, day_profile)
                else:
                    word = "stop when" if status.status == STOPPED else "pause while"
                    why = f"{word} {format_expr(status.why)} holds"
                status = attrs.evolve(status, detail=f"{status.detail}; {why}")
            detailed.append(status)
        return cls(
            state.account_id, on, profile, reason, case_text, tuple(detailed), tuple(actions)
        )

    def __str__(self) -> str:
        lines = [
            f"account {self.account_id} on {self.on.isoformat()}: {self.profile_reason}",
            f"case: {self.case}",
        ]
        for s in self.statuses:
            when = s.scheduled_for.isoformat() if s.scheduled_for else ""
            detail = f" — {s.detail}" if s.detail else ""
            lines.append(f"  {s.status:<8} {when:<10}  {s.block}: {s.step} (line {s.line}){detail}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """What a notebook shows: the steps in a table, their statuses colour-coded."""
        from dunforce.notebook import explanation_html  # notebook imports the engine, not back

        return explanation_html(self)

    def to_frame(self):
        """The statuses as a pandas DataFrame, one row per step occurrence."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "account_id": self.account_id,
                    "on": self.on,
                    "profile": self.profile,
                    "block": s.block,
                    "step": s.step,
                    "line": s.line,
                    "status": s.status,
                    "scheduled_for": s.scheduled_for,
                    "key": s.key,
                    "detail": s.detail,
                }
                for s in self.statuses
            ],
            columns=[
                "account_id",
                "on",
                "profile",
                "block",
                "step",
                "line",
                "status",
                "scheduled_for",
                "key",
                "detail",
            ],
        )
