"""The canonical fields a datafix can fill: their parser, whether a cell must be given, and the
values allowed.

The tables and their columns are those of :mod:`dunforce.tables` (DESIGN §10); the tenants'
columns are the attributes of a schema (the built-in housing catalogue by default). This module
only describes fields; it never reads a file.
"""

from __future__ import annotations

import attrs

from dunforce.attributes.schema import Schema
from dunforce.attributes.types import AttributeSpec, ValueType
from dunforce.tables import LEDGER_KINDS, TABLES

__all__ = ["PARSERS", "Canonical", "canonical_field", "default_key", "table_fields"]

#: the parsers a field may name (``parse = "..."``)
PARSERS: tuple[str, ...] = ("text", "date", "amount", "bool", "int", "number")

_BY_TYPE = {
    ValueType.BOOL: "bool",
    ValueType.INT: "int",
    ValueType.NUMBER: "number",
    ValueType.MONEY: "amount",
    ValueType.DATE: "date",
    ValueType.DURATION: "text",
    ValueType.TEXT: "text",
}


@attrs.frozen
class Canonical:
    """A canonical field: ``parse`` is its default parser, ``required`` says that an empty cell
    quarantines the row, ``allowed`` the closed set of its values (or None), ``negative`` whether
    an amount may be below zero."""

    table: str
    name: str
    parse: str
    required: bool = False
    allowed: tuple[str, ...] | None = None
    negative: bool = False
    custom: bool = False


def _fixed(table: str, name: str, parse: str = "text", **options) -> Canonical:
    return Canonical(table, name, parse, **options)


def _fixed_fields(schema: Schema) -> dict[str, dict[str, Canonical]]:
    events = tuple(sorted(schema.events)) if schema.events else None
    fields = [
        _fixed("ledger", "account_id", required=True),
        _fixed("ledger", "kind", required=True, allowed=LEDGER_KINDS),
        _fixed("ledger", "amount", "amount", required=True),
        _fixed("ledger", "date", "date", required=True),
        _fixed("events", "account_id", required=True),
        _fixed("events", "kind", required=True, allowed=events),
        _fixed("events", "date", "date", required=True),
        _fixed("plans", "account_id", required=True),
        _fixed("plans", "plan_id", required=True),
        _fixed("plans", "signed_on", "date", required=True),
        _fixed("plans", "due", "date", required=True),
        _fixed("plans", "amount", "amount", required=True),
        _fixed("plans", "cancelled_on", "date"),
        _fixed("history", "account_id", required=True),
        _fixed("history", "key", required=True),
        _fixed("history", "emitted_on", "date", required=True),
    ]
    tables: dict[str, dict[str, Canonical]] = {name: {} for name in TABLES}
    for field in fields:
        tables[field.table][field.name] = field
    for name, spec in TABLES.items():
        for column in spec.columns:
            tables[name].setdefault(column, _fixed(name, column))
    return tables


def table_fields(table: str, schema: Schema) -> dict[str, Canonical]:
    """The fields of ``table`` known without configuration (for tenants: ``account_id`` and
    every attribute of ``schema`` a landlord supplies)."""
    if table != "tenants":
        return dict(_fixed_fields(schema)[table])
    fields = {"account_id": Canonical("tenants", "account_id", "text", required=True)}
    for spec in schema.attributes:
        if isinstance(spec, AttributeSpec):
            fields[spec.name] = Canonical(
                "tenants",
                spec.name,
                _BY_TYPE[spec.type],
                allowed=tuple(spec.allowed) if spec.allowed else None,
                negative=spec.type is ValueType.MONEY,
            )
    return fields


def canonical_field(table: str, name: str, schema: Schema) -> Canonical | None:
    """The canonical field ``name`` of ``table``, or None when the table has no such field."""
    return table_fields(table, schema).get(name)


def default_key(table: str, mapped: tuple[str, ...]) -> tuple[str, ...]:
    """The fields that identify a row when the source gives no ``key``: the account for tenants,
    the entry ``id`` for the ledger when it is mapped, else every mapped field."""
    if table == "tenants":
        return ("account_id",)
    if table == "ledger":
        return ("id",) if "id" in mapped else mapped
    if table == "events":
        return tuple(f for f in ("account_id", "kind", "date") if f in mapped)
    if table == "plans":
        return ("account_id", "plan_id", "due")
    if table == "history":
        return ("account_id", "key")
    return mapped
