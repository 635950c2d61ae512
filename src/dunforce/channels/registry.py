"""The channel registry: which actions a scenario may name, and what each of them is.

The grammar knows no channel; a scenario's ``sms``, ``call`` or ``notify caf`` is looked up here,
so integrators add their own channels (``whatsapp``) from Python without touching the language.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from types import MappingProxyType

import attrs

from dunforce.channels.window import ContactWindow
from dunforce.words import VERBS, name_problem

AUTOMATIC = "automatic"
TASK = "task"

#: what became of an action, as the caller records it in the history (``Issued.outcome``)
DELIVERY_OUTCOMES = ("delivered", "failed", "bounced")
CONVERSATION_OUTCOMES = ("reached", "not_reached", "promise_to_pay")

#: the default windows: messages Monday to Saturday 8:00-20:00, work Monday to Friday (DOMAIN §4)
MESSAGE_WINDOW = ContactWindow(range(6), ((8 * 60, 20 * 60),))
WORKING_DAYS = ContactWindow(range(5))


def _window(value: ContactWindow | str | None) -> ContactWindow | None:
    return ContactWindow.parse(value) if isinstance(value, str) else value


def _costs(value: Mapping[str, object]) -> Mapping[str, Decimal]:
    return MappingProxyType({k: Decimal(str(v)) for k, v in value.items()})


@attrs.frozen
class Channel:
    """A way of acting on an account.

    ``kind`` is ``"automatic"`` (dunforce's caller sends it) or ``"task"`` (a person does it).
    ``verb`` is the word a scenario writes before the channel (``propose plan``). A channel is
    *legal* when every use of it is a legal step (``caf``, ``bailiff``), or when it is used with
    one of its ``legal_options`` (a ``registered`` letter).
    """

    name: str
    kind: str = AUTOMATIC
    description: str = ""
    verb: str | None = None
    options: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    legal: bool = False
    legal_options: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)

    #: the template says what to do (a free ``task``), so a step without one is an error
    requires_template: bool = False

    #: attributes that must be set to use it (no mobile number, no SMS)
    requires: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    #: a true attribute that says the tenant objected to this channel
    opt_out: str | None = None
    #: a true attribute that the tenant must have given (a WhatsApp consent)
    consent: str | None = None
    #: when it may be used; ``None``: the default of its kind (messages Monday to Saturday
    #: 8:00-20:00, tasks Monday to Friday), public holidays excluded
    window: ContactWindow | None = attrs.field(default=None, converter=_window)
    #: whether it reaches the tenant (a report to the CAF does not): caps on ``contacts`` count it
    contact: bool = True
    #: a forced eviction, which the winter truce forbids (CPCE L412-6), or the options making one
    eviction: bool = False
    eviction_options: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    #: the outcomes the caller may record for it
    outcomes: tuple[str, ...] = attrs.field(default=DELIVERY_OUTCOMES, converter=tuple)
    #: an indicative unit cost in euros, and what each option adds, for simulations
    cost: Decimal = attrs.field(default=Decimal(0), converter=lambda v: Decimal(str(v)))
    option_costs: Mapping[str, Decimal] = attrs.field(factory=dict, converter=_costs)

    def __attrs_post_init__(self) -> None:
        if problem := name_problem(self.name):
            raise ValueError(f"channel {self.name!r} cannot be written in a scenario: {problem}")
        if self.verb is not None and self.verb not in VERBS:
            raise ValueError(
                f"channel {self.name!r}: verb {self.verb!r} is not one of the language's verbs "
                f"({', '.join(sorted(VERBS))}); register it without a verb"
            )
        for option in self.options:
            if problem := name_problem(option):
                raise ValueError(f"channel {self.name!r}: option {option!r}: {problem}")
        if self.kind not in (AUTOMATIC, TASK):
            raise ValueError(f"channel {self.name!r}: kind must be 'automatic' or 'task'")
        if not self.legal_options <= self.options:
            raise ValueError(f"channel {self.name!r}: legal_options must be among its options")
        if not self.eviction_options <= self.options:
            raise ValueError(f"channel {self.name!r}: eviction_options must be among its options")
        if not set(self.option_costs) <= self.options:
            raise ValueError(f"channel {self.name!r}: option_costs names an unknown option")
        for attribute in (*self.requires, self.opt_out, self.consent):
            if attribute is not None and (problem := name_problem(attribute)):
                raise ValueError(f"channel {self.name!r}: attribute {attribute!r}: {problem}")
        unknown = set(self.outcomes) - {*DELIVERY_OUTCOMES, *CONVERSATION_OUTCOMES}
        if unknown:
            raise ValueError(f"channel {self.name!r}: unknown outcomes {sorted(unknown)}")

    def is_legal(self, options: Iterable[str] = ()) -> bool:
        """Whether a use of this channel with these options is a legal step."""
        return self.legal or bool(self.legal_options & set(options))

    def is_eviction(self, options: Iterable[str] = ()) -> bool:
        """Whether a use of this channel with these options is a forced eviction."""
        return self.eviction or bool(self.eviction_options & set(options))

    def kind_of(self, options: Iterable[str] = ()) -> str:
        """A legal step is always a task: a person decides it (GDPR art. 22)."""
        return TASK if self.is_legal(options) else self.kind

    @property
    def default_window(self) -> ContactWindow:
        if self.window is not None:
            return self.window
        return MESSAGE_WINDOW if self.kind == AUTOMATIC else WORKING_DAYS

    def cost_of(self, options: Iterable[str] = ()) -> Decimal:
        return self.cost + sum((self.option_costs.get(o, Decimal(0)) for o in options), Decimal(0))

    @property
    def spelling(self) -> str:
        """How a scenario names it: ``sms``, ``propose plan``."""
        return f"{self.verb} {self.name}" if self.verb else self.name


@attrs.frozen
class ChannelRegistry:
    """An immutable set of channels by name; :meth:`register` returns a new registry.

    >>> registry = DEFAULT_CHANNELS.register(Channel("whatsapp", description="WhatsApp message"))
    >>> registry["whatsapp"].kind
    'automatic'
    >>> "whatsapp" in DEFAULT_CHANNELS
    False
    """

    channels: Mapping[str, Channel] = attrs.field(
        factory=dict, converter=lambda value: MappingProxyType(dict(value))
    )

    def __contains__(self, name: object) -> bool:
        return name in self.channels

    def __getitem__(self, name: str) -> Channel:
        return self.channels[name]

    def get(self, name: str) -> Channel | None:
        return self.channels.get(name)

    def __iter__(self) -> Iterator[Channel]:
        return iter(self.channels.values())

    def __len__(self) -> int:
        return len(self.channels)

    def register(self, *channels: Channel, replace: bool = False) -> ChannelRegistry:
        merged = dict(self.channels)
        for channel in channels:
            if channel.name in merged and not replace:
                raise ValueError(
                    f"channel {channel.name!r} is already registered; pass replace=True "
                    "to redefine it"
                )
            merged[channel.name] = channel
        return ChannelRegistry(merged)


DEFAULT_CHANNELS = ChannelRegistry(
    {
        c.name: c
        for c in (
            Channel(
                "sms",
                AUTOMATIC,
                "A text message to the tenant's mobile phone.",
                requires=("phone_mobile",),
                opt_out="sms_opt_out",
                cost="0.06",
            ),
            Channel(
                "email",
                AUTOMATIC,
                "An e-mail to the tenant.",
                requires=("email_address",),
                opt_out="email_opt_out",
                cost="0.00",
            ),
            Channel(
                "letter",
                AUTOMATIC,
                "A postal letter; `registered` makes it a registered letter with "
                "acknowledgement of receipt (lettre recommandée avec AR), a legal step.",
                options={"registered"},
                legal_options={"registered"},
                window=ContactWindow(range(6)),
                cost="1.30",
                option_costs={"registered": "5.50"},
            ),
            Channel(
                "call",
                TASK,
                "A phone call by an agent.",
                requires=("phone_mobile",),
                opt_out="call_opt_out",
                window=ContactWindow(range(5), ((10 * 60, 13 * 60), (14 * 60, 20 * 60))),
                outcomes=CONVERSATION_OUTCOMES,
                cost="4.00",
            ),
            Channel(
                "visit",
                TASK,
                "A home visit by an agent or a social counsellor.",
                window=ContactWindow(range(5), ((9 * 60, 18 * 60),)),
                outcomes=CONVERSATION_OUTCOMES,
                cost="40.00",
            ),
            Channel(
                "plan",
                TASK,
                "A repayment-plan proposal (plan d'apurement).",
                verb="propose",
                outcomes=(*DELIVERY_OUTCOMES, *CONVERSATION_OUTCOMES),
                cost="10.00",
            ),
            Channel(
                "caf",
                TASK,
                "A report of the unpaid rent to the family-benefits office (CAF/MSA).",
                verb="notify",
                legal=True,
                contact=False,
                cost="5.00",
            ),
            Channel(
                "bailiff",
                TASK,
                "A hand-off of the file to a bailiff (commissaire de justice): `order` for a "
                "commandement de payer, `summons` for an assignation, `eviction` for a forced "
                "eviction, which the winter truce forbids.",
                verb="handoff",
                legal=True,
                contact=False,
                options={"order", "summons", "eviction"},
                eviction_options={"eviction"},
                cost="150.00",
            ),
            Channel(
                "task",
                TASK,
                "A free task for an agent; the template names what to do.",
                requires_template=True,
                contact=False,
                cost="4.00",
            ),
        )
    }
)
