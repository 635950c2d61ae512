"""The ``dunforce`` command line.

Exit codes, the same for every command: 0 success; 1 the input has errors (a scenario file that
does not check; with ``fmt --check``, a file not formatted; with ``check --strict``, warnings;
outcome rows rejected; an account whose data is rejected, for ``explain``); 2 the command was used
wrongly (unknown option, missing file, bad date, data tables that cannot be read); 3 the journal
is in use by another run; 4 a datafix whose reconciliation does not balance. A
``DunforceError`` is printed as its message, never as a traceback. ``run`` succeeds when some
accounts are rejected: they are listed, with the reason, in ``rejected.csv``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import difflib
import importlib
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from dunforce import __version__
from dunforce.attributes import HOUSING_SCHEMA, Schema
from dunforce.channels import DEFAULT_CHANNELS, ChannelRegistry
from dunforce.dsl import format_source
from dunforce.dsl.source import MAX_SOURCE_BYTES, read_source
from dunforce.errors import DataError, DslError, DunforceError
from dunforce.journal.store import JournalBusy
from dunforce.state import AccountState, Action
from dunforce.tables import REJECTED_COLUMNS, Portfolio, Rejected

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3

_EPILOG_CHECK = """examples:
  dunforce check examples/social_housing/scenarios.dfs
  dunforce check --strict rules/*.dfs      # warnings fail the check too
  dunforce check --channels myerp.dunning:CHANNELS rules.dfs   # with your own channels
"""
_EPILOG_FMT = """examples:
  dunforce fmt rules.dfs                  # rewrite the file in canonical layout
  dunforce fmt --check rules/*.dfs        # exit 1 if a file is not formatted
  dunforce fmt --diff rules.dfs           # show what would change
"""
_EPILOG_RUN = """examples:
  dunforce run examples/social_housing/scenarios.dfs \\
      --data examples/social_housing/data --date 2026-11-10 --out /tmp/run
  dunforce run rules.dfs --data exports/2026-03-04 --date 2026-03-04 \\
      --schema myerp.dunning:SCHEMA --channels myerp.dunning:CHANNELS
  dunforce run rules.dfs --data exports/today --date 2026-03-04 \\
      --journal journal.sqlite --out today     # the daily job: kill it, run it again
  dunforce run rules.dfs --data exports/today --date 2026-03-04 --workers 2  # two cores

The data directory holds the canonical tables: tenants.csv and ledger.csv, and optionally
events.csv, plans.csv and history.csv (UTF-8, comma-separated, ISO dates, amounts such as
1234.56). The command writes OUT/actions.csv, one row per action, by account then in the order
of the step function, and OUT/rejected.csv, one row per account not stepped with the table,
row, column and reason.
With --journal, the actions already in the journal are the history (nothing is issued twice),
the new ones are recorded in it, and written to the outbox (--outbox, default OUT/outbox) as
one JSON-lines file per run, atomically: a run killed at any moment and started again issues
each action exactly once (docs/journal.md). OUT/actions.csv then lists every action of DATE.
Exit codes: 0 done (rejected accounts included), 1 the scenario file has errors, 2 usage errors
(a missing file or directory, a bad date, tables without their required files or columns), 3
the journal is in use by another run.
"""


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dunforce",
        description="Scenarios for preventing and collecting unpaid rent.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run `dunforce COMMAND --help` for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"dunforce {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = commands.add_parser(
        "check",
        help="report the errors and warnings of scenario files",
        description="Parse and check scenario files; print errors and warnings like a compiler.",
        epilog=_EPILOG_CHECK,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    _add_integrator_options(check)
    _add_templates(check)
    _add_max_bytes(check)
    check.set_defaults(run=_check)

    fmt = commands.add_parser(
        "fmt",
        help="rewrite scenario files in canonical layout",
        description="Rewrite scenario files in canonical layout, keeping comments.",
        epilog=_EPILOG_FMT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fmt.add_argument("files", nargs="+", type=Path, metavar="FILE")
    mode = fmt.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="only report unformatted files")
    mode.add_argument("--diff", action="store_true", help="print a diff instead of writing")
    _add_max_bytes(fmt)
    fmt.set_defaults(run=_fmt)

    run = commands.add_parser(
        "run",
        help="step every account of a portfolio on a day and write the actions",
        description="Read the canonical tables of a portfolio, step every account with the "
        "scenario file on DATE, and write the actions and the rejected accounts as CSV.",
        epilog=_EPILOG_RUN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("scenarios", type=Path, metavar="SCENARIOS", help="the scenario file (.dfs)")
    _add_data_options(run)
    run.add_argument(
        "--out",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="where to write actions.csv and rejected.csv (default: the current directory)",
    )
    run.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="processes sharing the accounts stepped one by one (default 1); the actions do "
        "not depend on it",
    )
    run.add_argument(
        "--journal",
        type=Path,
        metavar="PATH",
        help="the journal (SQLite) of the actions issued: read as history, the new ones "
        "recorded (created when missing)",
    )
    run.add_argument(
        "--outbox",
        type=Path,
        metavar="DIR",
        help="with --journal, where the outbox files go (default: OUT/outbox)",
    )
    run.set_defaults(run=_run)

    from dunforce.commands import explain, outcomes, simulate
    from dunforce.datafix import cli as datafix
    from dunforce.report.command import add_parser as add_report

    explain.add_parser(commands)
    simulate.add_parser(commands)
    add_report(commands)
    datafix.add_parser(commands)
    outcomes.add_parser(commands)
    return parser


def _add_data_options(command: argparse.ArgumentParser) -> None:
    """The options of the commands that read a program and canonical tables on a day."""
    _add_templates(command)
    command.add_argument(
        "--data", type=Path, required=True, metavar="DIR", help="the directory of the CSV tables"
    )
    command.add_argument(
        "--date", required=True, metavar="YYYY-MM-DD", help="the day the accounts are stepped for"
    )
    _add_integrator_options(command)
    _add_max_bytes(command)


def _add_integrator_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--schema",
        metavar="MODULE:NAME",
        help="a dunforce.Schema with your own attributes, such as myerp.dunning:SCHEMA "
        "(default: the built-in housing catalogue)",
    )
    command.add_argument(
        "--channels",
        metavar="MODULE:NAME",
        help="a dunforce.ChannelRegistry with your own channels, such as myerp.dunning:CHANNELS",
    )


def _add_templates(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--templates",
        type=Path,
        metavar="DIR",
        help="the directory of the message templates (default: templates/ beside the scenario "
        "file, when it exists)",
    )


def _templates_for(path: Path, given: Path | None) -> Path | None:
    if given is not None:
        if not given.is_dir():
            raise _UsageError(f"--templates {given}: no such directory")
        return given
    beside = path.parent / "templates"
    return beside if beside.is_dir() else None


def _add_max_bytes(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--max-bytes",
        type=int,
        default=MAX_SOURCE_BYTES,
        metavar="N",
        help=f"the largest file accepted (default {MAX_SOURCE_BYTES:,})",
    )


def _load_object(reference: str | None, kind: type, default, option: str):
    """The object ``MODULE:NAME`` from the integrator's own Python code (not scenario text)."""
    if reference is None:
        return default
    module_name, _, name = reference.partition(":")
    if not module_name or not name:
        raise _UsageError(
            f"{option} {reference!r}: write MODULE:NAME, such as "
            f"myerp.dunning:{option.lstrip('-').upper()}"
        )
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise _UsageError(f"{option} {reference!r}: cannot import {module_name}: {exc}") from None
    value = getattr(module, name, None)
    if not isinstance(value, kind):
        raise _UsageError(f"{option} {reference!r} is not a {kind.__name__}")
    return value


def integrator_objects(args: argparse.Namespace) -> tuple[Schema, ChannelRegistry]:
    """The schema and the channels of ``--schema`` and ``--channels`` (the built-in ones by
    default)."""
    schema = _load_object(args.schema, Schema, HOUSING_SCHEMA, "--schema")
    channels = _load_object(args.channels, ChannelRegistry, DEFAULT_CHANNELS, "--channels")
    return schema, channels


def _require_file(path: Path) -> None:
    if path.is_dir():
        raise _UsageError(f"{path}: is a directory; name the .dfs files (such as {path}/*.dfs)")
    if not path.is_file():
        raise _UsageError(f"{path}: no such file")


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _check(args: argparse.Namespace) -> int:
    import dunforce

    schema, channels = integrator_objects(args)
    failed = False
    for path in args.files:
        _require_file(path)
        templates = _templates_for(path, args.templates)
        try:
            program = dunforce.load(
                path,
                schema=schema,
                channels=channels,
                max_bytes=args.max_bytes,
                templates=templates,
            )
        except DslError as exc:
            print(exc)
            print()
            failed = True
            continue
        checked = program.checked
        warnings = program.warnings
        if not args.quiet:
            for warning in warnings:
                print(warning)
                print()
        rejected = args.strict and bool(warnings)
        failed = failed or rejected
        module = checked.module
        counts = ", ".join(
            _count(number, word)
            for number, word in (
                (len(module.profiles), "profile"),
                (len(module.scenarios), "scenario"),
                (len(module.event_blocks), "event block"),
                (len(module.rules), "rule"),
                (len(warnings), "warning"),
            )
        )
        if templates is not None:
            counts += f"; templates from {templates}"
        print(f"{path}: {'failed (--strict)' if rejected else 'ok'}, {counts}")
    return EXIT_INVALID if failed else EXIT_OK


def _fmt(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.files:
        _require_file(path)
        original = read_source(path, args.max_bytes)
        try:
            formatted = format_source(original, filename=str(path), max_bytes=args.max_bytes)
        except DslError as exc:
            print(exc, file=sys.stderr)
            status = EXIT_INVALID
            continue
        text = original.decode("utf-8-sig").replace("\r\n", "\n")
        if formatted == text:
            continue
        if args.check:
            print(f"{path}: would be reformatted")
            status = EXIT_INVALID
        elif args.diff:
            sys.stdout.writelines(
                difflib.unified_diff(
                    text.splitlines(keepends=True),
                    formatted.splitlines(keepends=True),
                    fromfile=str(path),
                    tofile=f"{path} (formatted)",
                )
            )
        else:
            path.write_text(formatted, encoding="utf-8")
            print(f"{path}: reformatted")
    return status


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ACTION_COLUMNS: tuple[str, ...] = tuple(
    Action("", "", "", None, (), datetime.date.min, datetime.date.min, "", None, "", "").to_dict()
)


def _day(text: str, option: str = "--date") -> datetime.date:
    try:
        if _ISO_DAY.fullmatch(text):
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise _UsageError(f"{option} {text!r}: not a date; write it as YYYY-MM-DD, such as 2026-03-04")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"  # as the tables are read
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, object]]) -> None:
    """Write a whole file or nothing: a run killed while writing leaves the previous file."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(row[c]) for c in columns] for row in rows)
    os.replace(partial, path)


def _write_frame(path: Path, frame) -> None:
    """A table as CSV, whole or not at all, missing values as empty cells."""
    _write_csv(path, list(frame.columns), _records(frame))


def _records(frame) -> list[dict[str, object]]:
    """Rows of a table as dicts, with pandas' missing values as None."""
    import pandas as pd

    def plain(value: object) -> object:
        if value is None or (not isinstance(value, str | list | tuple) and pd.isna(value)):
            return None
        return value

    return [{k: plain(v) for k, v in r.items()} for r in frame.astype(object).to_dict("records")]


def _progress(items: Iterator, total: int) -> Iterator:
    """A progress bar on the terminal when ``rich`` is installed; the items as they are else."""
    if not sys.stderr.isatty():
        return items
    try:
        from rich.console import Console
        from rich.progress import track
    except ImportError:
        return items
    return iter(
        track(
            items,
            total=total,
            description="stepping accounts",
            console=Console(stderr=True),
            transient=True,
        )
    )


@contextlib.contextmanager
def _days_progress(total: int, description: str) -> Iterator:
    """A progress bar advanced by calling what the block is given (nothing shown when the
    output is not a terminal or ``rich`` is not installed)."""
    if not sys.stderr.isatty():
        yield None
        return
    try:
        from rich.console import Console
        from rich.progress import Progress
    except ImportError:
        yield None
        return
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda *_: progress.advance(task)


def _tally(counts: Counter) -> str:
    if not counts:
        return "none"
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{name} {number}" for name, number in ranked)


def _program(args: argparse.Namespace):
    """The program of ``args.scenarios``, with the integrator's schema, channels, templates."""
    import dunforce

    _require_file(args.scenarios)
    schema, channels = integrator_objects(args)
    return dunforce.load(
        args.scenarios,
        schema=schema,
        channels=channels,
        max_bytes=getattr(args, "max_bytes", MAX_SOURCE_BYTES),
        templates=_templates_for(args.scenarios, getattr(args, "templates", None)),
    )


def _portfolio(directory: Path) -> Portfolio:
    if not directory.is_dir():
        raise _UsageError(f"--data {directory}: no such directory")
    try:
        return Portfolio.read_csv(directory)
    except DataError as exc:
        raise _UsageError(str(exc)) from None


def _journal_path(path: Path, *, existing: bool) -> Path:
    """A usable ``--journal`` path: an existing file for the commands that read one, a file
    in an existing directory for ``run``, which creates it."""
    if path.is_dir():
        raise _UsageError(f"--journal {path}: is a directory; name the journal file")
    if existing and not path.is_file():
        raise _UsageError(f"--journal {path}: no such journal (dunforce run --journal makes it)")
    if not path.parent.is_dir():
        raise _UsageError(f"--journal {path}: no such directory {path.parent}")
    return path


def _program_and_data(args: argparse.Namespace):
    """The program, the tables and the day of a command with ``_add_data_options``."""
    _require_file(args.scenarios)
    if not args.data.is_dir():
        raise _UsageError(f"--data {args.data}: no such directory")
    day = _day(args.date)
    program = _program(args)
    return program, _portfolio(args.data), day


def _workers(text: str) -> int:
    """``--workers``: a whole number of processes, 1 to 64."""
    try:
        workers = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= workers <= 64:
        raise argparse.ArgumentTypeError(f"{workers}: give between 1 and 64")
    return workers


def _run(args: argparse.Namespace) -> int:
    if args.out.exists() and not args.out.is_dir():
        raise _UsageError(f"--out {args.out}: not a directory")
    if args.outbox is not None and args.journal is None:
        raise _UsageError("--outbox goes with --journal")
    if args.journal is not None:
        _journal_path(args.journal, existing=False)
    program, portfolio, day = _program_and_data(args)
    templates = _templates_for(args.scenarios, args.templates)
    if args.journal is not None:
        from dunforce.commands.journaled import run_journaled

        return run_journaled(args, program, portfolio, day)

    result = program.run(portfolio, day, workers=args.workers)
    read, stepped = result.accounts, result.stepped
    rejected = [Rejected(**row) for row in _records(result.rejected)]
    # the accounts with actions, read again to give each action and its message
    from dunforce.journal.daily import acting_states

    acting = set(result.actions["account_id"])
    actions: list[Action] = []
    messages: list[dict[str, object]] = []
    for state, found in acting_states(program, portfolio, day, acting, _progress):
        actions.extend(found)
        if templates is not None:
            messages.extend(_message(program, a, state) for a in found if a.template)
    actions.sort(key=lambda action: action.account_id)  # stable: each account keeps step's order

    args.out.mkdir(parents=True, exist_ok=True)
    actions_path = args.out / "actions.csv"
    rejected_path = args.out / "rejected.csv"
    _write_csv(actions_path, _ACTION_COLUMNS, (action.to_dict() for action in actions))
    _write_csv(rejected_path, REJECTED_COLUMNS, (r.to_dict() for r in rejected))
    messages_path = args.out / "messages.csv"
    if templates is not None:
        messages.sort(key=lambda row: str(row["account_id"]))
        _write_csv(messages_path, MESSAGE_COLUMNS, messages)

    warnings = len(getattr(program, "warnings", ()))
    print(f"{args.scenarios} on {day.isoformat()}, tables from {args.data}")
    if warnings:
        print(f"  ({_count(warnings, 'warning')} in the scenario file: dunforce check shows them)")
    print(f"accounts read:  {read}")
    print(f"stepped:        {stepped}")
    print(f"rejected:       {len(rejected)}" + (f" (see {rejected_path})" if rejected else ""))
    print(f"actions:        {len(actions)}")
    print(f"  by channel:   {_tally(Counter(action.channel for action in actions))}")
    print(f"  by kind:      {_tally(Counter(action.kind for action in actions))}")
    print(f"wrote {actions_path} ({_count(len(actions), 'action')})")
    print(f"wrote {rejected_path} ({_count(len(rejected), 'rejected account')})")
    if templates is not None:
        failures = sum(1 for row in messages if row["error"])
        print(
            f"wrote {messages_path} ({_count(len(messages), 'message')} from {templates}"
            + (f", {failures} not rendered: see its error column)" if failures else ")")
        )
    return EXIT_OK


MESSAGE_COLUMNS = ("account_id", "key", "channel", "template", "subject", "body", "error")


def _message(program, action: Action, state: AccountState) -> dict[str, object]:
    """The rendered message of an action; a value the template cannot show is reported in the
    row, and the action stands."""
    from dunforce.journal.daily import message_of

    subject, body, error = message_of(program, action, state)
    return {
        "account_id": action.account_id,
        "key": action.key,
        "channel": action.channel,
        "template": action.template,
        "subject": subject,
        "body": body,
        "error": error,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except _UsageError as exc:
        print(f"dunforce {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except JournalBusy as exc:
        print(exc, file=sys.stderr)
        return EXIT_BUSY
    except BrokenPipeError:  # the reader went away (``dunforce explain … | head``)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except DunforceError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
