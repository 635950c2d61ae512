"""``dunforce datafix CONFIG --out DIR``: its summary, its files and its exit codes (0 balanced,
1 an export cannot be read, 2 usage or datafix file errors, 4 not balanced)."""

from __future__ import annotations

from pathlib import Path

import pytest

import dunforce.datafix
from dunforce.cli import main

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "datafix" / "datafix.toml"


def datafix(*args: str) -> int:
    return main(["datafix", *map(str, args)])


def test_the_example_succeeds_and_says_what_it_did(tmp_path, capsys):
    assert datafix(EXAMPLE, "--out", tmp_path) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"datafix {EXAMPLE} (Habitat Val de Loire): 6 files read"
    header = ["source", "table", "files", "read", "loaded", "new", "updated", "quarantined"]
    assert out[1].split() == [*header, "filtered", "amount", "read", "amount", "loaded"]
    assert out[2].split()[:9] == ["locataires", "tenants", "1", "303", "300", "300", "0", "1", "2"]
    assert "  reconciliation: balanced" in out
    assert f"wrote {tmp_path / 'quarantine.csv'} (11 rows)" in out
    assert f"wrote {tmp_path / 'ledger.csv'} (8,049 rows)" in out
    assert dunforce.Portfolio.read_csv(tmp_path).tenants.shape[0] == 300


def test_quiet_prints_the_quarantine_and_the_balance(tmp_path, capsys):
    assert datafix(EXAMPLE, "--out", tmp_path, "--quiet") == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3
    assert out[1].startswith("quarantine: 11 rows (") and out[2] == "reconciliation: balanced"


def test_a_datafix_file_that_does_not_validate_exits_2(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text('[sources.x]\ntable = "tenant"\n', encoding="utf-8")
    assert datafix(config, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{config}:2: sources.x.table: 'tenant' is not a table")
    assert "Traceback" not in err and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.toml", "--out", "{tmp}/out"], "missing.toml: no such file"),
        ([str(EXAMPLE), "--out", "{tmp}/file"], "--out {tmp}/file: not a directory"),
        ([str(EXAMPLE), "--out", "{tmp}/out", "--previous", "{tmp}/none"],
         "--previous {tmp}/none: no such directory"),
        ([str(EXAMPLE), "--out", "{tmp}/out", "--exports", "{tmp}/none"],
         "--exports {tmp}/none: no such directory"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2(tmp_path, capsys, arguments, message):
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert datafix(*[a.replace("{tmp}", str(tmp_path)) for a in arguments]) == 2
    assert (
        capsys.readouterr().err == f"dunforce datafix: {message.replace('{tmp}', str(tmp_path))}\n"
    )


def test_an_export_that_cannot_be_read_exits_1(tmp_path, capsys):
    exports = tmp_path / "exports"
    exports.mkdir()
    for path in (EXAMPLE.parent / "exports").iterdir():
        (exports / path.name).write_bytes(path.read_bytes())
    rejets = exports / "rejets_202611.csv"
    rejets.write_bytes(rejets.read_bytes().replace("Date rejet".encode("latin-1"), b"Date"))
    assert datafix(EXAMPLE, "--out", tmp_path / "out", "--exports", exports) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{exports / 'rejets_202611.csv'}:1: sources.rejets.columns.date: ")
    assert "column 'Date rejet' is not in the header" in err


def test_a_reconciliation_that_does_not_balance_exits_4(tmp_path, capsys, monkeypatch):
    from dunforce.datafix import quarantine

    original = quarantine.QuarantineBuilder.add

    def lossy(self, **problem):
        if problem["reason"] != "duplicate":
            original(self, **problem)

    monkeypatch.setattr(quarantine.QuarantineBuilder, "add", lossy)
    assert datafix(EXAMPLE, "--out", tmp_path) == 4
    captured = capsys.readouterr()
    assert "reconciliation: NOT BALANCED for encaissements" in captured.out
    assert "the reconciliation does not balance" in captured.err
    assert (tmp_path / "reconciliation.csv").read_text().count(",false\n") == 1


def test_the_help_says_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["datafix", "--help"])
    out = capsys.readouterr().out
    assert "--previous DIR" in out and "4 the reconciliation does not balance" in out


def test_progress_reaches_the_total():
    calls = []
    datafix = dunforce.datafix.load(EXAMPLE)
    datafix.run(progress=lambda done, total, name: calls.append((done, total, name)))
    totals = {total for _, total, _ in calls}
    assert len(totals) == 1
    (total,) = totals
    assert calls[-1][0] == total
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls)
    assert {Path(name).name for _, _, name in calls} >= {"rejets_202611.csv"}


def test_a_progress_bar_on_a_terminal_for_large_exports(tmp_path, monkeypatch, capsys):
    from dunforce.datafix import cli

    shown = []
    monkeypatch.setattr(cli, "PROGRESS_BYTES", 0)
    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: True, raising=False)
    original = cli._Progress.update

    def update(self, done, total, description):
        original(self, done, total, description)
        shown.append((self.bar is not None, done, total))

    monkeypatch.setattr(cli._Progress, "update", update)
    assert datafix(EXAMPLE, "--out", tmp_path) == 0
    assert shown and all(started for started, _, _ in shown)
    assert shown[-1][1] == shown[-1][2]
    assert "reconciliation: balanced" in capsys.readouterr().out
