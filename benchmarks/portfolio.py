"""Program.run on a whole portfolio: the vectorised path against the per-account path.

Run: python benchmarks/portfolio.py [--accounts 1000000] [--sample 20000] [--date 2026-11-20]

The portfolio is synthetic (``dunforce.synthetic.synthetic_portfolio``: twelve months of rent,
payments, housing aid, rejections, plans and events per account, typed columns) and the program
is the social-housing example. Three measurements, each in a fresh process so that its peak
memory is its own:

* the generator alone, for the memory the tables themselves take;
* ``Program.run`` on ``--accounts`` accounts, on the vectorised path: wall time of the run (the
  tables are built before the clock starts) and the process's peak memory (targets: 30 s and
  6 GiB for a million accounts);
* the baseline: on ``--sample`` accounts, the per-account path (``method="per_account"``: every
  account read and stepped) and the vectorised path, which must give the same actions and
  rejected accounts; the ratio of their throughputs (target: at least 5x).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "examples" / "social_housing" / "scenarios.dfs"
AS_OF = "2026-11-09"  # the tables are an export of that evening


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def _generate(accounts: int):
    from dunforce.synthetic import synthetic_portfolio

    return synthetic_portfolio(accounts, as_of=AS_OF, seed=2026)


def measure_generator(accounts: int) -> dict:
    start = time.perf_counter()
    portfolio = _generate(accounts)
    return {
        "seconds": time.perf_counter() - start,
        "ledger_rows": len(portfolio.ledger),
        "peak_gib": _peak_gib(),
    }


def measure_run(accounts: int, day: str) -> dict:
    import dunforce

    program = dunforce.load(SCENARIOS)
    portfolio = _generate(accounts)
    start = time.perf_counter()
    result = program.run(portfolio, day)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "accounts": result.accounts,
        "quiet": result.quiet,
        "actions": len(result.actions),
        "rejected": len(result.rejected),
        "ledger_rows": len(portfolio.ledger),
        "peak_gib": _peak_gib(),
    }


def measure_baseline(accounts: int, day: str) -> dict:
    import pandas as pd

    import dunforce

    program = dunforce.load(SCENARIOS)
    portfolio = _generate(accounts)
    start = time.perf_counter()
    slow = program.run(portfolio, day, method="per_account")
    per_account = time.perf_counter() - start
    start = time.perf_counter()
    fast = program.run(portfolio, day)
    vectorised = time.perf_counter() - start
    pd.testing.assert_frame_equal(fast.actions, slow.actions)
    pd.testing.assert_frame_equal(fast.rejected, slow.rejected)
    return {
        "per_account": per_account,
        "vectorised": vectorised,
        "accounts": fast.accounts,
        "quiet": fast.quiet,
        "actions": len(fast.actions),
    }


def _in_child(what: str, accounts: int, day: str) -> dict:
    command = [sys.executable, __file__, "--child", what, "--accounts", str(accounts)]
    output = subprocess.run(
        [*command, "--date", day], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--accounts", type=int, default=1_000_000)
    options.add_argument("--sample", type=int, default=20_000)
    options.add_argument("--date", default="2026-11-20")
    options.add_argument("--child", choices=("generator", "run", "baseline"))
    args = options.parse_args()
    if args.child:
        function = {
            "generator": lambda: measure_generator(args.accounts),
            "run": lambda: measure_run(args.accounts, args.date),
            "baseline": lambda: measure_baseline(args.accounts, args.date),
        }[args.child]
        print(json.dumps(function()))
        return

    base = _in_child("baseline", args.sample, args.date)
    ratio = base["per_account"] / base["vectorised"]
    print(
        f"baseline on {base['accounts']:,} accounts, {args.date}: per-account path "
        f"{base['per_account']:.2f} s ({base['per_account'] / base['accounts'] * 1e6:.0f} µs per "
        f"account), vectorised {base['vectorised']:.2f} s "
        f"({base['vectorised'] / base['accounts'] * 1e6:.0f} µs); same {base['actions']:,} "
        f"actions; {base['quiet']:,} accounts quiet"
    )
    print(
        f"throughput ratio vectorised / per-account: {ratio:.2f}x (target 5x: "
        f"{'met' if ratio >= 5 else 'MISSED'})"
    )
    tables = _in_child("generator", args.accounts, args.date)
    run = _in_child("run", args.accounts, args.date)
    print(
        f"{run['accounts']:,} accounts, {run['ledger_rows']:,} ledger rows "
        f"(tables built in {tables['seconds']:.1f} s, peak {tables['peak_gib']:.2f} GiB)"
    )
    print(
        f"Program.run vectorised: {run['seconds']:.1f} s wall "
        f"({run['seconds'] / run['accounts'] * 1e6:.1f} µs per account; target 30 s for "
        f"1,000,000: {run['seconds'] / run['accounts'] * 1e6:.1f}/30.0 µs), peak memory "
        f"{run['peak_gib']:.2f} GiB (target 6 GiB), {run['actions']:,} actions, "
        f"{run['quiet']:,} accounts quiet, {run['rejected']:,} rejected"
    )
    extrapolated = base["per_account"] / base["accounts"] * run["accounts"]
    print(
        f"per-account path extrapolated to {run['accounts']:,} accounts: {extrapolated:.0f} s; "
        f"ratio at full size {extrapolated / run['seconds']:.2f}x"
    )


if __name__ == "__main__":
    main()
