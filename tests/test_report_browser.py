"""The dashboard in a real browser: headless Chromium, driven by Playwright.

The page is opened from its file, as a user opens a report sent to them. It must load with no
console error, no page error and no request but its own file (it is self-contained: nothing is
fetched); its headline figures must be rendered as the KPIs say; its tables and its plots must
be drawn with a size. Chromium comes from the system (Debian's ``chromium`` package; ``.ci/run``
installs it), Playwright from the ``test`` extra; neither missing is a reason to skip.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import dunforce
from dunforce import Portfolio
from dunforce.kpi import summary
from dunforce.report import PLOT_EXTRA, dashboard, formats, from_simulation

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "social_housing"
PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL = (
    "the browser test needs Chromium: install it with `apt-get install -y chromium` (Debian; "
    ".ci/run does it), then run the tests again"
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        pytest.fail(INSTALL, pytrace=False)
    return found


@pytest.fixture(scope="module")
def browser():
    executable = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "the browser test needs Playwright for Python: pip install -e '.[test]' "
            "(no `playwright install`: the system's Chromium is used)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def simulated():
    program = dunforce.load(EXAMPLE / "scenarios.dfs")
    return dunforce.simulate(program, Portfolio.read_csv(EXAMPLE / "data"), **PERIOD, seed=5)


def open_page(browser, path: Path):
    """The page opened from its file, with what the browser reported while loading it."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = {"console": [], "errors": [], "failed": [], "requests": []}
    page.on("console", lambda message: seen["console"].append((message.type, message.text)))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("requestfailed", lambda request: seen["failed"].append(request.url))
    page.on("request", lambda request: seen["requests"].append(request.url))
    response = page.goto(path.as_uri(), wait_until="load")
    assert response is None or response.ok
    return page, seen


def assert_loaded_cleanly(seen: dict, path: Path) -> None:
    problems = [(kind, text) for kind, text in seen["console"] if kind in ("error", "warning")]
    assert problems == []
    assert seen["errors"] == []
    assert seen["failed"] == []
    assert seen["requests"] == [path.as_uri()]  # nothing fetched but the page itself


def box(locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, "not rendered"
    return found


def test_the_dashboard_loads_and_shows_its_figures_tables_and_plots(browser, simulated, tmp_path):
    built = from_simulation(simulated)
    path = built.write(tmp_path / "report.html")
    page, seen = open_page(browser, path)
    try:
        assert_loaded_cleanly(seen, path)
        assert page.title() == "Collection report: scenarios.dfs"

        overall = summary(simulated.program, simulated.states, simulated.actions, **PERIOD)
        expected = {
            "accounts": formats.count(len(simulated.states)),
            "cases": formats.count(overall["cases"]),
            "recovery_rate": formats.percent(overall["recovery_rate"]),
            "cure_rate": formats.percent(overall["cure_rate"]),
            "avg_days_to_collect": formats.decimal(overall["avg_days_to_collect"]),
            "contacts_per_case": formats.decimal(overall["contacts_per_case"], 2),
            "cost_per_case": formats.euros_per(overall["cost_cents"], overall["cases"]),
            "automation_rate": formats.percent(overall["automation_rate"]),
            "actions": formats.count(overall["actions"]),
        }
        for key, text in expected.items():
            value = page.locator(f'[data-figure="{key}"] .value')
            assert value.inner_text() == text, key
            size = box(value)
            assert size["width"] > 0 and size["height"] > 0
        assert "%" in expected["recovery_rate"] and "€" in expected["cost_per_case"]

        tables = ["kpis-profile", "kpis-scenario", "kpis-channel", "ageing"]
        tables += ["actions-by-channel", "actions-by-day", "outcomes"]
        for name in tables:
            table = page.locator(f'table[data-table="{name}"]')
            assert table.count() == 1, name
            assert table.locator("tbody tr").count() >= 2, name
            size = box(table)
            assert size["width"] > 200 and size["height"] > 40, name

        plots = page.locator("figure[data-plot] svg")
        assert plots.count() == len(built.plots) == 4
        for index in range(plots.count()):
            svg = plots.nth(index)
            size = box(svg)
            assert size["width"] > 300 and size["height"] > 100
            assert svg.locator("path").count() > 10  # bars, axes and text drawn as paths
        assert page.locator('[data-note="plots"]').count() == 0
    finally:
        page.close()


def test_the_tables_only_page_also_loads_cleanly_and_says_what_to_install(
    browser, simulated, tmp_path, monkeypatch
):
    import sys

    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    built = dashboard(
        simulated.program, simulated.states, simulated.actions, **PERIOD, title="<b>no plots</b>"
    )
    path = built.write(tmp_path / "tables.html")
    page, seen = open_page(browser, path)
    try:
        assert_loaded_cleanly(seen, path)
        assert page.locator("svg").count() == 0
        note = page.locator('[data-note="plots"]')
        assert note.inner_text() == f"Plots need matplotlib: {PLOT_EXTRA}."
        assert box(note)["height"] > 0
        assert page.locator("h1").inner_text() == "<b>no plots</b>"  # text, not markup
        assert page.locator("h1 b").count() == 0
        assert page.locator('table[data-table="kpis-profile"] tbody tr').count() >= 5
    finally:
        page.close()
