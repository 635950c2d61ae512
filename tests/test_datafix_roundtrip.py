"""Canonical tables written in a landlord's messy format and read back through a datafix are
the original tables: latin-1, ``;``, quoted labels, French dates in several formats, French
amounts with thousands separators, code tables, ``O``/``N`` booleans, CRLF line ends, and an
Excel workbook for the same tables."""

from __future__ import annotations

import csv
import datetime
import io
import string
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dunforce.datafix
from dunforce import AccountState, Portfolio

DATAFIX = """
[defaults]
encoding = "latin-1"
separator = ";"
decimal = ","
dates = ["%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y"]
true = ["O", "Oui"]
false = ["N", "Non"]

[codes.kinds]
QUIT = "charge"
REG = "payment"
REJ = "rejection"
APL = "adjustment"

[codes.modes]
PRLV = "debit"
VIR = "transfer"
CHQ = "cheque"
ESP = "cash"
CB = "card"

[sources.tenants]
table = "tenants"
files = "locataires.{ext}"
[sources.tenants.columns]
account_id = "N° contrat"
apl = "Allocataire"
payment_method = { column = "Mode", codes = "modes" }
lease_start = "Entrée"
income = "Revenus"
household_size = "Occupants"

[sources.ledger]
table = "ledger"
files = "mouvements.{ext}"
[sources.ledger.columns]
account_id = "N° contrat"
kind = { column = "Type", codes = "kinds" }
amount = "Montant"
date = "Date"
id = "Pièce"
method = { column = "Mode", codes = "modes" }
label = "Libellé"
"""

KINDS = {"charge": "QUIT", "payment": "REG", "rejection": "REJ", "adjustment": "APL"}
MODES = {"debit": "PRLV", "transfer": "VIR", "cheque": "CHQ", "cash": "ESP", "card": "CB"}
DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%Y-%m-%d")

days = st.dates(datetime.date(1970, 1, 1), datetime.date(2068, 12, 31))
cents = st.integers(0, 10**9)
label_text = st.text(
    alphabet=string.ascii_letters + string.digits + " ;'\"-éèàçôÉ",
    max_size=12,
).map(str.strip)


@st.composite
def tables(draw) -> Portfolio:
    """Canonical tenants and ledger tables, as text cells in canonical form."""
    count = draw(st.integers(1, 6))
    accounts = [f"A{index:03d}" for index in range(count)]
    tenants = {
        "account_id": accounts,
        "apl": [draw(st.sampled_from(["true", "false"])) for _ in accounts],
        "payment_method": [draw(st.sampled_from(sorted(MODES))) for _ in accounts],
        "lease_start": [draw(days).isoformat() for _ in accounts],
        "income": [draw(st.one_of(st.just(""), cents.map(_canonical))) for _ in accounts],
        "household_size": [str(draw(st.integers(1, 12))) for _ in accounts],
    }
    rows = draw(st.integers(0, 25))
    ledger: dict[str, list[str]] = {c: [] for c in ("account_id", "kind", "amount", "date",
                                                    "id", "method", "label")}  # fmt: skip
    for index in range(rows):
        kind = draw(st.sampled_from(sorted(KINDS)))
        ledger["account_id"].append(draw(st.sampled_from(accounts)))
        ledger["kind"].append(kind)
        ledger["amount"].append(_canonical(draw(cents)))
        ledger["date"].append(draw(days).isoformat())
        ledger["id"].append(f"E{index:05d}")
        method = draw(st.sampled_from(sorted(MODES))) if kind == "payment" else ""
        ledger["method"].append(method)
        ledger["label"].append(draw(label_text))
    return Portfolio(tenants=pd.DataFrame(tenants), ledger=pd.DataFrame(ledger))


def _canonical(amount: int) -> str:
    return f"{amount // 100}.{amount % 100:02d}"


@st.composite
def styles(draw) -> dict:
    """How this landlord writes: one draw per cell for dates, amounts and booleans."""
    return {
        "date": draw(st.lists(st.sampled_from(DATE_FORMATS), min_size=1, max_size=4)),
        "space": draw(st.sampled_from([" ", "\u00a0", "."])),
        "group": draw(st.booleans()),
        "euro": draw(st.booleans()),
        "yes": draw(st.sampled_from([("O", "N"), ("Oui", "Non"), ("oui", "NON")])),
        "crlf": draw(st.booleans()),
        "pad": draw(st.booleans()),
    }


class Landlord:
    """Writes canonical cells in the landlord's format."""

    def __init__(self, style: dict, draw_index):
        self.style = style
        self.index = draw_index

    def date(self, iso: str) -> str:
        formats = self.style["date"]
        day = datetime.date.fromisoformat(iso)
        fmt = formats[self.index() % len(formats)]
        if fmt == "%d/%m/%y" and not 1969 <= day.year <= 2068:
            fmt = "%d/%m/%Y"  # two digits cannot say that year
        return day.strftime(fmt)

    def amount(self, text: str) -> str:
        if not text:
            return ""
        whole, cents_part = text.split(".")
        if self.style["group"]:
            groups = []
            while len(whole) > 3:
                groups.insert(0, whole[-3:])
                whole = whole[:-3]
            whole = self.style["space"].join([whole, *groups])
        written = f"{whole},{cents_part}"
        if self.style["euro"]:
            written += " EUR"  # the euro sign is not latin-1
        return written

    def boolean(self, text: str) -> str:
        return self.style["yes"][0 if text == "true" else 1]

    def pad(self, text: str) -> str:
        return f" {text} " if self.style["pad"] and text else text


