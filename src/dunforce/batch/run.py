"""Stepping many accounts: ``Program.run``.

Two paths give the same result. The *per-account* path reads every account and calls
``Program.step`` on it. The *vectorised* path, for a :class:`~dunforce.tables.Portfolio`, first
checks and derives the whole portfolio over columns (:mod:`dunforce.batch.columns`,
:mod:`dunforce.batch.screen`): the accounts with nothing due today, for certain, are counted as
stepped without being read one by one; the others — something may be due, or a cell the columns
cannot vouch for — go through the per-account path. Either way, every account read is stepped
or rejected with its reason, never dropped.
"""

from __future__ import annotations

import datetime
import gc
import multiprocessing
import threading
from collections import Counter
from collections.abc import Iterable, Iterator

import attrs
import numpy as np
import pandas as pd

from dunforce.batch.columns import read_columns
from dunforce.batch.screen import Screen
from dunforce.errors import DunforceError, StateError
from dunforce.frames import actions_frame, rejected_frame
from dunforce.processes import can_fork, check_workers
from dunforce.state import AccountState, Action
from dunforce.tables import Portfolio, Rejected, _Reader

__all__ = ["METHODS", "RunResult", "refused", "run"]

#: how ``Program.run`` steps a portfolio
METHODS = ("auto", "vectorised", "per_account")


@attrs.frozen(eq=False)
class RunResult:
    """The actions of a run and the accounts it rejected, with the counts that reconcile them:
    ``accounts == stepped + len(rejected)``, always."""

    date: datetime.date
    actions: pd.DataFrame
    rejected: pd.DataFrame
    accounts: int  # accounts read: the tenants rows, and the ids other tables name but it lacks
    stepped: int
    #: accounts the vectorised screen showed to have nothing due (stepped without being read
    #: one by one); 0 on the per-account path
    quiet: int = 0
    method: str = "per_account"

    def __attrs_post_init__(self) -> None:
        if self.accounts != self.stepped + len(self.rejected):
            raise AssertionError(
                f"run of {self.date}: {self.accounts} accounts read, but {self.stepped} stepped "
                f"and {len(self.rejected)} rejected"
            )

    def summary(self) -> dict[str, object]:
        """The figures of the run, as the command line prints them."""
        actions = self.actions
        return {
            "date": self.date.isoformat(),
            "accounts": self.accounts,
            "stepped": self.stepped,
            "rejected": len(self.rejected),
            "actions": len(actions),
            "by channel": dict(Counter(actions["channel"]).most_common()),
            "by kind": dict(Counter(actions["kind"]).most_common()),
        }

    def __repr__(self) -> str:
        return (
            f"<RunResult {self.date.isoformat()}: {self.accounts} accounts, {self.stepped} "
            f"stepped, {len(self.rejected)} rejected, {len(self.actions)} actions>"
        )

    def _repr_html_(self) -> str:
        from dunforce.notebook import summary_html

        summary = self.summary()
        figures = {k: v for k, v in summary.items() if not isinstance(v, dict)}
        figures["by channel"] = ", ".join(
            f"{name} {count}" for name, count in summary["by channel"].items()
        )
        return summary_html(
            f"Run of {self.date.isoformat()}",
            figures,
            {"actions": self.actions, "rejected": self.rejected},
        )


def refused(account_id: str, exc: DunforceError) -> Rejected:
    """An account the program refused to step (a missing attribute it reads, say)."""
    if isinstance(exc, StateError):
        field, reason = exc.field, exc.message
        if field and field.startswith("attributes."):
            column = field.removeprefix("attributes.")
            if reason.startswith(field):
                reason = column + reason.removeprefix(field)
            field = column
        return Rejected(account_id, reason, field, exc.value, "step", None)
    return Rejected(account_id, str(exc), None, None, "step", None)


def _not_a_state(item: object) -> Rejected:
    account = getattr(item, "account_id", None)
    return Rejected(
        account if isinstance(account, str) else repr(item)[:80],
        f"not an AccountState: {type(item).__name__}",
        None,
        None,
        "accounts",
        None,
    )


class _Stepper:
    """The per-account path: read, step, and keep every account's fate."""

    def __init__(self, program, on: datetime.date):
        self.program = program
        self.on = on
        self.actions: list[Action] = []
        self.rejected: list[Rejected] = []
        self.read = 0
        self.stepped = 0

    def feed(self, items: Iterator, agenda: Iterator | None = None) -> None:
        """Step each item; ``agenda`` gives, item by item, the occurrences that may go out
        today (``None``: judge them all), as the screen found them."""
        program, on = self.program, self.on
        for item in items:
            self.read += 1
            occurrences = None if agenda is None else next(agenda, None)
            if isinstance(item, Rejected):
                self.rejected.append(item)
                continue
            if not isinstance(item, AccountState):
                self.rejected.append(_not_a_state(item))
                continue
            try:
                result = program._step(item, on, occurrences=occurrences)
            except DunforceError as exc:
                self.rejected.append(refused(item.account_id, exc))
                continue
            self.stepped += 1
            self.actions.extend(result)

    def absorb(self, actions: list, rejected: list, read: int, stepped: int) -> None:
        """Take in what another stepper (of a slice of the accounts) found."""
        self.actions.extend(actions)
        self.rejected.extend(rejected)
        self.read += read
        self.stepped += stepped


