"""The built-in housing catalogue: what a French social landlord can say about a tenant.

This module owns the *names, types and meanings* of the tenant attributes a landlord supplies,
the exact definitions of the attributes dunforce derives from the ledger, and the built-in event
kinds. It only declares: it never reads data and never computes a value (derivation lives with
the account state), so the definitions below are the specification that code is tested against.

Deliberately absent: data of GDPR article 9 (health, disability, ethnic origin, religion, political
or union opinions, sexual life). A tenant who needs a gentler approach is marked ``vulnerable``
without recording why; ``language`` is the language of correspondence, never a nationality or an
origin. Landlord-specific codes (agency, building, sector) are left to the integrator, who declares
them in the scenario file with their own closed set of values.

``python -m dunforce.attributes.catalogue > docs/attributes.md`` regenerates the reference page.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from dunforce.attributes.schema import Schema
from dunforce.attributes.types import AttributeSpec, DerivedAttribute, Symbol, ValueType

__all__ = [
    "DERIVED_ATTRIBUTES",
    "EVENT_DESCRIPTIONS",
    "EVENT_KINDS",
    "HOUSING_ATTRIBUTES",
    "HOUSING_SCHEMA",
    "LEDGER_TERMS",
    "catalogue_markdown",
    "main",
]

BOOL, INT, NUMBER, MONEY, DATE, DURATION, TEXT = (
    ValueType.BOOL,
    ValueType.INT,
    ValueType.NUMBER,
    ValueType.MONEY,
    ValueType.DATE,
    ValueType.DURATION,
    ValueType.TEXT,
)

#: INSEE codes of the départements (with Corsica's 2A and 2B) and of the overseas départements and
#: collectivités where French lease law applies; the calendar maps them to public-holiday regions.
DEPARTEMENT_CODES: tuple[str, ...] = (
    *(f"{n:02d}" for n in range(1, 20)),
    "2A",
    "2B",
    *(f"{n:02d}" for n in range(21, 96)),
    *(str(n) for n in range(971, 979)),
)

_ZERO = Decimal("0.00")

# Grouped by theme; the order is the order of the reference page.
HOUSING_ATTRIBUTES: tuple[AttributeSpec, ...] = (
    # -- lease and dwelling -------------------------------------------------------------------
    AttributeSpec(
        "lease_type",
        TEXT,
        "Legal regime of the lease: a conventioned social dwelling, an intermediate-rent "
        "dwelling, a room or unit in a résidence sociale or logement-foyer, a commercial lease, "
        "a parking lease, or another regime.",
        allowed=("social", "intermediate", "residence", "commercial", "parking", "other"),
        default="social",
    ),
    AttributeSpec(
        "housing_type",
        TEXT,
        "Kind of rented unit: an apartment, a house, a room, business premises, or a parking "
        "space or garage.",
        allowed=("apartment", "house", "room", "premises", "parking"),
    ),
    AttributeSpec(
        "lease_start",
        DATE,
        "Date the current lease took effect, which also sets the commandement de payer delay "
        "(six weeks for leases from 2023-07-29, two months before).",
    ),
    AttributeSpec(
        "departure_date",
        DATE,
        "Planned move-out date stated in the tenant's notice to leave; not set while no notice "
        "has been given.",
        optional=True,
    ),
    AttributeSpec(
        "departement",
        TEXT,
        'INSEE code of the département where the dwelling lies ("75", "2A", "57", '
        '"971"), which selects the public holidays (Alsace-Moselle, overseas) and time zone.',
        allowed=DEPARTEMENT_CODES,
    ),
    AttributeSpec(
        "deposit_amount",
        MONEY,
        "Security deposit (dépôt de garantie) the landlord holds for the lease, 0 when none is "
        "held.",
        unit="EUR",
        default=_ZERO,
    ),
    AttributeSpec(
        "legal_entity",
        BOOL,
        "Whether the tenant is a company or an association (commercial lease, rental "
        "intermediation) rather than a natural person.",
        default=False,
    ),
    # -- household and resources --------------------------------------------------------------
    AttributeSpec(
        "income",
        MONEY,
        "Monthly net resources of the whole household as last declared to the landlord; not set "
        "when unknown.",
        optional=True,
        unit="EUR",
    ),
    AttributeSpec(
        "age",
        INT,
        "Age in whole years of the main lease holder on the date of the landlord's export; not "
        "set when the birth date is unknown.",
        optional=True,
        unit="years",
    ),
    AttributeSpec(
        "household_size",
        INT,
        "Number of persons living in the dwelling, lease holders included.",
        unit="persons",
    ),
    AttributeSpec(
        "dependents",
        INT,
        "Number of dependants (personnes à charge, mostly children) declared for the household.",
        unit="persons",
        default=0,
    ),
    AttributeSpec(
        "single_parent",
        BOOL,
        "Whether the household is a single adult living with one or more dependent children.",
        default=False,
    ),
    AttributeSpec(
        "employment_status",
        TEXT,
        'Occupational situation of the main lease holder ("fixed_term" covers fixed-term and '
        "temporary-agency work); not set when unknown.",
        optional=True,
        allowed=(
            "employed",
            "fixed_term",
            "self_employed",
            "unemployed",
            "retired",
            "student",
            "inactive",
        ),
    ),
    AttributeSpec(
        "minimum_income",
        BOOL,
        "Whether the household receives a minimum-income benefit (RSA or ASS); disability "
        "benefits are deliberately not recorded.",
        default=False,
    ),
    AttributeSpec(
        "vulnerable",
        BOOL,
        "Whether the landlord's social team flagged the household as needing a cautious approach, "
        "without recording the reason.",
        default=False,
    ),
    AttributeSpec(
        "social_worker",
        BOOL,
        "Whether a social worker (CESF, CCAS or departmental social services) follows the "
        "household, kept as a flag because scenarios only need to know whether to involve one "
        "and the worker's identity stays in the landlord's records.",
        default=False,
    ),
    AttributeSpec(
        "legal_representative",
        BOOL,
        "Whether a court-appointed representative (tutelle, curatelle or mandataire judiciaire) "
        "acts for the tenant, so that correspondence goes through them; the cause is never "
        "recorded.",
        default=False,
    ),
    # -- guarantee ----------------------------------------------------------------------------
    AttributeSpec(
        "guarantor",
        BOOL,
        "Whether a third party guarantees the lease, either a personal guarantor (caution) or the "
        "Visale guarantee.",
        default=False,
    ),
    AttributeSpec(
        "visale",
        BOOL,
        "Whether the guarantee is Action Logement's Visale, which has its own declaration "
        "deadlines for unpaid rent.",
        default=False,
    ),
    # -- housing aid and solidarity funds -----------------------------------------------------
    AttributeSpec(
        "apl",
        BOOL,
        "Whether the household receives personal housing aid (APL, ALF or ALS) for this dwelling.",
        default=False,
    ),
    AttributeSpec(
        "apl_paid_to_landlord",
        BOOL,
        "Whether the housing aid is paid directly to the landlord (tiers payant) and credited to "
        "the account, rather than to the tenant.",
        default=False,
    ),
    AttributeSpec(
        "apl_amount",
        MONEY,
        "Monthly amount of the housing aid; not set when the household receives none or the "
        "amount is unknown.",
        optional=True,
        unit="EUR",
    ),
    AttributeSpec(
        "apl_suspended",
        BOOL,
        "Whether the paying body has suspended the housing aid, for example after an unpaid-rent "
        "report.",
        default=False,
    ),
    AttributeSpec(
        "aid_payer",
        TEXT,
        "Body that pays the housing aid and receives unpaid-rent reports: the CAF, or the MSA for "
        "the agricultural scheme; not set when the household receives no aid.",
        optional=True,
        allowed=("caf", "msa"),
    ),
    AttributeSpec(
        "fsl",
        BOOL,
        "Whether the département's Fonds de solidarité pour le logement (FSL) has granted help "
        "for this lease.",
        default=False,
    ),
    # -- payment ------------------------------------------------------------------------------
    AttributeSpec(
        "payment_method",
        TEXT,
        "How the tenant usually pays the rent: direct debit (prélèvement), bank transfer, cheque, "
        "cash or payment card.",
        allowed=("debit", "transfer", "cheque", "cash", "card"),
    ),
    AttributeSpec(
        "debit_day",
        INT,
        "Day of the month (1 to 31) on which the direct debit is taken; not set unless "
        'payment_method is "debit".',
        optional=True,
        unit="day of month",
    ),
    # -- recovery and legal history -----------------------------------------------------------
    AttributeSpec(
        "prior_orders",
        INT,
        "Number of commandements de payer served on the tenant under the current lease.",
        default=0,
    ),
    AttributeSpec(
        "last_order_date",
        DATE,
        "Date the latest commandement de payer was served under the current lease; not set when "
        "none was.",
        optional=True,
    ),
    AttributeSpec(
        "prior_plans",
        INT,
        "Number of repayment plans (plans d'apurement) agreed under the current lease before "
        "today, whether completed or broken.",
        default=0,
    ),
    AttributeSpec(
        "aid_report_date",
        DATE,
        "Date the unpaid rent was last reported to the CAF or MSA (signalement d'impayé), which "
        "also counts as a CCAPEX referral; not set when it never was.",
        optional=True,
    ),
    AttributeSpec(
        "ccapex_referral_date",
        DATE,
        "Date the case was referred to the département's CCAPEX, from which a corporate landlord "
        "must wait two months before an assignation; not set when it never was.",
        optional=True,
    ),
    AttributeSpec(
        "court_proceedings",
        BOOL,
        "Whether a debt-recovery or eviction proceeding against the tenant is pending before the "
        "court or awaiting execution of its judgment.",
        default=False,
    ),
    AttributeSpec(
        "over_indebtedness",
        BOOL,
        "Whether a surendettement file for the tenant is open before the Banque de France "
        "commission, which suspends enforcement.",
        default=False,
    ),
    AttributeSpec(
        "dispute",
        BOOL,
        "Whether the tenant currently contests the debt or one of its charges (complaint, "
        "mediation or court challenge in progress).",
        default=False,
    ),
    # -- contact and consent ------------------------------------------------------------------
    AttributeSpec(
        "language",
        TEXT,
        "Language in which the tenant asked to receive correspondence, as an ISO 639-1 code, "
        '"other" when no template exists in that language.',
        allowed=("fr", "en", "ar", "es", "pt", "tr", "ro", "other"),
        default="fr",
    ),
    AttributeSpec(
        "phone_mobile",
        TEXT,
        'Mobile phone number in E.164 form ("+33612345678"), used for text messages and calls; '
        "not set when unknown.",
        optional=True,
    ),
    AttributeSpec(
        "email_address",
        TEXT,
        "E-mail address for correspondence; not set when unknown.",
        optional=True,
    ),
    AttributeSpec(
        "sms_opt_out",
        BOOL,
        "Whether the tenant objected to receiving text messages about the account.",
        default=False,
    ),
    AttributeSpec(
        "email_opt_out",
        BOOL,
        "Whether the tenant objected to receiving e-mails about the account.",
        default=False,
    ),
    AttributeSpec(
        "call_opt_out",
        BOOL,
        "Whether the tenant objected to being phoned about the account.",
        default=False,
    ),
)

#: Terms the derived definitions rely on; they are part of the specification.
LEDGER_TERMS: Mapping[str, str] = MappingProxyType(
    {
        "step date": (
            "The date the step function is called for. Derived attributes ignore the payments, "
            "rejections, adjustments, events and plan records dated after it; they read charges "
            "whatever their due date, since a landlord issues them ahead."
        ),
        "due, overdue": (
            "A charge is due on day d when its due date is on or before d, and overdue on d when "
            "its due date is strictly before d; a payment made on the due date is on time."
        ),
        "rejection": (
            "A ledger entry returning one payment: the payment it names, otherwise the latest "
            "payment dated on or before it with the same amount that no other rejection returns. "
            "A rejection that returns no payment counts as a charge due on its own date. A "
            "`rejection` event on a day with no rejection entry counts as a rejection for "
            "`rejections_90d` and `rejections_12m` only and changes no amount."
        ),
        "effective payment": (
            "On day d, a payment dated on or before d that no rejection dated on or before d "
            "returns. Adjustments (credit notes, housing aid paid to the landlord) are not "
            "payments."
        ),
        "allocation": (
            "On day d, the effective payments and the adjustments dated on or before d are taken "
            "in date order (ledger order within a day). Each settles first the charge it names, "
            "up to that charge's unsettled part, then all the charges of the ledger, due or not, "
            "oldest due date first (ledger order within a day); what remains is credit. A "
            "charge's unsettled part on day d is its amount minus what the allocation on day d "
            "gives it, so a rejection re-opens what its payment had settled."
        ),
        "overdue amount": (
            "On day d, the sum of the unsettled parts on day d of the charges overdue on d; 0 "
            "when none."
        ),
        "case threshold": (
            "The amount the overdue amount must exceed for a case to open: 0 € unless the "
            "integrator sets another."
        ),
        "case": (
            "A late episode: a maximal run of consecutive days, from the earliest ledger date to "
            "the step date, on which the overdue amount is above the case threshold. It opens on "
            "the first day of the run and closes on the first later day on which the overdue "
            "amount is at or below the threshold; the open case is the run that includes the "
            "step date."
        ),
        "anchor D": (
            "For a case, the due date of the oldest charge that is overdue and has a positive "
            "unsettled part on the day the case opened; it does not move afterwards, whatever "
            "is paid."
        ),
        "plan": (
            "A repayment plan record: a signing date, instalments (each a due date and an "
            "amount) and an optional cancellation date."
        ),
        "plan in force": (
            "On day d, the latest-signed plan (plan order within a day) signed on or before d, "
            "not cancelled on or before d, and not completed; a plan is completed on the first "
            "day after its signing on which the overdue amount is 0."
        ),
        "plan target": (
            "On day d, the sum of the plan's instalments due on or after d: the part of the "
            "plan still to be repaid according to its schedule."
        ),
        "broken plan": (
            "A plan is broken on day d when, for one of its instalments due on a day e with "
            "signing date <= e < d, the overdue amount on day e + 1 was above the plan target "
            "on day e + 1, that is the tenant did not keep up with both the instalments and "
            "the current rent."
        ),
        "months": (
            "A date plus n months is the same day of the month n months later, or the last day "
            "of that month when it is shorter (31 December + 2 months is 28 or 29 February); "
            "plus n years is plus 12 n months."
        ),
        "monthly amount": (
            "On day d, monthly_rent read with d as the step date, minus apl_amount (0 when not "
            "set) when apl_paid_to_landlord is true, and 0 when that difference is negative: the "
            "rent and charges gross of the housing aid when the aid is paid to the tenant, net "
            "of it when it is paid to the landlord."
        ),
        "impayé rule": (
            "The rule that makes unpaid rent a housing-aid impayé, taken in the version in force "
            "on the step date (dunforce.legal.AID_ARREARS_RULES). Until 2026-12-31 (CCH R824-1) "
            "it holds on day d when the overdue amount on d is at least twice the monthly amount "
            "on d. From 2027-01-01 (décrets 2026-83 and 2026-84, encoded as the research note "
            "states them and still to verify) it holds on day d when the overdue amount on d is "
            "above 450 €, or when d is on or after D + 3 months, D being the anchor of the open "
            "case. The version in force on the step date judges every day of the case, earlier "
            "days included. It applies whether or not the household receives housing aid "
            "(apl): the scenario decides whether to read it."
        ),
        "history entry": (
            "An issued action of the account's history whose emitted_on is on or before the step "
            "date; later ones are ignored. Its channel is the one recorded, otherwise the part of "
            "its key after the first `/` and before the next `:`. Its outcome, when recorded, is "
            "one of delivered, failed, bounced, reached, not_reached and promise_to_pay, and it "
            "is dated by emitted_on, since the history keeps no date for the outcome. The latest "
            "of some entries is the one with the latest emitted_on, the later in history order "
            "within a day."
        ),
    }
)

DERIVED_ATTRIBUTES: tuple[DerivedAttribute, ...] = (
    # -- amounts ------------------------------------------------------------------------------
    DerivedAttribute(
        "balance",
        MONEY,
        "The sum of the charges due on or before the step date, minus the payments dated on or "
        "before it, plus the rejections dated on or before it, minus the adjustments dated on or "
        "before it; positive when the tenant owes, negative when the tenant has paid ahead.",
        unit="EUR",
    ),
    DerivedAttribute(
        "debt",
        MONEY,
        "The overdue amount on the step date: the sum, over charges whose due date is strictly "
        "before the step date, of the part not yet settled by the effective payments and the "
        "adjustments allocated oldest-first (a payment naming a charge settles it first); 0 when "
        "none.",
        unit="EUR",
    ),
    DerivedAttribute(
        "credit",
        MONEY,
        "The amount paid ahead: minus the balance when the balance is negative, 0 otherwise.",
        unit="EUR",
    ),
    DerivedAttribute(
        "monthly_rent",
        MONEY,
        "The sum of the amounts of the rent charges (the charges that carry a period, or all "
        "charges when none carries one) whose due date is the latest due date of a rent charge "
        "on or before the step date; when no rent charge is due yet, the same sum for the "
        "earliest due date after the step date; 0 when the ledger has no charge. Housing aid "
        "paid to the landlord is an adjustment, so this is the gross rent.",
        unit="EUR",
    ),
    DerivedAttribute(
        "debt_months",
        NUMBER,
        "The debt divided by monthly_rent, as an exact decimal without rounding; 0 when "
        "monthly_rent is 0.",
        unit="months",
    ),
    DerivedAttribute(
        "unpaid_terms",
        INT,
        "The number of charges overdue on the step date whose unsettled part is above 0.",
    ),
    # -- cases --------------------------------------------------------------------------------
    DerivedAttribute(
        "in_case",
        BOOL,
        "True when a case is open on the step date, that is when the overdue amount on the step "
        "date is above the case threshold.",
    ),
    DerivedAttribute(
        "case_anchor",
        DATE,
        "The anchor D of the open case: the due date of the oldest charge overdue and not fully "
        "settled on the day the case opened; not set without an open case.",
        optional=True,
    ),
    DerivedAttribute(
        "case_open_date",
        DATE,
        "The day the open case opened: the first day of the current run of days on which the "
        "overdue amount is above the case threshold; not set without an open case.",
        optional=True,
    ),
    DerivedAttribute(
        "days_late",
        INT,
        "The number of days from the anchor D of the open case to the step date (step date "
        "minus D); 0 without an open case.",
        unit="days",
    ),
    DerivedAttribute(
        "first_late",
        BOOL,
        "True when a case is open and no other case opened on a day d with O - 365 <= d < O, "
        "where O is the day the open case opened; false without an open case.",
    ),
    DerivedAttribute(
        "late_episodes_12m",
        INT,
        "The number of cases that opened on a day d with T - 365 < d <= T, where T is the step "
        "date, the open case included; 0 when none.",
    ),
    # -- payments and rejections --------------------------------------------------------------
    DerivedAttribute(
        "rejections_90d",
        INT,
        "The number of rejections dated on a day d with T - 90 < d <= T, where T is the step date.",
    ),
    DerivedAttribute(
        "rejections_12m",
        INT,
        "The number of rejections dated on a day d with T - 365 < d <= T, where T is the step "
        "date.",
    ),
    DerivedAttribute(
        "last_payment_days",
        INT,
        "The number of days from the date of the latest payment that is effective on the step "
        "date to the step date (0 when it is dated on the step date); not set when there is "
        "none.",
        optional=True,
        unit="days",
    ),
    DerivedAttribute(
        "last_payment_amount",
        MONEY,
        "The sum of the payments effective on the step date that are dated on the same day as "
        "the latest of them; not set when there is none.",
        optional=True,
        unit="EUR",
    ),
    DerivedAttribute(
        "next_due_date",
        DATE,
        "The earliest due date, on or after the step date, of a charge of the ledger; not set "
        "when no charge falls due on or after the step date.",
        optional=True,
    ),
    DerivedAttribute(
        "next_due_amount",
        MONEY,
        "The sum of the unsettled parts, under the allocation on the step date, of the charges "
        "due on next_due_date (0 when credit already covers them); not set when next_due_date "
        "is not set.",
        optional=True,
        unit="EUR",
    ),
    # -- repayment plans ----------------------------------------------------------------------
    DerivedAttribute(
        "plan_active",
        BOOL,
        "True when a repayment plan is in force on the step date, whether or not it is broken.",
    ),
    DerivedAttribute(
        "plan_broken",
        BOOL,
        "True when the plan in force on the step date is broken on the step date; false when no "
        "plan is in force.",
    ),
    DerivedAttribute(
        "plan_remaining",
        MONEY,
        "The plan target on the step date of the plan in force, that is the sum of its "
        "instalments due on or after the step date; 0 when no plan is in force.",
        unit="EUR",
    ),
    # -- housing aid and legal delays ---------------------------------------------------------
    DerivedAttribute(
        "aid_arrears",
        BOOL,
        "True when a case is open on the step date and the impayé rule holds on the step date: "
        "until 2026-12-31, the debt is at least twice the monthly amount on the step date; from "
        "2027-01-01, the debt is above 450 € or the step date is on or after D + 3 months. False "
        "without an open case.",
    ),
    DerivedAttribute(
        "aid_arrears_date",
        DATE,
        "The day the housing-aid impayé was constituted in the open case: the first day d with "
        "case_open_date <= d <= the step date on which the impayé rule holds (from 2027-01-01, "
        "the earlier of the first such day with a debt above 450 € and D + 3 months, or "
        "case_open_date when that is later). It stays set while the case stays open, even when "
        "the debt falls back below the threshold; not set without an open case or when the rule "
        "has not held in it.",
        optional=True,
    ),
    DerivedAttribute(
        "aid_report_deadline",
        DATE,
        "The last day to report the impayé to the CAF or MSA: aid_arrears_date + 2 months (CCH "
        "R824-4), not moved off weekends and holidays; not set when aid_arrears_date is not.",
        optional=True,
    ),
    DerivedAttribute(
        "order_delay",
        DURATION,
        "The delay a commandement de payer gives the tenant (loi 89-462 art. 24 I): 6 weeks when "
        "lease_start is 2023-07-29 or later, 2 months when it is earlier or not given (the longer "
        "delay). A duration in weeks and one in months cannot be compared.",
    ),
    DerivedAttribute(
        "order_expiry_date",
        DATE,
        "The last day of the delay of the latest commandement: last_order_date + order_delay (6 "
        "weeks are 42 days), not moved off weekends and holidays; not set when last_order_date is "
        "not set.",
        optional=True,
    ),
    DerivedAttribute(
        "prescribed_debt",
        MONEY,
        "The sum of the unsettled parts, under the allocation on the step date, of the charges "
        "due on a day d such that d + 3 years is before the step date (loi 89-462 art. 7-1); 0 "
        "when none. What interrupts prescription (an acknowledgement of the debt, a court claim) "
        "is ignored, so this is an upper bound.",
        unit="EUR",
    ),
    DerivedAttribute(
        "recoverable_debt",
        MONEY,
        "The debt minus prescribed_debt: the overdue amount of the charges not prescribed.",
        unit="EUR",
    ),
    # -- contact history ----------------------------------------------------------------------
    DerivedAttribute(
        "last_call_unreached",
        BOOL,
        "True when the latest history entry with channel call and a recorded outcome has the "
        "outcome not_reached; false when there is no such entry.",
    ),
    DerivedAttribute(
        "last_contact_days",
        INT,
        "The number of days from the emitted_on of the latest history entry with outcome "
        "delivered, reached or promise_to_pay to the step date; not set when there is none.",
        optional=True,
        unit="days",
    ),
    DerivedAttribute(
        "promise_to_pay_days",
        INT,
        "The number of days from the emitted_on of the latest history entry with outcome "
        "promise_to_pay to the step date; not set when there is none.",
        optional=True,
        unit="days",
    ),
    DerivedAttribute(
        "failed_contacts_30d",
        INT,
        "The number of history entries with emitted_on on a day d with T - 30 < d <= T, where T "
        "is the step date, whose outcome is failed, bounced or not_reached.",
    ),
)

#: Built-in event kinds for ``on EVENT:`` blocks; ``E`` is the event's date.
EVENT_DESCRIPTIONS: Mapping[str, str] = MappingProxyType(
    {
        "rejection": (
            "A direct debit or transfer was returned unpaid by the bank; E is the date the "
            "landlord learnt of the return."
        ),
        "departure": (
            "The tenant gave notice to leave; E is the planned move-out date, so that a step at "
            "E-30 falls before the move-out."
        ),
        "arrival": "A new lease starts on the account; E is the lease's start date.",
        "plan_signed": "A repayment plan (plan d'apurement) was signed; E is the signing date.",
        "plan_broken": (
            "The landlord recorded that the tenant failed a repayment plan, a decision that the "
            "derived attribute plan_broken only infers from the ledger; E is the date recorded."
        ),
        "dispute": (
            "The tenant contested the debt or a charge (complaint, mediation or court challenge); "
            "E is the date the contest was received."
        ),
        "payment_promise": (
            "The tenant promised to pay by a given date (promesse de paiement); E is the "
            "promised date, so that a step at E+1 checks the promise."
        ),
        "aid_suspended": (
            "The CAF or MSA suspended the tenant's housing aid; E is the date the suspension "
            "takes effect."
        ),
        "over_indebtedness": (
            "The Banque de France commission declared a surendettement file of the tenant "
            "admissible; E is the date of that decision."
        ),
    }
)

EVENT_KINDS: frozenset[str] = frozenset(EVENT_DESCRIPTIONS)

HOUSING_SCHEMA = Schema([*HOUSING_ATTRIBUTES, *DERIVED_ATTRIBUTES], events=EVENT_KINDS)


# -- reference page ---------------------------------------------------------------------------

#: closed sets longer than this are listed under the table rather than inside it
_LONG_SET = 12


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _literal(value: object) -> str:
    """A value written as a scenario-file literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value} €"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _type(symbol: Symbol) -> str:
    return f"{symbol.type} ({symbol.unit})" if symbol.unit else str(symbol.type)