def _rows(portfolio: Portfolio, landlord: Landlord, *, excel: bool = False) -> tuple[list, list]:
    """The rows of the exports; in a workbook, dates are date cells and amounts number cells."""
    if excel:
        date = datetime.date.fromisoformat

        def amount(text):
            return None if not text else (int(text[:-3]) if text.endswith(".00") else float(text))

    else:
        date, amount = landlord.date, landlord.amount
    tenants = [
        [
            landlord.pad(row.account_id),
            landlord.boolean(row.apl),
            MODES[row.payment_method],
            date(row.lease_start),
            amount(row.income),
            row.household_size,
        ]
        for row in portfolio.tenants.itertuples(index=False)
    ]
    ledger = [
        [
            row.account_id,
            KINDS[row.kind],
            amount(row.amount),
            date(row.date),
            row.id,
            MODES.get(row.method, ""),
            row.label,
        ]
        for row in portfolio.ledger.itertuples(index=False)
    ]
    return tenants, ledger


TENANT_HEADER = ["N° contrat", "Allocataire", "Mode", "Entrée", "Revenus", "Occupants"]
LEDGER_HEADER = ["N° contrat", "Type", "Montant", "Date", "Pièce", "Mode", "Libellé"]


def _write_csv(path: Path, header: list[str], rows: list, crlf: bool) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n" if crlf else "\n").writerows(
        [header, *rows]
    )
    path.write_bytes(buffer.getvalue().encode("latin-1"))


def _write_excel(path: Path, header: list[str], rows: list) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def _same(loaded: Portfolio, original: Portfolio) -> None:
    for name in ("tenants", "ledger"):
        got = getattr(loaded, name)
        want = getattr(original, name)
        got = got[list(want.columns)].astype(str).reset_index(drop=True)
        want = want.astype(str).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
    states = [s for s in loaded.accounts() if isinstance(s, AccountState)]
    assert states == [s for s in original.accounts() if isinstance(s, AccountState)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(original=tables(), style=styles(), data=st.data())
def test_tables_written_as_csv_exports_read_back_equal(tmp_path_factory, original, style, data):
    directory = tmp_path_factory.mktemp("exports")
    landlord = Landlord(style, lambda: data.draw(st.integers(0, 3)))
    tenants, ledger = _rows(original, landlord)
    _write_csv(directory / "locataires.csv", TENANT_HEADER, tenants, style["crlf"])
    _write_csv(directory / "mouvements.csv", LEDGER_HEADER, ledger, style["crlf"])
    datafix = dunforce.datafix.loads(DATAFIX.replace("{ext}", "csv"), base_dir=directory)
    result = datafix.run()
    assert result.quarantine.empty, result.quarantine.to_dict("records")
    assert result.balanced
    _same(result.portfolio, original)
    total = sum(int(a.replace(".", "")) for a in original.ledger["amount"])
    reconciliation = result.reconciliation.set_index("source")
    assert reconciliation.loc["ledger", "amount_read"] * 100 == total
    assert reconciliation.loc["ledger", "amount_loaded"] * 100 == total


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(original=tables(), style=styles(), data=st.data())
def test_tables_written_as_excel_sheets_read_back_equal(tmp_path_factory, original, style, data):
    directory = tmp_path_factory.mktemp("excel")
    landlord = Landlord(style, lambda: data.draw(st.integers(0, 3)))
    tenants, ledger = _rows(original, landlord, excel=True)
    _write_excel(directory / "locataires.xlsx", TENANT_HEADER, tenants)
    _write_excel(directory / "mouvements.xlsx", LEDGER_HEADER, ledger)
    result = dunforce.datafix.loads(DATAFIX.replace("{ext}", "xlsx"), base_dir=directory).run()
    assert result.quarantine.empty, result.quarantine.to_dict("records")
    assert result.balanced
    _same(result.portfolio, original)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(original=tables(), style=styles(), data=st.data())
def test_loading_the_same_exports_twice_changes_nothing(tmp_path_factory, original, style, data):
    directory = tmp_path_factory.mktemp("twice")
    landlord = Landlord(style, lambda: data.draw(st.integers(0, 3)))
    tenants, ledger = _rows(original, landlord)
    _write_csv(directory / "locataires.csv", TENANT_HEADER, tenants, style["crlf"])
    _write_csv(directory / "mouvements.csv", LEDGER_HEADER, ledger, style["crlf"])
    datafix = dunforce.datafix.loads(DATAFIX.replace("{ext}", "csv"), base_dir=directory)
    first = datafix.run()
    second = datafix.run(previous=first.portfolio)
    for name in ("tenants", "ledger", "events", "plans", "history"):
        pd.testing.assert_frame_equal(
            getattr(second.portfolio, name), getattr(first.portfolio, name)
        )
    frame = second.reconciliation
    assert (frame["rows_new"] == 0).all() and (frame["rows_updated"] == 0).all()
    assert (frame["rows_unchanged"] == frame["rows_read"]).all()
    assert second.balanced
