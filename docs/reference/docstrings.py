"""A Griffe extension for the API reference: dunforce's docstrings, read as Markdown.

The docstrings are plain prose with two reST habits that Markdown does not know: roles
(``:class:`Program```) and doctest examples (``>>> compile(...)``), which Markdown would show
as a role's raw text and as nested quotes. Before mkdocstrings renders a docstring, this
extension turns a role into inline code (``~`` keeping the last name only, as Sphinx does) and a
run of doctest lines into a ``pycon`` code block. The source keeps its docstrings as they are,
so that ``--doctest-modules`` still runs the examples.
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:class|meth|func|mod|data|attr|exc|obj):`(~?)([^`]+)`")
FENCE = re.compile(r"^\s*(```|~~~)")


def _role(match: re.Match[str]) -> str:
    short, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


def markdown_docstring(text: str) -> str:
    """The docstring with its roles as inline code and its doctests in ``pycon`` blocks.

    >>> markdown_docstring("See :class:`~a.b.Program`.\\n\\n>>> 1 + 1\\n2\\n\\nDone.").split("\\n")
    ['See `Program`.', '', '```pycon', '>>> 1 + 1', '2', '```', '', 'Done.']
    """
    lines: list[str] = []
    in_fence = in_doctest = False
    for line in text.split("\n"):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and not in_doctest and line.lstrip().startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(f"{indent}```pycon")
            in_doctest = True
        elif in_doctest and not line.strip():
            lines.append(f"{indent}```")
            in_doctest = False
        lines.append(line if in_fence or in_doctest else ROLE.sub(_role, line))
    if in_doctest:
        lines.append(f"{indent}```")
    return "\n".join(lines)


class MarkdownDocstrings(griffe.Extension):
    """Rewrites every docstring Griffe loads (see the module docstring)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: object) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_docstring(obj.docstring.value)
