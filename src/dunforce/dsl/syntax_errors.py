"""Syntax errors in the scenario designer's words.

Lark reports what token it did not expect and which terminals it would have taken. This module
recognises the common mistakes from that, and from the source line, and says what to write
instead. The wording of each message is pinned by ``tests/test_syntax_errors.py`` and listed in
the documentation's error catalogue.
"""

from __future__ import annotations

import re

import attrs
from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from dunforce.dsl.source import Source
from dunforce.errors import Span
from dunforce.words import KEYWORDS


@attrs.frozen
class SyntaxProblem(Exception):
    """Raised inside the parser; turned into a :class:`~dunforce.errors.Diagnostic` by it."""

    span: Span
    message: str
    code: str = "syntax"
    hint: str | None = None


_VALUE_TOKENS = frozenset(
    {"NAME", "NUMBER", "MONEY", "STRING", "DATE", "DURATION", "TRUE", "FALSE"}
)
_DECLARATION_KEYWORDS = frozenset({"PROFILE", "SCENARIO", "ON", "ATTRIBUTE", "IF"})
_CLOSING = {"(": ")", "[": "]"}

_TERMINAL_WORDS = {
    "NAME": "a name",
    "OFFSET": "an offset such as D+2",
    "STRING": 'a text in double quotes such as "relance_1"',
    "NUMBER": "a number",
    "MONEY": "an amount such as 50 €",
    "DURATION": "a duration such as 14 days",
    "DATE": "a date such as 2026-03-02",
    "COMP_OP": "a comparison such as == or <",
    "_NL": "the end of the line",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the block",
    "$END": "the end of the file",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COLON": "':'",
    "COMMA": "','",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "PROPOSE": "'propose'",
    "NOTIFY": "'notify'",
    "HANDOFF": "'handoff'",
}


def terminal_words(name: str) -> str:
    """How a terminal is called in messages: ``OFFSET`` is 'an offset such as D+2'."""
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    if name.lower() in KEYWORDS:
        return f"'{name.lower()}'"
    return name.lower()


def _token_words(token: Token) -> str:
    if token.type in ("_NL", "_INDENT", "_DEDENT", "$END"):
        return _TERMINAL_WORDS[token.type]
    return f"'{token.value}'"


def _span_of(token: Token, src: Source) -> Span:
    if token.type == "$END" or token.line is None:
        last = len(src.lines)
        while last > 1 and not src.lines[last - 1].strip():
            last -= 1
        column = len(src.lines[last - 1]) + 1 if src.lines else 1
        return Span.point(last, column)
    if token.type == "_NL":
        return Span.point(token.line, token.column)
    end_line = token.end_line or token.line
    end_column = token.end_column or token.column + max(len(token.value), 1)
    if end_line != token.line:
        end_line, end_column = token.line, token.column + 1
    return Span(token.line, token.column, end_line, end_column)


_EXPRESSION_START = {"NAME", "NUMBER", "LPAR", "NOT"}


def _expected_list(expected: set[str]) -> str:
    if expected >= _EXPRESSION_START:
        return "a condition or a value: a name, a number, an amount, a text, or '('"
    words = sorted({terminal_words(name) for name in expected if name != "_NL"})
    if "_NL" in expected:
        words.append("the end of the line")
    if len(words) > 6:
        words = [*words[:6], "…"]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _previous(history: list[Token], current: Token | None) -> Token | None:
    """The meaningful token read before ``current`` (newlines and indentation skipped)."""
    tokens = list(history)
    if current is not None and tokens and tokens[-1] is current:
        tokens.pop()
    for token in reversed(tokens):
        if token.type not in ("_INDENT", "_DEDENT"):
            return token
    return None


def _after_block_header(history: list[Token], current: Token) -> bool:
    tokens = [t for t in history if t is not current]
    return len(tokens) >= 2 and tokens[-1].type == "_NL" and tokens[-2].type == "COLON"


def _line_tokens(history: list[Token], current: Token) -> list[Token]:
    """The tokens of the current logical line read so far, before ``current``."""
    tokens: list[Token] = []
    for token in reversed(history):
        if token is current:
            continue
        if token.type in ("_NL", "_INDENT", "_DEDENT"):
            break
        tokens.append(token)
    return tokens[::-1]


def _line_keyword(history: list[Token], current: Token) -> str | None:
    tokens = _line_tokens(history, current)
    return tokens[0].type if tokens else None


def _seen_on_line(history: list[Token], current: Token, kind: str) -> bool:
    return any(t.type == kind for t in _line_tokens(history, current))


def _header_keyword(history: list[Token], current: Token) -> str | None:
    for token in reversed(history):
        if token is current:
            continue
        if token.type in ("PROFILE", "SCENARIO", "ON", "ATTRIBUTE"):
            return token.type.lower()
        if token.type == "_NL":
            return None
    return None


