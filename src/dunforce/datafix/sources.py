"""Reading exports: CSV files in any encoding and separator, and Excel sheets, as text cells
numbered by their line in the file.

Every cell is read as text, never converted by pandas (no float for an amount, no guessed date).
Each data row keeps the 1-based number of the line where it starts in the file, counting the
header and the lines above it, so that a user can open the file at that line (for Excel, the
sheet's row number). A line with only separators and spaces is blank: it is counted, not read.

A row that cannot be read whole is not an error: a line with more or fewer cells than the header
(``wrong-field-count``) or with bytes that are not text in the file's encoding
(``bad-encoding``) is reported for the quarantine. An export that cannot be read at all (no
header, a mapped column missing from the header, an Excel file without openpyxl) raises a
:class:`DatafixError` naming the file, the line and the column.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import difflib
import glob
import io
import re
from collections.abc import Callable
from pathlib import Path

import attrs
import numpy as np
import pandas as pd

from dunforce.datafix.config import SourceSpec
from dunforce.datafix.errors import DatafixError

__all__ = ["RawFile", "RowProblem", "find_files", "read_file"]

#: called as progress(fraction) while a file is read, the fraction of the file read so far
Progress = Callable[[float], None]

_CHUNK = 200_000
_SURROGATE = re.compile("[\udc80-\udcff]")
_BLANK = " \t\r\n\u00a0\ufeff"


@attrs.frozen
class RowProblem:
    """A row that cannot be read whole: ``index`` is its position among the data rows."""

    index: int
    reason: str
    column: str | None
    value: str
    detail: str


@attrs.frozen(eq=False)
class RawFile:
    """The rows of one export: the cells of the columns a source reads (raw text, not yet
    stripped), each row's line number, the rows that cannot be read and the blank lines."""

    path: Path
    display: str
    header_line: int
    header: tuple[str, ...]
    cells: dict[str, pd.Series]
    rows: np.ndarray
    problems: tuple[RowProblem, ...]
    blank: int

    def __len__(self) -> int:
        return len(self.rows)


def find_files(source: SourceSpec, base_dir: Path) -> list[Path]:
    """The files that a source's patterns match under ``base_dir``, sorted by name, each once."""
    found: dict[str, Path] = {}
    for pattern in source.files:
        full = pattern if Path(pattern).is_absolute() else str(base_dir / pattern)
        for name in glob.glob(full, recursive=True):
            path = Path(name)
            if path.is_file():
                found.setdefault(str(path), path)
    return [found[name] for name in sorted(found)]


def read_file(
    path: Path, display: str, source: SourceSpec, progress: Progress | None = None
) -> RawFile:
    """Read one export of ``source``; ``display`` is how the quarantine names the file."""
    if source.format == "excel":
        return _read_excel(path, display, source, progress)
    return _read_csv(path, display, source, progress)


# ------------------------------------------------------------------------------ CSV


def _decode(path: Path, display: str, source: SourceSpec) -> tuple[str, bool]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DatafixError(f"cannot read the file: {exc.strerror}", filename=display) from None
    encoding = source.encoding
    is_utf8 = codecs.lookup(encoding).name == "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        if not is_utf8:
            raise DatafixError(
                f"the file is UTF-8 (it starts with a byte-order mark) but the source "
                f'{source.name} reads {encoding}; set encoding = "utf-8"',
                filename=display,
                line=1,
                key=f"sources.{source.name}.encoding",
            )
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode(encoding), False
    except UnicodeDecodeError:
        return data.decode(encoding, errors="surrogateescape"), True


