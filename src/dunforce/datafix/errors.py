"""The error a datafix raises when it cannot go on: a datafix file that does not validate, or an
export that cannot be read at all (a missing column, no file for a source, a header that is not
text).

Bad *rows* are never errors: they go to the quarantine table with their reason, and the others
are loaded.
"""

from __future__ import annotations

from collections.abc import Sequence

from dunforce.errors import DunforceError

__all__ = ["DatafixError"]


class DatafixError(DunforceError):
    """A datafix file or an export that cannot be used.

    ``filename`` is the file concerned (the datafix file for a configuration error, the export
    for a file that cannot be read), ``line`` the 1-based line in it when known, ``key`` the
    dotted key of the datafix file (``sources.ledger.columns.amount``) and ``column`` the column
    of the export, when there is one. ``str(err)`` reads ``file:line: key: message``.

    A datafix file with several problems raises one error for all of them: ``errors`` holds
    each (in line order) and the fields above describe the first.
    """

    def __init__(
        self,
        message: str,
        *,
        filename: str | None = None,
        line: int | None = None,
        key: str | None = None,
        column: str | None = None,
        errors: Sequence[DatafixError] = (),
    ):
        self.message = message
        self.filename = filename
        self.line = line
        self.key = key
        self.column = column
        self.errors: tuple[DatafixError, ...] = tuple(errors) or (self,)
        super().__init__(str(self))

    def __str__(self) -> str:
        if len(self.errors) > 1:
            lines = [error.line_text() for error in self.errors]
            return "\n".join(lines) + f"\n{len(self.errors)} problems in {self.filename}"
        return self.line_text()

    def line_text(self) -> str:
        """This problem alone, as ``file:line: key: message``."""
        where = ""
        if self.filename is not None:
            where = self.filename if self.line is None else f"{self.filename}:{self.line}"
            where += ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.message}"

    def __reduce__(self):
        errors = self.errors if len(self.errors) > 1 else ()
        return (_rebuild, (self.message, self.filename, self.line, self.key, self.column, errors))


def _rebuild(message, filename, line, key, column, errors=()):
    return DatafixError(
        message, filename=filename, line=line, key=key, column=column, errors=errors
    )
