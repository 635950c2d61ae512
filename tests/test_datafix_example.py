"""The bundled datafix example: Habitat Val de Loire's messy exports load, the quarantine holds
exactly the broken rows its generator planted, the reconciliation balances, and the scenarios
run on the result with the actions of the bundled canonical tables."""

from __future__ import annotations

import datetime
import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import dunforce
import dunforce.datafix

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "datafix"
CANONICAL = ROOT / "examples" / "social_housing" / "data"
DAY = datetime.date(2026, 11, 10)


def _generator():
    spec = importlib.util.spec_from_file_location("make_exports", EXAMPLE / "make_exports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def result():
    return dunforce.datafix.load(EXAMPLE / "datafix.toml").run()


def _line(file: str, row: int) -> str:
    """The text of a quarantined row, read from the export itself."""
    name, _, sheet = file.partition("[")
    path = Path(name)
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        cells = next(
            workbook[sheet.rstrip("]")].iter_rows(min_row=row, max_row=row, values_only=True)
        )
        workbook.close()
        return " ".join("" if c is None else str(c) for c in cells)
    return path.read_bytes().split(b"\n")[row - 1].decode("latin-1")


def test_the_example_loads_and_balances(result):
    assert result.name == "Habitat Val de Loire"
    assert result.balanced
    frame = result.reconciliation.set_index("source")
    assert frame["files"].tolist() == [1, 1, 1, 1, 1, 1]
    assert frame.loc["locataires", "rows_filtered"] == 2  # archived leases
    assert frame.loc["encaissements", "rows_filtered"] == 2  # cancelled lines
    assert (frame["rows_read"] == frame["rows_loaded"] + frame["rows_quarantined"]
            + frame["rows_filtered"]).all()  # fmt: skip
    assert (frame["amount_read"] == frame["amount_loaded"] + frame["amount_quarantined"]
            + frame["amount_filtered"]).all()  # fmt: skip


def test_the_quarantine_holds_exactly_the_planted_rows(result):
    planted = _generator().PLANTED
    quarantine = result.quarantine
    found = Counter(
        (Path(file.partition("[")[0]).name, reason)
        for file, reason in zip(quarantine["file"], quarantine["reason"], strict=True)
    )
    assert found == Counter((file, reason) for file, _, reason in planted)
    for row in quarantine.itertuples(index=False):
        name = Path(row.file.partition("[")[0]).name
        (ident,) = [i for f, i, r in planted if f == name and r == row.reason]
        assert ident in _line(row.file, row.row), (row.file, row.row, ident)
    assert quarantine["row"].gt(1).all()


def test_the_loaded_tables_are_the_bundled_canonical_tables(result):
    canonical = dunforce.Portfolio.read_csv(CANONICAL)
    loaded = result.portfolio
    tenants = loaded.tenants[list(canonical.tenants.columns)]
    pd.testing.assert_frame_equal(
        tenants.astype(str), canonical.tenants.astype(str), check_dtype=False
    )
    columns = list(canonical.ledger.columns)

    def ordered(frame):
        frame = frame[columns].astype(str)
        return frame.sort_values(["account_id", "date", "kind", "id", "payment"]).reset_index(
            drop=True
        )

    got, want = ordered(loaded.ledger), ordered(canonical.ledger)
    # the returned debits carry the amount the bank gives; the canonical table names the
    # payment only
    rejections = got["kind"] == "rejection"
    assert (got.loc[rejections, "amount"] != "").all()
    got.loc[rejections, "amount"] = ""
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    for name in ("events", "plans"):
        mine = getattr(loaded, name)
        theirs = getattr(canonical, name)
        keys = list(theirs.columns)
        pd.testing.assert_frame_equal(
            mine[keys].astype(str).sort_values(keys).reset_index(drop=True),
            theirs.astype(str).sort_values(keys).reset_index(drop=True),
            check_dtype=False,
        )


def test_the_scenarios_run_on_the_result_with_the_actions_of_the_canonical_tables(result):
    program = dunforce.load(ROOT / "examples" / "social_housing" / "scenarios.dfs")
    run = program.run(result.portfolio, DAY)
    assert run.rejected.empty
    assert len(run.actions) > 0
    reference = program.run(dunforce.Portfolio.read_csv(CANONICAL), DAY)
    columns = ["account_id", "key", "channel", "scheduled_for", "emitted_on"]
    pd.testing.assert_frame_equal(
        run.actions[columns].astype(str).reset_index(drop=True),
        reference.actions[columns].astype(str).reset_index(drop=True),
    )


def test_the_generator_writes_the_committed_exports(tmp_path):
    assert _generator().main(["--out", str(tmp_path)]) == 0
    exports = EXAMPLE / "exports"
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in exports.iterdir())
    for name in written:
        if name.endswith(".csv"):
            assert (tmp_path / name).read_bytes() == (exports / name).read_bytes(), name
    from openpyxl import load_workbook

    def cells(path: Path) -> list:
        workbook = load_workbook(path, read_only=True)
        values = [list(row) for row in workbook.active.iter_rows(values_only=True)]
        workbook.close()
        return values

    (book,) = [n for n in written if n.endswith(".xlsx")]
    assert cells(tmp_path / book) == cells(exports / book)


def test_the_morning_job_runs_from_the_exports(tmp_path):
    """As the README says: datafix, then run, each a separate process."""
    data = tmp_path / "data"
    datafix = subprocess.run(
        [
            sys.executable,
            "-m",
            "dunforce",
            "datafix",
            "examples/datafix/datafix.toml",
            "--out",
            str(data),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert datafix.returncode == 0, datafix.stdout + datafix.stderr
    assert "datafix examples/datafix/datafix.toml (Habitat Val de Loire): 6 files read" in (
        datafix.stdout
    )
    assert "reconciliation: balanced" in datafix.stdout
    assert "quarantine: 11 rows" in datafix.stdout
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "dunforce",
            "run",
            "examples/social_housing/scenarios.dfs",
            "--data",
            str(data),
            "--date",
            "2026-11-10",
            "--out",
            str(tmp_path / "run"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "accounts read:  300" in run.stdout and "rejected:       0" in run.stdout
