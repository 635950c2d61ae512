"""The notebook plots: what they draw, how they label it, and that it renders."""

from __future__ import annotations

import datetime
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_hex

import dunforce
from dunforce import AccountState, Adjustment, Charge, Payment
from dunforce.channels.registry import DEFAULT_CHANNELS
from dunforce.frames import actions_frame
from dunforce.plot import (
    CHANNEL_COLOURS,
    CHANNEL_MARKERS,
    actions_per_day,
    channel_colour,
    channel_marker,
    kpi_comparison,
    timeline,
)

RULES = """\
profile late:  in_case
profile other: otherwise

scenario remind for late:
    sms "relance_1" at D+2
    email "relance_2" at D+5
    letter "mise_en_demeure" at D+12 if debt >= 100 €
    sms "relance_persistante" every 7 days from D+15 until D+40

scenario prevent for other:
    email "rappel" at D-3
"""
START, END = datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def program():
    return dunforce.compile(RULES, filename="rules.dfs", contact_policy=False)


def tenant(account_id: str) -> AccountState:
    return AccountState(
        account_id=account_id,
        ledger=(
            Charge("450.00", "2026-01-05"),
            Payment("450.00", "2026-01-05"),
            Charge("450.00", "2026-02-05"),
            Payment("150.00", "2026-02-20"),
            Charge("450.00", "2026-03-05"),
            Adjustment("100.00", "2026-03-10"),
        ),
    )


def stepped(program, state: AccountState) -> tuple[AccountState, list]:
    """The account stepped every day from START to END, and what it was sent."""
    issued = []
    day = START
    while day <= END:
        actions = program.step(state, day)
        state = state.record(actions)
        issued.extend(actions)
        day += datetime.timedelta(days=1)
    return state, issued


@pytest.fixture(scope="module")
def history(program):
    return stepped(program, tenant("T1"))


def by_gid(ax, gid: str) -> list:
    return [a for a in ax.get_children() if a.get_gid() == gid]


def legend_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def png_size(figure, path) -> int:
    figure.savefig(path, dpi=80)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return len(data)


# ------------------------------------------------------------------------------ colours


def test_every_built_in_channel_has_its_own_colour_and_marker():
    names = {channel.name for channel in DEFAULT_CHANNELS}
    assert names == set(CHANNEL_COLOURS) == set(CHANNEL_MARKERS)
    assert len(set(CHANNEL_COLOURS.values())) == len(CHANNEL_COLOURS)
    assert len(set(CHANNEL_MARKERS.values())) == len(CHANNEL_MARKERS)


def test_a_channel_of_ones_own_gets_a_stable_colour_and_marker():
    assert channel_colour("whatsapp") == channel_colour("whatsapp")
    assert channel_colour("whatsapp") not in CHANNEL_COLOURS.values()
    assert channel_marker("whatsapp") not in CHANNEL_MARKERS.values()
    assert channel_colour("sms") == CHANNEL_COLOURS["sms"]


# ------------------------------------------------------------------------------ timeline


def test_timeline_draws_the_balance_day_by_day_in_euros(program, history):
    state, _ = history
    ax = timeline(program, state, start=START, end=END)
    (balance,) = by_gid(ax, "balance")
    heights = list(balance.get_ydata())
    days = (END - START).days + 1
    assert len(heights) == days + 1  # and the end of the last day
    on = {START + datetime.timedelta(days=n): h for n, h in enumerate(heights)}
    assert on[datetime.date(2026, 1, 4)] == 0
    assert on[datetime.date(2026, 2, 5)] == 450
    assert on[datetime.date(2026, 2, 20)] == 300
    assert on[datetime.date(2026, 3, 5)] == 750
    assert on[datetime.date(2026, 3, 10)] == 650
    assert len(by_gid(ax, "due-date")) == 3
    assert by_gid(ax, "overdue")


