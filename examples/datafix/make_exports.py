"""Write the exports of a fictional landlord, Habitat Val de Loire, from the bundled portfolio.

THE DATA IS SYNTHETIC: the accounts, amounts and dates are those of the bundled example
portfolio (``examples/social_housing/data``, itself drawn from a seeded generator), written out
the way a landlord's ERP, CRM and spreadsheets would export them on the evening of 2026-11-09:

* ``locataires_20261109.csv``: the tenants, latin-1, ``;``-separated, Windows line ends, two
  title lines above the header, French column names, dates in three formats (``31/01/2026``,
  ``31/01/26``, ``2026-01-31``), French amounts (``1 234,56``, sometimes with a non-breaking
  space), ``O``/``N`` and ``Oui``/``Non`` booleans, code tables (``PRLV`` for direct debit, ``SOC``
  for a social lease, …) and a ``Statut`` column (archived leases are filtered out);
* ``quittancement_202611.csv``: the rent roll (charges), with quoted labels;
* ``encaissements_202611.csv``: the credits (payments ``REG``, housing aid ``APL``, cancelled
  lines ``ANN`` that the datafix filters out);
* ``rejets_202611.csv``: the returned direct debits, with negative amounts (``-118,28``);
* ``evenements_20261109.csv``: events from the CRM, UTF-8 and comma-separated;
* ``plans_apurement_20261109.xlsx``: the repayment plans, an Excel sheet with date and number
  cells.

A few broken rows are planted (:data:`PLANTED`): the datafix must quarantine exactly those, and
load everything else, so that the result runs the example scenarios on 2026-11-10 with the
actions of the bundled canonical tables. Run it again to rewrite the files (the same seed gives
the same CSV bytes)::

    python examples/datafix/make_exports.py
    dunforce datafix examples/datafix/datafix.toml --out /tmp/hvl
    dunforce run examples/social_housing/scenarios.dfs --data /tmp/hvl --date 2026-11-10
"""

from __future__ import annotations

import argparse
import csv
import datetime
import random
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE.parent / "social_housing" / "data"
SEED = 2026
NBSP = "\u00a0"

#: (file, the id or account that identifies the planted row, the reason the datafix gives)
PLANTED: tuple[tuple[str, str, str], ...] = (
    ("locataires_20261109.csv", "LOC00301", "unparseable-date"),
    ("quittancement_202611.csv", "C999001", "unknown-account"),
    ("quittancement_202611.csv", "C999002", "wrong-field-count"),
    ("encaissements_202611.csv", "P999001", "unparseable-date"),
    ("encaissements_202611.csv", "P999002", "too-many-decimals"),
    ("encaissements_202611.csv", "P999003", "unknown-code"),
    ("encaissements_202611.csv", "P000010", "duplicate"),
    ("rejets_202611.csv", "P999004", "missing-value"),
    ("evenements_20261109.csv", "LOC00006", "bad-encoding"),
    ("evenements_20261109.csv", "LOC00007", "unknown-code"),
    ("plans_apurement_20261109.xlsx", "PL99001", "unparseable-amount"),
)

LEASES = {
    "social": "SOC",
    "intermediate": "INT",
    "residence": "RES",
    "commercial": "COM",
    "parking": "PKG",
    "other": "AUT",
}
DWELLINGS = {
    "apartment": "APPT",
    "house": "MAIS",
    "room": "CHAM",
    "premises": "LOCAL",
    "parking": "PARK",
}
JOBS = {
    "employed": "CDI",
    "fixed_term": "CDD",
    "self_employed": "IND",
    "unemployed": "CHO",
    "retired": "RET",
    "student": "ETU",
    "inactive": "INA",
}
MODES = {"debit": "PRLV", "transfer": "VIR", "cheque": "CHQ", "cash": "ESP", "card": "CB"}
PAYERS = {"caf": "CAF", "msa": "MSA"}
LANGUAGES = {
    "fr": "FR",
    "en": "EN",
    "ar": "AR",
    "es": "ES",
    "pt": "PT",
    "tr": "TR",
    "ro": "RO",
    "other": "AUTRE",
}
EVENTS = {
    "rejection": "REJET",
    "departure": "PREAVIS",
    "arrival": "ENTREE",
    "plan_signed": "PLAN",
    "plan_broken": "PLAN_ROMPU",
    "payment_promise": "PROMESSE",
    "aid_suspended": "SUSP_APL",
    "dispute": "LITIGE",
    "over_indebtedness": "SURENDET",
}

