"""Account state: what dunforce knows about one account on the day it is stepped.

Everything here is immutable and validated when built: a bad amount, date or attribute is a
:class:`~dunforce.errors.StateError` naming the field and the value, raised where the data enters,
never later inside the step function. ``AccountState.record`` returns a new state.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Union

import attrs

from dunforce.attributes.catalogue import HOUSING_SCHEMA
from dunforce.attributes.schema import Schema
from dunforce.attributes.types import AttributeSpec, ValueType
from dunforce.dsl.ast import Duration
from dunforce.errors import StateError
from dunforce.values import to_date, to_money, to_number

# ------------------------------------------------------------------------------ converters


def _money(field: str):
    return lambda value: to_money(value, field)


def _date(field: str):
    return lambda value: to_date(value, field)


def _optional_date(field: str):
    return lambda value: None if value is None else to_date(value, field)


def _optional_text(field: str):
    def convert(value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise StateError(f"{field}: {value!r} is not a text", field=field, value=value)
        return value

    return convert


def _text(field: str):
    def convert(value: object) -> str:
        if not isinstance(value, str) or not value:
            raise StateError(
                f"{field}: {value!r} is not a non-empty text", field=field, value=value
            )
        return value

    return convert


# ------------------------------------------------------------------------------ ledger


@attrs.frozen
class Charge:
    """An amount owed: a rent term or an invoice, due on ``due``.

    ``period`` marks a rent charge (``"2026-03"``); ``id`` lets a payment name the charge it
    settles.
    """

    amount: Decimal = attrs.field(converter=_money("amount"))
    due: datetime.date = attrs.field(converter=_date("due"))
    period: str | None = attrs.field(default=None, converter=_optional_text("period"))
    id: str | None = attrs.field(default=None, converter=_optional_text("id"))
    label: str | None = attrs.field(default=None, converter=_optional_text("label"))

    kind = "charge"


@attrs.frozen
class Payment:
    """Money received on ``on``; ``settles`` names the charge it pays first, if any."""

    amount: Decimal = attrs.field(converter=_money("amount"))
    on: datetime.date = attrs.field(converter=_date("on"))
    method: str | None = attrs.field(default=None, converter=_optional_text("method"))
    id: str | None = attrs.field(default=None, converter=_optional_text("id"))
    settles: str | None = attrs.field(default=None, converter=_optional_text("settles"))

    kind = "payment"


@attrs.frozen
class Rejection:
    """A payment returned on ``on`` (a direct debit or transfer rejected).

    It names the payment it returns (``payment``), or gives the ``amount`` so that the latest
    payment of that amount not yet returned is the one.
    """

    on: datetime.date = attrs.field(converter=_date("on"))
    payment: str | None = attrs.field(default=None, converter=_optional_text("payment"))
    amount: Decimal | None = attrs.field(
        default=None, converter=lambda v: None if v is None else to_money(v, "amount")
    )
    reason: str | None = attrs.field(default=None, converter=_optional_text("reason"))

    kind = "rejection"

    def __attrs_post_init__(self) -> None:
        if self.payment is None and self.amount is None:
            raise StateError(
                "a rejection names its payment (payment=) or gives its amount (amount=)",
                field="rejection",
                value=None,
            )


@attrs.frozen
class Adjustment:
    """A credit that is not a payment: a credit note, housing aid paid to the landlord."""

    amount: Decimal = attrs.field(converter=_money("amount"))
    on: datetime.date = attrs.field(converter=_date("on"))
    reason: str | None = attrs.field(default=None, converter=_optional_text("reason"))
    id: str | None = attrs.field(default=None, converter=_optional_text("id"))

    kind = "adjustment"


Entry = Union[Charge, Payment, Rejection, Adjustment]  # noqa: UP007
_ENTRY_TYPES = (Charge, Payment, Rejection, Adjustment)


def entry_date(entry: Entry) -> datetime.date:
    """The day an entry takes effect: the due date of a charge, the date of anything else."""
    return entry.due if isinstance(entry, Charge) else entry.on


# ------------------------------------------------------------------------------ events, plans


@attrs.frozen
class Event:
    """Something that happened to an account (or will: a planned departure), anchoring ``E``."""

    kind: str = attrs.field(converter=_text("kind"))
    on: datetime.date = attrs.field(converter=_date("on"))
    note: str | None = attrs.field(default=None, converter=_optional_text("note"))


@attrs.frozen
class Instalment:
    due: datetime.date = attrs.field(converter=_date("due"))
    amount: Decimal = attrs.field(converter=_money("amount"))


def _instalments(value: Iterable) -> tuple[Instalment, ...]:
    result = []
    for item in value:
        if isinstance(item, Instalment):
            result.append(item)
        elif isinstance(item, tuple | list) and len(item) == 2:
            result.append(Instalment(item[0], item[1]))
        else:
            raise StateError(
                f"instalments: {item!r} is not an Instalment(due, amount)",
                field="instalments",
                value=item,
            )
    return tuple(sorted(result, key=lambda i: i.due))


@attrs.frozen
class Plan:
    """A repayment plan (plan d'apurement): signed on a day, repaid by instalments."""

    signed_on: datetime.date = attrs.field(converter=_date("signed_on"))
    instalments: tuple[Instalment, ...] = attrs.field(converter=_instalments)
    cancelled_on: datetime.date | None = attrs.field(
        default=None, converter=_optional_date("cancelled_on")
    )
    id: str | None = attrs.field(default=None, converter=_optional_text("id"))


# ------------------------------------------------------------------------------ actions


@attrs.frozen
class Action:
    """One thing to do for an account, decided by a program on a day.

    ``key`` is stable (``scenario/step@anchor``): the same decision always has the same key, so
    an integrator can deduplicate, and dunforce never emits a key already in the history.
    ``kind`` is ``"automatic"`` (software sends it) or ``"task"`` (a person does it).
    """

    account_id: str
    key: str
    channel: str
    template: str | None
    options: tuple[str, ...]
    scheduled_for: datetime.date
    emitted_on: datetime.date
    scenario: str
    profile: str | None
    kind: str
    reason: str
    line: int = attrs.field(default=0, eq=False)
    #: a legal step: a person must approve it before it is carried out (GDPR art. 22)
    requires_approval: bool = attrs.field(default=False, kw_only=True)
    #: when on ``emitted_on`` the channel may reach the tenant, time-zone aware, in order
    windows: tuple[tuple[datetime.datetime, datetime.datetime], ...] = attrs.field(
        default=(), kw_only=True
    )
    #: what the contact policy did: a move off a holiday, a fallback channel (empty if nothing)
    policy_note: str = attrs.field(default="", kw_only=True)

    @property
    def window_start(self) -> datetime.datetime | None:
        """The earliest moment the action may reach the tenant on ``emitted_on``."""
        return self.windows[0][0] if self.windows else None

    @property
    def window_end(self) -> datetime.datetime | None:
        return self.windows[-1][1] if self.windows else None

    def to_dict(self) -> dict[str, object]:
        return {
            "account_id": self.account_id,
            "key": self.key,
            "channel": self.channel,
            "template": self.template,
            "options": " ".join(self.options),
            "scheduled_for": self.scheduled_for,
            "emitted_on": self.emitted_on,
            "scenario": self.scenario,
            "profile": self.profile,
            "kind": self.kind,
            "requires_approval": self.requires_approval,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "policy_note": self.policy_note,
            "reason": self.reason,
        }


#: what an adapter may record of an issued action: a message delivered, failed or bounced; a call
#: that reached the tenant or not; a promise to pay obtained (the history derived attributes read
#: them, so a closed set keeps a typo from silently counting as nothing)
OUTCOMES: tuple[str, ...] = (
    "delivered",
    "failed",
    "bounced",
    "reached",
    "not_reached",
    "promise_to_pay",
)


def _outcome(value: object) -> str | None:
    outcome = _optional_text("outcome")(value)
    if outcome is not None and outcome not in OUTCOMES:
        close = difflib.get_close_matches(outcome, OUTCOMES, n=1)
        suggestion = f" (did you mean {close[0]!r}?)" if close else ""
        raise StateError(
            f"outcome: {outcome!r} is not one of {', '.join(map(repr, OUTCOMES))}{suggestion}",
            field="outcome",
            value=value,
        )
    return outcome


@attrs.frozen
class Issued:
    """An action already issued for an account, with its outcome when it is known.

    ``outcome`` is one of :data:`OUTCOMES` or ``None``. ``channel`` may be ``None`` in rows
    written before it was recorded; the key then tells it (``scenario/channel:...``).
    """

    key: str = attrs.field(converter=_text("key"))
    emitted_on: datetime.date = attrs.field(converter=_date("emitted_on"))
    channel: str | None = attrs.field(default=None, converter=_optional_text("channel"))
    outcome: str | None = attrs.field(default=None, converter=_outcome)

    @classmethod
    def of(cls, action: Action) -> Issued:
        return cls(action.key, action.emitted_on, action.channel)

    @property
    def inferred_channel(self) -> str | None:
        """``channel``, else the one the key names (after its first ``/``, before the next ``:``).

        >>> Issued("gentle/call::D+10@2026-01-05", "2026-01-15").inferred_channel
        'call'
        """
        if self.channel is not None:
            return self.channel
        slash = self.key.find("/")
        colon = self.key.find(":", slash + 1)
        if slash < 0 or colon < 0:
            return None
        return self.key[slash + 1 : colon] or None


# ------------------------------------------------------------------------------ attributes


def _attribute_value(spec: AttributeSpec, value: object, field: str) -> object:
    kind = spec.type
    if value is None:
        return None
    if kind is ValueType.BOOL:
        if not isinstance(value, bool):
            raise StateError(f"{field}: {value!r} is not true or false", field=field, value=value)
        return value
    if kind is ValueType.INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise StateError(f"{field}: {value!r} is not a whole number", field=field, value=value)
        return value
    if kind is ValueType.NUMBER:
        return to_number(value, field)
    if kind is ValueType.MONEY:
        return to_money(value, field, allow_negative=True)
    if kind is ValueType.DATE:
        return to_date(value, field)
    if kind is ValueType.DURATION:
        if isinstance(value, Duration):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return Duration(value, "d")
        raise StateError(f"{field}: {value!r} is not a duration", field=field, value=value)
    if not isinstance(value, str):
        raise StateError(f"{field}: {value!r} is not a text", field=field, value=value)
    if spec.allowed is not None and value not in spec.allowed:
        close = difflib.get_close_matches(value, spec.allowed, n=1)
        suggestion = f" (did you mean {close[0]!r}?)" if close else ""
        raise StateError(
            f"{field}: {value!r} is not one of {', '.join(map(repr, spec.allowed))}{suggestion}",
            field=field,
            value=value,
        )
    return value


def _as_given(spec: AttributeSpec, value: object) -> bool:
    """A value ``_attribute_value`` would return as it is: a ``bool`` for a boolean, a ``str``
    for a text with no list of allowed values."""
    kind = type(value)
    if kind is bool:
        return spec.type is ValueType.BOOL
    return kind is str and spec.type is ValueType.TEXT and spec.allowed is None


def validate_attributes(values: Mapping[str, object], schema: Schema) -> Mapping[str, object]:
    """The attributes, checked against the schema and converted to exact values."""
    if not isinstance(values, Mapping):
        raise StateError(
            f"attributes: expected a mapping of names to values, not {type(values).__name__}",
            field="attributes",
            value=values,
        )
    result: dict[str, object] = {}
    for name, value in values.items():
        spec = schema.get(name) if isinstance(name, str) else None
        if type(spec) is AttributeSpec and _as_given(spec, value):
            result[name] = value  # most cells: nothing to check nor convert
            continue
        field = f"attributes.{name}"
        if spec is None:
            known = [a.name for a in schema.attributes]
            close = difflib.get_close_matches(str(name), known, n=1)
            suggestion = f"; did you mean {close[0]!r}?" if close else ""
            raise StateError(f"{field}: unknown attribute{suggestion}", field=field, value=value)
        if not isinstance(spec, AttributeSpec):
            raise StateError(
                f"{field}: {name} is derived from the ledger and cannot be given",
                field=field,
                value=value,
            )
        if value is None and not spec.optional:
            continue  # not given: the default applies, or the program says it is missing
        result[name] = _attribute_value(spec, value, field)
    return MappingProxyType(result)


# ------------------------------------------------------------------------------ the state


def _tuple_of(kinds: tuple[type, ...], field: str):
    def convert(value: object) -> tuple:
        if value is None:
            return ()
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise StateError(
                f"{field}: expected a sequence, not {value!r}", field=field, value=value
            )
        items = tuple(value)
        for index, item in enumerate(items):
            if not isinstance(item, kinds):
                names = " or ".join(k.__name__ for k in kinds)
                raise StateError(
                    f"{field}[{index}]: {item!r} is not a {names}",
                    field=f"{field}[{index}]",
                    value=item,
                )
        return items

    return convert


@attrs.frozen
class AccountState:
    """One account as dunforce sees it on a day: attributes, ledger, plans, events, history.

    >>> from datetime import date
    >>> state = AccountState(
    ...     account_id="A1",
    ...     attributes={"apl": True, "payment_method": "debit"},
    ...     ledger=(Charge(amount="450.00", due=date(2026, 3, 2)),),
    ... )
    >>> state.attributes["apl"]
    True
    """

    account_id: str = attrs.field(converter=_text("account_id"))
    attributes: Mapping[str, object] = attrs.field(factory=dict)
    ledger: tuple[Entry, ...] = attrs.field(default=(), converter=_tuple_of(_ENTRY_TYPES, "ledger"))
    plans: tuple[Plan, ...] = attrs.field(default=(), converter=_tuple_of((Plan,), "plans"))
    events: tuple[Event, ...] = attrs.field(default=(), converter=_tuple_of((Event,), "events"))
    history: tuple[Issued, ...] = attrs.field(default=(), converter=_tuple_of((Issued,), "history"))
    schema: Schema = attrs.field(default=HOUSING_SCHEMA, eq=False, repr=False, kw_only=True)
    _keys: frozenset[str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_keys", frozenset(entry.key for entry in self.history))
        if not isinstance(self.schema, Schema):
            raise TypeError(f"schema must be a dunforce.Schema, not {type(self.schema).__name__}")
        try:
            attributes = validate_attributes(self.attributes, self.schema)
        except StateError as exc:
            raise exc.for_account(self.account_id) from None
        object.__setattr__(self, "attributes", attributes)
        self._check_event_kinds(self.events, 0)

    def _check_event_kinds(self, events: tuple[Event, ...], first: int) -> None:
        """Refuse an event of a kind the schema does not know (``first``: the index of the
        first of ``events`` in the state's events)."""
        known = self.schema.events
        if not known:
            return
        for index, event in enumerate(events, start=first):
            if event.kind not in known:
                close = difflib.get_close_matches(event.kind, sorted(known), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise StateError(
                    f"events[{index}].kind: unknown event kind {event.kind!r}{hint}",
                    field=f"events[{index}].kind",
                    value=event.kind,
                    account_id=self.account_id,
                )

    def _extended(
        self, ledger: tuple[Entry, ...], events: tuple[Event, ...], history: tuple[Issued, ...]
    ) -> AccountState:
        """This state with ``ledger``, ``events`` and ``history`` added at the end. Only the
        additions are checked: what the state already holds was checked when it was built (a
        simulation adds a few entries to thousands of accounts every day)."""
        ledger = _tuple_of(_ENTRY_TYPES, "ledger")(ledger)
        events = _tuple_of((Event,), "events")(events)
        history = _tuple_of((Issued,), "history")(history)
        self._check_event_kinds(events, len(self.events))
        extended = object.__new__(AccountState)
        for name, value in (
            ("account_id", self.account_id),
            ("attributes", self.attributes),
            # an unchanged part stays the same object: a simulation keeps the walk of a ledger
            # while it is the same
            ("ledger", self.ledger + ledger if ledger else self.ledger),
            ("plans", self.plans),
            ("events", self.events + events if events else self.events),
            ("history", self.history + history if history else self.history),
            ("schema", self.schema),
            ("_keys", self._keys.union(entry.key for entry in history) if history else self._keys),
        ):
            object.__setattr__(extended, name, value)
        return extended

    def record(self, actions: Iterable[Action]) -> AccountState:
        """A new state whose history also holds ``actions`` (the others are unchanged)."""
        return self._extended((), (), tuple(Issued.of(a) for a in actions))

    @property
    def issued_keys(self) -> frozenset[str]:
        """The keys of the actions already issued (computed once, when the state is built)."""
        return self._keys