def test_timeline_marks_each_action_by_channel_with_labels(program, history):
    state, issued = history
    ax = timeline(program, state, start=START, end=END)
    channels = sorted({a.channel for a in issued})
    assert channels == ["email", "letter", "sms"]
    for channel in channels:
        (markers,) = by_gid(ax, f"actions:{channel}")
        assert len(markers.get_offsets()) == sum(a.channel == channel for a in issued)
        assert to_hex(markers.get_facecolor()[0]) == CHANNEL_COLOURS[channel]
    labels = [t.get_text() for t in by_gid(ax, "action-label")]
    assert "relance_1 D+2" in labels and "mise_en_demeure D+12" in labels
    # a repeated step is labelled once per case, its other occurrences are markers alone
    repeats = [a for a in issued if "relance_persistante" in a.key]
    assert len(repeats) >= 2
    assert sum(label.startswith("relance_persistante") for label in labels) == len(
        {a.key.split("#")[0] for a in repeats}
    )
    assert {"balance", "overdue", "due date", *channels} <= set(legend_labels(ax))
    assert "T1" in ax.get_title() and "late" in ax.get_title()
    assert ax.get_xlabel() == "date" and "€" in ax.get_ylabel()


def test_timeline_reads_an_actions_table_and_keeps_the_accounts_own(program, history, tmp_path):
    _, issued = history
    _, other_issued = stepped(program, tenant("T2"))
    table = actions_frame([*issued, *other_issued])
    state = tenant("T1")  # no history: the table says what was sent
    ax = timeline(program, state, start=START, end=END, actions=table)
    drawn = sum(len(c.get_offsets()) for c in ax.collections if str(c.get_gid()).startswith("act"))
    assert drawn == len(issued)
    assert png_size(ax.figure, tmp_path / "timeline.png") > 15_000


def test_timeline_between_two_days_shows_only_those(program, history):
    state, issued = history
    ax = timeline(program, state, start="2026-02-01", end="2026-02-28")
    (balance,) = by_gid(ax, "balance")
    assert len(balance.get_ydata()) == 29
    drawn = sum(len(c.get_offsets()) for c in ax.collections if str(c.get_gid()).startswith("act"))
    assert drawn == sum(a.emitted_on.month == 2 for a in issued)


def test_timeline_draws_on_the_axes_it_is_given(program, history):
    state, _ = history
    _, (left, right) = plt.subplots(1, 2)
    assert timeline(program, state, start=START, end=END, ax=right) is right
    assert not left.lines


def test_timeline_draws_the_ledger_even_when_the_profiles_cannot_be_decided():
    program = dunforce.compile(
        'attribute agency: text\nprofile north: agency == "nord"\nprofile other: otherwise\n'
        "scenario remind for north, other:\n    sms at D+2\n"
    )
    state = tenant("T3")  # no agency: its profile cannot be decided
    with pytest.raises(dunforce.StateError):
        program.profile_of(state, END)
    ax = timeline(program, state, start=START, end=END)
    assert ax.get_title().startswith("Account T3: balance")
    assert len(by_gid(ax, "balance")[0].get_ydata()) == (END - START).days + 2


def test_timeline_arguments_are_checked(program, history):
    state, _ = history
    with pytest.raises(ValueError, match="before start"):
        timeline(program, state, start=END, end=START)
    with pytest.raises(TypeError, match="AccountState"):
        timeline(program, "T1", start=START, end=END)
    with pytest.raises(ValueError, match="missing columns"):
        timeline(program, state, start=START, end=END, actions=pd.DataFrame({"key": []}))


