"""Canonical tables: read exactly, reject bad rows one account at a time, never lose an account."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from dunforce.attributes import HOUSING_SCHEMA, AttributeSpec, ValueType
from dunforce.errors import DataError, DunforceError
from dunforce.state import (
    AccountState,
    Adjustment,
    Charge,
    Event,
    Instalment,
    Issued,
    Payment,
    Plan,
    Rejection,
)
from dunforce.tables import TABLES, Portfolio, Rejected

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "social_housing"

HEADERS = {name: ",".join(spec.columns) for name, spec in TABLES.items()}
HEADERS["tenants"] = "account_id,apl,income,household_size,payment_method,departure_date"
GOOD_TENANTS = ["A1,true,950.00,2,debit,", "A2,false,,1,transfer,2026-12-31", "A3,oui,1200,3,cash,"]
GOOD_LEDGER = [
    "A1,charge,450.00,2026-03-05,C1,2026-03,,,,,",
    "A1,payment,450.00,2026-03-05,P1,,,debit,,,",
    "A2,charge,300.00,2026-03-05,C2,2026-03,,,,,",
    "A3,charge,500.00,2026-03-05,,2026-03,,,,,",
]


def write_tables(directory: Path, **rows: list[str]) -> Path:
    """CSV files in ``directory``: each keyword is a table, its value the data lines."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, lines in rows.items():
        header = HEADERS[name]
        (directory / f"{name}.csv").write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return directory


def read(directory: Path) -> tuple[list[AccountState], list[Rejected]]:
    items = list(Portfolio.read_csv(directory).accounts())
    states = [i for i in items if isinstance(i, AccountState)]
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert len(states) + len(rejected) == len(items)
    return states, rejected


# ------------------------------------------------------------------------------ round trip


def sample_states() -> list[AccountState]:
    return [
        AccountState(
            account_id="A1",
            attributes={
                "apl": True,
                "income": Decimal("950.50"),
                "payment_method": "debit",
                "debit_day": 5,
                "lease_start": date(2020, 1, 1),
                "departement": "57",
                "household_size": 3,
            },
            ledger=(
                Charge(amount="450.00", due=date(2026, 3, 5), period="2026-03", id="C1"),
                Adjustment(amount="120.00", on=date(2026, 3, 5), reason="apl", id="A1"),
                Payment(amount="330.00", on=date(2026, 3, 5), method="debit", id="P1"),
                Rejection(on=date(2026, 3, 9), payment="P1", reason="AM04"),
                Payment(amount="0.10", on=date(2026, 3, 20), settles="C1"),
                Rejection(on=date(2026, 3, 21), amount="0.10"),
            ),
            events=(Event("rejection", on=date(2026, 3, 9), note="AM04, fonds insuffisants"),),
            plans=(
                Plan(
                    signed_on=date(2026, 3, 25),
                    instalments=((date(2026, 4, 15), "165.00"), (date(2026, 5, 15), "165.00")),
                    id="PL1",
                ),
                Plan(
                    signed_on=date(2026, 1, 10),
                    instalments=((date(2026, 2, 15), "50.00"),),
                    cancelled_on=date(2026, 3, 1),
                ),
            ),
            history=(Issued("standard/sms@2026-03-05", date(2026, 3, 8), "sms", "delivered"),),
        ),
        AccountState(
            account_id="A2",
            attributes={"apl": False, "payment_method": "cheque", "departure_date": None},
            ledger=(Charge(amount="300.00", due=date(2026, 3, 5)),),
        ),
        AccountState(account_id="A3 (no ledger)", attributes={"language": "en"}),
    ]


def test_states_round_trip_through_csv(tmp_path):
    states = sample_states()
    Portfolio.from_states(states).write_csv(tmp_path)
    read_back, rejected = read(tmp_path)
    assert rejected == []
    assert [s.account_id for s in read_back] == [s.account_id for s in states]
    for mine, theirs in zip(read_back, states, strict=True):
        assert mine.ledger == theirs.ledger
        assert mine.events == theirs.events
        assert mine.plans == theirs.plans
        assert mine.history == theirs.history
        # what was given reads back; every other attribute has its default or is None
        given = {k: v for k, v in theirs.attributes.items() if v is not None}
        assert {k: mine.attributes[k] for k in given} == given
    assert read_back[1].attributes["departure_date"] is None
    assert read_back[2].attributes["apl"] is False  # the default
    assert read_back[2].attributes["language"] == "en"