def explain_lark_error(
    exc: UnexpectedInput,
    src: Source,
    history: list[Token],
    open_brackets: list[Token],
    *,
    block_depth: int = 0,
) -> SyntaxProblem:
    """What went wrong, in the scenario designer's words.

    ``history`` is the last tokens read, ``open_brackets`` the brackets still open and
    ``block_depth`` how many indentation levels are open where the error happened.
    """
    if isinstance(exc, UnexpectedCharacters):
        problem = _unexpected_character(exc, src)
    elif isinstance(exc, UnexpectedToken | UnexpectedEOF):
        token = exc.token if isinstance(exc, UnexpectedToken) else Token("$END", "")
        expected = set(exc.expected)
        if open_brackets:  # newlines do not count inside brackets
            expected.discard("_NL")
        problem = _unexpected_token(token, expected, src, history, block_depth)
    else:  # pragma: no cover - Lark has no other kind
        problem = SyntaxProblem(Span.point(exc.line, exc.column), str(exc))
    if open_brackets:
        opened = open_brackets[-1]
        if opened.line is not None and opened.line < problem.span.line:
            token = getattr(exc, "token", None)
            if token is not None and token.type in _DECLARATION_KEYWORDS:
                # a new declaration inside a bracket: the bracket is what was forgotten
                return SyntaxProblem(
                    Span(opened.line, opened.column, opened.line, opened.column + 1),
                    f"this '{opened.value}' is never closed",
                    code="unclosed-bracket",
                    hint=f"add the closing '{_CLOSING[opened.value]}' before line {token.line}",
                )
            still_open = (
                f"the '{opened.value}' opened on line {opened.line}, column {opened.column}, "
                "is still open"
            )
            hint = f"{problem.hint}; {still_open}" if problem.hint else still_open
            problem = attrs.evolve(problem, hint=hint)
    return problem


def _unexpected_character(exc: UnexpectedCharacters, src: Source) -> SyntaxProblem:
    line_text = src.line_text(exc.line) or ""
    index = exc.column - 1
    char = exc.char
    rest = line_text[index:]
    here = Span.point(exc.line, exc.column)
    if char == '"':
        return SyntaxProblem(
            Span(exc.line, exc.column, exc.line, max(len(line_text) + 1, exc.column + 1)),
            "this text is not closed",
            code="unclosed-string",
            hint='end it with " on the same line',
        )
    if char == "=":
        return SyntaxProblem(
            here,
            "'=' alone is not an operator; to compare two values write '=='",
            code="single-equals",
            hint="write `==` (equal) or `!=` (different)",
        )
    if char == "'":
        return SyntaxProblem(
            here,
            "texts are written between double quotes",
            code="single-quote",
            hint="write \"relance_1\", not 'relance_1'",
        )
    if char == "!":
        return SyntaxProblem(
            here, "'!' is not an operator", code="bad-operator", hint="write `not` or `!=`"
        )
    if char in "&|":
        word = "and" if char == "&" else "or"
        return SyntaxProblem(
            here, f"'{char}' is not an operator", code="bad-operator", hint=f"write `{word}`"
        )
    offset = re.match(r"([DE])\s*([+-]?)\s*([0-9]*)", rest)
    if char in "DE" and offset and (offset.group(2) or offset.group(3)):
        anchor, sign, digits = offset.groups()
        suggestion = f"{anchor}{sign or '+'}{digits}" if digits else "D+10, D+3bd, D+2w or D+1m"
        return SyntaxProblem(
            Span(exc.line, exc.column, exc.line, exc.column + len(offset.group().rstrip())),
            "an offset is an anchor, a sign and a whole number, such as D+2 or D-5",
            code="bad-offset",
            hint=f"write {suggestion}",
        )
    word = re.match(r"[A-Za-z_][A-Za-z0-9_]*", rest)
    if char.isascii() and char.isupper() and word:
        return SyntaxProblem(
            Span(exc.line, exc.column, exc.line, exc.column + len(word.group())),
            f"names are written in lower case: '{word.group()}' is not a name",
            code="uppercase-name",
            hint=f"write '{word.group().lower()}'",
        )
    if char.isalpha():
        return SyntaxProblem(
            here,
            f"unexpected character '{char}' in a name",
            code="bad-character",
            hint="names use the letters a-z, digits and _ (accents go in texts between quotes)",
        )
    shown = char if char.isprintable() else f"U+{ord(char):04X}"
    return SyntaxProblem(here, f"unexpected character '{shown}'", code="bad-character")