ledger_entries = st.lists(
    st.tuples(
        st.sampled_from([Charge, Payment, Adjustment]),
        st.integers(min_value=1, max_value=90_000),
        st.integers(min_value=0, max_value=59),
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=ledger_entries)
def test_the_balance_line_is_charges_less_payments_and_credits(program, entries):
    first = datetime.date(2026, 1, 1)
    ledger = []
    for kind, cents, offset in entries:
        amount = f"{cents // 100}.{cents % 100:02d}"
        day = first + datetime.timedelta(days=offset)
        ledger.append(kind(amount, day))
    state = AccountState(account_id="P", ledger=tuple(ledger))
    last = first + datetime.timedelta(days=59)
    ax = timeline(program, state, start=first, end=last)
    (balance,) = by_gid(ax, "balance")
    for n, drawn in enumerate(list(balance.get_ydata())[:-1]):
        day = first + datetime.timedelta(days=n)
        cents = sum((c if kind is Charge else -c) for kind, c, offset in entries if offset <= n)
        assert round(drawn * 100) == cents, day
    plt.close(ax.figure)


# ------------------------------------------------------------------------------ actions per day


def test_actions_per_day_stacks_one_bar_per_day_and_channel(history, tmp_path):
    _, issued = history
    table = actions_frame(issued)
    ax = actions_per_day(table)
    days = table["emitted_on"].nunique()
    channels = table["channel"].nunique()
    assert len(ax.patches) == days * channels
    assert sum(p.get_height() for p in ax.patches) == len(table)
    assert legend_labels(ax) == ["sms", "email", "letter"]  # the channels' usual order
    for patch in ax.patches:
        assert to_hex(patch.get_facecolor()) in {
            CHANNEL_COLOURS[c] for c in ("sms", "email", "letter")
        }
    assert str(len(table)) in ax.get_title()
    assert ax.get_ylabel() == "actions per day" and ax.get_xlabel() == "emitted on"
    assert png_size(ax.figure, tmp_path / "per_day.png") > 8_000


def test_the_same_channel_has_the_same_colour_in_every_plot(program, history):
    state, issued = history
    line = timeline(program, state, start=START, end=END)
    bars = actions_per_day(actions_frame(issued))
    (sms_markers,) = by_gid(line, "actions:sms")
    sms_bars = next(c for c in bars.containers if c.get_label() == "sms")
    assert to_hex(sms_markers.get_facecolor()[0]) == to_hex(sms_bars[0].get_facecolor())
    assert to_hex(sms_bars[0].get_facecolor()) == CHANNEL_COLOURS["sms"]


def test_actions_per_day_by_kind_and_scenario(history):
    _, issued = history
    table = actions_frame(issued)
    ax = actions_per_day(table, by="kind")
    assert legend_labels(ax) == ["automatic"]
    ax = actions_per_day(table, by="scenario")
    assert set(legend_labels(ax)) == set(table["scenario"])
    assert "scenario" in ax.get_title()


def test_many_groups_keep_the_largest_and_draw_the_others_together():
    scenarios = [f"s{n:02d}" for n in range(20) for _ in range(n + 1)]
    table = pd.DataFrame(
        {"emitted_on": pd.to_datetime(["2026-05-04"] * len(scenarios)), "scenario": scenarios}
    )
    ax = actions_per_day(table, by="scenario")
    labels = legend_labels(ax)
    assert len(labels) == 12 and labels[-1] == "(others)"
    assert labels[:11] == [f"s{n:02d}" for n in range(19, 8, -1)]  # the largest first
    assert sum(p.get_height() for p in ax.patches) == len(table)
    assert len({to_hex(p.get_facecolor()) for p in ax.patches}) == 12


def test_actions_per_day_with_no_actions_says_so():
    ax = actions_per_day(actions_frame([]))
    assert not ax.patches
    assert any(t.get_text() == "no actions" for t in ax.texts)


def test_actions_per_day_arguments_are_checked(history):
    table = actions_frame(history[1])
    with pytest.raises(ValueError, match="by must be one of"):
        actions_per_day(table, by="template")
    with pytest.raises(ValueError, match="missing columns"):
        actions_per_day(table.drop(columns=["emitted_on"]))
    with pytest.raises(TypeError):
        actions_per_day(list(history[1]))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=20),
            st.sampled_from(["sms", "email", "call", "whatsapp"]),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_the_bars_of_a_day_add_up_to_its_actions(rows):
    first = datetime.date(2026, 5, 1)
    table = pd.DataFrame(
        {
            "emitted_on": pd.to_datetime([first + datetime.timedelta(days=d) for d, _ in rows]),
            "channel": [c for _, c in rows],
        }
    )
    ax = actions_per_day(table)
    totals: dict[float, float] = {}
    for patch in ax.patches:
        totals[patch.get_x()] = totals.get(patch.get_x(), 0) + patch.get_height()
    expected = sorted(pd.Series([d for d, _ in rows]).value_counts().sort_index().tolist())
    assert sorted(totals.values()) == expected
    plt.close(ax.figure)


