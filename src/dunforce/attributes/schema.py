"""Schemas: the set of attributes, derived attributes and event kinds a scenario file may use.

A schema is immutable; integrators build theirs by extending the built-in housing catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

from dunforce.attributes.types import AttributeSpec, DerivedAttribute, Symbol


def _freeze_symbols(value: Mapping[str, Symbol] | Iterable[Symbol]) -> Mapping[str, Symbol]:
    if isinstance(value, Mapping):
        items = dict(value)
    else:
        items = {}
        for symbol in value:
            if symbol.name in items:
                raise ValueError(f"attribute {symbol.name!r} is declared twice")
            items[symbol.name] = symbol
    return MappingProxyType(items)


@attrs.frozen
class Schema:
    """Attributes (supplied), derived attributes (computed) and event kinds, by name.

    >>> from dunforce.attributes import HOUSING_SCHEMA, AttributeSpec, ValueType
    >>> schema = HOUSING_SCHEMA.extend([AttributeSpec("sector", ValueType.TEXT)])
    >>> schema["sector"].type
    <ValueType.TEXT: 'text'>
    >>> "sector" in HOUSING_SCHEMA
    False
    """

    symbols: Mapping[str, Symbol] = attrs.field(converter=_freeze_symbols, factory=dict)
    events: frozenset[str] = attrs.field(converter=frozenset, factory=frozenset)

    def __contains__(self, name: object) -> bool:
        return name in self.symbols

    def __getitem__(self, name: str) -> Symbol:
        return self.symbols[name]

    def get(self, name: str) -> Symbol | None:
        return self.symbols.get(name)

    def __iter__(self):
        return iter(self.symbols.values())

    def __len__(self) -> int:
        return len(self.symbols)

    @property
    def attributes(self) -> tuple[AttributeSpec, ...]:
        return tuple(s for s in self.symbols.values() if isinstance(s, AttributeSpec))

    @property
    def derived(self) -> tuple[DerivedAttribute, ...]:
        return tuple(s for s in self.symbols.values() if isinstance(s, DerivedAttribute))

    def extend(
        self,
        symbols: Iterable[Symbol] = (),
        *,
        events: Iterable[str] = (),
        replace: bool = False,
    ) -> Schema:
        """A new schema with more attributes or event kinds.

        A name that already exists is an error unless ``replace=True``, so that an integrator
        does not silently redefine a catalogue attribute.
        """
        merged = dict(self.symbols)
        for symbol in symbols:
            if symbol.name in merged and not replace:
                raise ValueError(
                    f"attribute {symbol.name!r} already exists in the schema; "
                    "pass replace=True to redefine it"
                )
            merged[symbol.name] = symbol
        return Schema(merged, self.events | frozenset(events))
