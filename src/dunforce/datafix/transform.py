"""One export's rows mapped to canonical fields: filters, parsers, code tables, constants and
defaults, with every bad cell reported for the quarantine.

Work is done per column and per *distinct* value: a column is factorized, its distinct texts are
stripped and parsed once, and the results are taken back to the rows. This module checks cells
and rows on their own; what needs other rows (duplicates, unknown accounts, increments) is done
by ``run`` and ``increment``.
"""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd

from dunforce.datafix.config import FieldSpec, FilterSpec, SourceSpec
from dunforce.datafix.parsers import (
    Parsed,
    check_allowed,
    map_codes,
    parse_amounts,
    parse_bools,
    parse_dates,
    parse_ints,
    parse_numbers,
    parse_text,
)
from dunforce.datafix.quarantine import QuarantineBuilder
from dunforce.datafix.sources import RawFile

__all__ = ["AMOUNT_TABLES", "Batch", "transform"]

#: the tables whose ``amount`` the reconciliation adds up
AMOUNT_TABLES = ("ledger", "plans")
_BLANK = " \t\r\n\u00a0\u202f\ufeff"


@attrs.frozen(eq=False)
class Batch:
    """The rows of one export of one source, mapped to canonical text.

    ``values`` holds, for each field of the source, the canonical text of every row (``""``
    when empty or bad); ``bad`` marks the rows with a problem (already in the quarantine),
    ``filtered`` the rows a filter left out. ``cents`` is each row's amount as read (signed,
    0 where it did not parse) and ``has_amount`` where it parsed; ``sign`` is -1 for the rows
    whose negative amount became a positive one of the source's ``negative_kind``.
    """

    source: SourceSpec
    order: int
    file: str
    rows: np.ndarray
    values: dict[str, np.ndarray]
    bad: np.ndarray
    filtered: np.ndarray
    cents: np.ndarray
    has_amount: np.ndarray
    sign: np.ndarray
    blank: int

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def accepted(self) -> np.ndarray:
        """The rows that passed every check on their own."""
        return ~self.bad & ~self.filtered


def _parse(field: FieldSpec, values: pd.Series, decimal: str) -> Parsed:
    if field.codes is not None:
        return map_codes(values, field.codes, field.codes_name or field.name)
    if field.parse == "date":
        return parse_dates(values, field.dates)
    if field.parse == "amount":
        return parse_amounts(values, decimal)
    if field.parse == "bool":
        return parse_bools(values, field.true, field.false)
    if field.parse == "int":
        return parse_ints(values)
    if field.parse == "number":
        return parse_numbers(values, decimal)
    return parse_text(values)


def _keep(filter_: FilterSpec, cells: np.ndarray) -> np.ndarray:
    """Which distinct stripped texts a filter keeps."""
    series = pd.Series(cells, dtype=object)
    if filter_.operator == "in":
        return series.isin(filter_.values).to_numpy()
    if filter_.operator == "not_in":
        return ~series.isin(filter_.values).to_numpy()
    if filter_.operator == "equals":
        return (series == filter_.values[0]).to_numpy()
    if filter_.operator == "not_equals":
        return (series != filter_.values[0]).to_numpy()
    if filter_.operator == "starts_with":
        return series.str.startswith(filter_.values[0]).to_numpy(dtype=bool)
    empty = (series == "").to_numpy()
    return empty if filter_.values == ("true",) else ~empty