def run(
    program, accounts, on: datetime.date, *, method: str = "auto", workers: int = 1
) -> RunResult:
    if method not in METHODS:
        raise ValueError(f"method: expected one of {', '.join(METHODS)}, not {method!r}")
    check_workers(workers)
    stepper = _Stepper(program, on)
    if not isinstance(accounts, Portfolio):
        if isinstance(accounts, AccountState | str | bytes) or not isinstance(accounts, Iterable):
            raise TypeError(
                "accounts: expected an iterable of AccountState or a Portfolio, "
                f"not {type(accounts).__name__}"
            )
        if method == "vectorised":
            raise ValueError("method='vectorised' needs a Portfolio of tables")
        stepper.feed(iter(accounts))
        return _result(stepper, "per_account")
    if method == "per_account":
        stepper.feed(accounts.accounts(program.schema))
        return _result(stepper, "per_account")
    quiet = _vectorised(program, accounts, on, stepper, workers)
    return _result(stepper, "vectorised", quiet)


def _result(stepper: _Stepper, method: str, quiet: int = 0) -> RunResult:
    return RunResult(
        stepper.on,
        actions_frame(stepper.actions),
        rejected_frame(stepper.rejected),
        stepper.read + quiet,
        stepper.stepped + quiet,
        quiet,
        method,
    )


def _vectorised(
    program, portfolio: Portfolio, on: datetime.date, stepper: _Stepper, workers: int
) -> int:
    compiled = program.compiled
    columns = read_columns(portfolio, program.schema, compiled.required)
    screen = Screen(
        compiled,
        program._threshold,
        columns,
        on.toordinal(),
        checked=program.checked,
        tenants=portfolio.tenants,
    )
    pending = screen.pending()
    del screen  # its running sums are not needed by the workers forked below
    exact = ~columns.vouched | pending.accounts
    slices = _slices(np.flatnonzero(exact), columns, workers)
    work = (program, portfolio, _rows_of_slices(columns, slices), on, pending, columns.vouched)
    if workers > 1 and len(slices) > 1 and can_fork():
        global _WORK
        with _FORKING:  # the workers take their copy of the work when they are forked
            _WORK = work
            try:
                pool = multiprocessing.get_context("fork").Pool(
                    min(workers, len(slices)), initializer=_settle_worker
                )
            finally:
                _WORK = None
        with pool:
            for part in pool.imap(_forked_slice, range(len(slices))):
                stepper.absorb(*part)
    else:
        for index in range(len(slices)):
            stepper.absorb(*_step_slice(work, index))
    return int(len(exact) - exact.sum())


#: accounts read one by one at a time on the exact path: memory holds one slice of accounts as
#: Python objects at a time
_SLICE = 50_000
#: below this many accounts, a slice costs a process more to hand over than it saves
_SLICE_FLOOR = 2_000

# the work of the run being forked, read by its workers (set while they are forked, under the
# lock, so that runs in other threads never hand over theirs)
_WORK: tuple | None = None
_FORKING = threading.Lock()


def _slices(accounts: np.ndarray, columns, workers: int) -> list[np.ndarray]:
    """The accounts of the exact path cut in slices, in order: a few per worker, so that the
    workers finish together."""
    if not columns.single.all():
        # an id on several rows of the tenants table (or none): its rows must be read together,
        # so everything is read at once
        return [accounts]
    size = _SLICE
    if workers > 1:
        size = min(size, max(_SLICE_FLOOR, -(-len(accounts) // (4 * workers))))
    return [accounts[first : first + size] for first in range(0, max(len(accounts), 1), size)]


def _settle_worker() -> None:
    """In a forked worker: what it inherited stays as it is (the tables, the columns, the
    program), so the garbage collector need not go through it again and again while the
    worker makes its own objects (and, going through, copy the pages it shares with the
    parent)."""
    gc.freeze()


def _forked_slice(index: int) -> tuple[list, list, int, int]:
    assert _WORK is not None, "a worker forked without its work"
    return _step_slice(_WORK, index)


def _step_slice(work: tuple, index: int) -> tuple[list, list, int, int]:
    """Read and step one slice of the exact path (in a worker, or in the calling process)."""
    program, portfolio, rows, on, pending, vouched = work
    positions = {name: rows[name][index] for name in _TABLES}
    part = Portfolio(**{name: getattr(portfolio, name).iloc[positions[name]] for name in _TABLES})
    stepper = _Stepper(program, on)
    # the reader gives one item per tenants row of the part, in order: the screen's occurrences
    # of each account vouched for go with its item
    accounts = positions["tenants"]
    known = pending.occurrences(accounts[vouched[accounts]])
    agenda = iter([known.get(account) for account in accounts.tolist()])
    # a rejected account names the rows of the whole tables, not of the part read
    stepper.feed(_Reader(part, program.schema, positions).accounts(), agenda)
    return stepper.actions, stepper.rejected, stepper.read, stepper.stepped


_TABLES = ("tenants", "ledger", "events", "plans", "history")


def _rows_of_slices(columns, slices: list[np.ndarray]) -> dict[str, list[np.ndarray]]:
    """For each table, the rows of each slice's accounts, in table order; the rows of ids no
    tenants row has go with the last slice, as the reader gives those accounts last.

    Worked out once for all slices (a sort of the slice numbers of the rows), rather than by
    a pass over each table for every slice."""
    count = len(slices)
    slice_of = np.full(columns.count + 1, count, dtype=np.int32)  # the last: in no slice
    for index, accounts in enumerate(slices):
        slice_of[accounts] = index
    slice_of[-1] = count - 1  # code -1: an unknown id
    rows = {"tenants": [np.asarray(accounts, dtype=np.int64) for accounts in slices]}
    for name in _TABLES[1:]:
        codes = columns.codes[name]
        of_row = slice_of[codes]
        order = np.argsort(of_row, kind="stable")
        bounds = np.searchsorted(of_row[order], np.arange(count + 1))
        # copies: the rows of no slice (most of them) are not kept
        rows[name] = [order[bounds[i] : bounds[i + 1]].copy() for i in range(count)]
    return rows
