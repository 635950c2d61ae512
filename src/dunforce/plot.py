"""Plots for notebooks: an account's timeline, actions per day, KPIs side by side.

matplotlib is an optional extra (``pip install 'dunforce[plot]'``): it is imported inside the
functions, so the rest of dunforce never needs it. Every plot gives each channel the same colour
and marker (:data:`CHANNEL_COLOURS`), labels its axes with their units, and returns what it drew
on — the ``Axes``, or the ``Figure`` when it made several — so a notebook can refine it.

Amounts are exact everywhere else in dunforce; here they become euros as floats only to be drawn.
"""

from __future__ import annotations

import datetime
import math
import zlib
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

import pandas as pd

from dunforce.errors import DunforceError
from dunforce.ledger import analyse
from dunforce.state import AccountState, Charge
from dunforce.values import to_date

if TYPE_CHECKING:  # matplotlib is optional: only for the annotations
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from dunforce.program import Program

__all__ = [
    "CHANNEL_COLOURS",
    "CHANNEL_MARKERS",
    "actions_per_day",
    "channel_colour",
    "channel_marker",
    "kpi_comparison",
    "timeline",
]

#: one colour per built-in channel, the same in every plot (matplotlib's tab10 palette)
CHANNEL_COLOURS: Mapping[str, str] = MappingProxyType(
    {
        "sms": "#1f77b4",
        "email": "#17becf",
        "letter": "#8c564b",
        "call": "#2ca02c",
        "visit": "#bcbd22",
        "plan": "#9467bd",
        "caf": "#ff7f0e",
        "bailiff": "#d62728",
        "task": "#7f7f7f",
    }
)
#: one marker per built-in channel, so that the channels read apart without colour too
CHANNEL_MARKERS: Mapping[str, str] = MappingProxyType(
    {
        "sms": "o",
        "email": "s",
        "letter": "D",
        "call": "^",
        "visit": "v",
        "plan": "P",
        "caf": "X",
        "bailiff": "*",
        "task": "h",
    }
)
#: colours for the channels an integrator registers, picked by a stable hash of the name
_OTHER_COLOURS = ("#e377c2", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd")
_OTHER_MARKERS = ("p", "<", ">", "d", "8", "H")
_KIND_COLOURS = {"automatic": "#1f77b4", "task": "#ff7f0e"}
#: the colours of compared scenario sets, in the order of the KPI table
_SET_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3")
_GROUPINGS = ("channel", "kind", "scenario", "profile")
#: more groups than this and the smallest are drawn together, so that colours stay apart
_MOST_GROUPS = 12
_OTHERS = "(others)"
_EXTRA = "dunforce's plots need matplotlib: pip install 'dunforce[plot]'"


def channel_colour(channel: str) -> str:
    """The colour of a channel in every plot; a channel of one's own gets a stable one.

    >>> channel_colour("sms")
    '#1f77b4'
    >>> channel_colour("whatsapp") == channel_colour("whatsapp")
    True
    """
    colour = CHANNEL_COLOURS.get(channel)
    if colour is None:
        colour = _OTHER_COLOURS[zlib.crc32(channel.encode("utf-8")) % len(_OTHER_COLOURS)]
    return colour


def channel_marker(channel: str) -> str:
    """The marker of a channel in every plot."""
    marker = CHANNEL_MARKERS.get(channel)
    if marker is None:
        marker = _OTHER_MARKERS[zlib.crc32(channel.encode("utf-8")) % len(_OTHER_MARKERS)]
    return marker


def _matplotlib():
    try:
        import matplotlib.dates as dates
        import matplotlib.pyplot as pyplot
        import matplotlib.ticker as ticker
    except ImportError as exc:
        raise ImportError(_EXTRA) from exc
    return pyplot, dates, ticker


def _euros(value: float, _position=None) -> str:
    return f"{value:,.0f} €".replace(",", "\u202f")


def _date_axis(ax, dates) -> None:
    locator = dates.AutoDateLocator(minticks=3, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))


def _channel_order(channels) -> list[str]:
    """Built-in channels in their usual order, then the others alphabetically."""
    present = set(channels)
    return [c for c in CHANNEL_COLOURS if c in present] + sorted(present - set(CHANNEL_COLOURS))


# ------------------------------------------------------------------------------ timeline


