"""The canonical tables of a portfolio, and the accounts read from them.

A :class:`Portfolio` is five pandas tables, the form every landlord's exports take once a datafix
has mapped them (DESIGN §10):

``tenants``
    ``account_id`` and one column per attribute of the schema (``apl``, ``income``, …).
``ledger``
    ``account_id``, ``kind`` (``charge``, ``payment``, ``rejection`` or ``adjustment``),
    ``amount``, ``date``; optionally ``id``, ``period`` and ``label`` (charges), ``method`` and
    ``settles`` (payments: the id of the charge it pays first), ``payment`` (rejections: the id of
    the payment returned) and ``reason`` (rejections and adjustments).
``events``
    ``account_id``, ``kind``, ``date``; optionally ``note``.
``plans``
    ``account_id``, ``plan_id``, ``signed_on``, ``due``, ``amount``; optionally ``cancelled_on``.
    One row per instalment; the rows of a plan repeat its ``signed_on`` and ``cancelled_on``.
``history``
    ``account_id``, ``key``, ``emitted_on``; optionally ``channel`` and ``outcome``.

On disk each table is a CSV file (``tenants.csv``, …): UTF-8, comma-separated, one header line,
ISO dates (``2026-03-05``), amounts with a decimal point (``487.32``), booleans as ``true`` /
``false`` (``1``/``0``, ``yes``/``no`` and ``oui``/``non`` are read too). An empty cell is a value
not given. ``tenants.csv`` and ``ledger.csv`` are required, the other files may be missing, and a
missing optional column is an empty one.

Every cell is read as text and converted here, so money never goes through a binary float: an
amount is a ``Decimal`` built from its text. A cell that does not convert rejects its account
(:class:`Rejected`, naming the table, the 1-based data row, the column and the value) and the
other accounts go on: the number of accounts read always equals the states plus the rejected.

This module reads and writes tables and builds validated ``AccountState``\\ s; it never derives
an attribute from the ledger and never decides an action.
"""

from __future__ import annotations

import csv
import datetime
import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pandas as pd

from dunforce.attributes.catalogue import HOUSING_SCHEMA
from dunforce.attributes.schema import Schema
from dunforce.attributes.types import AttributeSpec, ValueType
from dunforce.dsl.ast import Duration
from dunforce.errors import DataError, StateError
from dunforce.state import (
    AccountState,
    Adjustment,
    Charge,
    Entry,
    Event,
    Instalment,
    Issued,
    Payment,
    Plan,
    Rejection,
)
from dunforce.values import to_date, to_money, to_number

__all__ = [
    "LEDGER_KINDS",
    "REJECTED_COLUMNS",
    "TABLES",
    "Portfolio",
    "Rejected",
    "TableSpec",
    "parse_bool",
    "parse_date",
    "parse_int",
    "parse_money",
]


# ------------------------------------------------------------------------------ table shapes


@attrs.frozen
class TableSpec:
    """The columns of a canonical table; a required file must exist on disk."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    required_file: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec("tenants", ("account_id",), required_file=True),
        TableSpec(
            "ledger",
            ("account_id", "kind", "amount", "date"),
            ("id", "period", "label", "method", "settles", "payment", "reason"),
            required_file=True,
        ),
        TableSpec("events", ("account_id", "kind", "date"), ("note",)),
        TableSpec(
            "plans", ("account_id", "plan_id", "signed_on", "due", "amount"), ("cancelled_on",)
        ),
        TableSpec("history", ("account_id", "key", "emitted_on"), ("channel", "outcome")),
    )
}

LEDGER_KINDS: tuple[str, ...] = ("charge", "payment", "rejection", "adjustment")
_GROUPED = ("ledger", "events", "plans", "history")


# ------------------------------------------------------------------------------ cells

_INT = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DURATION = re.compile(r"([0-9]+) *(d|bd|w|m)?")
_TRUE = frozenset({"true", "1", "yes", "oui"})
_FALSE = frozenset({"false", "0", "no", "non"})


def _is_empty(value: object) -> bool:
    """An empty cell: no text (or only spaces), or a missing value of pandas (NaN, NA, NaT)."""
    if isinstance(value, str):
        return not value or value.isspace()
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a sequence: not a missing value
        return False


def _optional(value: object) -> object:
    return None if _is_empty(value) else _plain(value)


def _plain(value: object) -> object:
    """A cell of a typed column as the Python value it stands for: numpy scalars become Python
    ones, a timestamp at midnight (how pandas keeps a day) becomes a date, an integral float in a
    whole-number column (pandas turns ints with gaps into floats) stays for the parser to judge."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is None and value == value.normalize():
            return value.date()
        return value.to_pydatetime()
    return value


