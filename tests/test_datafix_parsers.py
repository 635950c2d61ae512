"""The cell parsers: French amounts and dates, booleans, numbers and code tables, on distinct
values, never raising on a bad cell."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunforce.datafix.parsers import (
    check_allowed,
    compile_date_format,
    map_codes,
    parse_amounts,
    parse_bools,
    parse_dates,
    parse_ints,
    parse_numbers,
)


def amounts(*texts: str, decimal: str = ",") -> list[tuple[str, int, str | None]]:
    parsed = parse_amounts(pd.Series(list(texts), dtype=object), decimal)
    return list(zip(parsed.text, parsed.cents.tolist(), parsed.reason, strict=True))


@pytest.mark.parametrize(
    ("text", "canonical", "cents"),
    [
        ("1 234,56", "1234.56", 123456),
        ("1\u00a0234,56", "1234.56", 123456),
        ("1\u202f234\u202f567,8", "1234567.80", 123456780),
        ("1.234,56", "1234.56", 123456),
        ("-45,00", "-45.00", -4500),
        ("45,00-", "-45.00", -4500),
        ("+12", "12.00", 1200),
        ("0,5", "0.50", 50),
        (",5", "0.50", 50),
        ("12,00 €", "12.00", 1200),
        ("€ 12,00", "12.00", 1200),
        ("12,00 EUR", "12.00", 1200),
        ("007", "7.00", 700),
        ("- 3,10", "-3.10", -310),
    ],
)
def test_french_amounts(text, canonical, cents):
    assert amounts(text) == [(canonical, cents, None)]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12,345", "too-many-decimals"),
        ("1 234,567", "too-many-decimals"),
        ("12 34,56", "unparseable-amount"),  # groups of three only
        ("12.34", "unparseable-amount"),  # a decimal point where a comma is expected
        ("-45,00-", "unparseable-amount"),
        ("+45,00-", "unparseable-amount"),
        ("abc", "unparseable-amount"),
        ("1,", "unparseable-amount"),
        ("-", "unparseable-amount"),
        ("1e5", "unparseable-amount"),
        ("12345678901234", "unparseable-amount"),  # beyond what a ledger holds
    ],
)
def test_amounts_that_do_not_parse(text, reason):
    ((canonical, cents, found),) = amounts(text)
    assert (canonical, cents, found) == ("", 0, reason)


def test_amounts_with_a_decimal_point():
    assert amounts("1,234.56", "1 234.5", "12,34", decimal=".") == [
        ("1234.56", 123456, None),
        ("1234.50", 123450, None),
        (  # with a decimal point, a comma groups thousands: 12,34 is no amount
            "",
            0,
            "unparseable-amount",
        ),
    ]


def test_the_detail_says_what_is_expected():
    parsed = parse_amounts(pd.Series(["abc", "1,234"]))
    assert parsed.detail.tolist() == [
        "'abc' is not an amount (write it like 1 234,56 or -45,00)",
        "'1,234' has 3 decimals; an amount is exact to the cent (two decimals at most)",
    ]


@given(
    cents=st.integers(-(10**13), 10**13),
    space=st.sampled_from([" ", "\u00a0", "\u202f", ".", "'", ""]),
    trailing=st.booleans(),
    euro=st.sampled_from(["", " €", "€", " EUR"]),
)
def test_any_amount_written_the_french_way_reads_back_exactly(cents, space, trailing, euro):
    whole, part = divmod(abs(cents), 100)
    digits = str(whole)
    groups = [digits[max(0, i - 3) : i] for i in range(len(digits), 0, -3)][::-1]
    text = space.join(groups) + f",{part:02d}"
    if cents < 0:
        text = text + "-" if trailing else "-" + text
    parsed = parse_amounts(pd.Series([text + euro]))
    assert parsed.reason[0] is None, (text, parsed.detail[0])
    assert parsed.cents[0] == cents


# ------------------------------------------------------------------------------ dates


def dates(*texts: str, formats=("%d/%m/%Y", "%d/%m/%y")) -> list[str]:
    return parse_dates(pd.Series(list(texts), dtype=object), formats).text.tolist()


def test_dates_in_several_formats_and_iso_always():
    assert dates("31/01/2026", "1/2/2026", "05/03/26", "2026-03-05", "31/12/69", "31/12/68") == [
        "2026-01-31",
        "2026-02-01",
        "2026-03-05",
        "2026-03-05",
        "1969-12-31",
        "2068-12-31",
    ]


def test_the_first_format_that_reads_a_cell_wins():
    assert dates("03/04/2026", formats=("%m/%d/%Y", "%d/%m/%Y")) == ["2026-03-04"]
    assert dates("13/04/2026", formats=("%m/%d/%Y", "%d/%m/%Y")) == ["2026-04-13"]


def test_times_of_day_and_spaces_in_formats():
    assert dates("31/01/2026 14:32", "31/01/2026  08:05:09", formats=("%d/%m/%Y %H:%M",
                                                                     "%d/%m/%Y %H:%M:%S")) == [
        "2026-01-31",
        "2026-01-31",
    ]  # fmt: skip
    assert dates("20260131", formats=("%Y%m%d",)) == ["2026-01-31"]


def test_dates_that_do_not_parse_say_why():
    parsed = parse_dates(pd.Series(["31/02/2026", "2026/01/31", "01/01/0026", "demain"]))
    assert parsed.text.tolist() == ["", "", "", ""]
    assert set(parsed.reason) == {"unparseable-date"}
    assert parsed.detail.tolist() == [
        "'31/02/2026' is not a day of the calendar",
        "'2026/01/31' is not a date (expected a date like 31/01/2026, 31/01/26 or 2026-01-31)",
        "'01/01/0026': the year is out of range (1900 to 2199)",
        "'demain' is not a date (expected a date like 31/01/2026, 31/01/26 or 2026-01-31)",
    ]


def test_leap_days():
    assert dates("29/02/2024", "29/02/2026") == ["2024-02-29", ""]


@given(day=st.dates(datetime.date(1969, 1, 1), datetime.date(2068, 12, 31)),
       fmt=st.sampled_from(["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d.%m.%Y", "%Y%m%d"]))  # fmt: skip
def test_any_day_written_in_a_format_reads_back(day, fmt):
    formats = ("%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%Y%m%d")
    assert dates(day.strftime(fmt), formats=formats) == [day.isoformat()]


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("%d/%m", r"needs a day \(%d\), a month \(%m\) and a year"),
        ("%d/%m/%Y/%Y", "has %Y twice"),
        ("%d/%m/%Y %y", "has both %Y and %y"),
        ("%d/%b/%Y", "%b is not supported"),
        ("%d/%m/%Y%", "ends with a lone %"),
    ],
)
def test_date_formats_are_checked(fmt, message):
    with pytest.raises(ValueError, match=message):
        compile_date_format(fmt)


# ------------------------------------------------------------------------------ others


def test_booleans_default_and_custom_words():
    parsed = parse_bools(pd.Series(["O", "n", "OUI", "Non", "1", "0", "vrai", "peut-être"]))
    assert parsed.text.tolist() == ["true", "false", "true", "false", "true", "false", "true", ""]
    assert parsed.reason.tolist()[-1] == "bad-boolean"
    custom = parse_bools(pd.Series(["X", "", "O"]), true=["X"], false=[""])
    assert custom.text.tolist() == ["true", "false", ""]
    assert "X for true" in custom.detail[2]


def test_whole_numbers_and_numbers():
    assert parse_ints(pd.Series(["05", "-3", "2,5", "1 000"])).text.tolist() == ["5", "-3", "", ""]
    parsed = parse_numbers(pd.Series(["1,5", "-0,125", "1 000,25", "abc"]))
    assert parsed.text.tolist() == ["1.5", "-0.125", "1000.25", ""]
    assert parsed.reason.tolist() == [None, None, None, "bad-number"]


def test_codes_and_allowed_values():
    parsed = map_codes(pd.Series(["PRLV", "VIR", "PRLVT", "prlv"]),
                       {"PRLV": "debit", "VIR": "transfer"}, "modes")  # fmt: skip
    assert parsed.text.tolist() == ["debit", "transfer", "", ""]
    assert parsed.detail[2] == (
        "'PRLVT' is not in the code table modes (PRLV, VIR); did you mean 'PRLV'?"
    )
    assert parsed.reason[3] == "unknown-code"  # codes are matched exactly, case included
    texts = parse_dates(pd.Series(["31/01/2026"]))
    check_allowed(texts, ["2026-01-30"], "date")
    assert texts.reason.tolist() == ["not-allowed"]
    assert texts.detail[0] == (
        "date: '2026-01-31' is not one of 2026-01-30; did you mean '2026-01-30'?"
    )


def test_empty_inputs():
    empty = pd.Series([], dtype=object)
    for parser in (parse_amounts, parse_dates, parse_bools, parse_ints, parse_numbers):
        assert len(parser(empty).text) == 0
