"""Golden fixtures: an input file per case beside the output it must give.

Set ``DUNFORCE_UPDATE_GOLDEN=1`` to (re)write the expected files after a deliberate change, then
read the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
UPDATE = os.environ.get("DUNFORCE_UPDATE_GOLDEN") == "1"


def cases(stage: str) -> list:
    """One ``pytest.param`` per ``.dfs`` file of a stage, with the file's stem as its id."""
    paths = sorted((FIXTURES / stage).glob("*.dfs"))
    paths = [p for p in paths if not p.name.endswith(".formatted.dfs")]
    assert paths, f"no fixtures for {stage}"
    return [pytest.param(path, id=path.stem) for path in paths]


def assert_golden(actual: str, expected_path: Path) -> None:
    if UPDATE:
        expected_path.write_text(actual, encoding="utf-8")
        return
    assert expected_path.exists(), (
        f"{expected_path.name} is missing; run with DUNFORCE_UPDATE_GOLDEN=1 to create it"
    )
    expected = expected_path.read_text(encoding="utf-8")
    assert actual == expected, f"output differs from {expected_path.name}"