def parse_bool(value: object, field: str) -> bool:
    """``true``/``false``, ``1``/``0``, ``yes``/``no``, ``oui``/``non``, in any case.

    >>> parse_bool(" Oui", "apl")
    True
    """
    value = _plain(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise StateError(
        f"{field}: {value!r} is not true or false (write true/false, 1/0, yes/no or oui/non)",
        field=field,
        value=value,
    )


def parse_int(value: object, field: str) -> int:
    """A whole number written with digits only (an optional sign, no decimal point)."""
    value = _plain(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise StateError(f"{field}: {value!r} is not a whole number", field=field, value=value)


def _decimal_text(value: str, field: str, what: str) -> str:
    text = value.strip()
    if _DECIMAL.fullmatch(text):
        return text
    if "," in text:
        hint = "write it with a decimal point and no thousands separator, as 1234.56"
    else:
        hint = "write it as 1234.56"
    raise StateError(f"{field}: {value!r} is not {what} ({hint})", field=field, value=value)


def parse_money(value: object, field: str, *, allow_negative: bool = False) -> Decimal:
    """An exact amount from its text, to the cent; never through a float.

    >>> parse_money("0.10", "amount") + parse_money("0.20", "amount")
    Decimal('0.30')
    """
    value = _plain(value)
    if isinstance(value, str):
        value = _decimal_text(value, field, "an amount of money")
    return to_money(value, field, allow_negative=allow_negative)


def _parse_number(value: object, field: str) -> Decimal | int:
    value = _plain(value)
    if isinstance(value, str):
        return Decimal(_decimal_text(value, field, "a number"))
    return to_number(value, field)


def parse_date(value: object, field: str) -> datetime.date:
    """An ISO date ``YYYY-MM-DD`` (and only that form: no French ``05/03/2026``)."""
    value = _plain(value)
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value.strip()):
        raise StateError(
            f"{field}: {value!r} is not a date (write it as YYYY-MM-DD, such as 2026-03-05)",
            field=field,
            value=value,
        )
    return to_date(value, field)


def _parse_duration(value: object, field: str) -> Duration:
    value = _plain(value)
    if isinstance(value, Duration):
        return value
    if isinstance(value, str) and (match := _DURATION.fullmatch(value.strip())):
        return Duration(int(match.group(1)), match.group(2) or "d")
    if isinstance(value, int) and not isinstance(value, bool):
        return Duration(value, "d")
    raise StateError(
        f"{field}: {value!r} is not a duration (write it as 30, 30d, 10bd, 2w or 3m)",
        field=field,
        value=value,
    )


def _parse_text(value: object, field: str) -> object:
    return _plain(value)  # as is; the schema checks its type and its allowed values


_ATTRIBUTE_PARSERS: dict[ValueType, Callable[[object, str], object]] = {
    ValueType.BOOL: parse_bool,
    ValueType.INT: parse_int,
    ValueType.NUMBER: _parse_number,
    ValueType.MONEY: lambda value, field: parse_money(value, field, allow_negative=True),
    ValueType.DATE: parse_date,
    ValueType.DURATION: _parse_duration,
    ValueType.TEXT: _parse_text,
}


def _text_of(value: object) -> str:
    """A value written in a cell: the inverse of the parsers above."""
    if _is_empty(value):
        return ""
    value = _plain(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a whole number kept as a float by pandas (a column with gaps)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Duration):
        return f"{value.amount}{value.unit}"
    return str(value)


# ------------------------------------------------------------------------------ rejected


@attrs.frozen
class Rejected:
    """An account that could not be read (or stepped), and why: nothing is dropped silently.

    ``source`` is the table where the problem is (``tenants``, ``ledger``, ``events``, ``plans``,
    ``history``; the command line uses ``step`` when the program refused the account), ``row``
    the 1-based data row of that table (the header line is not counted) or ``None``, ``field``
    the column (or the state field) and ``value`` the value found there.
    """

    account_id: str
    reason: str
    field: str | None = None
    value: object = None
    source: str | None = None
    row: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "account_id": self.account_id,
            "reason": self.reason,
            "field": self.field,
            "value": self.value,
            "source": self.source,
            "row": self.row,
        }