def _shown(text: str) -> str:
    """A cell with the bytes its encoding could not read written as ``\\xNN``."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


def _column_positions(
    header: list[str], source: SourceSpec, display: str, line: int, bad_encoding: bool
) -> dict[str, int]:
    """Where each column the source reads is in the header; a missing one is an error."""
    positions: dict[str, int] = {}
    names = [h.strip(_BLANK) for h in header]
    for column in source.columns:
        matches = [i for i, name in enumerate(names) if name == column]
        keys = [f.key for f in source.fields if f.column == column]
        keys += [f.key for f in source.filters if f.column == column]
        if not matches:
            close = difflib.get_close_matches(column, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            shown = ", ".join(repr(_shown(n)) for n in names if n) or "none"
            note = (
                f" (some bytes are not {source.encoding} text: is the encoding right?)"
                if bad_encoding
                else ""
            )
            raise DatafixError(
                f"column {column!r} is not in the header; its columns are {shown}{hint}{note}",
                filename=display,
                line=line,
                key=keys[0],
                column=column,
            )
        if len(matches) > 1:
            raise DatafixError(
                f"column {column!r} appears {len(matches)} times in the header; "
                f"{keys[0]} cannot tell which to read",
                filename=display,
                line=line,
                key=keys[0],
                column=column,
            )
        positions[column] = matches[0]
    return positions


def _no_header(display: str, source: SourceSpec, lines: int) -> DatafixError:
    return DatafixError(
        f"no header on line {source.header_row}: the file has "
        f"{lines} line{'' if lines == 1 else 's'}",
        filename=display,
        line=source.header_row,
        key=f"sources.{source.name}.header_row",
    )


def _read_csv(path: Path, display: str, source: SourceSpec, progress: Progress | None) -> RawFile:
    text, bad_encoding = _decode(path, display, source)
    quoted = bool(source.quote) and source.quote in text
    if bad_encoding or quoted:
        raw = _read_records(text, display, source, bad_encoding, progress)
    else:
        raw = _read_lines(text, display, source, progress)
    return attrs.evolve(raw, path=path)


def _header_offset(text: str, header_row: int) -> int | None:
    """The index where line ``header_row`` starts, or None when the text is shorter."""
    offset = 0
    for _ in range(header_row - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return None
    return offset if offset < len(text) or header_row == 1 else None


def _read_lines(text: str, display: str, source: SourceSpec, progress: Progress | None) -> RawFile:
    """The fast path for files without quotes: one line is one record, so cells are counted
    per line and pandas' C reader reads the columns."""
    sep = source.separator
    start = _header_offset(text, source.header_row)
    if start is None or not text[start:].strip(_BLANK):
        raise _no_header(display, source, text.count("\n") + (not text.endswith("\n")))
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    header = text[start:end].rstrip("\r").split(sep)
    positions = _column_positions(header, source, display, source.header_row, False)
    body = text[end + 1 :] if end < len(text) else ""
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    count = len(lines)
    first_line = source.header_row + 1
    fields = np.fromiter((line.count(sep) for line in lines), dtype=np.int64, count=count) + 1
    strip = _BLANK + sep
    blank = np.fromiter((not line.strip(strip) for line in lines), dtype=bool, count=count)
    width = len(header)
    wrong = (fields != width) & ~blank
    columns: dict[str, pd.Series] = {}
    if count and positions:
        wanted = sorted(set(positions.values()))
        names = list(range(max(int(fields.max()), width)))
        chunks = []
        reader = pd.read_csv(
            io.StringIO(body),
            sep=sep,
            header=None,
            names=names,
            usecols=wanted,
            dtype=str,
            na_filter=False,
            quoting=csv.QUOTE_NONE,
            lineterminator="\n",
            skip_blank_lines=False,
            engine="c",
            chunksize=_CHUNK,
        )
        done = 0
        with reader:
            for chunk in reader:
                chunks.append(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(min(done, count) / count)
        frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
        if len(frame) != count:  # pragma: no cover - a reader disagreement: take the slow path
            return _read_records(text, display, source, False, progress)
        keep = ~blank
        for column, position in positions.items():
            columns[column] = frame[position][keep].reset_index(drop=True)
    else:
        keep = ~blank
        for column in positions:
            columns[column] = pd.Series([""] * int(keep.sum()), dtype=object)
    numbers = np.arange(first_line, first_line + count, dtype=np.int64)
    kept_index = np.cumsum(keep) - 1
    problems = tuple(
        RowProblem(
            int(kept_index[i]),
            "wrong-field-count",
            None,
            lines[i].rstrip("\r"),
            f"{fields[i]} cells where the header has {width}",
        )
        for i in np.flatnonzero(wrong)
    )
    if progress is not None:
        progress(1.0)
    return RawFile(
        path=Path(display),
        display=display,
        header_line=source.header_row,
        header=tuple(header),
        cells=columns,
        rows=numbers[keep],
        problems=problems,
        blank=int(blank.sum()),
    )


def _read_records(
    text: str,
    display: str,
    source: SourceSpec,
    bad_encoding: bool,
    progress: Progress | None,
) -> RawFile:
    """The general path: Python's csv reader, for quoted cells (which may hold separators and
    line breaks) and for files with bytes that are not text in their encoding."""
    start = _header_offset(text, source.header_row)
    if start is None or not text[start:].strip(_BLANK):
        raise _no_header(display, source, text.count("\n") + (not text.endswith("\n")))
    options = {"delimiter": source.separator, "strict": False}
    if source.quote:
        options |= {"quotechar": source.quote, "quoting": csv.QUOTE_MINIMAL}
    else:
        options |= {"quoting": csv.QUOTE_NONE}
    reader = csv.reader(io.StringIO(text[start:], newline=""), **options)
    total = max(1, text.count("\n", start))
    line = source.header_row - 1
    try:
        header = next(reader)
        consumed = reader.line_num
        records: list[list[str]] = []
        starts: list[int] = []
        for record in reader:
            starts.append(line + consumed + 1)
            records.append(record)
            consumed = reader.line_num
            if progress is not None and len(records) % _CHUNK == 0:
                progress(min(1.0, consumed / total))
    except csv.Error as exc:
        raise DatafixError(
            f"not a readable CSV file: {exc}", filename=display, line=line + reader.line_num
        ) from None
    header_has_bad_bytes = bad_encoding and any(_SURROGATE.search(h) for h in header)
    positions = _column_positions(header, source, display, source.header_row, header_has_bad_bytes)
    width = len(header)
    blank = np.fromiter(
        (not any(cell.strip(_BLANK) for cell in record) for record in records),
        dtype=bool,
        count=len(records),
    )
    keep = np.flatnonzero(~blank)
    kept = [records[i] for i in keep]
    columns: dict[str, pd.Series] = {}
    for column, position in positions.items():
        columns[column] = pd.Series(
            [r[position] if len(r) > position else "" for r in kept], dtype=object
        )
    problems: list[RowProblem] = []
    for index, record in enumerate(kept):
        if len(record) != width:
            problems.append(
                RowProblem(
                    index,
                    "wrong-field-count",
                    None,
                    _shown(source.separator.join(record)),
                    f"{len(record)} cells where the header has {width}",
                )
            )
    if bad_encoding:
        wrong = {p.index for p in problems}
        for column, cells in columns.items():
            hits = np.flatnonzero(cells.str.contains(_SURROGATE.pattern, regex=True).to_numpy())
            for index in hits.tolist():
                if index in wrong:
                    continue
                wrong.add(index)
                value = cells.iat[index]
                byte = _SURROGATE.search(value).group()
                problems.append(
                    RowProblem(
                        index,
                        "bad-encoding",
                        column,
                        _shown(value),
                        f"byte \\x{ord(byte) - 0xDC00:02x} is not {source.encoding} text; "
                        "export the file in that encoding or set the source's encoding",
                    )
                )
        problems.sort(key=lambda p: p.index)
    if progress is not None:
        progress(1.0)
    return RawFile(
        path=Path(display),
        display=display,
        header_line=source.header_row,
        header=tuple(header),
        cells=columns,
        rows=np.asarray([starts[i] for i in keep], dtype=np.int64),
        problems=tuple(problems),
        blank=int(blank.sum()),
    )


# ------------------------------------------------------------------------------ Excel


def _excel_text(value: object, decimal: str) -> str:
    """An Excel cell as the text an export in the source's conventions would hold: numbers
    with the source's decimal separator, dates in ISO form (a time of day is dropped)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value).replace(".", decimal)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat()
    return str(value)


def _read_excel(path: Path, display: str, source: SourceSpec, progress: Progress | None) -> RawFile:
    try:
        import openpyxl
    except ImportError:
        raise DatafixError(
            "reading an Excel file needs openpyxl: pip install 'dunforce[excel]'",
            filename=display,
            key=f"sources.{source.name}.files",
        ) from None
    from zipfile import BadZipFile

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise DatafixError(f"not an Excel workbook (.xlsx): {exc}", filename=display) from None
    try:
        sheets = workbook.sheetnames
        sheet = source.sheet
        if sheet is None:
            sheet_name = sheets[0]
        elif isinstance(sheet, int):
            if sheet > len(sheets):
                raise DatafixError(
                    f"no sheet number {sheet}: the workbook has {len(sheets)} "
                    f"({', '.join(sheets)})",
                    filename=display,
                    key=f"sources.{source.name}.sheet",
                )
            sheet_name = sheets[sheet - 1]
        else:
            if sheet not in sheets:
                close = difflib.get_close_matches(sheet, sheets, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise DatafixError(
                    f"no sheet {sheet!r} (its sheets are {', '.join(sheets)}){hint}",
                    filename=display,
                    key=f"sources.{source.name}.sheet",
                )
            sheet_name = sheet
        rows = [
            [_excel_text(v, source.decimal) for v in row]
            for row in workbook[sheet_name].iter_rows(min_row=1, values_only=True)
        ]
    finally:
        workbook.close()
    display = f"{display}[{sheet_name}]"
    if len(rows) < source.header_row or not any(c.strip() for c in rows[source.header_row - 1]):
        raise _no_header(display, source, len(rows))
    header = rows[source.header_row - 1]
    while header and not header[-1].strip():
        header = header[:-1]
    positions = _column_positions(header, source, display, source.header_row, False)
    width = len(header)
    body = rows[source.header_row :]
    blank = np.fromiter(
        (not any(c.strip(_BLANK) for c in row) for row in body), dtype=bool, count=len(body)
    )
    keep = np.flatnonzero(~blank)
    kept = [body[i] for i in keep]
    columns = {
        column: pd.Series([r[p] if len(r) > p else "" for r in kept], dtype=object)
        for column, p in positions.items()
    }
    problems = []
    for index, row in enumerate(kept):
        extra = [c for c in row[width:] if c.strip()]
        if extra:
            problems.append(
                RowProblem(
                    index,
                    "wrong-field-count",
                    None,
                    " | ".join(row[: width + len(row[width:])]).rstrip(" |"),
                    f"cells beyond the header's {width} columns: "
                    + ", ".join(repr(c) for c in extra),
                )
            )
    if progress is not None:
        progress(1.0)
    first = source.header_row + 1
    return RawFile(
        path=path,
        display=display,
        header_line=source.header_row,
        header=tuple(header),
        cells=columns,
        rows=np.asarray([first + i for i in keep], dtype=np.int64),
        problems=tuple(problems),
        blank=int(blank.sum()),
    )