def _step_label(key: str, template: object) -> str:
    """``relance_1 D+2`` from ``gentle/sms:relance_1:D+2@2026-03-02``: what was sent, when."""
    step = key.split("/", 1)[-1].split("@", 1)[0]
    parts = step.split(":")
    offset = parts[-1] if len(parts) >= 3 else ""
    name = template if isinstance(template, str) and template else None
    if name is None:
        name = parts[1] if len(parts) >= 3 and parts[1] else parts[0]
    return f"{name} {offset}".strip()


def _account_actions(
    state: AccountState, actions: pd.DataFrame | None, first: datetime.date, last: datetime.date
) -> list[tuple[datetime.date, str, str]]:
    """``(emitted_on, channel, label)`` of the account's actions between two days, in order.

    A repeated step (``every 7 days``) is labelled at its first occurrence only: its markers
    say the rest.
    """
    found: list[tuple[datetime.date, str, str, object]] = []
    if actions is None:
        for issued in state.history:
            if first <= issued.emitted_on <= last:
                channel = issued.inferred_channel or "task"
                found.append((issued.emitted_on, channel, issued.key, None))
    else:
        if not isinstance(actions, pd.DataFrame):
            raise TypeError(f"actions must be an actions DataFrame or None, not {actions!r}")
        missing = {"account_id", "key", "channel", "emitted_on"} - set(actions.columns)
        if missing:
            raise ValueError(f"actions: missing columns {', '.join(sorted(missing))}")
        mine = actions[actions["account_id"] == state.account_id]
        templates = mine["template"] if "template" in mine.columns else [None] * len(mine)
        for key, channel, emitted, template in zip(
            mine["key"], mine["channel"], mine["emitted_on"], templates, strict=True
        ):
            day = pd.Timestamp(emitted).date()
            if first <= day <= last:
                found.append((day, str(channel), str(key), template))
    found.sort(key=lambda item: item[0])
    labelled: set[str] = set()
    shown = []
    for day, channel, key, template in found:
        series = key.split("#", 1)[0]  # the occurrences of one repeated step share it
        label = "" if series in labelled else _step_label(key, template)
        labelled.add(series)
        shown.append((day, channel, label))
    return shown


_LABEL_POINTS = 7  # font size of the action labels


def _noon(day: datetime.date) -> pd.Timestamp:
    return pd.Timestamp(day) + pd.Timedelta(hours=12)


_MAX_LANES = 8


def _label_actions(ax, dates, shown, balance, first: datetime.date, last: datetime.date) -> None:
    """Write each action's label in a band above the balance, in lanes so that labels do not
    overlap, each tied to its marker by a faint line; then leave room for the band."""
    from matplotlib.transforms import blended_transform_factory

    ndays = (last - first).days + 1
    ax.set_xlim(pd.Timestamp(first), pd.Timestamp(last) + pd.Timedelta(days=1))
    figure = ax.figure
    # the legend beside the axes takes some of the width the layout gives them
    width_points = 0.88 * ax.get_position().width * figure.get_figwidth() * 72
    height_points = max(ax.get_position().height * figure.get_figheight() * 72, 1.0)
    points_per_day = width_points / ndays
    lane_ends: list[float] = []
    # per action: its lane, and whether its label ends at the marker instead of starting there
    places: list[tuple[int, bool] | None] = []
    for day, _, label in shown:
        if not label:
            places.append(None)
            continue
        at = (day - first).days + 0.5  # markers sit at noon, inside their day
        width = (len(label) * 0.6 * _LABEL_POINTS + 6) / points_per_day
        leftwards = at + width > ndays  # would run past the right edge
        begin, end = (at - width, at) if leftwards else (at, at + width)
        free = [n for n, taken in enumerate(lane_ends) if taken <= begin]
        if free:
            lane = free[0]
        elif len(lane_ends) < _MAX_LANES:
            lane = len(lane_ends)
            lane_ends.append(0.0)
        else:  # too crowded to write it legibly: the marker alone says it
            places.append(None)
            continue
        lane_ends[lane] = end
        places.append((lane, leftwards))
    lane_height = 1.45 * _LABEL_POINTS / height_points
    band = len(lane_ends) * lane_height
    low = min(0.0, *balance.values())
    high = max(1.0, *balance.values())
    pad = 0.05 * (high - low)
    data_share = max(1.0 - band - 0.03, 0.35)
    bottom = low - pad
    ax.set_ylim(bottom, bottom + (high + pad - bottom) / data_share)
    text_place = blended_transform_factory(ax.transData, ax.transAxes)
    for (day, channel, label), place in zip(shown, places, strict=True):
        if place is None:
            continue
        lane, leftwards = place
        colour = channel_colour(channel)
        ax.annotate(
            label,
            xy=(_noon(day), balance[day]),
            xytext=(float(dates.date2num(_noon(day))), 1 - band + lane * lane_height),
            textcoords=text_place,
            fontsize=_LABEL_POINTS,
            color=colour,
            va="bottom",
            ha="right" if leftwards else "left",
            gid="action-label",
            arrowprops={
                "arrowstyle": "-",
                "color": colour,
                "alpha": 0.4,
                "linewidth": 0.6,
                "relpos": (1.0, 0.0) if leftwards else (0.0, 0.0),  # from the label's foot
                "shrinkA": 0,
            },
        )


