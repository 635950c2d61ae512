"""The HTML a notebook shows: complete, escaped, and markup of dunforce's own making only."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dunforce
from dunforce import AccountState, Charge, Issued, Payment
from dunforce.engine import walk
from dunforce.notebook import STATUS_COLOURS, explanation_html, program_html, summary_html

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "social_housing" / "scenarios.dfs"

#: every tag the module writes; anything else in its output came from the data
OWN_TAGS = {
    "div",
    "span",
    "code",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "details",
    "summary",
}
OWN_ATTRIBUTES = {"style", "open"}

RULES = """\
profile late:  in_case
profile other: otherwise

scenario remind for late:
    sms "relance_1" at D+2
    email "relance_2" at D+5
    call at D+9 if debt >= 1000 €
    letter "mise_en_demeure" at D+12
    sms "relance_3" at D+30
    stop when debt < 10 €

scenario quiet for late:
    email "suivi" at D+11
    pause while debt < 500 €

scenario prevent for other:
    email "rappel" at D-3

on rejection:
    sms "rejet" at E+1
"""


class Markup(HTMLParser):
    """The tags and attributes of a page, and whether every tag is closed in order."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self.open: list[str] = []
        self.misnested: list[str] = []
        self.text: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)
        self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.misnested.append(tag)
        else:
            self.open.pop()

    def handle_data(self, data):
        self.text.append(data)

    def rows(self) -> int:
        return self.tags.count("tr")


def assert_own_markup(page: str) -> Markup:
    markup = Markup(page)
    assert set(markup.tags) <= OWN_TAGS, set(markup.tags) - OWN_TAGS
    assert markup.attributes <= OWN_ATTRIBUTES, markup.attributes - OWN_ATTRIBUTES
    assert markup.open == [] and markup.misnested == []
    return markup


@pytest.fixture(scope="module")
def example():
    return dunforce.load(EXAMPLE)


# ------------------------------------------------------------------------------ programs


def test_the_example_program_lists_every_profile_and_block(example):
    page = program_html(example)
    assert_own_markup(page)
    for profile in example.compiled.profiles:
        assert f">{profile.name}</code>" in page, profile.name
        assert f">{html.escape(profile.text)}</code>" in page, profile.text
    for block in example.compiled.blocks:
        assert f">{html.escape(block.name)}</code>" in page, block.name
        for step in block.steps:
            assert f">{html.escape(step.text)}</code>" in page, step.text
    assert len(example.profiles) == 42


def test_profiles_keep_file_order_and_name_their_blocks(example):
    page = program_html(example)
    text = "".join(Markup(page).text)
    positions = [text.index(f"{p.name}{p.text}") for p in example.compiled.profiles]
    assert positions == sorted(positions)
    profiles_table = page.split("Blocks (")[0]
    senior = re.search(r">senior</code>.*?</tr>", profiles_table).group(0)
    assert "senior_care" in senior
    departing = re.search(r">departing</code>.*?</tr>", profiles_table).group(0)
    assert "senior_care" not in departing
    # blocks for every account are said once, not repeated in every row
    assert profiles_table.count("on-departure") == 1
    assert profiles_table.count("on-rejection~2") == 2  # bound to two profiles


def test_blocks_show_kind_audience_window_and_pauses():
    program = dunforce.compile(RULES, filename="rules.dfs", catch_up_days=4)
    page = program_html(program)
    markup = assert_own_markup(page)
    text = " ".join(markup.text)
    assert "4 d" in text
    assert "pause while debt &lt; 500 €" in page and "stop when debt &lt; 10 €" in page
    assert "on rejection: every account" in text
    assert "No warnings." in text


def test_warnings_are_listed_with_their_place():
    program = dunforce.compile(
        "profile a: in_case\nprofile b: otherwise\nscenario s for a:\n    sms at D+2\n",
        filename="lint.dfs",
    )
    assert program.warnings
    page = program_html(program)
    for warning in program.warnings:
        assert f"lint.dfs:{warning.line}:{warning.column}" in page
        assert html.escape(warning.message) in page
    assert f"Warnings ({len(program.warnings)})" in page