# ------------------------------------------------------------------------------ KPIs


@pytest.fixture
def kpis():
    return pd.DataFrame(
        {
            "recovery_rate": [0.62, 0.71, 0.68],
            "cure_rate_30d": [0.40, 0.50, 0.45],
            "cost_per_case_cents": [1234, 2250, 1800],
            "days_to_collect": [31.5, 24.2, 27.0],
        },
        index=pd.Index(["baseline", "firm", "gentle"], name="scenario set"),
    )


def test_rates_are_grouped_bars_in_percent(kpis):
    ax = kpi_comparison(kpis, metrics=["recovery_rate", "cure_rate_30d"])
    assert len(ax.patches) == 3 * 2
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == [40.0, 45.0, 50.0, 62.0, 68.0, 71.0]
    assert legend_labels(ax) == ["baseline", "firm", "gentle"]
    assert ax.get_legend().get_title().get_text() == "scenario set"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["recovery_rate", "cure_rate_30d"]
    assert "%" in ax.get_ylabel() and ax.get_title()
    assert any(t.get_text() == "71.0 %" for t in ax.texts)


def test_metrics_of_several_units_get_one_plot_each(kpis, tmp_path):
    figure = kpi_comparison(kpis)
    shown = [a for a in figure.axes if a.get_visible()]
    assert len(shown) == 4
    titles = [a.get_title() for a in shown]
    assert titles == ["recovery_rate", "cure_rate_30d", "cost_per_case", "days_to_collect"]
    cost = shown[2]
    assert [round(p.get_height(), 2) for p in cost.patches] == [12.34, 22.5, 18.0]
    assert "€" in cost.get_ylabel()
    assert shown[3].get_ylabel() == "days"
    assert [t.get_text() for t in shown[0].get_xticklabels()] == ["baseline", "firm", "gentle"]
    # one colour per scenario set, the same in every small plot
    colours = [tuple(to_hex(p.get_facecolor()) for p in a.patches) for a in shown]
    assert len(set(colours)) == 1 and len(set(colours[0])) == 3
    assert png_size(figure, tmp_path / "kpis.png") > 15_000


def test_kpi_arguments_are_checked(kpis):
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="different units"):
        kpi_comparison(kpis, ax=ax)
    with pytest.raises(ValueError, match="'recovery'"):
        kpi_comparison(kpis, metrics=["recovery"])
    with pytest.raises(TypeError, match="sequence"):
        kpi_comparison(kpis, metrics="recovery_rate")
    with pytest.raises(ValueError, match="no rows"):
        kpi_comparison(kpis.iloc[:0])
    assert kpi_comparison(kpis, metrics=["cost_per_case_cents"], ax=ax) is ax


def test_a_share_above_one_is_not_a_percentage(kpis):
    kpis = kpis.assign(contacts_per_case=[1.5, 2.0, 2.5])
    ax = kpi_comparison(kpis, metrics=["contacts_per_case"])
    assert [p.get_height() for p in ax.patches] == [1.5, 2.0, 2.5]
    assert "%" not in ax.get_ylabel()


# ------------------------------------------------------------------------------ the extra


def test_without_matplotlib_the_error_names_the_extra(monkeypatch, program, history, kpis):
    for name in ("matplotlib", "matplotlib.pyplot", "matplotlib.dates", "matplotlib.ticker"):
        monkeypatch.setitem(sys.modules, name, None)
    state, issued = history
    with pytest.raises(ImportError, match=r"pip install 'dunforce\[plot\]'"):
        timeline(program, state, start=START, end=END)
    with pytest.raises(ImportError, match=r"dunforce\[plot\]"):
        actions_per_day(actions_frame(issued))
    with pytest.raises(ImportError, match=r"dunforce\[plot\]"):
        kpi_comparison(kpis)
