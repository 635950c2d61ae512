"""The code base stays ruff clean; the public API is what it says it is."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import dunforce

ROOT = Path(__file__).parent.parent


def test_ruff_is_clean():
    ruff = shutil.which("ruff")
    assert ruff is not None, "ruff is part of the test extras"
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [ruff, *command, "src", "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_public_api_names_exist():
    for name in dunforce.__all__:
        assert hasattr(dunforce, name), name
    assert issubclass(dunforce.DslError, dunforce.DunforceError)


def test_the_grammar_ships_with_the_package():
    from importlib.resources import files

    assert (files("dunforce.dsl") / "grammar.lark").is_file()
