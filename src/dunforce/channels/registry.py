"""The channel registry: which actions a scenario may name, and what each of them is.

The grammar knows no channel; a scenario's ``sms``, ``call`` or ``notify caf`` is looked up here,
so integrators add their own channels (``whatsapp``) from Python without touching the language.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType

import attrs

from dunforce.words import VERBS, name_problem

AUTOMATIC = "automatic"
TASK = "task"


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

    def is_legal(self, options: Iterable[str] = ()) -> bool:
        """Whether a use of this channel with these options is a legal step."""
        return self.legal or bool(self.legal_options & set(options))

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
            Channel("sms", AUTOMATIC, "A text message to the tenant's mobile phone."),
            Channel("email", AUTOMATIC, "An e-mail to the tenant."),
            Channel(
                "letter",
                AUTOMATIC,
                "A postal letter; `registered` makes it a registered letter with "
                "acknowledgement of receipt (lettre recommandée avec AR), a legal step.",
                options={"registered"},
                legal_options={"registered"},
            ),
            Channel("call", TASK, "A phone call by an agent."),
            Channel("visit", TASK, "A home visit by an agent or a social counsellor."),
            Channel("plan", TASK, "A repayment-plan proposal (plan d'apurement).", verb="propose"),
            Channel(
                "caf",
                TASK,
                "A report of the unpaid rent to the family-benefits office (CAF/MSA).",
                verb="notify",
                legal=True,
            ),
            Channel(
                "bailiff",
                TASK,
                "A hand-off of the file to a bailiff (commissaire de justice).",
                verb="handoff",
                legal=True,
            ),
            Channel(
                "task",
                TASK,
                "A free task for an agent; the template names what to do.",
                requires_template=True,
            ),
        )
    }
)