def test_scenario_text_cannot_inject_markup():
    source = (
        "attribute agency: text\n"
        "\n"
        "profile odd:   agency == \"<script>alert('x')</script>\"\n"
        "profile other: otherwise\n"
        "\n"
        "scenario remind for odd:\n"
        '    sms "relance" at D+2 if agency != "</td></tr></table><b>"\n'
    )
    program = dunforce.compile(source, filename="<img src=x onerror=alert(1)>.dfs")
    page = program_html(program)
    assert_own_markup(page)
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;.dfs" in page


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    literal=st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\'), max_size=30
    ),
    filename=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20),
)
def test_any_text_in_a_file_stays_text(literal, filename):
    source = (
        "attribute agency: text\n"
        f'profile odd: agency is set and agency == "{literal}"\n'
        "profile other: otherwise\n"
        "scenario remind for odd, other:\n"
        "    sms at D+2\n"
    )
    try:
        program = dunforce.compile(source, filename=filename)
    except dunforce.DslError:
        return  # a literal the language refuses: nothing to show
    page = program_html(program)
    markup = assert_own_markup(page)
    assert filename in "".join(markup.text)


# ------------------------------------------------------------------------------ explanations


def test_every_status_has_a_colour():
    statuses = {
        value
        for name, value in vars(walk).items()
        if name.isupper() and isinstance(value, str) and not name.startswith("_")
    }
    assert statuses <= set(STATUS_COLOURS)
    assert len(set(STATUS_COLOURS.values())) == len(STATUS_COLOURS)


@pytest.fixture(scope="module")
def explanation():
    program = dunforce.compile(RULES, filename="rules.dfs", contact_policy=False, catch_up_days=1)
    state = AccountState(
        account_id="<A&1>",
        ledger=(Charge("450.00", "2026-03-02"),),
        history=(Issued("remind/sms:relance_1:D+2@2026-03-02", "2026-03-04"),),
    )
    return program.explain(state, "2026-03-14")


def test_an_explanation_shows_each_status_row(explanation):
    page = explanation_html(explanation)
    markup = assert_own_markup(page)
    statuses = [s.status for s in explanation.statuses]
    assert {"done", "missed", "skipped", "fired", "waiting", "paused", "not due"} <= set(statuses)
    # the steps table: a header and one row per status; the actions table: a header and one
    assert page.split("Actions issued")[0].count("<tr>") == 1 + len(statuses)
    assert markup.rows() == 1 + len(statuses) + 1 + len(explanation.actions)
    for status in explanation.statuses:
        background, colour = STATUS_COLOURS[status.status]
        assert f"background:{background};color:{colour}" in page
        assert html.escape(status.step) in page
        if status.detail:
            assert html.escape(status.detail) in page
    assert "Account &lt;A&amp;1&gt; on 2026-03-14" in page
    assert html.escape(explanation.profile_reason) in page
    assert "fired</span>&nbsp;1" in page


def test_a_stopped_step_is_shown_stopped():
    program = dunforce.compile(RULES, filename="rules.dfs", contact_policy=False)
    state = AccountState(
        account_id="B2",
        ledger=(Charge("450.00", "2026-03-02"), Payment("445.00", "2026-03-10")),
    )
    explanation = program.explain(state, "2026-03-14")
    assert "stopped" in {s.status for s in explanation.statuses}
    background, colour = STATUS_COLOURS["stopped"]
    assert f"background:{background};color:{colour}" in explanation_html(explanation)


def test_an_explanation_displays_itself_in_a_notebook(explanation):
    assert explanation._repr_html_() == explanation_html(explanation)


# ------------------------------------------------------------------------------ summaries


