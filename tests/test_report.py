"""The dashboard: its numbers are dunforce.kpi's, its text is escaped, its bytes are reproducible,
it builds without matplotlib, and ``dunforce report`` writes it or fails in one line.

The pages are read back with the standard library's HTML parser; every number shown is parsed
back from its French form (``1 234,56 €``, ``92,4 %``) and compared with the KPI it shows: money
to the cent, rates and means to the precision displayed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dunforce
from dunforce import AccountState, Charge, Payment, Portfolio, Rejection
from dunforce.frames import actions_frame
from dunforce.kpi import ageing, bucket_labels, kpis, summary
from dunforce.report import PLOT_EXTRA, Dashboard, dashboard, formats, from_simulation
from dunforce.report.command import add_parser

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "social_housing"
SCENARIOS = EXAMPLE / "scenarios.dfs"
DATA = EXAMPLE / "data"
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}


# ------------------------------------------------------------------------------ reading a page


VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})


class Node:
    def __init__(self, tag: str, attrs: list[tuple[str, str | None]]):
        self.tag = tag
        self.attrs = {name: value for name, value in attrs}
        self.children: list[Node | str] = []

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def having(self, name: str, value: str | None = None) -> list[Node]:
        return [
            n for n in self.walk() if name in n.attrs and (value is None or n.attrs[name] == value)
        ]

    def tagged(self, tag: str) -> list[Node]:
        return [n for n in self.walk() if n.tag == tag]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [])
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, attrs))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


class Page:
    """A dashboard as a reader sees it."""

    def __init__(self, markup: str):
        builder = _Builder()
        builder.feed(markup)
        builder.close()
        self.root = builder.root

    @property
    def text(self) -> str:
        return self.root.text()

    def card(self, key: str) -> dict[str, str | None]:
        """A headline figure: its label, value and detail as shown, and its data-value."""
        (node,) = self.root.having("data-figure", key)
        parts = {
            n.attrs["class"]: n.text() for n in node.walk() if n.tag == "div" and n is not node
        }
        return {**parts, "data": node.attrs.get("data-value")}

    @property
    def cards(self) -> list[str]:
        return [n.attrs["data-figure"] for n in self.root.having("data-figure")]

    @property
    def table_names(self) -> list[str]:
        return [n.attrs["data-table"] for n in self.root.having("data-table")]

    def _rows(self, name: str) -> list[tuple[bool, dict[str, str], dict[str, str | None]]]:
        (table,) = self.root.having("data-table", name)
        rows = []
        for row in table.tagged("tr"):
            cells = [c for c in row.children if isinstance(c, Node) and c.tag == "td"]
            if not cells:
                continue  # the header
            shown = {c.attrs["data-column"]: c.text() for c in cells}
            values = {c.attrs["data-column"]: c.attrs.get("data-value") for c in cells}
            rows.append((row.attrs.get("class") == "total", shown, values))
        return rows

    def rows(self, name: str) -> list[dict[str, str]]:
        """The rows of a table but its total, as ``{column: text shown}``."""
        return [shown for total, shown, _ in self._rows(name) if not total]

    def values(self, name: str) -> list[dict[str, str | None]]:
        """The same rows' ``data-value`` attributes."""
        return [values for total, _, values in self._rows(name) if not total]

    def total(self, name: str) -> dict[str, str]:
        (shown,) = [shown for total, shown, _ in self._rows(name) if total]
        return shown

    def headers(self, name: str) -> list[str]:
        (table,) = self.root.having("data-table", name)
        return [th.text() for th in table.tagged("th")]


def number(text: str) -> Decimal | None:
    """``1 234,56 €`` → 1234.56, ``92,4 %`` → 92.4, ``—`` → None."""
    cleaned = re.sub(r"[\s\u202f\u00a0€%]", "", text).replace(",", ".")
    return None if cleaned == "—" else Decimal(cleaned)


def cents(text: str) -> int:
    """Integer cents from euros as shown; exact."""
    value = number(text)
    assert value is not None, f"no amount in {text!r}"
    assert value == value.quantize(Decimal("0.01")), f"{text!r} is not to the cent"
    return int(value * 100)


def shows(text: str, value: float, *, scale: float = 1.0, decimals: int = 1) -> bool:
    """Whether ``text`` is ``value * scale`` rounded to ``decimals``; a dash for NaN."""
    shown = number(text)
    if value != value:
        return shown is None
    return shown is not None and abs(float(shown) - value * scale) <= 0.5 * 10**-decimals + 1e-9


# ------------------------------------------------------------------------------ inputs

WORKED = """\
profile apl_late: in_case and apl
profile late: in_case
profile other: otherwise

scenario reminder for other:
    email "rappel_echeance" at D-3

scenario gentle for apl_late:
    sms "relance_douce" at D+2
    call at D+10

scenario firm for late:
    sms "relance" at D+2
    letter "relance_2" at D+7
    letter "mise_en_demeure" registered at D+30 if debt > 0 €
"""
MARCH = {"start": "2026-03-01", "end": "2026-04-30"}


