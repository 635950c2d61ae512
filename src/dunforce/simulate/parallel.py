"""A simulation split over processes: the accounts never meet, so each part runs alone.

Nothing in the day loop couples two accounts (each one's random numbers are its own, the daily
figures are sums), so the accounts are cut into contiguous parts, each part runs the loop in a
forked process, and the parts are put back together in the order the loop itself would have
produced: the result is the same whatever the number of processes. A compiled program cannot
be pickled, so the parts are handed to the processes by forking; where ``fork`` is not available
the simulation runs in one process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping, Sequence

import attrs

from dunforce.processes import can_fork
from dunforce.program import Program
from dunforce.simulate.loop import Run, run
from dunforce.state import AccountState

__all__ = ["MIN_ACCOUNTS_PER_PROCESS", "run_parts"]

#: below this many accounts a part costs more to start than it saves
MIN_ACCOUNTS_PER_PROCESS = 500

# the parts of the simulation being run, read by the forked processes (set just before forking)
_WORK: tuple | None = None


def run_parts(
    program: Program,
    states: Sequence[AccountState],
    segments: Mapping[str, str],
    *,
    workers: int,
    **options,
) -> Run:
    """:func:`~dunforce.simulate.loop.run` over ``workers`` processes (one when there are too
    few accounts, or no ``fork``)."""
    parts = min(workers, len(states) // MIN_ACCOUNTS_PER_PROCESS)
    if parts <= 1 or not can_fork():
        return run(program, states, segments, **options)
    options.pop("progress", None)  # the days go by in the workers, out of sight
    size = -(-len(states) // parts)
    chunks = [states[i : i + size] for i in range(0, len(states), size)]
    global _WORK
    _WORK = (program, chunks, segments, options)
    try:
        with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
            results = pool.map(_run_chunk, range(len(chunks)))
    finally:
        _WORK = None
    return _merge(chunks, results)


def _run_chunk(index: int) -> tuple:
    """Run one part; what crosses back to the parent (states hold read-only mappings that do
    not pickle): what the simulation added to each account, and the rest as it is."""
    assert _WORK is not None
    program, chunks, segments, options = _WORK
    part = run(program, chunks[index], segments, **options)
    added = []
    for before, after in zip(chunks[index], part.states, strict=True):
        if after is None:
            added.append(None)
        else:
            added.append(
                (
                    after.ledger[len(before.ledger) :],
                    after.events[len(before.events) :],
                    after.history[len(before.history) :],
                )
            )
    return tuple(added), attrs.evolve(part, states=())


def _merge(chunks: list[Sequence[AccountState]], results: list[tuple]) -> Run:
    states = []
    for chunk, (added, _) in zip(chunks, results, strict=True):
        for before, tails in zip(chunk, added, strict=True):
            if tails is None:
                states.append(None)
                continue
            states.append(before._extended(*tails))
    parts = [part for _, part in results]
    # the loop's order: day by day, and within a day the accounts in order (a stable sort of
    # the parts, which are in account order, by day); payments the ledger held come first
    actions = sorted(
        (pair for part in parts for pair in zip(part.actions, part.outcomes, strict=True)),
        key=lambda pair: pair[0].emitted_on,
    )
    payments = sorted(
        (row for part in parts for row in part.payments), key=lambda row: (row[1], row[4])
    )
    daily = []
    for rows in zip(*(part.daily for part in parts), strict=True):
        total = dict(rows[0])
        for row in rows[1:]:
            for name, value in row.items():
                if name != "date":
                    total[name] += value
        daily.append(total)
    return Run(
        states=tuple(states),
        actions=tuple(action for action, _ in actions),
        outcomes=tuple(outcome for _, outcome in actions),
        payments=tuple(payments),
        daily=tuple(daily),
        rejected=tuple(r for part in parts for r in part.rejected),
        steps=sum(part.steps for part in parts),
    )