def timeline(
    program: Program,
    state: AccountState,
    *,
    start: datetime.date | str,
    end: datetime.date | str,
    actions: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Axes:
    """An account day by day: its balance and overdue amount in euros, the due dates of its
    charges, and its actions as markers by channel, each labelled with its template and step.

    ``actions`` is an actions table (``dunforce.frames.actions_frame``; other accounts' rows are
    left out); without it, the account's ``history`` is drawn. ``program`` gives the case
    threshold (what counts as overdue) and the profile named in the title.
    """
    if not isinstance(state, AccountState):
        raise TypeError(f"state must be an AccountState, not {type(state).__name__}")
    first, last = to_date(start, "start"), to_date(end, "end")
    if last < first:
        raise ValueError(f"end ({last}) is before start ({first})")
    pyplot, dates, ticker = _matplotlib()
    if ax is None:
        _, ax = pyplot.subplots(figsize=(11, 4.5), layout="constrained")

    threshold = int(program.case_threshold * 100)
    names = frozenset({"balance", "debt"})
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    balance: dict[datetime.date, float] = {}
    overdue = []
    for day in days:
        values = analyse(state, day, threshold=threshold, names=names).values
        balance[day] = values["balance"] / 100
        overdue.append(values["debt"] / 100)
    # one more point, so that the last day is drawn as wide as the others
    x = pd.to_datetime([*days, last + datetime.timedelta(days=1)])
    overdue.append(overdue[-1])
    ax.fill_between(
        x,
        0,
        overdue,
        step="post",
        color="#d62728",
        alpha=0.15,
        linewidth=0,
        label="overdue",
        gid="overdue",
    )
    ax.step(
        x,
        [*balance.values(), balance[last]],
        where="post",
        color="#222222",
        linewidth=1.6,
        label="balance",
        gid="balance",
    )
    ax.axhline(0, color="#999999", linewidth=0.8)

    due_days = sorted(
        {e.due for e in state.ledger if isinstance(e, Charge) and first <= e.due <= last}
    )
    for n, due in enumerate(due_days):
        ax.axvline(
            pd.Timestamp(due),
            color="#7f7f7f",
            linestyle=(0, (2, 3)),
            linewidth=0.9,
            label="due date" if n == 0 else None,
            gid="due-date",
        )

    shown = _account_actions(state, actions, first, last)
    by_channel: dict[str, list[tuple[datetime.date, str]]] = {}
    for day, channel, label in shown:
        by_channel.setdefault(channel, []).append((day, label))
    for channel in _channel_order(by_channel):
        points = by_channel[channel]
        ax.scatter(
            [_noon(day) for day, _ in points],
            [balance[day] for day, _ in points],
            s=46,
            color=channel_colour(channel),
            marker=channel_marker(channel),
            edgecolors="white",
            linewidths=0.6,
            zorder=3,
            label=channel,
            gid=f"actions:{channel}",
        )
    _label_actions(ax, dates, shown, balance, first, last)
    try:
        profile = f" ({program.profile_of(state, last) or 'no profile'})"
    except DunforceError:  # data the profiles need is missing: the ledger can still be drawn
        profile = ""
    ax.set_title(
        f"Account {state.account_id}{profile}: balance and actions, "
        f"{first.isoformat()} to {last.isoformat()}"
    )
    ax.set_xlabel("date")
    ax.set_ylabel("balance (€)")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(_euros))
    _date_axis(ax, dates)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.7)
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, borderaxespad=0)
    return ax


# ------------------------------------------------------------------------------ actions per day