def worked_inputs():
    """The worked example of docs/kpis.md: three tenants stepped every day of March-April."""
    program = dunforce.compile(WORKED, contact_policy=False)
    states = [
        AccountState(
            account_id="A1",
            attributes={"apl": True},
            ledger=(Charge("400.00", "2026-03-05"), Payment("400.00", "2026-03-18")),
        ),
        AccountState(
            account_id="A2",
            ledger=(
                Charge("500.00", "2026-03-05"),
                Payment("150.00", "2026-03-20", id="P1"),
                Rejection("2026-03-24", payment="P1"),
                Charge("500.00", "2026-04-05"),
                Payment("300.00", "2026-04-10"),
            ),
        ),
        AccountState(
            account_id="A3",
            ledger=(Charge("450.00", "2026-03-05"), Payment("450.00", "2026-03-05")),
        ),
    ]
    emitted = []
    day = datetime.date(2026, 3, 1)
    while day <= datetime.date(2026, 4, 30):
        for position, state in enumerate(states):
            found = program.step(state, day)
            states[position] = state.record(found)
            emitted.extend(found)
        day += datetime.timedelta(days=1)
    return program, states, actions_frame(emitted)


@pytest.fixture(scope="module")
def worked():
    return worked_inputs()


@pytest.fixture(scope="module")
def simulated():
    program = dunforce.load(SCENARIOS)
    return dunforce.simulate(program, Portfolio.read_csv(DATA), **NOVEMBER, seed=3)


@pytest.fixture(scope="module")
def simulated_page(simulated):
    return from_simulation(simulated)


# ------------------------------------------------------------------------------ the numbers


def test_the_worked_example_shows_the_figures_worked_out_by_hand(worked):
    # docs/kpis.md: recovery (400 + 300) / (400 + 1000), A1 cured in 12 days and A2 not, 8
    # actions (all contacts) on 2 cases, 12,22 € in all, the call and the registered letter
    # are tasks; A2 still owes 700 € on 30 April
    program, states, actions = worked
    page = Page(dashboard(program, states, actions, **MARCH).html)
    shown = {key: page.card(key)["value"] for key in page.cards}
    assert shown == {
        "accounts": "3",
        "cases": "2",
        "recovery_rate": "50,0 %",
        "cure_rate": "50,0 %",
        "avg_days_to_collect": "12,0",
        "contacts_per_case": "4,00",
        "cost_per_case": "6,11 €",
        "automation_rate": "75,0 %",
        "actions": "8",
        "overdue": "700,00 €",
    }
    assert page.card("recovery_rate")["detail"] == "700,00 € recovered of 1 400,00 € owed"
    assert page.card("cost_per_case")["detail"] == "12,22 € in all"
    assert page.card("automation_rate")["detail"] == "6 automatic, 2 tasks"
    assert page.card("cure_rate")["label"] == "Cure rate within 30 days"
    by_channel = {row["channel"]: row for row in page.rows("actions-by-channel")}
    assert by_channel["letter"]["cost_cents"] == "8,10 €"
    assert by_channel["call"]["tasks"] == "1" and by_channel["email"]["actions"] == "3"
    assert page.rows("ageing") == [
        {
            "profile": "late",
            "0-30": "500,00 €",
            "31-60": "200,00 €",
            "61-90": "0,00 €",
            "91-180": "0,00 €",
            "180+": "0,00 €",
            "total": "700,00 €",
            "accounts": "1",
        }
    ]


def test_the_headline_figures_are_the_kpi_summary(simulated, simulated_page):
    program = simulated.program
    overall = summary(program, simulated.states, simulated.actions, **NOVEMBER)
    page = Page(simulated_page.html)
    card = page.card
    assert number(card("accounts")["value"]) == len(simulated.states)
    assert number(card("cases")["value"]) == overall["cases"]
    assert number(card("actions")["value"]) == overall["actions"] == len(simulated.actions)
    assert shows(card("recovery_rate")["value"], overall["recovery_rate"], scale=100)
    assert shows(card("cure_rate")["value"], overall["cure_rate"], scale=100)
    assert shows(card("automation_rate")["value"], overall["automation_rate"], scale=100)
    assert shows(card("avg_days_to_collect")["value"], overall["avg_days_to_collect"])
    assert shows(card("contacts_per_case")["value"], overall["contacts_per_case"], decimals=2)
    cost_per_case = cents(card("cost_per_case")["value"])
    assert abs(cost_per_case - overall["cost_per_case_cents"]) <= 0.5
    assert cents(card("cost_per_case")["detail"].removesuffix(" in all")) == overall["cost_cents"]
    aged = ageing(program, simulated.states, NOVEMBER["end"])
    assert cents(card("overdue")["value"]) == int(aged["total"].sum())
    # the data-value attributes carry the exact figures
    assert float(card("recovery_rate")["data"]) == overall["recovery_rate"]
    assert int(card("cases")["data"]) == overall["cases"]
    assert dict(simulated_page.figures) == {
        "accounts": len(simulated.states),
        "unreadable_accounts": 0,
        **overall.to_dict(),
        "overdue_cents": int(aged["total"].sum()),
    }


