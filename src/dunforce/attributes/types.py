"""Value types and attribute specifications.

This module owns the vocabulary of types shared by the scenario language and the account state.
It never reads data: it only describes what a value may be.
"""

from __future__ import annotations

import enum

import attrs

from dunforce.words import name_problem


class ValueType(enum.Enum):
    """The types a value can have in the scenario language."""

    BOOL = "bool"
    INT = "int"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    DURATION = "duration"
    TEXT = "text"

    def __str__(self) -> str:
        return self.value

    @property
    def is_numeric(self) -> bool:
        return self in (ValueType.INT, ValueType.NUMBER)

    @property
    def is_ordered(self) -> bool:
        return self in (
            ValueType.INT,
            ValueType.NUMBER,
            ValueType.MONEY,
            ValueType.DATE,
            ValueType.DURATION,
        )

    @classmethod
    def from_name(cls, name: str) -> ValueType:
        """The type called ``name`` in a scenario file; raises ``KeyError`` when there is none."""
        return _BY_NAME[name]


_BY_NAME = {t.value: t for t in ValueType}
TYPE_NAMES: tuple[str, ...] = tuple(_BY_NAME)


def _allowed_converter(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(value)  # type: ignore[arg-type]


@attrs.frozen
class AttributeSpec:
    """A tenant attribute the integrator supplies: its type, whether it may be missing, its meaning.

    ``allowed`` restricts a text attribute to a closed set of values, so that the checker can reject
    a comparison with a value that cannot occur (a typo such as ``"tranfer"``).
    """

    name: str
    type: ValueType
    description: str = ""
    optional: bool = False
    allowed: tuple[str, ...] | None = attrs.field(default=None, converter=_allowed_converter)
    unit: str | None = None
    #: the value an account gets when its data does not give one (``None``: no default, so a
    #: required attribute must be supplied and an optional one is simply not set)
    default: object = None

    def __attrs_post_init__(self) -> None:
        if problem := name_problem(self.name):
            raise ValueError(f"attribute {self.name!r} cannot be written in a scenario: {problem}")
        if self.allowed is not None and self.type is not ValueType.TEXT:
            raise ValueError(f"attribute {self.name!r}: only text attributes take allowed values")

    @property
    def derived(self) -> bool:
        return False


@attrs.frozen
class DerivedAttribute:
    """A value dunforce computes from the ledger at the step date; read-only in scenario files.

    ``definition`` is the exact rule, written for the people who audit the scenarios; it is
    what the documentation shows and what the implementation is tested against.
    """

    name: str
    type: ValueType
    definition: str
    optional: bool = False
    unit: str | None = None

    @property
    def allowed(self) -> None:
        return None

    @property
    def description(self) -> str:
        return self.definition

    @property
    def derived(self) -> bool:
        return True


Symbol = AttributeSpec | DerivedAttribute
