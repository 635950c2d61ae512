"""What a simulation returns: the final states and the tables an analyst reads, and comparisons.

The tables are pandas DataFrames with the types of the rest of dunforce (days as
``datetime64[ns]``, money as integer cents); the KPIs and the ageing of the arrears come from
:mod:`dunforce.kpi`, computed from the final states and the actions, as for a real run.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

import attrs
import pandas as pd

from dunforce.program import Program
from dunforce.state import AccountState

__all__ = ["Comparison", "SimulationResult"]


def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(int(cents))
    return f"{sign}{cents // 100:,}.{cents % 100:02d} €".replace(",", " ")


@attrs.frozen(eq=False)
class SimulationResult:
    """A program run day by day over a portfolio, from ``start`` to ``end`` included.

    ``actions`` is the typed actions table (:func:`dunforce.frames.actions_frame`) with one more
    column, ``outcome`` (drawn by the behaviour model; ``None`` for a channel that does not
    reach the tenant). ``payments`` has one row per payment dated in the period: ``account_id``,
    ``date``, ``amount_cents``, ``method``, ``simulated`` (``False`` for a payment the ledger
    already held), ``owed_cents`` (what the account owed just before a simulated payment) and
    ``returned_on`` (the day a direct debit came back unpaid, else ``NaT``). ``daily`` has one
    row per day (see ``docs/simulation.md``). ``rejected`` lists the accounts left out, and why
    (:func:`dunforce.frames.rejected_frame`).
    """

    program: Program = attrs.field(repr=False)
    start: datetime.date
    end: datetime.date
    seed: int
    states: tuple[AccountState, ...] = attrs.field(repr=False)
    rejected: pd.DataFrame = attrs.field(repr=False)
    actions: pd.DataFrame = attrs.field(repr=False)
    payments: pd.DataFrame = attrs.field(repr=False)
    daily: pd.DataFrame = attrs.field(repr=False)
    #: how many times the program was stepped (every account every day would be accounts x days)
    steps: int = attrs.field(default=0, repr=False)

    def kpis(self, by: str | None = "profile", cure_days: int = 30) -> pd.DataFrame:
        """Recovery, cure, days to collect, contacts, cost and automation, per ``by``
        (``"profile"``, ``"scenario"``, ``"channel"`` or ``None`` for one row)."""
        from dunforce.kpi import kpis

        return kpis(
            self.program,
            self.states,
            self.actions,
            start=self.start,
            end=self.end,
            by=by,
            cure_days=cure_days,
        )

    def ageing(self) -> pd.DataFrame:
        """The arrears on the last day, per profile and age of the unpaid charges."""
        from dunforce.kpi import ageing

        return ageing(self.program, self.states, self.end)

    def figures(self) -> dict[str, object]:
        """The headline figures of the run, as a notebook shows them."""
        daily = self.daily
        last = daily.iloc[-1] if len(daily) else None
        simulated = self.payments[self.payments["simulated"]]
        return {
            "scenarios": self.program.filename,
            "period": f"{self.start.isoformat()} to {self.end.isoformat()}",
            "seed": self.seed,
            "accounts": len(self.states),
            "rejected accounts": len(self.rejected),
            "actions": len(self.actions),
            "simulated payments": len(simulated),
            "collected": _euros(int(daily["collected_cents"].sum()) if len(daily) else 0),
            "returned": _euros(int(daily["returned_cents"].sum()) if len(daily) else 0),
            "in arrears on the last day": 0 if last is None else int(last["accounts_in_arrears"]),
            "overdue on the last day": _euros(0 if last is None else int(last["overdue_cents"])),
        }

    def _repr_html_(self) -> str:
        from dunforce.notebook import summary_html

        return summary_html(
            "Simulation (a model, not a forecast)",
            self.figures(),
            {"KPIs": self.kpis(by=None), "daily": self.daily, "actions": self.actions},
        )

    def __repr__(self) -> str:
        return (
            f"<SimulationResult {self.program.filename}: {len(self.states)} accounts, "
            f"{self.start.isoformat()} to {self.end.isoformat()}, {len(self.actions)} actions>"
        )


@attrs.frozen(eq=False)
class Comparison:
    """Several scenario sets simulated on the same portfolio with the same seed."""

    results: Mapping[str, SimulationResult]

    def kpis(self, by: str | None = None, cure_days: int = 30) -> pd.DataFrame:
        """The KPIs of each scenario set: one row per set (index: its name) with ``by=None``,
        else the rows of each set under its name."""
        frames = {name: r.kpis(by=by, cure_days=cure_days) for name, r in self.results.items()}
        if by is None:
            table = pd.concat(frames.values(), ignore_index=True)
            table.index = pd.Index(list(frames), name="scenarios")
            return table
        return pd.concat(frames, names=["scenarios", None])

    @property
    def daily(self) -> pd.DataFrame:
        """The daily figures side by side: one row per day, columns (scenario set, figure)."""
        return pd.concat(
            {name: r.daily.set_index("date") for name, r in self.results.items()},
            axis=1,
            names=["scenarios", "figure"],
        )

    def _repr_html_(self) -> str:
        from dunforce.notebook import summary_html

        first = next(iter(self.results.values()), None)
        figures: dict[str, object] = {"scenario sets": ", ".join(self.results)}
        if first is not None:
            figures["period"] = f"{first.start.isoformat()} to {first.end.isoformat()}"
            figures["accounts"] = len(first.states)
            figures["seed"] = first.seed
        return summary_html(
            "Comparison of scenario sets (a model, not a forecast)",
            figures,
            {"KPIs": self.kpis(by=None)},
        )

    def __repr__(self) -> str:
        return f"<Comparison of {', '.join(self.results)}>"
