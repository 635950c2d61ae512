"""`dunforce run`: read the tables, step every account, write actions.csv and rejected.csv."""

from __future__ import annotations

import contextlib
import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from dunforce import cli
from dunforce.state import Action
from dunforce.tables import REJECTED_COLUMNS

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "social_housing"
ACTION_COLUMNS = list(Action("", "", "", None, (), None, None, "", None, "", "").to_dict())

RULES = """\
profile late:  in_case
profile other: otherwise

scenario remind for late:
    sms "relance" at D+2
    call at D+10 if debt >= 50 €
"""
TENANTS = """\
account_id,apl,payment_method,phone_mobile,email_address
A1,true,debit,+33639980001,a1@example.org
A2,false,transfer,+33639980002,
A3,maybe,cheque,,
A4,false,cash,+33639980004,a4@example.org
"""
LEDGER = """\
account_id,kind,amount,date,id,method
A1,charge,450.00,2026-03-05,C1,
A2,charge,300.00,2026-03-05,C2,
A2,payment,300.00,2026-03-04,P2,transfer
A3,charge,10.00,2026-03-05,C3,
A4,charge,20.00,2026-03-05,C4,
A4,payment,19.99,2026-03-05,P4,cash
Z9,charge,10.00,2026-03-05,C9,
"""