REJECTED_COLUMNS: tuple[str, ...] = tuple(attrs.fields_dict(Rejected))


class _Problem(Exception):
    """A bad cell found while reading one account; becomes that account's ``Rejected``."""

    def __init__(self, reason: str, field: str | None, value: object, source: str, row: int | None):
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.value = value
        self.source = source
        self.row = row

    @classmethod
    def of(cls, exc: StateError, source: str, row: int | None) -> _Problem:
        return cls(exc.message, exc.field, exc.value, source, row)


# ------------------------------------------------------------------------------ portfolio


def _table(name: str, *, required: bool = False):
    spec = TABLES[name]

    def convert(frame: pd.DataFrame | None) -> pd.DataFrame:
        if frame is None and not required:
            return pd.DataFrame({column: pd.Series(dtype=object) for column in spec.columns})
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{name}: expected a pandas DataFrame, not {type(frame).__name__}")
        for column in spec.required:
            if column not in frame.columns:
                raise DataError(
                    f"{name}: missing column {column!r} (the {name} table needs "
                    f"{', '.join(spec.required)})",
                    path=name,
                    column=column,
                )
        return frame

    return convert


@attrs.frozen(eq=False)
class Portfolio:
    """The canonical tables of a portfolio (see the module docstring for their columns).

    The tables are pandas DataFrames, best made of text cells (``Portfolio.read_csv`` reads
    every cell as text); Python values (``Decimal``, ``date``, ``bool``) are accepted too. A
    table not given is empty, and a missing optional column reads as empty.

    >>> import pandas as pd
    >>> portfolio = Portfolio(
    ...     tenants=pd.DataFrame({"account_id": ["A1"], "apl": ["oui"]}),
    ...     ledger=pd.DataFrame({"account_id": ["A1", "A1"], "kind": ["charge", "payment"],
    ...                          "amount": ["450.00", "0.10"], "date": ["2026-03-05"] * 2}),
    ... )
    >>> (state,) = portfolio.accounts()
    >>> state.attributes["apl"], state.ledger[1].amount
    (True, Decimal('0.10'))
    """

    tenants: pd.DataFrame = attrs.field(converter=_table("tenants", required=True))
    ledger: pd.DataFrame = attrs.field(default=None, converter=_table("ledger"))
    events: pd.DataFrame = attrs.field(default=None, converter=_table("events"))
    plans: pd.DataFrame = attrs.field(default=None, converter=_table("plans"))
    history: pd.DataFrame = attrs.field(default=None, converter=_table("history"))

    # -- files ---------------------------------------------------------------------------

    @classmethod
    def read_csv(cls, directory: str | Path) -> Portfolio:
        """The tables from ``tenants.csv``, ``ledger.csv``, ``events.csv``, ``plans.csv`` and
        ``history.csv`` in ``directory``, every cell as text (nothing converted by pandas).

        A missing required file or column, or a file that is not UTF-8 CSV, is a ``DataError``
        naming the file (and the column); bad rows are not errors here: ``accounts`` rejects
        their accounts.
        """
        directory = Path(directory)
        if not directory.is_dir():
            raise DataError(f"{directory}: no such directory", path=str(directory))
        tables: dict[str, pd.DataFrame] = {}
        for name, spec in TABLES.items():
            path = directory / spec.filename
            if not path.is_file():
                if spec.required_file:
                    raise DataError(
                        f"{path}: no such file; a portfolio needs tenants.csv and ledger.csv",
                        path=str(path),
                    )
                continue
            tables[name] = _read_table(path, spec)
        return cls(**tables)

    def write_csv(self, directory: str | Path) -> tuple[Path, ...]:
        """Write the five tables as canonical CSV files in ``directory`` (created if needed);
        returns the paths written."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name, spec in TABLES.items():
            frame = getattr(self, name)
            if name != "tenants":
                frame = frame.reindex(columns=list(spec.columns))
            path = directory / spec.filename
            frame.map(_text_of).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
            written.append(path)
        return tuple(written)

    # -- from states ---------------------------------------------------------------------

    @classmethod
    def from_states(cls, states: Iterable[AccountState]) -> Portfolio:
        """The tables that read back as ``states`` (the inverse of ``accounts``, which also
        gives every attribute its default)."""
        tenants: list[dict[str, object]] = []
        ledger: list[dict[str, object]] = []
        events: list[dict[str, object]] = []
        plans: list[dict[str, object]] = []
        history: list[dict[str, object]] = []
        order: dict[str, int] = {}
        for state in states:
            account = state.account_id
            if not order:
                order = {name: index for index, name in enumerate(state.schema.symbols)}
            tenants.append({"account_id": account, **state.attributes})
            ledger.extend(_entry_row(account, entry) for entry in state.ledger)
            events.extend(
                {"account_id": account, "kind": e.kind, "date": e.on, "note": e.note}
                for e in state.events
            )
            for plan in state.plans:
                if not plan.instalments:
                    raise ValueError(
                        f"account {account}: a plan without instalments has no row in a table"
                    )
                plans.extend(
                    {
                        "account_id": account,
                        "plan_id": plan.id,
                        "signed_on": plan.signed_on,
                        "due": instalment.due,
                        "amount": instalment.amount,
                        "cancelled_on": plan.cancelled_on,
                    }
                    for instalment in plan.instalments
                )
            history.extend(
                {
                    "account_id": account,
                    "key": issued.key,
                    "emitted_on": issued.emitted_on,
                    "channel": issued.channel,
                    "outcome": issued.outcome,
                }
                for issued in state.history
            )
        names = list(dict.fromkeys(name for row in tenants for name in row if name != "account_id"))
        names.sort(key=lambda name: order.get(name, len(order)))

        def frame(rows: list[dict[str, object]], columns: Iterable[str]) -> pd.DataFrame:
            columns = list(columns)
            data = {c: [_text_of(row.get(c)) for row in rows] for c in columns}
            return pd.DataFrame(data, columns=columns, dtype=object)

        return cls(
            tenants=frame(tenants, ["account_id", *names]),
            ledger=frame(ledger, TABLES["ledger"].columns),
            events=frame(events, TABLES["events"].columns),
            plans=frame(plans, TABLES["plans"].columns),
            history=frame(history, TABLES["history"].columns),
        )

    # -- accounts ------------------------------------------------------------------------

    def accounts(self, schema: Schema = HOUSING_SCHEMA) -> Iterator[AccountState | Rejected]:
        """Every account as an ``AccountState`` validated against ``schema``, or as a
        ``Rejected`` saying which cell is wrong, in the order of the tenants table; then one
        ``Rejected`` for each account id that the other tables name but the tenants table does
        not. The number of accounts yielded is the tenants rows plus those unknown ids.

        An empty cell is an attribute not given: an optional attribute is ``None``, one with a
        default takes its default, a required one without default stays absent (the program
        refuses the account if it uses it).
        """
        if not isinstance(schema, Schema):
            raise TypeError(f"schema must be a dunforce.Schema, not {type(schema).__name__}")
        return _Reader(self, schema).accounts()


def _read_table(path: Path, spec: TableSpec) -> pd.DataFrame:
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            header = next(csv.reader(file), None)
        if header is None:
            raise DataError(
                f"{path}: empty file; it needs at least its header line", path=str(path)
            )
        header = [name.strip() for name in header]
        duplicated = [name for name, n in Counter(header).items() if n > 1]
        if duplicated:
            raise DataError(
                f"{path}: column {duplicated[0]!r} appears twice in the header",
                path=str(path),
                column=duplicated[0],
            )
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8-sig",
            skip_blank_lines=True,
        )
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: not UTF-8 text (byte {exc.start}); export the file in UTF-8",
            path=str(path),
        ) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise DataError(f"{path}: not a valid CSV file: {exc}", path=str(path)) from None
    frame.columns = [str(name).strip() for name in frame.columns]
    for column in spec.required:
        if column not in frame.columns:
            raise DataError(
                f"{path}: missing column {column!r} (the columns are "
                f"{', '.join(frame.columns) or 'none'}; {spec.filename} needs "
                f"{', '.join(spec.required)})",
                path=str(path),
                column=column,
            )
    return frame


def _entry_row(account: str, entry: Entry) -> dict[str, object]:
    row: dict[str, object] = {"account_id": account, "kind": entry.kind}
    if isinstance(entry, Charge):
        row |= {"amount": entry.amount, "date": entry.due, "id": entry.id}
        row |= {"period": entry.period, "label": entry.label}
    elif isinstance(entry, Payment):
        row |= {"amount": entry.amount, "date": entry.on, "id": entry.id}
        row |= {"method": entry.method, "settles": entry.settles}
    elif isinstance(entry, Rejection):
        row |= {"amount": entry.amount, "date": entry.on, "payment": entry.payment}
        row |= {"reason": entry.reason}
    else:
        row |= {"amount": entry.amount, "date": entry.on, "id": entry.id, "reason": entry.reason}
    return row


# ------------------------------------------------------------------------------ reading


_ABSENT = object()


def _display_id(value: object) -> str:
    if isinstance(value, str):
        return value
    return "" if _is_empty(value) else str(value)


#: the cells worth converting once per distinct value (NaN and NaT are never kept: they fail)
_CACHED = frozenset({str, float, pd.Timestamp, datetime.date})
#: the ledger's optional text columns
_LEDGER_TEXTS = ("period", "id", "label", "method", "settles", "payment", "reason")


def _cell_list(column: pd.Series) -> list:
    """The cells of a column as Python values. Days of a ``datetime64`` column, all at
    midnight, come as dates straight from numpy (not as timestamps, one by one); a missing day
    stays ``NaT``, as pandas gives it."""
    dtype = column.dtype
    if dtype.kind == "M" and getattr(dtype, "tz", None) is None:
        raw = column.to_numpy()
        days = raw.astype("datetime64[D]")
        missing = np.isnat(raw)
        if (missing | (days == raw)).all():
            cells = days.tolist()
            for index in np.flatnonzero(missing).tolist():
                cells[index] = pd.NaT
            return cells
    return column.tolist()


class _Nothing:
    """An optional column that is not there: every cell is empty (no list of a million Nones)."""

    def __getitem__(self, index: int) -> None:
        return None


_NOTHING = _Nothing()


#: an empty tenants cell: the attribute's default applies
_EMPTY = object()
#: the cells parsed once per distinct value
_PARSED_ONCE = frozenset({str, bool, int, float, pd.Timestamp, datetime.date})


@attrs.frozen
class _Refused:
    """A tenants cell the attribute's parser refuses, and why."""

    error: StateError