def _group_colours(by: str, groups: Sequence[str]) -> list[str]:
    if by == "channel":
        return [channel_colour(g) for g in groups]
    if by == "kind":
        return [_KIND_COLOURS.get(g, "#7f7f7f") for g in groups]
    from matplotlib import colormaps

    palette = colormaps["tab20"]
    return [palette(i % palette.N) for i in range(len(groups))]


def actions_per_day(actions: pd.DataFrame, *, ax: Axes | None = None, by: str = "channel") -> Axes:
    """Stacked bars of the actions emitted each day, by channel (or ``kind``, ``scenario``,
    ``profile``): the load a run or a simulation puts on each channel and team."""
    if not isinstance(actions, pd.DataFrame):
        raise TypeError(f"actions must be an actions DataFrame, not {type(actions).__name__}")
    if by not in _GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(map(repr, _GROUPINGS))}, not {by!r}")
    missing = {"emitted_on", by} - set(actions.columns)
    if missing:
        raise ValueError(f"actions: missing columns {', '.join(sorted(missing))}")
    pyplot, dates, ticker = _matplotlib()
    if ax is None:
        _, ax = pyplot.subplots(figsize=(11, 4), layout="constrained")

    days = pd.to_datetime(actions["emitted_on"]).dt.normalize()
    groups = actions[by].astype(object).where(actions[by].notna(), "(none)").astype(str)
    counts = pd.crosstab(days, groups) if len(actions) else pd.DataFrame()
    if by == "channel":
        order = _channel_order(counts.columns)
    else:
        order = sorted(counts.columns, key=lambda g: (-int(counts[g].sum()), g))
    colours = _group_colours(by, order)
    if by != "channel" and len(order) > _MOST_GROUPS:  # the smallest share one bar and colour
        rest = order[_MOST_GROUPS - 1 :]
        counts = counts.assign(**{_OTHERS: counts[rest].sum(axis=1)})
        order = [*order[: _MOST_GROUPS - 1], _OTHERS]
        colours = [*colours[: _MOST_GROUPS - 1], "#b0b0b0"]
    bottom = [0] * len(counts)
    for group, colour in zip(order, colours, strict=True):
        heights = counts[group].tolist()
        ax.bar(counts.index, heights, width=0.8, bottom=bottom, color=colour, label=group)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]

    ax.set_title(f"Actions per day by {by} ({len(actions):,} actions)")
    ax.set_xlabel("emitted on")
    ax.set_ylabel("actions per day")
    ax.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.7)
    ax.set_axisbelow(True)
    if len(counts):
        _date_axis(ax, dates)
        ax.legend(title=by, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        ax.text(0.5, 0.5, "no actions", transform=ax.transAxes, ha="center", color="#777777")
    return ax


# ------------------------------------------------------------------------------ KPIs


def _unit(name: str, column: pd.Series) -> str:
    """``€`` for ``*_cents``, ``%`` for a rate or share in [0, 1], ``days``, or ``""``."""
    words = str(name).lower().split("_")
    if words[-1] == "cents":
        return "€"
    values = pd.to_numeric(column, errors="coerce").dropna()
    in_unit_interval = bool(((values >= 0) & (values <= 1)).all())
    if ({"rate", "share", "ratio"} & set(words)) and in_unit_interval:
        return "%"
    if "days" in words:
        return "days"
    return ""


def _scaled(values: pd.Series, unit: str) -> list[float]:
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    if unit == "€":
        numbers = numbers / 100
    elif unit == "%":
        numbers = numbers * 100
    return numbers.tolist()


def _metric_label(name: str) -> str:
    text = str(name)
    return text[: -len("_cents")] if text.endswith("_cents") else text


def _value_text(value: float, unit: str) -> str:
    if math.isnan(value):
        return ""
    if unit == "€":
        return _euros(value) if abs(value) >= 100 else f"{value:.2f} €"
    if unit == "%":
        return f"{value:.1f} %"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}".replace(",", "\u202f")


def _unit_axis(ax, unit: str, ticker) -> None:
    """Euros as euros; percentages on a scale that starts at 0 and reaches 100."""
    if unit == "€":
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(_euros))
    elif unit == "%":
        ax.set_ylim(0, max(100.0, ax.get_ylim()[1]))


_AXIS_LABELS = {"€": "euros (€)", "%": "percent (%)", "days": "days", "": "value"}