def _distinct(cells: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The factorized column: codes per row, the raw distinct texts and the stripped ones."""
    codes, uniques = pd.factorize(cells, use_na_sentinel=False)
    raw = np.asarray(uniques, dtype=object)
    # object dtype: a cell may hold bytes its encoding could not read (as surrogates), which a
    # pyarrow string column would refuse
    stripped = pd.Series(raw, dtype=object).fillna("").str.strip(_BLANK)
    return codes, raw, stripped.to_numpy(dtype=object)


def transform(raw: RawFile, source: SourceSpec, order: int, quarantine: QuarantineBuilder) -> Batch:
    """Map the rows of ``raw`` to the fields of ``source``, reporting every bad cell."""
    size = len(raw)
    display = raw.display
    rows = raw.rows
    bad = np.zeros(size, dtype=bool)
    # -- rows that cannot be read whole
    groups: dict[tuple[str, str | None], list] = {}
    for problem in raw.problems:
        groups.setdefault((problem.reason, problem.column), []).append(problem)
    for (reason, column), found in groups.items():
        index = np.asarray([p.index for p in found], dtype=np.int64)
        bad[index] = True
        quarantine.add(
            source=source.name,
            file=display,
            rows=rows[index],
            column=column,
            field=source.field_of_column(column) if column else None,
            values=[p.value for p in found],
            reason=reason,
            details=[p.detail for p in found],
            order=-1,
        )
    unreadable = bad.copy()
    # -- filters, on the stripped text of export columns
    kept = np.ones(size, dtype=bool)
    for filter_ in source.filters:
        codes, _, stripped = _distinct(raw.cells[filter_.column])
        kept &= _keep(filter_, stripped)[codes]
    filtered = ~kept & ~unreadable
    reported = ~unreadable & ~filtered  # the rows whose cell problems are reported
    # -- fields
    values: dict[str, np.ndarray] = {}
    cents = np.zeros(size, dtype=np.int64)
    has_amount = np.zeros(size, dtype=bool)
    sign = np.ones(size, dtype=np.int8)
    reconciled = source.table in ("ledger", "plans")
    amount_cells = np.full(size, "", dtype=object)
    for position, field in enumerate(source.fields):
        if field.constant is not None:
            values[field.name] = np.full(size, field.constant, dtype=object)
            continue
        codes, raw_values, stripped = _distinct(raw.cells[field.column])
        present = stripped != ""
        text = np.full(len(stripped), field.default or "", dtype=object)
        reason = np.full(len(stripped), None, dtype=object)
        detail = np.full(len(stripped), None, dtype=object)
        unique_cents = np.zeros(len(stripped), dtype=np.int64)
        if present.any():
            parsed = _parse(field, pd.Series(stripped[present], dtype=object), source.decimal)
            if field.allowed is not None and field.codes is None:
                check_allowed(parsed, field.allowed, field.name)
            text[present] = parsed.text
            reason[present] = parsed.reason
            detail[present] = parsed.detail
            if parsed.cents is not None:
                unique_cents[present] = parsed.cents
        empty_required = ~present & field.required & (field.default is None)
        if source.table == "ledger" and field.name == "amount":
            empty_required = np.zeros(len(stripped), dtype=bool)  # see the ledger rules below
        reason[empty_required] = "missing-value"
        detail[empty_required] = f"{field.name} is required and the cell is empty"
        row_text = text[codes]
        values[field.name] = row_text
        if reconciled and field.name == "amount":
            row_ok = pd.isna(reason)[codes] & present[codes]
            # the amount of a line that cannot be read whole may sit in another column: not counted
            has_amount = row_ok & ~unreadable
            cents = np.where(has_amount, unique_cents[codes], 0)
            amount_cells = stripped[codes]
        row_reason = reason[codes]
        problem = ~pd.isna(row_reason) & reported
        if problem.any():
            where = np.flatnonzero(problem)
            shown = stripped[codes[where]]
            shown = np.where(shown == "", raw_values[codes[where]], shown)
            quarantine.add(
                source=source.name,
                file=display,
                rows=rows[where],
                column=field.column,
                field=field.name,
                values=[str(v) if v is not None else "" for v in shown],
                reason=row_reason[where],
                details=detail[codes[where]],
                order=position,
            )
            bad |= problem
    # -- rules of the amount of ledger and plans rows
    if reconciled and "amount" in values:
        amount_field = source.field("amount")
        amount = values["amount"]
        negative = has_amount & (cents < 0)
        if source.table == "ledger" and source.negative_kind is not None:
            flip = negative
            if flip.any():
                values["amount"] = amount = amount.copy()
                amount[flip] = [text[1:] for text in amount[flip]]
                kind = values["kind"] = values["kind"].copy()
                kind[flip] = source.negative_kind
                sign[flip] = -1
        elif not (amount_field is not None and amount_field.negative):
            where = np.flatnonzero(negative & reported & ~bad)
            if len(where):
                quarantine.add(
                    source=source.name,
                    file=display,
                    rows=rows[where],
                    column=amount_field.column if amount_field else None,
                    field="amount",
                    values=amount_cells[where],
                    reason="negative-amount",
                    details=[
                        f"{text} is negative; a {source.table} amount is positive"
                        + (
                            " (set the source's negative_kind to load it as, say, a rejection)"
                            if source.table == "ledger"
                            else ""
                        )
                        for text in amount[where]
                    ],
                    order=len(source.fields),
                )
                bad[where] = True
    if source.table == "ledger":
        amount = values.get("amount", np.full(size, "", dtype=object))
        kind = values["kind"]
        payment = values.get("payment", np.full(size, "", dtype=object))
        amount_field = source.field("amount")
        empty = amount == ""
        allowed_empty = (kind == "rejection") & (payment != "")
        where = np.flatnonzero(empty & ~allowed_empty & reported & ~bad)
        if len(where):
            quarantine.add(
                source=source.name,
                file=display,
                rows=rows[where],
                column=amount_field.column if amount_field else None,
                field="amount",
                values=[""] * len(where),
                reason="missing-value",
                details=[
                    "amount is required and the cell is empty (only a rejection that names "
                    "its payment may leave it empty)"
                ]
                * len(where),
                order=len(source.fields),
            )
            bad[where] = True
    return Batch(
        source=source,
        order=order,
        file=display,
        rows=rows,
        values=values,
        bad=bad,
        filtered=filtered,
        cents=cents,
        has_amount=has_amount,
        sign=sign,
        blank=raw.blank,
    )
