"""``dunforce outcomes FILE --journal PATH``: what became of the actions, back into the journal."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from dunforce.journal import Journal
from dunforce.state import OUTCOMES

EPILOG = f"""examples:
  dunforce outcomes sms-report-2026-11-10.csv --journal journal.sqlite
  dunforce outcomes calls.jsonl --journal journal.sqlite --rejected calls.rejected.csv

FILE is CSV (UTF-8, comma-separated, a header row) or JSON lines (.jsonl), one row per action:
account_id, key (as in the outbox), outcome, and optionally on (YYYY-MM-DD). The outcomes are
{", ".join(OUTCOMES)}. The last outcome given for an action is the one kept; loading a file
twice changes nothing. Rows naming no action of the journal, or an unknown outcome, are
rejected with their reason (listed, and written to --rejected when given); the others are
applied in one transaction.
Exit codes: 0 every row applied, 1 some rows rejected (the others applied), 2 usage errors
(missing file, unreadable file), 3 the journal is in use by a run.
"""


def add_parser(commands) -> None:
    command = commands.add_parser(
        "outcomes",
        help="record what became of issued actions (delivered, reached, promise…)",
        description="Record in the journal the outcomes an adapter or a team reports for the "
        "actions issued: delivery of messages, calls that reached the tenant, promises to pay. "
        "The next runs read them (derived values such as promise_active and contact_days).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("files", nargs="+", type=Path, metavar="FILE")
    command.add_argument(
        "--journal", type=Path, required=True, metavar="PATH", help="the journal file"
    )
    command.add_argument(
        "--rejected", type=Path, metavar="FILE", help="write the rejected rows to this CSV file"
    )
    command.set_defaults(run=run)


def _rows(path: Path) -> list[dict[str, object]]:
    from dunforce.cli import _UsageError

    if not path.is_file():
        raise _UsageError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _UsageError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _UsageError(f"{path}:{number}: not a JSON object ({exc.msg})") from None
            if not isinstance(row, dict):
                raise _UsageError(f"{path}:{number}: not a JSON object")
            rows.append(_dated(row))
        return rows
    reader = csv.DictReader(text.splitlines())
    missing = {"account_id", "key", "outcome"} - set(reader.fieldnames or ())
    if missing:
        raise _UsageError(f"{path}: no column {', '.join(sorted(missing))} in the header row")
    return [_dated(row) for row in reader]


def _dated(row: dict) -> dict:
    """``outcome_on`` is accepted for ``on``, as the journal's own tables name it."""
    return {**row, "on": row.get("on") or row.get("outcome_on")}


def run(args: argparse.Namespace) -> int:
    from dunforce import cli

    cli._journal_path(args.journal, existing=True)
    loaded = [(path, _rows(path)) for path in args.files]
    rejected_rows: list[dict[str, object]] = []
    with Journal(args.journal, create=False) as journal:
        journal.lock()
        for path, rows in loaded:
            report = journal.record_outcomes(rows, source=path.name)
            print(
                f"{path}: {cli._count(len(rows), 'row')}: {report.applied} applied, "
                f"{report.unchanged} already recorded, {len(report.rejected)} rejected"
            )
            for number, account, key, reason in report.rejected:
                if len(rejected_rows) < 20:
                    print(f"  row {number}: {account or '?'} {key or '?'}: {reason}")
                rejected_rows.append(
                    {
                        "file": str(path),
                        "row": number,
                        "account_id": account,
                        "key": key,
                        "reason": reason,
                    }
                )
    if len(rejected_rows) > 20:
        print(f"  … and {len(rejected_rows) - 20} more")
    if args.rejected is not None:
        cli._write_csv(args.rejected, ("file", "row", "account_id", "key", "reason"), rejected_rows)
        print(f"wrote {args.rejected} ({cli._count(len(rejected_rows), 'rejected row')})")
    return cli.EXIT_INVALID if rejected_rows else cli.EXIT_OK
