"""The words of the scenario language: its keywords, its verbs, the shape of a name.

Shared by the grammar's error messages and by the registries that accept names from integrators
(a channel called ``if`` or ``WhatsApp`` could never be written in a scenario file).
"""

from __future__ import annotations

import re

KEYWORDS = frozenset(
    {
        *("attribute", "profile", "otherwise", "scenario", "on", "for", "one", "of", "optional"),
        *("if", "then", "else", "at", "every", "from", "until", "pause", "while", "stop", "when"),
        *("and", "or", "not", "in", "is", "set", "true", "false"),
        *("propose", "notify", "handoff", "catch", "up"),
        # the words of a policy block's items (window, cap, no, ...) are keywords only there
        "policy",
    }
)

#: the words that may stand before a channel name (``propose plan``); see grammar.lark
VERBS = frozenset({"propose", "notify", "handoff"})

NAME = re.compile(r"[a-z_][a-z0-9_]*")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be written as a name in a scenario file, or ``None`` if it can."""
    if not NAME.fullmatch(name):
        return "names are lower-case letters a-z, digits and _, starting with a letter or _"
    if name in KEYWORDS:
        return f"'{name}' is a reserved word of the scenario language"
    return None


#: the days of the week as a contact window names them, Monday first (``date.weekday()`` order)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def clock(minutes: int) -> str:
    """A time of day written as in a policy block: ``600`` -> ``10:00``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
