"""Vectorised cell parsers: French dates and amounts, booleans, whole numbers, code tables.

Each parser takes a pandas Series of *distinct*, stripped, non-empty cell texts (the caller
factorizes a column first, so a million rows with a few thousand distinct dates parse a few
thousand texts) and returns a :class:`Parsed`: the canonical text of each value (ISO dates,
amounts with a decimal point and two decimals, ``true``/``false``), and for the values that do
not parse a quarantine reason and a sentence saying what was expected.

Conventions, documented in ``docs/datafix.md``:

* **Dates**: the source's formats are tried in order and the first that reads the whole cell
  wins; ISO ``2026-01-31`` is always accepted (Excel date cells arrive in it). Directives:
  ``%d`` and ``%m`` (one or two digits), ``%Y`` (four digits), ``%y`` (two digits: 00-68 are
  2000-2068, 69-99 are 1969-1999, as ``strptime``), ``%H``, ``%M``, ``%S`` (read and ignored:
  dunforce keeps days) and ``%%``; a space in a format matches any run of spaces. A day that is
  not in the calendar (``31/02/2026``) or a year outside 1900-2199 does not parse.
* **Amounts**: a decimal separator (``,`` by default, or ``.``), optional thousands separators in
  groups of three (spaces, non-breaking spaces, ``'`` and the other of ``.``/``,``), a sign in
  front (``-45,00``) or behind (``45,00-``, as some accounting systems print it), and a euro sign
  or ``EUR`` on either side. At most two decimals: ``12,345`` is quarantined, never rounded.
* **Booleans**: the source's words for true and false, compared without case.

Parsers never raise on a bad cell: a cell is data, and bad data goes to quarantine.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterable, Mapping

import attrs
import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_DATES",
    "DEFAULT_FALSE",
    "DEFAULT_TRUE",
    "ISO_DATE",
    "Parsed",
    "check_allowed",
    "compile_date_format",
    "map_codes",
    "parse_amounts",
    "parse_bools",
    "parse_dates",
    "parse_ints",
    "parse_numbers",
    "parse_text",
]

ISO_DATE = "%Y-%m-%d"
DEFAULT_DATES: tuple[str, ...] = ("%d/%m/%Y", "%d/%m/%y", ISO_DATE)
DEFAULT_TRUE: tuple[str, ...] = ("o", "oui", "y", "yes", "true", "vrai", "1")
DEFAULT_FALSE: tuple[str, ...] = ("n", "non", "no", "false", "faux", "0")

#: amounts are kept in integer cents; 13 digits before the decimal point stay far from int64's end
_MAX_INTEGER_DIGITS = 13
_SAMPLE_DAY = datetime.date(2026, 1, 31)


@attrs.frozen(eq=False)
class Parsed:
    """The result of parsing distinct values: ``text`` is the canonical text of each (``""``
    where it failed), ``reason`` the quarantine reason (``None`` where it parsed), ``detail`` a
    sentence for the people who fix the export, and ``cents`` the amount in cents (amounts
    only, 0 where it failed)."""

    text: np.ndarray
    reason: np.ndarray
    detail: np.ndarray
    cents: np.ndarray | None = None

    @classmethod
    def start(cls, size: int, *, cents: bool = False) -> Parsed:
        return cls(
            np.full(size, "", dtype=object),
            np.full(size, None, dtype=object),
            np.full(size, None, dtype=object),
            np.zeros(size, dtype=np.int64) if cents else None,
        )

    def fail(self, where: np.ndarray, reason: str, details: Iterable[str]) -> None:
        """Mark the values at ``where`` (a boolean mask or indices) as failed."""
        index = np.flatnonzero(where) if where.dtype == bool else where
        details = list(details)
        self.text[index] = ""
        self.reason[index] = reason
        self.detail[index] = np.array(details, dtype=object) if details else details
        if self.cents is not None:
            self.cents[index] = 0

    @property
    def ok(self) -> np.ndarray:
        return pd.isna(self.reason)


# ------------------------------------------------------------------------------ dates

_DIRECTIVES = {
    "d": r"(?P<d>[0-9]{1,2})",
    "m": r"(?P<m>[0-9]{1,2})",
    "Y": r"(?P<Y>[0-9]{4})",
    "y": r"(?P<y>[0-9]{2})",
    "H": r"[0-9]{1,2}",
    "M": r"[0-9]{2}",
    "S": r"[0-9]{2}(?:[.,][0-9]+)?",
}


def compile_date_format(fmt: str) -> re.Pattern[str]:
    """The regular expression of a date format; a ``ValueError`` says what is wrong with it.

    >>> bool(compile_date_format("%d/%m/%Y").fullmatch("31/01/2026"))
    True
    """
    parts: list[str] = []
    seen: set[str] = set()
    i = 0
    while i < len(fmt):
        char = fmt[i]
        if char == "%":
            if i + 1 >= len(fmt):
                raise ValueError(f"{fmt!r} ends with a lone %")
            directive = fmt[i + 1]
            if directive == "%":
                parts.append("%")
            elif directive in _DIRECTIVES:
                if directive in seen:
                    raise ValueError(f"{fmt!r} has %{directive} twice")
                seen.add(directive)
                parts.append(_DIRECTIVES[directive])
            else:
                raise ValueError(
                    f"{fmt!r}: %{directive} is not supported (use %d, %m, %Y, %y, %H, %M, %S)"
                )
            i += 2
            continue
        parts.append(r"\s+" if char == " " else re.escape(char))
        i += 1
    if "d" not in seen or "m" not in seen or not seen & {"Y", "y"}:
        raise ValueError(f"{fmt!r} needs a day (%d), a month (%m) and a year (%Y or %y)")
    if {"Y", "y"} <= seen:
        raise ValueError(f"{fmt!r} has both %Y and %y")
    return re.compile("".join(parts))


def _sample(fmt: str) -> str:
    return _SAMPLE_DAY.strftime(fmt.replace("%H", "00").replace("%M", "00").replace("%S", "00"))


def _expected_dates(formats: tuple[str, ...]) -> str:
    samples = list(dict.fromkeys(_sample(f) for f in formats))
    if len(samples) == 1:
        return samples[0]
    return ", ".join(samples[:-1]) + " or " + samples[-1]


def parse_dates(values: pd.Series, formats: Iterable[str] = DEFAULT_DATES) -> Parsed:
    """Dates in the given formats (tried in order, ISO last) as ISO text.

    >>> parse_dates(pd.Series(["31/01/2026", "1/2/26", "2026-03-05", "31/02/2026"])).text.tolist()
    ['2026-01-31', '2026-02-01', '2026-03-05', '']
    """
    formats = tuple(dict.fromkeys((*formats, ISO_DATE)))
    size = len(values)
    result = Parsed.start(size)
    if not size:
        return result
    texts = values.astype(object).to_numpy()
    years = np.zeros(size, dtype=np.int64)
    months = np.zeros(size, dtype=np.int64)
    days = np.zeros(size, dtype=np.int64)
    matched = np.zeros(size, dtype=bool)
    #: why a value that some format read is still no date: 1 not a calendar day, 2 year range
    wrong = np.zeros(size, dtype=np.int8)
    for fmt in formats:
        todo = np.flatnonzero(~matched)
        if not len(todo):
            break
        pattern = compile_date_format(fmt)
        found = pd.Series(texts[todo], dtype=object).str.extract(
            r"\A(?:" + pattern.pattern + r")\Z", expand=True
        )
        hit = found["d"].notna().to_numpy()
        if not hit.any():
            continue
        rows = todo[hit]
        day = found["d"][hit].astype(np.int64).to_numpy()
        month = found["m"][hit].astype(np.int64).to_numpy()
        if "Y" in found.columns:
            year = found["Y"][hit].astype(np.int64).to_numpy()
        else:
            short = found["y"][hit].astype(np.int64).to_numpy()
            year = np.where(short < 69, 2000 + short, 1900 + short)
        in_range = (year >= 1900) & (year <= 2199)
        stamps = pd.to_datetime(
            pd.DataFrame({"year": np.where(in_range, year, 2000), "month": month, "day": day}),
            errors="coerce",
        )
        valid = stamps.notna().to_numpy() & in_range
        # a format that reads the text but gives no day leaves the value to the next formats
        wrong[rows[~valid]] = np.where(in_range[~valid], 1, 2)
        years[rows[valid]], months[rows[valid]] = year[valid], month[valid]
        days[rows[valid]] = day[valid]
        matched[rows[valid]] = True
    expected = _expected_dates(formats)
    failed = np.flatnonzero(~matched)

    def detail(i: int) -> str:
        if wrong[i] == 1:
            return f"{texts[i]!r} is not a day of the calendar"
        if wrong[i] == 2:
            return f"{texts[i]!r}: the year is out of range (1900 to 2199)"
        return f"{texts[i]!r} is not a date (expected a date like {expected})"

    result.fail(failed, "unparseable-date", (detail(i) for i in failed))
    good = np.flatnonzero(matched)
    result.text[good] = [
        f"{y:04d}-{m:02d}-{d:02d}"
        for y, m, d in zip(years[good], months[good], days[good], strict=True)
    ]
    return result


# ------------------------------------------------------------------------------ amounts

_CURRENCY = re.compile(r"^(?:€|EUR)\s*|\s*(?:€|EUR)$", re.IGNORECASE)
_SPACES = " \u00a0\u202f\u2009"


def _number_pattern(decimal: str, *, grouped: bool) -> str:
    thousands = re.escape(_SPACES + "'" + ("." if decimal == "," else ","))
    integer = rf"[0-9]{{1,3}}(?:[{thousands}][0-9]{{3}})+|[0-9]*" if grouped else r"[0-9]*"
    return (
        rf"\A(?P<lead>[+-]?)[{_SPACES}]*(?P<int>{integer})"
        rf"(?:{re.escape(decimal)}(?P<frac>[0-9]+))?[{_SPACES}]*(?P<trail>-?)\Z"
    )


def _split_numbers(values: pd.Series, decimal: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The sign, integer digits and fraction of each value, and which values read as numbers."""
    cleaned = values.astype(object).str.replace(_CURRENCY, "", regex=True)
    found = cleaned.str.extract(_number_pattern(decimal, grouped=True), expand=True)
    integer = found["int"].fillna("")
    fraction = found["frac"].fillna("")
    signs = (found["lead"] == "-").astype(int) + (found["trail"] == "-").astype(int)
    ok = (
        found["lead"].notna()
        & ((integer != "") | (fraction != ""))
        & (signs <= 1)
        & ~((found["lead"] == "+") & (found["trail"] == "-"))
    )
    found["int"] = integer.str.replace(r"[^0-9]", "", regex=True)
    found["frac"] = fraction
    found["negative"] = signs == 1
    return found, ok.to_numpy()


