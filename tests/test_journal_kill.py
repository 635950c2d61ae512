"""``dunforce run --journal`` killed with SIGKILL and started again issues every action once.

Two ways of killing it: the command line killed at random moments (seeded, so a failure can be
replayed), and a process that kills itself at the precise points where a run is most fragile
(between the journal's commit and the outbox file, with the file written under its temporary
name, between the file and the note that it is written). After each, the runs go on until
they finish, and the journal and the outbox must be exactly those of runs never interrupted.
"""

from __future__ import annotations

import datetime
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import dunforce
from dunforce.journal import Journal, run_day
from dunforce.tables import Portfolio

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "social_housing"
DAYS = [datetime.date(2026, 11, 9) + datetime.timedelta(days=n) for n in range(5)]


def command(day: datetime.date, directory: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dunforce",
        "run",
        str(EXAMPLE / "scenarios.dfs"),
        "--data",
        str(EXAMPLE / "data"),
        "--date",
        day.isoformat(),
        "--journal",
        str(directory / "journal.sqlite"),
        "--out",
        str(directory / "out"),
    ]


def outbox(directory: Path) -> dict[str, bytes]:
    """The outbox files, named without the journal's id (each journal has its own)."""
    with Journal(directory / "journal.sqlite") as journal:
        own = f"-{journal.id}-"
    return {
        p.name.replace(own, "-"): p.read_bytes()
        for p in sorted((directory / "out" / "outbox").glob("*"))
    }


def journal_rows(directory: Path) -> list[tuple]:
    with Journal(directory / "journal.sqlite") as journal:
        frame = journal.actions()
    return sorted(zip(frame.account_id, frame.key, frame.batch, strict=True))


def outbox_keys(files: dict[str, bytes]) -> list[tuple[str, str]]:
    return [
        (record["account_id"], record["key"])
        for content in files.values()
        for record in map(json.loads, content.decode("utf-8").splitlines())
    ]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The days run once each, never interrupted, and how long each run took."""
    directory = tmp_path_factory.mktemp("reference")
    durations = []
    for day in DAYS:
        start = time.perf_counter()
        subprocess.run(command(day, directory), check=True, capture_output=True)
        durations.append(time.perf_counter() - start)
    return directory, durations


@pytest.mark.slow
def test_runs_killed_at_random_moments_issue_every_action_once(reference, tmp_path):
    expected_dir, durations = reference
    expected = outbox(expected_dir)
    assert len(outbox_keys(expected)) > 50  # the days do issue actions
    rng = random.Random(20261122)
    kills = 0
    for day, duration in zip(DAYS, durations, strict=True):
        for _ in range(3):  # up to three kills a day, at a random moment of the run
            process = subprocess.Popen(
                command(day, tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            time.sleep(rng.uniform(0.1, 1.0) * duration)
            process.send_signal(signal.SIGKILL)
            code = process.wait()
            kills += code == -signal.SIGKILL
            assert code in (0, -signal.SIGKILL), process.stderr.read()
        finished = subprocess.run(command(day, tmp_path), capture_output=True, text=True)
        assert finished.returncode == 0, finished.stderr
    assert kills >= 5  # most attempts were killed before they finished
    got = outbox(tmp_path)
    assert got == expected  # the same files, byte for byte: nothing twice, nothing lost
    keys = outbox_keys(got)
    assert len(keys) == len(set(keys))
    assert journal_rows(tmp_path) == journal_rows(expected_dir)
    assert not list((tmp_path / "out" / "outbox").glob(".*"))  # no partial file left over
    assert sorted(keys) == sorted((a, k) for a, k, _ in journal_rows(tmp_path))


# ------------------------------------------------------------------------------ precise points


def _killed_at(point: str, directory: str) -> None:
    """In a child process: run the first day and die by SIGKILL at ``point``."""
    from dunforce.journal import daily, outbox, store

    def die(*_args, **_kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "after the commit":
        daily.write_outbox = die
    elif point == "before the rename":
        original = outbox.os.fsync

        def fsync(descriptor):
            original(descriptor)
            die()

        outbox.os.fsync = fsync
    elif point == "after the file, before its note":
        store.Journal.mark_written = die
    program = dunforce.load(EXAMPLE / "scenarios.dfs", templates=EXAMPLE / "templates")
    portfolio = Portfolio.read_csv(EXAMPLE / "data")
    with Journal(Path(directory) / "journal.sqlite") as journal:
        journal.lock()
        run_day(program, portfolio, DAYS[1], journal, Path(directory) / "out" / "outbox")
    os._exit(3)  # not reached when the point is


@pytest.mark.parametrize(
    "point", ["after the commit", "before the rename", "after the file, before its note"]
)
def test_a_run_killed_at_a_fragile_point_is_finished_by_the_next(point, reference, tmp_path):
    expected_dir, _ = reference
    subprocess.run(command(DAYS[0], tmp_path), check=True, capture_output=True)
    child = multiprocessing.get_context("fork").Process(
        target=_killed_at, args=(point, str(tmp_path))
    )
    child.start()
    child.join()
    assert child.exitcode == -signal.SIGKILL
    with Journal(tmp_path / "journal.sqlite") as journal:
        pending = journal.batches(pending_only=True)
    assert len(pending) == 1  # the batch was committed, its file not noted as written
    if point == "before the rename":
        assert not pending[0].outbox.exists()  # never a partial file under the final name
        assert list(pending[0].outbox.parent.glob(".*.partial"))
    for day in DAYS[1:]:
        subprocess.run(command(day, tmp_path), check=True, capture_output=True)
    assert outbox(tmp_path) == outbox(expected_dir)
    assert journal_rows(tmp_path) == journal_rows(expected_dir)
