"""The diagnostic codes of message templates, with the one-line summary the docs show.

Codes are stable: tools filter on them. They are kept apart from the scenario language's own
catalogue (``dunforce.dsl.codes``) because templates are checked by their own stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

FILE = "template-file"
SYNTAX = "template-syntax"
FORBIDDEN = "template-forbidden"
UNKNOWN_VARIABLE = "template-unknown-variable"
UNKNOWN_FILTER = "template-unknown-filter"
FILTER_ARGS = "template-filter-args"
FILTER_TYPE = "template-filter-type"
COMPARE_TYPE = "template-compare-type"
MISSING = "template-missing"
UNUSED = "template-unused"
SMS_LENGTH = "template-sms-length"
SMS_CHARSET = "template-sms-charset"

ERROR, WARNING = "error", "warning"

#: every code, its severity and what it means
TEMPLATE_CODES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        FILE: (ERROR, "A template file that cannot be read: not UTF-8, unreadable, badly named."),
        SYNTAX: (ERROR, "A template that Jinja cannot parse (an unclosed `{{` or `{% if %}`)."),
        FORBIDDEN: (ERROR, "A construct templates may not use: `a.b`, `a[0]`, calls, loops, …"),
        UNKNOWN_VARIABLE: (ERROR, "A name that is no attribute, derived value or context name."),
        UNKNOWN_FILTER: (ERROR, "A filter that is not one of dunforce's filters."),
        FILTER_ARGS: (ERROR, "A filter given the wrong number or kind of arguments."),
        FILTER_TYPE: (ERROR, "A filter applied to a value of the wrong type (`money` on a date)."),
        COMPARE_TYPE: (ERROR, "A comparison that can never hold or cannot be made."),
        MISSING: (ERROR, "A step names a template the set does not have for its channel."),
        UNUSED: (WARNING, "A template file that no step uses."),
        SMS_LENGTH: (WARNING, "An SMS that takes more than one segment with the longest values."),
        SMS_CHARSET: (WARNING, "An SMS with a character outside GSM-7, so sent as UCS-2."),
    }
)

__all__ = ["TEMPLATE_CODES"]