def _unexpected_token(
    token: Token, expected: set[str], src: Source, history: list[Token], block_depth: int = 0
) -> SyntaxProblem:
    prev = _previous(history, token)
    span = _span_of(token, src)
    found = _token_words(token)

    if token.type == "OFFSET" and (prev is None or prev.type not in ("AT", "FROM", "UNTIL")):
        return SyntaxProblem(
            span,
            f"missing 'at' before the offset {token.value}",
            code="missing-at",
            hint=f"write `at {token.value}`",
        )
    if "OFFSET" in expected and token.type in ("PLUS", "MINUS", "NUMBER", "DURATION"):
        text = (src.line_text(span.line) or "")[span.column - 1 :]
        written = re.match(r"[+-]?\s*[0-9]+[A-Za-z]*", text)
        shown = written.group().replace(" ", "") if written else token.value
        if not shown.startswith(("+", "-")):
            shown = "+" + shown
        return SyntaxProblem(
            span,
            "an offset needs its anchor: D (the due date) or E (the date of the event)",
            code="offset-anchor",
            hint=f"write `D{shown}`",
        )
    if "OFFSET" in expected and token.type == "NAME" and re.fullmatch(r"[de]", token.value):
        return SyntaxProblem(
            span,
            "the anchor of an offset is a capital letter",
            code="offset-anchor",
            hint=f"write `{token.value.upper()}+…`, as in D+2",
        )
    if "DURATION" in expected and token.type == "NUMBER":
        text = (src.line_text(span.line) or "")[span.end_column - 1 :]
        unit = re.match(r"\s*([A-Za-z]+)", text)
        if unit and unit.group(1) not in ("from",):
            return SyntaxProblem(
                Span(
                    span.line,
                    span.end_column + unit.start(1),
                    span.line,
                    span.end_column + unit.end(1),
                ),
                f"unknown unit '{unit.group(1)}'",
                code="unknown-unit",
                hint="use days, bd (business days), w (weeks) or m (months), as in every 14 days",
            )
        return SyntaxProblem(
            span,
            "a repeat interval needs its unit",
            code="unknown-unit",
            hint=f"write `every {token.value} days`",
        )
    if (
        "THEN" in expected
        and _line_keyword(history, token) == "IF"
        and not _seen_on_line(history, token, "THEN")
    ):
        return SyntaxProblem(
            span,
            f"missing 'then' between the condition and the actions (found {found})",
            code="missing-then",
            hint="write `if CONDITION then ACTION at OFFSET`, as in "
            "`if apl and first_late then sms at D+2`",
        )
    if "COLON" in expected and token.type != "COLON":
        header = _header_keyword(history, token)
        name = prev.value if prev is not None and prev.type == "NAME" else None
        if header == "profile" and name:
            message = f"missing ':' after the profile name '{name}'"
            hint = f"write `profile {name}: CONDITION`"
        elif header in ("scenario", "on"):
            message = f"missing ':' at the end of the {header} header"
            hint = "end the line with ':' and indent the steps below it"
        elif header == "attribute" and name:
            message = f"missing ':' after the attribute name '{name}'"
            hint = f"write `attribute {name}: TYPE`"
        else:
            message = f"expected ':' but found {found}"
            hint = None
        return SyntaxProblem(span, message, code="missing-colon", hint=hint)
    if token.type == "_INDENT" and block_depth > 1:
        return SyntaxProblem(
            span,
            "this line is indented more than the lines of its block",
            code="bad-indentation",
            hint="indent every step of a block by the same amount",
        )
    if token.type == "COMP_OP":
        return SyntaxProblem(
            span,
            f"comparisons cannot be chained ({found} follows a comparison)",
            code="chained-comparison",
            hint="write each comparison on its own and join them: `1 < x and x < 5`",
        )
    if token.type == "_INDENT":
        return SyntaxProblem(
            span,
            "unexpected indentation: no block is open here",
            code="bad-indentation",
            hint="only the steps of a `scenario` or `on` block are indented; to continue a "
            "condition on the next line, put it in parentheses",
        )
    if "_INDENT" in expected or _after_block_header(history, token):
        return SyntaxProblem(
            span,
            "the steps of this block must be indented under its header",
            code="bad-indentation",
            hint="indent each step by 4 spaces",
        )
    if {"AT", "EVERY"} <= expected and token.type in ("_NL", "COMMA", "$END", "_DEDENT"):
        return SyntaxProblem(
            span,
            "this step says what to do but not when",
            code="missing-timing",
            hint="add `at D+2` or `every 7 days from D+10 until D+60`",
        )
    if (
        token.type in _VALUE_TOKENS
        and prev is not None
        and (prev.type in _VALUE_TOKENS or prev.type == "RPAR")
        and (expected & {"COMP_OP", "AND", "OR"})
    ):
        return SyntaxProblem(
            span,
            f"two values follow each other with no operator between them ({found})",
            code="missing-operator",
            hint="join them with `and`, `or`, a comparison such as `==`, or `+ - * /`",
        )
    if token.type.lower() in KEYWORDS and "NAME" in expected:
        return SyntaxProblem(
            span,
            f"'{token.value}' is a reserved word and cannot be used here",
            code="reserved-word",
            hint=f"expected {_expected_list(expected)}",
        )
    if token.type in ("_NL", "$END"):
        where = "line" if token.type == "_NL" else "file"
        return SyntaxProblem(
            span,
            f"the {where} ends before this declaration is complete",
            code="unexpected-end",
            hint=f"expected {_expected_list(expected)}",
        )
    return SyntaxProblem(
        span,
        f"unexpected {found}",
        code="syntax",
        hint=f"expected {_expected_list(expected)}",
    )
