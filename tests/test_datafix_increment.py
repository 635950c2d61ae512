"""Daily increments: today's exports merged into yesterday's canonical tables. New rows are
appended, corrections replace the row of the same key in place, a file loaded twice changes
nothing, and the reconciliation says which rows were new, updated or unchanged."""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dunforce
import dunforce.datafix

DATAFIX = """
[defaults]
encoding = "latin-1"
separator = ";"

[sources.tenants]
table = "tenants"
files = "locataires_*.csv"
[sources.tenants.columns]
account_id = "Contrat"
apl = "APL"
household_size = "Occupants"

[sources.payments]
table = "ledger"
files = "paiements_*.csv"
[sources.payments.columns]
account_id = "Contrat"
kind = { constant = "payment" }
amount = "Montant"
date = "Date"
id = "Pièce"

[sources.charges]
table = "ledger"
files = "quittances_*.csv"
optional = true
[sources.charges.columns]
account_id = "Contrat"
kind = { constant = "charge" }
amount = "Montant"
date = "Date"
id = "Pièce"
"""


def export(directory: Path, name: str, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(text.encode("latin-1"))


def datafix(directory: Path):
    return dunforce.datafix.loads(DATAFIX, base_dir=directory)


def counts(result, source: str) -> tuple[int, int, int, int]:
    row = result.reconciliation.set_index("source").loc[source]
    return row["rows_new"], row["rows_updated"], row["rows_unchanged"], row["rows_quarantined"]


def day_one(directory: Path):
    export(directory, "locataires_1.csv", "Contrat;APL;Occupants\nL1;O;2\nL2;N;1\n")
    export(
        directory,
        "paiements_1.csv",
        "Contrat;Montant;Date;Pièce\nL1;100,00;02/03/2026;P1\nL2;50,00;03/03/2026;P2\n",
    )
    return datafix(directory).run()


def test_a_new_day_appends_new_rows_and_corrects_by_key(tmp_path):
    first = day_one(tmp_path / "day1")
    assert first.balanced and counts(first, "payments") == (2, 0, 0, 0)
    day2 = tmp_path / "day2"
    export(day2, "locataires_2.csv", "Contrat;APL;Occupants\nL2;O;1\nL3;N;4\n")
    export(
        day2,
        "paiements_2.csv",
        "Contrat;Montant;Date;Pièce\n"
        "L1;100,00;02/03/2026;P1\n"  # the same again: unchanged
        "L2;55,00;03/03/2026;P2\n"  # a correction of the amount
        "L3;20,00;04/03/2026;P3\n",  # new
    )
    second = datafix(day2).run(previous=first.portfolio)
    assert second.balanced
    assert counts(second, "tenants") == (1, 1, 0, 0)
    assert counts(second, "payments") == (1, 1, 1, 0)
    ledger = second.portfolio.ledger
    assert ledger[["account_id", "amount", "id"]].values.tolist() == [
        ["L1", "100.00", "P1"],
        ["L2", "55.00", "P2"],  # corrected in place: the row keeps its position
        ["L3", "20.00", "P3"],
    ]
    tenants = second.portfolio.tenants
    assert tenants.values.tolist() == [
        ["L1", "true", "2"],
        ["L2", "true", "1"],
        ["L3", "false", "4"],
    ]
    payments = second.reconciliation.set_index("source").loc["payments"]
    assert payments["rows_loaded"] == 3 and str(payments["amount_loaded"]) == "175.00"


def test_previous_tables_may_be_a_directory_and_rows_may_name_their_accounts(tmp_path):
    first = day_one(tmp_path / "day1")
    first.write(tmp_path / "data")
    day2 = tmp_path / "day2"
    export(day2, "locataires_2.csv", "Contrat;APL;Occupants\n")
    export(day2, "paiements_2.csv", "Contrat;Montant;Date;Pièce\nL1;1,00;05/03/2026;P4\n")
    second = datafix(day2).run(previous=tmp_path / "data")
    assert counts(second, "payments") == (1, 0, 0, 0)  # L1 is known from yesterday's tenants
    assert second.portfolio.ledger["id"].tolist() == ["P1", "P2", "P4"]


def test_a_correction_keeps_the_columns_the_source_does_not_map(tmp_path):
    previous = dunforce.Portfolio(
        tenants=pd.DataFrame(
            {"account_id": ["L1"], "apl": ["false"], "household_size": ["2"], "language": ["en"]}
        ),
        ledger=pd.DataFrame(
            {
                "account_id": ["L1"],
                "kind": ["payment"],
                "amount": ["9.00"],
                "date": ["2026-03-01"],
                "id": ["P1"],
                "method": ["cheque"],
            }
        ),
    )
    export(tmp_path, "locataires_2.csv", "Contrat;APL;Occupants\nL1;O;3\n")
    export(tmp_path, "paiements_2.csv", "Contrat;Montant;Date;Pièce\nL1;10,00;01/03/2026;P1\n")
    result = datafix(tmp_path).run(previous=previous)
    assert result.portfolio.tenants.values.tolist() == [["L1", "true", "3", "en"]]
    row = result.portfolio.ledger.iloc[0]
    assert (row["amount"], row["method"]) == ("10.00", "cheque")
    assert counts(result, "payments") == (0, 1, 0, 0)


def test_typed_previous_tables_are_compared_as_text(tmp_path):
    previous = dunforce.synthetic_portfolio(3, as_of="2026-11-09", seed=4)
    export(tmp_path, "locataires_1.csv", "Contrat;APL;Occupants\nS0000001;O;2\n")
    export(tmp_path, "paiements_1.csv", "Contrat;Montant;Date;Pièce\n")
    result = datafix(tmp_path).run(previous=previous)
    tenants = result.portfolio.tenants.set_index("account_id")
    assert len(tenants) == 3
    assert (
        tenants.loc["S0000001", "apl"] == "true"
        and tenants.loc["S0000001", "household_size"] == "2"
    )
    assert (
        tenants.loc["S0000002", "lease_start"]
        == previous.tenants["lease_start"].iloc[1].date().isoformat()
    )
    states = [s for s in result.portfolio.accounts() if isinstance(s, dunforce.AccountState)]
    assert len(states) == 3


def test_a_later_file_of_the_same_source_corrects_an_earlier_one_in_the_same_run(tmp_path):
    export(tmp_path, "locataires_1.csv", "Contrat;APL;Occupants\nL1;O;2\n")
    export(tmp_path, "paiements_1.csv", "Contrat;Montant;Date;Pièce\nL1;10,00;01/03/2026;P1\n")
    export(tmp_path, "paiements_2.csv", "Contrat;Montant;Date;Pièce\nL1;12,00;01/03/2026;P1\n")
    result = datafix(tmp_path).run()
    assert result.portfolio.ledger["amount"].tolist() == ["12.00"]
    assert counts(result, "payments") == (1, 1, 0, 0)
    assert result.balanced


def test_the_same_key_from_another_source_in_the_same_run_is_a_duplicate(tmp_path):
    export(tmp_path, "locataires_1.csv", "Contrat;APL;Occupants\nL1;O;2\n")
    export(tmp_path, "paiements_1.csv", "Contrat;Montant;Date;Pièce\nL1;10,00;01/03/2026;X1\n")
    export(tmp_path, "quittances_1.csv", "Contrat;Montant;Date;Pièce\nL1;10,00;05/03/2026;X1\n")
    result = datafix(tmp_path).run()
    (problem,) = result.quarantine.itertuples(index=False)
    assert (problem.source, problem.row, problem.reason, problem.value) == (
        "charges",
        2,
        "duplicate",
        "X1",
    )
    assert "paiements_1.csv:2 (source payments, loaded in this run)" in problem.detail
    # tomorrow, loaded again with yesterday's tables: still the other source's row
    again = datafix(tmp_path).run(previous=result.portfolio)
    assert again.quarantine["reason"].tolist() == ["duplicate"]
    assert again.portfolio.ledger["kind"].tolist() == ["payment"]


def test_the_command_line_merges_into_its_own_output(tmp_path, capsys):
    from dunforce.cli import main

    day_one(tmp_path / "day1")
    config = tmp_path / "bailleur.toml"
    config.write_text(DATAFIX, encoding="utf-8")
    out = tmp_path / "data"
    assert (
        main(["datafix", str(config), "--exports", str(tmp_path / "day1"), "--out", str(out)]) == 0
    )
    before = {p.name: p.read_bytes() for p in out.glob("*.csv") if p.stem != "reconciliation"}
    command = ["datafix", str(config), "--exports", str(tmp_path / "day1"), "--previous", str(out)]
    assert main([*command, "--out", str(out)]) == 0
    after = {p.name: p.read_bytes() for p in out.glob("*.csv") if p.stem != "reconciliation"}
    assert after == before
    reconciliation = pd.read_csv(out / "reconciliation.csv", dtype=str)
    assert reconciliation["rows_unchanged"].tolist() == ["2", "2", "0"]
    assert "payments" in capsys.readouterr().out


# ------------------------------------------------------------------------------ properties

days = st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 12, 31))
entries = st.lists(
    st.tuples(st.sampled_from(["L1", "L2", "L3"]), st.integers(0, 10**7), days),
    max_size=30,
)


