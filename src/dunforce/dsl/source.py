"""Source text as the user wrote it, and the diagnostics that point into it."""

from __future__ import annotations

import os

import attrs

from dunforce.errors import Diagnostic, DslError, Span

#: scenario files are hand-written; a real one is a few dozen kilobytes
MAX_SOURCE_BYTES = 1_000_000


@attrs.frozen
class Source:
    filename: str
    text: str
    lines: tuple[str, ...] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.text.split("\n")))

    def line_text(self, line: int) -> str | None:
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1]
        return None

    def diagnostic(
        self,
        span: Span,
        message: str,
        *,
        code: str,
        hint: str | None = None,
        severity: str = "error",
    ) -> Diagnostic:
        return Diagnostic(
            filename=self.filename,
            span=span,
            message=message,
            severity=severity,
            code=code,
            hint=hint,
            source_line=self.line_text(span.line),
        )

    def error(self, span: Span, message: str, *, code: str, hint: str | None = None) -> DslError:
        return DslError([self.diagnostic(span, message, code=code, hint=hint)])


_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})


def read_source(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of a scenario file, reading no more than the limit allows.

    A file over the limit is read only as far as the limit, so that ``decode`` refuses it with
    its real size without a multi-gigabyte file ever being loaded.
    """
    size = os.stat(path).st_size
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    return data if size <= max_bytes else _Oversized(data, size)


class _Oversized(bytes):
    """The first bytes of a file too large to read whole, carrying its real size."""

    size: int

    def __new__(cls, data: bytes, size: int):
        self = super().__new__(cls, data)
        self.size = size
        return self


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", errors="surrogatepass"))


def decode(source: str | bytes, filename: str, max_bytes: int) -> Source:
    """Turn what the caller gave into normalised text, or a ``DslError`` that says why not."""
    if isinstance(source, bytes | bytearray):
        raw = bytes(source)
        size = source.size if isinstance(source, _Oversized) else len(raw)
    elif isinstance(source, str):
        raw = None
        size = len(source) if len(source) * 4 <= max_bytes else _utf8_size(source)
    else:
        raise TypeError(f"source must be str or bytes, not {type(source).__name__}")
    if size > max_bytes:
        empty = Source(filename, "")
        raise empty.error(
            Span.point(1, 1),
            f"this file is {size:,} bytes; a scenario file may be at most {max_bytes:,} bytes",
            code="file-too-large",
            hint="split the scenarios into several files, or raise the limit "
            "(max_bytes= in Python, --max-bytes on the command line)",
        )
    if raw is not None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            line_start = raw.rfind(b"\n", 0, exc.start) + 1
            column = len(raw[line_start : exc.start].decode("utf-8", errors="replace")) + 1
            shown = raw.split(b"\n")[line - 1].decode("utf-8", errors="replace")
            src = Source(filename, "\n" * (line - 1) + shown)
            raise src.error(
                Span.point(line, column),
                f"this file is not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be read",
                code="not-utf8",
                hint="save the file as UTF-8 (latin-1 exports must be converted first)",
            ) from None
    else:
        text = source  # type: ignore[assignment]
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    # word processors put no-break spaces in amounts ("1200\u00a0€"); they mean spaces
    text = text.translate(_SPACES)
    return Source(filename, text)