def test_write_csv_writes_text_that_reads_back_the_same(tmp_path):
    Portfolio.from_states(sample_states()).write_csv(tmp_path / "a")
    Portfolio.read_csv(tmp_path / "a").write_csv(tmp_path / "b")
    for name in TABLES:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (
            tmp_path / "b" / f"{name}.csv"
        ).read_bytes()


# ------------------------------------------------------------------------------ exactness


def test_money_stays_exact_and_nothing_is_converted_by_pandas(tmp_path):
    write_tables(
        tmp_path,
        tenants=["007,true,0.10,2,debit,"],
        ledger=[
            "007,payment,0.10,2026-03-01,,,,,,,",
            "007,payment,0.20,2026-03-02,,,,,,,",
            "007,charge,1234.5,2026-03-05,,,,,,,",
        ],
    )
    portfolio = Portfolio.read_csv(tmp_path)
    assert portfolio.tenants["account_id"].tolist() == ["007"]  # not the number 7
    assert portfolio.ledger["amount"].tolist() == ["0.10", "0.20", "1234.5"]
    (state,) = portfolio.accounts()
    first, second, charge = state.ledger
    assert first.amount + second.amount == Decimal("0.30")
    assert charge.amount == Decimal("1234.50")
    assert state.attributes["income"] == Decimal("0.10")


def test_empty_cells_are_attributes_not_given(tmp_path):
    write_tables(tmp_path, tenants=["A1,,,,,"], ledger=[])
    (state,) = Portfolio.read_csv(tmp_path).accounts()
    attributes = state.attributes
    assert attributes["apl"] is False  # required with a default: the default
    assert attributes["deposit_amount"] == Decimal("0.00")  # a column the file does not have
    assert attributes["income"] is None and attributes["departure_date"] is None  # optional
    assert "payment_method" not in attributes and "household_size" not in attributes
    # in schema order, without the absent ones
    names = [a.name for a in HOUSING_SCHEMA.attributes if a.name in attributes]
    assert list(attributes) == names


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        *[("true", True), ("TRUE", True), ("1", True), ("Yes", True), ("oui", True)],
        *[("false", False), ("0", False), ("no", False), ("NON", False), (" false ", False)],
    ],
)
def test_booleans_in_several_spellings(tmp_path, cell, value):
    write_tables(tmp_path, tenants=[f"A1,{cell},,1,debit,"], ledger=[])
    (state,) = Portfolio.read_csv(tmp_path).accounts()
    assert state.attributes["apl"] is value


def test_attribute_types_from_text(tmp_path):
    schema = HOUSING_SCHEMA.extend(
        [
            AttributeSpec("score", ValueType.NUMBER, optional=True),
            AttributeSpec("grace", ValueType.DURATION, optional=True),
            AttributeSpec("agency", ValueType.TEXT, allowed=("nord", "sud"), optional=True),
        ]
    )
    header = "account_id,score,grace,agency,age,lease_start,departement"
    (tmp_path / "tenants.csv").write_text(
        f"{header}\nA1,0.75,2w,nord,71,2020-02-29,01\nA2,-3,30,sud,,,2A\n", encoding="utf-8"
    )
    write_tables(tmp_path, ledger=[])
    first, second = Portfolio.read_csv(tmp_path).accounts(schema)
    assert first.attributes["score"] == Decimal("0.75")
    assert str(first.attributes["grace"]) == "2 w"
    assert first.attributes["agency"] == "nord"
    assert first.attributes["age"] == 71
    assert first.attributes["lease_start"] == date(2020, 2, 29)
    assert first.attributes["departement"] == "01"
    assert second.attributes["score"] == Decimal("-3")
    assert str(second.attributes["grace"]) == "30 days"
    assert second.attributes["age"] is None


# ------------------------------------------------------------------------------ bad rows

