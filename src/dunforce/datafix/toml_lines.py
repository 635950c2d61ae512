"""Where a key is written in a TOML text, so that a validation error can name its line.

``tomllib`` gives values without positions. This module scans the text once for table headers
(``[a.b]``, ``[[a.b]]``) and ``key = value`` lines, inline tables included, and maps each dotted
key path to the line that defines it. It only locates keys; it never parses values (``tomllib``
does, and has already accepted the text when this runs).
"""

from __future__ import annotations

import re

__all__ = ["KeyLines", "key_path"]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_HEADER = re.compile(r"\s*(\[\[?)(.*?)(\]\]?)\s*(?:#.*)?$")


def _read_key(text: str, start: int) -> tuple[tuple[str, ...], int] | None:
    """A dotted key at ``text[start:]``: its parts and the index after it, or None."""
    parts: list[str] = []
    i = start
    while True:
        while i < len(text) and text[i] in " \t":
            i += 1
        if i >= len(text):
            return None
        char = text[i]
        if char in "\"'":
            end = i + 1
            while end < len(text) and text[end] != char:
                end += 2 if char == '"' and text[end] == "\\" else 1
            if end >= len(text):
                return None
            raw = text[i + 1 : end]
            parts.append(raw if char == "'" else _unescape(raw))
            i = end + 1
        else:
            match = _BARE.match(text, i)
            if match is None:
                return None
            parts.append(match.group())
            i = match.end()
        while i < len(text) and text[i] in " \t":
            i += 1
        if i < len(text) and text[i] == ".":
            i += 1
            continue
        return tuple(parts), i


def _unescape(raw: str) -> str:
    try:
        return raw.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:  # pragma: no cover - tomllib accepted the text already
        return raw


def key_path(path: tuple[object, ...]) -> str:
    """A key path as it is written in a TOML file: ``sources.ledger.columns."Date opé"``."""
    words = []
    for part in path:
        if isinstance(part, int):
            words[-1:] = [f"{words[-1]}[{part}]"] if words else [f"[{part}]"]
        elif _BARE.fullmatch(part):
            words.append(part)
        else:
            words.append('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return ".".join(words)


class KeyLines:
    """The line of each key path of a TOML text (1-based).

    >>> lines = KeyLines('[sources.ledger]\\ntable = "ledger"\\n[sources.ledger.columns]\\n'
    ...                  'amount = { column = "Montant", parse = "amount" }\\n')
    >>> lines.line(("sources", "ledger", "columns", "amount", "parse"))
    4
    >>> lines.line(("sources", "ledger", "files"))  # not written: its table's line
    1
    """

    def __init__(self, text: str):
        self.lines: dict[tuple[object, ...], int] = {}
        arrays: dict[tuple[str, ...], int] = {}
        table: tuple[object, ...] = ()
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string is not None:
                if in_string in line:
                    in_string = None
                continue
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            header = _HEADER.match(line)
            if header and stripped.startswith("["):
                found = _read_key(header.group(2), 0)
                if found is None:
                    continue
                parts = found[0]
                if header.group(1) == "[[":
                    index = arrays.get(parts, -1) + 1
                    arrays[parts] = index
                    table = (*parts, index)
                else:
                    table = self._resolve(parts, arrays)
                self.lines.setdefault(table, number)
                for depth in range(1, len(table)):
                    self.lines.setdefault(table[:depth], number)
                continue
            found = _read_key(line, 0)
            if found is None:
                continue
            parts, after = found
            rest = line[after:].lstrip()
            if not rest.startswith("="):
                continue
            path = (*table, *parts)
            for depth in range(len(table) + 1, len(path) + 1):
                self.lines.setdefault(path[:depth], number)
            value = rest[1:].lstrip()
            if value.startswith("{"):
                self._inline(value, path, number)
            for quote in ('"""', "'''"):
                if value.startswith(quote) and value.count(quote) == 1:
                    in_string = quote

    @staticmethod
    def _resolve(parts: tuple[str, ...], arrays: dict[tuple[str, ...], int]) -> tuple[object, ...]:
        """A table header under an array of tables names its latest element."""
        resolved: list[object] = []
        for depth, part in enumerate(parts, start=1):
            resolved.append(part)
            if parts[:depth] in arrays and depth < len(parts):
                resolved.append(arrays[parts[:depth]])
        return tuple(resolved)

    def _inline(self, text: str, path: tuple[object, ...], number: int) -> None:
        """Keys of an inline table (``{ column = "X", parse = "date" }``) on the same line."""
        depth = 0
        i = 0
        expect_key = False
        while i < len(text):
            char = text[i]
            if char in "\"'":
                end = text.find(char, i + 1)
                while char == '"' and end > 0 and text[end - 1] == "\\":
                    end = text.find(char, end + 1)
                i = len(text) if end < 0 else end + 1
                continue
            if char == "{":
                depth += 1
                expect_key = depth == 1
            elif char == "}":
                depth -= 1
            elif char == "," and depth == 1:
                expect_key = True
            elif expect_key and char not in " \t":
                found = _read_key(text, i)
                expect_key = False
                if found is not None:
                    parts, i = found
                    self.lines.setdefault((*path, *parts), number)
                    continue
            i += 1

    def line(self, path: tuple[object, ...]) -> int | None:
        """The line of ``path``, else of its nearest written parent; None when none is."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None
