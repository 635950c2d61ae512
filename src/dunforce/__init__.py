"""dunforce: prevent and collect unpaid rent with scenarios that compile to a pure step function.

The public API is the names below; everything else is private to its module.
"""

from dunforce.attributes import (
    HOUSING_SCHEMA,
    AttributeSpec,
    DerivedAttribute,
    Schema,
    ValueType,
)
from dunforce.channels import DEFAULT_CHANNELS, Channel, ChannelRegistry
from dunforce.dsl import CheckedModule, check, check_file, format_source, parse
from dunforce.errors import Diagnostic, DslError, DunforceError, Span

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_CHANNELS",
    "HOUSING_SCHEMA",
    "AttributeSpec",
    "Channel",
    "ChannelRegistry",
    "CheckedModule",
    "DerivedAttribute",
    "Diagnostic",
    "DslError",
    "DunforceError",
    "Schema",
    "Span",
    "ValueType",
    "__version__",
    "check",
    "check_file",
    "format_source",
    "parse",
]
