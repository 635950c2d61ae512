"""The exception tree and the diagnostics it carries.

Errors hold structured fields (file, span, message, hint, code); only ``__str__`` formats them, so
tools can read the fields and people can read the text.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

_LINE_WIDTH = 100
_CONTEXT_BEFORE = 40


class DunforceError(Exception):
    """The root of every error dunforce raises on purpose."""


@attrs.frozen(order=True)
class Span:
    """A region of source text; lines and columns count from 1, ``end_column`` is exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int, width: int = 1) -> Span:
        return cls(line, column, line, column + max(width, 1))

    def to(self, other: Span) -> Span:
        """The span that starts where this one starts and ends where ``other`` ends."""
        return Span(self.line, self.column, other.end_line, other.end_column)


@attrs.frozen
class Diagnostic:
    """One problem found in a source file: an error or a warning.

    ``code`` is a stable short name (``missing-at``, ``unknown-name``) that the documentation's
    error catalogue lists and that tools may filter on.
    """

    filename: str
    span: Span
    message: str
    severity: str = "error"
    code: str = "error"
    hint: str | None = None
    source_line: str | None = attrs.field(default=None, repr=False)

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = f"{self.filename}:{self.span.line}:{self.span.column}"
        head = f"{where}: {self.severity}[{self.code}]: {self.message}"
        parts = [head]
        if self.source_line is not None:
            text = "".join(c if c.isprintable() else " " for c in self.source_line)
            start = min(max(self.span.column, 1), len(text) + 1)
            if self.span.end_line == self.span.line:
                end = max(self.span.end_column, start + 1)
            else:
                end = len(text) + 1
            end = min(end, max(len(text) + 1, start + 1))
            # long lines are shown as a window around the caret
            shift = max(0, start - _CONTEXT_BEFORE - 1) if len(text) > _LINE_WIDTH else 0
            shown = text[shift : shift + _LINE_WIDTH]
            prefix = "…" if shift else ""
            suffix = "…" if len(text) > shift + _LINE_WIDTH else ""
            gutter = f"{self.span.line:>4} | "
            parts.append(gutter + prefix + shown + suffix)
            caret_start = start - shift - 1 + len(prefix)
            caret_width = max(1, min(end - start, _LINE_WIDTH - (start - shift - 1)))
            parts.append(" " * (len(gutter) - 2) + "| " + " " * caret_start + "^" * caret_width)
        if self.hint:
            parts.append(f"     = hint: {self.hint}")
        return "\n".join(parts)


class DslError(DunforceError):
    """A scenario file that cannot be parsed or does not check.

    ``errors`` holds every problem found, in source order; ``filename``, ``line``, ``column`` and
    ``message`` describe the first one, for callers that show a single problem.
    """

    def __init__(self, errors: Sequence[Diagnostic]):
        if not errors:
            raise ValueError("a DslError needs at least one diagnostic")
        self.errors: tuple[Diagnostic, ...] = tuple(
            sorted(errors, key=lambda d: (d.span.line, d.span.column))
        )
        first = self.errors[0]
        self.filename = first.filename
        self.line = first.span.line
        self.column = first.span.column
        self.message = first.message
        self.hint = first.hint
        self.code = first.code
        super().__init__(str(self))

    def __str__(self) -> str:
        text = "\n\n".join(str(d) for d in self.errors)
        if len(self.errors) > 1:
            text += f"\n\n{len(self.errors)} errors in {self.filename}"
        return text

    def __reduce__(self):
        return (type(self), (self.errors,))


class EvaluationError(DunforceError):
    """A condition that cannot be evaluated for an account (a division by zero, say), with the
    scenario line it comes from."""


class StateError(DunforceError):
    """Account data that does not fit the schema (an unknown attribute, a wrong type).

    ``field`` names what was wrong (``attributes.income``, ``ledger[3].amount``), ``value`` is
    the value given, and ``account_id`` the account when it is known.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        account_id: str | None = None,
    ):
        self.message = message
        self.field = field
        self.value = value
        self.account_id = account_id
        super().__init__(message if account_id is None else f"account {account_id}: {message}")

    def for_account(self, account_id: str) -> StateError:
        """The same error, naming the account it belongs to."""
        if self.account_id is not None:
            return self
        return StateError(self.message, field=self.field, value=self.value, account_id=account_id)

    def __reduce__(self):
        return (
            _rebuild_state_error,
            (self.message, self.field, self.value, self.account_id),
        )


def _rebuild_state_error(message, field, value, account_id):
    return StateError(message, field=field, value=value, account_id=account_id)


class DataError(DunforceError):
    """Canonical tables that cannot be read at all: a missing file or column, a file that is not
    UTF-8 CSV. Bad *rows* are not errors: they reject their account and the others go on.

    ``path`` is the file (or table name) concerned and ``column`` the missing column, if any.
    """

    def __init__(self, message: str, *, path: str | None = None, column: str | None = None):
        self.message = message
        self.path = path
        self.column = column
        super().__init__(message)

    def __reduce__(self):
        return (_rebuild_data_error, (self.message, self.path, self.column))


def _rebuild_data_error(message, path, column):
    return DataError(message, path=path, column=column)


__all__ = ["DataError", "Diagnostic", "DslError", "DunforceError", "Span", "StateError"]