def run(*args: str | Path) -> tuple[int, str, str]:
    """``dunforce`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    (tmp_path / "rules.dfs").write_text(RULES, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "tenants.csv").write_text(TENANTS, encoding="utf-8")
    (data / "ledger.csv").write_text(LEDGER, encoding="utf-8")
    return tmp_path


def test_run_steps_every_account_and_writes_actions_and_rejected(portfolio):
    out = portfolio / "out"
    code, stdout, stderr = run(
        "run",
        portfolio / "rules.dfs",
        "--data",
        portfolio / "data",
        "--date",
        "2026-03-07",
        "--out",
        out,
    )
    assert code == 0, stderr
    assert stderr == ""
    actions = rows(out / "actions.csv")
    assert [(a["account_id"], a["channel"], a["template"]) for a in actions] == [
        ("A1", "sms", "relance"),
        ("A4", "sms", "relance"),  # 0.01 € late is late
    ]
    first = actions[0]
    assert (first["scheduled_for"], first["emitted_on"]) == ("2026-03-07", "2026-03-07")
    assert (first["scenario"], first["profile"], first["kind"]) == ("remind", "late", "automatic")
    assert first["key"].startswith("remind/") and first["key"].endswith("@2026-03-05")
    assert list(actions[0]) == ACTION_COLUMNS

    rejected = rows(out / "rejected.csv")
    assert [(r["account_id"], r["source"], r["row"], r["field"], r["value"]) for r in rejected] == [
        ("A3", "tenants", "3", "apl", "maybe"),
        ("Z9", "ledger", "7", "account_id", "Z9"),
    ]
    assert rejected[0]["reason"].startswith("apl: 'maybe' is not true or false")
    assert list(rejected[0]) == list(REJECTED_COLUMNS)

    lines = stdout.splitlines()
    assert lines[0] == f"{portfolio / 'rules.dfs'} on 2026-03-07, tables from {portfolio / 'data'}"
    assert "accounts read:  5" in lines
    assert "stepped:        3" in lines
    assert f"rejected:       2 (see {out / 'rejected.csv'})" in lines
    assert "actions:        2" in lines
    assert "  by channel:   sms 2" in lines
    assert "  by kind:      automatic 2" in lines
    assert f"wrote {out / 'actions.csv'} (2 actions)" in lines
    assert f"wrote {out / 'rejected.csv'} (2 rejected accounts)" in lines
    assert not list(out.glob("*.partial"))


def test_actions_are_sorted_by_account_day_and_key(portfolio):
    (portfolio / "rules.dfs").write_text(
        RULES.replace('sms "relance" at D+2', 'sms "relance" at D+2\n    email "rappel" at D+1')
        # two messages on one day: lift the default cap of one automatic message a day
        + "\npolicy:\n    no cap automatic\n",
        encoding="utf-8",
    )
    out = portfolio / "out"
    code, _, stderr = run(
        "run",
        portfolio / "rules.dfs",
        "--data",
        portfolio / "data",
        "--date",
        "2026-03-07",
        "--out",
        out,
    )
    assert code == 0, stderr
    actions = rows(out / "actions.csv")
    keys = [(a["account_id"], a["scheduled_for"], a["key"]) for a in actions]
    assert keys == sorted(keys) and len(keys) == 4
    assert [a["channel"] for a in actions] == ["email", "sms", "email", "sms"]


def test_the_history_makes_a_second_run_emit_nothing_new(portfolio):
    out = portfolio / "out"
    arguments = [
        "run",
        portfolio / "rules.dfs",
        "--data",
        portfolio / "data",
        "--date",
        "2026-03-07",
    ]
    assert run(*arguments, "--out", out)[0] == 0
    issued = rows(out / "actions.csv")
    history = ["account_id,key,emitted_on,channel,outcome"] + [
        f"{a['account_id']},{a['key']},{a['emitted_on']},{a['channel']},delivered" for a in issued
    ]
    (portfolio / "data" / "history.csv").write_text("\n".join(history) + "\n", encoding="utf-8")
    code, stdout, _ = run(*arguments, "--out", out)
    assert code == 0
    assert rows(out / "actions.csv") == []
    assert (out / "actions.csv").read_text(encoding="utf-8").splitlines() == [
        ",".join(ACTION_COLUMNS)
    ]
    assert "actions:        0" in stdout and "  by channel:   none" in stdout


def test_an_account_the_program_refuses_is_rejected_and_the_run_goes_on(portfolio):
    (portfolio / "rules.dfs").write_text(
        "profile big: household_size >= 4\nprofile other: otherwise\n"
        'scenario s for big:\n    sms "relance" at D+2\n',
        encoding="utf-8",
    )
    (portfolio / "data" / "tenants.csv").write_text(
        "account_id,household_size,phone_mobile\n"
        "A1,5,+33639980001\nA2,,+33639980002\nA3,2,\nA4,4,+33639980004\n",
        encoding="utf-8",
    )
    out = portfolio / "out"
    code, stdout, stderr = run(
        "run",
        portfolio / "rules.dfs",
        "--data",
        portfolio / "data",
        "--date",
        "2026-03-07",
        "--out",
        out,
    )
    assert code == 0, stderr
    rejected = {r["account_id"]: r for r in rows(out / "rejected.csv")}
    assert set(rejected) == {"A2", "Z9"}
    assert rejected["A2"]["source"] == "step" and rejected["A2"]["row"] == ""
    assert rejected["A2"]["field"] == "household_size"
    assert rejected["A2"]["reason"].startswith("household_size: missing")
    assert [a["account_id"] for a in rows(out / "actions.csv")] == ["A1", "A4"]
    assert "stepped:        3" in stdout


def test_attributes_declared_in_the_scenario_file_are_read_from_tenants(portfolio):
    (portfolio / "rules.dfs").write_text(
        'attribute agency: text one of ["nord", "sud"]\n' + RULES, encoding="utf-8"
    )
    (portfolio / "data" / "tenants.csv").write_text(
        "account_id,agency\nA1,nord\nA2,sud\nA3,est\nA4,\n", encoding="utf-8"
    )
    out = portfolio / "out"
    code, _, stderr = run(
        "run",
        portfolio / "rules.dfs",
        "--data",
        portfolio / "data",
        "--date",
        "2026-03-07",
        "--out",
        out,
    )
    assert code == 0, stderr
    rejected = {r["account_id"]: r for r in rows(out / "rejected.csv")}
    assert set(rejected) == {"A3", "Z9"}
    assert rejected["A3"]["field"] == "agency" and "not one of" in rejected["A3"]["reason"]


def test_the_default_output_directory_is_the_current_one(portfolio, monkeypatch):
    monkeypatch.chdir(portfolio)
    code, stdout, _ = run("run", "rules.dfs", "--data", "data", "--date", "2026-03-07")
    assert code == 0
    assert (portfolio / "actions.csv").is_file() and (portfolio / "rejected.csv").is_file()
    assert "wrote actions.csv (2 actions)" in stdout


def test_a_scenario_file_with_errors_exits_1_and_writes_nothing(portfolio):
    (portfolio / "rules.dfs").write_text("profile late: days_lat > 3\n", encoding="utf-8")
    out = portfolio / "out"
    code, stdout, stderr = run(
        "run",
        portfolio / "rules.dfs",
        "--data",
        portfolio / "data",
        "--date",
        "2026-03-07",
        "--out",
        out,
    )
    assert code == 1
    assert "rules.dfs:1:15: error[unknown-name]: unknown name 'days_lat'" in stderr
    assert "Traceback" not in stdout + stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: ["--date", "2026-13-01"], "--date '2026-13-01': not a date"),
        (lambda p: ["--date", "04/03/2026"], "write it as YYYY-MM-DD"),
        (lambda p: ["--data", p / "nowhere"], "nowhere: no such directory"),
        (lambda p: [p / "missing.dfs"], "missing.dfs: no such file"),
        (lambda p: ["--out", p / "rules.dfs"], "rules.dfs: not a directory"),
        (lambda p: ["--channels", "no_such_module_xyz:CHANNELS"], "cannot import"),
    ],
    ids=["month 13", "french date", "no data", "no scenarios", "out is a file", "channels"],
)
def test_usage_errors_exit_2(portfolio, change, message):
    arguments = {
        "scenarios": [portfolio / "rules.dfs"],
        "--data": [portfolio / "data"],
        "--date": ["2026-03-07"],
        "--out": [portfolio / "out"],
    }
    extra = change(portfolio)
    if str(extra[0]).startswith("--"):
        arguments[str(extra[0])] = extra[1:]
    else:
        arguments["scenarios"] = extra
    argv = [*arguments.pop("scenarios")]
    for option, values in arguments.items():
        argv += [option, *values]
    code, stdout, stderr = run("run", *argv)
    assert code == 2, stdout + stderr
    assert stderr.startswith("dunforce run: ") and message in stderr, stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "tenants.csv").unlink(), "tenants.csv: no such file"),
        (
            lambda d: (d / "ledger.csv").write_text("account_id,kind,date\n", encoding="utf-8"),
            "ledger.csv: missing column 'amount'",
        ),
    ],
    ids=["no tenants.csv", "no amount column"],
)
def test_tables_that_cannot_be_read_are_usage_errors(portfolio, damage, message):
    damage(portfolio / "data")
    code, _, stderr = run(
        "run", portfolio / "rules.dfs", "--data", portfolio / "data", "--date", "2026-03-07"
    )
    assert code == 2
    assert message in stderr


def test_date_is_required():
    code, _, stderr = run("run", "rules.dfs", "--data", "data")
    assert code == 2 and "--date" in stderr


def test_the_bundled_example_runs_as_the_readme_says(tmp_path):
    """As a user runs it: a separate process, the bundled scenarios and portfolio."""
    command = ["run", "examples/social_housing/scenarios.dfs", "--data"]
    command += ["examples/social_housing/data", "--date", "2026-11-10", "--out", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, "-m", "dunforce", *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "accounts read:  300" in result.stdout
    assert "stepped:        300" in result.stdout
    assert "rejected:       0" in result.stdout
    actions = rows(tmp_path / "actions.csv")
    assert f"actions:        {len(actions)}" in result.stdout
    assert actions, "the example should have something to do on its run date"
    keys = [(a["account_id"], a["scheduled_for"], a["key"]) for a in actions]
    assert keys == sorted(keys)
    assert len({a["key"] + a["account_id"] for a in actions}) == len(actions)
    assert rows(tmp_path / "rejected.csv") == []