def _cents_text(cents: np.ndarray) -> list[str]:
    return [f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}" for c in cents.tolist()]


def parse_amounts(values: pd.Series, decimal: str = ",") -> Parsed:
    """Amounts of money, exact to the cent, as text with a decimal point and two decimals (and
    as signed integer cents in ``cents``).

    >>> parsed = parse_amounts(pd.Series(["1 234,56", "-45,00", "45,5-", "12,345", "1.234,5 €"]))
    >>> parsed.text.tolist(), parsed.cents.tolist()
    (['1234.56', '-45.00', '-45.50', '', '1234.50'], [123456, -4500, -4550, 0, 123450])
    >>> parsed.reason.tolist()[3]
    'too-many-decimals'
    """
    size = len(values)
    result = Parsed.start(size, cents=True)
    if not size:
        return result
    texts = values.astype(object).to_numpy()
    found, ok = _split_numbers(values, decimal)
    bad = np.flatnonzero(~ok)
    example = "1 234,56" if decimal == "," else "1,234.56"
    result.fail(
        bad,
        "unparseable-amount",
        (f"{texts[i]!r} is not an amount (write it like {example} or -45{decimal}00)" for i in bad),
    )
    fraction = found["frac"].to_numpy(dtype=object)
    integer = found["int"].to_numpy(dtype=object)
    long_fraction = ok & (pd.Series(fraction).str.len().fillna(0).to_numpy() > 2)
    rows = np.flatnonzero(long_fraction)
    result.fail(
        rows,
        "too-many-decimals",
        (
            f"{texts[i]!r} has {len(fraction[i])} decimals; an amount is exact to the cent "
            "(two decimals at most)"
            for i in rows
        ),
    )
    too_big = ok & ~long_fraction & (pd.Series(integer).str.len().to_numpy() > _MAX_INTEGER_DIGITS)
    rows = np.flatnonzero(too_big)
    result.fail(rows, "unparseable-amount", (f"{texts[i]!r} is too large" for i in rows))
    good = np.flatnonzero(ok & ~long_fraction & ~too_big)
    if len(good):
        whole = pd.Series(integer[good], dtype=object).replace("", "0").astype(np.int64)
        cents_part = (
            pd.Series(fraction[good], dtype=object).str.ljust(2, "0").replace("", "00")
        ).astype(np.int64)
        cents = whole.to_numpy() * 100 + cents_part.to_numpy()
        cents = np.where(found["negative"].to_numpy()[good], -cents, cents)
        result.cents[good] = cents
        result.text[good] = _cents_text(cents)
    return result


