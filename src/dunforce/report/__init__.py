"""The collection dashboard: KPIs, ageing, actions and plots of a period on one HTML page.

``dashboard(program, accounts, actions, start=…, end=…)`` builds it from a run's accounts and
actions (a journal's, with their outcomes), ``from_simulation(result)`` from a simulation; the
``dunforce report`` command writes it to a file (:mod:`.command`). The page is self-contained
(inline style and SVG plots, nothing to fetch, no script) and reproducible: it never reads the
clock, so the same inputs give the same bytes. Every figure is one of :mod:`dunforce.kpi`'s.
"""

from dunforce.report.dashboard import Dashboard, dashboard, from_simulation
from dunforce.report.figures import PLOT_EXTRA

__all__ = ["PLOT_EXTRA", "Dashboard", "dashboard", "from_simulation"]