@pytest.mark.parametrize("by", ["profile", "scenario", "channel"])
def test_each_kpi_table_is_dunforce_kpi_row_by_row(simulated, simulated_page, by):
    expected = kpis(simulated.program, simulated.states, simulated.actions, **NOVEMBER, by=by)
    page = Page(simulated_page.html)
    rows = page.rows(f"kpis-{by}")
    assert [row[by] for row in rows] == [
        "(no profile)" if group is None else group for group in expected[by]
    ]
    assert len(rows) >= 5
    for row, record in zip(rows, expected.to_dict("records"), strict=True):
        assert number(row["cases"]) == record["cases"]
        assert number(row["actions"]) == record["actions"]
        assert number(row["contacts"]) == record["contacts"]
        assert cents(row["cost_cents"]) == record["cost_cents"]
        for rate in ("recovery_rate", "cure_rate", "automation_rate"):
            assert shows(row[rate], record[rate], scale=100), (rate, row[rate], record[rate])
        assert shows(row["avg_days_to_collect"], record["avg_days_to_collect"])
        assert shows(row["contacts_per_case"], record["contacts_per_case"], decimals=2)
        per_case = record["cost_per_case_cents"]
        if per_case != per_case:
            assert row["cost_per_case_cents"] == "—"
        else:
            assert abs(cents(row["cost_per_case_cents"]) - per_case) <= 0.5


def test_the_ageing_table_is_dunforce_kpi_ageing_to_the_cent(simulated, simulated_page):
    expected = ageing(simulated.program, simulated.states, NOVEMBER["end"])
    page = Page(simulated_page.html)
    rows = page.rows("ageing")
    labels = bucket_labels()
    assert len(rows) == len(expected) > 3
    for row, record in zip(rows, expected.to_dict("records"), strict=True):
        assert row["profile"] == record["profile"]
        for column in (*labels, "total"):
            assert cents(row[column]) == record[column]
        assert number(row["accounts"]) == record["accounts"]
    total = page.total("ageing")
    assert cents(total["total"]) == int(expected["total"].sum())
    assert page.headers("ageing")[1:3] == ["0-30 days", "31-60 days"]


def test_the_actions_by_channel_and_by_day_count_every_action_once(simulated, simulated_page):
    actions = simulated.actions
    page = Page(simulated_page.html)
    by_channel = {row["channel"]: row for row in page.rows("actions-by-channel")}
    counted = actions["channel"].value_counts()
    assert {c: number(r["actions"]) for c, r in by_channel.items()} == counted.to_dict()
    automatic = actions.loc[actions["kind"] == "automatic", "channel"].value_counts()
    for channel, row in by_channel.items():
        assert number(row["automatic"]) == int(automatic.get(channel, 0))
        assert number(row["automatic"]) + number(row["tasks"]) == int(counted[channel])
    assert number(page.total("actions-by-channel")["actions"]) == len(actions)
    overall = summary(simulated.program, simulated.states, actions, **NOVEMBER)
    assert cents(page.total("actions-by-channel")["cost_cents"]) == overall["cost_cents"]
    by_kpi = kpis(simulated.program, simulated.states, actions, **NOVEMBER, by="channel")
    for record in by_kpi.to_dict("records"):
        row = by_channel[record["channel"]]
        assert shows(row["automation_rate"], record["automation_rate"], scale=100)
        assert cents(row["cost_cents"]) == record["cost_cents"]
        assert number(row["contacts"]) == record["contacts"]

    per_day = actions.groupby(actions["emitted_on"].dt.date.map(str)).size()
    days = page.rows("actions-by-day")
    assert {row["day"]: number(row["total"]) for row in days} == per_day.to_dict()
    for row in days:
        channels = [c for c in row if c not in ("day", "total")]
        assert sum(number(row[c]) for c in channels) == number(row["total"])
    assert number(page.total("actions-by-day")["total"]) == len(actions)


def test_the_outcomes_by_channel_are_those_the_actions_carry(simulated, simulated_page):
    actions = simulated.actions
    page = Page(simulated_page.html)
    rows = {row["channel"]: row for row in page.rows("outcomes")}
    for (channel, outcome), number_ in actions.groupby(["channel", "outcome"]).size().items():
        assert number(rows[channel][outcome]) == number_
    none = actions[actions["outcome"].isna()]["channel"].value_counts()
    for channel, number_ in none.items():
        assert number(rows[channel]["(no outcome)"]) == number_
    assert number(page.total("outcomes")["total"]) == len(actions)