# (table, bad line appended to it, expected field, value, reason fragment)
BAD_ROWS = {
    "bool": ("tenants", "B,peut-être,,1,debit,", "apl", "peut-être", "is not true or false"),
    "int": ("tenants", "B,true,,2.5,debit,", "household_size", "2.5", "not a whole number"),
    "money": ("tenants", 'B,true,"1 200,50",1,debit,', "income", "1 200,50", "decimal point"),
    "date": ("tenants", "B,true,,1,debit,31/12/2026", "departure_date", "31/12/2026", "YYYY-MM-DD"),
    "one-of": ("tenants", "B,true,,1,prelevement,", "payment_method", "prelevement", "not one of"),
    "empty id": ("tenants", ",true,,1,debit,", "account_id", "", "non-empty text"),
    "twice": ("tenants", "A1,true,,1,debit,", "account_id", "A1", "on 2 rows of tenants"),
    "amount": ("ledger", 'B,charge,"12,50",2026-03-05,,,,,,,', "amount", "12,50", "1234.56"),
    "negative": ("ledger", "B,payment,-5.00,2026-03-05,,,,,,,", "amount", "-5.00", "negative"),
    "cents": ("ledger", "B,charge,1.005,2026-03-05,,,,,,,", "amount", "1.005", "two decimals"),
    "no day": ("ledger", "B,charge,10.00,2026-02-30,,,,,,,", "date", "2026-02-30", "not a date"),
    "kind": ("ledger", "B,debit,10.00,2026-03-05,,,,,,,", "kind", "debit", "not a ledger kind"),
    "rejection": ("ledger", "B,rejection,,2026-03-05,,,,,,,", "payment", None, "names the payment"),
    "event date": ("events", "B,rejection,yesterday,", "date", "yesterday", "not a date"),
    "event kind": ("events", "B,,2026-03-05,", "kind", "", "non-empty text"),
    "unknown event kind": ("events", "B,rejet,2026-03-05,", "kind", "rejet", "did you mean"),
    "plan amount": ("plans", "B,PL1,2026-03-01,2026-04-15,abc,", "amount", "abc", "not an amount"),
    "plan due": ("plans", "B,PL1,2026-03-01,,10.00,", "due", "", "not a date"),
    "history key": ("history", "B,,2026-03-05,sms,", "key", "", "non-empty text"),
    "history date": ("history", "B,k,2026-13-01,sms,", "emitted_on", "2026-13-01", "not a date"),
    "outcome": ("history", "B,k,2026-03-05,sms,delivred", "outcome", "delivred", "'delivered'?"),
}


@pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
def test_a_bad_row_rejects_its_account_only(tmp_path, case):
    table, line, field, value, fragment = BAD_ROWS[case]
    tenants = [*GOOD_TENANTS]
    tables = {"ledger": [*GOOD_LEDGER]}
    if table == "tenants":
        tenants.append(line)
    else:
        tenants.append("B,true,,1,debit,")
        tables[table] = [*tables.get(table, []), line]
    write_tables(tmp_path, tenants=tenants, **tables)
    states, rejected = read(tmp_path)
    (bad,) = rejected if case != "twice" else rejected[1:]
    account = line.split(",")[0]
    assert bad.account_id == account
    assert (bad.field, bad.value, bad.source) == (field, value, table)
    rows = tenants if table == "tenants" else tables[table]
    assert bad.row == len(rows)  # the last data row of its table
    assert fragment in bad.reason, bad.reason
    assert bad.reason.startswith(f"{field}: ")
    good = {s.account_id for s in states}
    assert good == {"A1", "A2", "A3"} - ({"A1"} if case == "twice" else set())
    assert len(states) + len(rejected) == len(tenants)


def test_unknown_and_derived_columns_reject_the_accounts_that_fill_them(tmp_path):
    (tmp_path / "tenants.csv").write_text(
        "account_id,incme,debt\nA1,950,\nA2,,\nA3,,12.00\n", encoding="utf-8"
    )
    write_tables(tmp_path, ledger=[])
    items = list(Portfolio.read_csv(tmp_path).accounts())
    first, second, third = items
    assert isinstance(first, Rejected) and first.field == "incme" and first.value == "950"
    assert first.reason == "incme: unknown attribute; did you mean 'income'?"
    assert (first.source, first.row) == ("tenants", 1)
    assert isinstance(second, AccountState)  # empty cells in the unknown columns: fine
    assert isinstance(third, Rejected) and third.field == "debt" and "derived" in third.reason


def test_rows_of_accounts_missing_from_tenants_are_rejected_once_per_account(tmp_path):
    write_tables(
        tmp_path,
        tenants=GOOD_TENANTS,
        ledger=[
            *GOOD_LEDGER,
            "Z9,charge,1.00,2026-03-05,,,,,,,",
            "Y8,charge,1.00,2026-03-05,,,,,,,",
            "Z9,payment,1.00,2026-03-06,,,,,,,",
        ],
        events=["Z9,arrival,2026-01-01,", "X7,arrival,2026-01-01,"],
        history=["W6,k,2026-03-05,sms,"],
    )
    states, rejected = read(tmp_path)
    assert [s.account_id for s in states] == ["A1", "A2", "A3"]
    assert [(r.account_id, r.source, r.row) for r in rejected] == [
        ("Z9", "ledger", 5),
        ("Y8", "ledger", 6),
        ("X7", "events", 2),
        ("W6", "history", 1),
    ]
    assert rejected[0].reason == (
        "account_id: 'Z9' is not in the tenants table (3 rows in ledger, events)"
    )
    assert all(r.field == "account_id" and r.value == r.account_id for r in rejected)
    # accounts in = tenants rows + ids found only elsewhere = states + rejected
    assert len(states) + len(rejected) == 3 + 4


