"""Attributes: what scenario files may say about a tenant, and the built-in housing catalogue."""

from dunforce.attributes.catalogue import (
    DERIVED_ATTRIBUTES,
    EVENT_KINDS,
    HOUSING_ATTRIBUTES,
    HOUSING_SCHEMA,
)
from dunforce.attributes.schema import Schema
from dunforce.attributes.types import TYPE_NAMES, AttributeSpec, DerivedAttribute, ValueType

__all__ = [
    "DERIVED_ATTRIBUTES",
    "EVENT_KINDS",
    "HOUSING_ATTRIBUTES",
    "HOUSING_SCHEMA",
    "TYPE_NAMES",
    "AttributeSpec",
    "DerivedAttribute",
    "Schema",
    "ValueType",
]
