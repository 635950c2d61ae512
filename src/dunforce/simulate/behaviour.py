"""The payment-behaviour model of a simulation: who pays, when, how much, and what a contact does.

A simulation needs tenants who react. This module says how, with a few documented numbers and no
claim to be calibrated on any landlord: each account belongs to a *segment* (on time, late,
partial, chronic) read from its past ledger; a segment sets the chance of paying a rent term on
its due date, the daily chance of paying what is overdue, the share of the debt a payment covers
and the chance that a direct debit comes back unpaid; a contact adds to the daily chance for the
days after it, more for a call that reached the tenant and most for a promise to pay.

It only describes and decides: the day loop (:mod:`dunforce.simulate.loop`) applies it, and every
random number it uses comes from :mod:`dunforce.simulate.draws`. Rates are floats; amounts stay
integer cents.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from dunforce.ledger import analyse
from dunforce.state import AccountState

__all__ = ["SEGMENTS", "PaymentBehaviour", "infer_segment"]

#: the behaviour segments, from the most to the least reliable payer
SEGMENTS: tuple[str, ...] = ("on_time", "late", "partial", "chronic")

_ENDLESS = datetime.date.max.toordinal() + 1

#: outcomes after which a contact counts as made (the others failed to reach the tenant)
_REACHED = frozenset({"delivered", "reached", "promise_to_pay"})


def _rate(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{name}: expected a probability between 0 and 1, not {value!r}")
    return float(value)


def _per_segment(name: str):
    def convert(value: object) -> Mapping[str, float]:
        if not isinstance(value, Mapping):
            raise TypeError(f"{name}: expected a mapping of segment to rate, not {value!r}")
        missing = [s for s in SEGMENTS if s not in value]
        unknown = [s for s in value if s not in SEGMENTS]
        if missing or unknown:
            raise ValueError(
                f"{name}: give a rate for each segment ({', '.join(SEGMENTS)}); "
                + (f"missing {', '.join(missing)}" if missing else f"unknown {unknown[0]!r}")
            )
        return MappingProxyType({s: _rate(f"{name}[{s!r}]", value[s]) for s in SEGMENTS})

    return convert


def _per_channel(name: str, *, probability: bool = True):
    def convert(value: object) -> Mapping[str, float]:
        if not isinstance(value, Mapping):
            raise TypeError(f"{name}: expected a mapping of channel to rate, not {value!r}")
        result = {}
        for key, rate in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{name}: keys are channel names, not {key!r}")
            if probability:
                result[key] = _rate(f"{name}[{key!r}]", rate)
            elif isinstance(rate, bool) or not isinstance(rate, int | float) or rate < 0:
                raise ValueError(f"{name}[{key!r}]: expected a number >= 0, not {rate!r}")
            else:
                result[key] = float(rate)
        return MappingProxyType(result)

    return convert


def _positive(name: str):
    def check(instance, attribute, value) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ValueError(f"{name}: expected a number > 0, not {value!r}")

    return check


def _whole(name: str, low: int):
    def check(instance, attribute, value) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name}: expected a whole number >= {low}, not {value!r}")

    return check


def _probability(name: str):
    def check(instance, attribute, value) -> None:
        _rate(name, value)

    return check


@attrs.frozen
class PaymentBehaviour:
    """How simulated tenants pay and react to contacts (see ``docs/simulation.md``).

    Every rate per segment is a mapping with one entry for each of :data:`SEGMENTS`; every rate
    per channel is a mapping from channel name to rate, where a channel not named gets the
    ``default`` entry when there is one, else 0.
    """

    #: the chance that a tenant who does not pay by direct debit pays on a term's due date
    #: (the whole balance times ``share``), so that no case opens
    on_time: Mapping[str, float] = attrs.field(
        default={"on_time": 0.93, "late": 0.35, "partial": 0.5, "chronic": 0.15},
        converter=_per_segment("on_time"),
    )
    #: the chance, each day something is overdue, of a payment (before contacts add to it)
    daily: Mapping[str, float] = attrs.field(
        default={"on_time": 0.3, "late": 0.1, "partial": 0.05, "chronic": 0.02},
        converter=_per_segment("daily"),
    )
    #: the share of what the account owes that a payment covers (rounded down to the cent; a
    #: payment is never less than 1 cent)
    share: Mapping[str, float] = attrs.field(
        default={"on_time": 1.0, "late": 1.0, "partial": 0.7, "chronic": 0.5},
        converter=_per_segment("share"),
    )
    #: the chance that a direct debit comes back unpaid, ``rejection_delay_days`` later
    rejection: Mapping[str, float] = attrs.field(
        default={"on_time": 0.01, "late": 0.04, "partial": 0.08, "chronic": 0.15},
        converter=_per_segment("rejection"),
    )
    #: days between a direct debit and its rejection by the bank
    rejection_delay_days: int = attrs.field(default=4, validator=_whole("rejection_delay_days", 1))
    #: what a contact adds to the daily chance of paying on the day after it; a message counts
    #: when delivered, a call or a visit when it reached the tenant, a channel that does not
    #: reach the tenant (a CAF report, a bailiff hand-off, a task) when issued; ``promise_to_pay``
    #: is added on top when a conversation ends in a promise
    uplift: Mapping[str, float] = attrs.field(
        default={
            "sms": 0.04,
            "email": 0.02,
            "letter": 0.05,
            "call": 0.12,
            "visit": 0.15,
            "plan": 0.1,
            "bailiff": 0.2,
            "caf": 0.0,
            "task": 0.0,
            "promise_to_pay": 0.35,
        },
        converter=_per_channel("uplift", probability=False),
    )
    #: days for a contact's uplift to fall to half: it is ``uplift * 0.5 ** ((d - c - 1) / h)``
    #: on day ``d`` after a contact on day ``c``
    uplift_half_life_days: float = attrs.field(
        default=7.0, validator=_positive("uplift_half_life_days")
    )
    #: the chance that a message reaches the tenant: ``delivered``, else ``bounced`` for an
    #: e-mail and ``failed`` for the rest
    delivered: Mapping[str, float] = attrs.field(
        default={"sms": 0.95, "email": 0.9, "letter": 0.97, "default": 0.95},
        converter=_per_channel("delivered"),
    )
    #: the chance that a call, a visit or a plan proposal reaches the tenant (``reached``, else
    #: ``not_reached``)
    reached: Mapping[str, float] = attrs.field(
        default={"call": 0.45, "visit": 0.6, "plan": 0.7, "default": 0.5},
        converter=_per_channel("reached"),
    )
    #: the chance that a conversation that reached the tenant ends in a ``promise_to_pay``
    promise: Mapping[str, float] = attrs.field(
        default={"call": 0.35, "visit": 0.45, "plan": 0.5, "default": 0.3},
        converter=_per_channel("promise"),
    )
    #: the highest daily chance of paying, whatever the contacts
    max_daily: float = attrs.field(default=0.95, validator=_probability("max_daily"))
    #: the chance that a payment is rounded up to the next 10 € above what is owed (credit);
    #: at 0, no simulated payment is ever more than the account owes
    overpayment: float = attrs.field(default=0.0, validator=_probability("overpayment"))
    #: repeat the last rent charge every month up to the end of the simulation (with the
    #: housing-aid adjustments of its due date), for accounts still renting
    extend_rent: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))
    #: the segment of an account without a rent term in the year before the simulation
    default_segment: str = attrs.field(default="on_time")
    #: segment inference: a share of the year's terms still unpaid the day after their due date
    #: at or above which an account is not ``on_time``
    late_terms: float = attrs.field(default=0.2, validator=_probability("late_terms"))
    #: segment inference: a share of the year's terms still unpaid 30 days after their due date
    #: at or above which a late payer is ``partial`` (or ``chronic``)
    unpaid_terms: float = attrs.field(default=0.25, validator=_probability("unpaid_terms"))
    #: segment inference: the share of the year's charges paid (payments and housing aid, net
    #: of rejections) below which a partial payer is ``chronic``
    chronic_paid: float = attrs.field(default=0.8, validator=_probability("chronic_paid"))

    def __attrs_post_init__(self) -> None:
        if self.default_segment not in SEGMENTS:
            raise ValueError(
                f"default_segment: {self.default_segment!r} is not one of {', '.join(SEGMENTS)}"
            )

    # ----- what the loop asks
    def uplift_of(self, channel: str, outcome: str | None) -> float:
        """What one issued action adds to the daily chance of paying, from the next day on."""
        if outcome is not None and outcome not in _REACHED:
            return 0.0
        value = self.uplift.get(channel, self.uplift.get("default", 0.0))
        if outcome == "promise_to_pay":
            value += self.uplift.get("promise_to_pay", 0.0)
        return value

    def outcome_of(self, outcomes: tuple[str, ...], channel: str, first: float, second: float):
        """The outcome of an action on ``channel`` that may record ``outcomes``, from two draws;
        ``None`` for a channel that does not reach the tenant."""
        if "reached" in outcomes:
            if first >= _lookup(self.reached, channel):
                return "not_reached"
            if "promise_to_pay" in outcomes and second < _lookup(self.promise, channel):
                return "promise_to_pay"
            return "reached"
        if "delivered" in outcomes:
            if first < _lookup(self.delivered, channel):
                return "delivered"
            return "bounced" if channel == "email" else "failed"
        return None


def _lookup(rates: Mapping[str, float], channel: str) -> float:
    return rates.get(channel, rates.get("default", 0.0))


def infer_segment(
    state: AccountState, start: datetime.date, behaviour: PaymentBehaviour, *, threshold: int = 0
) -> str:
    """The segment of an account, read from its rent terms due in the 365 days before ``start``.

    A term due on day ``u`` is *late* when the account is in arrears (an open case) on ``u + 1``
    and *unpaid* when it still is on ``u + 30``; ``paid`` is what the account received in the
    year (payments and adjustments, less payments returned) over what fell due. Then: no term,
    ``default_segment``; fewer than ``late_terms`` of the terms late, ``on_time``; fewer than
    ``unpaid_terms`` unpaid, ``late``; ``paid`` at least ``chronic_paid``, ``partial``; else
    ``chronic``.
    """
    last = start.toordinal() - 1
    first = last - 364
    analysis = analyse(
        state, datetime.date.fromordinal(last), threshold=threshold, names=frozenset()
    )
    dues = sorted(
        entry.due.toordinal()
        for entry in state.ledger
        if entry.kind == "charge" and first <= entry.due.toordinal() <= last
    )
    if not dues:
        return behaviour.default_segment
    openings = [case.opened.toordinal() for case in analysis.cases]
    # a case still open on the last day is taken to go on: its term is judged as unpaid
    closings = [
        _ENDLESS if case.closed is None else case.closed.toordinal() for case in analysis.cases
    ]

    def in_case(day: int) -> bool:
        position = bisect_right(openings, day) - 1
        return position >= 0 and day < closings[position]

    late = sum(1 for due in dues if in_case(due + 1)) / len(dues)
    if late < behaviour.late_terms:
        return "on_time"
    judged = [due for due in dues if due + 30 <= last]
    unpaid = sum(1 for due in judged if in_case(due + 30)) / len(judged) if judged else 0.0
    if unpaid < behaviour.unpaid_terms:
        return "late"
    before = analyse(
        state, datetime.date.fromordinal(first - 1), threshold=threshold, names=frozenset()
    )
    charged = sum(
        int(entry.amount * 100)
        for entry in state.ledger
        if entry.kind == "charge" and first <= entry.due.toordinal() <= last
    )
    # what came in, net of returns: what fell due less what the balance grew by
    received = before.values["balance"] + charged - analysis.values["balance"]
    paid = received / charged if charged else 1.0
    return "partial" if paid >= behaviour.chronic_paid else "chronic"
