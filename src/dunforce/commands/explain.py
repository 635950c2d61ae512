"""``dunforce explain SCENARIOS ACCOUNT``: why an account gets (or does not get) each step."""

from __future__ import annotations

import argparse
import difflib

import attrs

from dunforce.state import AccountState

EPILOG = """examples:
  dunforce explain examples/social_housing/scenarios.dfs LOC00003 \\
      --data examples/social_housing/data --date 2026-11-10
  dunforce explain rules.dfs A-1042 --data exports/today --date 2026-03-04 --journal journal.sqlite

Prints the account's profile and why, then every step of its scenarios with its status on DATE
(fired, waiting, done, skipped and the condition that skipped it, missed, deferred by the
contact policy and why). With --journal, the actions already issued count as history, as in
`dunforce run --journal`.
Exit codes: 0 explained, 1 the scenario file has errors or the account's data is rejected
(the reason is printed), 2 usage errors (no such account, file, directory or date).
"""


def add_parser(commands) -> None:
    from dunforce import cli

    command = commands.add_parser(
        "explain",
        help="explain, step by step, what a program does for one account on a day",
        description="Explain what the scenario file decides for one account on DATE: its "
        "profile, and the status of every step with the reason.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("scenarios", type=cli.Path, metavar="SCENARIOS")
    command.add_argument("account", metavar="ACCOUNT", help="the account_id to explain")
    cli._add_data_options(command)
    command.add_argument(
        "--journal", type=cli.Path, metavar="PATH", help="read the history from this journal"
    )
    command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dunforce import cli
    from dunforce.journal import Journal, with_journal_history

    if args.journal is not None:
        cli._journal_path(args.journal, existing=True)
    program, portfolio, day = cli._program_and_data(args)
    tenants = portfolio.tenants["account_id"].astype(str)
    mask = tenants == args.account
    if not mask.any():
        ids = tenants.tolist()
        folded = {i.strip().casefold(): i for i in ids}
        same = folded.get(args.account.strip().casefold())
        close = [same] if same is not None else difflib.get_close_matches(args.account, ids, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise cli._UsageError(f"account {args.account!r}: not in the tenants table{hint}")
    if args.journal is not None:
        with Journal(args.journal, create=False) as journal:
            portfolio = with_journal_history(portfolio, journal)
    chosen = attrs.evolve(
        portfolio,
        tenants=portfolio.tenants[mask],
        **{
            name: frame[frame["account_id"].astype(str) == args.account]
            for name in ("ledger", "events", "plans", "history")
            for frame in (getattr(portfolio, name),)
        },
    )
    (item,) = list(chosen.accounts(program.schema))
    if not isinstance(item, AccountState):
        print(f"account {args.account}: rejected: {item.reason}")
        where = f"{item.source}.csv row {item.row}" if item.row is not None else item.source
        print(f"  in {where}" + (f", column {item.field}" if item.field else ""))
        return cli.EXIT_INVALID
    print(program.explain(item, day))
    return cli.EXIT_OK
