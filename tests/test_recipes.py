"""The integration recipes run as written, and print what the page says they print.

``docs/recipes.md`` marks its blocks for this test:

- ``<!-- run -->`` before a ``python`` block: the block runs. The marked blocks of the page run
  in order, in one namespace, as a reader pasting them in turn would run them, in a temporary
  directory where ``examples`` is the repository's (so the recipes can write files).
- ``<!-- run -->`` before a ``console`` block: each ``$ dunforce …`` line runs there too, and
  prints the lines that follow it.
- ``<!-- file: PATH -->`` before a block: the block is written to ``PATH`` first (a module of the
  integrator's code, a scenario file).

A ``console`` block that follows a run ``python`` block and starts with ``$ python`` shows what
that block prints. Blocks that are not meant to run are simply not marked; every ``dunforce``
block that is not written to a file must check.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from dunforce.dsl import check
from dunforce.errors import DslError

ROOT = Path(__file__).parent.parent
PAGE = ROOT / "docs" / "recipes.md"
BLOCK = re.compile(r"(?:<!--\s*(.*?)\s*-->[ \t]*\n)?^```(\w+)\n(.*?)^```[ \t]*$", re.S | re.M)

# Runs the steps of the page in order, in one process, and reports what each printed.
RUNNER = """\
import contextlib, io, json, os, subprocess, sys, traceback
sys.path.insert(0, os.getcwd())
steps = json.load(open(sys.argv[1], encoding="utf-8"))
namespace = {"__name__": "__main__"}
results = []
for step in steps:
    if step["kind"] == "file":
        os.makedirs(os.path.dirname(step["path"]) or ".", exist_ok=True)
        with open(step["path"], "w", encoding="utf-8") as file:
            file.write(step["text"])
        results.append({"output": "", "error": None})
    elif step["kind"] == "python":
        output = io.StringIO()
        try:
            with contextlib.redirect_stdout(output):
                exec(compile(step["code"], step["name"], "exec"), namespace)
            error = None
        except BaseException:
            error = traceback.format_exc()
        results.append({"output": output.getvalue(), "error": error})
        if error:
            break
    else:
        done = subprocess.run(step["argv"], capture_output=True, text=True)
        results.append({"output": done.stdout + done.stderr, "error": None})
json.dump(results, open(sys.argv[2], "w", encoding="utf-8"))
"""


@attrs.frozen
class Block:
    number: int
    marker: str
    language: str
    body: str

    @property
    def name(self) -> str:
        return f"docs/recipes.md#{self.number}"


def page_blocks() -> list[Block]:
    text = PAGE.read_text(encoding="utf-8")
    return [
        Block(number, marker or "", language, body)
        for number, (marker, language, body) in enumerate(BLOCK.findall(text), start=1)
    ]


def steps_of(blocks: list[Block]) -> tuple[list[dict], list[tuple[str, str, int]]]:
    """The steps the runner takes, and the outputs to compare: ``(name, expected, step)``."""
    steps: list[dict] = []
    expected: list[tuple[str, str, int]] = []
    for block, following in zip(blocks, [*blocks[1:], None], strict=True):
        if block.marker.startswith("file:"):
            path = block.marker.removeprefix("file:").strip()
            steps.append({"kind": "file", "path": path, "text": block.body})
        elif block.marker == "run" and block.language == "python":
            steps.append({"kind": "python", "code": block.body, "name": block.name})
            if (
                following is not None
                and following.language == "console"
                and following.marker == ""
                and following.body.startswith("$ python ")
            ):
                shown = following.body.split("\n", 1)[1]
                expected.append((block.name, shown, len(steps) - 1))
        elif block.marker == "run" and block.language == "console":
            commands = re.split(r"^\$ ", block.body, flags=re.M)[1:]
            for command in commands:
                line, _, shown = command.partition("\n")
                argv = shlex.split(line)
                assert argv[0] == "dunforce", f"{block.name}: only dunforce commands run here"
                steps.append({"kind": "command", "argv": [sys.executable, "-m", *argv]})
                expected.append((f"{block.name}: $ {line}", shown, len(steps) - 1))
        else:
            assert block.marker == "", f"{block.name}: unknown marker {block.marker!r}"
    return steps, expected


def test_the_page_marks_its_runnable_blocks():
    blocks = page_blocks()
    runs = [b for b in blocks if b.marker == "run"]
    assert len([b for b in runs if b.language == "python"]) >= 9
    assert [b for b in runs if b.language == "console"]
    assert {b.marker for b in blocks if b.marker.startswith("file:")} == {
        "file: myerp/dunning.py",
        "file: rules.dfs",
    }
    _, expected = steps_of(blocks)
    assert len(expected) >= 7, "the printed output of the recipes is shown and compared"


def test_scenario_blocks_check_and_the_custom_one_needs_its_schema():
    blocks = page_blocks()
    for block in blocks:
        if block.language == "dunforce" and not block.marker.startswith("file:"):
            assert check(block.body).warnings == (), block.name
    (rules,) = [b for b in blocks if b.marker == "file: rules.dfs"]
    with pytest.raises(DslError) as raised:  # as the page says, without --schema and --channels
        check(rules.body)
    assert {e.code for e in raised.value.errors} == {
        "unknown-name",
        "unknown-channel",
        "unknown-event",
    }


@pytest.mark.slow
def test_the_recipes_run_and_print_what_the_page_shows(tmp_path):
    steps, expected = steps_of(page_blocks())
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    (tmp_path / "steps.json").write_text(json.dumps(steps), encoding="utf-8")
    (tmp_path / "runner.py").write_text(RUNNER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "runner.py", "steps.json", "results.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    failed = [r["error"] for r in results if r["error"]]
    assert not failed, failed[0]
    assert len(results) == len(steps), "every step ran"
    for name, shown, index in expected:
        printed = results[index]["output"]
        assert printed.rstrip("\n") == shown.rstrip("\n"), name
    # the recipes wrote where they ran, not in the repository
    assert (tmp_path / "letters").is_dir()
    assert not (ROOT / "letters").exists()
