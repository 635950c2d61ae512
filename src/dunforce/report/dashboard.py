"""The dashboard: a collection period on one self-contained HTML page.

:func:`dashboard` reads what :mod:`dunforce.kpi` computes — the cases, the KPIs per profile,
scenario and channel, the arrears ageing — and what the actions table says per channel and per
day, and writes it as a page of headline figures, tables and plots (:mod:`.figures`). It never
reads the clock: the day the report is generated for is an argument, so the same inputs give
the same bytes. It computes no KPI of its own: every figure on the page is one of
``dunforce.kpi``'s, only formatted (:mod:`.formats`).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import attrs
import pandas as pd

from dunforce import __version__
from dunforce.frames import actions_frame
from dunforce.kpi import DEFAULT_BUCKETS, ageing, bucket_labels, cases, kpis, summary
from dunforce.kpi.inputs import actions_between, as_day, check_program, period
from dunforce.program import Program
from dunforce.report import figures, sections
from dunforce.report.markup import element, fragment, join, page
from dunforce.simulate.result import SimulationResult
from dunforce.state import OUTCOMES, AccountState, Action
from dunforce.tables import Portfolio, Rejected

__all__ = ["Dashboard", "dashboard", "from_simulation"]


def _figures_mapping(value: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(value))


@attrs.frozen(eq=False)
class Dashboard:
    """A built dashboard: the page (``html``), its headline ``figures`` as numbers (the values
    :func:`dunforce.kpi.summary` gives, plus ``accounts``, ``unreadable_accounts`` and
    ``overdue_cents``), and the names of the ``plots`` drawn (none without matplotlib)."""

    title: str
    start: datetime.date
    end: datetime.date
    generated_on: datetime.date
    figures: Mapping[str, object] = attrs.field(converter=_figures_mapping, repr=False)
    plots: tuple[str, ...]
    html: str = attrs.field(repr=False)
    fragment: str = attrs.field(repr=False)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (UTF-8), whole or not at all; return the path."""
        target = Path(path)
        partial = target.with_name(f".{target.name}.partial")
        try:
            partial.write_text(self.html, encoding="utf-8", newline="\n")
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return target

    def _repr_html_(self) -> str:
        return self.fragment


def dashboard(
    program: Program,
    accounts: Iterable[AccountState | Rejected] | Portfolio,
    actions: pd.DataFrame | Iterable[Action],
    *,
    start: datetime.date | str,
    end: datetime.date | str,
    title: str | None = None,
    outcomes: pd.DataFrame | None = None,
    generated_on: datetime.date | str | None = None,
    source: str | None = None,
    cure_days: int = 30,
    buckets: Sequence[int] = DEFAULT_BUCKETS,
    plots: bool = True,
) -> Dashboard:
    """The dashboard of the period ``[start, end]`` for ``program``'s accounts and actions.

    ``accounts`` and ``actions`` are what :func:`dunforce.kpi.kpis` takes (the actions table may
    carry an ``outcome`` column, as a journal's or a simulation's does). ``outcomes``, a table
    with ``account_id``, ``key`` and ``outcome`` columns (such as a portfolio's ``history``),
    gives the actions' outcomes in place of that column. ``generated_on`` (default: ``end``) is
    the day printed as the report's date; ``source`` says where the actions come from.
    ``cure_days`` and ``buckets`` are those of :func:`dunforce.kpi.kpis` and
    :func:`dunforce.kpi.ageing`.
    With ``plots=False``, or without matplotlib, the page has its tables only.
    """
    program = check_program(program)
    first, last = period(start, end)
    report_day = last if generated_on is None else as_day(generated_on, "generated_on")
    if title is None:
        title = f"Collection report: {Path(program.filename).name}"
    for name, value in (("title", title), ("source", source)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name}: expected a str, not {type(value).__name__}")
    if isinstance(cure_days, bool) or not isinstance(cure_days, int) or cure_days < 0:
        raise ValueError(f"cure_days: expected a whole number of days >= 0, not {cure_days!r}")
    labels = bucket_labels(buckets)
    states, unreadable = _read(program, accounts)
    done = _actions_of(actions, first, last, outcomes)

    table_of_cases = cases(program, states, start=first, end=last)

    def kpis_by(by: str | None) -> pd.DataFrame:
        return kpis(
            program, table_of_cases, done, start=first, end=last, by=by, cure_days=cure_days
        )

    overall = summary(program, table_of_cases, done, start=first, end=last, cure_days=cure_days)
    grouped = {by: kpis_by(by) for by in ("profile", "scenario", "channel")}
    aged = ageing(program, states, last, buckets=buckets)
    channels = _channel_order(program, done["channel"])
    outcome_counts = _outcome_counts(done, channels)

    figures_ = {
        "accounts": len(states),
        "unreadable_accounts": unreadable,
        **overall.to_dict(),
        "overdue_cents": int(aged["total"].sum()),
    }
    drawn: tuple[figures.Plot, ...] = ()
    missing_plots: str | None = None
    if plots:
        try:
            drawn = figures.draw(done, aged, labels, outcome_counts, channels=channels)
        except figures.PlotsUnavailable:
            missing_plots = f"Plots need matplotlib: {figures.PLOT_EXTRA}."
    shown = {plot.name: plot for plot in drawn}
    plots_note = element("p", missing_plots, class_="missing", data_note="plots")

    body = join(
        (
            sections.header(
                program, title, first, last, report_day, source, len(states), unreadable
            ),
            sections.headline(figures_, table_of_cases, done, cure_days, last),
            plots_note if missing_plots else "",
            sections.kpi_section(grouped, cure_days),
            sections.ageing_section(aged, labels, last, shown.get("ageing")),
            sections.actions_section(
                done, grouped["channel"], channels, shown, int(figures_["cost_cents"])
            ),
            sections.outcome_section(outcome_counts, shown.get("outcomes")),
            sections.definitions(cure_days, labels),
            element(
                "footer",
                "Made with dunforce. Money is exact to the cent; rates and means are rounded for "
                "display. The page loads nothing: its style and plots are inside it.",
            ),
        )
    )
    body = element("main", body, class_="dunforce-report")

    return Dashboard(
        title=title,
        start=first,
        end=last,
        generated_on=report_day,
        figures=figures_,
        plots=tuple(shown),
        html=page(title, body, generator=f"dunforce {__version__}"),
        fragment=fragment(body),
    )