def test_outcomes_may_come_from_a_history_table(worked):
    program, states, actions = worked
    plain = Page(dashboard(program, states, actions, **MARCH).html)
    assert "outcomes" not in plain.table_names  # the actions carry none
    (a1, k1), (a2, k2) = zip(actions["account_id"][:2], actions["key"][:2], strict=True)
    assert k1 == k2 and a1 != a2  # the same reminder to two accounts: matched on both
    history = pd.DataFrame(
        {
            "account_id": [a1, a2, a1],
            "key": [k1, k2, "unknown"],
            "outcome": ["delivered", None, "reached"],
        }
    )
    page = Page(dashboard(program, states, actions, **MARCH, outcomes=history).html)
    total = page.total("outcomes")
    assert number(total["delivered"]) == 1
    assert number(total["(no outcome)"]) == len(actions) - 1
    assert "reached" not in total


def test_only_the_actions_of_the_period_count(worked):
    program, states, actions = worked
    april = dashboard(program, states, actions, start="2026-04-01", end="2026-04-30")
    in_april = actions[actions["emitted_on"] >= pd.Timestamp("2026-04-01")]
    assert april.figures["actions"] == len(in_april) == 1  # the registered letter of 4 April
    days = Page(april.html).rows("actions-by-day")
    assert [row["day"] for row in days] == ["2026-04-04"]


def test_a_period_without_cases_or_actions_shows_dashes(worked):
    program, states, actions = worked
    page = Page(dashboard(program, states[2:], actions.iloc[0:0], **MARCH).html)
    assert page.card("cases")["value"] == "0"
    for key in ("recovery_rate", "cure_rate", "avg_days_to_collect", "cost_per_case"):
        assert page.card(key)["value"] == "—"
    assert "No action was emitted in the period." in page.text
    assert "Nothing was overdue." in page.text


# ------------------------------------------------------------------------------ the page


def test_text_from_the_inputs_is_shown_as_text_never_as_markup(worked):
    program, states, actions = worked
    attack = "<script>alert('x')</script>"
    actions = actions.assign(
        scenario=actions["scenario"].where(actions["channel"] != "sms", attack),
        outcome=["<img src=x onerror=alert(1)>"] * len(actions),
    )
    built = dashboard(
        program,
        states,
        actions,
        **MARCH,
        title=f"Rapport {attack}",
        source='a journal named "><b>bold</b>',
    )
    markup = built.html
    assert "<script" not in markup.lower() and "<img" not in markup.lower()
    assert "<b>" not in markup
    page = Page(markup)
    assert not page.root.tagged("script") and not page.root.tagged("img")
    assert attack in [row["scenario"] for row in page.rows("kpis-scenario")]
    assert "<img src=x onerror=alert(1)>" in page.headers("outcomes")
    assert f"Rapport {attack}" in page.text
    (title,) = page.root.tagged("title")
    assert title.text() == f"Rapport {attack}"
    assert 'Source: a journal named "><b>bold</b>' in page.text


def test_a_file_name_with_markup_is_shown_as_text(worked):
    _, states, actions = worked
    program = dunforce.compile(WORKED, filename="<b>regles</b>.dfs", contact_policy=False)
    page = Page(dashboard(program, states, actions, **MARCH).html)
    assert not page.root.tagged("b")
    assert "<b>regles</b>.dfs" in page.text


def test_the_page_is_self_contained(simulated_page):
    markup = simulated_page.html
    page = Page(markup)
    assert markup.startswith("<!DOCTYPE html>\n")
    assert not page.root.tagged("script") and not page.root.tagged("link")
    assert not page.root.tagged("img") and not page.root.tagged("iframe")
    (policy,) = page.root.having("http-equiv", "Content-Security-Policy")
    assert policy.attrs["content"].startswith("default-src 'none'")
    # nothing to fetch: no src, no external href, no url() but the plots' own references
    assert not page.root.having("src")
    hrefs = [n.attrs.get("href") or n.attrs.get("xlink:href") for n in page.root.walk()]
    assert all(h.startswith("#") for h in hrefs if h)
    assert not re.search(r"url\((?!#)", markup)
    assert "@import" not in markup and "@font-face" not in markup
    # the four plots, each an inline SVG with ids of its own
    plots = page.root.having("data-plot")
    assert [p.attrs["data-plot"] for p in plots] == [
        "ageing",
        "actions-by-channel",
        "actions-by-kind",
        "outcomes",
    ]
    assert all(len(p.tagged("svg")) == 1 and len(p.tagged("path")) > 10 for p in plots)
    ids = [n.attrs["id"] for n in page.root.walk() if "id" in n.attrs]
    assert len(ids) == len(set(ids))


