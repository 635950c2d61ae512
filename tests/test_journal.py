"""The journal: batches committed once, outbox files written whole, outcomes, the run lock."""

from __future__ import annotations

import datetime
import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import dunforce
from dunforce.frames import ACTION_COLUMNS
from dunforce.journal import (
    JOURNAL_COLUMNS,
    Journal,
    JournalBusy,
    JournalError,
    finish_pending,
    run_day,
    with_journal_history,
    write_outbox,
)
from dunforce.tables import Portfolio

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "social_housing"
DAY = datetime.date(2026, 11, 10)


@pytest.fixture(scope="module")
def program():
    return dunforce.load(EXAMPLE / "scenarios.dfs", templates=EXAMPLE / "templates")


@pytest.fixture(scope="module")
def portfolio():
    return Portfolio.read_csv(EXAMPLE / "data")


@pytest.fixture
def journal(tmp_path):
    with Journal(tmp_path / "journal.sqlite") as opened:
        opened.lock()
        yield opened


def outbox_keys(directory: Path) -> list[tuple[str, str]]:
    keys = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            keys.append((record["account_id"], record["key"]))
    return keys


# ------------------------------------------------------------------------------ the file


def test_a_new_journal_is_empty_and_typed(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        frame = journal.actions()
        assert list(frame.columns) == list(JOURNAL_COLUMNS)
        assert len(frame) == 0
        assert journal.last_run_date() is None
        assert journal.batches() == ()
    mode = sqlite3.connect(tmp_path / "j.sqlite").execute("PRAGMA journal_mode").fetchone()
    assert mode == ("wal",)


def test_a_file_that_is_not_a_journal_is_refused(tmp_path):
    garbage = tmp_path / "notes.sqlite"
    garbage.write_bytes(b"this is not a database, just some text " * 100)
    with pytest.raises(JournalError, match="not a dunforce journal"):
        Journal(garbage)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE customers (id INTEGER)").connection.commit()
    with pytest.raises(JournalError, match="not a dunforce journal"):
        Journal(other)
    with pytest.raises(JournalError, match="is a directory"):
        Journal(tmp_path)
    with pytest.raises(JournalError, match="does not exist"):
        Journal(tmp_path / "missing" / "j.sqlite")


def test_a_journal_of_another_version_is_refused(tmp_path):
    path = tmp_path / "j.sqlite"
    Journal(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'version'")
    with pytest.raises(JournalError, match="version 99"):
        Journal(path)


def test_reading_opens_never_create_nor_change_a_file(tmp_path):
    with pytest.raises(JournalError, match="no such journal"):
        Journal(tmp_path / "typo.sqlite", create=False)
    assert not (tmp_path / "typo.sqlite").exists()
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    with pytest.raises(JournalError, match="not a dunforce journal"):
        Journal(other)
    with sqlite3.connect(other) as db:  # left as it was: no journal tables, no WAL
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        assert tables == {"meta"}


def test_writing_needs_the_lock(tmp_path, program, portfolio):
    actions = program.step(next(iter(portfolio.accounts())), DAY)
    with Journal(tmp_path / "j.sqlite") as journal, pytest.raises(JournalError, match="lock"):
        journal.add_batch(DAY, "s.dfs", actions or (), tmp_path)


# ------------------------------------------------------------------------------ batches


def test_a_run_records_its_actions_once_and_writes_their_outbox(
    journal, tmp_path, program, portfolio
):
    first = run_day(program, portfolio, DAY, journal, tmp_path / "outbox", scenarios="s.dfs")
    assert first.batch is not None and first.batch.written
    reference = program.run(portfolio, DAY).actions
    assert first.batch.actions == len(reference) > 0
    recorded = journal.actions()
    assert sorted(zip(recorded.account_id, recorded.key, strict=True)) == sorted(
        zip(reference.account_id, reference.key, strict=True)
    )
    # the journal's table is an actions table, typed as Program.run types it
    for column in ACTION_COLUMNS:
        assert recorded[column].dtype == reference[column].dtype, column
    pd.testing.assert_frame_equal(
        recorded[list(ACTION_COLUMNS)].sort_values(["account_id", "key"]).reset_index(drop=True),
        reference.sort_values(["account_id", "key"]).reset_index(drop=True),
    )
    assert outbox_keys(tmp_path / "outbox") == list(
        zip(recorded.account_id, recorded.key, strict=True)
    )
    # messages are rendered once, into the journal and the outbox
    with_template = recorded[recorded.template.notna()]
    assert with_template.body.notna().all() and with_template.render_error.isna().all()

    again = run_day(program, portfolio, DAY, journal, tmp_path / "outbox", scenarios="s.dfs")
    assert again.batch is None and again.recovered == ()
    assert len(journal.actions()) == len(reference)
    assert len(list((tmp_path / "outbox").glob("*.jsonl"))) == 1


def test_the_journal_is_the_history_of_the_next_days(journal, tmp_path, program, portfolio):
    days = [DAY + datetime.timedelta(days=n) for n in range(6)]
    for day in days:
        run_day(program, portfolio, day, journal, tmp_path / "outbox")
    # the same days stepped with a history that grows by hand
    state_history = portfolio
    expected = []
    for day in days:
        actions = program.run(state_history, day).actions
        expected.extend(zip(actions.account_id, actions.key, strict=True))
        rows = actions[["account_id", "key", "emitted_on", "channel"]].copy()
        rows["emitted_on"] = rows["emitted_on"].dt.date
        history = pd.concat([state_history.history.astype(object), rows.astype(object)])
        state_history = Portfolio(
            tenants=portfolio.tenants,
            ledger=portfolio.ledger,
            events=portfolio.events,
            plans=portfolio.plans,
            history=history,
        )
    recorded = journal.actions()
    assert sorted(zip(recorded.account_id, recorded.key, strict=True)) == sorted(expected)
    assert len(set(expected)) == len(expected)
    assert outbox_keys(tmp_path / "outbox") == list(
        zip(recorded.account_id, recorded.key, strict=True)
    )


def test_an_earlier_day_than_the_last_run_is_refused(journal, tmp_path, program, portfolio):
    run_day(program, portfolio, DAY, journal, tmp_path)
    with pytest.raises(JournalError, match="last run was for 2026-11-10"):
        run_day(program, portfolio, DAY - datetime.timedelta(days=1), journal, tmp_path)
    holiday = datetime.date(2026, 11, 11)  # Armistice: nothing goes out, the run still counts
    assert run_day(program, portfolio, holiday, journal, tmp_path).batch is None
    assert journal.last_run_date() == holiday
    with pytest.raises(JournalError, match="last run was for 2026-11-11"):
        run_day(program, portfolio, DAY, journal, tmp_path)


def test_an_action_issued_twice_is_refused_by_the_journal(journal, tmp_path, program, portfolio):
    state = next(s for s in portfolio.accounts() if program.step(s, DAY))
    actions = program.step(state, DAY)
    journal.add_batch(DAY, "s.dfs", actions, tmp_path)
    with pytest.raises(JournalError, match="issued again"):
        journal.add_batch(DAY, "s.dfs", actions, tmp_path)
    assert len(journal.batches()) == 1  # the second transaction left nothing


def test_a_batch_left_without_its_file_is_finished_by_the_next_run(
    journal, tmp_path, program, portfolio
):
    reference = program.run(portfolio, DAY).actions
    states = {s.account_id: s for s in portfolio.accounts()}
    actions = [a for i in sorted(set(reference.account_id)) for a in program.step(states[i], DAY)]
    batch = journal.add_batch(DAY, "s.dfs", actions, tmp_path / "outbox")  # then "killed"
    assert not batch.outbox.exists()
    assert journal.batches(pending_only=True) == (batch,)
    later = run_day(program, portfolio, DAY, journal, tmp_path / "outbox")
    assert later.recovered == (batch,) and later.batch is None
    assert batch.outbox.exists() and journal.batches(pending_only=True) == ()
    assert len(outbox_keys(tmp_path / "outbox")) == len(reference)


def test_an_outbox_file_is_never_rewritten(tmp_path):
    path = tmp_path / "box" / "deep" / "2026-11-10-000001.jsonl"
    assert write_outbox(path, [{"account_id": "A", "key": "k"}]) == 1
    first = path.read_bytes()
    assert write_outbox(path, [{"account_id": "A", "key": "k"}]) == 1  # the same: noted only
    with pytest.raises(JournalError, match="exists with other actions"):
        write_outbox(path, [{"account_id": "B", "key": "other"}, {"x": 1}])
    assert path.read_bytes() == first
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no partial file left


def test_a_journal_restored_from_a_backup_never_loses_actions_in_silence(
    tmp_path, program, portfolio
):
    path, backup = tmp_path / "journal.sqlite", tmp_path / "backup.sqlite"
    outbox_dir = tmp_path / "outbox"
    with Journal(path) as journal:
        journal.lock()
        run_day(program, portfolio, DAY, journal, outbox_dir)
        with sqlite3.connect(backup) as copy:
            journal._db.backup(copy)
        run_day(program, portfolio, DAY + datetime.timedelta(days=2), journal, outbox_dir)
    files = sorted(outbox_dir.glob("*.jsonl"))
    assert len(files) == 2 and all(Journal(path).id in f.name for f in files)
    backup.replace(path)  # the backup comes back; the outbox went on
    with Journal(path) as journal:
        journal.lock()
        # the same day again gives the same batch, already written: noted, nothing lost
        again = run_day(program, portfolio, DAY + datetime.timedelta(days=2), journal, outbox_dir)
        assert again.batch is not None and again.batch.outbox == files[1]
    # as if restored before batch 2 once more, and the data changed since: the new batch 2
    # would not be the file's
    fewer = Portfolio(
        tenants=portfolio.tenants.iloc[::2],
        ledger=portfolio.ledger,
        events=portfolio.events,
        plans=portfolio.plans,
        history=portfolio.history,
    )
    with Journal(path) as journal:
        journal.lock()
        journal._db.execute("DELETE FROM actions WHERE batch = 2")
        journal._db.execute("DELETE FROM batches WHERE batch = 2")
        with pytest.raises(JournalError, match="exists with other actions"):
            run_day(program, fewer, DAY + datetime.timedelta(days=2), journal, outbox_dir)
    assert sorted(outbox_dir.glob("*.jsonl")) == files  # nothing overwritten


def test_an_unwritable_outbox_leaves_the_batch_pending(journal, tmp_path, program, portfolio):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the outbox directory should be", encoding="utf-8")
    with pytest.raises(JournalError, match="cannot write the outbox file"):
        run_day(program, portfolio, DAY, journal, blocked / "outbox")
    (pending,) = journal.batches(pending_only=True)  # the actions are safe in the journal
    blocked.unlink()
    later = run_day(program, portfolio, DAY, journal, blocked / "outbox")
    assert later.recovered == (pending,) and pending.outbox.exists()


def test_finish_pending_notes_a_file_already_complete(journal, tmp_path, program, portfolio):
    state = next(s for s in portfolio.accounts() if program.step(s, DAY))
    batch = journal.add_batch(DAY, "s.dfs", program.step(state, DAY), tmp_path)
    write_outbox(batch.outbox, journal.batch_rows(batch.batch))  # killed before the note
    before = batch.outbox.read_bytes()
    assert finish_pending(journal) == (batch,)
    assert batch.outbox.read_bytes() == before
    assert journal.batches(pending_only=True) == ()


# ------------------------------------------------------------------------------ outcomes


def test_outcomes_are_applied_once_and_bad_rows_are_rejected(journal, tmp_path, program, portfolio):
    run_day(program, portfolio, DAY, journal, tmp_path)
    first = journal.actions().iloc[0]
    this = {"account_id": first.account_id, "key": first.key}
    rows = [
        {**this, "outcome": "delivered", "on": "2026-11-10"},
        {**this, "key": "no/such:key", "outcome": "delivered"},
        {**this, "outcome": "deliverd"},
        {**this, "outcome": "reached", "on": "10/11/2026"},
        {**this, "account_id": "", "outcome": "reached"},
    ]
    report = journal.record_outcomes(rows, source="sms.csv")
    assert report.applied == 1 and report.unchanged == 0
    assert [(number, reason.split(" ")[0]) for number, _, _, reason in report.rejected] == [
        (2, "no"),
        (3, "outcome"),
        (4, "on:"),
        (5, "account_id"),
    ]
    again = journal.record_outcomes(rows[:1], source="sms.csv")
    assert (again.applied, again.unchanged, again.rejected) == (0, 1, ())
    recorded = journal.actions().set_index(["account_id", "key"])
    assert recorded.loc[(first.account_id, first.key), "outcome"] == "delivered"
    assert recorded.loc[(first.account_id, first.key), "outcome_on"] == pd.Timestamp("2026-11-10")
    # the next run reads the outcome as history
    history = with_journal_history(portfolio, journal).history
    row = history[(history.account_id == first.account_id) & (history.key == first.key)]
    assert row.outcome.tolist() == ["delivered"]


# ------------------------------------------------------------------------------ the lock


HOLD = textwrap.dedent(
    """
    import sys, time
    from dunforce.journal import Journal
    journal = Journal(sys.argv[1])
    journal.lock()
    print("locked", flush=True)
    time.sleep(60)
    """
)


def test_the_lock_is_the_same_through_a_link(tmp_path):
    real = tmp_path / "data" / "journal.sqlite"
    real.parent.mkdir()
    Journal(real).close()
    (tmp_path / "link.sqlite").symlink_to(real)
    with Journal(tmp_path / "link.sqlite") as linked, Journal(real) as direct:
        linked.lock()
        with pytest.raises(JournalBusy):
            direct.lock()


def test_a_second_run_is_refused_while_one_holds_the_journal(tmp_path):
    path = tmp_path / "j.sqlite"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with Journal(path) as journal:
            with pytest.raises(JournalBusy, match=f"process {holder.pid}"):
                journal.lock()
            assert len(journal.actions()) == 0  # reading is never blocked
        holder.kill()  # SIGKILL: the system releases the lock with the process
        holder.wait()
        with Journal(path) as journal:
            journal.lock()
    finally:
        holder.kill()
        holder.wait()
