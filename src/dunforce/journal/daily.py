"""The daily job with a journal: read the history, step, record, write the outbox.

The order of the steps is what makes a run safe to kill at any moment and start again:

1. take the journal's lock (a second run is refused);
2. finish what a killed run left: a batch committed to the journal whose outbox file is not
   noted as written gets its file now;
3. step every account with the journal's actions as history (plus the data's own history), so
   nothing already issued is issued again;
4. commit the new actions to the journal, as one batch, in one transaction;
5. write the batch's outbox file atomically, then note it written.

Killed before 4, the run left nothing and the next run does it all again (the step function is
pure: same data, same actions). Killed between 4 and 5, the next run's step 2 writes the file.
Killed during 5, the file is either absent or complete. So each action is in the journal once
and in exactly one outbox file.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import attrs
import pandas as pd

from dunforce.errors import DunforceError
from dunforce.journal.outbox import write_outbox
from dunforce.journal.store import Batch, Journal, JournalError
from dunforce.state import AccountState, Action
from dunforce.tables import Portfolio

__all__ = ["DailyRun", "finish_pending", "message_of", "run_day"]


@attrs.frozen
class DailyRun:
    """What one ``run_day`` did."""

    date: datetime.date
    accounts: int
    stepped: int
    rejected: pd.DataFrame
    #: the batch of new actions (``None`` when the run found nothing new)
    batch: Batch | None
    #: batches of earlier, interrupted runs whose outbox file this run wrote
    recovered: tuple[Batch, ...]


def finish_pending(journal: Journal) -> tuple[Batch, ...]:
    """Write the outbox file of every batch the journal holds without one."""
    finished = []
    for batch in journal.batches(pending_only=True):
        write_outbox(batch.outbox, journal.batch_rows(batch.batch))
        journal.mark_written(batch.batch)
        finished.append(batch)
    return tuple(finished)


def with_journal_history(portfolio: Portfolio, journal: Journal) -> Portfolio:
    """The portfolio with the journal's actions added to its history (the journal's outcome
    wins for an action in both)."""
    journaled = journal.history()
    if not len(journaled):
        return portfolio
    own = portfolio.history
    if len(own):
        own = own.reindex(columns=list(journaled.columns)).astype(object)
        merged = pd.concat([own, journaled], ignore_index=True)
        merged = merged.drop_duplicates(subset=["account_id", "key"], keep="last")
    else:
        merged = journaled
    return attrs.evolve(portfolio, history=merged.reset_index(drop=True))


def message_of(program, action: Action, state: AccountState) -> tuple[str | None, ...]:
    """``(subject, body, error)`` of an action's message; a template that cannot be rendered
    is reported, and the action stands."""
    try:
        message = program.render(action, state)
    except DunforceError as exc:
        return None, None, str(exc)
    return message.subject, message.body, None


def acting_states(
    program, portfolio: Portfolio, day: datetime.date, account_ids: set[str], progress=None
) -> Iterator[tuple[AccountState, tuple[Action, ...]]]:
    """The states of the accounts that have actions on ``day``, with their actions: read one by
    one again, for their messages (``Program.run`` gives the actions as a table)."""
    mask = portfolio.tenants["account_id"].isin(account_ids)
    chosen = Portfolio(
        tenants=portfolio.tenants[mask],
        **{
            name: frame[frame["account_id"].isin(account_ids)]
            for name in ("ledger", "events", "plans", "history")
            for frame in (getattr(portfolio, name),)
        },
    )
    items: Iterator = chosen.accounts(program.schema)
    if progress is not None:
        items = progress(items, len(account_ids))
    for item in items:
        if isinstance(item, AccountState):
            yield item, program.step(item, day)


def run_day(
    program,
    portfolio: Portfolio,
    day: datetime.date,
    journal: Journal,
    outbox_dir: Path,
    *,
    scenarios: str = "",
    progress: Callable | None = None,
    workers: int = 1,
) -> DailyRun:
    """One morning's run under the journal (see the module docstring for the order of things).

    The caller holds ``journal.lock()``. A day before the journal's last run is refused: the
    history would hold actions from its future.
    """
    recovered = finish_pending(journal)
    last = journal.last_run_date()
    if last is not None and day < last:
        raise JournalError(
            f"{journal.path}: its last run was for {last.isoformat()}; a run for "
            f"{day.isoformat()} would come after it with an earlier date. Use another journal "
            "to replay past days."
        )
    journal.note_run(day)
    portfolio = with_journal_history(portfolio, journal)
    result = program.run(portfolio, day, workers=workers)
    acting = set(result.actions["account_id"])
    actions: list[Action] = []
    messages: dict[tuple[str, str], tuple[str | None, ...]] = {}
    for state, found in acting_states(program, portfolio, day, acting, progress):
        actions.extend(found)
        if program.templates is not None:
            for action in found:
                if action.template:
                    messages[action.account_id, action.key] = message_of(program, action, state)
    actions.sort(key=lambda action: action.account_id)  # stable: step's order per account
    batch = journal.add_batch(day, scenarios, actions, outbox_dir, messages)
    if batch is not None:
        write_outbox(batch.outbox, journal.batch_rows(batch.batch))
        journal.mark_written(batch.batch)
        batch = attrs.evolve(batch, written=True)
    return DailyRun(day, result.accounts, result.stepped, result.rejected, batch, recovered)


def outbox_files(journal: Journal) -> Sequence[Path]:
    return tuple(batch.outbox for batch in journal.batches())