def test_the_first_problem_of_an_account_is_reported_and_the_others_go_on(tmp_path):
    write_tables(
        tmp_path,
        tenants=["A1,maybe,,1,debit,", *GOOD_TENANTS[1:]],
        ledger=["A1,charge,bad,2026-03-05,,,,,,,", *GOOD_LEDGER[2:]],
    )
    states, rejected = read(tmp_path)
    (bad,) = rejected
    assert (bad.source, bad.field) == ("tenants", "apl")
    assert [s.account_id for s in states] == ["A2", "A3"]


def test_the_rows_of_a_plan_agree_on_its_dates(tmp_path):
    write_tables(
        tmp_path,
        tenants=GOOD_TENANTS,
        ledger=GOOD_LEDGER,
        plans=[
            "A1,PL1,2026-03-01,2026-04-15,100.00,",
            "A1,PL1,2026-03-02,2026-05-15,100.00,",
            "A2,PL2,2026-03-01,2026-05-15,60.00,2026-06-01",
            "A2,PL2,2026-03-01,2026-04-15,40.00,2026-06-01",
            "A2,,2026-07-01,2026-08-15,10.00,",
        ],
    )
    states, rejected = read(tmp_path)
    (bad,) = rejected
    assert (bad.account_id, bad.field, bad.value, bad.row) == ("A1", "signed_on", "2026-03-02", 2)
    assert "plan 'PL1' has 2026-03-01 on row 1 but 2026-03-02 here" in bad.reason
    a2 = next(s for s in states if s.account_id == "A2")
    assert a2.plans == (
        Plan(
            signed_on=date(2026, 3, 1),
            instalments=(
                Instalment(date(2026, 4, 15), Decimal("40.00")),
                Instalment(date(2026, 5, 15), Decimal("60.00")),
            ),
            cancelled_on=date(2026, 6, 1),
            id="PL2",
        ),
        Plan(signed_on=date(2026, 7, 1), instalments=((date(2026, 8, 15), "10.00"),)),
    )


def test_rejected_as_a_row():
    rejected = Rejected("A1", "apl: 'x' is not true or false", "apl", "x", "tenants", 3)
    assert rejected.to_dict() == {
        "account_id": "A1",
        "reason": "apl: 'x' is not true or false",
        "field": "apl",
        "value": "x",
        "source": "tenants",
        "row": 3,
    }


# ------------------------------------------------------------------------------ files


def test_optional_files_and_columns_may_be_missing(tmp_path):
    (tmp_path / "tenants.csv").write_text("account_id\nA1\n", encoding="utf-8")
    (tmp_path / "ledger.csv").write_text(
        "account_id,kind,amount,date\nA1,charge,10.00,2026-03-05\n", encoding="utf-8"
    )
    portfolio = Portfolio.read_csv(tmp_path)
    assert len(portfolio.events) == len(portfolio.plans) == len(portfolio.history) == 0
    assert list(portfolio.ledger.columns) == ["account_id", "kind", "amount", "date"]
    (state,) = portfolio.accounts()
    assert state.ledger == (Charge(amount="10.00", due=date(2026, 3, 5)),)


@pytest.mark.parametrize("missing", ["tenants", "ledger"])
def test_a_missing_required_file_names_it(tmp_path, missing):
    write_tables(tmp_path, tenants=GOOD_TENANTS, ledger=GOOD_LEDGER)
    (tmp_path / f"{missing}.csv").unlink()
    with pytest.raises(DataError, match=rf"{missing}\.csv: no such file") as info:
        Portfolio.read_csv(tmp_path)
    assert info.value.path == str(tmp_path / f"{missing}.csv")
    assert isinstance(info.value, DunforceError)


