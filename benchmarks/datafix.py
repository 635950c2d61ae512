"""Datafix on a million ledger rows: messy landlord exports to canonical tables.

Run: python benchmarks/datafix.py [--rows 1000000] [--broken 0.001] [--keep DIR]

The exports are written from a synthetic portfolio (``dunforce.synthetic_portfolio``) in a
landlord's format: latin-1, ``;``-separated, French dates (``31/01/2026`` and ``31/01/26``
mixed), French amounts (``1 234,56``), code tables for kinds and payment methods, ``O``/``N``
booleans, and a share ``--broken`` of deliberately broken ledger rows (bad dates, amounts with
three decimals, unknown codes, unknown accounts). Two files carry the ledger: the rent roll
(``quittancement.csv``, charges) and the credits (``encaissements.csv``: payments, housing aid,
returned debits as negative amounts).

Two measurements, each in a fresh process so that its peak memory is its own:

* the baseline: ``pandas.read_csv`` of the same files, every cell as text (``dtype=str``), which
  is what reading them costs before any check;
* the datafix: ``Datafix.run`` (read, parse, check, deduplicate, merge, reconcile), wall time,
  rows per second and peak memory (target: 1 million ledger rows in 30 s or less), then the
  writing of the canonical CSV files, timed apart.

The ratio datafix / baseline says what the checks cost over reading the text.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = "2026-11-09"
ROWS_PER_ACCOUNT = 26.6  # what the synthetic generator gives over twelve months

DATAFIX = """\
[datafix]
name = "Bailleur de référence"

[defaults]
encoding = "latin-1"
separator = ";"
decimal = ","
dates = ["%d/%m/%Y", "%d/%m/%y"]
true = ["O"]
false = ["N"]

[codes.modes]
PRLV = "debit"
VIR = "transfer"
CHQ = "cheque"
ESP = "cash"
CB = "card"

[codes.credits]
REG = "payment"
APL = "adjustment"
REJ = "rejection"

[sources.locataires]
table = "tenants"
files = "locataires.csv"
[sources.locataires.columns]
account_id = "N° contrat"
lease_start = "Date entrée"
household_size = "Nb occupants"
apl = "APL"
income = "Revenus"
payment_method = { column = "Mode règlement", codes = "modes" }
departement = "Dépt"
housing_type = { constant = "apartment" }

[sources.quittancement]
table = "ledger"
files = "quittancement.csv"
key = ["account_id", "date", "kind"]
[sources.quittancement.columns]
account_id = "N° contrat"
kind = { constant = "charge" }
amount = "Montant TTC"
date = "Echéance"

[sources.encaissements]
table = "ledger"
files = "encaissements.csv"
negative_kind = "rejection"
key = ["id"]
[sources.encaissements.columns]
account_id = "N° contrat"
kind = { column = "Type", codes = "credits" }
amount = "Montant"
date = "Date opération"
method = { column = "Mode", codes = "modes" }
id = "N° pièce"
"""

_MODES = {"debit": "PRLV", "transfer": "VIR", "cheque": "CHQ", "cash": "ESP", "card": "CB"}
_CREDITS = {"payment": "REG", "adjustment": "APL", "rejection": "REJ"}


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def _french_amounts(cents: np.ndarray) -> pd.Series:
    """Cents as French amounts: ``1 234,56``, ``-45,00``."""
    negative = cents < 0
    whole = pd.Series(np.abs(cents) // 100).astype(str)
    grouped = whole.where(whole.str.len() <= 3, whole.str[:-3] + " " + whole.str[-3:])
    text = grouped + "," + pd.Series(np.abs(cents) % 100).astype(str).str.zfill(2)
    return text.where(~negative, "-" + text)


def _french_dates(dates: pd.Series, rng: np.random.Generator) -> pd.Series:
    long = dates.dt.strftime("%d/%m/%Y")
    short = dates.dt.strftime("%d/%m/%y")
    return long.where(rng.random(len(dates)) < 0.7, short)


def write_exports(directory: Path, rows: int, broken: float, seed: int = 2026) -> dict:
    """Write the landlord's exports of a synthetic portfolio with about ``rows`` ledger rows."""
    from dunforce.synthetic import synthetic_portfolio

    accounts = int(rows / ROWS_PER_ACCOUNT * 1.02) + 1
    portfolio = synthetic_portfolio(accounts, as_of=AS_OF, seed=seed)
    ledger = portfolio.ledger.iloc[:rows].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    tenants = portfolio.tenants
    tenant_rows = pd.DataFrame(
        {
            "N° contrat": tenants["account_id"],
            "Date entrée": _french_dates(tenants["lease_start"], rng),
            "Nb occupants": tenants["household_size"].astype(str),
            "APL": np.where(tenants["apl"], "O", "N"),
            "Revenus": _french_amounts(
                (tenants["income"].fillna(0).to_numpy() * 100).round().astype(np.int64)
            ).where(tenants["income"].notna(), ""),
            "Mode règlement": tenants["payment_method"].map(_MODES),
            "Dépt": tenants["departement"],
        }
    )
    tenant_rows.to_csv(directory / "locataires.csv", sep=";", index=False, encoding="latin-1")

    cents = (ledger["amount"].to_numpy() * 100).round().astype(np.int64)
    kinds = ledger["kind"].to_numpy()
    signed = np.where(kinds == "rejection", -cents, cents)
    amounts = _french_amounts(signed)
    dates = _french_dates(ledger["date"], rng)
    broken_rows = rng.random(len(ledger)) < broken
    kind_of_damage = rng.integers(0, 4, len(ledger))
    dates = dates.where(~(broken_rows & (kind_of_damage == 0)), "31/02/2026")
    amounts = amounts.where(~(broken_rows & (kind_of_damage == 1)), "12,345")
    accounts_text = ledger["account_id"].where(~(broken_rows & (kind_of_damage == 3)), "X9999999")
    charges = kinds == "charge"
    charge_rows = pd.DataFrame(
        {
            "N° contrat": accounts_text[charges],
            "Echéance": dates[charges],
            "Montant TTC": amounts[charges],
            "Libellé": "Loyer et charges",
        }
    )
    charge_rows.to_csv(directory / "quittancement.csv", sep=";", index=False, encoding="latin-1")
    credit_kinds = pd.Series(kinds[~charges]).map(_CREDITS)
    damage = broken_rows[~charges] & (kind_of_damage[~charges] == 2)
    credit_kinds = credit_kinds.where(~damage, "XXX")
    methods = ledger["method"][~charges].map(_MODES).fillna("")
    credit_rows = pd.DataFrame(
        {
            "N° contrat": accounts_text[~charges].to_numpy(),
            "Date opération": dates[~charges].to_numpy(),
            "Type": credit_kinds.to_numpy(),
            "Montant": amounts[~charges].to_numpy(),
            "Mode": methods.to_numpy(),
            "N° pièce": [f"E{i:08d}" for i in range(int((~charges).sum()))],
        }
    )
    credit_rows.to_csv(directory / "encaissements.csv", sep=";", index=False, encoding="latin-1")
    (directory / "datafix.toml").write_text(DATAFIX, encoding="utf-8")
    return {
        "ledger_rows": len(ledger),
        "accounts": len(tenants),
        "broken_rows": int(broken_rows.sum()),
        "megabytes": round(sum(p.stat().st_size for p in directory.glob("*.csv")) / 2**20, 1),
    }


