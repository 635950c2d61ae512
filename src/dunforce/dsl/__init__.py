"""The scenario language: text -> AST (:mod:`.parser`) -> checked AST (:mod:`.checker`).

Each stage is a function of the previous stage's output; nothing here reaches back up the chain.
"""

from __future__ import annotations

import os

from dunforce.attributes.catalogue import HOUSING_SCHEMA
from dunforce.attributes.schema import Schema
from dunforce.channels.registry import DEFAULT_CHANNELS, ChannelRegistry
from dunforce.dsl.checker import FUNCTIONS, CheckedModule, check_module
from dunforce.dsl.format import format_source
from dunforce.dsl.parser import parse, parse_source
from dunforce.dsl.source import MAX_SOURCE_BYTES, decode
from dunforce.words import KEYWORDS


def check(
    source: str | bytes,
    *,
    filename: str = "<string>",
    schema: Schema = HOUSING_SCHEMA,
    channels: ChannelRegistry = DEFAULT_CHANNELS,
    max_bytes: int = MAX_SOURCE_BYTES,
) -> CheckedModule:
    """Parse and check scenario text.

    Raises :class:`~dunforce.errors.DslError` listing every error; warnings (lints) are on the
    result's ``warnings``.

    >>> checked = check("profile late: days_late > 0\\nprofile standard: otherwise\\n")
    >>> checked.profiles
    ('late', 'standard')
    """
    src = decode(source, filename, max_bytes)
    return check_module(parse_source(src), src, schema=schema, channels=channels)


def check_file(
    path: str | os.PathLike[str],
    *,
    schema: Schema = HOUSING_SCHEMA,
    channels: ChannelRegistry = DEFAULT_CHANNELS,
    max_bytes: int = MAX_SOURCE_BYTES,
) -> CheckedModule:
    """Read, parse and check a scenario file (UTF-8)."""
    with open(path, "rb") as handle:
        data = handle.read()
    return check(
        data, filename=os.fspath(path), schema=schema, channels=channels, max_bytes=max_bytes
    )


__all__ = [
    "FUNCTIONS",
    "KEYWORDS",
    "CheckedModule",
    "check",
    "check_file",
    "format_source",
    "parse",
]
