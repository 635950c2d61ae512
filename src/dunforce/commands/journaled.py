"""``dunforce run … --journal PATH``: the daily job, safe to kill and run again."""

from __future__ import annotations

import argparse
import datetime
from collections import Counter
from pathlib import Path

from dunforce.journal import Journal, run_day
from dunforce.tables import REJECTED_COLUMNS, Portfolio


def run_journaled(
    args: argparse.Namespace, program, portfolio: Portfolio, day: datetime.date
) -> int:
    from dunforce import cli

    outbox_dir: Path = args.outbox if args.outbox is not None else args.out / "outbox"
    with Journal(args.journal) as journal:
        journal.lock()
        daily = run_day(
            program,
            portfolio,
            day,
            journal,
            outbox_dir,
            scenarios=str(args.scenarios),
            progress=lambda items, total: cli._progress(items, total),
            workers=args.workers,
        )
        rows = journal.records(start=day, end=day)
    args.out.mkdir(parents=True, exist_ok=True)
    actions_path = args.out / "actions.csv"
    rejected_path = args.out / "rejected.csv"
    # the columns of a run without a journal, then what the journal adds
    columns = (*cli._ACTION_COLUMNS, "batch", "outcome", "outcome_on")
    cli._write_csv(actions_path, columns, rows)
    rejected = cli._records(daily.rejected)
    cli._write_csv(rejected_path, REJECTED_COLUMNS, rejected)
    messages_path = args.out / "messages.csv"
    with_messages = [row for row in rows if row["template"]]
    if program.templates is not None:
        cli._write_csv(
            messages_path,
            cli.MESSAGE_COLUMNS,
            ({**row, "error": row["render_error"]} for row in with_messages),
        )

    new = daily.batch.actions if daily.batch is not None else 0
    print(f"{args.scenarios} on {day.isoformat()}, tables from {args.data}")
    print(f"journal:        {args.journal}")
    for batch in daily.recovered:
        print(
            f"  finished an interrupted run: wrote {batch.outbox} "
            f"({cli._count(batch.actions, 'action')} of {batch.run_date.isoformat()})"
        )
    print(f"accounts read:  {daily.accounts}")
    print(f"stepped:        {daily.stepped}")
    print(f"rejected:       {len(rejected)}" + (f" (see {rejected_path})" if rejected else ""))
    already = len(rows) - new
    print(
        f"new actions:    {new}"
        + (f" ({already} issued earlier on {day.isoformat()}, not issued again)" if already else "")
    )
    batch_number = daily.batch.batch if daily.batch is not None else None
    channels = Counter(row["channel"] for row in rows if row["batch"] == batch_number)
    print(f"  by channel:   {cli._tally(channels)}")
    if daily.batch is not None:
        print(f"wrote {daily.batch.outbox} (batch {daily.batch.batch}, the outbox)")
    print(f"wrote {actions_path} ({cli._count(len(rows), 'action')} of {day.isoformat()})")
    print(f"wrote {rejected_path} ({cli._count(len(rejected), 'rejected account')})")
    if program.templates is not None:
        print(f"wrote {messages_path} ({cli._count(len(with_messages), 'message')})")
    return cli.EXIT_OK
