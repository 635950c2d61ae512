"""Generate the example portfolio of a French social landlord, as canonical CSV tables.

THE DATA IS SYNTHETIC. No row describes a real person, dwelling or account: there are no names or
addresses, the phone numbers are in the range the French regulator (ARCEP) reserves for fiction
(06 39 98 xx xx), the e-mail addresses are at example.org, and every amount, date and flag comes
from a pseudo-random generator seeded with ``--seed``. The same seed always writes the same bytes.

What it writes, in ``--out`` (default: ``data/`` next to this file): ``tenants.csv``,
``ledger.csv``, ``events.csv``, ``plans.csv`` and ``history.csv`` (empty: nothing issued yet), in
the canonical format that ``dunforce.tables.Portfolio.read_csv`` reads. The data is an export
taken on the evening of ``AS_OF`` (2026-11-09), so the daily job runs the next morning::

    python examples/social_housing/make_portfolio.py
    dunforce run examples/social_housing/scenarios.dfs --data examples/social_housing/data \\
        --date 2026-11-10

The model, kept simple and plausible rather than calibrated:

* **Accounts**: mostly social leases (apartments, some houses), a few rooms in a résidence
  sociale, intermediate-rent dwellings, parking leases and commercial premises. Attributes come
  from the built-in catalogue: household size and dependants, single parents, age, employment,
  monthly income, housing aid (APL, paid to the landlord for three in four recipients), FSL,
  guarantor and Visale, payment method (direct debit for about half, with its debit day),
  départements across France including Moselle (57) and Alsace (67, 68), language, contact data
  and opt-outs. About one lease in twelve started during the year (an ``arrival`` event), a few
  tenants gave notice (a future ``departure_date`` and a ``departure`` event) and a few left
  during the year (their charges stop at the move-out date).
* **Ledger**: twelve monthly rent charges due on the 5th (``period`` ``YYYY-MM``), revised on
  1 January; housing aid paid to the landlord is an ``adjustment`` on the due date, and the tenant
  owes the rest. Ids are ``C…`` (charges), ``P…`` (payments) and ``A…`` (adjustments); a
  rejection names the id of the payment it returns.
* **Behaviours**, one per account: *on time* (pays on or before the due date; a direct debit is
  taken on its debit day), *late* (pays a few days after the due date, on time one month in
  three), *partial* (pays 55 to 90 % of what is due, with a catch-up payment now and then) and
  *chronic* (skips or short-pays many months, with an occasional lump sum, and often has a legal
  history: commandements, proceedings, CAF report). Independently, some direct-debit payers have
  one to three debits returned by the bank (a ``rejection`` ledger row naming the payment, and a
  ``rejection`` event); most then pay by transfer some days later. A few tenants pay twice or
  round up (overpayment, hence credit). Some partial and chronic payers signed a repayment plan
  (``plans.csv``, a ``plan_signed`` event): most keep it, the others stop after a few
  instalments, and half of those plans are cancelled (a ``plan_broken`` event).
* Nothing dated after ``AS_OF`` is in the ledger; plans and planned departures may look ahead.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
AS_OF = datetime.date(2026, 11, 9)
DAY = datetime.timedelta(days=1)
FIRST_DUE = datetime.date(2025, 12, 5)  # twelve monthly terms: 2025-12-05 to 2026-11-05

TENANT_COLUMNS = (
    "account_id",
    "lease_type",
    "housing_type",
    "lease_start",
    "departure_date",
    "departement",
    "deposit_amount",
    "legal_entity",
    "income",
    "age",
    "household_size",
    "dependents",
    "single_parent",
    "employment_status",
    "minimum_income",
    "vulnerable",
    "social_worker",
    "legal_representative",
    "guarantor",
    "visale",
    "apl",
    "apl_paid_to_landlord",
    "apl_amount",
    "apl_suspended",
    "aid_payer",
    "fsl",
    "payment_method",
    "debit_day",
    "prior_orders",
    "last_order_date",
    "prior_plans",
    "aid_report_date",
    "ccapex_referral_date",
    "court_proceedings",
    "over_indebtedness",
    "dispute",
    "language",
    "phone_mobile",
    "email_address",
    "sms_opt_out",
    "email_opt_out",
    "call_opt_out",
)
LEDGER_COLUMNS = (
    "account_id",
    "kind",
    "amount",
    "date",
    "id",
    "period",
    "method",
    "settles",
    "payment",
    "reason",
)
EVENT_COLUMNS = ("account_id", "kind", "date", "note")
PLAN_COLUMNS = ("account_id", "plan_id", "signed_on", "due", "amount", "cancelled_on")
HISTORY_COLUMNS = ("account_id", "key", "emitted_on", "channel", "outcome")

# département codes and weights: a landlord present in several regions, Alsace-Moselle included
DEPARTEMENTS = (
    ("75", 8), ("92", 6), ("93", 9), ("94", 6), ("95", 5), ("91", 4), ("77", 4), ("78", 3),
    ("69", 7), ("13", 7), ("59", 7), ("62", 3), ("33", 4), ("31", 4), ("44", 3), ("35", 2),
    ("57", 4), ("67", 4), ("68", 3), ("54", 2), ("06", 2), ("34", 2), ("971", 1), ("974", 1),
)  # fmt: skip
EMPLOYMENT = (
    ("employed", 38), ("fixed_term", 10), ("self_employed", 4), ("unemployed", 12),
    ("retired", 20), ("student", 4), ("inactive", 12),
)  # fmt: skip
# monthly household income range (euros) by employment status
INCOME = {
    "employed": (1350, 3600),
    "fixed_term": (1100, 2300),
    "self_employed": (800, 3200),
    "unemployed": (600, 1350),
    "retired": (850, 2300),
    "student": (450, 950),
    "inactive": (550, 1100),
}
LANGUAGES = (
    ("fr", 930), ("ar", 20), ("en", 15), ("pt", 10), ("tr", 10), ("es", 5), ("ro", 5),
    ("other", 5),
)  # fmt: skip
METHODS = (("debit", 55), ("transfer", 25), ("card", 8), ("cheque", 8), ("cash", 4))
BEHAVIOURS = (("on_time", 62), ("late", 17), ("partial", 11), ("chronic", 10))
REJECTION_REASONS = ("AM04", "AM04", "AM04", "MD06", "AC04", "MS03")


def cents(amount: int) -> str:
    """Whole cents as an amount with a decimal point: 48732 -> '487.32'."""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    return f"{sign}{amount // 100}.{amount % 100:02d}"


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def flag(value: bool) -> str:
    return "true" if value else "false"


def pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


@dataclass
class Ids:
    """Ledger ids, numbered across the portfolio in the order they are made."""

    counts: dict[str, int] = field(default_factory=dict)

    def next(self, prefix: str, width: int = 6) -> str:
        self.counts[prefix] = self.counts.get(prefix, 0) + 1
        return f"{prefix}{self.counts[prefix]:0{width}d}"


@dataclass
class Account:
    account_id: str
    tenant: dict[str, str]
    ledger: list[dict[str, str]] = field(default_factory=list)
    events: list[dict[str, str]] = field(default_factory=list)
    plans: list[dict[str, str]] = field(default_factory=list)
    # (date, signed cents) of every movement, to know the balance on a day: + owed, - paid
    moves: list[tuple[datetime.date, int]] = field(default_factory=list)

    def balance(self, day: datetime.date) -> int:
        return sum(amount for on, amount in self.moves if on <= day)

    def charge(self, ids: Ids, amount: int, due: datetime.date) -> str:
        charge_id = ids.next("C")
        self._row("charge", amount, due, id=charge_id, period=f"{due:%Y-%m}")
        self.moves.append((due, amount))
        return charge_id

    def pay(
        self, ids: Ids, amount: int, on: datetime.date, method: str, settles: str = ""
    ) -> str | None:
        if on > AS_OF or amount <= 0:
            return None
        payment_id = ids.next("P")
        self._row("payment", amount, on, id=payment_id, method=method, settles=settles)
        self.moves.append((on, -amount))
        return payment_id

    def adjust(self, ids: Ids, amount: int, on: datetime.date, reason: str) -> None:
        if on <= AS_OF:
            self._row("adjustment", amount, on, id=ids.next("A"), reason=reason)
            self.moves.append((on, -amount))

    def reject(self, payment_id: str, amount: int, on: datetime.date, reason: str) -> None:
        self.ledger.append(
            {"kind": "rejection", "date": on.isoformat(), "payment": payment_id}
            | {"reason": reason, "_order": "3"}
        )
        self.moves.append((on, amount))
        self.event("rejection", on, f"prélèvement rejeté ({reason})")

    def event(self, kind: str, on: datetime.date, note: str = "") -> None:
        self.events.append({"kind": kind, "date": on.isoformat(), "note": note})

    def _row(self, kind: str, amount: int, on: datetime.date, **cells: str) -> None:
        order = {"charge": "0", "adjustment": "1", "payment": "2"}[kind]
        self.ledger.append(
            {"kind": kind, "amount": cents(amount), "date": on.isoformat(), "_order": order} | cells
        )


def make_tenant(rng: random.Random, number: int, behaviour: str) -> dict[str, object]:
    """The attributes of one tenant (Python values; ``None`` for an attribute not given)."""
    kind = rng.random()
    if kind < 0.04:
        lease_type, housing_type = "parking", "parking"
    elif kind < 0.06:
        lease_type, housing_type = "commercial", "premises"
    elif kind < 0.11:
        lease_type, housing_type = "residence", "room"
    elif kind < 0.14:
        lease_type, housing_type = "intermediate", "apartment"
    else:
        lease_type = "social"
        housing_type = "house" if rng.random() < 0.12 else "apartment"
    company = (lease_type == "commercial" and rng.random() < 0.9) or rng.random() < 0.005
    person = not company

    new_lease = rng.random() < 0.08
    if new_lease:
        lease_start = between(rng, datetime.date(2025, 11, 20), datetime.date(2026, 10, 20))
    else:
        lease_start = between(rng, datetime.date(1998, 1, 1), datetime.date(2025, 10, 31))
    if rng.random() < 0.7:
        lease_start = lease_start.replace(day=1)
    departure = None
    roll = rng.random()
    if roll < 0.04:  # notice given, leaving soon
        departure = between(rng, AS_OF + 12 * DAY, AS_OF + 80 * DAY)
    elif roll < 0.06 and not new_lease:  # left during the year
        departure = between(rng, datetime.date(2026, 6, 1), datetime.date(2026, 10, 31))

    size = 1
    dependents = 0
    single_parent = False
    if person and lease_type in ("social", "intermediate"):
        size = rng.choices((1, 2, 3, 4, 5, 6, 7), (30, 25, 18, 14, 8, 4, 1))[0]
        if size >= 2 and rng.random() < 0.28:
            single_parent, dependents = True, size - 1
        elif size >= 3:
            dependents = size - 2
        elif size == 2 and rng.random() < 0.1:
            dependents = 1
    status = pick(rng, EMPLOYMENT) if person else None
    if status == "student" and lease_type == "social" and size > 2:
        status = "employed"
    if behaviour == "chronic" and status in ("employed", "retired") and rng.random() < 0.5:
        status = "unemployed"
    age = None
    if person and rng.random() < 0.93:
        low, high = {"student": (18, 27), "retired": (61, 96)}.get(status, (20, 66))
        age = rng.randint(low, high)
    income = None
    if person and rng.random() < 0.9:
        low, high = INCOME[status]
        income = rng.randint(low, high) * 100 + rng.choice((0, 0, 0, 50, rng.randint(0, 99)))
    if person and rng.random() < 0.1:
        status = None

    poor = income is not None and income < 1700 * 100
    housed = lease_type in ("social", "residence", "intermediate")
    apl = person and housed and rng.random() < (0.75 if poor else 0.12)
    apl_paid_to_landlord = apl and rng.random() < 0.75
    apl_amount = rng.randint(70, 330) * 100 + rng.randint(0, 99) if apl else None
    minimum_income = status in ("unemployed", "inactive") and rng.random() < 0.5

    # rent and charges, monthly, in cents, before the 1 January revision
    if lease_type == "parking":
        rent = rng.randint(30, 80) * 100
    elif lease_type == "commercial":
        rent = rng.randint(550, 1600) * 100
    elif lease_type == "residence":
        rent = rng.randint(360, 500) * 100
    elif lease_type == "intermediate":
        rent = rng.randint(640, 980) * 100
    else:
        rent = (250 + 72 * min(size, 6) + rng.randint(-40, 70)) * 100
        if housing_type == "house":
            rent += 9000
    rent += rng.randint(0, 99)
    if apl_amount is not None:
        apl_amount = min(apl_amount, rent * 7 // 10)

    deposit = 0
    if lease_type == "commercial":
        deposit = rent * 3
    elif rng.random() < 0.85:
        deposit = rent * 8 // 10

    method = pick(rng, METHODS)
    if company and method in ("cash", "card"):
        method = "transfer"
    guarantor = person and rng.random() < (0.7 if status == "student" else 0.1)
    visale = guarantor and (age or 99) < 31 and rng.random() < 0.5
    chronic = behaviour == "chronic"
    prior_orders = rng.choice((0, 0, 1, 1, 2)) if chronic else (1 if rng.random() < 0.01 else 0)
    last_order = None
    if prior_orders:
        last_order = between(rng, datetime.date(2023, 1, 1), datetime.date(2026, 9, 30))
    social_worker = rng.random() < (0.2 if minimum_income or chronic else 0.04)
    aid_report = None
    if apl and chronic and rng.random() < 0.4:
        aid_report = between(rng, datetime.date(2026, 1, 1), datetime.date(2026, 10, 15))
    ccapex = None
    if chronic and rng.random() < 0.25:
        ccapex = between(rng, datetime.date(2025, 6, 1), datetime.date(2026, 10, 1))
    has_phone = rng.random() < 0.88
    has_email = rng.random() < (0.95 if company else 0.62)

    return {
        "account_id": f"LOC{number:05d}",
        "lease_type": lease_type,
        "housing_type": housing_type,
        "lease_start": lease_start,
        "departure_date": departure,
        "departement": pick(rng, DEPARTEMENTS),
        "deposit_amount": deposit,
        "legal_entity": company,
        "income": income,
        "age": age,
        "household_size": size,
        "dependents": dependents,
        "single_parent": single_parent,
        "employment_status": status,
        "minimum_income": minimum_income,
        "vulnerable": person and rng.random() < 0.04,
        "social_worker": person and social_worker,
        "legal_representative": person and rng.random() < 0.015,
        "guarantor": guarantor,
        "visale": visale,
        "apl": apl,
        "apl_paid_to_landlord": apl_paid_to_landlord,
        "apl_amount": apl_amount,
        "apl_suspended": apl and rng.random() < (0.15 if chronic else 0.02),
        "aid_payer": ("msa" if rng.random() < 0.04 else "caf") if apl else None,
        "fsl": person and rng.random() < (0.15 if chronic else 0.03),
        "payment_method": method,
        "debit_day": rng.choice((1, 2, 5, 5)) if method == "debit" else None,
        "prior_orders": prior_orders,
        "last_order_date": last_order,
        "prior_plans": rng.choice((0, 0, 1, 2)) if chronic else 0,
        "aid_report_date": aid_report,
        "ccapex_referral_date": ccapex,
        "court_proceedings": chronic and rng.random() < 0.2,
        "over_indebtedness": rng.random() < (0.06 if chronic else 0.004),
        "dispute": rng.random() < 0.012,
        "language": pick(rng, LANGUAGES),
        "phone_mobile": f"+3363998{number % 10000:04d}" if has_phone else None,
        "email_address": f"locataire.{number:05d}@example.org" if has_email else None,
        "sms_opt_out": has_phone and rng.random() < 0.02,
        "email_opt_out": has_email and rng.random() < 0.015,
        "call_opt_out": has_phone and rng.random() < 0.01,
        # not attributes: what the ledger simulation needs
        "_rent": rent,
    }


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return flag(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


MONEY_ATTRIBUTES = ("deposit_amount", "income", "apl_amount")


def simulate(rng: random.Random, ids: Ids, tenant: dict[str, object], behaviour: str) -> Account:
    """The ledger, events and plans of one account over the twelve months before ``AS_OF``."""
    account = Account(
        str(tenant["account_id"]),
        {
            name: cents(tenant[name])
            if name in MONEY_ATTRIBUTES and tenant[name] is not None
            else cell(tenant[name])
            for name in TENANT_COLUMNS
        },
    )
    rent_2025 = int(tenant["_rent"])
    rent_2026 = rent_2025 + rent_2025 * 104 // 10000  # +1.04 % on 1 January
    method = str(tenant["payment_method"])
    lease_start = tenant["lease_start"]
    departure = tenant["departure_date"]
    apl_paid = int(tenant["apl_amount"]) if tenant["apl_paid_to_landlord"] else 0
    suspended_from = None
    if tenant["apl_suspended"]:
        suspended_from = datetime.date(2026, rng.randint(5, 10), rng.randint(6, 25))
        account.event("aid_suspended", suspended_from)
    if lease_start > datetime.date(2025, 11, 5):
        account.event("arrival", lease_start)
    if departure is not None:
        account.event("departure", departure, "préavis reçu")

    rejections = 0
    if method == "debit" and rng.random() < 0.12:
        rejections = rng.choice((1, 1, 1, 2, 3))
    rejected_months = set(rng.sample(range(12), rejections))
    overpay_month = rng.randrange(12) if rng.random() < 0.04 else None
    plan_month = None
    if behaviour in ("partial", "chronic") and rng.random() < 0.4:
        plan_month = rng.randint(4, 9)
    plan: dict[str, object] | None = None

    for month in range(12):
        due = add_months(FIRST_DUE, month)
        if due < lease_start or (departure is not None and due >= departure):
            continue
        rent = rent_2025 if due.year == 2025 else rent_2026
        charge_id = account.charge(ids, rent, due)
        aid = apl_paid if suspended_from is None or due < suspended_from else 0
        if aid:
            account.adjust(ids, aid, due, "apl")
        share = rent - aid
        mode = behaviour
        if plan is not None:
            kept = plan["kept"] or month <= int(plan["month"]) + int(plan["keeps"])
            mode = "on_time" if kept else behaviour

        # -- the rent payment(s) of the month
        if method == "debit" and mode in ("on_time", "late"):
            paid_on = due.replace(day=int(tenant["debit_day"]))
            amounts = [share]
        elif mode == "on_time":
            paid_on = due - rng.randint(0, 4) * DAY
            if method == "cheque" and rng.random() < 0.3:
                paid_on = due + rng.randint(1, 4) * DAY
            amounts = [share]
        elif mode == "late":
            paid_on = due + rng.choice((2, 3, 4, 6, 8, 10, 12, 15, 20)) * DAY
            if rng.random() < 0.33:
                paid_on = due - rng.randint(0, 3) * DAY
            amounts = [share]
        elif mode == "partial":
            paid_on = due + rng.randint(0, 10) * DAY
            amounts = [share * rng.randint(55, 90) // 100]
            if rng.random() < 0.25:  # a catch-up payment later in the month
                debt = max(0, account.balance(paid_on) - amounts[0])
                amounts.append(min(debt, share))
        else:  # chronic
            paid_on = due + rng.randint(3, 25) * DAY
            roll = rng.random()
            if roll < 0.35:
                amounts = []
            elif roll < 0.7:
                amounts = [share * rng.randint(30, 80) // 100]
            else:
                amounts = [share]
            if rng.random() < 0.12:  # a lump sum, often after a reminder
                amounts.append(share * rng.randint(10, 20) // 10)
        paid_on = max(paid_on, lease_start)
        pay_method = "transfer" if method == "debit" and mode not in ("on_time", "late") else method
        for index, amount in enumerate(amounts):
            settles = charge_id if behaviour == "chronic" and rng.random() < 0.3 else ""
            day = paid_on + index * rng.randint(5, 12) * DAY
            payment_id = account.pay(ids, amount, day, pay_method, settles)
            if payment_id and month in rejected_months and method == "debit" and index == 0:
                returned = day + rng.randint(3, 6) * DAY
                if returned <= AS_OF:
                    account.reject(payment_id, amount, returned, rng.choice(REJECTION_REASONS))
                    if rng.random() < 0.65:
                        account.pay(ids, amount, returned + rng.randint(4, 20) * DAY, "transfer")
        if month == overpay_month:
            extra = share if rng.random() < 0.5 else 5000 - share % 5000
            account.pay(ids, extra, paid_on + rng.randint(0, 3) * DAY, "transfer")

        # -- the repayment plan: signed after the month's rent, instalments on the 15th
        if month == plan_month:
            signed = due + rng.randint(8, 20) * DAY
            debt = account.balance(signed)
            if signed <= AS_OF and debt >= 10000:
                count = rng.randint(6, 12)
                plan_id = ids.next("PL", 5)
                share_of = -(-debt // count)
                keeps = rng.randint(1, 3)
                kept = rng.random() < 0.6
                cancelled = None
                rows = []
                for number in range(count):
                    instalment_due = add_months(signed.replace(day=15), number + 1)
                    amount = min(share_of, debt - share_of * number)
                    rows.append((instalment_due, amount))
                    if kept or number < keeps:
                        account.pay(
                            ids, amount, instalment_due - rng.randint(0, 2) * DAY, "transfer"
                        )
                    elif cancelled is None and rng.random() < 0.5:
                        cancelled = instalment_due + 30 * DAY
                if cancelled is not None and cancelled > AS_OF:
                    cancelled = None
                for instalment_due, amount in rows:
                    account.plans.append(
                        {
                            "plan_id": plan_id,
                            "signed_on": signed.isoformat(),
                            "due": instalment_due.isoformat(),
                            "amount": cents(amount),
                            "cancelled_on": cell(cancelled),
                        }
                    )
                account.event("plan_signed", signed)
                if cancelled is not None:
                    account.event("plan_broken", cancelled, "plan annulé")
                plan = {"month": month, "keeps": keeps, "kept": kept}

    if behaviour in ("late", "chronic") and rng.random() < 0.1:
        account.event("payment_promise", AS_OF + rng.randint(1, 10) * DAY, "promesse au téléphone")
    account.ledger.sort(key=lambda row: (row["date"], row["_order"]))
    account.events.sort(key=lambda row: row["date"])
    return account


def renumber(accounts: list[Account]) -> None:
    """Number the ledger ids in the order of the rows (accounts, then dates), as an ERP would
    have, and update the ids that payments (``settles``) and rejections (``payment``) name."""
    ids = Ids()
    renamed: dict[str, str] = {}
    for account in accounts:
        for row in account.ledger:
            if row.get("id"):
                renamed[row["id"]] = row["id"] = ids.next(row["id"][0])
    for account in accounts:
        for row in account.ledger:
            for reference in ("settles", "payment"):
                if row.get(reference):
                    row[reference] = renamed[row[reference]]


def generate(accounts: int = 300, seed: int = 2026) -> list[Account]:
    """The accounts ``LOC00001`` … in order, all drawn from one ``random.Random(seed)``."""
    rng = random.Random(seed)
    ids = Ids()
    result = []
    for number in range(1, accounts + 1):
        behaviour = pick(rng, BEHAVIOURS)
        tenant = make_tenant(rng, number, behaviour)
        result.append(simulate(rng, ids, tenant, behaviour))
    renumber(result)
    return result


def write(accounts: list[Account], out: Path) -> list[Path]:
    """The five canonical CSV files, UTF-8, ``\\n`` line ends, rows in account order."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "tenants": (TENANT_COLUMNS, [a.tenant for a in accounts]),
        "ledger": (
            LEDGER_COLUMNS,
            [r | {"account_id": a.account_id} for a in accounts for r in a.ledger],
        ),
        "events": (
            EVENT_COLUMNS,
            [r | {"account_id": a.account_id} for a in accounts for r in a.events],
        ),
        "plans": (
            PLAN_COLUMNS,
            [r | {"account_id": a.account_id} for a in accounts for r in a.plans],
        ),
        "history": (HISTORY_COLUMNS, []),
    }
    paths = []
    for name, (columns, rows) in tables.items():
        path = out / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([row.get(column, "") for column in columns] for row in rows)
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a synthetic social-housing portfolio as canonical CSV tables."
    )
    parser.add_argument("--accounts", type=int, default=300, help="number of accounts (300)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (2026)")
    parser.add_argument(
        "--out", type=Path, default=HERE / "data", help="output directory (data/ next to this file)"
    )
    args = parser.parse_args(argv)
    if args.accounts < 1:
        parser.error("--accounts must be at least 1")
    for path in write(generate(args.accounts, args.seed), args.out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
