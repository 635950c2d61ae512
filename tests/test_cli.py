"""The command line, run as a user runs it: a separate process, real files, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "social_housing" / "scenarios.dfs"


def dunforce(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dunforce", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_check_the_bundled_example_succeeds():
    result = dunforce("check", str(EXAMPLE))
    assert result.returncode == 0, result.stdout + result.stderr
    # the templates beside the file are checked with it
    assert result.stdout.strip().endswith(
        "0 warnings; templates from " + str(EXAMPLE.parent / "templates")
    )
    assert "profiles" in result.stdout


def test_check_prints_errors_like_a_compiler_and_fails(tmp_path):
    rules = tmp_path / "rules.dfs"
    rules.write_text("profile late: days_lat > 3\nif apl then smss at D+2\n", encoding="utf-8")
    result = dunforce("check", "rules.dfs", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[:4] == [
        "rules.dfs:1:15: error[unknown-name]: unknown name 'days_lat'",
        "   1 | profile late: days_lat > 3",
        "     |               ^^^^^^^^",
        "     = hint: did you mean 'days_late'?",
    ]
    assert "unknown channel 'smss'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_warnings_pass_unless_strict(tmp_path):
    rules = tmp_path / "rules.dfs"
    rules.write_text("profile a: apl\n", encoding="utf-8")
    relaxed = dunforce("check", str(rules))
    assert relaxed.returncode == 0
    assert "warning[no-otherwise]: no profile says `otherwise`" in relaxed.stdout
    assert dunforce("check", "--strict", str(rules)).returncode == 1
    quiet = dunforce("check", "--quiet", str(rules)).stdout
    assert "warning[" not in quiet and quiet.strip().endswith("1 warning")


def test_a_missing_file_is_a_usage_error():
    result = dunforce("check", "no/such/file.dfs")
    assert result.returncode == 2
    assert result.stderr.strip() == "dunforce check: no/such/file.dfs: no such file"


def test_fmt_rewrites_checks_and_diffs(tmp_path):
    rules = tmp_path / "rules.dfs"
    rules.write_text("profile  a :apl # keep me\nprofile bb: otherwise\n", encoding="utf-8")
    assert dunforce("fmt", "--check", str(rules)).returncode == 1
    diff = dunforce("fmt", "--diff", str(rules))
    assert diff.returncode == 0 and "+profile a:  apl  # keep me" in diff.stdout
    assert rules.read_text(encoding="utf-8").startswith("profile  a :apl")  # --diff wrote nothing
    assert dunforce("fmt", str(rules)).returncode == 0
    assert (
        rules.read_text(encoding="utf-8") == "profile a:  apl  # keep me\nprofile bb: otherwise\n"
    )
    assert dunforce("fmt", "--check", str(rules)).returncode == 0


def test_fmt_refuses_a_file_that_does_not_parse_and_leaves_it_alone(tmp_path):
    rules = tmp_path / "rules.dfs"
    rules.write_text("profile a apl\n", encoding="utf-8")
    result = dunforce("fmt", str(rules))
    assert result.returncode == 1
    assert "missing ':' after the profile name 'a'" in result.stderr
    assert rules.read_text(encoding="utf-8") == "profile a apl\n"


@pytest.mark.parametrize("command", [[], ["check"], ["bogus"]])
def test_usage_errors_exit_2(command):
    assert dunforce(*command).returncode == 2


def test_help_has_examples():
    result = dunforce("check", "--help")
    assert result.returncode == 0 and "examples:" in result.stdout


def test_the_console_script_is_installed():
    import shutil

    script = shutil.which("dunforce")
    assert script is not None, "pip install -e . installs the `dunforce` command"
    result = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert result.stdout.startswith("dunforce ")


def test_run_with_two_workers_writes_the_same_actions(tmp_path):
    common = (
        "run",
        "examples/social_housing/scenarios.dfs",
        "--data",
        "examples/social_housing/data",
        "--date",
        "2026-11-12",
    )
    alone = dunforce(*common, "--out", str(tmp_path / "one"))
    shared = dunforce(*common, "--out", str(tmp_path / "two"), "--workers", "2")
    assert alone.returncode == shared.returncode == 0, shared.stderr
    written = (tmp_path / "two" / "actions.csv").read_bytes()
    assert written == (tmp_path / "one" / "actions.csv").read_bytes()
    assert written.count(b"\n") > 10
    refused = dunforce(*common, "--out", str(tmp_path / "three"), "--workers", "0")
    assert refused.returncode == 2
    assert "--workers" in refused.stderr and "between 1 and 64" in refused.stderr