def test_the_same_inputs_give_the_same_bytes(worked, tmp_path):
    program, states, actions = worked
    first = dashboard(program, states, actions, **MARCH, generated_on="2026-05-02")
    second = dashboard(program, list(states), actions.copy(), **MARCH, generated_on="2026-05-02")
    assert first.plots == ("actions-by-channel", "actions-by-kind", "ageing")
    assert first.html == second.html
    a, b = first.write(tmp_path / "a.html"), second.write(tmp_path / "b.html")
    assert a.read_bytes() == b.read_bytes() == first.html.encode("utf-8")
    # the day printed is the one given, never the clock's
    page = Page(first.html)
    (day,) = page.root.having("data-field", "generated-on")
    assert day.text() == "2026-05-02"
    assert datetime.date.today().isoformat() not in first.html
    other = dashboard(program, states, actions, **MARCH, generated_on="2026-05-03")
    assert other.html.replace("2026-05-03", "2026-05-02") == first.html


def test_a_simulation_gives_the_same_page_in_a_fresh_process(tmp_path):
    code = (
        "import sys, dunforce\n"
        "from dunforce.report import from_simulation\n"
        f"program = dunforce.load({str(SCENARIOS)!r})\n"
        f"portfolio = dunforce.Portfolio.read_csv({str(DATA)!r})\n"
        "result = dunforce.simulate(program, portfolio, start='2026-11-01', end='2026-11-10')\n"
        "from_simulation(result).write(sys.argv[1])\n"
    )
    for name in ("one.html", "two.html"):
        subprocess.run([sys.executable, "-c", code, str(tmp_path / name)], check=True, cwd=ROOT)
    assert (tmp_path / "one.html").read_bytes() == (tmp_path / "two.html").read_bytes()


def test_without_matplotlib_the_page_has_its_tables_and_says_what_to_install(worked, monkeypatch):
    program, states, actions = worked
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    built = dashboard(program, states, actions, **MARCH)
    assert built.plots == ()
    page = Page(built.html)
    assert not page.root.tagged("svg") and not page.root.having("data-plot")
    (note,) = page.root.having("data-note", "plots")
    assert note.text() == f"Plots need matplotlib: {PLOT_EXTRA}."
    assert PLOT_EXTRA == "pip install 'dunforce[plot]'"
    assert {"kpis-profile", "kpis-scenario", "kpis-channel", "ageing"} <= set(page.table_names)
    assert page.card("recovery_rate")["value"] == "50,0 %"


def test_plots_may_be_left_out_on_purpose(worked):
    program, states, actions = worked
    built = dashboard(program, states, actions, **MARCH, plots=False)
    assert built.plots == () and "<svg" not in built.html
    assert not Page(built.html).root.having("data-note", "plots")


def test_in_a_notebook_the_report_is_a_fragment_with_its_scoped_style(worked):
    program, states, actions = worked
    built = dashboard(program, states, actions, **MARCH, plots=False)
    assert isinstance(built, Dashboard)
    shown = built._repr_html_()
    assert "<html" not in shown and "<!DOCTYPE" not in shown
    assert shown.startswith("<style>")
    style = shown[: shown.index("</style>")]
    selectors = [
        rule.split("{")[0] for rule in style.removeprefix("<style>").split("}") if "{" in rule
    ]
    assert all(
        s.strip().startswith(".dunforce-report") for rule in selectors for s in rule.split(",")
    )
    assert '<main class="dunforce-report">' in shown
    assert repr(built).startswith("Dashboard(title='Collection report: <string>'")


def test_the_arguments_are_checked_before_any_work(worked):
    program, states, actions = worked
    with pytest.raises(TypeError, match=r"program: expected a dunforce\.Program"):
        dashboard("rules.dfs", states, actions, **MARCH)
    with pytest.raises(ValueError, match="start: 2026-05-01 is after end"):
        dashboard(program, states, actions, start="2026-05-01", end="2026-04-30")
    with pytest.raises(TypeError, match="title: expected a str"):
        dashboard(program, states, actions, **MARCH, title=3)
    with pytest.raises(ValueError, match="cure_days"):
        dashboard(program, states, actions, **MARCH, cure_days=-1)
    with pytest.raises(TypeError, match="generated_on"):
        dashboard(program, states, actions, **MARCH, generated_on="soon")
    with pytest.raises(ValueError, match="outcomes: missing column 'outcome'"):
        frame = pd.DataFrame({"account_id": [], "key": []})
        dashboard(program, states, actions, **MARCH, outcomes=frame)
    with pytest.raises(ValueError, match="actions: missing column 'kind'"):
        dashboard(program, states, actions.drop(columns=["kind"]), **MARCH)
    with pytest.raises(TypeError, match="accounts: expected an iterable"):
        dashboard(program, states[0], actions, **MARCH)
    with pytest.raises(TypeError, match="result: expected a SimulationResult"):
        from_simulation(actions)
    unknown = actions.assign(channel="pigeon")
    with pytest.raises(ValueError, match="channel 'pigeon' is not a channel"):
        dashboard(program, states, unknown, **MARCH)