def from_simulation(
    result: SimulationResult,
    *,
    title: str | None = None,
    generated_on: datetime.date | str | None = None,
    cure_days: int = 30,
    buckets: Sequence[int] = DEFAULT_BUCKETS,
    plots: bool = True,
) -> Dashboard:
    """The dashboard of a simulation: its final states, its actions and their drawn outcomes,
    over its period."""
    if not isinstance(result, SimulationResult):
        raise TypeError(f"result: expected a SimulationResult, not {type(result).__name__}")
    return dashboard(
        result.program,
        result.states,
        result.actions,
        start=result.start,
        end=result.end,
        title=title,
        generated_on=generated_on,
        source=(
            f"simulation with seed {result.seed} (a model, not a forecast: "
            "compare scenario sets with it)"
        ),
        cure_days=cure_days,
        buckets=buckets,
        plots=plots,
    )


# ------------------------------------------------------------------------------ the inputs


def _read(
    program: Program, accounts: Iterable[AccountState | Rejected] | Portfolio
) -> tuple[list[AccountState], int]:
    """The states to measure, read once, and how many accounts could not be read."""
    if isinstance(accounts, Portfolio):
        items: Iterable[object] = accounts.accounts(program.schema)
    elif isinstance(accounts, AccountState) or not isinstance(accounts, Iterable):
        raise TypeError(
            "accounts: expected an iterable of AccountState or a Portfolio, "
            f"not {type(accounts).__name__}"
        )
    else:
        items = accounts
    states, unreadable = [], 0
    for index, item in enumerate(items):
        if isinstance(item, Rejected):
            unreadable += 1
        elif isinstance(item, AccountState):
            states.append(item)
        else:
            raise TypeError(f"accounts[{index}]: expected an AccountState, not {item!r}")
    return states, unreadable


def _actions_of(
    actions: pd.DataFrame | Iterable[Action],
    first: datetime.date,
    last: datetime.date,
    outcomes: pd.DataFrame | None,
) -> pd.DataFrame:
    """The actions emitted in the period, with the columns the KPIs read and ``outcome``
    (``None`` where there is none; the column is left out when nothing gives outcomes)."""
    if not isinstance(actions, pd.DataFrame):
        if isinstance(actions, str | bytes) or not isinstance(actions, Iterable):
            raise TypeError(
                "actions: expected the actions table (dunforce.frames.actions_frame) or an "
                f"iterable of Action, not {type(actions).__name__}"
            )
        actions = actions_frame(actions)
    done = actions_between(actions, first, last)  # checks the columns and the days
    emitted = pd.to_datetime(actions["emitted_on"])
    inside = ((emitted >= pd.Timestamp(first)) & (emitted <= pd.Timestamp(last))).to_numpy()
    found: list[object] | None = None
    if outcomes is not None:
        if not isinstance(outcomes, pd.DataFrame):
            raise TypeError(f"outcomes: expected a DataFrame, not {type(outcomes).__name__}")
        for column in ("account_id", "key", "outcome"):
            if column not in outcomes.columns:
                raise ValueError(
                    f"outcomes: missing column {column!r} (it needs account_id, key, outcome)"
                )
        if "key" not in actions.columns:
            raise ValueError("actions: missing column 'key', which outcomes= is matched on")
        known = {
            (account, key): outcome
            for account, key, outcome in zip(
                outcomes["account_id"], outcomes["key"], outcomes["outcome"], strict=True
            )
            if _outcome(outcome) is not None
        }
        mine = actions.loc[inside, ["account_id", "key"]]
        found = [known.get(pair) for pair in zip(mine["account_id"], mine["key"], strict=True)]
    elif "outcome" in actions.columns:
        found = actions.loc[inside, "outcome"].tolist()
    if found is not None:
        done["outcome"] = pd.Series([_outcome(v) for v in found], dtype=object)
    return done


def _outcome(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value)
    return text if text.strip() else None


def _channel_order(program: Program, used: pd.Series) -> list[str]:
    """The channels used, in the program's registry order, then any other by name."""
    present = set(used.tolist())
    known = [channel.name for channel in program.channels if channel.name in present]
    return known + sorted(str(c) for c in present - set(known))


def _outcome_counts(done: pd.DataFrame, channels: Sequence[str]) -> pd.DataFrame | None:
    """Actions per channel (rows) and outcome (columns), or ``None`` when none has one."""
    if "outcome" not in done.columns or done["outcome"].isna().all():
        return None
    outcome = done["outcome"].where(done["outcome"].notna(), figures.NO_OUTCOME)
    counts = pd.crosstab(done["channel"], outcome)
    present = set(counts.columns) - {figures.NO_OUTCOME}
    order = [o for o in OUTCOMES if o in present] + sorted(present - set(OUTCOMES))
    if figures.NO_OUTCOME in counts.columns:
        order.append(figures.NO_OUTCOME)
    counts = counts.reindex(index=list(channels), columns=order, fill_value=0)
    return counts.astype("int64")
