"""The documentation cannot drift from the code.

- The error catalogue page is generated from the diagnostic codes and the golden fixtures
  (``DUNFORCE_UPDATE_GOLDEN=1 python -m pytest tests/test_docs.py`` rewrites ``docs/errors.md``).
- Every scenario example of the written pages checks as the text around it says, and the
  command output they quote is what the command prints.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
from pathlib import Path

import pytest

from dunforce import cli
from dunforce.dsl import check, format_source
from dunforce.dsl.codes import CHECK, CODES, LINT, SYNTAX
from dunforce.errors import Diagnostic, DslError
from golden import FIXTURES, assert_golden

ROOT = Path(__file__).parent.parent
# too big to keep as fixtures
SYNTHETIC = {
    "file-too-large": "#\n" * 600_000,
    "too-long": "profile p: days_late > " + " + ".join(["1"] * 1200) + "\n",
}


def diagnostics_of(source: bytes | str, filename: str) -> tuple[Diagnostic, ...]:
    try:
        return check(source, filename=filename).warnings
    except DslError as exc:
        return exc.errors


def examples() -> dict[str, tuple[str | None, Diagnostic]]:
    """For each code, the first fixture (in name order) that shows it, and its diagnostic."""
    found: dict[str, tuple[str | None, Diagnostic]] = {}
    for stage in ("errors", "check"):
        for path in sorted((FIXTURES / stage).glob("*.dfs")):
            for diagnostic in diagnostics_of(path.read_bytes(), path.name):
                if diagnostic.code not in found:
                    text = path.read_bytes().decode("utf-8", errors="replace")
                    found[diagnostic.code] = (text, diagnostic)
    for code, text in SYNTHETIC.items():
        (diagnostic,) = diagnostics_of(text, "big.dfs")
        found.setdefault(code, (None, diagnostic))
    return found


TITLES = {
    SYNTAX: ("Syntax errors", "The file cannot be read as a scenario file."),
    CHECK: ("Check errors", "The file reads well but does not make sense: names, types, guards."),
    LINT: ("Warnings", "The file compiles, but probably does not say what its author meant."),
}


def errors_markdown() -> str:
    found = examples()
    lines = [
        "# Error catalogue",
        "",
        "Every error and warning has a stable **code**, shown here with an example taken from",
        "dunforce's own test fixtures (this page is generated from them, so it cannot drift).",
        "Each message names the file, line and column, shows the line with a caret under the",
        "place, and gives a hint. A file with errors does not compile; all the check errors of a",
        "file are reported together, while a syntax error stops at the first one.",
        "",
        "In Python, the codes are on `DslError.errors[i].code` and `Diagnostic.code`.",
        "",
    ]
    for stage in (SYNTAX, CHECK, LINT):
        title, intro = TITLES[stage]
        lines += [f"## {title}", "", intro, ""]
        for code in (c for c in CODES.values() if c.stage == stage):
            source, diagnostic = found[code.name]
            lines += [f"### `{code.name}`", "", code.summary, ""]
            if source is not None and len(source) < 2000:
                lines += ["```text", source.rstrip("\n"), "```", ""]
            lines += ["```text", str(diagnostic), "```", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def test_every_code_is_documented_and_has_an_example():
    found = examples()
    assert set(found) <= set(CODES), f"codes missing from dsl/codes.py: {set(found) - set(CODES)}"
    assert set(CODES) <= set(found), f"codes with no fixture: {set(CODES) - set(found)}"


def test_every_code_in_the_source_is_catalogued():
    import re

    used = set()
    for path in (ROOT / "src" / "dunforce").rglob("*.py"):
        used |= set(
            re.findall(r'code(?:: str)? ?= ?"([a-z0-9-]+)"', path.read_text(encoding="utf-8"))
        )
    assert used - {"error"} == set(CODES)


def test_errors_page_is_generated_from_the_fixtures():
    assert_golden(errors_markdown(), ROOT / "docs" / "errors.md")


# ---------------------------------------------------------------- examples in the written pages

WRITTEN_PAGES = (
    "../README.md",
    "index.md",
    "getting-started.md",
    "language.md",
    "policy.md",
    "step-function.md",
    "ledger.md",
    "running.md",
    "semantics.md",
    "legal.md",
    "journal.md",
)
#: the fence of scenario code: highlighted by dunforce's Pygments lexer, checked here
SCENARIO = "dunforce"
BLOCK = re.compile(r"(?:<!--\s*([a-z]+)\s*-->\s*\n)?^( *)```(\w+)\n(.*?)^\2```", re.S | re.M)


def blocks(page: str) -> list:
    """``(marker, language, body)`` of each fenced block of a page, in order."""
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    found = []
    for match in BLOCK.finditer(text):
        marker, indent, language, body = match.groups()
        body = "\n".join(line[len(indent) :] for line in body.split("\n"))
        found.append((marker or "", language, body))
    return found


def scenario_blocks() -> list:
    params = []
    for page in WRITTEN_PAGES:
        for number, (marker, language, body) in enumerate(blocks(page), start=1):
            if language == SCENARIO and marker not in ("synopsis", "fragment"):
                params.append(pytest.param(marker, body, id=f"{page}#{number}"))
    return params


def other_text_blocks() -> list:
    """The plain ``text`` blocks: each must be a synopsis or quoted output, never a scenario
    example that would escape the checks."""
    params = []
    for page in WRITTEN_PAGES:
        for number, (marker, language, body) in enumerate(blocks(page), start=1):
            if language == "text":
                params.append(pytest.param(marker, body, id=f"{page}#{number}"))
    return params


@pytest.mark.parametrize(("marker", "body"), scenario_blocks())
def test_scenario_examples_in_the_docs_behave_as_the_text_says(marker, body):
    assert not re.search(r": (error|warning)\[", body), "quote output in ```text blocks"
    if marker == "fails":
        with pytest.raises(DslError):
            check(body)
        return
    checked = check(body)
    if marker == "warns":
        assert checked.warnings, "the text says this example warns"
    else:
        assert checked.warnings == (), "\n".join(map(str, checked.warnings))
    if marker != "unformatted":
        assert format_source(body) == body, "the example is not in `dunforce fmt` layout"


def console_pairs() -> list:
    params = []
    for page in WRITTEN_PAGES:
        found = blocks(page)
        for number, (first, second) in enumerate(itertools.pairwise(found), start=1):
            marker, language, body = first
            if (
                language == SCENARIO
                and marker in ("fails", "warns")  # the output that follows is this file's
                and second[1] == "console"
                and second[2].startswith("$ dunforce check rules.dfs\n")
            ):
                params.append(pytest.param(body, second[2], id=f"{page}#{number}"))
    return params


@pytest.mark.parametrize(("scenario", "console"), console_pairs())
def test_quoted_check_output_is_what_the_command_prints(scenario, console, tmp_path, monkeypatch):
    (tmp_path / "rules.dfs").write_text(scenario, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        cli.main(["check", "rules.dfs"])
    printed = output.getvalue().rstrip("\n").split("\n")
    if printed and printed[-1].startswith("rules.dfs: "):
        printed = printed[:-1]  # the summary line the docs leave out
    expected = console.split("\n", 1)[1].rstrip("\n")
    assert "\n".join(printed).rstrip("\n") == expected


@pytest.mark.parametrize(("marker", "body"), other_text_blocks())
def test_plain_text_blocks_are_synopses_or_output(marker, body):
    assert marker == "synopsis" or re.search(r": (error|warning)\[", body), (
        f"scenario code goes in ```{SCENARIO} blocks, so that it is highlighted and checked"
    )


def test_the_docs_have_checked_examples():
    assert len(scenario_blocks()) >= 43
    assert len(console_pairs()) >= 11


def python_blocks() -> list:
    params = []
    for page in WRITTEN_PAGES:
        for number, (marker, language, body) in enumerate(blocks(page), start=1):
            if language == "python" and marker != "fragment":
                params.append(pytest.param(body, id=f"{page}#{number}"))
    return params


@pytest.mark.parametrize("code", python_blocks())
def test_python_examples_in_the_docs_run(code):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]


# ---------------------------------------------------------------- the policy page


def test_the_policy_page_shows_the_defaults_the_code_applies():
    from dunforce.channels.registry import DEFAULT_CHANNELS
    from dunforce.legal import legal_markdown
    from dunforce.policy import DEFAULT_POLICY_TEXT, GUARDS

    page = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
    assert f"```{SCENARIO}\n" + DEFAULT_POLICY_TEXT + "```" in page
    between = page.split("<!-- legal-rules -->\n")[1].split("<!-- /legal-rules -->")[0]
    assert between == legal_markdown()
    rows = {
        line.split("|")[1].strip(): line for line in page.splitlines() if line.startswith("| `")
    }
    for channel in DEFAULT_CHANNELS:
        row = next(r for name, r in rows.items() if name.startswith(f"`{channel.name}`"))
        assert f"| {channel.default_window} |" in row, channel.name
        assert f"{channel.cost:.2f} €" in row, channel.name
    for guard in GUARDS.values():
        assert f"| `{guard.name}` | {guard.summary} |" in page, guard.name


def test_the_language_page_lists_the_reserved_words():
    from dunforce.words import KEYWORDS

    page = " ".join((ROOT / "docs" / "language.md").read_text(encoding="utf-8").split())
    assert ", ".join(f"`{w}`" for w in sorted(KEYWORDS)) in page
