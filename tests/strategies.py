"""Hypothesis strategies for account states: a few months of rent with varied payers."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import strategies as st

from dunforce import (
    AccountState,
    Adjustment,
    Charge,
    Event,
    Issued,
    Payment,
    Plan,
    Rejection,
)

START = datetime.date(2026, 1, 1)


def _month(start: datetime.date, months: int, day: int) -> datetime.date:
    index = start.month - 1 + months
    return datetime.date(start.year + index // 12, index % 12 + 1, day)


@st.composite
def ledgers(draw, months: int = 6):
    rent = Decimal(draw(st.integers(300, 900)))
    due_day = draw(st.integers(1, 28))
    entries: list = []
    events: list = []
    for month in range(months):
        due = _month(START, month, due_day)
        entries.append(Charge(amount=rent, due=due, period=f"{due:%Y-%m}", id=f"c{month}"))
        behaviour = draw(st.sampled_from(["on_time", "early", "late", "partial", "none", "more"]))
        payment_id = f"p{month}"
        if behaviour == "none":
            continue
        delay = {"on_time": 0, "early": -draw(st.integers(1, 5)), "more": 0}.get(
            behaviour, draw(st.integers(1, 40))
        )
        amount = rent / 2 if behaviour == "partial" else rent + 50 if behaviour == "more" else rent
        paid_on = due + datetime.timedelta(days=delay)
        named = f"c{month}" if draw(st.integers(0, 4)) == 0 else None  # settles its own charge
        entries.append(Payment(amount=amount, on=paid_on, id=payment_id, settles=named))
        if draw(st.integers(0, 9)) == 0:  # a direct debit returned a few days later
            returned = paid_on + datetime.timedelta(days=draw(st.integers(1, 6)))
            if draw(st.booleans()):
                entries.append(Rejection(on=returned, payment=payment_id))
            else:
                entries.append(Rejection(on=returned, amount=amount))
            events.append(Event("rejection", on=returned))
            if draw(st.integers(0, 3)) == 0:  # a second event the same day
                events.append(Event("rejection", on=returned))
        if draw(st.integers(0, 7)) == 0:  # housing aid paid to the landlord
            entries.append(Adjustment(amount=rent / 4, on=due + datetime.timedelta(days=10)))
    return tuple(entries), tuple(events)


@st.composite
def states(draw, months: int = 6):
    ledger, events = draw(ledgers(months))
    attributes = {
        "apl": draw(st.booleans()),
        "fsl": draw(st.booleans()),
        "payment_method": draw(st.sampled_from(["debit", "transfer", "cheque", "cash"])),
        "household_size": draw(st.integers(1, 6)),
        "prior_orders": draw(st.integers(0, 2)),
        "lease_start": draw(st.dates(datetime.date(2012, 1, 1), datetime.date(2025, 12, 31))),
        "housing_type": draw(st.sampled_from(["apartment", "house"])),
        "departement": draw(st.sampled_from(["75", "57", "69", "971"])),
    }
    if draw(st.booleans()):
        attributes["income"] = Decimal(draw(st.integers(500, 3000)))
    # contact data: most tenants have a mobile number, some an e-mail, a few opted out
    if draw(st.integers(0, 5)) > 0:
        attributes["phone_mobile"] = "+33612345678"
    if draw(st.booleans()):
        attributes["email_address"] = "locataire@example.org"
    for opt_out in ("sms_opt_out", "email_opt_out", "call_opt_out"):
        if draw(st.integers(0, 7)) == 0:
            attributes[opt_out] = True
    if draw(st.integers(0, 7)) == 0:
        attributes["dispute"] = True
    if draw(st.integers(0, 5)) == 0:  # a departure announced for a coming day
        leaving = draw(st.dates(datetime.date(2026, 2, 1), datetime.date(2026, 9, 30)))
        events = (*events, Event("departure", on=leaving))
    plans = ()
    if draw(st.integers(0, 4)) == 0:  # a repayment plan signed during the months
        signed = draw(st.dates(datetime.date(2026, 2, 1), datetime.date(2026, 5, 31)))
        instalments = [
            (signed + datetime.timedelta(days=30 * (n + 1)), draw(st.integers(50, 200)))
            for n in range(draw(st.integers(1, 4)))
        ]
        plans = (Plan(signed_on=signed, instalments=instalments),)
    history = ()
    if draw(st.integers(0, 5)) == 0:  # an action issued earlier, with its outcome
        history = (Issued("gentle/sms:relance_1:D+2@2026-01-01", "2026-01-03", "sms", "delivered"),)
    return AccountState(
        account_id=f"A{draw(st.integers(1, 99999))}",
        attributes=attributes,
        ledger=ledger,
        events=events,
        plans=plans,
        history=history,
    )


step_dates = st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 7, 31))
