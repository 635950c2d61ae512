"""A year of simulation over a synthetic portfolio, against stepping every account every day.

Run: python benchmarks/simulate.py [--accounts 10000] [--days 365] [--sample 100] [--workers N]

The scenarios are the example's (``examples/social_housing/scenarios.dfs``), the portfolio is
``dunforce.synthetic.synthetic_portfolio`` exported the day before the start. It prints:

* the wall time of ``dunforce.simulate.simulate`` over the whole portfolio (reading the tables
  included), how many times the program was stepped, and what the run did;
* the baseline, measured in the same run on the first accounts of the portfolio, same days:
  ``simulate(..., every_day=True)``, which steps every account every day. Both runs of the
  sample must give the same actions, checked before anything is printed. The naive time of the
  whole portfolio is the sample's time scaled by the number of accounts, and the ratio is that
  over the measured time (target: 10,000 accounts over a year in 60 s or less).
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import time
from pathlib import Path

import dunforce
from dunforce.simulate import simulate
from dunforce.synthetic import synthetic_portfolio

EXPORTED = datetime.date(2026, 11, 9)
START = EXPORTED + datetime.timedelta(days=1)
SCENARIOS = Path(__file__).parent.parent / "examples" / "social_housing" / "scenarios.dfs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--sample", type=int, default=100, help="accounts of the baseline")
    parser.add_argument("--workers", type=int, default=1, help="processes")
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()

    program = dunforce.load(SCENARIOS)
    end = START + datetime.timedelta(days=arguments.days - 1)
    portfolio = synthetic_portfolio(arguments.accounts, as_of=EXPORTED, seed=arguments.seed)

    began = time.perf_counter()
    result = simulate(
        program, portfolio, start=START, end=end, seed=arguments.seed, workers=arguments.workers
    )
    wall = time.perf_counter() - began

    # the baseline: the first accounts of the same portfolio, both ways
    sample = list(itertools.islice(portfolio.accounts(program.schema), arguments.sample))
    timings = {}
    runs = {}
    for every_day in (False, True):
        began = time.perf_counter()
        runs[every_day] = simulate(
            program, sample, start=START, end=end, seed=arguments.seed, every_day=every_day
        )
        timings[every_day] = time.perf_counter() - began
    if not runs[False].actions.equals(runs[True].actions):
        raise SystemExit("the sample's actions differ between the two loops: not measured")
    naive = timings[True] * arguments.accounts / arguments.sample

    days = arguments.days
    daily = result.daily
    print(
        f"portfolio: {arguments.accounts:,} accounts, {days} days from {START}, "
        f"seed {arguments.seed}"
    )
    print(
        f"simulate: {wall:.1f} s wall ({len(result.states):,} accounts, "
        f"{result.steps:,} steps = {result.steps / (arguments.accounts * days):.2%} of "
        f"accounts x days)"
    )
    print(
        f"  {len(result.actions):,} actions, {int(result.payments['simulated'].sum()):,} "
        f"simulated payments, {int(daily['collected_cents'].sum()) / 100:,.2f} EUR collected, "
        f"{int(daily['accounts_in_arrears'].iloc[-1]):,} accounts in arrears on the last day"
    )
    print(
        f"baseline (every account every day) on {arguments.sample} accounts: "
        f"{timings[True]:.2f} s; the agenda on the same sample: {timings[False]:.2f} s "
        f"({timings[True] / timings[False]:.1f}x)"
    )
    print(
        f"naive estimate for {arguments.accounts:,} accounts: {naive:.0f} s; "
        f"ratio naive / simulate: {naive / wall:.1f}x; target: <= 60 s "
        f"({'met' if wall <= 60 else 'not met'})"
    )


if __name__ == "__main__":
    main()
