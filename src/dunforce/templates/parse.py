"""Template text to a checked Jinja tree: line breaks, syntax errors said plainly, depth limit.

A part (a subject or a body) is parsed and run through the allow-list once; it is compiled only
when nothing is wrong with its shape. Problems are returned, never raised.
"""

from __future__ import annotations

import re

import attrs
import jinja2
from jinja2 import TemplateSyntaxError, nodes

from dunforce.templates import codes
from dunforce.templates.environment import ENVIRONMENT
from dunforce.templates.validate import Problem, analyse

SUBJECT = "Subject:"

_OPENERS = frozenset({"if", "for", "macro", "call", "filter", "block", "with", "autoescape"})
_TAG_WORD = re.compile(r"\{%[-+]?\s*(\w+)")
_QUOTED = re.compile(r"(?:got|unexpected|unknown tag|tag) '([^']+)'")
_INNERMOST = re.compile(r"innermost block that needs to be closed is '(\w+)'")


@attrs.frozen
class Part:
    """A subject or a body: its source, the file line it starts on, its tree and its problems."""

    source: str
    first_line: int
    tree: nodes.Template | None = attrs.field(eq=False, repr=False)
    problems: tuple[Problem, ...]
    compiled: jinja2.Template | None = attrs.field(eq=False, repr=False)


def _unclosed_block(source: str, kind: str) -> tuple[int, str] | None:
    """The line and keyword of the innermost ``{% kind %}`` still open at the end of source."""
    stack: list[tuple[str, int]] = []
    for match in _TAG_WORD.finditer(source):
        word = match.group(1)
        line = source.count("\n", 0, match.start()) + 1
        if word in _OPENERS:
            stack.append((word, line))
        elif word.startswith("end") and stack and stack[-1][0] == word[3:]:
            stack.pop()
    for word, line in reversed(stack):
        if word == kind:
            return line, kind
    return None


def _unclosed_expression(source: str) -> int | None:
    """The line of the last ``{{`` or ``{%`` that is never closed."""
    found = None
    for match in re.finditer(r"\{\{|\{%", source):
        closer = "}}" if match.group() == "{{" else "%}"
        if source.find(closer, match.end()) == -1:
            found = source.count("\n", 0, match.start()) + 1
            break
    return found


def _syntax_problem(error: TemplateSyntaxError, source: str) -> Problem:
    message = (error.message or "syntax error").rstrip(".")
    line = error.lineno or 1
    hint = "templates use {{ name }}, {{ name | filter }} and {% if … %}…{% endif %}"
    innermost = _INNERMOST.search(message)
    if innermost:
        kind = innermost.group(1)
        opened = _unclosed_block(source, kind)
        if opened:
            line = opened[0]
        return Problem(
            codes.SYNTAX,
            f"this {{% {kind} %}} is never closed: the template ends before {{% end{kind} %}}",
            line,
            needle=kind,
            hint=f"close it with {{% end{kind} %}}",
        )
    if "end of template" in message.lower():
        opened_at = _unclosed_expression(source)
        if opened_at is not None:
            return Problem(
                codes.SYNTAX,
                "this {{ or {% is never closed",
                opened_at,
                needle="{",
                hint="close {{ with }} and {% with %}",
            )
    quoted = _QUOTED.search(message)
    if "unknown tag" in message:
        hint = "templates know {% if %}, {% elif %}, {% else %}, {% endif %} and {% raw %}"
    return Problem(
        codes.SYNTAX, message, line, needle=quoted.group(1) if quoted else None, hint=hint
    )


_RAW = re.compile(r"\{%[-+]?\s*raw\s*[-+]?%\}.*?(?:\{%[-+]?\s*endraw\s*[-+]?%\}|\Z)", re.S)
_BLOCK_TAG = re.compile(r"\{%.*?%\}")
_COMMENT = re.compile(r"\{#.*?#\}")


def keep_line_breaks(source: str) -> str:
    r"""The source with ``+%}`` on each block tag that ends a line of text.

    ``trim_blocks`` drops the line break after every block tag, which is right for a tag alone
    on its line (``{% if x %}`` leaves no blank line) but joins two lines when an inline
    ``{% endif %}`` ends a sentence. Marking those tags keeps their break; no line is added or
    removed, so line numbers stay those of the file.

    >>> keep_line_breaks("Bonjour{% if x %} !{% endif %}\n{% if y %}\nz\n{% endif %}\n")
    'Bonjour{% if x %} !{% endif +%}\n{% if y %}\nz\n{% endif %}\n'
    """
    raw = [m.span() for m in _RAW.finditer(source)]
    marks = []
    offset = 0
    for line in source.split("\n"):
        tags = list(_BLOCK_TAG.finditer(line))
        if tags and tags[-1].end() == len(line):
            last = tags[-1]
            text = _COMMENT.sub("", _BLOCK_TAG.sub("", line))
            at = offset + last.end() - 2
            in_raw = any(start <= at < end for start, end in raw)
            if text.strip() and not in_raw and line[last.end() - 3] not in "+-":
                marks.append(at)
        offset += len(line) + 1
    for at in reversed(marks):
        source = source[:at] + "+" + source[at:]
    return source


_TOO_DEEP = Problem(
    codes.SYNTAX,
    "this template is nested too deeply to be read",
    1,
    hint="a message needs a few levels of {% if %} and a few filters, not hundreds",
)


#: how deep a parse tree may be: real messages need a handful of levels, and Jinja's compiler
#: takes seconds on a chain of a few hundred filters
MAX_DEPTH = 40


def _depth(tree: nodes.Node) -> int:
    """The height of a parse tree, computed without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node.iter_child_nodes())
    return deepest


def parse_part(source: str, first_line: int) -> Part:
    prepared = keep_line_breaks(source)
    try:
        tree = ENVIRONMENT.parse(prepared)
        if _depth(tree) > MAX_DEPTH:
            return Part(source, first_line, None, (_TOO_DEEP,), None)
        problems = analyse(tree)
        compiled = None if problems else ENVIRONMENT.from_string(prepared)
    except TemplateSyntaxError as error:
        return Part(source, first_line, None, (_syntax_problem(error, source),), None)
    except (RecursionError, SyntaxError):
        # Jinja's parser recurses, and so does the allow-list; Python refuses generated code
        # with more than 200 nested parentheses (`not not … not x`)
        return Part(source, first_line, None, (_TOO_DEEP,), None)
    return Part(source, first_line, tree, problems, compiled)


def split_subject(text: str) -> tuple[str | None, str, int]:
    """(subject source, body source, file line of the body)."""
    first, _, rest = text.partition("\n")
    if not first.startswith(SUBJECT):
        return None, text, 1
    subject = first[len(SUBJECT) :].strip()
    body_line = 2
    if rest.startswith("\n"):  # the blank line that separates subject and body
        rest, body_line = rest[1:], 3
    return subject, rest, body_line


__all__ = ["MAX_DEPTH", "SUBJECT", "Part", "keep_line_breaks", "parse_part", "split_subject"]
