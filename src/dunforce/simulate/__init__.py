"""Simulation: run a scenario set day by day over a portfolio, with tenants who pay and react.

A scenario designer wants to know, before going live, what a scenario set will do over months:
how many actions of each kind, how much comes back, how fast. :func:`simulate` runs the program
every morning from ``start`` to ``end`` over a portfolio whose tenants follow a seeded
payment-behaviour model (:class:`PaymentBehaviour`); :func:`compare` runs several scenario sets on
the same portfolio with the same random numbers, so that their differences come from the
scenarios. **A simulation is a model, not a forecast**: its figures are as good as the model's
assumptions, and are for comparing scenario sets with each other.

The program is stepped exactly as a daily job would step it; the loop only skips the days on
which it can prove ``program.step`` returns nothing (:mod:`dunforce.simulate.agenda`). Nothing
here reads the clock: the same inputs and seed always give the same result.
"""

from dunforce.simulate.behaviour import SEGMENTS, PaymentBehaviour
from dunforce.simulate.result import Comparison, SimulationResult
from dunforce.simulate.simulation import compare, simulate

__all__ = [
    "SEGMENTS",
    "Comparison",
    "PaymentBehaviour",
    "SimulationResult",
    "compare",
    "simulate",
]
