"""The sections of the dashboard page: header, headline figures, tables, plots, definitions.

Each function turns tables that :mod:`dunforce.kpi` computed into escaped markup
(:mod:`.markup`), with the numbers written by :mod:`.formats`; none computes a KPI. Each table
is named (``data-table``) and each cell carries its column (``data-column``) and, for a number,
the exact figure behind the text (``data-value``), so that the page can be read by a program.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

import pandas as pd

from dunforce.program import Program
from dunforce.report import figures, formats
from dunforce.report.markup import Cell, Markup, element, join, paragraph, section, table

__all__ = [
    "NO_PROFILE",
    "actions_section",
    "ageing_section",
    "definitions",
    "header",
    "headline",
    "kpi_section",
    "outcome_section",
]

#: how a row of accounts without a profile is named
NO_PROFILE = "(no profile)"


def header(
    program: Program,
    title: str,
    first: datetime.date,
    last: datetime.date,
    report_day: datetime.date,
    source: str | None,
    accounts: int,
    unreadable: int,
) -> Markup:
    days = (last - first).days + 1
    lines = [
        element("h1", title),
        paragraph(
            join(
                (
                    "Period: ",
                    element("time", first.isoformat(), datetime=first.isoformat()),
                    " to ",
                    element("time", last.isoformat(), datetime=last.isoformat()),
                    f" ({formats.count(days)} day{'' if days == 1 else 's'}, both included)",
                )
            ),
            class_="meta",
        ),
        paragraph(
            join(
                (
                    "Generated for ",
                    element(
                        "time",
                        report_day.isoformat(),
                        datetime=report_day.isoformat(),
                        data_field="generated-on",
                    ),
                )
            ),
            class_="meta",
        ),
        paragraph(
            join(
                (
                    "Scenarios: ",
                    element("code", program.filename),
                    f" ({formats.count(len(program.profiles))} profiles); case threshold "
                    f"{formats.euros(int(program.case_threshold * 100))}",
                )
            ),
            class_="meta",
        ),
    ]
    read = f"Accounts: {formats.count(accounts)}"
    if unreadable:
        read += f" ({formats.count(unreadable)} more could not be read and are left out)"
    lines.append(paragraph(read, class_="meta"))
    if source:
        lines.append(paragraph(f"Source: {source}", class_="meta"))
    return element("header", join(lines))


def _card(key: str, label: str, value: str, detail: str, raw: object) -> Markup:
    return element(
        "div",
        join(
            (
                element("div", label, class_="label"),
                element("div", value, class_="value"),
                element("div", detail, class_="detail"),
            )
        ),
        class_="figure",
        data_figure=key,
        data_value=_attribute(raw),
    )


def _attribute(value: object) -> str | None:
    """An exact figure as ``data-value``: ints as they are, floats in their shortest form."""
    if value is None:
        return None
    if isinstance(value, float):
        return None if value != value else repr(value)
    return str(value)


def headline(
    figures_: Mapping[str, object],
    table: pd.DataFrame,
    done: pd.DataFrame,
    cure_days: int,
    last: datetime.date,
) -> Markup:
    cured = int(table["cured"].sum())
    matured = int(
        (table["opened"] <= pd.Timestamp(last - datetime.timedelta(days=cure_days))).sum()
    )
    owed, recovered = int(table["owed_cents"].sum()), int(table["recovered_cents"].sum())
    number_of_cases = int(figures_["cases"])
    actions, contacts = int(figures_["actions"]), int(figures_["contacts"])
    automatic = int((done["kind"] == "automatic").sum())
    cost = int(figures_["cost_cents"])
    cards = [
        _card(
            "accounts",
            "Accounts",
            formats.count(figures_["accounts"]),
            "read from the ledgers",
            figures_["accounts"],
        ),
        _card(
            "cases",
            "Cases",
            formats.count(number_of_cases),
            f"{formats.count(cured)} cured in the period",
            number_of_cases,
        ),
        _card(
            "recovery_rate",
            "Recovery rate",
            formats.percent(figures_["recovery_rate"]),
            f"{formats.euros(recovered)} recovered of {formats.euros(owed)} owed",
            figures_["recovery_rate"],
        ),
        _card(
            "cure_rate",
            f"Cure rate within {cure_days} days",
            formats.percent(figures_["cure_rate"]),
            f"of the {formats.count(matured)} cases opened {cure_days} days or more before the end",
            figures_["cure_rate"],
        ),
        _card(
            "avg_days_to_collect",
            "Average days to collect",
            formats.decimal(figures_["avg_days_to_collect"]),
            f"over the {formats.count(cured)} cured cases",
            figures_["avg_days_to_collect"],
        ),
        _card(
            "contacts_per_case",
            "Contacts per case",
            formats.decimal(figures_["contacts_per_case"], 2),
            f"{formats.count(contacts)} contacts",
            figures_["contacts_per_case"],
        ),
        _card(
            "cost_per_case",
            "Cost per case",
            formats.euros_per(cost, number_of_cases),
            f"{formats.euros(cost)} in all",
            figures_["cost_per_case_cents"],
        ),
        _card(
            "automation_rate",
            "Automation rate",
            formats.percent(figures_["automation_rate"]),
            f"{formats.count(automatic)} automatic, {formats.count(actions - automatic)} tasks",
            figures_["automation_rate"],
        ),
        _card(
            "actions",
            "Actions",
            formats.count(actions),
            "emitted in the period",
            actions,
        ),
        _card(
            "overdue",
            f"Overdue on {last.isoformat()}",
            formats.euros(figures_["overdue_cents"]),
            "unpaid charges past their due date",
            figures_["overdue_cents"],
        ),
    ]
    return element("section", join(cards), class_="headline", data_section="headline")


_KPI_HEADERS = (
    ("cases", "cases"),
    ("recovery_rate", "recovery rate"),
    ("cure_rate", "cure rate"),
    ("avg_days_to_collect", "avg days to collect"),
    ("actions", "actions"),
    ("contacts", "contacts"),
    ("contacts_per_case", "contacts per case"),
    ("cost_cents", "cost"),
    ("cost_per_case_cents", "cost per case"),
    ("automation_rate", "automation rate"),
)


def _kpi_row(row: Mapping[str, object]) -> list[Cell]:
    cases_, cost = int(row["cases"]), int(row["cost_cents"])
    shown = {
        "cases": formats.count(cases_),
        "recovery_rate": formats.percent(row["recovery_rate"]),
        "cure_rate": formats.percent(row["cure_rate"]),
        "avg_days_to_collect": formats.decimal(row["avg_days_to_collect"]),
        "actions": formats.count(row["actions"]),
        "contacts": formats.count(row["contacts"]),
        "contacts_per_case": formats.decimal(row["contacts_per_case"], 2),
        "cost_cents": formats.euros(cost),
        "cost_per_case_cents": formats.euros_per(cost, cases_),
        "automation_rate": formats.percent(row["automation_rate"]),
    }
    return [Cell(shown[key], number=True, value=_attribute(row[key])) for key, _ in _KPI_HEADERS]


def kpi_section(grouped: Mapping[str, pd.DataFrame], cure_days: int) -> Markup:
    parts: list[object] = [
        paragraph(
            f"Each row is a group's cases and actions in the period; the cure rate is within "
            f"{cure_days} days. By profile, a case counts in its profile on the day it opened; by "
            "scenario and by channel, in every scenario or channel that acted on it while it "
            "was open (so those rows may add up to more cases than there are).",
            class_="note",
        )
    ]
    headers = [label for _, label in _KPI_HEADERS]
    headers[2] = f"cure rate, {cure_days} days"
    for by, heading in (
        ("profile", "By profile"),
        ("scenario", "By scenario"),
        ("channel", "By channel"),
    ):
        frame = grouped[by]
        rows = []
        for record in frame.to_dict("records"):
            group = record[by]
            rows.append([NO_PROFILE if group is None else group, *_kpi_row(record)])
        parts.append(element("h3", heading))
        if rows:
            parts.append(
                table(
                    f"kpis-{by}",
                    [by, *headers],
                    rows,
                    columns=[by, *(key for key, _ in _KPI_HEADERS)],
                )
            )
        else:
            parts.append(paragraph("No case and no action in the period.", class_="note"))
    return section("kpis", "KPIs by profile, scenario and channel", parts)


def _plot(plot: figures.Plot | None) -> Markup:
    if plot is None:
        return Markup("")
    return element(
        "figure",
        join((Markup(plot.svg), element("figcaption", plot.caption, class_="note"))),
        class_="plot",
        data_plot=plot.name,
    )


def ageing_section(
    aged: pd.DataFrame, labels: Sequence[str], last: datetime.date, plot: figures.Plot | None
) -> Markup:
    intro = paragraph(
        f"What was overdue on {last.isoformat()}, per profile on that day, split by how long each "
        "unpaid charge had been overdue (payments settle the oldest charges first).",
        class_="note",
    )
    if not len(aged):
        return section(
            "ageing", "Arrears ageing", [intro, paragraph("Nothing was overdue.", class_="note")]
        )
    money_columns = [*labels, "total"]
    rows = []
    for record in aged.to_dict("records"):
        profile = record["profile"]
        rows.append(
            [
                NO_PROFILE if profile is None else profile,
                *(Cell(formats.euros(record[c]), True, int(record[c])) for c in money_columns),
                Cell(formats.count(record["accounts"]), True, int(record["accounts"])),
            ]
        )
    sums = {c: int(aged[c].sum()) for c in [*money_columns, "accounts"]}
    total = [
        "total",
        *(Cell(formats.euros(sums[c]), True, sums[c]) for c in money_columns),
        Cell(formats.count(sums["accounts"]), True, sums["accounts"]),
    ]
    headers = ["profile", *(f"{label} days" for label in labels), "total", "accounts"]
    columns = ["profile", *money_columns, "accounts"]
    return section(
        "ageing",
        "Arrears ageing",
        [intro, table("ageing", headers, rows, total=total, columns=columns), _plot(plot)],
    )


def actions_section(
    done: pd.DataFrame,
    by_channel: pd.DataFrame,
    channels: Sequence[str],
    shown: Mapping[str, figures.Plot],
    total_cost_cents: int,
) -> Markup:
    parts: list[object] = [
        paragraph(
            "The actions emitted in the period. Automatic actions are sent by the integrator's "
            "adapters; tasks (calls, visits, legal steps) are done by staff. Contacts reach the "
            "tenant (a report to the CAF or a hand-off to a bailiff does not).",
            class_="note",
        ),
        element("h3", "By channel"),
    ]
    if not len(done):
        parts.append(paragraph("No action was emitted in the period.", class_="note"))
        parts.append(_plot(shown.get("actions-by-channel")))
        return section("actions", "Actions by channel and by day", parts)
    kpi = by_channel.set_index("channel")
    automatic = done.loc[done["kind"] == "automatic", "channel"].value_counts()
    rows = []
    for channel in channels:
        actions = int(kpi.at[channel, "actions"])
        auto = int(automatic.get(channel, 0))
        rate = float(kpi.at[channel, "automation_rate"])
        rows.append(
            [
                channel,
                Cell(formats.count(actions), True, actions),
                Cell(formats.count(auto), True, auto),
                Cell(formats.count(actions - auto), True, actions - auto),
                Cell(formats.percent(rate), True, _attribute(rate)),
                Cell(
                    formats.count(kpi.at[channel, "contacts"]),
                    True,
                    int(kpi.at[channel, "contacts"]),
                ),
                Cell(
                    formats.euros(kpi.at[channel, "cost_cents"]),
                    True,
                    int(kpi.at[channel, "cost_cents"]),
                ),
            ]
        )
    total_actions = len(done)
    total_auto = int((done["kind"] == "automatic").sum())
    contacts = int(kpi["contacts"].sum())
    total = [
        "total",
        Cell(formats.count(total_actions), True, total_actions),
        Cell(formats.count(total_auto), True, total_auto),
        Cell(formats.count(total_actions - total_auto), True, total_actions - total_auto),
        Cell(
            formats.percent(total_auto / total_actions),
            True,
            _attribute(total_auto / total_actions),
        ),
        Cell(formats.count(contacts), True, contacts),
        # the total rounded once, as the headline's: the channels' rounded costs may differ
        Cell(formats.euros(total_cost_cents), True, total_cost_cents),
    ]
    parts.append(
        table(
            "actions-by-channel",
            ["channel", "actions", "automatic", "tasks", "automation rate", "contacts", "cost"],
            rows,
            total=total,
            columns=[
                "channel",
                "actions",
                "automatic",
                "tasks",
                "automation_rate",
                "contacts",
                "cost_cents",
            ],
        )
    )
    parts.append(_plot(shown.get("actions-by-channel")))
    parts.append(_plot(shown.get("actions-by-kind")))

    days = done["emitted_on"].dt.normalize()
    per_day = pd.crosstab(days, done["channel"]).reindex(columns=list(channels), fill_value=0)
    day_rows = []
    for day, counts in zip(per_day.index, per_day.itertuples(index=False), strict=True):
        values = [int(v) for v in counts]
        iso = pd.Timestamp(day).date().isoformat()
        day_rows.append(
            [
                iso,
                *(Cell(formats.count(v), True, v) for v in values),
                Cell(formats.count(sum(values)), True, sum(values)),
            ]
        )
    sums = [int(per_day[c].sum()) for c in channels]
    day_total = [
        "total",
        *(Cell(formats.count(v), True, v) for v in sums),
        Cell(formats.count(sum(sums)), True, sum(sums)),
    ]
    parts.append(element("h3", "By day"))
    parts.append(paragraph("The days on which at least one action was emitted.", class_="note"))
    parts.append(
        table(
            "actions-by-day",
            ["day", *channels, "total"],
            day_rows,
            total=day_total,
            columns=["day", *channels, "total"],
        )
    )
    return section("actions", "Actions by channel and by day", parts)


def outcome_section(counts: pd.DataFrame | None, plot: figures.Plot | None) -> Markup:
    if counts is None:
        return Markup("")
    outcomes = [str(c) for c in counts.columns]
    rows = []
    for channel, values in zip(counts.index, counts.itertuples(index=False), strict=True):
        numbers = [int(v) for v in values]
        rows.append(
            [
                channel,
                *(Cell(formats.count(v), True, v) for v in numbers),
                Cell(formats.count(sum(numbers)), True, sum(numbers)),
            ]
        )
    sums = [int(counts[c].sum()) for c in counts.columns]
    total = [
        "total",
        *(Cell(formats.count(v), True, v) for v in sums),
        Cell(formats.count(sum(sums)), True, sum(sums)),
    ]
    return section(
        "outcomes",
        "Outcomes by channel",
        [
            paragraph(
                "What became of each action, as recorded: delivered, failed or bounced for "
                "messages and letters; reached, not reached or a promise to pay for calls and "
                "visits.",
                class_="note",
            ),
            table(
                "outcomes",
                ["channel", *outcomes, "total"],
                rows,
                total=total,
                columns=["channel", *outcomes, "total"],
            ),
            _plot(plot),
        ],
    )


def definitions(cure_days: int, labels: Sequence[str]) -> Markup:
    terms = (
        (
            "case",
            "a late episode: it opens on the first day the overdue amount is above the case "
            "threshold and closes on the first later day it is back at or below it",
        ),
        (
            "recovery rate",
            "what was recovered (payments net of rejections, housing aid and credit notes, at most "
            "what was owed) out of the debt at opening plus the charges due while open",
        ),
        (
            "cure rate",
            f"among the cases opened at least {cure_days} days before the end of the period, the "
            f"share closed within {cure_days} days",
        ),
        (
            "average days to collect",
            "the mean number of days from opening to closing of the cured cases",
        ),
        ("contacts per case", "the actions that reach the tenant, divided by the cases"),
        (
            "cost per case",
            "the channels' unit costs over the period's actions, in exact euros rounded once to "
            "the cent, divided by the cases",
        ),
        ("automation rate", "the automatic actions out of all actions (the rest are staff tasks)"),
        (
            "ageing",
            "the unpaid part of each charge past its due date, by days overdue "
            f"({', '.join(labels)})",
        ),
    )
    items = join(join((element("dt", term), element("dd", meaning))) for term, meaning in terms)
    return section(
        "definitions",
        "How the figures are defined",
        [
            element("dl", items),
            paragraph(
                "The exact formulas are in dunforce's documentation, page “Collection KPIs” "
                "(docs/kpis.md).",
                class_="note",
            ),
        ],
    )
