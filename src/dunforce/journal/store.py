"""The journal: an embedded SQLite file of every action issued, in batches, with outcomes.

The journal is the memory of the daily job. Every action goes in exactly once — the primary
key is the account and the action's key, which the step function never issues twice — inside a
*batch*: the actions one run added, committed in one transaction. A batch names the outbox file
it is written to; the file is written after the commit, so the journal always knows at least as
much as the outbox, and a batch whose file is not written yet is finished by the next run.

SQLite runs in WAL mode with ``synchronous=FULL``: a committed batch survives a power cut, and
readers (a report, ``explain``) are never blocked by a run. One run at a time holds the journal:
the lock is an OS file lock, released by the system when the process dies, even by SIGKILL.
"""

from __future__ import annotations

import datetime
import json
import os
import sqlite3
import sys
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import attrs
import pandas as pd

from dunforce.errors import DunforceError
from dunforce.frames import ACTION_COLUMNS, ACTION_DTYPES, typed_column
from dunforce.state import OUTCOMES, Action

__all__ = [
    "JOURNAL_COLUMNS",
    "Batch",
    "Journal",
    "JournalBusy",
    "JournalError",
    "OutcomeReport",
]

#: bumped when the tables change; a journal of another version is refused, not guessed at
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    batch INTEGER PRIMARY KEY,
    run_date TEXT NOT NULL,
    scenarios TEXT NOT NULL,
    actions INTEGER NOT NULL,
    outbox TEXT NOT NULL,
    written INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS actions (
    account_id TEXT NOT NULL,
    key TEXT NOT NULL,
    batch INTEGER NOT NULL REFERENCES batches (batch),
    position INTEGER NOT NULL,
    channel TEXT NOT NULL,
    template TEXT,
    options TEXT NOT NULL,
    scheduled_for TEXT NOT NULL,
    emitted_on TEXT NOT NULL,
    scenario TEXT NOT NULL,
    profile TEXT,
    kind TEXT NOT NULL,
    requires_approval INTEGER NOT NULL,
    windows TEXT NOT NULL,
    policy_note TEXT NOT NULL,
    reason TEXT NOT NULL,
    line INTEGER NOT NULL,
    subject TEXT,
    body TEXT,
    render_error TEXT,
    outcome TEXT,
    outcome_on TEXT,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX IF NOT EXISTS actions_by_batch ON actions (batch, position);
CREATE TABLE IF NOT EXISTS outcome_log (
    account_id TEXT NOT NULL,
    key TEXT NOT NULL,
    outcome TEXT NOT NULL,
    outcome_on TEXT,
    source TEXT NOT NULL
);
"""

#: the columns of :meth:`Journal.actions`: an actions table, then what the journal adds
JOURNAL_COLUMNS: tuple[str, ...] = (
    *ACTION_COLUMNS,
    "batch",
    "subject",
    "body",
    "render_error",
    "outcome",
    "outcome_on",
)


class JournalError(DunforceError):
    """A journal that cannot be used: not a dunforce journal, another version, a bad request."""


class JournalBusy(JournalError):
    """Another run holds the journal."""


@attrs.frozen
class Batch:
    """The actions one run added to the journal, and the outbox file they go to."""

    batch: int
    run_date: datetime.date
    scenarios: str
    actions: int
    outbox: Path
    written: bool


@attrs.frozen
class OutcomeReport:
    """What ``Journal.record_outcomes`` did with each row it was given."""

    applied: int
    unchanged: int
    #: rows not applied: ``(row number, account_id, key, reason)``
    rejected: tuple[tuple[int, str, str, str], ...]


class Journal:
    """A journal file, opened for reading and, under :meth:`lock`, for writing.

    >>> import tempfile, pathlib
    >>> with Journal(pathlib.Path(tempfile.mkdtemp()) / "journal.sqlite") as journal:
    ...     len(journal.actions()), journal.last_run_date()
    (0, None)
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True):
        self.path = Path(path)
        if self.path.is_dir():
            raise JournalError(f"{self.path}: is a directory, not a journal file")
        if not self.path.parent.is_dir():
            raise JournalError(f"{self.path}: the directory {self.path.parent} does not exist")
        if not create and not self.path.is_file():
            raise JournalError(f"{self.path}: no such journal (a journaled run creates it)")
        self._lock_file = None
        try:
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"{self.path}: cannot open ({exc})") from None
        try:
            self._open()
        except sqlite3.OperationalError as exc:
            self._db.close()
            if "locked" in str(exc):
                raise JournalBusy(f"{self.path}: held too long by another process") from None
            raise JournalError(f"{self.path}: not a dunforce journal ({exc})") from None
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise JournalError(f"{self.path}: not a dunforce journal ({exc})") from None
        except BaseException:
            self._db.close()
            raise

    def _open(self) -> None:
        """Check that the file is a journal of this version before changing anything in it,
        and give a new file the journal's tables."""
        tables = {
            row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if tables:
            version = None
            if "meta" in tables:
                found = self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
                version = found[0] if found else None
            if version is None or not {"batches", "actions"} <= tables:
                raise JournalError(f"{self.path}: an SQLite file, but not a dunforce journal")
            if version != str(SCHEMA_VERSION):
                raise JournalError(
                    f"{self.path}: a journal of version {version}; this dunforce reads "
                    f"version {SCHEMA_VERSION}"
                )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        if tables:
            return
        with self._transaction():
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self._db.execute(statement)  # each one idempotent: two creators may race
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('version', ?), ('id', ?)",
                (str(SCHEMA_VERSION), uuid.uuid4().hex[:12]),
            )

    @property
    def id(self) -> str:
        """A name of this journal, given when it was made: it is in its outbox file names, so
        two journals never write files of the same name."""
        (found,) = self._db.execute("SELECT value FROM meta WHERE key='id'").fetchone()
        return found

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        self.unlock()
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                with suppress(sqlite3.Error):  # keep the error that brought us here
                    self._db.execute("ROLLBACK")
            raise

    # -- the run lock ------------------------------------------------------------------------

    @property
    def lock_path(self) -> Path:
        """The lock file beside the journal (the real file: a journal reached through a link
        has the same lock). Never delete it while a run may be going on."""
        real = self.path.resolve()
        return real.with_name(real.name + ".lock")

    def lock(self) -> None:
        """Hold the journal for one run; another run is refused at once, not queued."""
        if self._lock_file is not None:
            return
        for _ in range(10):
            handle = open(self.lock_path, "a+")  # noqa: SIM115 - held until unlock()
            try:
                _try_lock(handle)
            except OSError:
                holder = _holder(self.lock_path)
                handle.close()
                raise JournalBusy(
                    f"{self.path}: another dunforce run is using this journal ({holder}); "
                    "wait for it to finish. Two runs on one journal at once are refused, so "
                    "that no action is issued twice."
                ) from None
            if _same_file(handle, self.lock_path):
                break
            handle.close()  # the lock file was replaced under us: lock the one in place
        else:  # pragma: no cover - a lock file replaced ten times in a row
            raise JournalBusy(f"{self.lock_path}: keeps being replaced; is something deleting it?")
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}\n")
        handle.flush()
        self._lock_file = handle

    def unlock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing the file releases the lock
            self._lock_file = None

    def _require_lock(self) -> None:
        if self._lock_file is None:
            raise JournalError("write to the journal under Journal.lock()")

    # -- reading -----------------------------------------------------------------------------

    def last_run_date(self) -> datetime.date | None:
        """The latest day a run was made for, whether it issued something or not."""
        (found,) = self._db.execute(
            "SELECT max(day) FROM (SELECT max(run_date) AS day FROM batches "
            "UNION ALL SELECT value FROM meta WHERE key = 'last_run_date')"
        ).fetchone()
        return None if found is None else datetime.date.fromisoformat(found)

    def note_run(self, day: datetime.date) -> None:
        """Remember that a run was made for ``day`` (it may have issued nothing)."""
        self._require_lock()
        with self._transaction():
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('last_run_date', ?) ON CONFLICT (key) "
                "DO UPDATE SET value = max(value, excluded.value)",
                (day.isoformat(),),
            )

    def batches(self, *, pending_only: bool = False) -> tuple[Batch, ...]:
        query = "SELECT batch, run_date, scenarios, actions, outbox, written FROM batches"
        if pending_only:
            query += " WHERE written = 0"
        return tuple(
            Batch(b, datetime.date.fromisoformat(d), s, n, Path(o), bool(w))
            for b, d, s, n, o, w in self._db.execute(query + " ORDER BY batch")
        )

    def batch_rows(self, batch: int) -> list[dict[str, object]]:
        """The actions of a batch as outbox records, in the order the run gave them (without
        the outcomes, which come later: a batch's file never changes)."""
        cursor = self._db.execute(
            f"SELECT {', '.join(_RECORD_COLUMNS)} FROM actions WHERE batch = ? ORDER BY position",
            (batch,),
        )
        records = [_record(row) for row in cursor]
        for record in records:
            del record["outcome"], record["outcome_on"]
        return records

    def history(self) -> pd.DataFrame:
        """The canonical ``history`` table of every action in the journal, with outcomes."""
        frame = pd.read_sql_query(
            "SELECT account_id, key, emitted_on, channel, outcome FROM actions "
            "ORDER BY account_id, emitted_on, key",
            self._db,
            dtype=object,
        )
        return frame.astype(object)

    def actions(self, *, start: object = None, end: object = None) -> pd.DataFrame:
        """The actions issued (``emitted_on`` within ``[start, end]`` when given), with the
        columns of :data:`JOURNAL_COLUMNS`: an actions table, typed as ``Program.run`` gives it,
        then the batch, the rendered message and the outcome."""
        return _journal_frame(self.records(start=start, end=end))

    def records(self, *, start: object = None, end: object = None) -> list[dict[str, object]]:
        """The same actions as plain values: ISO dates, the contact windows as ISO pairs in
        the tenant's time zone (and the first start and last end of the day, as in an actions
        table), in the order they were issued."""
        where, params = [], []
        if start is not None:
            where.append("emitted_on >= ?")
            params.append(_iso(start))
        if end is not None:
            where.append("emitted_on <= ?")
            params.append(_iso(end))
        query = f"SELECT {', '.join(_RECORD_COLUMNS)} FROM actions"
        if where:
            query += " WHERE " + " AND ".join(where)
        query += " ORDER BY emitted_on, batch, position"
        records = [_record(row) for row in self._db.execute(query, params)]
        for record in records:
            windows = record["windows"]
            record["window_start"] = windows[0][0] if windows else None
            record["window_end"] = windows[-1][1] if windows else None
        return records

    def issued_keys(self, account_ids: Iterable[str]) -> set[tuple[str, str]]:
        wanted = list(dict.fromkeys(account_ids))
        found: set[tuple[str, str]] = set()
        for first in range(0, len(wanted), 500):
            chunk = wanted[first : first + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(
                self._db.execute(
                    f"SELECT account_id, key FROM actions WHERE account_id IN ({marks})", chunk
                )
            )
        return found

    # -- writing -----------------------------------------------------------------------------

    def add_batch(
        self,
        run_date: datetime.date,
        scenarios: str,
        actions: Sequence[Action],
        outbox_dir: Path,
        messages: dict[tuple[str, str], tuple[str | None, str | None, str | None]] | None = None,
    ) -> Batch | None:
        """Record the actions of one run in one transaction; ``None`` when there are none.

        An action whose key the journal already holds for its account is an error: the step
        function never issues a key of the history, so it means the history was not read."""
        self._require_lock()
        if not actions:
            return None
        messages = messages or {}
        with self._transaction():
            (number,) = self._db.execute(
                "SELECT coalesce(max(batch), 0) + 1 FROM batches"
            ).fetchone()
            name = f"{run_date.isoformat()}-{self.id}-{number:06d}.jsonl"
            outbox = Path(outbox_dir).resolve() / name
            self._db.execute(
                "INSERT INTO batches (batch, run_date, scenarios, actions, outbox) "
                "VALUES (?, ?, ?, ?, ?)",
                (number, run_date.isoformat(), scenarios, len(actions), str(outbox)),
            )
            rows = [
                _row(action, number, position, messages.get((action.account_id, action.key)))
                for position, action in enumerate(actions)
            ]
            try:
                self._db.executemany(
                    f"INSERT INTO actions ({', '.join(_STORED_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(_STORED_COLUMNS))})",
                    rows,
                )
            except sqlite3.IntegrityError as exc:
                raise JournalError(
                    f"{self.path}: an action already in the journal was issued again ({exc}); "
                    "the run did not read the journal's history"
                ) from None
        return Batch(number, run_date, scenarios, len(actions), outbox, False)

    def mark_written(self, batch: int) -> None:
        self._require_lock()
        with self._transaction():
            self._db.execute("UPDATE batches SET written = 1 WHERE batch = ?", (batch,))

    def record_outcomes(self, rows: Iterable[dict[str, object]], source: str) -> OutcomeReport:
        """Apply outcomes (``account_id``, ``key``, ``outcome``, optional ``on``) to the actions
        they name, in one transaction. A row naming no journaled action, or an outcome not in
        :data:`dunforce.state.OUTCOMES`, is rejected with its reason; the others are applied.
        Applying the same rows twice changes nothing the second time."""
        self._require_lock()
        applied = unchanged = 0
        rejected: list[tuple[int, str, str, str]] = []
        with self._transaction():
            for number, row in enumerate(rows, start=1):
                account = _text(row.get("account_id"))
                key = _text(row.get("key"))
                outcome = _text(row.get("outcome"))
                problem = None
                on = None
                if not account or not key:
                    problem = "account_id and key are required"
                elif outcome not in OUTCOMES:
                    problem = (
                        f"outcome {outcome!r} is not one of {', '.join(OUTCOMES)}"
                        if outcome
                        else "no outcome"
                    )
                else:
                    try:
                        on = _optional_iso(row.get("on"))
                    except ValueError:
                        problem = f"on: {row.get('on')!r} is not a date (YYYY-MM-DD)"
                if problem is None:
                    found = self._db.execute(
                        "SELECT outcome, outcome_on FROM actions WHERE account_id=? AND key=?",
                        (account, key),
                    ).fetchone()
                    if found is None:
                        problem = "no such action in the journal"
                    elif found == (outcome, on):
                        unchanged += 1
                        continue
                if problem is not None:
                    rejected.append((number, account, key, problem))
                    continue
                self._db.execute(
                    "UPDATE actions SET outcome=?, outcome_on=? WHERE account_id=? AND key=?",
                    (outcome, on, account, key),
                )
                self._db.execute(
                    "INSERT INTO outcome_log VALUES (?, ?, ?, ?, ?)",
                    (account, key, outcome, on, source),
                )
                applied += 1
        return OutcomeReport(applied, unchanged, tuple(rejected))


# ------------------------------------------------------------------------------ rows

_STORED_COLUMNS = (
    "account_id",
    "key",
    "batch",
    "position",
    "channel",
    "template",
    "options",
    "scheduled_for",
    "emitted_on",
    "scenario",
    "profile",
    "kind",
    "requires_approval",
    "windows",
    "policy_note",
    "reason",
    "line",
    "subject",
    "body",
    "render_error",
)
_RECORD_COLUMNS = (*_STORED_COLUMNS, "outcome", "outcome_on")


def _row(action: Action, batch: int, position: int, message) -> tuple:
    subject, body, error = message or (None, None, None)
    windows = json.dumps([[start.isoformat(), end.isoformat()] for start, end in action.windows])
    return (
        action.account_id,
        action.key,
        batch,
        position,
        action.channel,
        action.template,
        " ".join(action.options),
        action.scheduled_for.isoformat(),
        action.emitted_on.isoformat(),
        action.scenario,
        action.profile,
        action.kind,
        int(action.requires_approval),
        windows,
        action.policy_note,
        action.reason,
        action.line,
        subject,
        body,
        error,
    )


def _record(row: tuple) -> dict[str, object]:
    """A stored row as an outbox record: plain JSON values, the windows as ISO pairs."""
    record = dict(zip(_RECORD_COLUMNS, row, strict=True))
    record["requires_approval"] = bool(record["requires_approval"])
    record["windows"] = json.loads(record["windows"])
    del record["position"]
    return record


_JOURNAL_DTYPES = {
    **ACTION_DTYPES,
    "batch": "int64",
    "outcome_on": "datetime64[ns]",
}


def _journal_frame(records: list[dict[str, object]]) -> pd.DataFrame:
    data = {
        name: typed_column([r[name] for r in records], _JOURNAL_DTYPES.get(name, "object"))
        for name in JOURNAL_COLUMNS
    }
    return pd.DataFrame(data, columns=list(JOURNAL_COLUMNS))


def _iso(value: object) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return datetime.date.fromisoformat(str(value)).isoformat()


def _optional_iso(value: object) -> str | None:
    text = _text(value)
    return None if not text else datetime.date.fromisoformat(text).isoformat()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    return str(value).strip()


# ------------------------------------------------------------------------------ OS lock


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "another process"
    except OSError:
        return "another process"


def _same_file(handle, path: Path) -> bool:
    """Whether the locked file is still the one at ``path`` (not deleted nor replaced)."""
    try:
        here = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(handle.fileno())
    return (mine.st_dev, mine.st_ino) == (here.st_dev, here.st_ino)


if sys.platform == "win32":  # pragma: no cover - the tests run on Linux
    import msvcrt

    def _try_lock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _try_lock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