def test_a_summary_shows_figures_and_the_first_rows_of_each_table():
    actions = pd.DataFrame(
        {
            "account_id": [f"A{n}" for n in range(25)],
            "emitted_on": pd.to_datetime(["2026-03-04"] * 25),
            "channel": ["sms"] * 24 + ["<b>x</b>"],
        }
    )
    kpis = pd.DataFrame({"recovery_rate": [0.5, 0.625]}, index=pd.Index(["a", "b"], name="set"))
    page = summary_html(
        "Run <2026-03-04>",
        {"accounts": 1234567, "rate": 0.8234, "cost": "12.30 €"},
        {"actions": actions, "kpis": kpis, "rejected": actions.iloc[:0]},
        rows=10,
    )
    markup = assert_own_markup(page)
    text = "".join(markup.text)
    assert "Run <2026-03-04>" in text and "<2026" not in page
    assert "1,234,567" in text and "0.8234" in text and "12.30 €" in text
    assert "actions — 25 rows" in text and "first 10 of 25 rows" in text
    assert "A9" in text and "A10" not in text
    assert "2026-03-04" in text and "00:00:00" not in text
    assert "kpis — 2 rows" in text and "set" in text and "0.625" in text
    assert "rejected — 0 rows" in text and "No rows." in text
    # figures: header and 3 rows; actions: header and 10; kpis: header and 2
    assert markup.rows() == 4 + 11 + 3


def test_summary_rows_zero_shows_counts_only():
    page = summary_html("t", {}, {"x": pd.DataFrame({"a": [1, 2, 3]})}, rows=0)
    assert "x — 3 rows" in page and "<table" not in page


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ((1, {}, {}), TypeError),
        (("t", [], {}), TypeError),
        (("t", {}, {"x": [1, 2]}), TypeError),
    ],
)
def test_summary_arguments_are_checked(arguments, error):
    with pytest.raises(error):
        summary_html(*arguments)


@pytest.mark.parametrize("rows", [-1, 2.5, True])
def test_summary_rows_must_be_a_whole_number(rows):
    with pytest.raises(ValueError, match="rows"):
        summary_html("t", {}, {}, rows=rows)


# ------------------------------------------------------------------------------ the docs page


BLOCK = re.compile(r"(?:<!--\s*([a-z]+)\s*-->\s*\n)?^```(\w+)\n(.*?)^```", re.S | re.M)


def runnable_blocks() -> list[tuple[str, str | None]]:
    """Each Python block of the page that is not a fragment, with the console output that
    follows it, if any."""
    text = (ROOT / "docs" / "notebooks.md").read_text(encoding="utf-8")
    found = [match.groups() for match in BLOCK.finditer(text)]
    runnable = []
    for (marker, language, body), after in zip(found, [*found[1:], None], strict=True):
        if language != "python" or marker == "fragment":
            continue
        output = None
        if after is not None and after[1] == "console" and after[2].startswith("$ python"):
            output = after[2].split("\n", 1)[1]
        runnable.append((body, output))
    return runnable


@pytest.mark.slow
def test_the_notebooks_page_examples_run_and_print_what_it_says(tmp_path):
    blocks = runnable_blocks()
    assert len(blocks) >= 6 and sum(output is not None for _, output in blocks) >= 3
    environment = {**os.environ, "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(tmp_path)}
    for number, (code, output) in enumerate(blocks, start=1):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env=environment,
        )
        assert result.returncode == 0, f"block {number}:\n{result.stderr[-2000:]}"
        if output is not None:
            assert result.stdout == output, f"block {number}"


def test_the_notebooks_page_lists_every_status_and_channel_colour():
    from dunforce.plot import CHANNEL_COLOURS

    page = (ROOT / "docs" / "notebooks.md").read_text(encoding="utf-8")
    for status in STATUS_COLOURS:
        assert f"| `{status}` |" in page, status
    for channel, colour in CHANNEL_COLOURS.items():
        assert re.search(rf"^\| `{channel}` \| [a-z -]+ `{colour}` \|", page, re.M), channel
