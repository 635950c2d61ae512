"""``dunforce report``: write the dashboard of a period from a journal or a simulation.

The command registers itself on the ``dunforce`` parser (:func:`add_parser`) and handles its own
errors, so that it behaves the same under ``dunforce.cli.main`` and any parser built the same
way: a usage error is one line on stderr and exit code 2, a scenario file with errors is its
message and exit code 1, never a traceback. Progress is shown with ``rich`` on a terminal when
it is installed, as plain lines when it is not, and not at all when stderr is not a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import sys
from collections.abc import Iterator
from pathlib import Path

from dunforce.cli import _day, integrator_objects
from dunforce.cli import _UsageError as UsageError
from dunforce.errors import DataError, DunforceError

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "add_parser", "handle"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2

_EPILOG = """examples:
  dunforce report examples/social_housing/scenarios.dfs --data examples/social_housing/data \\
      --simulate --start 2026-11-01 --end 2026-11-30 --seed 7 --out report.html
  dunforce report rules.dfs --data exports/2026-03-31 --journal journal.sqlite \\
      --start 2026-03-01 --end 2026-03-31 --out march.html

From a journal, the actions (and their outcomes) are those the journal recorded, and the
ledgers come from the canonical tables in DIR. With --simulate, the portfolio in DIR is
simulated day by day from START to END with the seeded payment-behaviour model (a model, not
a forecast). The page is self-contained (no network, no script) and never reads the clock:
the same inputs give the same file. Plots need matplotlib (pip install 'dunforce[plot]');
without it the page has its tables only.
Exit codes: 0 written, 1 the scenario file has errors, 2 usage errors (a missing file or
directory, a bad date, END before START, tables or a journal that cannot be read or do not
fit the scenario file).
"""


class ReportUsageError(Exception):
    """The command was used wrongly; its message is one line for the user."""


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``report`` on the subcommands of the ``dunforce`` parser."""
    report = commands.add_parser(
        "report",
        help="write an HTML dashboard of KPIs and plots from a journal or a simulation",
        description="Write a self-contained HTML dashboard of a period: headline KPIs, KPIs by "
        "profile, scenario and channel, arrears ageing, actions by channel and by day, "
        "outcomes, and plots; from the actions of a journal, or from a simulation.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument("scenarios", type=Path, metavar="SCENARIOS", help="the scenario file")
    report.add_argument(
        "--data",
        type=Path,
        required=True,
        metavar="DIR",
        help="the directory of the canonical CSV tables (tenants.csv, ledger.csv, ...)",
    )
    source = report.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--journal", type=Path, metavar="PATH", help="report the actions this journal recorded"
    )
    source.add_argument(
        "--simulate",
        action="store_true",
        help="simulate the portfolio day by day over the period and report the result",
    )
    report.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="the first day")
    report.add_argument("--end", required=True, metavar="YYYY-MM-DD", help="the last day")
    report.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="the simulation's seed (with --simulate; default 0)",
    )
    report.add_argument(
        "--out",
        type=Path,
        default=Path("report.html"),
        metavar="FILE",
        help="the HTML file to write (default: report.html)",
    )
    report.add_argument("--title", help="the page's title (default: from the scenario file)")
    report.add_argument(
        "--on",
        metavar="YYYY-MM-DD",
        help="the day the report is generated for, printed on it (default: --end)",
    )
    report.add_argument(
        "--cure-days",
        type=int,
        default=30,
        metavar="N",
        help="the cure rate counts the cases cured within N days (default 30)",
    )
    report.add_argument("--no-plots", action="store_true", help="tables only, no plots")
    report.add_argument(
        "--schema",
        metavar="MODULE:NAME",
        help="a dunforce.Schema with your own attributes (default: the housing catalogue)",
    )
    report.add_argument(
        "--channels",
        metavar="MODULE:NAME",
        help="a dunforce.ChannelRegistry with your own channels",
    )
    report.set_defaults(run=handle)


