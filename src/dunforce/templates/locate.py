"""Where to put the caret: Jinja gives a line only, so the column is found in the line's text."""

from __future__ import annotations

import re

_TAG = re.compile(r"\{\{.*?(?:\}\}|$)|\{%.*?(?:%\}|$)")
#: tags where a variable may stand: output and conditions
_VALUE_TAG = re.compile(r"\{\{|\{%[-+]?\s*(?:if|elif)\b")
_KEYWORDS = frozenset(
    {"for", "set", "macro", "call", "include", "import", "from", "extends", "block", "filter"}
    | {"with", "autoescape", "do", "break", "continue", "is", "in", "if", "elif"}
)


def locate(text: str, needle: str | None, skip: int) -> tuple[int, int]:
    """(column, width) of the ``skip``-th occurrence of ``needle`` on a line, inside a tag if
    possible; the first tag, or column 1, when it cannot be found.

    A name is looked for in ``{{ }}`` and ``{% if %}`` tags only, where names stand, so that
    the ``x`` of a refused ``{% set x %}`` does not catch the caret of a later ``{{ x }}``.
    """
    tags = [(m.start(), m.end()) for m in _TAG.finditer(text)]
    if needle:
        pattern = re.escape(needle)
        if re.fullmatch(r"\w+", needle):
            pattern = rf"(?<!\w){pattern}(?!\w)"
            if needle not in _KEYWORDS:
                tags = [t for t in tags if _VALUE_TAG.match(text, t[0])] or tags
        inside, anywhere = [], []
        for match in re.finditer(pattern, text):
            spot = (match.start() + 1, len(needle))
            anywhere.append(spot)
            if any(start <= match.start() < end for start, end in tags):
                inside.append(spot)
        found = inside or anywhere
        if found:
            return found[min(skip, len(found) - 1)]
    if tags:
        start, end = tags[0]
        return start + 1, end - start
    return 1, max(len(text.rstrip()), 1)


__all__ = ["locate"]
