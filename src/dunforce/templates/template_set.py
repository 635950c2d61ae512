"""A set of templates by name and channel, loaded from a directory, checked against a scenario.

File ``relance_1.txt`` serves every channel; ``relance_1.sms.txt`` serves the SMS channel and wins
over it there. Loading never raises for a bad file: the problem becomes a diagnostic that
:meth:`TemplateSet.check` reports with the others, so a designer fixes everything in one pass.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

import attrs

from dunforce.attributes.catalogue import HOUSING_SCHEMA
from dunforce.attributes.schema import Schema
from dunforce.attributes.types import AttributeSpec, DerivedAttribute, ValueType
from dunforce.errors import Diagnostic, Span
from dunforce.templates import codes
from dunforce.templates.sms import sms_diagnostics
from dunforce.templates.template import Message, RenderError, Template
from dunforce.templates.validate import Variable, as_variables
from dunforce.words import NAME

#: templates are hand-written texts; a real one is a few kilobytes
MAX_TEMPLATE_BYTES = 100_000
SUFFIX = ".txt"

#: the names the wiring code adds to the schema's attributes for every message
CONTEXT_VARIABLES: Mapping[str, ValueType] = MappingProxyType(
    {"account_id": ValueType.TEXT, "today": ValueType.DATE, "scheduled_for": ValueType.DATE}
)

VariableSpec = ValueType | AttributeSpec | DerivedAttribute | Variable


def _is_span(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if not isinstance(value, Span):
        raise TypeError(f"TemplateUse.{attribute.name} must be a Span, not {value!r}")


@attrs.frozen
class TemplateUse:
    """Where a scenario step names a template: ``sms "relance_1"`` at ``filename``, ``span``.

    ``source_line`` is the scenario line, so that a missing template is shown with its caret.
    """

    template: str = attrs.field(validator=attrs.validators.instance_of(str))
    channel: str = attrs.field(validator=attrs.validators.instance_of(str))
    filename: str = attrs.field(validator=attrs.validators.instance_of(str))
    span: Span = attrs.field(validator=_is_span)
    source_line: str | None = attrs.field(default=None, kw_only=True, repr=False)


def _key_problem(key: str) -> str | None:
    """Why ``key`` (``name`` or ``name.channel``) cannot name a template, or ``None``."""
    parts = key.split(".")
    if len(parts) > 2:
        return "a template file is NAME.txt or NAME.CHANNEL.txt"
    for part, what in zip(parts, ("template name", "channel"), strict=False):
        if not NAME.fullmatch(part):
            return (
                f"the {what} {part!r} is not a name: lower-case letters a-z, digits and _, "
                "starting with a letter or _"
            )
    return None


def _split(key: str) -> tuple[str, str | None]:
    name, _, channel = key.partition(".")
    return name, channel or None


def _file_problem(
    filename: str,
    message: str,
    *,
    hint: str | None = None,
    line: int = 1,
    column: int = 1,
    source_line: str | None = None,
) -> Diagnostic:
    return Diagnostic(
        filename=filename,
        span=Span.point(line, column),
        message=message,
        code=codes.FILE,
        hint=hint,
        source_line=source_line,
    )


def _decode(raw: bytes, filename: str) -> str | Diagnostic:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        shown = raw.split(b"\n")[line - 1].decode("utf-8", errors="replace").rstrip("\r")
        return _file_problem(
            filename,
            f"this file is not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be read",
            hint="save the template as UTF-8 (latin-1 or Windows-1252 files must be converted)",
            line=line,
            column=column,
            source_line=shown,
        )
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _read(path: Path, max_bytes: int) -> str | Diagnostic:
    filename = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        return _file_problem(filename, f"cannot read this file: {exc.strerror or exc}")
    if len(raw) > max_bytes:
        return _file_problem(
            filename,
            f"this file is over {max_bytes:,} bytes; a template may be at most {max_bytes:,}",
        )
    return _decode(raw, filename)


def _freeze(value: Mapping[str, Template]) -> Mapping[str, Template]:
    items = dict(value)
    for key, template in items.items():
        if not isinstance(template, Template) or template.key != key:
            raise ValueError(f"templates[{key!r}] must be a Template whose key is {key!r}")
    return MappingProxyType(dict(sorted(items.items())))


@attrs.frozen
class TemplateSet:
    """Templates by key (``relance_1``, ``relance_1.sms``), and the problems met loading them.

    >>> templates = TemplateSet.from_mapping({
    ...     "relance_1": "Madame, Monsieur, il reste {{ debt | money }} à régler.",
    ...     "relance_1.sms": "Bonjour, il reste {{ debt | money }} a regler.",
    ... })
    >>> from decimal import Decimal
    >>> templates.render("relance_1", "sms", {"debt": Decimal("80")}).body
    'Bonjour, il reste 80,00 € a regler.'
    >>> templates.render("relance_1", "letter", {"debt": Decimal("80")}).body
    'Madame, Monsieur, il reste 80,00 € à régler.'
    """

    templates: Mapping[str, Template] = attrs.field(converter=_freeze, factory=dict)
    problems: tuple[Diagnostic, ...] = attrs.field(converter=tuple, default=())

    # -- building

    @classmethod
    def from_directory(
        cls, path: str | os.PathLike[str], *, max_bytes: int = MAX_TEMPLATE_BYTES
    ) -> TemplateSet:
        """The ``*.txt`` files of a directory (not its subdirectories).

        Files that cannot be read, are not UTF-8 or are badly named are kept as diagnostics on
        ``problems``; other files (``README.md``, hidden files) are ignored.
        """
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
            raise TypeError(f"max_bytes must be a positive int, not {max_bytes!r}")
        directory = Path(path)
        try:
            entries = sorted(directory.iterdir())
        except OSError as exc:
            problem = _file_problem(
                os.fspath(path),
                f"cannot read the template directory: {exc.strerror or exc}",
                hint="give the directory that holds the NAME.txt files",
            )
            return cls({}, (problem,))
        templates: dict[str, Template] = {}
        problems = []
        for entry in entries:
            if entry.name.startswith(".") or not entry.name.endswith(SUFFIX):
                continue
            if entry.is_dir():
                continue
            key = entry.name[: -len(SUFFIX)]
            problem = _key_problem(key)
            if problem is not None:
                problems.append(
                    _file_problem(
                        os.fspath(entry),
                        f"'{entry.name}' is not a template file name: {problem}",
                        hint="name it like relance_1.txt or relance_1.sms.txt",
                    )
                )
                continue
            text = _read(entry, max_bytes)
            if isinstance(text, Diagnostic):
                problems.append(text)
                continue
            name, channel = _split(key)
            templates[key] = Template(name, channel, os.fspath(entry), text)
        return cls(templates, tuple(problems))

    @classmethod
    def from_mapping(cls, texts: Mapping[str, str]) -> TemplateSet:
        """Templates from texts keyed ``name`` or ``name.channel`` (for tests and notebooks)."""
        if not isinstance(texts, Mapping):
            raise TypeError(f"texts must be a mapping, not {type(texts).__name__}")
        templates = {}
        for key, text in texts.items():
            if not isinstance(key, str):
                raise TypeError(f"texts: keys must be str, not {key!r}")
            problem = _key_problem(key)
            if problem is not None:
                raise ValueError(f"texts: {key!r} cannot name a template: {problem}")
            if not isinstance(text, str):
                raise TypeError(f"texts[{key!r}] must be a str, not {type(text).__name__}")
            text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
            name, channel = _split(key)
            templates[key] = Template(name, channel, key + SUFFIX, text)
        return cls(templates)

    # -- reading

    def get(self, name: str, channel: str) -> Template | None:
        """The template a step ``channel "name"`` sends: the channel's own version first."""
        return self.templates.get(f"{name}.{channel}") or self.templates.get(name)

    @property
    def names(self) -> tuple[str, ...]:
        """The template names, each once, sorted."""
        return tuple(sorted({t.name for t in self.templates.values()}))

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __iter__(self) -> Iterator[Template]:
        return iter(self.templates.values())

    def __len__(self) -> int:
        return len(self.templates)

    # -- rendering

    def render(self, name: str, channel: str, values: Mapping[str, object]) -> Message:
        """The message a step ``channel "name"`` sends for these values.

        ``values`` maps each variable to its public value: ``Decimal`` money, ``date``, ``int``
        or ``Decimal`` numbers, ``bool``, ``str``, and ``None`` when unset.
        """
        template = self.get(name, channel)
        if template is None:
            raise RenderError(f"no template for channel {channel}", template=name, channel=channel)
        return template.render(values, channel=channel)

    # -- checking

    def check(
        self,
        uses: Iterable[TemplateUse],
        variables: Mapping[str, VariableSpec],
        *,
        sms_channels: Iterable[str] = frozenset({"sms"}),
    ) -> tuple[Diagnostic, ...]:
        """Every problem of the set for a scenario: errors and warnings, sorted by place.

        ``uses`` are the steps that name a template; ``variables`` maps each name a template
        may read to its ``ValueType`` (or to the schema's attribute, so that a text's allowed
        values are known). Templates sent on one of ``sms_channels`` are measured as SMS.
        """
        known = as_variables(variables)
        if isinstance(sms_channels, str):
            raise TypeError("sms_channels must be a collection of channel names, not a str")
        sms = frozenset(sms_channels)
        found: list[Diagnostic] = list(self.problems)
        for template in self:
            found.extend(template.diagnostics(known))
        used: dict[str, list[TemplateUse]] = {}
        named: set[str] = set()
        for use in uses:
            if not isinstance(use, TemplateUse):
                raise TypeError(f"uses must hold TemplateUse, not {use!r}")
            named.add(use.template)
            template = self.get(use.template, use.channel)
            if template is None:
                found.append(self._missing(use))
            else:
                used.setdefault(template.key, []).append(use)
        for key, key_uses in used.items():
            if any(use.channel in sms for use in key_uses):
                found.extend(sms_diagnostics(self.templates[key], known))
        for key, template in self.templates.items():
            if key not in used:
                found.append(self._unused(template, named))
        return tuple(sorted(found, key=lambda d: (d.filename, d.span, d.code)))

    def _missing(self, use: TemplateUse) -> Diagnostic:
        versions = [t for t in self if t.name == use.template]
        if versions:
            message = f"the template '{use.template}' has no version for {use.channel}"
            hint = (
                f"it has {', '.join(os.path.basename(t.filename) for t in versions)}; add "
                f"{use.template}.{use.channel}.txt, or {use.template}.txt for every channel"
            )
        else:
            message = f"no template '{use.template}' for {use.channel}"
            close = difflib.get_close_matches(use.template, self.names, n=1, cutoff=0.7)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else f"add {use.template}.txt (any channel) or {use.template}.{use.channel}.txt "
                "to the templates"
            )
        return Diagnostic(
            filename=use.filename,
            span=use.span,
            message=message,
            code=codes.MISSING,
            hint=hint,
            source_line=use.source_line,
        )

    def _unused(self, template: Template, named: set[str]) -> Diagnostic:
        if template.channel is not None:
            message = f"no step sends the template '{template.name}' by {template.channel}"
        elif template.name in named:
            message = (
                f"every step that names '{template.name}' has a version for its own channel, "
                f"so {os.path.basename(template.filename)} is never used"
            )
        else:
            message = f"no step uses the template '{template.name}'"
        missing = sorted(named - set(self.names))
        close = difflib.get_close_matches(template.name, missing, n=1, cutoff=0.7)
        return template.diagnostic(
            1,
            message,
            code=codes.UNUSED,
            severity=codes.WARNING,
            hint=f"a step names '{close[0]}': rename the file?"
            if close
            else "remove the file, or check the template names of the steps",
        )