def _parsed_cells(values: list, parser: Callable[[object, str], object] | None, field: str):
    """Each cell of a tenants column as the state takes it: the parsed value, ``_EMPTY``, or
    the parser's refusal; each distinct value is parsed once (a column holds few: booleans,
    categories, the same days)."""
    found: dict[tuple[type, object], object] = {}
    result = []
    for value in values:
        kind = type(value)
        # the same text, number, flag or day parses the same (not a Decimal: 1.0 and 1.00
        # are equal but written apart)
        key = (kind, value) if kind in _PARSED_ONCE else None
        cell = _ABSENT if key is None else found.get(key, _ABSENT)
        if cell is _ABSENT:
            if _is_empty(value):
                cell = _EMPTY
            elif parser is None:
                cell = value  # an unknown or derived column: the state says what is wrong
            else:
                try:
                    cell = parser(value, field)
                except StateError as exc:
                    cell = _Refused(exc)
            if key is not None:
                found[key] = cell
        result.append(cell)
    return result


class _Reader:
    """One pass over a portfolio: columns taken out of pandas once as lists, rows grouped by
    account with ``groupby``, and the text of amounts and dates converted once per distinct
    text."""

    def __init__(
        self,
        portfolio: Portfolio,
        schema: Schema,
        positions: Mapping[str, np.ndarray] | None = None,
    ):
        self.schema = schema
        self.tenants = portfolio.tenants
        #: for a part cut from larger tables: where each of its rows is in them, so that a
        #: rejected account names the row of the table the user has
        self.positions = positions
        self.cells: dict[str, dict[str, list]] = {}
        self.groups: dict[str, dict[object, list[int]]] = {}
        for name in _GROUPED:
            frame = getattr(portfolio, name)
            self.cells[name] = {
                c: _cell_list(frame[c]) if c in frame.columns else _NOTHING
                for c in TABLES[name].columns
            }
            if len(frame):
                indices = frame.groupby("account_id", sort=False, dropna=False).indices
                self.groups[name] = {key: rows.tolist() for key, rows in indices.items()}
            else:
                self.groups[name] = {}
        #: the ledger's optional text cells, as the entries take them
        self.texts = {
            c: _NOTHING if cells is _NOTHING else [_optional(v) for v in cells]
            for c in _LEDGER_TEXTS
            for cells in (self.cells["ledger"][c],)
        }
        #: converted once per distinct cell (text, or a float or timestamp of a typed column)
        self.moneys: dict[object, Decimal] = {}
        self.dates: dict[object, datetime.date] = {}

    def row(self, table: str, index: int) -> int:
        """The row number (from 1) of the row at ``index`` of a table."""
        if self.positions is None:
            return index + 1
        return int(self.positions[table][index]) + 1

    # -- cells ---------------------------------------------------------------------------

    def money(self, value: object, field: str) -> Decimal:
        if type(value) in _CACHED:
            amount = self.moneys.get(value)
            if amount is None:
                amount = self.moneys[value] = parse_money(value, field)
            return amount
        return parse_money(value, field)

    def date(self, value: object, field: str) -> datetime.date:
        if type(value) in _CACHED:
            day = self.dates.get(value)
            if day is None:
                day = self.dates[value] = parse_date(value, field)
            return day
        return parse_date(value, field)

    # -- accounts ------------------------------------------------------------------------

    def accounts(self) -> Iterator[AccountState | Rejected]:
        tenants = self.tenants
        ids = tenants["account_id"].tolist()
        columns = [c for c in tenants.columns if c != "account_id"]
        values = {c: tenants[c].tolist() for c in columns}
        parsers: list[tuple[str, Callable[[object, str], object] | None]] = []
        for column in columns:
            spec = self.schema.get(column) if isinstance(column, str) else None
            # unknown and derived columns go to the state as they are: it says what is wrong
            parser = _ATTRIBUTE_PARSERS[spec.type] if isinstance(spec, AttributeSpec) else None
            parsers.append((column, parser))
        # every attribute in schema order: its default, None when optional, else absent
        base: dict[str, object] = {}
        for spec in self.schema.attributes:
            if spec.default is not None:
                base[spec.name] = spec.default
            else:
                base[spec.name] = None if spec.optional else _ABSENT
        counts = Counter(ids)
        cells = [
            (column, _parsed_cells(values[column], parser, str(column)))
            for column, parser in parsers
        ]

        for index, account in enumerate(ids):
            row = self.row("tenants", index)
            try:
                if counts[account] > 1 and not _is_empty(account):
                    raise _Problem(
                        f"account_id: {account!r} is on {counts[account]} rows of tenants; "
                        "an account has one row",
                        "account_id",
                        account,
                        "tenants",
                        row,
                    )
                attributes = dict(base)
                for column, column_cells in cells:
                    value = column_cells[index]
                    if value is _EMPTY:
                        continue
                    if type(value) is _Refused:
                        raise _Problem.of(value.error, "tenants", row) from None
                    attributes[column] = value
                attributes = {k: v for k, v in attributes.items() if v is not _ABSENT}
                yield self.state(account, attributes, row)
            except _Problem as problem:
                yield Rejected(
                    _display_id(account),
                    problem.reason,
                    problem.field,
                    problem.value,
                    problem.source,
                    problem.row,
                )

        known = set(ids)
        unknown: dict[object, tuple[int, str, int]] = {}
        for name in _GROUPED:
            for key, rows in self.groups[name].items():
                if key not in known and key not in unknown:
                    unknown[key] = (_GROUPED.index(name), name, rows[0])
        for key, (_, name, first) in sorted(unknown.items(), key=lambda item: item[1]):
            total = sum(len(self.groups[table].get(key, ())) for table in _GROUPED)
            yield Rejected(
                _display_id(key),
                f"account_id: {_display_id(key)!r} is not in the tenants table "
                f"({total} row{'' if total == 1 else 's'} in {', '.join(self._tables_of(key))})",
                "account_id",
                key,
                name,
                self.row(name, first),
            )

    def _tables_of(self, key: object) -> list[str]:
        return [name for name in _GROUPED if key in self.groups[name]]

    def state(self, account: object, attributes: dict[str, object], row: int) -> AccountState:
        ledger = tuple(self.entry(i) for i in self.groups["ledger"].get(account, ()))
        events = tuple(self.event(i) for i in self.groups["events"].get(account, ()))
        plans = self.plans(self.groups["plans"].get(account, ()))
        history = tuple(self.issued(i) for i in self.groups["history"].get(account, ()))
        try:
            return AccountState(
                account_id=account,
                attributes=attributes,
                ledger=ledger,
                events=events,
                plans=plans,
                history=history,
                schema=self.schema,
            )
        except StateError as exc:
            field, reason = exc.field, exc.message
            if field and field.startswith("events["):
                # an event's own row, in the events table (e.g. an unknown kind)
                index = int(field[len("events[") : field.index("]")])
                column = field[field.index("]") + 2 :] or "kind"
                rows = self.groups["events"].get(account, ())
                row_number = self.row("events", rows[index]) if index < len(rows) else None
                reason = column + reason.removeprefix(field) if reason.startswith(field) else reason
                raise _Problem(reason, column, exc.value, "events", row_number) from None
            if field and field.startswith("attributes."):
                column = field.removeprefix("attributes.")
                reason = column + reason.removeprefix(field) if reason.startswith(field) else reason
                field = column
            raise _Problem(reason, field, exc.value, "tenants", row) from None

    def entry(self, i: int) -> Entry:
        cells, texts = self.cells["ledger"], self.texts
        kind = cells["kind"][i]
        try:
            if kind == "charge":
                return Charge(
                    self.money(cells["amount"][i], "amount"),
                    self.date(cells["date"][i], "date"),
                    period=texts["period"][i],
                    id=texts["id"][i],
                    label=texts["label"][i],
                )
            if kind == "payment":
                return Payment(
                    self.money(cells["amount"][i], "amount"),
                    self.date(cells["date"][i], "date"),
                    method=texts["method"][i],
                    id=texts["id"][i],
                    settles=texts["settles"][i],
                )
            if kind == "rejection":
                amount, payment = _optional(cells["amount"][i]), texts["payment"][i]
                if amount is None and payment is None:
                    raise StateError(
                        "payment: a rejection names the payment it returns (payment column) or "
                        "gives its amount (amount column)",
                        field="payment",
                        value=None,
                    )
                return Rejection(
                    self.date(cells["date"][i], "date"),
                    payment=payment,
                    amount=None if amount is None else self.money(amount, "amount"),
                    reason=texts["reason"][i],
                )
            if kind == "adjustment":
                return Adjustment(
                    self.money(cells["amount"][i], "amount"),
                    self.date(cells["date"][i], "date"),
                    reason=texts["reason"][i],
                    id=texts["id"][i],
                )
        except StateError as exc:
            raise _Problem.of(exc, "ledger", self.row("ledger", i)) from None
        close = difflib.get_close_matches(str(kind), LEDGER_KINDS, n=1)
        suggestion = f"; did you mean {close[0]!r}?" if close else ""
        raise _Problem(
            f"kind: {kind!r} is not a ledger kind (charge, payment, rejection or adjustment)"
            + suggestion,
            "kind",
            kind,
            "ledger",
            self.row("ledger", i),
        )

    def event(self, i: int) -> Event:
        cells = self.cells["events"]
        try:
            return Event(
                cells["kind"][i], self.date(cells["date"][i], "date"), _optional(cells["note"][i])
            )
        except StateError as exc:
            raise _Problem.of(exc, "events", self.row("events", i)) from None

    def issued(self, i: int) -> Issued:
        cells = self.cells["history"]
        try:
            return Issued(
                cells["key"][i],
                self.date(cells["emitted_on"][i], "emitted_on"),
                channel=_optional(cells["channel"][i]),
                outcome=_optional(cells["outcome"][i]),
            )
        except StateError as exc:
            raise _Problem.of(exc, "history", self.row("history", i)) from None

    def plans(self, rows: list[int]) -> tuple[Plan, ...]:
        if not rows:
            return ()
        cells = self.cells["plans"]
        found: dict[object, tuple[int, datetime.date, datetime.date | None, list[Instalment]]] = {}
        for i in rows:
            try:
                plan_id = _optional(cells["plan_id"][i])
                signed = self.date(cells["signed_on"][i], "signed_on")
                cancelled_cell = _optional(cells["cancelled_on"][i])
                cancelled = (
                    None if cancelled_cell is None else self.date(cancelled_cell, "cancelled_on")
                )
                instalment = Instalment(
                    self.date(cells["due"][i], "due"), self.money(cells["amount"][i], "amount")
                )
            except StateError as exc:
                raise _Problem.of(exc, "plans", self.row("plans", i)) from None
            if plan_id not in found:
                found[plan_id] = (i, signed, cancelled, [instalment])
                continue
            first, first_signed, first_cancelled, instalments = found[plan_id]
            for field, mine, theirs in (
                ("signed_on", signed, first_signed),
                ("cancelled_on", cancelled, first_cancelled),
            ):
                if mine != theirs:
                    raise _Problem(
                        f"{field}: plan {plan_id!r} has {_text_of(theirs) or 'no date'} on row "
                        f"{self.row('plans', first)} but {_text_of(mine) or 'no date'} here; "
                        "the rows of a plan "
                        f"repeat its {field}",
                        field,
                        cells[field][i],
                        "plans",
                        self.row("plans", i),
                    )
            instalments.append(instalment)
        result = []
        for plan_id, (first, signed, cancelled, instalments) in found.items():
            try:
                result.append(Plan(signed, tuple(instalments), cancelled, id=plan_id))
            except StateError as exc:
                raise _Problem.of(exc, "plans", self.row("plans", first)) from None
        return tuple(result)
