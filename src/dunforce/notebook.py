"""HTML views for Jupyter: a program, an explanation, a summary of results.

Notebooks show an object's ``_repr_html_``; this module writes that HTML. Every text that comes
from a scenario file, an account or a table is escaped: a file's conditions, template names or
file name can never inject markup. The HTML is self-contained — inline styles, no stylesheet,
no script — so it reads the same in JupyterLab, VS Code, a static export or a GitHub preview.
"""

from __future__ import annotations

import datetime
import html
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dunforce.dsl.format import format_expr
from dunforce.engine.walk import (
    BLOCKED,
    DEFERRED,
    DONE,
    FIRED,
    MISSED,
    NOT_DUE,
    NOT_FOR_PROFILE,
    PAUSED,
    SKIPPED,
    STOPPED,
    WAITING,
)

if TYPE_CHECKING:
    from dunforce.engine.explain import Explanation
    from dunforce.program import Program

__all__ = ["STATUS_COLOURS", "explanation_html", "program_html", "summary_html"]

#: (background, text) of each step status: green went out, blue is to come, grey is settled or
#: idle, amber and orange were held for a reason, red needs a look
STATUS_COLOURS: Mapping[str, tuple[str, str]] = {
    FIRED: ("#d3f2d8", "#0b5d1e"),
    WAITING: ("#dbe9fb", "#174a8b"),
    DONE: ("#e6ece8", "#3d5245"),
    SKIPPED: ("#fff1c2", "#6b5200"),
    PAUSED: ("#eadcf8", "#55287e"),
    STOPPED: ("#f6dada", "#7a1f1f"),
    MISSED: ("#f9c9c9", "#8f0f0f"),
    DEFERRED: ("#ffe2c4", "#7a3d00"),
    BLOCKED: ("#f3c1c1", "#6e0000"),
    NOT_DUE: ("#f1f1f1", "#5f5f5f"),
    NOT_FOR_PROFILE: ("#f1f1f1", "#8a8a8a"),
}
_UNKNOWN_STATUS = ("#f1f1f1", "#303030")

_FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;line-height:1.4"
_TABLE = "border-collapse:collapse;margin:4px 0 10px 0;font-size:12px"
_TH = (
    "text-align:left;padding:3px 8px;border-bottom:2px solid #9a9a9a;"
    "vertical-align:bottom;white-space:nowrap"
)
_TD = "text-align:left;padding:3px 8px;border-bottom:1px solid #d8d8d8;vertical-align:top"
_CODE = "font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:12px"
_MUTED = "color:#777"
_TITLE = "font-weight:600;font-size:15px;margin:2px 0 4px 0"
_SUMMARY = "font-weight:600;cursor:pointer;margin:6px 0 2px 0"


class _Html(str):
    """Markup this module wrote itself; anything else is escaped where it is placed."""


