"""Syntax errors in the scenario designer's words.

Lark reports which token it did not expect and which terminals it would have taken. From that,
the tokens read before it and the source line, the recognisers below name the common mistakes and
say what to write instead; they are tried in order (see ``TOKEN_RECOGNISERS`` and
``CHARACTER_RECOGNISERS``) and the first that knows the mistake speaks. The wording is pinned by
``tests/test_syntax_errors.py`` and shown in the documentation's error catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs
from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from dunforce.channels.registry import DEFAULT_CHANNELS
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
_LAYOUT = frozenset({"_NL", "_INDENT", "_DEDENT"})
#: unit words people write that the language spells otherwise
_FOREIGN_UNITS = frozenset(
    {
        *("j", "jour", "jours", "semaine", "semaines", "mois", "an", "ans", "année", "années"),
        *("h", "hour", "hours", "year", "years", "min"),
    }
)
_UNIT_HINT = "use days (or no unit), bd (business days), w (weeks) or m (months)"

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
}


def terminal_words(name: str) -> str:
    """How a terminal is called in messages: ``OFFSET`` is 'an offset such as D+2'."""
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    if name.lower() in KEYWORDS:
        return f"'{name.lower()}'"
    return name.lower()


_VALUE_KINDS = ("NAME", "OFFSET", "STRING", "NUMBER", "MONEY", "DURATION", "DATE", "COMP_OP")


def _expected_list(expected: set[str]) -> str:
    if {"NAME", "NUMBER", "LPAR", "NOT"} <= expected:
        return "a condition or a value: a name, a number, an amount, a text, or '('"
    # words first (keywords, then kinds of values), then the end of the line, then symbols
    keywords = sorted(terminal_words(n) for n in expected if n.lower() in KEYWORDS)
    values = [terminal_words(n) for n in _VALUE_KINDS if n in expected]
    end = ["the end of the line"] if "_NL" in expected else []
    symbols = sorted(
        terminal_words(n)
        for n in expected
        if n.lower() not in KEYWORDS and n not in _VALUE_KINDS and n not in ("_NL", "$END")
    )
    words = keywords + values + end + symbols
    if len(words) > 8:
        words = [*words[:8], "…"]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


# ------------------------------------------------------------------------------ context


@attrs.frozen
class _Context:
    """What the recognisers may look at."""

    token: Token
    expected: frozenset[str]
    src: Source
    line_tokens: tuple[Token, ...]  # the tokens of the current line before ``token``
    block_depth: int

    @property
    def span(self) -> Span:
        return _span_of(self.token, self.src)

    @property
    def prev(self) -> Token | None:
        return self.line_tokens[-1] if self.line_tokens else None

    @property
    def line_keyword(self) -> str | None:
        return self.line_tokens[0].type if self.line_tokens else None

    @property
    def found(self) -> str:
        if self.token.type in (*_LAYOUT, "$END"):
            return _TERMINAL_WORDS[self.token.type]
        return f"'{self.token.value}'"

    def seen(self, kind: str) -> bool:
        return any(t.type == kind for t in self.line_tokens)

    def rest_of_line(self) -> str:
        return (self.src.line_text(self.span.line) or "")[self.span.column - 1 :]

    def after_token(self) -> str:
        return (self.src.line_text(self.span.line) or "")[self.span.end_column - 1 :]


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


def _line_tokens(history: list[Token], current: Token) -> tuple[Token, ...]:
    tokens: list[Token] = []
    for token in reversed(history):
        if token is current:
            continue
        if token.type in _LAYOUT:
            break
        tokens.append(token)
    return tuple(reversed(tokens))


def _after_block_header(history: list[Token], current: Token) -> bool:
    tokens = [t for t in history if t is not current]
    return len(tokens) >= 2 and tokens[-1].type == "_NL" and tokens[-2].type == "COLON"


# ------------------------------------------------------------------------------ keywords


def misplaced_keyword(token: Token, line_keyword: str | None, span: Span) -> SyntaxProblem:
    """A keyword where the grammar wanted a name (the lexer then reads it as a name)."""
    word = token.value
    if word == "if" and line_keyword in ("PROFILE",):
        return SyntaxProblem(
            span,
            "a profile line holds only a condition",
            code="misplaced-keyword",
            hint="write `profile NAME: CONDITION`; to act on a condition, write a rule "
            "`if CONDITION then sms at D+2` or a scenario for the profile",
        )
    if word == "if":
        return SyntaxProblem(
            span,
            "a step's condition comes after its timing",
            code="misplaced-keyword",
            hint='write `sms "relance_1" at D+2 if CONDITION`',
        )
    if word == "else":
        return _else_after_timing(span)
    if word in ("at", "every"):
        return SyntaxProblem(
            span,
            f"'{word}' cannot stand here",
            code="misplaced-keyword",
            hint='a step is CHANNEL ["TEMPLATE"] [OPTIONS] at OFFSET [if CONDITION], as in '
            '`letter "mise_en_demeure" registered at D+30`',
        )
    return SyntaxProblem(
        span,
        f"'{word}' is a reserved word and cannot be used as a name",
        code="reserved-word",
        hint=f"choose another name, such as '{word}_'",
    )


def _else_after_timing(span: Span) -> SyntaxProblem:
    return SyntaxProblem(
        span,
        "'else' names a fallback channel, before the timing",
        code="misplaced-keyword",
        hint='write `sms "relance" else letter "relance" at D+2`',
    )


# ------------------------------------------------------------------------------ recognisers

Recogniser = Callable[[_Context], SyntaxProblem | None]


def _keyword_read_as_name(c: _Context) -> SyntaxProblem | None:
    for token in (*c.line_tokens, c.token):
        if token.type == "NAME" and token.value in KEYWORDS:
            return misplaced_keyword(token, c.line_keyword, _span_of(token, c.src))
    return None


def _else_out_of_place(c: _Context) -> SyntaxProblem | None:
    if c.token.type == "ELSE" and c.seen("AT") | c.seen("EVERY"):
        return _else_after_timing(c.span)
    return None


def _missing_at(c: _Context) -> SyntaxProblem | None:
    if c.token.type == "OFFSET" and (c.prev is None or c.prev.type not in ("AT", "FROM", "UNTIL")):
        return SyntaxProblem(
            c.span,
            f"missing 'at' before the offset {c.token.value}",
            code="missing-at",
            hint=f"write `at {c.token.value}`",
        )
    return None


def _offset_without_anchor(c: _Context) -> SyntaxProblem | None:
    if "OFFSET" not in c.expected:
        return None
    if c.token.type in ("PLUS", "MINUS", "NUMBER", "DURATION"):
        written = re.match(r"[+-]?\s*[0-9]+[A-Za-z]*", c.rest_of_line())
        shown = written.group().replace(" ", "") if written else c.token.value
        if not shown.startswith(("+", "-")):
            shown = "+" + shown
        return SyntaxProblem(
            c.span,
            "an offset needs its anchor: D (the due date) or E (the date of the event)",
            code="offset-anchor",
            hint=f"write `D{shown}`",
        )
    if c.token.type == "NAME" and re.fullmatch(r"[de]", c.token.value):
        return SyntaxProblem(
            c.span,
            "the anchor of an offset is a capital letter",
            code="offset-anchor",
            hint=f"write `{c.token.value.upper()}+…`, as in D+2",
        )
    return None


def _unknown_unit(c: _Context) -> SyntaxProblem | None:
    word = c.token.value if c.token.type == "NAME" else None
    after_offset = c.prev is not None and c.prev.type == "OFFSET"
    if after_offset and word is not None and (word in _FOREIGN_UNITS or word in ("d", "w", "m")):
        return SyntaxProblem(c.span, f"unknown unit '{word}'", code="unknown-unit", hint=_UNIT_HINT)
    if c.prev is not None and c.prev.type == "NUMBER" and word in _FOREIGN_UNITS:
        return SyntaxProblem(c.span, f"unknown unit '{word}'", code="unknown-unit", hint=_UNIT_HINT)
    if "DURATION" in c.expected and c.token.type == "NUMBER":
        unit = re.match(r"\s*([A-Za-z]+)", c.after_token())
        if unit and unit.group(1) not in ("from",):
            start = c.span.end_column + unit.start(1)
            return SyntaxProblem(
                Span(c.span.line, start, c.span.line, start + len(unit.group(1))),
                f"unknown unit '{unit.group(1)}'",
                code="unknown-unit",
                hint=f"{_UNIT_HINT}, as in every 14 days",
            )
        return SyntaxProblem(
            c.span,
            "a repeat interval needs its unit",
            code="unknown-unit",
            hint=f"write `every {c.token.value} days`",
        )
    return None


def _missing_then(c: _Context) -> SyntaxProblem | None:
    if "THEN" in c.expected and c.line_keyword == "IF" and not c.seen("THEN"):
        return SyntaxProblem(
            c.span,
            f"missing 'then' between the condition and the actions (found {c.found})",
            code="missing-then",
            hint="write `if CONDITION then ACTION at OFFSET`, as in "
            "`if apl and first_late then sms at D+2`",
        )
    return None


def _missing_colon(c: _Context) -> SyntaxProblem | None:
    if "COLON" not in c.expected or c.token.type == "COLON":
        return None
    header = c.line_keyword.lower() if c.line_keyword in _DECLARATION_KEYWORDS else None
    name = c.prev.value if c.prev is not None and c.prev.type == "NAME" else None
    hint = None
    if header in ("scenario", "on") and c.token.type in ("AND", "OR"):
        message = "the profiles of a `for` list are separated by commas"
        hint = "write `for fragile, standard:`"
    elif header == "profile" and name:
        message = f"missing ':' after the profile name '{name}'"
        hint = f"write `profile {name}: CONDITION`"
    elif header in ("scenario", "on"):
        message = f"missing ':' at the end of the {header} header"
        hint = "end the line with ':' and indent the steps below it"
    elif header == "attribute" and name:
        message = f"missing ':' after the attribute name '{name}'"
        hint = f"write `attribute {name}: TYPE`"
    else:
        message = f"expected ':' but found {c.found}"
    return SyntaxProblem(c.span, message, code="missing-colon", hint=hint)


def _indentation(c: _Context) -> SyntaxProblem | None:
    tabs = "\t" in (c.src.line_text(c.span.line) or "")[: max(c.span.column - 1, 0)]
    tab_hint = "; a tab counts as 8 spaces, so indent with spaces only" if tabs else ""
    if c.token.type == "_INDENT" and c.block_depth > 1:
        return SyntaxProblem(
            c.span,
            "this line is indented more than the lines of its block",
            code="bad-indentation",
            hint="indent every step of a block by the same amount" + tab_hint,
        )
    if c.token.type == "_INDENT":
        return SyntaxProblem(
            c.span,
            "unexpected indentation: no block is open here",
            code="bad-indentation",
            hint="only the steps of a `scenario` or `on` block are indented; to continue a "
            "condition on the next line, put it in parentheses" + tab_hint,
        )
    return None


def _step_starts_with_a_template(c: _Context) -> SyntaxProblem | None:
    if c.token.type == "STRING" and not c.line_tokens:
        return SyntaxProblem(
            c.span,
            "a step starts with its channel, then the template",
            code="syntax",
            hint=f"write `sms {c.token.value} at D+2`",
        )
    return None


def _missing_indentation(c: _Context, history: list[Token]) -> SyntaxProblem | None:
    if "_INDENT" in c.expected or _after_block_header(history, c.token):
        return SyntaxProblem(
            c.span,
            "the steps of this block must be indented under its header",
            code="bad-indentation",
            hint="indent each step by 4 spaces",
        )
    return None


def _missing_timing(c: _Context) -> SyntaxProblem | None:
    if {"AT", "EVERY"} <= c.expected and c.token.type in ("_NL", "COMMA", "$END", "_DEDENT"):
        return SyntaxProblem(
            c.span,
            "this step says what to do but not when",
            code="missing-timing",
            hint="add `at D+2` or `every 7 days from D+10 until D+60`",
        )
    return None


def _chained_comparison(c: _Context) -> SyntaxProblem | None:
    if c.token.type == "COMP_OP" and c.seen("COMP_OP"):
        return SyntaxProblem(
            c.span,
            f"comparisons cannot be chained ({c.found} follows a comparison)",
            code="chained-comparison",
            hint="write each comparison on its own and join them: `1 < x and x < 5`",
        )
    return None


def _thousands_or_decimal_comma(c: _Context) -> SyntaxProblem | None:
    if c.prev is None or c.prev.type != "NUMBER":
        return None
    if c.token.type in ("NUMBER", "MONEY"):
        return SyntaxProblem(
            c.span,
            "numbers are written without spaces between the thousands",
            code="bad-literal",
            hint=f"write `{c.prev.value}{c.token.value}`",
        )
    if c.token.type == "COMMA" and re.match(r",\s*[0-9]", c.rest_of_line()):
        decimals = re.match(r",\s*([0-9]+)", c.rest_of_line())
        return SyntaxProblem(
            c.span,
            "decimals are written with a point, not a comma",
            code="bad-literal",
            hint=f"write `{c.prev.value}.{decimals.group(1) if decimals else '50'}`",
        )
    return None


def _two_values(c: _Context) -> SyntaxProblem | None:
    if not (
        c.token.type in _VALUE_TOKENS
        and c.prev is not None
        and (c.prev.type in _VALUE_TOKENS or c.prev.type == "RPAR")
        and (c.expected & {"COMP_OP", "AND", "OR"})
    ):
        return None
    if c.line_keyword == "PROFILE" and c.token.value in DEFAULT_CHANNELS:
        return SyntaxProblem(
            c.span,
            "a profile line holds only a condition; actions go in a scenario or a rule",
            code="missing-operator",
            hint=f"write `scenario NAME for PROFILE:` and indent `{c.token.value} at D+2` below",
        )
    return SyntaxProblem(
        c.span,
        f"two values follow each other with no operator between them ({c.found})",
        code="missing-operator",
        hint="join them with `and`, `or`, a comparison such as `==`, or `+ - * /`",
    )


def _reserved_word(c: _Context) -> SyntaxProblem | None:
    if c.token.type.lower() in KEYWORDS and "NAME" in c.expected:
        return SyntaxProblem(
            c.span,
            f"'{c.token.value}' is a reserved word and cannot be used here",
            code="reserved-word",
            hint=f"expected {_expected_list(set(c.expected))}",
        )
    return None


def _policy_value(c: _Context) -> SyntaxProblem | None:
    """A day of the week or a cap's count that is not one."""
    if "DAY" in c.expected and c.token.type not in ("_NL", "$END"):
        return SyntaxProblem(
            c.span,
            f"'{c.token.value}' is not a day of the week",
            code="bad-day",
            hint="days are written mon, tue, wed, thu, fri, sat, sun: `mon-fri`",
        )
    if "PERIOD" in c.expected and c.token.type == "NAME":
        return SyntaxProblem(
            c.span,
            f"'{c.token.value}' is not a period",
            code="bad-cap",
            hint="write `cap call: 4 per 30 days` or `cap automatic: 1 per day`",
        )
    if "COUNT" in c.expected and c.token.type == "NUMBER":
        return SyntaxProblem(
            c.span,
            "a cap is a whole number of actions",
            code="bad-cap",
            hint="write `cap call: 4 per 30 days`",
        )
    return None