def measure_baseline(directory: Path) -> dict:
    start = time.perf_counter()
    rows = 0
    for name in ("locataires.csv", "quittancement.csv", "encaissements.csv"):
        frame = pd.read_csv(
            directory / name, sep=";", encoding="latin-1", dtype=str, keep_default_na=False
        )
        rows += len(frame)
    return {"seconds": time.perf_counter() - start, "rows": rows, "peak_gib": _peak_gib()}


def measure_datafix(directory: Path) -> dict:
    import dunforce.datafix

    start = time.perf_counter()
    datafix = dunforce.datafix.load(directory / "datafix.toml")
    result = datafix.run()
    seconds = time.perf_counter() - start
    peak = _peak_gib()
    start = time.perf_counter()
    result.write(directory / "out")
    write_seconds = time.perf_counter() - start
    frame = result.reconciliation
    return {
        "seconds": seconds,
        "peak_gib": peak,
        "write_seconds": write_seconds,
        "rows_read": int(frame["rows_read"].sum()),
        "ledger_rows_read": int(frame.loc[frame["table"] == "ledger", "rows_read"].sum()),
        "rows_loaded": int(frame["rows_loaded"].sum()),
        "rows_quarantined": int(frame["rows_quarantined"].sum()),
        "balanced": result.balanced,
    }


def _in_subprocess(function: str, directory: Path) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", function, "--keep", str(directory)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="ledger rows")
    parser.add_argument("--broken", type=float, default=0.001, help="share of broken rows")
    parser.add_argument("--keep", type=Path, help="write the exports here and keep them")
    parser.add_argument("--measure", choices=["baseline", "datafix"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        measure = measure_baseline if args.measure == "baseline" else measure_datafix
        print(json.dumps(measure(args.keep)))
        return 0
    with tempfile.TemporaryDirectory() as temporary:
        directory = args.keep or Path(temporary)
        directory.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        exports = write_exports(directory, args.rows, args.broken)
        print(
            f"exports: {exports['ledger_rows']:,} ledger rows of {exports['accounts']:,} "
            f"accounts, {exports['broken_rows']:,} broken, {exports['megabytes']} MiB "
            f"(written in {time.perf_counter() - start:.1f} s)"
        )
        baseline = _in_subprocess("baseline", directory)
        datafix = _in_subprocess("datafix", directory)
    rate = datafix["rows_read"] / datafix["seconds"]
    print(
        f"baseline  pandas.read_csv, text cells: {baseline['seconds']:6.2f} s  "
        f"{baseline['rows'] / baseline['seconds']:>12,.0f} rows/s  "
        f"peak {baseline['peak_gib']:.2f} GiB"
    )
    print(
        f"datafix   Datafix.run:                 {datafix['seconds']:6.2f} s  "
        f"{rate:>12,.0f} rows/s  peak {datafix['peak_gib']:.2f} GiB"
    )
    print(
        f"          {datafix['ledger_rows_read']:,} ledger rows; {datafix['rows_loaded']:,} "
        f"rows loaded, {datafix['rows_quarantined']:,} quarantined, "
        f"balanced: {datafix['balanced']}"
    )
    print(f"          writing the canonical CSV files: {datafix['write_seconds']:.2f} s")
    print(
        f"ratio     datafix / baseline: {datafix['seconds'] / baseline['seconds']:.1f}x "
        f"the time of reading the text (target: 1M ledger rows in <= 30 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