def test_a_portfolio_is_read_once_and_its_unreadable_accounts_are_counted():
    program = dunforce.load(SCENARIOS)
    tables = Portfolio.read_csv(DATA)
    broken = tables.tenants.copy()
    broken.loc[0, "apl"] = "peut-être"
    portfolio = Portfolio(
        tenants=broken,
        ledger=tables.ledger,
        events=tables.events,
        plans=tables.plans,
        history=tables.history,
    )
    built = dashboard(program, portfolio, [], **NOVEMBER, plots=False)
    assert built.figures["accounts"] == len(broken) - 1
    assert built.figures["unreadable_accounts"] == 1
    assert "(1 more could not be read and are left out)" in Page(built.html).text


# ------------------------------------------------------------------------------ the formats


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_euros_show_integer_cents_exactly(amount):
    shown = formats.euros(amount)
    assert shown.endswith(" €")
    assert cents(shown) == amount


@given(st.integers(min_value=0, max_value=10**10), st.integers(min_value=1, max_value=10**6))
def test_a_mean_of_cents_is_rounded_once_half_to_even(total, number_):
    shown = cents(formats.euros_per(total, number_))
    exact = Fraction(total, number_)
    assert abs(shown - exact) <= Fraction(1, 2)
    if abs(shown - exact) == Fraction(1, 2):  # a tie goes to the even cent
        assert shown % 2 == 0


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_a_rate_is_a_percentage_to_one_decimal(rate):
    assert shows(formats.percent(rate), rate, scale=100)


def test_the_formats_say_when_there_is_nothing_to_show():
    assert formats.percent(float("nan")) == formats.MISSING == "—"
    assert formats.decimal(float("nan")) == "—"
    assert formats.euros_per(100, 0) == "—"
    assert formats.count(1234567) == "1 234 567"
    with pytest.raises(TypeError, match="cents: expected a whole number"):
        formats.euros(1.5)


# ------------------------------------------------------------------------------ the command


def report(*args: str | Path) -> tuple[int, str, str]:
    """``dunforce report`` through a parser built as ``dunforce.cli`` builds its own."""
    parser = argparse.ArgumentParser(prog="dunforce")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_parser(commands)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            parsed = parser.parse_args(["report", *map(str, args)])
            code = parsed.run(parsed)
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_the_command_writes_the_dashboard_of_a_simulation(tmp_path, simulated):
    out = tmp_path / "report.html"
    code, stdout, stderr = report(
        SCENARIOS, "--data", DATA, "--simulate", "--start", "2026-11-01", "--end", "2026-11-30",
        "--seed", "3", "--out", out,
    )  # fmt: skip
    assert (code, stderr) == (0, "")
    assert stdout.splitlines() == [
        f"{SCENARIOS}, 2026-11-01 to 2026-11-30, simulated with seed 3",
        f"accounts: 300, cases: {simulated_page_cases(simulated)}, "
        f"actions: {len(simulated.actions)}, 4 plots",
        f"wrote {out}",
    ]
    # the same page as from_simulation gives for the same simulation
    assert out.read_text(encoding="utf-8") == from_simulation(simulated).html


def simulated_page_cases(result) -> int:
    return int(summary(result.program, result.states, result.actions, **NOVEMBER)["cases"])