def _text(value: object) -> str:
    """A value as text, in the form a reader expects (ISO days, euros with their cents)."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, pd.Timestamp):
        if value.tz is None and value == value.normalize():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _e(value: object) -> str:
    """Escaped text, or the markup itself when this module made it."""
    if isinstance(value, _Html):
        return value
    return html.escape(_text(value), quote=True)


def _code(text: object) -> _Html:
    return _Html(f'<code style="{_CODE}">{_e(text)}</code>')


def _muted(text: object) -> _Html:
    return _Html(f'<span style="{_MUTED}">{_e(text)}</span>')


def _badge(status: str) -> _Html:
    background, colour = STATUS_COLOURS.get(status, _UNKNOWN_STATUS)
    return _Html(
        f'<span style="background:{background};color:{colour};padding:1px 6px;'
        f'border-radius:3px;white-space:nowrap;font-weight:600">{_e(status)}</span>'
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> _Html:
    head = "".join(f'<th style="{_TH}">{_e(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td style="{_TD}">{_e(cell)}</td>' for cell in row) + "</tr>"
        for row in rows
    )
    return _Html(
        f'<table style="{_TABLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def _section(title: str, content: object, *, count: int | None = None) -> _Html:
    label = _e(title) if count is None else f"{_e(title)} ({count:,})"
    return _Html(
        f'<details open><summary style="{_SUMMARY}">{label}</summary>{_e(content)}</details>'
    )


def _block(title: str, parts: Iterable[object]) -> str:
    return (
        f'<div style="{_FONT}"><div style="{_TITLE}">{_e(title)}</div>'
        + "".join(_e(part) for part in parts)
        + "</div>"
    )


def _paragraph(content: object) -> _Html:
    return _Html(f'<div style="margin:2px 0">{_e(content)}</div>')


# ------------------------------------------------------------------------------ a program


def _applies_to(block) -> str:
    """Who a block is for, in the words of the file."""
    if block.kind == "rule":
        return f"every account, if {block.guard_text}"
    names = ", ".join(sorted(block.profiles)) if block.profiles else "every account"
    if block.kind == "event":
        return f"on {block.event}: {names}"
    return names


def _steps(block) -> _Html:
    rows = [
        _Html(f"<div>{_muted(f'line {step.line}')} {_code(step.text)}</div>")
        for step in block.steps
    ]
    rows += [_Html(f"<div>{_code(f'pause while {format_expr(e)}')}</div>") for _, e in block.pauses]
    rows += [_Html(f"<div>{_code(f'stop when {format_expr(e)}')}</div>") for _, e in block.stops]
    return _Html("".join(rows))


def program_html(program: Program) -> str:
    """A program as a notebook shows it: its profiles in file order with the blocks each one
    follows, its scenarios and their steps as written, and its warnings."""
    compiled = program.compiled
    blocks = compiled.blocks
    everyone = [b for b in blocks if b.profiles is None]
    profile_rows = []
    for number, profile in enumerate(compiled.profiles, start=1):
        own = [b.name for b in compiled.blocks_by_profile.get(profile.name, ()) if b.profiles]
        profile_rows.append(
            (
                number,
                _code(profile.name),
                _code(profile.text),
                profile.line,
                ", ".join(own) if own else _muted("—"),
            )
        )
    profiles = _table(("#", "profile", "condition", "line", "blocks"), profile_rows)
    if everyone:
        names = ", ".join(b.name for b in everyone)
        profiles = _Html(
            profiles + _paragraph(_muted(f"Every account also follows (when they apply): {names}."))
        )
    block_rows = [
        (
            _code(block.name),
            block.kind,
            _applies_to(block),
            block.line,
            len(block.steps),
            f"{block.window} d",
            _steps(block),
        )
        for block in blocks
    ]
    scenarios = _table(
        ("block", "kind", "for", "line", "steps", "catch-up", "steps as written"), block_rows
    )
    warnings = program.warnings
    if warnings:
        warning_rows = [
            (
                f"{w.filename}:{w.line}:{w.column}",
                w.severity,
                _code(w.code),
                w.message,
                w.hint or "",
            )
            for w in warnings
        ]
        shown = _table(("where", "severity", "code", "message", "hint"), warning_rows)
    else:
        shown = _paragraph(_muted("No warnings."))
    headline = (
        f"{len(compiled.profiles)} profiles, {len(blocks)} blocks, "
        f"{sum(len(b.steps) for b in blocks)} steps, {len(warnings)} warnings; "
        f"catch-up {program.catch_up_days} days, case threshold {program.case_threshold} €"
    )
    return _block(
        f"Program {program.filename}",
        (
            _paragraph(headline),
            _section("Profiles, in the order they are tried", profiles, count=len(profile_rows)),
            _section("Blocks", scenarios, count=len(block_rows)),
            _section("Warnings", shown, count=len(warnings)),
        ),
    )


# ------------------------------------------------------------------------------ an explanation


def explanation_html(explanation: Explanation) -> str:
    """An explanation as a notebook shows it: the account's profile and case, then every step
    with its status, colour-coded, its day and why."""
    counts = Counter(s.status for s in explanation.statuses)
    order = [*STATUS_COLOURS, *sorted(set(counts) - set(STATUS_COLOURS))]
    tally = " ".join(
        f"{_badge(status)}&nbsp;{counts[status]}" for status in order if counts[status]
    )
    rows = [
        (
            _badge(s.status),
            s.scheduled_for or "",
            _code(s.block),
            _code(s.step),
            s.line,
            s.detail,
        )
        for s in explanation.statuses
    ]
    parts = [
        _paragraph(explanation.profile_reason),
        _paragraph(f"case: {explanation.case}"),
        _paragraph(_Html(tally)) if tally else _paragraph(_muted("No step applies.")),
        _section(
            "Steps",
            _table(("status", "day", "block", "step", "line", "why"), rows),
            count=len(rows),
        ),
    ]
    if explanation.actions:
        action_rows = [
            (a.emitted_on, a.channel, a.template or "", a.kind, _code(a.key))
            for a in explanation.actions
        ]
        parts.append(
            _section(
                "Actions issued",
                _table(("emitted on", "channel", "template", "kind", "key"), action_rows),
                count=len(action_rows),
            )
        )
    title = f"Account {explanation.account_id} on {explanation.on.isoformat()}"
    return _block(title, parts)


# ------------------------------------------------------------------------------ results


def _frame_table(frame: pd.DataFrame, rows: int) -> _Html:
    """The first ``rows`` rows of a table; its index too, unless it is the default 0, 1, …"""
    shown = frame.head(rows)
    index = frame.index
    default_index = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    with_index = not default_index or any(name is not None for name in index.names)
    headers = [str(c) for c in frame.columns]
    if with_index:
        headers = [", ".join("" if n is None else str(n) for n in index.names), *headers]
    body = []
    for label, values in zip(shown.index, shown.itertuples(index=False, name=None), strict=True):
        row: list[object] = list(values)
        if with_index:
            row.insert(0, ", ".join(map(_text, label)) if isinstance(label, tuple) else label)
        body.append(row)
    return _table(headers, body)


def summary_html(
    title: str,
    figures: Mapping[str, object],
    tables: Mapping[str, pd.DataFrame],
    *,
    rows: int = 10,
) -> str:
    """A result as a notebook shows it: a title, its headline figures, then the first ``rows``
    rows of each table with the table's full row count.

    >>> import pandas as pd
    >>> page = summary_html("Run", {"accounts": 3}, {"actions": pd.DataFrame({"n": [1, 2]})})
    >>> "2 rows" in page
    True
    """
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, not {type(title).__name__}")
    if not isinstance(figures, Mapping):
        raise TypeError(f"figures must be a mapping of names to values, not {figures!r}")
    if not isinstance(tables, Mapping):
        raise TypeError(f"tables must be a mapping of names to DataFrames, not {tables!r}")
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        raise ValueError(f"rows must be a whole number >= 0, not {rows!r}")
    parts: list[str] = []
    if figures:
        parts.append(_table(("figure", "value"), list(figures.items())))
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"tables[{name!r}] must be a DataFrame, not {type(frame).__name__}")
        total = len(frame)
        if total == 0:
            content = _paragraph(_muted("No rows."))
        elif rows == 0:
            content = _paragraph(_muted("(no rows shown)"))
        else:
            content = _frame_table(frame, rows)
            if total > rows:
                content = _Html(content + _paragraph(_muted(f"first {rows:,} of {total:,} rows")))
        label = f"{name} — {total:,} row" + ("" if total == 1 else "s")
        parts.append(_section(label, content))
    return _block(title, parts)
