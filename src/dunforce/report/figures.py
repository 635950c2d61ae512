"""The dashboard's plots, drawn with matplotlib and written as inline SVG.

matplotlib is the optional ``plot`` extra: :func:`draw` raises :class:`PlotsUnavailable` when it
cannot be imported, and the dashboard is then built with its tables only. The SVG is made to be
placed inside an HTML page and to be the same bytes for the same inputs: text drawn as paths (no
font to fetch), no creation date, ids salted per plot and prefixed with the plot's name (so that
two plots on one page never share an id), comments and metadata left out. Figures are built
with ``matplotlib.figure.Figure``, never ``pyplot``: nothing global is touched.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence

import attrs
import pandas as pd

from dunforce import plot
from dunforce.templates.filters import format_number

__all__ = ["NO_OUTCOME", "PLOT_EXTRA", "Plot", "PlotsUnavailable", "draw"]

#: what to install for the plots
PLOT_EXTRA = "pip install 'dunforce[plot]'"

#: the ageing buckets from the youngest to the oldest: yellow to dark red
_AGE_COLOURS = ("#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000", "#7f0000")
_OUTCOME_COLOURS = (
    "#4c72b0",
    "#55a868",
    "#dd8452",
    "#c44e52",
    "#8172b3",
    "#937860",
    "#da8bc3",
    "#8c8c8c",
    "#ccb974",
    "#64b5cd",
)
#: the column of the actions without a recorded outcome
NO_OUTCOME = "(no outcome)"
_REFERENCE = re.compile(r'(\bid="|xlink:href="#|\bhref="#|url\(#)([^"\)]+)')


class PlotsUnavailable(ImportError):
    """matplotlib cannot be imported: the dashboard is built without plots."""


@attrs.frozen
class Plot:
    """One plot of the page: a stable name (``actions-by-channel``), a caption, its SVG."""

    name: str
    caption: str
    svg: str = attrs.field(repr=False)


def _matplotlib():
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise PlotsUnavailable(f"the plots need matplotlib: {PLOT_EXTRA}") from exc
    return matplotlib, Figure


def _plot(matplotlib, figure, name: str, caption: str) -> Plot:
    """The figure as an ``<svg>`` element to place in HTML, the same bytes every time."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"dunforce-{name}", "svg.fonttype": "path"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    markup = buffer.getvalue()
    markup = markup[markup.index("<svg") :]  # no XML declaration, no DOCTYPE in HTML
    markup = re.sub(r"<metadata>.*?</metadata>\s*", "", markup, flags=re.S)
    markup = re.sub(r"<!--.*?-->\s*", "", markup, flags=re.S)
    markup = _REFERENCE.sub(lambda m: f"{m.group(1)}{name}-{m.group(2)}", markup)
    label = html.escape(caption, quote=True)
    return Plot(name, caption, markup.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))


def draw(
    actions: pd.DataFrame,
    ageing: pd.DataFrame,
    buckets: Sequence[str],
    outcomes: pd.DataFrame | None,
    *,
    channels: Sequence[str],
) -> tuple[Plot, ...]:
    """The plots of the page, in order: actions per day by channel and by kind, the arrears
    by age, and the outcomes by channel when there are any.

    ``actions`` are those of the period; ``ageing`` is :func:`dunforce.kpi.ageing`'s table
    with its bucket columns ``buckets``; ``outcomes`` is a table of counts, channels by
    outcome, in the order to draw.
    """
    matplotlib, figure_class = _matplotlib()
    plots = []
    for by, name, caption in (
        ("channel", "actions-by-channel", "Actions per day, by channel"),
        ("kind", "actions-by-kind", "Actions per day: automatic, or a task for staff"),
    ):
        figure = figure_class(figsize=(11, 3.8), layout="constrained")
        plot.actions_per_day(actions, ax=figure.add_subplot(), by=by)
        plots.append(_plot(matplotlib, figure, name, caption))
    if len(ageing):
        figure = _ageing_figure(figure_class, ageing, buckets)
        plots.append(_plot(matplotlib, figure, "ageing", "Arrears by age of the unpaid charges"))
    if outcomes is not None and len(outcomes):
        figure = _outcomes_figure(figure_class, outcomes, channels)
        plots.append(_plot(matplotlib, figure, "outcomes", "Outcomes by channel"))
    return tuple(plots)


def _euro_ticks(value: float, _position: object = None) -> str:
    """An axis tick in whole euros, French style: ``1 000 €``."""
    return f"{format_number(round(value))} €"


def _ageing_figure(figure_class, ageing: pd.DataFrame, buckets: Sequence[str]):
    """Horizontal bars, one per profile, split by the age of what it owes, in euros."""
    labels = ["(no profile)" if p is None else str(p) for p in ageing["profile"]]
    height = max(2.6, 0.32 * len(labels) + 1.4)
    figure = figure_class(figsize=(11, height), layout="constrained")
    ax = figure.add_subplot()
    positions = list(range(len(labels)))
    left = [0.0] * len(labels)
    colours = _AGE_COLOURS[-len(buckets) :] if len(buckets) <= len(_AGE_COLOURS) else None
    for index, bucket in enumerate(buckets):
        widths = [cents / 100 for cents in ageing[bucket].tolist()]
        colour = colours[index] if colours else None
        ax.barh(positions, widths, left=left, color=colour, label=f"{bucket} days", height=0.7)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_yticks(positions, labels, fontsize=8)
    ax.invert_yaxis()  # the program's profile order, top down
    ax.set_xlabel("overdue (€)")
    ax.xaxis.set_major_formatter(_euro_ticks)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.7)
    ax.set_axisbelow(True)
    ax.set_title("Arrears by profile and age of the unpaid charges")
    ax.legend(title="overdue for", fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


def _outcomes_figure(figure_class, outcomes: pd.DataFrame, channels: Sequence[str]):
    """Horizontal bars, one per channel, split by outcome, as shares of its actions."""
    height = max(2.4, 0.4 * len(channels) + 1.4)
    figure = figure_class(figsize=(11, height), layout="constrained")
    ax = figure.add_subplot()
    totals = outcomes.sum(axis=1).tolist()
    positions = list(range(len(channels)))
    left = [0.0] * len(channels)
    for index, outcome in enumerate(outcomes.columns):
        shares = [
            100 * n / total if total else 0.0
            for n, total in zip(outcomes[outcome].tolist(), totals, strict=True)
        ]
        colour = (
            "#d9d9d9" if outcome == NO_OUTCOME else _OUTCOME_COLOURS[index % len(_OUTCOME_COLOURS)]
        )
        ax.barh(positions, shares, left=left, color=colour, label=str(outcome), height=0.7)
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.set_yticks(positions, [str(c) for c in channels], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(lambda value, _position: f"{value:.0f} %")
    ax.set_xlabel("share of the channel's actions")
    ax.set_title("Outcomes by channel")
    ax.legend(title="outcome", fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure
