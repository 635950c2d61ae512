"""The journal of the daily job: every action issued, exactly once, with its outcome.

>>> from dunforce.journal import Journal
>>> Journal.__name__
'Journal'

See ``docs/journal.md`` for the file, the outbox and how a killed run is finished.
"""

from dunforce.journal.daily import DailyRun, finish_pending, run_day, with_journal_history
from dunforce.journal.outbox import write_outbox
from dunforce.journal.store import (
    JOURNAL_COLUMNS,
    Batch,
    Journal,
    JournalBusy,
    JournalError,
    OutcomeReport,
)

__all__ = [
    "JOURNAL_COLUMNS",
    "Batch",
    "DailyRun",
    "Journal",
    "JournalBusy",
    "JournalError",
    "OutcomeReport",
    "finish_pending",
    "run_day",
    "with_journal_history",
    "write_outbox",
]
