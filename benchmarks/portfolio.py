"""Program.run on a whole portfolio: the vectorised path against the per-account path.

Run: python benchmarks/portfolio.py [--accounts 1000000] [--sample 20000] [--date 2026-11-20]
     [--workers 2]

The portfolio is synthetic (``dunforce.synthetic.synthetic_portfolio``: twelve months of rent,
payments, housing aid, rejections, plans and events per account, typed columns) and the program
is the social-housing example. Three measurements, each in a fresh process so that its peak
memory is its own:

* the generator alone, for the memory the tables themselves take;
* ``Program.run`` on ``--accounts`` accounts, on the vectorised path with ``--workers``
  processes (default 2, the cores of the reference machine): wall time of the run (the tables
  are built before the clock starts) and the peak memory of the process and of its workers
  (targets: 30 s and 6 GiB for a million accounts);
* the baseline: on ``--sample`` accounts, the per-account path (``method="per_account"``: every
  account read and stepped, one process) and the vectorised path in one process and with
  ``--workers``, which must all give the same actions and rejected accounts; the ratios of
  their throughputs (target: at least 5x).
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


def _workers_peak_gib() -> float:
    """The largest peak of the worker processes the run forked (and waited for)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20


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


def measure_run(accounts: int, day: str, workers: int) -> dict:
    import dunforce

    program = dunforce.load(SCENARIOS)
    portfolio = _generate(accounts)
    start = time.perf_counter()
    result = program.run(portfolio, day, workers=workers)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "accounts": result.accounts,
        "quiet": result.quiet,
        "actions": len(result.actions),
        "rejected": len(result.rejected),
        "ledger_rows": len(portfolio.ledger),
        "peak_gib": _peak_gib(),
        "workers_peak_gib": _workers_peak_gib(),
    }


def measure_baseline(accounts: int, day: str, workers: int) -> dict:
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
    start = time.perf_counter()
    shared = program.run(portfolio, day, workers=workers)
    vectorised_workers = time.perf_counter() - start
    for result in (fast, shared):
        pd.testing.assert_frame_equal(result.actions, slow.actions)
        pd.testing.assert_frame_equal(result.rejected, slow.rejected)
    return {
        "per_account": per_account,
        "vectorised": vectorised,
        "vectorised_workers": vectorised_workers,
        "accounts": fast.accounts,
        "quiet": fast.quiet,
        "actions": len(fast.actions),
    }


def _in_child(what: str, accounts: int, day: str, workers: int = 1) -> dict:
    command = [sys.executable, __file__, "--child", what, "--accounts", str(accounts)]
    command += ["--workers", str(workers)]
    output = subprocess.run(
        [*command, "--date", day], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--accounts", type=int, default=1_000_000)
    options.add_argument("--sample", type=int, default=20_000)
    options.add_argument("--date", default="2026-11-20")
    options.add_argument("--workers", type=int, default=2)
    options.add_argument("--child", choices=("generator", "run", "baseline"))
    args = options.parse_args()
    if args.child:
        function = {
            "generator": lambda: measure_generator(args.accounts),
            "run": lambda: measure_run(args.accounts, args.date, args.workers),
            "baseline": lambda: measure_baseline(args.accounts, args.date, args.workers),
        }[args.child]
        print(json.dumps(function()))
        return

    base = _in_child("baseline", args.sample, args.date, args.workers)
    ratio = base["per_account"] / base["vectorised"]
    ratio_workers = base["per_account"] / base["vectorised_workers"]
    print(
        f"baseline on {base['accounts']:,} accounts, {args.date}: per-account path "
        f"{base['per_account']:.2f} s ({base['per_account'] / base['accounts'] * 1e6:.0f} µs per "
        f"account), vectorised {base['vectorised']:.2f} s in one process, "
        f"{base['vectorised_workers']:.2f} s with {args.workers} workers; same "
        f"{base['actions']:,} actions; {base['quiet']:,} accounts quiet"
    )
    print(
        f"throughput ratio vectorised / per-account: {ratio:.2f}x in one process, "
        f"{ratio_workers:.2f}x with {args.workers} workers (target 5x: "
        f"{'met' if max(ratio, ratio_workers) >= 5 else 'MISSED'})"
    )
    tables = _in_child("generator", args.accounts, args.date)
    run = _in_child("run", args.accounts, args.date, args.workers)
    print(
        f"{run['accounts']:,} accounts, {run['ledger_rows']:,} ledger rows "
        f"(tables built in {tables['seconds']:.1f} s, peak {tables['peak_gib']:.2f} GiB)"
    )
    per_account = run["seconds"] / run["accounts"] * 1e6
    print(
        f"Program.run vectorised, {args.workers} workers: {run['seconds']:.1f} s wall "
        f"({per_account:.1f} µs per account; target 30 s for 1,000,000, 30.0 µs: "
        f"{'met' if per_account <= 30 else 'MISSED'}), peak memory {run['peak_gib']:.2f} GiB "
        f"in the process, {run['workers_peak_gib']:.2f} GiB in a worker (target 6 GiB: "
        f"{'met' if max(run['peak_gib'], run['workers_peak_gib']) <= 6 else 'MISSED'}), "
        f"{run['actions']:,} actions, {run['quiet']:,} accounts quiet, "
        f"{run['rejected']:,} rejected"
    )
    extrapolated = base["per_account"] / base["accounts"] * run["accounts"]
    full = extrapolated / run["seconds"]
    print(
        f"per-account path extrapolated to {run['accounts']:,} accounts: {extrapolated:.0f} s; "
        f"ratio at full size {full:.2f}x (target 5x: {'met' if full >= 5 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