def _unexpected_end(c: _Context) -> SyntaxProblem | None:
    if c.token.type in ("_NL", "$END"):
        where = "line" if c.token.type == "_NL" else "file"
        return SyntaxProblem(
            c.span,
            f"the {where} ends before this declaration is complete",
            code="unexpected-end",
            hint=f"expected {_expected_list(set(c.expected))}",
        )
    return None


TOKEN_RECOGNISERS: tuple[Recogniser, ...] = (
    _keyword_read_as_name,
    _else_out_of_place,
    _missing_at,
    _offset_without_anchor,
    _unknown_unit,
    _missing_then,
    _missing_colon,
    _step_starts_with_a_template,
    _indentation,
    _missing_timing,
    _chained_comparison,
    _thousands_or_decimal_comma,
    _two_values,
    _reserved_word,
    _policy_value,
    _unexpected_end,
)


def _unexpected_token(
    token: Token,
    expected: set[str],
    src: Source,
    history: list[Token],
    block_depth: int,
) -> SyntaxProblem:
    line = _line_tokens(history, token)
    if not line or line[0].type != "IF":
        expected = expected - {"THEN"}  # LALR shares expression states with the rules
    context = _Context(token, frozenset(expected), src, line, block_depth)
    for recognise in TOKEN_RECOGNISERS:
        problem = recognise(context)
        if problem is not None:
            return problem
        if recognise is _indentation:  # needs the history, not just the line
            problem = _missing_indentation(context, history)
            if problem is not None:
                return problem
    return SyntaxProblem(
        context.span,
        f"unexpected {context.found}",
        code="syntax",
        hint=f"expected {_expected_list(expected)}",
    )