def test_the_command_options_reach_the_page(tmp_path):
    out = tmp_path / "nov.html"
    code, _, stderr = report(
        SCENARIOS, "--data", DATA, "--simulate", "--start", "2026-11-01", "--end", "2026-11-07",
        "--out", out, "--title", "Novembre <test>", "--on", "2026-11-08", "--cure-days", "3",
        "--no-plots",
    )  # fmt: skip
    assert (code, stderr) == (0, "")
    page = Page(out.read_text(encoding="utf-8"))
    assert page.root.tagged("h1")[0].text() == "Novembre <test>"
    assert page.root.having("data-field", "generated-on")[0].text() == "2026-11-08"
    assert page.card("cure_rate")["label"] == "Cure rate within 3 days"
    assert not page.root.tagged("svg")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            [
                SCENARIOS,
                "--data",
                "no/such/dir",
                "--simulate",
                "--start",
                "2026-11-01",
                "--end",
                "2026-11-30",
            ],
            "dunforce report: --data no/such/dir: no such directory",
            id="missing-data",
        ),
        pytest.param(
            [
                SCENARIOS,
                "--data",
                DATA,
                "--simulate",
                "--start",
                "2026-11-31",
                "--end",
                "2026-12-01",
            ],
            "dunforce report: --start '2026-11-31': not a date; write it as YYYY-MM-DD, "
            "such as 2026-03-04",
            id="bad-date",
        ),
        pytest.param(
            [
                SCENARIOS,
                "--data",
                DATA,
                "--simulate",
                "--start",
                "2026-11-01",
                "--end",
                "30/11/2026",
            ],
            "dunforce report: --end '30/11/2026': not a date; write it as YYYY-MM-DD, "
            "such as 2026-03-04",
            id="french-date",
        ),
        pytest.param(
            [
                SCENARIOS,
                "--data",
                DATA,
                "--simulate",
                "--start",
                "2026-11-30",
                "--end",
                "2026-11-01",
            ],
            "dunforce report: --end 2026-11-01 is before --start 2026-11-30",
            id="end-before-start",
        ),
        pytest.param(
            [
                "no/such.dfs",
                "--data",
                DATA,
                "--simulate",
                "--start",
                "2026-11-01",
                "--end",
                "2026-11-30",
            ],
            "dunforce report: no/such.dfs: no such file",
            id="missing-scenarios",
        ),
        pytest.param(
            [
                SCENARIOS,
                "--data",
                DATA,
                "--journal",
                "no/journal.sqlite",
                "--start",
                "2026-11-01",
                "--end",
                "2026-11-30",
            ],
            "dunforce report: --journal no/journal.sqlite: no such file",
            id="missing-journal",
        ),
        pytest.param(
            [
                SCENARIOS,
                "--data",
                DATA,
                "--simulate",
                "--seed",
                "-1",
                "--start",
                "2026-11-01",
                "--end",
                "2026-11-30",
            ],
            "dunforce report: --seed -1: expected a whole number >= 0",
            id="negative-seed",
        ),
        pytest.param(
            [
                SCENARIOS,
                "--data",
                DATA,
                "--simulate",
                "--start",
                "2026-11-01",
                "--end",
                "2026-11-30",
                "--out",
                "no/such/dir/report.html",
            ],
            "dunforce report: --out no/such/dir/report.html: no such directory no/such/dir",
            id="out-in-missing-directory",
        ),
    ],
)
def test_bad_inputs_exit_2_with_one_line_and_no_traceback(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative paths that do not exist, and nothing written here
    code, stdout, stderr = report(*args)
    assert (code, stdout, stderr) == (2, "", message + "\n")
    assert list(tmp_path.iterdir()) == []


def test_a_source_must_be_chosen_and_only_one():
    code, _, stderr = report(
        SCENARIOS, "--data", DATA, "--start", "2026-11-01", "--end", "2026-11-30"
    )
    assert code == 2 and "one of the arguments --journal --simulate is required" in stderr
    code, _, stderr = report(
        SCENARIOS, "--data", DATA, "--simulate", "--journal", "j.sqlite", "--start",
        "2026-11-01", "--end", "2026-11-30",
    )  # fmt: skip
    assert code == 2 and "not allowed with argument" in stderr
    assert "Traceback" not in stderr


def test_a_scenario_file_with_errors_exits_1_with_its_message(tmp_path):
    rules = tmp_path / "rules.dfs"
    rules.write_text("profile p: days_lat > 3\n", encoding="utf-8")
    code, stdout, stderr = report(
        rules, "--data", DATA, "--simulate", "--start", "2026-11-01", "--end", "2026-11-02",
        "--out", tmp_path / "r.html",
    )  # fmt: skip
    assert code == 1 and stdout == ""
    assert "rules.dfs:1:12: error" in stderr and "did you mean 'days_late'?" in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "r.html").exists()


def test_the_help_describes_both_sources_examples_and_exit_codes():
    code, stdout, _ = report("--help")
    assert code == 0
    for text in ("--journal PATH", "--simulate", "examples:", "Exit codes: 0 written"):
        assert text in stdout


def dunforce_main(*args: str | Path) -> int:
    """The ``dunforce`` command line in this process, its output swallowed."""
    from dunforce import cli

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return cli.main([str(a) for a in args])