def parse_numbers(values: pd.Series, decimal: str = ",") -> Parsed:
    """Decimal numbers (any number of decimals) as text with a decimal point.

    >>> parse_numbers(pd.Series(["1,5", "-0,125", "abc"])).text.tolist()
    ['1.5', '-0.125', '']
    """
    size = len(values)
    result = Parsed.start(size)
    if not size:
        return result
    texts = values.astype(object).to_numpy()
    found, ok = _split_numbers(values, decimal)
    bad = np.flatnonzero(~ok)
    result.fail(
        bad, "bad-number", (f"{texts[i]!r} is not a number (such as 1{decimal}5)" for i in bad)
    )
    for i in np.flatnonzero(ok).tolist():
        whole = found["int"].iat[i].lstrip("0") or "0"
        fraction = found["frac"].iat[i]
        sign = "-" if found["negative"].iat[i] else ""
        result.text[i] = sign + whole + (f".{fraction}" if fraction else "")
    return result


# ------------------------------------------------------------------------------ others


def parse_ints(values: pd.Series) -> Parsed:
    """Whole numbers, written with digits only.

    >>> parse_ints(pd.Series(["05", "+3", "2,5"])).text.tolist()
    ['5', '3', '']
    """
    size = len(values)
    result = Parsed.start(size)
    if not size:
        return result
    texts = values.astype(object).to_numpy()
    ok = values.astype(object).str.fullmatch(r"[+-]?[0-9]+").to_numpy(dtype=bool)
    bad = np.flatnonzero(~ok)
    result.fail(bad, "bad-number", (f"{texts[i]!r} is not a whole number" for i in bad))
    result.text[ok] = [str(int(text)) for text in texts[ok]]
    return result