def kpi_comparison(
    kpis: pd.DataFrame,
    *,
    metrics: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes | Figure:
    """Scenario sets side by side on their KPIs: ``kpis`` has one row per scenario set (the
    index names it) and one column per KPI.

    A rate (a column named ``…_rate…``/``…_share…`` with values in [0, 1]) is shown as a
    percentage, a ``…_cents`` column in euros. Metrics of one unit are grouped bars on one
    ``Axes``; metrics of several units get one small plot each, and the ``Figure`` is returned.
    """
    if not isinstance(kpis, pd.DataFrame):
        raise TypeError(f"kpis must be a DataFrame, not {type(kpis).__name__}")
    if kpis.empty:
        raise ValueError("kpis: the table has no rows or no columns")
    if metrics is None:
        metrics = [c for c in kpis.columns if pd.api.types.is_numeric_dtype(kpis[c])]
        if not metrics:
            raise ValueError("kpis: no numeric column to compare")
    else:
        if isinstance(metrics, str):
            raise TypeError("metrics must be a sequence of column names, not one name")
        metrics = list(metrics)
        unknown = [m for m in metrics if m not in kpis.columns]
        if unknown or not metrics:
            raise ValueError(
                f"metrics: {', '.join(map(repr, unknown)) or 'none given'} not among the "
                f"columns of kpis ({', '.join(map(str, kpis.columns))})"
            )
    units = {m: _unit(m, kpis[m]) for m in metrics}
    sets = [str(s) for s in kpis.index]
    colours = [_SET_COLOURS[i % len(_SET_COLOURS)] for i in range(len(sets))]
    pyplot, _, ticker = _matplotlib()

    if len(set(units.values())) == 1:
        unit = units[metrics[0]]
        if ax is None:
            width = max(6.0, 1.2 + len(metrics) * (0.5 + 0.35 * len(sets)))
            _, ax = pyplot.subplots(figsize=(min(width, 14.0), 4), layout="constrained")
        bar = 0.8 / len(sets)
        for n, (name, colour) in enumerate(zip(sets, colours, strict=True)):
            heights = [_scaled(kpis[m], unit)[n] for m in metrics]
            positions = [i + (n - (len(sets) - 1) / 2) * bar for i in range(len(metrics))]
            bars = ax.bar(positions, heights, width=bar, color=colour, label=name)
            ax.bar_label(bars, labels=[_value_text(h, unit) for h in heights], fontsize=7)
        ax.set_xticks(range(len(metrics)), [_metric_label(m) for m in metrics])
        ax.set_ylabel(_AXIS_LABELS[unit])
        ax.set_title("KPIs by scenario set")
        ax.margins(y=0.15)
        ax.grid(axis="y", color="#e5e5e5", linewidth=0.7)
        ax.set_axisbelow(True)
        ax.legend(
            title=kpis.index.name or "scenario set",
            fontsize=8,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            borderaxespad=0,
        )
        _unit_axis(ax, unit, ticker)
        return ax

    if ax is not None:
        found = ", ".join(f"{m} ({units[m] or 'plain'})" for m in metrics)
        raise ValueError(
            f"metrics of different units cannot share one ax: {found}; pass metrics= of one "
            "unit, or no ax for one plot per metric"
        )
    columns = 2 if len(metrics) == 4 else min(len(metrics), 3)
    rows = math.ceil(len(metrics) / columns)
    figure, axes = pyplot.subplots(
        rows,
        columns,
        figsize=(1.0 + columns * max(2.8, 0.9 * len(sets) + 1.0), 3.2 * rows),
        squeeze=False,
        layout="constrained",
    )
    flat = axes.ravel()
    for metric, axis in zip(metrics, flat, strict=False):
        unit = units[metric]
        heights = _scaled(kpis[metric], unit)
        bars = axis.bar(range(len(sets)), heights, color=colours, width=0.7)
        axis.bar_label(bars, labels=[_value_text(h, unit) for h in heights], fontsize=7)
        axis.set_xticks(range(len(sets)), sets, rotation=20 if len(sets) > 2 else 0)
        axis.set_title(_metric_label(metric), fontsize=10)
        axis.set_ylabel(_AXIS_LABELS[unit])
        axis.margins(y=0.18)
        axis.grid(axis="y", color="#e5e5e5", linewidth=0.7)
        axis.set_axisbelow(True)
        _unit_axis(axis, unit, ticker)
    for axis in flat[len(metrics) :]:
        axis.set_visible(False)
    figure.suptitle("KPIs by scenario set")
    return figure