def test_a_missing_required_column_names_file_and_column(tmp_path):
    write_tables(tmp_path, tenants=GOOD_TENANTS, ledger=GOOD_LEDGER)
    (tmp_path / "events.csv").write_text("account_id,kind\nA1,arrival\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        Portfolio.read_csv(tmp_path)
    assert str(info.value).startswith(f"{tmp_path / 'events.csv'}: missing column 'date'")
    assert info.value.column == "date"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"account_id,apl,apl\nA1,true,true\n", "column 'apl' appears twice"),
        ("account_id,apl\nA1,vrai\n".encode("latin-1") + b"\xe9\n", "not UTF-8"),
    ],
)
def test_files_that_are_not_canonical_csv(tmp_path, content, message):
    write_tables(tmp_path, ledger=GOOD_LEDGER)
    (tmp_path / "tenants.csv").write_bytes(content)
    with pytest.raises(DataError, match=message):
        Portfolio.read_csv(tmp_path)


def test_a_missing_directory_and_a_table_without_its_columns():
    with pytest.raises(DataError, match="no such directory"):
        Portfolio.read_csv("/no/such/directory")
    with pytest.raises(DataError, match="ledger: missing column 'kind'"):
        Portfolio(pd.DataFrame({"account_id": []}), ledger=pd.DataFrame({"account_id": []}))
    with pytest.raises(TypeError, match=r"schema must be a dunforce\.Schema"):
        Portfolio(pd.DataFrame({"account_id": []})).accounts(schema="housing")


def test_a_utf8_bom_and_french_text_are_read(tmp_path):
    write_tables(tmp_path, ledger=[], events=["A1,rejection,2026-03-05,prélèvement rejeté"])
    (tmp_path / "tenants.csv").write_bytes("\ufeffaccount_id\nA1\n".encode())
    (state,) = Portfolio.read_csv(tmp_path).accounts()
    assert state.events[0].note == "prélèvement rejeté"


# ------------------------------------------------------------------------------ the example


def test_the_bundled_example_reads_without_rejection():
    portfolio = Portfolio.read_csv(EXAMPLE / "data")
    items = list(portfolio.accounts())
    assert len(items) == len(portfolio.tenants) == 300
    assert all(isinstance(i, AccountState) for i in items)
    kinds = set(portfolio.ledger["kind"])
    assert kinds == {"charge", "payment", "rejection", "adjustment"}
    assert {"rejection", "arrival", "departure", "plan_signed"} <= set(portfolio.events["kind"])
    assert len(portfolio.plans) > 0
    assert {"57", "67", "68"} <= set(portfolio.tenants["departement"])
    assert set(portfolio.tenants.columns) - {"account_id"} <= set(HOUSING_SCHEMA.symbols)
    total = sum(path.stat().st_size for path in (EXAMPLE / "data").glob("*.csv"))
    assert total < 2_000_000


def test_the_example_generator_is_deterministic(tmp_path):
    """The script runs (every example script is executed by a test) and writes, for the default
    seed, exactly the bundled files."""
    result = subprocess.run(
        [sys.executable, str(EXAMPLE / "make_portfolio.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for name in TABLES:
        assert (tmp_path / f"{name}.csv").read_bytes() == (
            EXAMPLE / "data" / f"{name}.csv"
        ).read_bytes(), name


@pytest.mark.slow
def test_a_few_hundred_thousand_ledger_rows_read_in_seconds(tmp_path):
    script = str(EXAMPLE / "make_portfolio.py")
    subprocess.run(
        [sys.executable, script, "--accounts=10000", "--seed=1", f"--out={tmp_path}"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    start = time.perf_counter()
    portfolio = Portfolio.read_csv(tmp_path)
    count = sum(1 for _ in portfolio.accounts())
    elapsed = time.perf_counter() - start
    assert count == 10_000
    assert len(portfolio.ledger) > 250_000
    assert elapsed < 20, f"{elapsed:.1f} s"


def test_tables_built_in_python_may_hold_python_values_and_missing_values():
    portfolio = Portfolio(
        tenants=pd.DataFrame(
            {
                "account_id": ["A1", "A2"],
                "apl": [True, None],
                "income": [Decimal("950"), float("nan")],
            }
        ),
        ledger=pd.DataFrame(
            {
                "account_id": ["A1", "A2"],
                "kind": ["charge", "charge"],
                "amount": [Decimal("450.00"), 12],
                "date": [date(2026, 3, 5), "2026-03-05"],
                "period": ["2026-03", float("nan")],
            }
        ),
    )
    first, second = portfolio.accounts()
    assert first.attributes["apl"] is True and first.attributes["income"] == Decimal("950.00")
    assert second.attributes["apl"] is False and second.attributes["income"] is None
    assert first.ledger == (Charge(amount="450.00", due=date(2026, 3, 5), period="2026-03"),)
    assert second.ledger == (Charge(amount="12.00", due=date(2026, 3, 5)),)
