"""Message templates: the texts that SMS, e-mails, letters and agent tasks send.

A template is a Jinja text that may only show declared variables through dunforce's filters and
choose text with ``{% if %}``; it is checked against the scenario that uses it (names, filters,
SMS length) and rendered, purely, from an account's public values. See ``docs/templates.md``.
"""

from dunforce.templates.codes import TEMPLATE_CODES
from dunforce.templates.filters import (
    FILTERS,
    format_date,
    format_money,
    format_number,
    format_short_date,
)
from dunforce.templates.gsm import SmsSize, sms_size
from dunforce.templates.message import Message, RenderError
from dunforce.templates.sms import SAMPLES, longest_rendering
from dunforce.templates.template import Template
from dunforce.templates.template_set import (
    CONTEXT_VARIABLES,
    TemplateSet,
    TemplateUse,
    schema_variables,
    template_uses,
)

__all__ = [
    "CONTEXT_VARIABLES",
    "FILTERS",
    "SAMPLES",
    "TEMPLATE_CODES",
    "Message",
    "RenderError",
    "SmsSize",
    "Template",
    "TemplateSet",
    "TemplateUse",
    "format_date",
    "format_money",
    "format_number",
    "format_short_date",
    "longest_rendering",
    "schema_variables",
    "sms_size",
    "template_uses",
]
