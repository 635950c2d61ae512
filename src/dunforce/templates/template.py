"""One message template: a file's text, parsed and checked once, rendered many times.

A template is a subject (optional: a first line ``Subject: …``) and a body, each a Jinja text.
Parsing and the allow-list run when the template is built; a template whose shape is wrong is
kept (so that its diagnostics can be shown) but never compiled, and rendering it is an error.
Rendering is pure: the same values always give the same message.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import jinja2
from jinja2 import nodes

from dunforce.errors import Diagnostic, Span
from dunforce.templates.environment import MissingVariable
from dunforce.templates.filters import FilterError, Unset, UnsetUsed
from dunforce.templates.locate import locate
from dunforce.templates.message import Message, RenderError
from dunforce.templates.parse import SUBJECT, Part, parse_part, split_subject
from dunforce.templates.validate import analyse, as_variables
from dunforce.words import NAME


def _check_name(field: str, value: object) -> None:
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise ValueError(
            f"Template.{field} must be a name (lower-case letters a-z, digits and _), not {value!r}"
        )


@attrs.frozen
class Template:
    """One template file: ``name`` and ``channel`` (``None``: any channel) from its file name.

    >>> from decimal import Decimal
    >>> t = Template("relance_1", None, "relance_1.txt", "Reste dû : {{ debt | money }}.")
    >>> t.render({"debt": Decimal("120.5")}, channel="email").body
    'Reste dû : 120,50 €.'
    """

    name: str = attrs.field(validator=lambda _, a, v: _check_name(a.name, v))
    channel: str | None = attrs.field(validator=lambda _, a, v: v is None or _check_name(a.name, v))
    filename: str = attrs.field(validator=attrs.validators.instance_of(str))
    text: str = attrs.field(repr=False, validator=attrs.validators.instance_of(str))
    subject: str | None = attrs.field(init=False)
    body: str = attrs.field(init=False, repr=False)
    lines: tuple[str, ...] = attrs.field(init=False, repr=False, eq=False)
    _subject_part: Part | None = attrs.field(init=False, repr=False, eq=False)
    _body_part: Part = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        subject, body, body_line = split_subject(self.text)
        set_ = object.__setattr__
        set_(self, "subject", subject)
        set_(self, "body", body)
        set_(self, "lines", tuple(self.text.split("\n")))
        set_(self, "_subject_part", None if subject is None else parse_part(subject, 1))
        set_(self, "_body_part", parse_part(body, body_line))

    @property
    def key(self) -> str:
        """How a template set names it: ``relance_1`` or ``relance_1.sms``."""
        return self.name if self.channel is None else f"{self.name}.{self.channel}"

    @property
    def _parts(self) -> tuple[Part, ...]:
        return tuple(p for p in (self._subject_part, self._body_part) if p is not None)

    @property
    def has_errors(self) -> bool:
        """Whether the template cannot be compiled (bad syntax or a forbidden construct)."""
        return any(part.problems for part in self._parts)

    @property
    def body_tree(self) -> nodes.Template | None:
        """The body's parse tree (``None`` when it does not parse); read it, never change it."""
        return self._body_part.tree

    @property
    def body_line(self) -> int:
        return self._body_part.first_line

    # -- diagnostics

    def diagnostic(
        self,
        line: int,
        message: str,
        *,
        code: str,
        needle: str | None = None,
        hint: str | None = None,
        severity: str = "error",
        skip: int = 0,
    ) -> Diagnostic:
        """A diagnostic at a line of the file, the caret under ``needle`` when it is there."""
        text = self.lines[line - 1] if 1 <= line <= len(self.lines) else None
        column, width = locate(text, needle, skip) if text is not None else (1, 1)
        return Diagnostic(
            filename=self.filename,
            span=Span.point(line, column, width),
            message=message,
            severity=severity,
            code=code,
            hint=hint,
            source_line=text,
        )

    def diagnostics(self, variables: Mapping[str, object] | None = None) -> tuple[Diagnostic, ...]:
        """Syntax, allow-list and (with ``variables``, as :meth:`TemplateSet.check` takes them)
        name, filter and comparison problems."""
        known = None if variables is None else as_variables(variables)
        found: list[Diagnostic] = []
        seen: dict[tuple[int, str | None], int] = {}
        for part in self._parts:
            problems = part.problems
            if part.tree is not None and known is not None:
                problems = analyse(part.tree, known)
            for problem in problems:
                line = part.first_line + problem.line - 1
                skip = seen.get((line, problem.needle), 0)
                seen[(line, problem.needle)] = skip + 1
                found.append(
                    self.diagnostic(
                        line,
                        problem.message,
                        code=problem.code,
                        needle=problem.needle,
                        hint=problem.hint,
                        severity=problem.severity,
                        skip=skip,
                    )
                )
        return tuple(found)

    # -- rendering

    def render(self, values: Mapping[str, object], *, channel: str | None = None) -> Message:
        """The message for these values (variable name → public value, ``None`` when unset).

        Raises :class:`RenderError` naming the variable when one has no value, is unset where
        a value is needed, or has a type its filter cannot format.
        """
        channel = channel if channel is not None else self.channel
        if channel is None:
            raise TypeError("channel must be given for a template that serves any channel")
        if not isinstance(values, Mapping):
            raise TypeError(f"values must be a mapping, not {type(values).__name__}")
        if self.has_errors:
            first = next(p for part in self._parts for p in part.problems)
            raise RenderError(
                f"{self.filename} has errors ({first.message}); run the check first",
                template=self.name,
                channel=channel,
            )
        context: dict[str, object] = {}
        for name, value in values.items():
            if not isinstance(name, str):
                raise TypeError(f"values: variable names must be str, not {name!r}")
            context[name] = Unset(name) if value is None else value
        subject = None
        if self._subject_part is not None:
            subject = self._render(self._subject_part, context, channel).strip()
        # trailing blank lines are the file's, not the message's (an SMS pays for each)
        body = self._render(self._body_part, context, channel).rstrip()
        return Message(subject=subject, body=body, channel=channel, template=self.name)

    def _render(self, part: Part, context: Mapping[str, object], channel: str) -> str:
        assert part.compiled is not None
        fail = {"template": self.name, "channel": channel}
        try:
            return part.compiled.render(context)
        except MissingVariable as error:
            raise RenderError(
                f"'{error.name}' has no value (pass None when it is unset)",
                variable=error.name,
                **fail,
            ) from None
        except UnsetUsed as error:
            raise RenderError(
                f"'{error.name}' is not set; guard it with {{% if {error.name} is not none %}} "
                f'or write {{{{ {error.name} | default("…") }}}}',
                variable=error.name,
                **fail,
            ) from None
        except FilterError as error:
            raise RenderError(str(error), **fail) from None
        except (TypeError, ValueError, ArithmeticError) as error:  # a comparison of odd values
            raise RenderError(f"cannot render: {error}", **fail) from None
        except jinja2.TemplateError as error:
            raise RenderError(f"cannot render: {error}", **fail) from None


__all__ = ["SUBJECT", "Message", "RenderError", "Template"]