# ------------------------------------------------------------------------------ characters

_HEADER_BEFORE = re.compile(r"\s*(profile|scenario|on|attribute)\s+[a-z_][a-z0-9_]*\s*$")
_CURLY_QUOTES = "“”«»„‘’"


def _unexpected_character(exc: UnexpectedCharacters, src: Source) -> SyntaxProblem:
    line_text = src.line_text(exc.line) or ""
    before, rest = line_text[: exc.column - 1], line_text[exc.column - 1 :]
    char = exc.char
    here = Span.point(exc.line, exc.column)
    if char == '"':
        return SyntaxProblem(
            Span(exc.line, exc.column, exc.line, max(len(line_text) + 1, exc.column + 1)),
            "this text is not closed",
            code="unclosed-string",
            hint='end it with " on the same line',
        )
    if char == "=" and (header := _HEADER_BEFORE.match(before)):
        name = before.split()[-1]
        return SyntaxProblem(
            here,
            f"missing ':' after the {header.group(1)} name '{name}'",
            code="missing-colon",
            hint=f"write `{header.group(1)} {name}: …`",
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
    if char in _CURLY_QUOTES:
        return SyntaxProblem(
            here,
            f"'{char}' is a typographic quote; texts are written between straight double quotes",
            code="single-quote",
            hint='write "relance_1" (your editor may have replaced the quotes)',
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
    if char == "€":
        return SyntaxProblem(
            here,
            "the currency comes after the amount",
            code="bad-literal",
            hint="write `50 €`",
        )
    if char == "%":
        return SyntaxProblem(
            here, "'%' is not an operator", code="bad-operator", hint="write a share as 0.5"
        )
    offset = re.match(r"([A-Z])\s*([+-]?)\s*([0-9]*)", rest)
    if offset and char in "DEJ" and (offset.group(2) or offset.group(3)):
        anchor, sign, digits = offset.groups()
        anchor = "D" if anchor == "J" else anchor
        suggestion = f"{anchor}{sign or '+'}{digits}" if digits else "D+10, D+3bd, D+2w or D+1m"
        message = "an offset is an anchor, a sign and a whole number, such as D+2 or D-5"
        if char == "J":
            message = "the due date (jour J) is written D"
        return SyntaxProblem(
            Span(exc.line, exc.column, exc.line, exc.column + len(offset.group().rstrip())),
            message,
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
    shown = char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
    return SyntaxProblem(here, f"unexpected character '{shown}'", code="bad-character")


# ------------------------------------------------------------------------------ entry point


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
        else:  # nothing to close
            expected -= {"RPAR", "RSQB"}
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
