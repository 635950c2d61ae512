"""The datafix file: a TOML file per landlord that says how its exports map to the canonical
tables, loaded into frozen value classes and validated before any export is read.

Every problem names the file, the line and the dotted key (``sources.ledger.columns.amount``),
and all the problems of a file are reported together. This module only reads and checks the
configuration; reading exports and parsing cells belong to ``sources`` and ``parsers``.
"""

from __future__ import annotations

import codecs
import datetime
import difflib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

from dunforce.attributes.catalogue import HOUSING_SCHEMA
from dunforce.attributes.schema import Schema
from dunforce.attributes.types import DerivedAttribute
from dunforce.datafix.canonical import PARSERS, Canonical, default_key, table_fields
from dunforce.datafix.errors import DatafixError
from dunforce.datafix.parsers import (
    DEFAULT_DATES,
    DEFAULT_FALSE,
    DEFAULT_TRUE,
    compile_date_format,
    parse_amounts,
    parse_dates,
)
from dunforce.datafix.toml_lines import KeyLines, key_path
from dunforce.tables import LEDGER_KINDS, TABLES

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from dunforce.datafix.run import DatafixResult
    from dunforce.tables import Portfolio

__all__ = ["FORMATS", "Datafix", "FieldSpec", "FilterSpec", "SourceSpec", "load", "loads"]

FORMATS: tuple[str, ...] = ("csv", "excel")
FILTER_OPERATORS: tuple[str, ...] = ("in", "not_in", "equals", "not_equals", "empty", "starts_with")

_TOP_KEYS = ("datafix", "defaults", "codes", "sources")
_META_KEYS = ("name", "base_dir")
_FORMAT_KEYS = (
    "format",
    "encoding",
    "separator",
    "quote",
    "decimal",
    "header_row",
    "sheet",
    "dates",
    "true",
    "false",
)
_SOURCE_KEYS = (
    "table",
    "files",
    *_FORMAT_KEYS,
    "key",
    "negative_kind",
    "optional",
    "columns",
    "filters",
)
_FIELD_KEYS = (
    "column",
    "constant",
    "default",
    "parse",
    "codes",
    "dates",
    "true",
    "false",
    "required",
)
_EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_DEFAULTS: dict[str, object] = {
    "encoding": "utf-8",
    "separator": ";",
    "quote": '"',
    "decimal": ",",
    "header_row": 1,
    "sheet": None,
    "dates": DEFAULT_DATES,
    "true": DEFAULT_TRUE,
    "false": DEFAULT_FALSE,
}


# ------------------------------------------------------------------------------ value classes


@attrs.frozen
class FieldSpec:
    """How one canonical field is filled: from an export ``column`` (parsed with ``parse`` or
    mapped through ``codes``), or a ``constant``; ``default`` fills an empty cell. Constants,
    defaults and code values are already canonical text."""

    name: str
    column: str | None
    constant: str | None
    default: str | None
    parse: str
    codes: Mapping[str, str] | None
    codes_name: str | None
    dates: tuple[str, ...]
    true: tuple[str, ...]
    false: tuple[str, ...]
    required: bool
    allowed: tuple[str, ...] | None
    negative: bool
    key: str


@attrs.frozen
class FilterSpec:
    """Keep the rows whose ``column`` satisfies ``operator`` (``in``, ``not_in``, ``equals``,
    ``not_equals``, ``empty``, ``starts_with``) with ``values``; the other rows are counted as
    filtered in the reconciliation."""

    column: str
    operator: str
    values: tuple[str, ...]
    key: str

    def describe(self) -> str:
        if self.operator == "empty":
            return f"{self.column} is {'' if self.values == ('true',) else 'not '}empty"
        shown = ", ".join(repr(v) for v in self.values)
        return f"{self.column} {self.operator.replace('_', ' ')} {shown}"