def schema_variables(
    schema: Schema | None = None, *, context: Mapping[str, ValueType] = CONTEXT_VARIABLES
) -> Mapping[str, VariableSpec]:
    """What templates may read: every attribute and derived value of ``schema`` (the housing
    catalogue by default), then the context names (``account_id``, ``today``,
    ``scheduled_for``)."""
    schema = HOUSING_SCHEMA if schema is None else schema
    if not isinstance(schema, Schema):
        raise TypeError(f"schema must be a dunforce.Schema, not {type(schema).__name__}")
    found: dict[str, VariableSpec] = {symbol.name: symbol for symbol in schema}
    found.update(context)
    return MappingProxyType(found)


def template_uses(checked) -> tuple[TemplateUse, ...]:
    """Every step of a checked scenario module that names a template, in file order.

    ``checked`` is a :class:`dunforce.CheckedModule`.
    """
    # imported here: the scenario compiler may one day import this package
    from dunforce.dsl import ast

    found = []
    for node in ast.walk(checked.module):
        if isinstance(node, ast.Step):
            for action in node.actions:
                if action.template is not None:
                    found.append(
                        TemplateUse(
                            action.template,
                            action.channel,
                            checked.filename,
                            action.span,
                            source_line=checked.source.line_text(action.span.line),
                        )
                    )
    return tuple(found)


__all__ = [
    "CONTEXT_VARIABLES",
    "MAX_TEMPLATE_BYTES",
    "TemplateSet",
    "TemplateUse",
    "schema_variables",
    "template_uses",
]
