"""The one Jinja environment templates are parsed and rendered in.

A sandboxed environment, strict about undefined names, without autoescape (the output is plain
text for SMS, e-mail and letters), with only dunforce's filters and tests and no globals at all:
even if the allow-list missed something, there would be nothing to reach. Block tags on a line
of their own leave no blank line (``trim_blocks``, ``lstrip_blocks``). Built once, never changed.
"""

from __future__ import annotations

import jinja2.utils
from jinja2 import StrictUndefined, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from dunforce.templates.filters import FILTER_FUNCTIONS, Unset, show


class MissingVariable(UndefinedError):
    """A template read a name the caller gave no value for; ``name`` is that name."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(name)


class _Strict(StrictUndefined):
    """Undefined names fail with :class:`MissingVariable`, which says which name it was."""

    __slots__ = ()

    def __init__(self, hint=None, obj=jinja2.utils.missing, name=None, exc=MissingVariable):
        super().__init__(hint, obj, name, MissingVariable)

    @property
    def _undefined_message(self) -> str:  # type: ignore[override]
        return self._undefined_name or "?"


def _is_none(value: object) -> bool:
    return value is None or isinstance(value, Unset)


def _is_defined(value: object) -> bool:
    return not isinstance(value, StrictUndefined)


def _build() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=_Strict,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=show,
        auto_reload=False,
        cache_size=0,
    )
    env.filters = dict(FILTER_FUNCTIONS)
    env.tests = {"defined": _is_defined, "none": _is_none}
    env.globals = {}
    return env


ENVIRONMENT = _build()

__all__ = ["ENVIRONMENT", "MissingVariable"]
