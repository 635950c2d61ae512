"""The datafix page cannot drift from the code: every key and reason is documented, the quoted
command output is what the command prints, and the Python examples run."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dunforce.cli import main
from dunforce.datafix import REASONS, config

ROOT = Path(__file__).parent.parent
PAGE = (ROOT / "docs" / "datafix.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "examples" / "datafix"


def consoles() -> list[str]:
    return re.findall(r"```console\n(.*?)```", PAGE, re.S)


def printed(arguments: list[str], cwd: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(arguments)
    finally:
        os.chdir(before)
    return out.getvalue() + err.getvalue()


def test_every_reason_is_in_the_table():
    table = PAGE.split("<!-- reasons -->\n")[1].split("<!-- /reasons -->")[0]
    rows = ["| reason | meaning |", "|---|---|"]
    rows += [f"| `{reason}` | {meaning} |" for reason, meaning in REASONS.items()]
    assert table == "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    "key",
    sorted(
        {*config._META_KEYS, *config._SOURCE_KEYS, *config._FIELD_KEYS, *config.FILTER_OPERATORS}
    ),
)
def test_every_key_is_documented(key):
    """In the first cell of a table row (the keys' tables and the filters' table)."""
    first_cells = re.findall(r"^\| ([^|]*) \|", PAGE, re.M)
    assert any(re.search(rf"`{key}( = [^`]*)?`", cell) for cell in first_cells), key


def test_the_example_output_is_what_the_command_prints(tmp_path):
    (quoted,) = [c for c in consoles() if "Habitat Val de Loire" in c]
    lines = quoted.split("\n")
    command = lines[0].removeprefix("$ ").split()
    assert command[:3] == ["dunforce", "datafix", "examples/datafix/datafix.toml"]
    out = printed([*command[1:-1], str(tmp_path)], ROOT).split("\n")
    shown = lines[1 : lines.index("…")]
    assert out[: len(shown) - 1] == shown[:-1]
    assert shown[-1] == "wrote /tmp/hvl/tenants.csv (300 rows)"
    assert out[len(shown) - 1] == f"wrote {tmp_path / 'tenants.csv'} (300 rows)"


def _copy_example(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE / "exports", tmp_path / "exports")
    shutil.copy(EXAMPLE / "datafix.toml", tmp_path / "datafix.toml")
    return tmp_path


def test_the_quoted_errors_are_what_the_command_prints(tmp_path):
    directory = _copy_example(tmp_path)
    text = (directory / "datafix.toml").read_text(encoding="utf-8")
    broken = text.replace('\napl = "APL"', '\napll = "APL"').replace(
        'VIR = "transfer"', 'VIR = "tranfer"'
    )
    (directory / "datafix.toml").write_text(broken, encoding="utf-8")
    (quoted,) = [c for c in consoles() if "2 problems in datafix.toml" in c]
    command, expected = quoted.split("\n", 1)
    assert printed(command.removeprefix("$ dunforce ").split(), directory) == expected

    (directory / "datafix.toml").write_text(text, encoding="utf-8")
    rejets = directory / "exports" / "rejets_202611.csv"
    rejets.write_bytes(rejets.read_bytes().replace("Date rejet".encode("latin-1"), b"Date"))
    (quoted,) = [c for c in consoles() if "is not in the header" in c]
    command, expected = quoted.split("\n", 1)
    assert printed(command.removeprefix("$ dunforce ").split(), directory) == expected


def test_the_python_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", PAGE, re.S)
    assert blocks
    for code in blocks:
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert "reconciliation: balanced" in result.stdout


def test_the_page_is_in_the_site_and_the_readme_mentions_it():
    assert "datafix.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "dunforce datafix" in readme and "docs/datafix.md" in readme