#: the tenants export: French header, canonical column, how the value is written
TENANT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("N° contrat", "account_id", "text"),
    ("Statut", "", "status"),
    ("Type bail", "lease_type", "code:leases"),
    ("Type logement", "housing_type", "code:dwellings"),
    ("Date entrée", "lease_start", "date"),
    ("Date départ prévue", "departure_date", "date"),
    ("Département", "departement", "text"),
    ("Dépôt de garantie", "deposit_amount", "amount"),
    ("Personne morale", "legal_entity", "on"),
    ("Revenus mensuels", "income", "amount"),
    ("Age", "age", "text"),
    ("Nb occupants", "household_size", "text"),
    ("Nb personnes à charge", "dependents", "text"),
    ("Famille monoparentale", "single_parent", "on"),
    ("Situation professionnelle", "employment_status", "code:jobs"),
    ("RSA", "minimum_income", "ouinon"),
    ("Fragilité", "vulnerable", "on"),
    ("Suivi social", "social_worker", "on"),
    ("Mesure de protection", "legal_representative", "on"),
    ("Garant", "guarantor", "on"),
    ("Visale", "visale", "on"),
    ("APL", "apl", "on"),
    ("Tiers payant", "apl_paid_to_landlord", "on"),
    ("Montant APL", "apl_amount", "amount"),
    ("APL suspendue", "apl_suspended", "on"),
    ("Organisme payeur", "aid_payer", "code:payers"),
    ("FSL", "fsl", "on"),
    ("Mode de règlement", "payment_method", "code:modes"),
    ("Jour de prélèvement", "debit_day", "text"),
    ("Nb commandements", "prior_orders", "text"),
    ("Date dernier commandement", "last_order_date", "date"),
    ("Nb plans antérieurs", "prior_plans", "text"),
    ("Date signalement CAF", "aid_report_date", "date"),
    ("Date saisine CCAPEX", "ccapex_referral_date", "date"),
    ("Procédure en cours", "court_proceedings", "on"),
    ("Surendettement", "over_indebtedness", "on"),
    ("Litige", "dispute", "on"),
    ("Langue", "language", "code:languages"),
    ("Portable", "phone_mobile", "text"),
    ("Courriel", "email_address", "text"),
    ("Refus SMS", "sms_opt_out", "on"),
    ("Refus courriel", "email_opt_out", "on"),
    ("Refus appels", "call_opt_out", "on"),
)
CODES = {
    "leases": LEASES,
    "dwellings": DWELLINGS,
    "jobs": JOBS,
    "payers": PAYERS,
    "modes": MODES,
    "languages": LANGUAGES,
}


def read(name: str) -> list[dict[str, str]]:
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