def write_day(directory: Path, payments: list[tuple[str, int, datetime.date]], offset: int) -> None:
    lines = ["Contrat;Montant;Date;Pièce"]
    for number, (account, cents, day) in enumerate(payments):
        lines.append(
            f"{account};{cents // 100},{cents % 100:02d};{day:%d/%m/%Y};P{offset + number}"
        )
    export(directory, "paiements_1.csv", "\n".join(lines) + "\n")
    export(directory, "locataires_1.csv", "Contrat;APL;Occupants\nL1;O;1\nL2;N;2\nL3;O;3\n")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=entries, second=entries, overlap=st.integers(0, 30))
def test_increments_equal_one_load_of_the_last_version_of_each_row(
    tmp_path_factory, first, second, overlap
):
    """Loading day 1 then day 2 gives, for every key, the row of its latest day; loading day 2
    once more changes nothing."""
    root = tmp_path_factory.mktemp("days")
    write_day(root / "d1", first, 0)
    write_day(root / "d2", second, overlap)  # ids overlap: day 2 corrects some of day 1
    one = datafix(root / "d1").run()
    two = datafix(root / "d2").run(previous=one.portfolio)
    three = datafix(root / "d2").run(previous=two.portfolio)
    expected: dict[str, list[str]] = {}
    for offset, payments in ((0, first), (overlap, second)):
        for number, (account, cents, day) in enumerate(payments):
            amount = f"{cents // 100}.{cents % 100:02d}"
            expected[f"P{offset + number}"] = [account, amount, day.isoformat()]
    ledger = two.portfolio.ledger.set_index("id")
    assert sorted(ledger.index) == sorted(expected)
    assert {
        k: ledger.loc[k, ["account_id", "amount", "date"]].tolist() for k in expected
    } == expected
    pd.testing.assert_frame_equal(three.portfolio.ledger, two.portfolio.ledger)
    assert counts(three, "payments")[:2] == (0, 0)
    assert all(result.balanced for result in (one, two, three))
    new, updated, unchanged, _ = counts(two, "payments")
    assert new + updated + unchanged == len(second)
    first_ids = {f"P{n}" for n in range(len(first))}
    assert new == sum(1 for n in range(len(second)) if f"P{overlap + n}" not in first_ids)
