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
from dunforce.dsl.source import MAX_SOURCE_BYTES, decode, read_source
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
    _validate(filename=filename, schema=schema, channels=channels, max_bytes=max_bytes)
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
    _validate(schema=schema, channels=channels, max_bytes=max_bytes)
    data = read_source(path, max_bytes)
    return check(
        data, filename=os.fspath(path), schema=schema, channels=channels, max_bytes=max_bytes
    )


def _validate(
    *,
    filename: object = "<string>",
    schema: object = HOUSING_SCHEMA,
    channels: object = DEFAULT_CHANNELS,
    max_bytes: object = MAX_SOURCE_BYTES,
) -> None:
    """Arguments are checked when given, with errors that name them."""
    if not isinstance(filename, str):
        raise TypeError(f"filename must be a str, not {type(filename).__name__}")
    if not isinstance(schema, Schema):
        raise TypeError(f"schema must be a dunforce.Schema, not {type(schema).__name__}")
    if not isinstance(channels, ChannelRegistry):
        raise TypeError(
            f"channels must be a dunforce.ChannelRegistry, not {type(channels).__name__}"
        )
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise TypeError(f"max_bytes must be a positive int, not {max_bytes!r}")


__all__ = [
    "FUNCTIONS",
    "KEYWORDS",
    "CheckedModule",
    "check",
    "check_file",
    "format_source",
    "parse",
]
