"""``dunforce datafix CONFIG --out DIR``: a landlord's exports to canonical tables, from the
command line.

Exit codes: 0 the reconciliation balances (quarantined rows are normal: they are listed in
``quarantine.csv``), 1 an export cannot be read (a missing column, no file for a source), 2 the
command was used wrongly or the datafix file does not validate, 4 the reconciliation does not
balance (3 stays the journal's "in use" code of the other commands).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["EXIT_UNBALANCED", "add_parser", "run"]

EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, EXIT_UNBALANCED = 0, 1, 2, 4

#: exports above this size (in bytes, all files together) get a progress bar on a terminal
PROGRESS_BYTES = 5_000_000

EPILOG = """examples:
  dunforce datafix examples/datafix/datafix.toml --out /tmp/data
  dunforce datafix landlord.toml --previous data --out data \\
      && dunforce run rules.dfs --data data --date 2026-11-10      # the morning job

The command writes OUT/tenants.csv, ledger.csv, events.csv, plans.csv and history.csv (the
canonical tables that `dunforce run --data` reads), OUT/quarantine.csv (every row not loaded,
with its file, line, column, value and reason) and OUT/reconciliation.csv (rows and amounts
read, loaded, quarantined and filtered, per source). With --previous, today's rows are merged
into yesterday's tables: new rows appended, corrections applied by key, a file loaded twice
changes nothing.
Exit codes: 0 the reconciliation balances (quarantined rows are normal), 1 an export cannot be
read (a missing column, no file for a source), 2 usage errors or a datafix file that does not
validate, 4 the reconciliation does not balance.
"""


def add_parser(commands) -> None:
    command = commands.add_parser(
        "datafix",
        help="turn a landlord's exports into canonical tables",
        description="Read a landlord's exports as its datafix file says, and write the "
        "canonical tables, the quarantined rows and the reconciliation as CSV.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("config", type=Path, metavar="CONFIG", help="the datafix file (.toml)")
    command.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="where to write the tables"
    )
    command.add_argument(
        "--previous",
        type=Path,
        metavar="DIR",
        help="yesterday's canonical tables, to merge today's exports into (may be --out itself)",
    )
    command.add_argument(
        "--exports",
        type=Path,
        metavar="DIR",
        help="the folder of the exports (default: the datafix file's base_dir)",
    )
    command.add_argument(
        "-q", "--quiet", action="store_true", help="print only the quarantine and the balance"
    )
    command.set_defaults(run=run)


def _count(number: int, word: str) -> str:
    return f"{number:,} {word}{'' if number == 1 else 's'}"


def run(args: argparse.Namespace) -> int:
    import dunforce.datafix
    from dunforce.cli import _UsageError
    from dunforce.datafix import DatafixError
    from dunforce.errors import DataError
    from dunforce.tables import Portfolio

    if not args.config.is_file():
        raise _UsageError(f"{args.config}: no such file")
    if args.out.exists() and not args.out.is_dir():
        raise _UsageError(f"--out {args.out}: not a directory")
    if args.previous is not None and not args.previous.is_dir():
        raise _UsageError(f"--previous {args.previous}: no such directory")
    if args.exports is not None and not args.exports.is_dir():
        raise _UsageError(f"--exports {args.exports}: no such directory")
    try:
        datafix = dunforce.datafix.load(args.config)
    except DatafixError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    try:
        previous = Portfolio.read_csv(args.previous) if args.previous is not None else None
    except DataError as exc:
        raise _UsageError(f"--previous: {exc}") from None
    with _Progress() as progress:
        try:
            result = datafix.run(base_dir=args.exports, previous=previous, progress=progress)
        except DatafixError as exc:
            print(exc, file=sys.stderr)
            return EXIT_UNREADABLE
    written = result.write(args.out)

    title = f"{args.config}" + (f" ({result.name})" if result.name else "")
    print(f"datafix {title}: {_count(len(result.files), 'file')} read")
    lines = result.summary().split("\n")
    if args.quiet:
        lines = lines[-2:]
    for line in lines:
        print(line if args.quiet else "  " + line)
    if not args.quiet:
        sizes = {
            "tenants": len(result.portfolio.tenants),
            "ledger": len(result.portfolio.ledger),
            "events": len(result.portfolio.events),
            "plans": len(result.portfolio.plans),
            "history": len(result.portfolio.history),
            "quarantine": len(result.quarantine),
            "reconciliation": len(result.reconciliation),
        }
        for path in written:
            print(f"wrote {path} ({_count(sizes.get(path.stem, 0), 'row')})")
    if not result.balanced:
        print(
            "dunforce datafix: the reconciliation does not balance; see "
            f"{args.out / 'reconciliation.csv'}",
            file=sys.stderr,
        )
        return EXIT_UNBALANCED
    return EXIT_OK


class _Progress:
    """A progress bar on the terminal while large exports are read; nothing otherwise."""

    def __init__(self) -> None:
        self.bar = None
        self.task = None

    def __enter__(self):
        return self.update if sys.stderr.isatty() else None

    def update(self, done: int, total: int, description: str) -> None:
        if self.bar is None:
            if total < PROGRESS_BYTES:
                return
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("reading exports", total=total)
        self.bar.update(self.task, completed=done, description=Path(description).name)

    def __exit__(self, *exc_info) -> None:
        if self.bar is not None:
            self.bar.stop()
