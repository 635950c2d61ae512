"""Key performance indicators of a collection run, as pandas tables.

Collection teams judge a scenario set by a handful of figures: how much of the arrears came back
(recovery rate), how many cases were cured and how fast (cure rate, days to collect), how old the
arrears are (ageing), and what it took (contacts per case, cost per case, automation rate), per
profile, per scenario and per channel. This package computes them from the accounts' ledgers and
the actions table of a run or a simulation (``docs/kpis.md`` gives every formula).

It only reads: it never steps a program, never reads the clock and never changes a state. Money
is integer cents (unit costs are added as ``Decimal`` and rounded once); rates are floats.
"""

from dunforce.kpi.arrears import CASE_COLUMNS, cases
from dunforce.kpi.buckets import DEFAULT_BUCKETS, ageing, bucket_labels
from dunforce.kpi.groups import GROUPINGS, KPI_COLUMNS, kpis, summary

__all__ = [
    "CASE_COLUMNS",
    "DEFAULT_BUCKETS",
    "GROUPINGS",
    "KPI_COLUMNS",
    "ageing",
    "bucket_labels",
    "cases",
    "kpis",
    "summary",
]