class Writer:
    """The landlord's ways of writing dates and amounts, drawn from one seeded generator."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)

    def date(self, iso: str) -> str:
        if not iso:
            return ""
        day = datetime.date.fromisoformat(iso)
        draw = self.random.random()
        if draw < 0.8:
            return day.strftime("%d/%m/%Y")
        if draw < 0.9:
            return day.strftime("%d/%m/%y")
        return iso

    def amount(self, text: str, *, negative: bool = False) -> str:
        if not text:
            return ""
        whole, _, cents = text.partition(".")
        if len(whole) > 3:
            space = NBSP if self.random.random() < 0.5 else " "
            whole = whole[:-3] + space + whole[-3:]
        return ("-" if negative else "") + f"{whole},{cents or '00'}"

    def boolean(self, text: str, words: tuple[str, str]) -> str:
        return words[0] if text == "true" else words[1]


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    *,
    encoding: str,
    separator: str,
    above: list[str] = (),
    quoting=csv.QUOTE_MINIMAL,
) -> None:
    with path.open("w", encoding=encoding, newline="") as file:
        for line in above:
            file.write(line + "\r\n")
        writer = csv.writer(file, delimiter=separator, lineterminator="\r\n", quoting=quoting)
        writer.writerow(header)
        writer.writerows(rows)


def tenants(out: Path, writer: Writer) -> None:
    rows = []
    for tenant in read("tenants"):
        row = []
        for _, column, how in TENANT_COLUMNS:
            value = tenant.get(column, "")
            if how == "status":
                row.append("PREAVIS" if tenant["departure_date"] else "ACTIF")
            elif how == "date":
                row.append(writer.date(value))
            elif how == "amount":
                row.append(writer.amount(value))
            elif how == "on":
                row.append(writer.boolean(value, ("O", "N")))
            elif how == "ouinon":
                row.append(writer.boolean(value, ("Oui", "Non")))
            elif how.startswith("code:"):
                row.append(CODES[how[5:]].get(value, "") if value else "")
            else:
                row.append(value)
        rows.append(row)
    template = dict(zip([h for h, _, _ in TENANT_COLUMNS], rows[0], strict=True))
    # archived leases: the export still lists them, the datafix filters them out
    for number in (302, 303):
        archived = dict(template, **{"N° contrat": f"LOC00{number}", "Statut": "ARCHIVE"})
        rows.append(list(archived.values()))
    # planted: a day that is not in the calendar
    broken = dict(template, **{"N° contrat": "LOC00301", "Date entrée": "31/13/2025"})
    rows.insert(150, list(broken.values()))
    write_csv(
        out / "locataires_20261109.csv",
        [h for h, _, _ in TENANT_COLUMNS],
        rows,
        encoding="latin-1",
        separator=";",
        above=["Habitat Val de Loire - extraction des locataires", "Extrait le 09/11/2026 à 22:15"],
    )


def ledger(out: Path, writer: Writer) -> None:
    entries = read("ledger")
    payments = {e["id"]: e for e in entries if e["kind"] == "payment"}
    labels = ("Loyer et charges", "Loyer; charges et provisions", "Quittance")
    charges = [
        [
            e["account_id"],
            e["id"],
            e["period"],
            writer.date(e["date"]),
            writer.amount(e["amount"]),
            labels[int(e["id"][1:]) % 3],
        ]
        for e in entries
        if e["kind"] == "charge"
    ]
    charges.insert(40, ["LOC00999", "C999001", "2026-11", "05/11/2026", "420,00", "Quittance"])
    header = ["N° contrat", "N° pièce", "Période", "Echéance", "Montant", "Libellé"]
    path = out / "quittancement_202611.csv"
    write_csv(path, header, charges, encoding="latin-1", separator=";")
    # planted: a label with an unquoted separator, as a hand-edited file would have it
    with path.open("a", encoding="latin-1", newline="") as file:
        file.write("LOC00002;C999002;2026-11;05/11/2026;366,00;Loyer; rappel\r\n")

    credits = []
    for e in entries:
        if e["kind"] == "payment":
            credits.append(
                [
                    e["account_id"],
                    writer.date(e["date"]),
                    "REG",
                    MODES[e["method"]],
                    writer.amount(e["amount"]),
                    e["id"],
                    e["settles"],
                    "",
                ]
            )
        elif e["kind"] == "adjustment":
            credits.append(
                [
                    e["account_id"],
                    writer.date(e["date"]),
                    "APL",
                    "",
                    writer.amount(e["amount"]),
                    e["id"],
                    "",
                    e["reason"],
                ]
            )
    duplicate = next(row for row in credits if row[5] == "P000010")
    credits.insert(credits.index(duplicate) + 1, list(duplicate))  # planted: exported twice
    credits += [
        ["LOC00003", "31/09/2026", "REG", "VIR", "150,00", "P999001", "", ""],
        ["LOC00003", "12/10/2026", "REG", "VIR", "12,345", "P999002", "", ""],
        ["LOC00005", "12/10/2026", "REG", "PRLVT", "80,00", "P999003", "", ""],
        ["LOC00005", "13/10/2026", "ANN", "VIR", "80,00", "P999005", "", "saisie annulée"],
        ["LOC00008", "14/10/2026", "ANN", "CHQ", "1 000,00", "P999006", "", "saisie annulée"],
    ]
    header = [
        "N° contrat",
        "Date opération",
        "Type",
        "Mode",
        "Montant",
        "N° pièce",
        "Imputation",
        "Motif",
    ]
    write_csv(out / "encaissements_202611.csv", header, credits, encoding="latin-1", separator=";")

    returned = [
        [
            e["account_id"],
            writer.date(e["date"]),
            e["payment"],
            writer.amount(payments[e["payment"]]["amount"], negative=True),
            e["reason"],
        ]
        for e in entries
        if e["kind"] == "rejection"
    ]
    returned.append(["LOC00004", "", "P999004", "-118,28", "AM04"])  # planted: no date
    header = ["N° contrat", "Date rejet", "Pièce rejetée", "Montant", "Code rejet"]
    write_csv(out / "rejets_202611.csv", header, returned, encoding="latin-1", separator=";")


def events(out: Path, writer: Writer) -> None:
    rows = [
        [e["account_id"], EVENTS[e["kind"]], writer.date(e["date"]), e["note"]]
        for e in read("events")
    ]
    rows.append(["LOC00007", "RAPPEL", "02/11/2026", "rappel envoyé"])  # planted: unknown code
    path = out / "evenements_20261109.csv"
    write_csv(
        path, ["compte", "type", "date", "commentaire"], rows, encoding="utf-8", separator=","
    )
    # planted: a line typed on a latin-1 terminal, in a UTF-8 file
    with path.open("ab") as file:
        file.write("LOC00006,REJET,03/11/2026,prélèvement rejeté\r\n".encode("latin-1"))


def plans(out: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Plans"
    sheet.append(["Plans d'apurement au 09/11/2026"])
    sheet.append([])
    sheet.append(["Contrat", "N° plan", "Signé le", "Echéance", "Montant", "Annulé le"])

    def day(text: str) -> datetime.date | None:
        return datetime.date.fromisoformat(text) if text else None

    for p in read("plans"):
        sheet.append(
            [
                p["account_id"],
                p["plan_id"],
                day(p["signed_on"]),
                day(p["due"]),
                float(p["amount"]),
                day(p["cancelled_on"]),
            ]
        )
    # planted: an amount typed as words
    sheet.append(["LOC00009", "PL99001", day("2026-10-20"), day("2026-11-15"), "soixante", None])
    for row in sheet.iter_rows(min_row=4):
        for cell in row[2:4] + row[5:6]:
            cell.number_format = "DD/MM/YYYY"
    fixed = datetime.datetime(2026, 11, 9, 22, 15)
    workbook.properties.created = workbook.properties.modified = fixed
    workbook.save(out / "plans_apurement_20261109.xlsx")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "exports", help="where to write")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    writer = Writer(SEED)
    tenants(args.out, writer)
    ledger(args.out, writer)
    events(args.out, writer)
    plans(args.out)
    print(f"wrote the exports of Habitat Val de Loire in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
