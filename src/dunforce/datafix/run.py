"""Running a datafix: exports in, canonical tables, quarantine and reconciliation out.

The pipeline reads as one function (:func:`run_datafix`): find each source's files, read each
file, map its rows to canonical fields (``transform``), merge the tenants, check that the other
rows name a known account, merge them (``increment``), then reconcile. No step reads the clock;
the same exports and previous tables always give the same result.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import attrs
import numpy as np
import pandas as pd

from dunforce.datafix.config import Datafix
from dunforce.datafix.errors import DatafixError
from dunforce.datafix.increment import MergeOutcome, TableState
from dunforce.datafix.quarantine import QuarantineBuilder
from dunforce.datafix.reconcile import reconcile
from dunforce.datafix.sources import find_files, read_file
from dunforce.datafix.transform import Batch, transform
from dunforce.tables import TABLES, Portfolio

__all__ = ["DatafixResult", "run_datafix"]

#: called as progress(done, total, description) while the exports are read
ProgressCallback = Callable[[int, int, str], None]


@attrs.frozen(eq=False)
class DatafixResult:
    """What a datafix run gives.

    ``portfolio`` holds the canonical tables (text cells in canonical form: ISO dates, amounts
    such as ``1234.56``, ``true``/``false``), ``quarantine`` every row not loaded with its
    reason (see :data:`~dunforce.datafix.REASONS`), ``reconciliation`` one row per source, and
    ``files`` the exports read.
    """

    portfolio: Portfolio
    quarantine: pd.DataFrame
    reconciliation: pd.DataFrame
    files: tuple[str, ...] = ()
    name: str | None = None

    @property
    def balanced(self) -> bool:
        """Whether every source reconciles: rows and amounts read = loaded + quarantined +
        filtered."""
        return bool(self.reconciliation["balanced"].all())

    def write(self, directory: str | Path) -> tuple[Path, ...]:
        """Write the canonical tables (``tenants.csv``, ``ledger.csv``, …, as
        ``Portfolio.write_csv`` does), ``quarantine.csv`` and ``reconciliation.csv`` in
        ``directory``; returns the paths written. Each file is written whole or not at all."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        staging = directory / ".datafix-partial"
        staging.mkdir(exist_ok=True)
        try:
            written = list(self.portfolio.write_csv(staging))
            quarantine = staging / "quarantine.csv"
            self.quarantine.to_csv(quarantine, index=False, encoding="utf-8", lineterminator="\n")
            reconciliation = staging / "reconciliation.csv"
            frame = self.reconciliation.copy()
            for column in ("amount_read", "amount_loaded", "amount_quarantined", "amount_filtered"):
                frame[column] = frame[column].map(lambda amount: format(amount, "f"))
            frame["balanced"] = frame["balanced"].map(lambda value: "true" if value else "false")
            frame.to_csv(reconciliation, index=False, encoding="utf-8", lineterminator="\n")
            written += [quarantine, reconciliation]
            final = []
            for path in written:
                target = directory / path.name
                os.replace(path, target)
                final.append(target)
        finally:
            for leftover in staging.iterdir():
                leftover.unlink()
            staging.rmdir()
        return tuple(final)

    def summary(self) -> str:
        """A readable account of the run: per source, rows and amounts, and the quarantine by
        reason."""
        frame = self.reconciliation
        headers = ("source", "table", "files", "read", "loaded", "new", "updated",
                   "quarantined", "filtered", "amount read", "amount loaded")  # fmt: skip
        rows = [
            (
                r.source,
                r.table,
                str(r.files),
                f"{r.rows_read:,}",
                f"{r.rows_loaded:,}",
                f"{r.rows_new:,}",
                f"{r.rows_updated:,}",
                f"{r.rows_quarantined:,}",
                f"{r.rows_filtered:,}",
                _money(r.amount_read),
                _money(r.amount_loaded),
            )
            for r in frame.itertuples(index=False)
        ]
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
        left = 2  # source and table are text, the rest numbers

        def line(cells) -> str:
            return "  ".join(
                cell.ljust(width) if i < left else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()

        lines = [line(headers), *(line(row) for row in rows)]
        quarantined = self.quarantine
        if len(quarantined):
            counts = quarantined.drop_duplicates(["source", "file", "row", "reason"])
            tally = counts["reason"].value_counts()
            ranked = sorted(tally.items(), key=lambda item: (-item[1], item[0]))
            rows_out = int(frame["rows_quarantined"].sum())
            lines.append(
                f"quarantine: {rows_out:,} row{'' if rows_out == 1 else 's'} ("
                + ", ".join(f"{reason} {count}" for reason, count in ranked)
                + ")"
            )
        else:
            lines.append("quarantine: none")
        if self.balanced:
            lines.append("reconciliation: balanced")
        else:
            bad = ", ".join(frame.loc[~frame["balanced"], "source"])
            lines.append(f"reconciliation: NOT BALANCED for {bad}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        name = f" {html.escape(self.name)}" if self.name else ""
        title = f"<h4>datafix{name}: {'balanced' if self.balanced else 'NOT balanced'}</h4>"
        head = self.quarantine.head(20)
        return (
            title
            + self.reconciliation.to_html(index=False)
            + f"<p>quarantine: {len(self.quarantine)} problem(s)</p>"
            + (head.to_html(index=False) if len(head) else "")
        )


def _money(amount) -> str:
    return f"{amount:,.2f}".replace(",", " ")


def _previous(previous: Portfolio | str | Path | None) -> Portfolio | None:
    if previous is None or isinstance(previous, Portfolio):
        return previous
    if isinstance(previous, str | Path):
        return Portfolio.read_csv(previous)
    raise TypeError(
        f"previous must be a Portfolio or a directory of canonical tables, not "
        f"{type(previous).__name__}"
    )


def _display(path: Path) -> str:
    return path.as_posix()


def run_datafix(
    datafix: Datafix,
    *,
    base_dir: str | Path | None = None,
    previous: Portfolio | str | Path | None = None,
    progress: ProgressCallback | None = None,
) -> DatafixResult:
    """Run ``datafix`` (see :meth:`Datafix.run`)."""
    base = Path(base_dir) if base_dir is not None else datafix.base_dir
    if not base.is_dir():
        raise DatafixError(
            f"no such directory: {base} (the folder of the exports)", filename=datafix.filename
        )
    before = _previous(previous)

    # 1. the files of each source
    plan: list[tuple[int, Path]] = []
    files: dict[str, int] = {}
    for order, source in enumerate(datafix.sources):
        found = find_files(source, base)
        if not found and not source.optional:
            patterns = ", ".join(repr(p) for p in source.files)
            raise DatafixError(
                f"no file matches {patterns} in {base} (set optional = true if the source may "
                "have no file some days)",
                filename=datafix.filename,
                line=source.line,
                key=f"sources.{source.name}.files",
            )
        files[source.name] = len(found)
        plan.extend((order, path) for path in found)
    sizes = [max(path.stat().st_size, 1) for _, path in plan]
    total = sum(sizes)

    # 2. each file read and mapped on its own
    quarantine = QuarantineBuilder()
    batches: list[Batch] = []
    done = 0
    for (order, path), size in zip(plan, sizes, strict=True):
        source = datafix.sources[order]
        display = _display(path)
        report = None
        if progress is not None:

            def report(fraction: float, _done=done, _size=size, _name=display) -> None:
                progress(_done + int(_size * fraction * 0.8), total, _name)

        raw = read_file(path, display, source, report)
        batches.append(transform(raw, source, order, quarantine))
        done += size
        if progress is not None:
            progress(done, total, display)

    # 3. tenants first, then the rows that name an account
    tables = {
        name: TableState(name, getattr(before, name) if before is not None else None)
        for name in TABLES
    }
    outcomes: dict[int, MergeOutcome] = {}
    for batch in batches:
        if batch.source.table == "tenants":
            outcomes[id(batch)] = tables["tenants"].merge(
                batch, np.flatnonzero(batch.accepted), quarantine
            )
    known = pd.Index(pd.unique(tables["tenants"].columns["account_id"]))
    refused = _refused_tenants(batches)
    for batch in batches:
        if batch.source.table == "tenants":
            continue
        candidates = np.flatnonzero(batch.accepted)
        accounts = batch.values["account_id"][candidates]
        unknown = ~pd.Index(accounts).isin(known)
        if unknown.any():
            where = candidates[unknown]
            _unknown_accounts(batch, where, refused, quarantine)
            candidates = candidates[~unknown]
        outcomes[id(batch)] = tables[batch.source.table].merge(batch, candidates, quarantine)

    # 4. the result
    frames = {name: state.frame() for name, state in tables.items()}
    portfolio = Portfolio(**frames)
    table = quarantine.frame(s.name for s in datafix.sources)
    reconciliation = reconcile(datafix, files, batches, outcomes, table)
    return DatafixResult(
        portfolio=portfolio,
        quarantine=table,
        reconciliation=reconciliation,
        files=tuple(_display(path) for _, path in plan),
        name=datafix.name,
    )


def _refused_tenants(batches: list[Batch]) -> dict[str, str]:
    """Account ids whose tenants row was quarantined in this run, with where that row is."""
    refused: dict[str, str] = {}
    for batch in batches:
        if batch.source.table != "tenants":
            continue
        for index in np.flatnonzero(batch.bad).tolist():
            account = batch.values["account_id"][index]
            if account:
                refused.setdefault(account, f"{batch.file}:{batch.rows[index]}")
    return refused


def _unknown_accounts(
    batch: Batch, where: np.ndarray, refused: dict[str, str], quarantine: QuarantineBuilder
) -> None:
    source = batch.source
    field = source.field("account_id")
    accounts = batch.values["account_id"][where]

    def detail(account: str) -> str:
        text = f"account {account!r} is not in the tenants table"
        if account in refused:
            text += f" (its tenants row, {refused[account]}, is in quarantine)"
        return text

    quarantine.add(
        source=source.name,
        file=batch.file,
        rows=batch.rows[where],
        column=field.column if field is not None else None,
        field="account_id",
        values=accounts,
        reason="unknown-account",
        details=[detail(a) for a in accounts],
        order=len(source.fields),
    )