@attrs.frozen
class SourceSpec:
    """One kind of export: which files, how to read them, and how their columns map to the
    fields of one canonical table."""

    name: str
    table: str
    files: tuple[str, ...]
    format: str
    encoding: str
    separator: str
    quote: str
    decimal: str
    header_row: int
    sheet: str | int | None
    key: tuple[str, ...]
    negative_kind: str | None
    optional: bool
    fields: tuple[FieldSpec, ...]
    filters: tuple[FilterSpec, ...]
    line: int | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The export columns this source reads, in order, each once."""
        found = [f.column for f in self.fields if f.column is not None]
        found += [f.column for f in self.filters]
        return tuple(dict.fromkeys(found))

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def field_of_column(self, column: str) -> str | None:
        """The first field read from an export column (for naming it in the quarantine)."""
        return next((f.name for f in self.fields if f.column == column), None)


@attrs.frozen(eq=False)
class Datafix:
    """A loaded, validated datafix: its sources in file order and its code tables.

    ``run`` reads the exports and returns a :class:`~dunforce.datafix.DatafixResult`.
    """

    filename: str
    base_dir: Path
    sources: tuple[SourceSpec, ...]
    codes: Mapping[str, Mapping[str, str]]
    schema: Schema = HOUSING_SCHEMA
    name: str | None = None

    def run(
        self,
        base_dir: str | Path | None = None,
        previous: Portfolio | str | Path | None = None,
        *,
        progress=None,
    ) -> DatafixResult:
        """Read the exports (under ``base_dir``, by default the datafix's own ``base_dir``),
        merge them into ``previous`` canonical tables if given (a ``Portfolio`` or a directory
        of canonical CSV files), and return the portfolio, the quarantine and the
        reconciliation.

        ``progress``, if given, is called as ``progress(done, total, description)`` while the
        exports are read (the command line shows it as a progress bar).
        """
        from dunforce.datafix.run import run_datafix

        return run_datafix(self, base_dir=base_dir, previous=previous, progress=progress)

    def sources_of(self, table: str) -> tuple[SourceSpec, ...]:
        return tuple(s for s in self.sources if s.table == table)

    def describe(self) -> pd.DataFrame:
        """One row per mapped field: source, table, field, where it comes from, how it is read."""
        import pandas as pd

        rows = []
        for source in self.sources:
            for field in source.fields:
                if field.constant is not None:
                    origin = f"constant {field.constant!r}"
                else:
                    origin = f"column {field.column!r}"
                how = f"codes {field.codes_name}" if field.codes is not None else field.parse
                rows.append(
                    {
                        "source": source.name,
                        "table": source.table,
                        "field": field.name,
                        "from": origin,
                        "parse": how,
                        "required": field.required,
                    }
                )
        return pd.DataFrame(rows, columns=["source", "table", "field", "from", "parse", "required"])


# ------------------------------------------------------------------------------ loading


def load(path: str | Path, *, schema: Schema = HOUSING_SCHEMA) -> Datafix:
    """Load and validate the datafix file at ``path``.

    Relative file patterns are searched under the file's ``base_dir`` (``[datafix] base_dir``,
    relative to the datafix file's folder; the folder itself by default). A file that does not
    validate raises a :class:`DatafixError` naming the file, line and key of every problem.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DatafixError("no such file", filename=str(path)) from None
    except IsADirectoryError:
        raise DatafixError("is a directory, not a datafix file", filename=str(path)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DatafixError(
            "a datafix file is UTF-8 text (TOML)", filename=str(path), line=line
        ) from None
    return loads(text, filename=str(path), base_dir=path.parent, schema=schema)


def loads(
    text: str,
    *,
    filename: str = "datafix.toml",
    base_dir: str | Path | None = None,
    schema: Schema = HOUSING_SCHEMA,
) -> Datafix:
    """Load and validate a datafix from its TOML ``text``; ``base_dir`` is the folder that
    relative paths start from (the current directory by default).

    >>> datafix = loads('''
    ... [sources.tenants]
    ... table = "tenants"
    ... files = "locataires.csv"
    ... columns = { account_id = "Contrat", apl = "APL" }
    ... ''')
    >>> [(f.name, f.column, f.parse) for f in datafix.sources[0].fields]
    [('account_id', 'Contrat', 'text'), ('apl', 'APL', 'bool')]
    """
    if not isinstance(schema, Schema):
        raise TypeError(f"schema must be a dunforce.Schema, not {type(schema).__name__}")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(found.group(1)) if found else getattr(exc, "lineno", None)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        message = message[:1].lower() + message[1:]
        raise DatafixError(f"not valid TOML: {message}", filename=filename, line=line) from None
    return _Loader(document, text, filename, Path(base_dir or "."), schema).datafix()


class _Problems(Exception):
    """Raised to stop validating a part of the file after its problem was recorded."""


class _Loader:
    def __init__(self, document: dict, text: str, filename: str, root: Path, schema: Schema):
        self.document = document
        self.filename = filename
        self.root = root
        self.schema = schema
        self.lines = KeyLines(text)
        self.problems: list[DatafixError] = []

    # -- problems ------------------------------------------------------------------------

    def problem(self, path: tuple[object, ...], message: str) -> None:
        self.problems.append(
            DatafixError(
                message, filename=self.filename, line=self.lines.line(path), key=key_path(path)
            )
        )

    def stop(self, path: tuple[object, ...], message: str) -> _Problems:
        self.problem(path, message)
        return _Problems()

    def unknown_keys(self, table: Mapping, allowed: tuple[str, ...], path: tuple) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.problem((*path, key), f"unknown key (expected {', '.join(allowed)}){hint}")

    def table(self, value: object, path: tuple, what: str) -> Mapping:
        if not isinstance(value, dict):
            raise self.stop(path, f"expected {what} (a TOML table), not {_kind(value)}")
        return value

    def text(self, value: object, path: tuple, what: str = "a text") -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.stop(path, f"expected {what} (a non-empty string), not {_kind(value)}")
        return value

    def texts(self, value: object, path: tuple, what: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise self.stop(path, f"expected {what} (a string or a list of strings)")
        return tuple(value)

    # -- the file ------------------------------------------------------------------------

    def datafix(self) -> Datafix:
        document = self.document
        self.unknown_keys(document, _TOP_KEYS, ())
        name, base_dir = None, self.root
        meta = document.get("datafix", {})
        try:
            meta = self.table(meta, ("datafix",), "the [datafix] table")
            self.unknown_keys(meta, _META_KEYS, ("datafix",))
            if "name" in meta:
                name = self.text(meta["name"], ("datafix", "name"), "a name")
            if "base_dir" in meta:
                base_dir = self.root / self.text(meta["base_dir"], ("datafix", "base_dir"))
        except _Problems:
            pass
        defaults = dict(_DEFAULTS)
        try:
            given = self.table(document.get("defaults", {}), ("defaults",), "the [defaults] table")
            self.unknown_keys(given, _FORMAT_KEYS, ("defaults",))
            defaults.update(self.formats(given, ("defaults",), defaults))
        except _Problems:
            pass
        codes = self.code_tables()
        sources: list[SourceSpec] = []
        found = document.get("sources")
        if found is None:
            self.problem((), "a datafix needs at least one source ([sources.NAME])")
        else:
            try:
                found = self.table(found, ("sources",), "the [sources] tables")
                if not found:
                    self.problem(("sources",), "a datafix needs at least one source")
                for source_name, body in found.items():
                    try:
                        sources.append(self.source(source_name, body, defaults, codes))
                    except _Problems:
                        continue
            except _Problems:
                pass
        if self.problems:
            raise _combine(self.problems)
        return Datafix(
            filename=self.filename,
            base_dir=base_dir,
            sources=tuple(sources),
            codes=MappingProxyType({k: MappingProxyType(v) for k, v in codes.items()}),
            schema=self.schema,
            name=name,
        )

    def code_tables(self) -> dict[str, dict[str, object]]:
        codes: dict[str, dict[str, object]] = {}
        try:
            given = self.table(self.document.get("codes", {}), ("codes",), "the [codes] tables")
        except _Problems:
            return codes
        for name, table in given.items():
            try:
                table = self.table(table, ("codes", name), "a code table")
            except _Problems:
                continue
            if not table:
                self.problem(("codes", name), "a code table needs at least one code")
            codes[name] = {str(code).strip(): value for code, value in table.items()}
        return codes

    def formats(self, given: Mapping, path: tuple, base: Mapping) -> dict[str, object]:
        """The reading options of ``given`` (a source or the defaults), validated."""
        found: dict[str, object] = {}
        for key in _FORMAT_KEYS:
            if key not in given:
                continue
            value = given[key]
            where = (*path, key)
            try:
                found[key] = self.format_option(key, value, where)
            except _Problems:
                continue
        merged = {**base, **found}
        true = {w.lower() for w in merged.get("true", ())}
        both = true & {w.lower() for w in merged.get("false", ())}
        if both and ("true" in found or "false" in found):
            self.problem(
                (*path, "true" if "true" in found else "false"),
                f"{', '.join(sorted(both))} cannot mean both true and false",
            )
        return found

    def format_option(self, key: str, value: object, where: tuple) -> object:
        if key == "format":
            if value not in FORMATS:
                raise self.stop(where, f"expected 'csv' or 'excel', not {value!r}")
            return value
        if key == "encoding":
            name = self.text(value, where, "an encoding such as 'latin-1' or 'utf-8'")
            try:
                codecs.lookup(name)
            except LookupError:
                raise self.stop(where, f"{name!r} is not a known text encoding") from None
            return name
        if key in ("separator", "quote"):
            if not isinstance(value, str) or len(value) > 1 or (key == "separator" and not value):
                raise self.stop(where, f"expected one character, such as ';', not {value!r}")
            if value in ("\n", "\r"):
                raise self.stop(where, "a line break cannot separate cells")
            return value
        if key == "decimal":
            if value not in (",", "."):
                raise self.stop(where, f"expected ',' or '.', not {value!r}")
            return value
        if key == "header_row":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise self.stop(where, f"expected a line number from 1, not {value!r}")
            return value
        if key == "sheet":
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise self.stop(where, "expected a sheet name, or its number from 1")
            if isinstance(value, int) and value < 1:
                raise self.stop(where, "sheets are numbered from 1")
            return value
        if key == "dates":
            formats = self.texts(value, where, "date formats such as '%d/%m/%Y'")
            for index, fmt in enumerate(formats):
                try:
                    compile_date_format(fmt)
                except ValueError as exc:
                    self.problem((*where, index) if isinstance(value, list) else where, str(exc))
            return formats
        # true, false
        return self.texts(value, where, "words such as 'O' or 'Oui'")

    # -- sources -------------------------------------------------------------------------

    def source(self, name: str, body: object, defaults: Mapping, codes: Mapping) -> SourceSpec:
        path = ("sources", name)
        body = self.table(body, path, "a source table")
        self.unknown_keys(body, _SOURCE_KEYS, path)
        if "table" not in body:
            raise self.stop(path, f"a source needs its table ({', '.join(TABLES)})")
        table = body["table"]
        if table not in TABLES:
            close = difflib.get_close_matches(str(table), list(TABLES), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self.stop(
                (*path, "table"), f"{table!r} is not a table ({', '.join(TABLES)}){hint}"
            )
        if "files" not in body:
            raise self.stop(path, "a source needs its files (a pattern such as 'loyers_*.csv')")
        files = self.texts(body["files"], (*path, "files"), "file patterns")
        options = {**defaults, **self.formats(body, path, defaults)}
        fmt = body.get("format") if body.get("format") in FORMATS else None
        if fmt is None:
            fmt = defaults.get("format") or (
                "excel" if all(f.lower().endswith(_EXCEL_SUFFIXES) for f in files) else "csv"
            )
        if options.get("sheet") is not None and fmt != "excel" and "sheet" in body:
            self.problem((*path, "sheet"), "only an Excel source has a sheet")
        optional = body.get("optional", False)
        if not isinstance(optional, bool):
            self.problem((*path, "optional"), "expected true or false")
            optional = False
        negative_kind = body.get("negative_kind")
        if negative_kind is not None:
            if table != "ledger":
                self.problem((*path, "negative_kind"), "only a ledger source has a negative_kind")
            elif negative_kind not in LEDGER_KINDS:
                self.problem(
                    (*path, "negative_kind"),
                    f"{negative_kind!r} is not a ledger kind ({', '.join(LEDGER_KINDS)})",
                )
        if "columns" not in body:
            raise self.stop(path, "a source needs its columns ([sources.NAME.columns])")
        columns = self.table(body["columns"], (*path, "columns"), "the column mapping")
        key_given = body.get("key")
        key: tuple[str, ...] = ()
        if key_given is not None:
            try:
                key = self.texts(key_given, (*path, "key"), "field names")
            except _Problems:
                key = ()
        fields = []
        for field_name, spec in columns.items():
            try:
                fields.append(
                    self.field(path, table, field_name, spec, options, codes, field_name in key)
                )
            except _Problems:
                continue
        mapped = tuple(f.name for f in fields)
        self.required_fields(path, table, columns, fields)
        if key_given is not None and table == "tenants" and key != ("account_id",):
            self.problem((*path, "key"), "a tenants row is identified by its account_id alone")
        if key_given is not None:
            for index, field_name in enumerate(key):
                if field_name not in columns:
                    where = (*path, "key", index) if isinstance(key_given, list) else (*path, "key")
                    self.problem(where, f"{field_name!r} is not a field of this source's columns")
        else:
            key = default_key(table, mapped)
            missing = [f for f in key if f not in mapped]
            if missing:
                self.problem(
                    (*path, "columns"),
                    f"the {table} rows are identified by {', '.join(key)}; map "
                    f"{', '.join(missing)} or give the source a key",
                )
            fields = [attrs.evolve(f, required=True) if f.name in key else f for f in fields]
        filters = self.filters(path, body.get("filters", []))
        return SourceSpec(
            name=name,
            table=table,
            files=files,
            format=fmt,
            encoding=str(options["encoding"]),
            separator=str(options["separator"]),
            quote=str(options["quote"]),
            decimal=str(options["decimal"]),
            header_row=int(options["header_row"]),
            sheet=options.get("sheet"),
            key=key,
            negative_kind=negative_kind if isinstance(negative_kind, str) else None,
            optional=optional,
            fields=tuple(fields),
            filters=filters,
            line=self.lines.line(path),
        )

    def required_fields(
        self, path: tuple, table: str, columns: Mapping, fields: list[FieldSpec]
    ) -> None:
        needed = [f.name for f in table_fields(table, self.schema).values() if f.required]
        if table == "ledger":
            kind = next((f for f in fields if f.name == "kind"), None)
            if kind is not None and kind.constant == "rejection" and "payment" in columns:
                needed.remove("amount")  # a rejection may name its payment instead
        missing = [name for name in needed if name not in columns]
        if missing:
            self.problem(
                (*path, "columns"),
                f"the {table} table needs {', '.join(missing)}: map "
                f"{'it' if len(missing) == 1 else 'them'} to a column or give a constant",
            )

    def field(
        self,
        source: tuple,
        table: str,
        name: str,
        spec: object,
        options: Mapping,
        codes: Mapping,
        in_key: bool,
    ) -> FieldSpec:
        path = (*source, "columns", name)
        if isinstance(spec, str):
            spec = {"column": spec}
        spec = self.table(spec, path, "a column name or a field table")
        self.unknown_keys(spec, _FIELD_KEYS, path)
        canonical = self.canonical(path, table, name, spec)
        parse = canonical.parse
        if "parse" in spec:
            parse = spec["parse"]
            if parse not in PARSERS:
                close = difflib.get_close_matches(str(parse), PARSERS, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise self.stop(
                    (*path, "parse"), f"{parse!r} is not a parser ({', '.join(PARSERS)}){hint}"
                )
        has_column, has_constant = "column" in spec, "constant" in spec
        if has_column == has_constant:
            raise self.stop(path, "give either a column of the export or a constant")
        if table in ("ledger", "plans") and name == "amount":
            # the reconciliation adds up amounts as read: they come from a column, as amounts
            for key in ("constant", "default", "codes"):
                if key in spec:
                    raise self.stop((*path, key), f"a {table} amount is read from a column")
            if parse != "amount":
                raise self.stop((*path, "parse"), f"a {table} amount is parsed as an amount")
        column = (
            self.text(spec["column"], (*path, "column"), "a column name") if has_column else None
        )
        table_codes, codes_name = None, None
        if "codes" in spec:
            if "parse" in spec:
                self.problem((*path, "codes"), "give either codes or parse: codes give the values")
            table_codes, codes_name = self.codes_of(path, spec["codes"], codes)
        dates = tuple(options["dates"])
        if "dates" in spec:
            dates = self.format_option("dates", spec["dates"], (*path, "dates"))
            if parse != "date":
                self.problem(
                    (*path, "dates"), f"dates only apply to a date field ({name} is {parse})"
                )
        words = {}
        for key in ("true", "false"):
            words[key] = tuple(options[key])
            if key in spec:
                words[key] = self.format_option(key, spec[key], (*path, key))
                if parse != "bool":
                    self.problem(
                        (*path, key), f"{key} only applies to a bool field ({name} is {parse})"
                    )
        field = FieldSpec(
            name=name,
            column=column,
            constant=None,
            default=None,
            parse=parse,
            codes=None,
            codes_name=codes_name,
            dates=dates,
            true=words["true"],
            false=words["false"],
            required=canonical.required or in_key,
            allowed=canonical.allowed,
            negative=canonical.negative,
            key=key_path(path),
        )
        if table_codes is not None:
            checked = {}
            for code, value in table_codes.items():
                where = (
                    ("codes", codes_name, code) if codes_name in codes else (*path, "codes", code)
                )
                try:
                    checked[code] = self.canonical_value(field, value, where)
                except _Problems:
                    continue
            field = attrs.evolve(field, codes=MappingProxyType(checked))
        if "required" in spec:
            if not isinstance(spec["required"], bool):
                self.problem((*path, "required"), "expected true or false")
            elif not spec["required"] and field.required:
                self.problem((*path, "required"), f"{name} is always required in this source")
            else:
                field = attrs.evolve(field, required=spec["required"] or field.required)
        if has_constant:
            if "default" in spec:
                self.problem((*path, "default"), "a constant needs no default")
            value = self.canonical_value(field, spec["constant"], (*path, "constant"))
            field = attrs.evolve(field, constant=value)
        elif "default" in spec:
            value = self.canonical_value(field, spec["default"], (*path, "default"))
            field = attrs.evolve(field, default=value)
        return field

    def canonical(self, path: tuple, table: str, name: str, spec: Mapping) -> Canonical:
        fields = table_fields(table, self.schema)
        if name in fields:
            return fields[name]
        if table == "tenants":
            symbol = self.schema.get(name)
            if isinstance(symbol, DerivedAttribute):
                raise self.stop(path, f"{name} is derived from the ledger; it cannot be loaded")
            if "parse" in spec or "codes" in spec:
                parse = spec.get("parse", "text")
                return Canonical(
                    "tenants", name, parse if parse in PARSERS else "text", custom=True
                )
            close = difflib.get_close_matches(name, list(fields), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self.stop(
                path,
                f"{name!r} is not an attribute of the schema{hint} (a custom attribute, declared "
                'in the scenario file, says how to read it: parse = "text", "int", …)',
            )
        close = difflib.get_close_matches(name, list(fields), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise self.stop(
            path, f"{name!r} is not a column of the {table} table ({', '.join(fields)}){hint}"
        )

    def codes_of(
        self, path: tuple, value: object, codes: Mapping
    ) -> tuple[Mapping[str, object], str]:
        if isinstance(value, str):
            if value not in codes:
                close = difflib.get_close_matches(value, list(codes), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                known = ", ".join(codes) or "none is declared"
                raise self.stop(
                    (*path, "codes"), f"no code table {value!r} ([codes.NAME]: {known}){hint}"
                )
            return codes[value], value
        if isinstance(value, dict) and value:
            return {str(k).strip(): v for k, v in value.items()}, key_path((*path, "codes"))
        raise self.stop((*path, "codes"), "expected the name of a code table or an inline table")

    def canonical_value(self, field: FieldSpec, value: object, where: tuple) -> str:
        """A constant, a default or a code's value, as the canonical text of the field."""
        parse = field.parse
        text: str | None = None
        if parse == "bool" and isinstance(value, bool):
            text = "true" if value else "false"
        elif parse == "bool" and isinstance(value, str) and value.lower() in ("true", "false"):
            text = value.lower()
        elif (
            parse == "date"
            and isinstance(value, datetime.date)
            and not isinstance(value, datetime.datetime)
        ):
            text = value.isoformat()
        elif parse == "date" and isinstance(value, str):
            import pandas as pd

            parsed = parse_dates(pd.Series([value.strip()]), ("%Y-%m-%d",))
            text = parsed.text[0] or None
        elif parse in ("int", "number") and isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        elif (
            parse == "number"
            and isinstance(value, str)
            and re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", value.strip())
        ):
            text = value.strip()
        elif parse == "amount" and (
            (isinstance(value, int) and not isinstance(value, bool)) or isinstance(value, str)
        ):
            import pandas as pd

            parsed = parse_amounts(pd.Series([str(value).strip()]), ".")
            if parsed.text[0] and (field.negative or parsed.cents[0] >= 0):
                text = parsed.text[0]
        elif parse == "text" and isinstance(value, str | int) and not isinstance(value, bool):
            text = str(value).strip() or None
        if text is None:
            expected = {
                "bool": "true or false",
                "date": "a date such as 2026-01-31",
                "int": "a whole number",
                "number": "a number such as 1.5",
                "amount": 'an amount such as "12.50" (a string, with a decimal point)'
                + ("" if field.negative else ", not negative"),
                "text": "a text",
            }[parse]
            raise self.stop(where, f"{field.name} takes {expected}, not {value!r}")
        if field.allowed is not None and text not in field.allowed:
            close = difflib.get_close_matches(text, field.allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            shown = ", ".join(field.allowed[:12]) + (", …" if len(field.allowed) > 12 else "")
            raise self.stop(where, f"{text!r} is not a value of {field.name} ({shown}){hint}")
        return text

    def filters(self, source: tuple, value: object) -> tuple[FilterSpec, ...]:
        path = (*source, "filters")
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            self.problem(path, "expected a list of filters ([[sources.NAME.filters]])")
            return ()
        found = []
        for index, spec in enumerate(value):
            where = (*path, index)
            try:
                spec = self.table(spec, where, 'a filter such as { column = "Type", in = [...] }')
                self.unknown_keys(spec, ("column", *FILTER_OPERATORS), where)
                column = self.text(spec.get("column"), (*where, "column"), "a column name")
                operators = [op for op in FILTER_OPERATORS if op in spec]
                if len(operators) != 1:
                    raise self.stop(
                        where, f"a filter has one condition ({', '.join(FILTER_OPERATORS)})"
                    )
                (operator,) = operators
                given = spec[operator]
                if operator == "empty":
                    if not isinstance(given, bool):
                        raise self.stop((*where, operator), "expected true or false")
                    values: tuple[str, ...] = ("true" if given else "false",)
                elif operator in ("in", "not_in"):
                    if not isinstance(given, list) or not all(
                        isinstance(v, str | int) and not isinstance(v, bool) for v in given
                    ):
                        raise self.stop((*where, operator), "expected a list of values")
                    values = tuple(str(v).strip() for v in given)
                else:
                    if not isinstance(given, str | int) or isinstance(given, bool):
                        raise self.stop((*where, operator), "expected a value")
                    values = (str(given).strip(),)
                found.append(FilterSpec(column.strip(), operator, values, key_path(where)))
            except _Problems:
                continue
        return tuple(found)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else f"the string {value!r}"
    return f"{type(value).__name__} {value!r}"


def _combine(problems: list[DatafixError]) -> DatafixError:
    """One error for all the problems of a file, in line order; the first gives its fields."""
    problems = sorted(problems, key=lambda p: (p.line or 0, p.key or ""))
    first = problems[0]
    if len(problems) == 1:
        return first
    return DatafixError(
        first.message,
        filename=first.filename,
        line=first.line,
        key=first.key,
        column=first.column,
        errors=problems,
    )
