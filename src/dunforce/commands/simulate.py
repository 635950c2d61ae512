"""``dunforce simulate SCENARIOS``: a scenario set run day by day on a modelled portfolio."""

from __future__ import annotations

import argparse

EPILOG = """examples:
  dunforce simulate examples/social_housing/scenarios.dfs \\
      --data examples/social_housing/data --start 2026-11-01 --end 2027-01-31 --out /tmp/sim
  dunforce simulate rules.dfs --synthetic 5000 --start 2026-01-01 --end 2026-12-31 --seed 7

Runs the program every day from START to END over the portfolio (the CSV tables of --data, or a
seeded synthetic portfolio of N accounts, which is a model, never real data), with the payment
behaviour model of docs/simulation.md: contacts raise the chance of payment by channel. Writes
OUT/actions.csv, payments.csv, daily.csv and kpis.csv (by profile). The same seed gives the
same result.
Exit codes: 0 done, 1 the scenario file has errors, 2 usage errors.
"""


def add_parser(commands) -> None:
    from dunforce import cli

    command = commands.add_parser(
        "simulate",
        help="simulate a scenario set day by day with a payment-behaviour model",
        description="Simulate the scenario file day by day over a portfolio, with a seeded, "
        "documented payment-behaviour model, and write the actions, payments, daily figures "
        "and KPIs.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("scenarios", type=cli.Path, metavar="SCENARIOS")
    source = command.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=cli.Path, metavar="DIR", help="the CSV tables")
    source.add_argument(
        "--synthetic", type=int, metavar="N", help="a synthetic portfolio of N accounts"
    )
    command.add_argument("--start", required=True, metavar="YYYY-MM-DD")
    command.add_argument("--end", required=True, metavar="YYYY-MM-DD")
    command.add_argument("--seed", type=int, default=0, metavar="N", help="default 0")
    command.add_argument(
        "--workers",
        type=cli._workers,
        default=1,
        metavar="N",
        help="processes sharing the accounts (default 1); the result does not depend on it",
    )
    command.add_argument(
        "--out", type=cli.Path, default=cli.Path(), metavar="DIR", help="default: here"
    )
    cli._add_integrator_options(command)
    command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import dunforce
    from dunforce import cli

    start = cli._day(args.start, "--start")
    end = cli._day(args.end, "--end")
    if end < start:
        raise cli._UsageError(f"--end {args.end} is before --start {args.start}")
    if args.synthetic is not None and not 1 <= args.synthetic <= 10_000_000:
        raise cli._UsageError(f"--synthetic {args.synthetic}: give between 1 and 10,000,000")
    if args.out.exists() and not args.out.is_dir():
        raise cli._UsageError(f"--out {args.out}: not a directory")
    program = cli._program(args)
    if args.synthetic is not None:
        portfolio = dunforce.synthetic_portfolio(args.synthetic, as_of=start, seed=args.seed)
        source = f"a synthetic portfolio of {args.synthetic} accounts (seed {args.seed})"
    else:
        portfolio = cli._portfolio(args.data)
        source = f"tables from {args.data}"
    print(f"{args.scenarios} from {start.isoformat()} to {end.isoformat()}, {source}")
    days = (end - start).days + 1
    with cli._days_progress(days, "simulating days") as advance:
        result = dunforce.simulate(
            program,
            portfolio,
            start=start,
            end=end,
            seed=args.seed,
            workers=args.workers,
            progress=advance,
        )
    args.out.mkdir(parents=True, exist_ok=True)
    written = {
        "actions.csv": result.actions,
        "payments.csv": result.payments,
        "daily.csv": result.daily,
        "kpis.csv": result.kpis(by="profile"),
    }
    for name, frame in written.items():
        cli._write_frame(args.out / name, frame)
    for label, value in result.figures().items():
        if label not in ("scenarios", "period"):
            print(f"{label + ':':<28}{value}")
    for name, frame in written.items():
        print(f"wrote {args.out / name} ({cli._count(len(frame), 'row')})")
    return cli.EXIT_OK
