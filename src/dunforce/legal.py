"""French rent-arrears law as data: thresholds, delays and periods, each with its source.

This module owns the legal rules dunforce derives values from (the housing-aid *impayé*, the
commandement de payer delay, prescription, the winter truce) and the date arithmetic they need.
It states rules; it never reads a ledger or an account, never reads the clock and does no I/O:
:mod:`dunforce.ledger` applies them to an account on a step date.

Research note, not legal advice. A rule flagged ``to_verify`` is encoded as the research note
(``DOMAIN.md``) states it from secondary sources and must be checked against the official text.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

import attrs

from dunforce.dsl.ast import Duration

__all__ = [
    "AID_ARREARS_RULES",
    "AID_REPORT_MONTHS",
    "LEGAL_RULES",
    "ORDER_DELAY_CHANGE",
    "PRESCRIPTION_YEARS",
    "AidArrearsRule",
    "LegalRule",
    "add_months",
    "aid_report_deadline",
    "aid_rule_on",
    "in_winter_truce",
    "legal_markdown",
    "order_delay",
    "order_expiry",
    "prescribed",
    "truce_end",
]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months, clamped to the end of a shorter month.

    The day of the month is kept when it exists (CPC 641: a delay in months ends on the day of
    the last month with the same number), else the month's last day is taken.

    >>> add_months(datetime.date(2026, 12, 31), 2)
    datetime.date(2027, 2, 28)
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# ------------------------------------------------------------------------------ housing aid


@attrs.frozen
class AidArrearsRule:
    """When unpaid rent becomes a housing-aid *impayé* (APL/AL), for the days it is in force.

    The rule is versioned by effective date: ``effective_from`` and ``effective_until`` are the
    first and last days (inclusive) it applies to, ``None`` for a rule still in force. Its
    parameters say what constitutes the impayé: a debt of at least ``rent_multiple`` times the
    monthly rent and charges (net of the aid when ``net_of_aid`` and the aid is paid to the
    landlord), or a debt above ``amount_over`` euros, or ``months_after_first_unpaid`` months
    after a first unpaid term.
    """

    effective_from: datetime.date
    effective_until: datetime.date | None
    summary: str
    source: str
    to_verify: bool
    rent_multiple: int | None = attrs.field(default=None, kw_only=True)
    net_of_aid: bool = attrs.field(default=False, kw_only=True)
    amount_over: Decimal | None = attrs.field(default=None, kw_only=True)
    months_after_first_unpaid: int | None = attrs.field(default=None, kw_only=True)
    caveat: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.effective_until is not None and self.effective_until < self.effective_from:
            raise ValueError(f"effective_until: {self.effective_until} is before effective_from")
        if self.rent_multiple is None and self.amount_over is None:
            raise ValueError("a rule needs rent_multiple or amount_over")

    def applies_on(self, day: datetime.date) -> bool:
        """Whether the rule is the one in force on ``day``."""
        return self.effective_from <= day and (
            self.effective_until is None or day <= self.effective_until
        )


#: the housing-aid impayé rule, oldest version first; the versions cover every day, without gaps
AID_ARREARS_RULES: tuple[AidArrearsRule, ...] = (
    AidArrearsRule(
        datetime.date.min,  # the rule predates its current article (CCH book VIII, 2019)
        datetime.date(2026, 12, 31),
        "The impayé is constituted when the debt is at least twice the monthly rent and "
        "charges: gross when the aid is paid to the tenant, net of the aid when it is paid to "
        "the landlord (tiers payant).",
        "CCH R824-1",
        False,
        rent_multiple=2,
        net_of_aid=True,
    ),
    AidArrearsRule(
        datetime.date(2027, 1, 1),
        None,
        "The impayé is constituted when the debt exceeds 450 €, or 3 months after a first "
        "unpaid term; the CCAPEX decides whether the aid is kept, and the aid can be redirected "
        "to the landlord.",
        "Décrets n° 2026-83 and 2026-84 of 12 February 2026 (secondary sources: "
        "lagazettedescommunes.com, previssima.fr)",
        True,
        amount_over=Decimal("450.00"),
        months_after_first_unpaid=3,
        caveat="Encoded as DOMAIN.md states it, to check against the official text: sources "
        "disagree on the 3-month trigger.",
    ),
)

#: months the landlord has to report an impayé to the CAF or MSA once it is constituted
AID_REPORT_MONTHS = 2


def aid_rule_on(day: datetime.date) -> AidArrearsRule:
    """The housing-aid impayé rule in force on ``day``.

    >>> aid_rule_on(datetime.date(2026, 12, 31)).source
    'CCH R824-1'
    >>> aid_rule_on(datetime.date(2027, 1, 1)).amount_over
    Decimal('450.00')
    """
    if isinstance(day, datetime.datetime) or not isinstance(day, datetime.date):
        raise TypeError(f"day: expected a datetime.date, not {day!r}")
    for rule in AID_ARREARS_RULES:
        if rule.applies_on(day):
            return rule
    raise LookupError(f"day: no housing-aid rule is in force on {day}")  # the rules leave no gap


def aid_report_deadline(constituted: datetime.date) -> datetime.date:
    """The last day to report an impayé constituted on ``constituted``: 2 months later.

    Not moved off weekends and holidays: the earlier day is the safe one.

    >>> aid_report_deadline(datetime.date(2026, 3, 31))
    datetime.date(2026, 5, 31)
    """
    return add_months(constituted, AID_REPORT_MONTHS)


# ------------------------------------------------------------------------------ commandement

#: leases that took effect on or after this day get the 6-week commandement delay
ORDER_DELAY_CHANGE = datetime.date(2023, 7, 29)


def order_delay(lease_start: datetime.date | None) -> Duration:
    """The delay a commandement de payer gives the tenant to pay, by the lease's start date.

    6 weeks for a lease that took effect on or after 29 July 2023, 2 months before. Without a
    start date, 2 months: the longer delay, so that no step acts before the delay is over.

    >>> order_delay(datetime.date(2023, 7, 29)), order_delay(datetime.date(2023, 7, 28))
    (Duration(amount=6, unit='w'), Duration(amount=2, unit='m'))
    """
    if lease_start is not None and lease_start >= ORDER_DELAY_CHANGE:
        return Duration(6, "w")
    return Duration(2, "m")


def order_expiry(served: datetime.date, lease_start: datetime.date | None) -> datetime.date:
    """The last day of the delay of a commandement served on ``served``.

    >>> order_expiry(datetime.date(2026, 3, 2), datetime.date(2024, 1, 1))
    datetime.date(2026, 4, 13)
    """
    delay = order_delay(lease_start)
    if delay.unit == "m":
        return add_months(served, delay.amount)
    return served + datetime.timedelta(weeks=delay.amount)


# ------------------------------------------------------------------------------ prescription

#: years after which an action under the lease is prescribed
PRESCRIPTION_YEARS = 3


def prescribed(due: datetime.date, on: datetime.date) -> bool:
    """Whether a charge due on ``due`` is prescribed on ``on``: due more than 3 years before.

    The period runs from the due date and ends at the end of its last day (29 February + 3 years
    is 28 February), so the charge is prescribed from the next day on.

    >>> prescribed(datetime.date(2023, 3, 10), datetime.date(2026, 3, 10))
    False
    >>> prescribed(datetime.date(2023, 3, 10), datetime.date(2026, 3, 11))
    True
    """
    return add_months(due, 12 * PRESCRIPTION_YEARS) < on


# ------------------------------------------------------------------------------ winter truce


def in_winter_truce(day: datetime.date) -> bool:
    """Whether ``day`` falls in the winter truce, 1 November to 31 March inclusive.

    >>> in_winter_truce(datetime.date(2026, 10, 31)), in_winter_truce(datetime.date(2026, 11, 1))
    (False, True)
    """
    return day.month >= 11 or day.month <= 3


def truce_end(day: datetime.date) -> datetime.date:
    """The first day after the winter truce that contains ``day``: the next 1 April.

    >>> truce_end(datetime.date(2026, 11, 1)), truce_end(datetime.date(2027, 3, 31))
    (datetime.date(2027, 4, 1), datetime.date(2027, 4, 1))
    """
    if not in_winter_truce(day):
        raise ValueError(f"day: {day} is not in a winter truce (1 November to 31 March)")
    return datetime.date(day.year + 1 if day.month >= 11 else day.year, 4, 1)


# ------------------------------------------------------------------------------ the list


@attrs.frozen
class LegalRule:
    """One legal rule as the documentation lists it: what it says and where it comes from."""

    name: str
    summary: str
    source: str
    to_verify: bool
    caveat: str | None = None


def _aid_rule_entry(rule: AidArrearsRule) -> LegalRule:
    start = "" if rule.effective_from == datetime.date.min else f"from {rule.effective_from}"
    end = "" if rule.effective_until is None else f"until {rule.effective_until}"
    period = " ".join(part for part in (start, end) if part)
    return LegalRule(
        f"aid_arrears ({period})",
        rule.summary,
        rule.source,
        rule.to_verify,
        rule.caveat,
    )


#: every rule dunforce encodes, for the documentation
LEGAL_RULES: tuple[LegalRule, ...] = (
    *(_aid_rule_entry(rule) for rule in AID_ARREARS_RULES),
    LegalRule(
        "aid_report_deadline",
        "The landlord reports an impayé to the CAF or MSA within 2 months of its constitution; "
        "the report counts as a CCAPEX referral, and a landlord that does not report risks a "
        "fine.",
        "CCH L824-1, R824-4; service-public.fr F32037",
        False,
        "Computed as the constitution date + 2 months, not moved off weekends and holidays.",
    ),
    LegalRule(
        "order_delay",
        "A commandement de payer gives the tenant 6 weeks to pay for a lease that took effect "
        "on or after 29 July 2023, 2 months for an earlier lease.",
        "Loi 89-462 art. 24 I, as amended by loi 2023-668 art. 10; Cass. avis 13 June 2024 "
        "n° 24-70.002",
        False,
        "Whether a lease renewed after 29 July 2023 gets 6 weeks is unsettled; without a known "
        "lease start dunforce takes 2 months, the longer delay. The expiry date is not moved "
        "off weekends and holidays (CPC 642 may extend it to the next working day).",
    ),
    LegalRule(
        "prescription",
        "Actions under the lease are prescribed after 3 years, counted from the due date of "
        "each charge.",
        "Loi 89-462 art. 7-1; Cass. 3e civ. 26 January 2017 n° 15-27.580",
        False,
        "dunforce ignores what interrupts or suspends prescription (an acknowledgement of the "
        "debt such as a signed plan or a partial payment, a court claim, an enforcement "
        "measure), so prescribed_debt is an upper bound.",
    ),
    LegalRule(
        "winter_truce",
        "No forced eviction from 1 November to 31 March inclusive; proceedings may continue.",
        "CPCE L412-6",
        False,
        "Overseas, the préfet sets a 3.5-month window that dunforce does not encode; the truce "
        "does not apply when rehousing is provided.",
    ),
)


def legal_markdown() -> str:
    """The rules of :data:`LEGAL_RULES` as a Markdown table; the same rules give the same text."""
    lines = [
        "| rule | what it says | source | to verify | caveat |",
        "|---|---|---|---|---|",
    ]
    for rule in LEGAL_RULES:
        cells = (
            f"`{rule.name}`",
            rule.summary,
            rule.source,
            "yes" if rule.to_verify else "no",
            rule.caveat or "—",
        )
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