def test_the_command_reports_what_the_daily_job_recorded_in_its_journal(tmp_path):
    from dunforce.journal import Journal

    journal = tmp_path / "journal.sqlite"
    for day in ("2026-11-02", "2026-11-03", "2026-11-09"):
        assert dunforce_main(
            "run", SCENARIOS, "--data", DATA, "--date", day, "--journal", journal,
            "--out", tmp_path / day,
        ) == 0  # fmt: skip
    with Journal(journal) as opened:
        recorded = opened.actions()
    sms = recorded[recorded["channel"] == "sms"].head(2)
    letter = recorded[recorded["channel"] == "letter"].head(1)
    reported = tmp_path / "outcomes.csv"
    with reported.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["account_id", "key", "outcome", "on"])
        for frame, outcome in ((sms, "delivered"), (letter, "failed")):
            for account, key in zip(frame["account_id"], frame["key"], strict=True):
                writer.writerow([account, key, outcome, "2026-11-09"])
    assert dunforce_main("outcomes", reported, "--journal", journal) == 0

    out = tmp_path / "report.html"
    code, stdout, stderr = report(
        SCENARIOS, "--data", DATA, "--journal", journal, "--start", "2026-11-01",
        "--end", "2026-11-09", "--out", out,
    )  # fmt: skip
    assert (code, stderr) == (0, "")
    assert stdout.splitlines()[0] == (
        f"{SCENARIOS}, 2026-11-01 to 2026-11-09, actions from {journal}"
    )
    page = Page(out.read_text(encoding="utf-8"))
    assert number(page.card("actions")["value"]) == len(recorded) > 100
    total = page.total("outcomes")
    assert (number(total["delivered"]), number(total["failed"])) == (2, 1)
    assert number(total["(no outcome)"]) == len(recorded) - 3
    # exactly the page of dashboard() on the journal's actions and the tables of DIR
    with Journal(journal) as opened:
        actions = opened.actions()
    expected = dashboard(
        dunforce.load(SCENARIOS),
        Portfolio.read_csv(DATA),
        actions,
        start="2026-11-01",
        end="2026-11-09",
        source="the actions recorded in the journal journal.sqlite",
    )
    assert out.read_text(encoding="utf-8") == expected.html

    code, _, _ = report(
        SCENARIOS, "--data", DATA, "--journal", journal, "--start", "2026-11-01",
        "--end", "2026-11-03", "--out", out, "--no-plots",
    )  # fmt: skip
    early = recorded[recorded["emitted_on"] <= pd.Timestamp("2026-11-03")]
    assert code == 0
    assert number(Page(out.read_text(encoding="utf-8")).card("actions")["value"]) == len(early)


def test_a_file_that_is_not_a_journal_exits_2(tmp_path):
    import sqlite3

    other = tmp_path / "other.sqlite"
    with contextlib.closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE t (x)")
    code, stdout, stderr = report(
        SCENARIOS, "--data", DATA, "--journal", other, "--start", "2026-11-01",
        "--end", "2026-11-09", "--out", tmp_path / "r.html",
    )  # fmt: skip
    assert (code, stdout) == (2, "")
    assert stderr.startswith(f"dunforce report: --journal {other}: ")
    assert "not a dunforce journal" in stderr and stderr.count("\n") == 1
    assert not (tmp_path / "r.html").exists()


# ------------------------------------------------------------------------------ the docs page

DOCS_PAGE = ROOT / "docs" / "report.md"
FENCE = re.compile(r"(?:<!--\s*([a-z]+)\s*-->\s*\n)?^```(\w+)\n(.*?)^```", re.S | re.M)


def docs_blocks(language: str) -> list[str]:
    text = DOCS_PAGE.read_text(encoding="utf-8")
    return [
        body
        for marker, found, body in FENCE.findall(text)
        if found == language and marker != "fragment"
    ]


def test_the_python_example_of_the_docs_page_runs():
    (code,) = docs_blocks("python")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_command_output_quoted_in_the_docs_is_what_it_prints(tmp_path, monkeypatch):
    quoted = next(block for block in docs_blocks("console") if "--simulate" in block)
    command, *printed = quoted.rstrip("\n").split("\n")
    command = command.removeprefix("$ ").replace("\\", "")
    for line in list(printed):
        if line.startswith("      "):  # the command's continued line
            command += " " + line.strip()
            printed.remove(line)
    args = command.split()
    assert args[:2] == ["dunforce", "report"] and args[-2:] == ["--out", "report.html"]
    monkeypatch.chdir(ROOT)
    out = tmp_path / "report.html"
    code, stdout, _ = report(*args[2:-1], out)
    assert code == 0
    assert stdout.replace(str(out), "report.html").rstrip("\n").split("\n") == printed


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_without_rich_the_progress_is_plain_lines(tmp_path, monkeypatch):
    from dunforce.report import command

    for name in ["rich", *(n for n in sys.modules if n.startswith("rich."))]:
        monkeypatch.setitem(sys.modules, name, None)  # importing rich or its parts fails
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    parser = argparse.ArgumentParser(prog="dunforce")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["report", str(SCENARIOS), "--data", str(DATA), "--simulate", "--start", "2026-11-01",
         "--end", "2026-11-02", "--no-plots", "--out", str(tmp_path / "r.html")]
    )  # fmt: skip
    with contextlib.redirect_stdout(io.StringIO()):
        assert command.handle(args) == 0
    assert terminal.getvalue().splitlines() == [
        f"compiling {SCENARIOS}...",
        f"reading the tables in {DATA}...",
        "simulating 2026-11-01 to 2026-11-02...",
        "computing the KPIs and drawing the plots...",
        f"writing {tmp_path / 'r.html'}...",
    ]
