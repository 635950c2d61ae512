"""The commands around the daily job: run --journal, outcomes, explain, simulate.

Each is called as a user calls it (``dunforce.cli.main`` with argv), and checked on what it
prints, the files it writes and its exit code; errors are one line, never a traceback.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from dunforce import cli
from dunforce.journal import Journal

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "social_housing"
SCENARIOS = str(EXAMPLE / "scenarios.dfs")
DATA = str(EXAMPLE / "data")


def call(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def journaled_run(capsys, tmp_path: Path, day: str = "2026-11-10") -> tuple[int, str, str]:
    return call(
        capsys,
        "run",
        SCENARIOS,
        "--data",
        DATA,
        "--date",
        day,
        "--journal",
        str(tmp_path / "journal.sqlite"),
        "--out",
        str(tmp_path / "out"),
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


# ------------------------------------------------------------------------------ run --journal


def test_a_journaled_run_twice_issues_nothing_the_second_time(capsys, tmp_path):
    code, out, _ = journaled_run(capsys, tmp_path)
    assert code == cli.EXIT_OK
    assert "new actions:    63" in out
    assert "(batch 1, the outbox)" in out
    first = read_csv(tmp_path / "out" / "actions.csv")
    assert len(first) == 63 and {row["batch"] for row in first} == {"1"}
    # the same columns as a run without a journal, then the journal's own
    plain_dir = tmp_path / "plain"
    assert call(capsys, "run", SCENARIOS, "--data", DATA, "--date", "2026-11-10", "--out",
                str(plain_dir))[0] == 0  # fmt: skip
    plain = read_csv(plain_dir / "actions.csv")
    assert list(first[0])[: len(plain[0])] == list(plain[0])
    assert [{k: r[k] for k in plain[0]} for r in first] == plain

    code, out, _ = journaled_run(capsys, tmp_path)
    assert code == cli.EXIT_OK
    assert "new actions:    0 (63 issued earlier on 2026-11-10, not issued again)" in out
    assert read_csv(tmp_path / "out" / "actions.csv") == first
    assert len(list((tmp_path / "out" / "outbox").glob("*.jsonl"))) == 1


def test_a_run_is_refused_while_another_holds_the_journal(capsys, tmp_path):
    with Journal(tmp_path / "journal.sqlite") as journal:
        journal.lock()
        code, _, err = journaled_run(capsys, tmp_path)
    assert code == cli.EXIT_BUSY == 3
    assert "another dunforce run is using this journal" in err
    assert not (tmp_path / "out").exists()


def test_an_earlier_day_is_refused_with_the_reason(capsys, tmp_path):
    assert journaled_run(capsys, tmp_path, "2026-11-12")[0] == 0
    code, _, err = journaled_run(capsys, tmp_path, "2026-11-10")
    assert code == cli.EXIT_INVALID
    assert "last run was for 2026-11-12" in err


def test_outbox_without_journal_is_a_usage_error(capsys, tmp_path):
    code, _, err = call(
        capsys, "run", SCENARIOS, "--data", DATA, "--date", "2026-11-10", "--outbox", "x"
    )
    assert code == cli.EXIT_USAGE
    assert "--outbox goes with --journal" in err


# ------------------------------------------------------------------------------ outcomes


def test_outcomes_are_recorded_and_bad_rows_reported(capsys, tmp_path):
    journaled_run(capsys, tmp_path)
    actions = read_csv(tmp_path / "out" / "actions.csv")
    sms = next(row for row in actions if row["channel"] == "sms")
    call_row = next(row for row in actions if row["channel"] == "call")
    report = tmp_path / "report.csv"
    report.write_text(
        "account_id,key,outcome,on\n"
        f"{sms['account_id']},{sms['key']},delivered,2026-11-10\n"
        f"{call_row['account_id']},{call_row['key']},promise_to_pay,2026-11-10\n"
        f"{sms['account_id']},not-a-key,delivered,\n"
        f"{sms['account_id']},{sms['key']},deliverd,\n",
        encoding="utf-8",
    )
    rejected = tmp_path / "rejected.csv"
    code, out, _ = call(
        capsys, "outcomes", str(report), "--journal", str(tmp_path / "journal.sqlite"),
        "--rejected", str(rejected),
    )  # fmt: skip
    assert code == cli.EXIT_INVALID
    assert "4 rows: 2 applied, 0 already recorded, 2 rejected" in out
    assert "row 3" in out and "no such action in the journal" in out
    assert "did you mean" not in out and "'deliverd' is not one of" in out
    assert [row["row"] for row in read_csv(rejected)] == ["3", "4"]
    with Journal(tmp_path / "journal.sqlite") as journal:
        recorded = journal.actions().set_index(["account_id", "key"])
    assert recorded.loc[(call_row["account_id"], call_row["key"]), "outcome"] == "promise_to_pay"

    jsonl = tmp_path / "calls.jsonl"
    jsonl.write_text(
        f'{{"account_id": "{sms["account_id"]}", "key": "{sms["key"]}", "outcome": "delivered",'
        ' "on": "2026-11-10"}\n',
        encoding="utf-8",
    )
    code, _, err = call(capsys, "outcomes", str(jsonl), "--journal", str(tmp_path / "j2.sqlite"))
    assert code == cli.EXIT_USAGE and "no such journal" in err  # a typo makes no new journal
    assert not (tmp_path / "j2.sqlite").exists()
    code, out, _ = call(
        capsys, "outcomes", str(jsonl), "--journal", str(tmp_path / "journal.sqlite")
    )
    assert code == cli.EXIT_OK and "0 applied, 1 already recorded, 0 rejected" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("account_id,outcome\nA,delivered\n", "no column key"),
        ('{"account_id": "A"\n', "not a JSON object"),
    ],
)
def test_unreadable_outcome_files_are_usage_errors(capsys, tmp_path, content, message):
    path = tmp_path / ("bad.jsonl" if content.startswith("{") else "bad.csv")
    path.write_text(content, encoding="utf-8")
    Journal(tmp_path / "j.sqlite").close()
    code, _, err = call(capsys, "outcomes", str(path), "--journal", str(tmp_path / "j.sqlite"))
    assert code == cli.EXIT_USAGE
    assert message in err
    code, _, err = call(
        capsys, "outcomes", str(tmp_path / "none.csv"), "--journal", str(tmp_path / "j.sqlite")
    )
    assert code == cli.EXIT_USAGE and "no such file" in err


# ------------------------------------------------------------------------------ explain


def test_explain_prints_the_profile_and_every_step(capsys):
    code, out, _ = call(
        capsys, "explain", SCENARIOS, "LOC00003", "--data", DATA, "--date", "2026-11-10"
    )
    assert code == cli.EXIT_OK
    assert out.startswith("account LOC00003 on 2026-11-10: profile chronic")
    assert 'fired    2026-11-07  firm: sms "relance_ferme_1"' in out
    assert "waiting" in out


def test_explain_with_a_journal_shows_what_was_issued(capsys, tmp_path):
    journaled_run(capsys, tmp_path)
    code, out, _ = call(
        capsys, "explain", SCENARIOS, "LOC00003", "--data", DATA, "--date", "2026-11-12",
        "--journal", str(tmp_path / "journal.sqlite"),
    )  # fmt: skip
    assert code == cli.EXIT_OK
    assert 'done     2026-11-07  firm: sms "relance_ferme_1"' in out


def test_explain_an_unknown_account_suggests_a_close_one(capsys):
    code, _, err = call(
        capsys, "explain", SCENARIOS, "loc00003 ", "--data", DATA, "--date", "2026-11-10"
    )
    assert code == cli.EXIT_USAGE
    assert "account 'loc00003 ': not in the tenants table; did you mean 'LOC00003'?" in err
    code, _, err = call(capsys, "explain", SCENARIOS, "ZZZ", "--data", DATA, "--date", "2026-11-10")
    assert code == cli.EXIT_USAGE
    assert err.endswith("account 'ZZZ': not in the tenants table\n")


def test_explain_an_account_with_bad_data_prints_why(capsys, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("tenants", "ledger"):
        frame = pd.read_csv(EXAMPLE / "data" / f"{name}.csv", dtype=str, keep_default_na=False)
        if name == "ledger":
            frame.loc[frame.account_id == "LOC00003", "amount"] = "12,5O"
        frame.to_csv(data / f"{name}.csv", index=False)
    code, out, _ = call(
        capsys, "explain", SCENARIOS, "LOC00003", "--data", str(data), "--date", "2026-11-10"
    )
    assert code == cli.EXIT_INVALID
    assert out.startswith("account LOC00003: rejected: ")
    assert "ledger.csv row" in out and "column amount" in out


# ------------------------------------------------------------------------------ simulate


def test_simulate_writes_its_tables_and_is_reproducible(capsys, tmp_path):
    argv = ["simulate", SCENARIOS, "--data", DATA, "--start", "2026-11-01", "--end",
            "2026-11-20", "--seed", "3"]  # fmt: skip
    code, out, _ = call(capsys, *argv, "--out", str(tmp_path / "a"))
    assert code == cli.EXIT_OK
    assert "accounts:" in out and "simulated payments:" in out
    for name in ("actions.csv", "payments.csv", "daily.csv", "kpis.csv"):
        assert (tmp_path / "a" / name).stat().st_size > 0
    daily = read_csv(tmp_path / "a" / "daily.csv")
    assert len(daily) == 20
    call(capsys, *argv, "--out", str(tmp_path / "b"))
    for name in ("actions.csv", "payments.csv", "daily.csv", "kpis.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_simulate_a_synthetic_portfolio(capsys, tmp_path):
    code, out, _ = call(
        capsys, "simulate", SCENARIOS, "--synthetic", "40", "--start", "2026-11-01", "--end",
        "2026-11-07", "--out", str(tmp_path),
    )  # fmt: skip
    assert code == cli.EXIT_OK
    assert "a synthetic portfolio of 40 accounts (seed 0)" in out
    assert len(read_csv(tmp_path / "daily.csv")) == 7


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--start", "2026-11-10", "--end", "2026-11-01"], "--end 2026-11-01 is before --start"),
        (["--start", "10/11/2026", "--end", "2026-11-01"], "--start '10/11/2026': not a date"),
    ],
)
def test_simulate_usage_errors(capsys, argv, message):
    code, _, err = call(capsys, "simulate", SCENARIOS, "--data", DATA, *argv)
    assert code == cli.EXIT_USAGE
    assert message in err


# ------------------------------------------------------------------------------ help


@pytest.mark.parametrize(
    "command", ["check", "fmt", "run", "explain", "simulate", "report", "datafix", "outcomes"]
)
def test_every_command_has_help_with_examples_and_exit_codes(command):
    shown = subprocess.run(
        [sys.executable, "-m", "dunforce", command, "--help"], capture_output=True, text=True
    )
    assert shown.returncode == 0
    assert "examples:" in shown.stdout
    if command not in ("check", "fmt"):
        assert "Exit codes:" in shown.stdout


def test_the_top_level_help_lists_every_command():
    shown = subprocess.run(
        [sys.executable, "-m", "dunforce", "--help"], capture_output=True, text=True
    ).stdout
    for command in ("check", "fmt", "run", "explain", "simulate", "report", "datafix", "outcomes"):
        assert textwrap.dedent(f"    {command}") in shown


def test_simulate_tells_its_progress_day_by_day_without_changing_the_result():
    import datetime

    import dunforce

    program = dunforce.load(SCENARIOS)
    portfolio = dunforce.synthetic_portfolio(30, as_of="2026-11-01", seed=1)
    seen: list[datetime.date] = []
    told = dunforce.simulate(
        program, portfolio, start="2026-11-01", end="2026-11-10", progress=seen.append
    )
    quiet = dunforce.simulate(program, portfolio, start="2026-11-01", end="2026-11-10")
    assert seen == [datetime.date(2026, 11, d) for d in range(1, 11)]
    pd.testing.assert_frame_equal(told.actions, quiet.actions)
    pd.testing.assert_frame_equal(told.daily, quiet.daily)
