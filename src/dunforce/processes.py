"""Work shared over processes: checking a ``workers`` argument, and whether we can fork.

A compiled program cannot be pickled (its conditions are generated code), so the parts of a
run or a simulation reach the worker processes by ``fork``: they inherit the program and the
tables, and send back only their results. Where ``fork`` is not available (Windows, say), the
work runs in the calling process, with the same result.
"""

from __future__ import annotations

import multiprocessing

__all__ = ["can_fork", "check_workers"]


def check_workers(workers: object) -> int:
    """``workers``, once known to be a whole number of processes, at least 1."""
    if isinstance(workers, bool) or not isinstance(workers, int):
        raise TypeError(f"workers: expected a whole number of processes, not {workers!r}")
    if workers < 1:
        raise ValueError(f"workers: expected at least 1 process, not {workers!r}")
    return workers


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