def handle(args: argparse.Namespace) -> int:
    """Run ``dunforce report`` with parsed arguments; return the exit code."""
    try:
        return _report(args)
    except (ReportUsageError, UsageError) as exc:
        print(f"dunforce report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DunforceError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID


class _Progress:
    """Says what the command is doing: a ``rich`` spinner on a terminal, else plain lines on a
    terminal, else nothing (a log or a test reads only the result)."""

    def __init__(self) -> None:
        self._status = None
        self._plain = False
        if not sys.stderr.isatty():
            return
        try:
            from rich.console import Console
        except ImportError:
            self._plain = True
            return
        self._status = Console(stderr=True).status("starting")

    @contextlib.contextmanager
    def running(self) -> Iterator[_Progress]:
        if self._status is None:
            yield self
            return
        with self._status:
            yield self

    def step(self, text: str) -> None:
        if self._status is not None:
            self._status.update(text)
        elif self._plain:
            print(f"{text}...", file=sys.stderr, flush=True)


def _checked(args: argparse.Namespace) -> tuple[datetime.date, datetime.date, datetime.date]:
    """The arguments checked before any work: files, directories, days and numbers."""
    if args.scenarios.is_dir():
        raise ReportUsageError(f"{args.scenarios}: is a directory; name the .dfs file")
    if not args.scenarios.is_file():
        raise ReportUsageError(f"{args.scenarios}: no such file")
    if not args.data.is_dir():
        raise ReportUsageError(f"--data {args.data}: no such directory")
    first, last = _day(args.start, "--start"), _day(args.end, "--end")
    if last < first:
        raise ReportUsageError(f"--end {last.isoformat()} is before --start {first.isoformat()}")
    report_day = last if args.on is None else _day(args.on, "--on")
    if args.journal is not None:
        if not args.journal.is_file():
            raise ReportUsageError(f"--journal {args.journal}: no such file")
        if args.seed is not None:
            raise ReportUsageError("--seed: only with --simulate (a journal has no seed)")
    if args.seed is not None and args.seed < 0:
        raise ReportUsageError(f"--seed {args.seed}: expected a whole number >= 0")
    if args.cure_days < 0:
        raise ReportUsageError(f"--cure-days {args.cure_days}: expected a whole number >= 0")
    if args.out.is_dir():
        raise ReportUsageError(f"--out {args.out}: is a directory; name the .html file")
    if not args.out.parent.is_dir():
        raise ReportUsageError(f"--out {args.out}: no such directory {args.out.parent}")
    return first, last, report_day


def _journal_actions(path: Path, first: datetime.date, last: datetime.date):
    """The actions a journal recorded in the period, with their outcomes."""
    from dunforce.journal import Journal

    try:
        with Journal(path, create=False) as journal:
            return journal.actions(start=first, end=last)
    except DunforceError as exc:
        raise ReportUsageError(f"--journal {path}: {exc}") from None


def _report(args: argparse.Namespace) -> int:
    import dunforce
    from dunforce.report.dashboard import dashboard, from_simulation

    first, last, report_day = _checked(args)
    schema, channels = integrator_objects(args)
    progress = _Progress()
    with progress.running():
        progress.step(f"compiling {args.scenarios}")
        program = dunforce.load(args.scenarios, schema=schema, channels=channels)
        progress.step(f"reading the tables in {args.data}")
        try:
            portfolio = dunforce.Portfolio.read_csv(args.data)
        except DataError as exc:
            raise ReportUsageError(str(exc)) from None
        options = {
            "title": args.title,
            "generated_on": report_day,
            "cure_days": args.cure_days,
            "plots": not args.no_plots,
        }
        if args.simulate:
            seed = 0 if args.seed is None else args.seed
            progress.step(f"simulating {first.isoformat()} to {last.isoformat()}")
            try:
                result = dunforce.simulate(program, portfolio, start=first, end=last, seed=seed)
            except ValueError as exc:  # a tenants' behaviour column the model does not know
                raise ReportUsageError(f"--data {args.data}: {exc}") from None
            progress.step("computing the KPIs and drawing the plots")
            page = from_simulation(result, **options)
            source = f"simulated with seed {seed}"
        else:
            progress.step(f"reading the journal {args.journal}")
            actions = _journal_actions(args.journal, first, last)
            progress.step("computing the KPIs and drawing the plots")
            try:
                page = dashboard(
                    program,
                    portfolio,
                    actions,
                    start=first,
                    end=last,
                    source=f"the actions recorded in the journal {args.journal.name}",
                    **options,
                )
            except ValueError as exc:  # actions that do not fit the scenario file
                raise ReportUsageError(f"--journal {args.journal}: {exc}") from None
            source = f"actions from {args.journal}"
        progress.step(f"writing {args.out}")
        try:
            page.write(args.out)
        except OSError as exc:
            raise ReportUsageError(f"--out {args.out}: cannot write it: {exc.strerror}") from None

    figures = page.figures
    plots = (
        f"{len(page.plots)} plots" if page.plots or args.no_plots else "no plots (no matplotlib)"
    )
    print(f"{args.scenarios}, {first.isoformat()} to {last.isoformat()}, {source}")
    print(
        f"accounts: {figures['accounts']}, cases: {figures['cases']}, "
        f"actions: {figures['actions']}, {plots}"
    )
    print(f"wrote {args.out}")
    return EXIT_OK
