"""Many accounts at once: ``Program.run`` over states or the canonical tables of a portfolio."""

from dunforce.batch.run import METHODS, RunResult, run

__all__ = ["METHODS", "RunResult", "run"]
