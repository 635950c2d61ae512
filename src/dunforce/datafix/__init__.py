"""Datafix: a landlord's daily exports turned into dunforce's canonical tables.

A datafix is a TOML file per landlord (see ``docs/datafix.md``) that says, for each kind of
export, which files to read and how (CSV in any encoding and separator, Excel sheets), which
column fills which canonical field, with which parser (French dates and amounts, booleans such
as ``O``/``N``), code tables, constants, filters and deduplication keys::

    import dunforce.datafix

    datafix = dunforce.datafix.load("examples/datafix/datafix.toml")
    result = datafix.run()                      # or run(previous=yesterday's tables)
    result.portfolio                            # a dunforce.Portfolio, ready for Program.run
    result.quarantine                           # every row not loaded, with file, row, reason
    result.reconciliation                       # rows and amounts per source; they balance
    result.write("data/")                       # canonical CSV files + quarantine + reconciliation

Every input row ends in the output or in the quarantine, never both, never neither; the
reconciliation checks it from the outcome.
"""

from dunforce.datafix.config import Datafix, FieldSpec, FilterSpec, SourceSpec, load, loads
from dunforce.datafix.errors import DatafixError
from dunforce.datafix.quarantine import QUARANTINE_COLUMNS, REASONS
from dunforce.datafix.reconcile import RECONCILIATION_COLUMNS
from dunforce.datafix.run import DatafixResult

__all__ = [
    "QUARANTINE_COLUMNS",
    "REASONS",
    "RECONCILIATION_COLUMNS",
    "Datafix",
    "DatafixError",
    "DatafixResult",
    "FieldSpec",
    "FilterSpec",
    "SourceSpec",
    "load",
    "loads",
]