def parse_bools(
    values: pd.Series, true: Iterable[str] = DEFAULT_TRUE, false: Iterable[str] = DEFAULT_FALSE
) -> Parsed:
    """Booleans from the words given for true and false (any case) as ``true``/``false``.

    >>> parse_bools(pd.Series(["O", "non", "peut-être"])).text.tolist()
    ['true', 'false', '']
    """
    true, false = tuple(true), tuple(false)
    words = {w.lower(): "true" for w in true} | {w.lower(): "false" for w in false}
    size = len(values)
    result = Parsed.start(size)
    if not size:
        return result
    texts = values.astype(object).to_numpy()
    mapped = values.astype(object).str.lower().map(words)
    ok = mapped.notna().to_numpy()
    result.text[ok] = mapped[ok].to_numpy(dtype=object)
    bad = np.flatnonzero(~ok)
    said = f"{'/'.join(true)} for true, {'/'.join(false)} for false"
    result.fail(bad, "bad-boolean", (f"{texts[i]!r} is not a yes or no ({said})" for i in bad))
    return result


def parse_text(values: pd.Series) -> Parsed:
    """Text as it is (already stripped by the caller)."""
    result = Parsed.start(len(values))
    result.text[:] = values.astype(object).to_numpy()
    return result


def map_codes(values: pd.Series, codes: Mapping[str, str], name: str) -> Parsed:
    """Codes of a landlord's code table as canonical values; a code not in the table is
    quarantined.

    >>> map_codes(pd.Series(["PRLV", "VIR", "XX"]), {"PRLV": "debit", "VIR": "transfer"},
    ...           "modes").text.tolist()
    ['debit', 'transfer', '']
    """
    size = len(values)
    result = Parsed.start(size)
    if not size:
        return result
    texts = values.astype(object).to_numpy()
    mapped = values.astype(object).map(dict(codes))
    ok = mapped.notna().to_numpy()
    result.text[ok] = mapped[ok].to_numpy(dtype=object)
    bad = np.flatnonzero(~ok)
    known = list(codes)
    listed = ", ".join(known[:8]) + (", …" if len(known) > 8 else "")

    def detail(text: str) -> str:
        close = difflib.get_close_matches(text, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{text!r} is not in the code table {name} ({listed}){hint}"

    result.fail(bad, "unknown-code", (detail(texts[i]) for i in bad))
    return result


def check_allowed(parsed: Parsed, allowed: Iterable[str], field: str) -> None:
    """Quarantine the parsed values outside ``allowed`` (the closed set of a canonical field)."""
    allowed = tuple(allowed)
    ok = parsed.ok
    outside = ok & ~pd.Series(parsed.text, dtype=object).isin(allowed).to_numpy()
    rows = np.flatnonzero(outside)
    if not len(rows):
        return

    def detail(text: str) -> str:
        close = difflib.get_close_matches(text, allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        listed = ", ".join(allowed[:10]) + (", …" if len(allowed) > 10 else "")
        return f"{field}: {text!r} is not one of {listed}{hint}"

    result_text = parsed.text[rows].tolist()
    parsed.fail(rows, "not-allowed", (detail(text) for text in result_text))