def catalogue_markdown(schema: Schema = HOUSING_SCHEMA) -> str:
    """The Markdown reference page of ``schema``; the same schema always gives the same text."""
    lines = [
        "# Attribute catalogue",
        "",
        "<!-- Generated by `python -m dunforce.attributes.catalogue > docs/attributes.md`; "
        "do not edit. -->",
        "",
        "Scenario files describe tenants with **attributes**. The landlord supplies the "
        "*supplied* attributes in its tenant table; dunforce computes the *derived* ones from "
        "the ledger, the repayment plans and the events at the step date, and they are "
        "read-only. An optional attribute may be missing, so a scenario must test it with "
        "`is set` before using it; a missing attribute that has a default takes the default. "
        "Money is in euros and exact. Health, disability and other data of GDPR article 9 are "
        "deliberately absent.",
        "",
        "## Supplied attributes",
        "",
        "| name | type | optional | default | allowed values | description |",
        "|---|---|---|---|---|---|",
    ]
    long_sets: list[tuple[str, tuple[str, ...]]] = []
    for spec in schema.attributes:
        if spec.allowed is None:
            allowed = "—"
        elif len(spec.allowed) > _LONG_SET:
            allowed = f"{len(spec.allowed)} values, listed below"
            long_sets.append((spec.name, spec.allowed))
        else:
            allowed = ", ".join(_literal(v) for v in spec.allowed)
        default = "—" if spec.default is None else _literal(spec.default)
        row = (
            f"`{spec.name}`",
            _type(spec),
            "yes" if spec.optional else "no",
            default,
            allowed,
            spec.description,
        )
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    for name, values in long_sets:
        lines += ["", f"Allowed values of `{name}`: " + ", ".join(f"`{v}`" for v in values) + "."]

    lines += [
        "",
        "## Derived attributes",
        "",
        "The definitions use these terms.",
        "",
    ]
    lines += [f"- **{term}**: {meaning}" for term, meaning in LEDGER_TERMS.items()]
    lines += [
        "",
        "| name | type | optional | definition |",
        "|---|---|---|---|",
    ]
    for derived in schema.derived:
        row = (
            f"`{derived.name}`",
            _type(derived),
            "yes" if derived.optional else "no",
            derived.definition,
        )
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")

    lines += [
        "",
        "## Event kinds",
        "",
        "An `on KIND:` block runs its steps relative to the event's date `E`.",
        "",
        "| kind | description |",
        "|---|---|",
    ]
    for kind in sorted(schema.events):
        description = EVENT_DESCRIPTIONS.get(kind, "Declared by the integrator.")
        lines.append(f"| `{kind}` | {_cell(description)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Write the reference page of the housing catalogue to standard output, in UTF-8."""
    text = catalogue_markdown()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream, e.g. io.StringIO
        sys.stdout.write(text)
    else:
        sys.stdout.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()


if __name__ == "__main__":
    main()
