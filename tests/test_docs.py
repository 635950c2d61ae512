"""The error catalogue page is generated from the diagnostic codes and the golden fixtures.

``DUNFORCE_UPDATE_GOLDEN=1 python -m pytest tests/test_docs.py`` rewrites ``docs/errors.md``.
"""

from __future__ import annotations

from pathlib import Path

from dunforce.dsl import check
from dunforce.dsl.codes import CHECK, CODES, LINT, SYNTAX
from dunforce.errors import Diagnostic, DslError
from golden import FIXTURES, assert_golden

ROOT = Path(__file__).parent.parent
SYNTHETIC = {"file-too-large": "#\n" * 600_000}  # too big to keep as a fixture


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
        used |= set(re.findall(r'code="([a-z0-9-]+)"', path.read_text(encoding="utf-8")))
    assert used - {"error"} == set(CODES)


def test_errors_page_is_generated_from_the_fixtures():
    assert_golden(errors_markdown(), ROOT / "docs" / "errors.md")
