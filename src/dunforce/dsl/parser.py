"""Text to AST.

The grammar is package data, loaded once into an LALR parser. Lark trees never leave this
module: a non-recursive transformer turns them into :mod:`dunforce.dsl.ast` nodes, and every Lark
exception is turned into a :class:`~dunforce.errors.DslError` whose message speaks the language of
the scenario designer (see :mod:`dunforce.dsl.syntax_errors`). Nothing here recurses on the depth
of the input, so no input can end in a ``RecursionError``.
"""

from __future__ import annotations

import datetime
import functools
import re
import threading
from collections import deque
from decimal import Decimal

import attrs
from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import LarkError, UnexpectedInput, VisitError

from dunforce.attributes.types import ValueType
from dunforce.dsl import ast
from dunforce.dsl.source import MAX_SOURCE_BYTES, Source, decode
from dunforce.dsl.syntax_errors import SyntaxProblem, explain_lark_error, misplaced_keyword
from dunforce.errors import Span
from dunforce.words import KEYWORDS

#: brackets may nest this deep; deeper is certainly a mistake, and bounded depth keeps every
#: later pass (checker, formatter, compiler) safely recursive
MAX_NESTING = 64
#: the height an expression tree may reach (operators chained without brackets count too)
MAX_DEPTH = 200
#: the words and symbols one declaration may have (a long real condition has a hundred)
MAX_DECLARATION_TOKENS = 2000
_MAX_DIGITS = 18

_OFFSET_RE = re.compile(r"([DE])[ \t]*([+-])[ \t]*([0-9]+)[ \t]*([A-Za-z]*)")
_DURATION_RE = re.compile(r"([0-9]+)[ \t]*([A-Za-z]+)")
_BRACKETS = {"LPAR": "RPAR", "LSQB": "RSQB"}


# ------------------------------------------------------------------------------ postlexer


class _ParseState(threading.local):
    """What the postlexer saw of the current parse, for the error messages."""

    def reset(self) -> None:
        self.history: deque[Token] = deque(maxlen=256)
        self.open_brackets: list[Token] = []
        self.indents: list[int] = [0]


_STATE = _ParseState()


class _Indenter:
    """Turns leading white space into ``_INDENT``/``_DEDENT`` tokens, as Python's lexer does.

    Newlines inside brackets are ignored, so a long condition can be split across lines when it
    is put in parentheses.
    """

    always_accept = ("_NL",)

    def process(self, stream):
        state = _STATE
        indents = state.indents
        brackets = state.open_brackets
        count = 0
        for token in stream:
            if token.type == "_NL":
                if brackets:
                    continue
                count = 0
                state.history.append(token)
                yield token
                yield from self._indentation(token, indents)
                continue
            count += 1
            if count > MAX_DECLARATION_TOKENS:
                raise SyntaxProblem(
                    _token_span(token),
                    f"this line has more than {MAX_DECLARATION_TOKENS:,} words and symbols",
                    code="too-long",
                    hint="split the condition into several profiles or simpler conditions",
                )
            if token.type in _BRACKETS:
                brackets.append(token)
                if len(brackets) > MAX_NESTING:
                    raise SyntaxProblem(
                        _token_span(token),
                        f"brackets are nested more than {MAX_NESTING} deep here",
                        code="too-deep",
                        hint="split the condition into several profiles or simpler conditions",
                    )
            elif token.type in _BRACKETS.values() and brackets:
                brackets.pop()
            state.history.append(token)
            yield token
        if brackets:
            opened = brackets[-1]
            raise SyntaxProblem(
                _token_span(opened),
                f"this '{opened.value}' is never closed",
                code="unclosed-bracket",
                hint=f"add the closing '{')' if opened.value == '(' else ']'}'",
            )
        while len(indents) > 1:
            indents.pop()
            yield Token("_DEDENT", "")

    @staticmethod
    def _indentation(newline: Token, indents: list[int]):
        text = newline.value.rsplit("\n", 1)[-1]
        width = len(text.expandtabs(8))  # the indentation level, tabs counting to 8
        chars = len(text)  # the column, in characters
        line = (newline.end_line or newline.line) if "\n" in newline.value else newline.line
        position = dict(
            start_pos=newline.end_pos,
            line=line,
            column=chars + 1,
            end_line=line,
            end_column=chars + 2,
            end_pos=newline.end_pos,
        )
        if width > indents[-1]:
            indents.append(width)
            yield Token("_INDENT", text, **position)
            return
        inner = indents[-1]
        while width < indents[-1]:
            inner = indents.pop()
            yield Token("_DEDENT", text, **position)
        if width != indents[-1]:
            raise SyntaxProblem(
                Span(line, 1, line, chars + 1),
                f"this line is indented by {width}, which matches no enclosing block",
                code="bad-indentation",
                hint=f"indent it by {inner} to keep it in the block above, or by "
                f"{indents[-1]} to end that block",
            )


def _token_span(token: Token) -> Span:
    line = token.line or 1
    column = token.column or 1
    end_line = token.end_line or line
    end_column = token.end_column or column + max(len(token.value), 1)
    return Span(line, column, end_line, end_column)


@functools.cache
def _parser() -> Lark:
    return Lark.open_from_package(
        "dunforce.dsl",
        "grammar.lark",
        parser="lalr",
        lexer="contextual",
        postlex=_Indenter(),
        propagate_positions=True,
        maybe_placeholders=False,
    )


# ------------------------------------------------------------------------------ tree -> AST


def _meta_span(meta) -> Span:
    if getattr(meta, "empty", True):
        return ast.NO_SPAN
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def _line_span(meta, children) -> Span:
    """From the first token of a declaration to its last child, leaving out the newline (and
    the comments and blank lines it swallows) or the end of block that closes it."""
    start = _meta_span(meta)
    for child in reversed(children):
        if isinstance(child, Token):
            end = _token_span(child)
        elif isinstance(child, ast.Node):
            end = child.span
        elif isinstance(child, list | tuple) and child and isinstance(child[-1], ast.Node):
            end = child[-1].span
        else:
            continue
        if end != ast.NO_SPAN:
            return start.to(end)
    return start


def _identifier(token: Token) -> str:
    """A name as written, refused when it is one of the language's words."""
    if token.value in KEYWORDS:
        raise SyntaxProblem(
            _token_span(token),
            f"'{token.value}' is a reserved word and cannot be used as a name",
            code="reserved-word",
            hint=f"choose another name, such as '{token.value}_'",
        )
    return str(token)


def _name(token: Token) -> ast.Name:
    return ast.Name(_identifier(token), span=_token_span(token))


def _integer(token: Token, text: str, what: str) -> int:
    if len(text) > _MAX_DIGITS:
        raise SyntaxProblem(_token_span(token), f"this {what} is too large", code="bad-literal")
    return int(text)


def _unescape(token: Token) -> str:
    """The text between the quotes; ``\\"`` and ``\\\\`` are the only escapes."""
    body = token.value[1:-1]
    bad = next((m for m in re.finditer(r"\\(.)", body) if m.group(1) not in '"\\'), None)
    if bad:
        column = (token.column or 1) + 1 + bad.start()
        line = token.line or 1
        raise SyntaxProblem(
            Span(line, column, line, column + 2),
            f"'{bad.group()}' is not an escape a text can hold",
            code="bad-literal",
            hint='inside a text, write \\" for a quote and \\\\ for a backslash',
        )
    return re.sub(r'\\(["\\])', r"\1", body)


@v_args(meta=True)
class _ToAst(Transformer_NonRecursive):
    # ----- declarations
    def start(self, meta, children):
        return ast.Module(tuple(children), span=_meta_span(meta))

    def attribute_decl(self, meta, children):
        name = children[0]
        optional = False
        allowed = None
        description = None
        type_token = None
        for child in children[1:]:
            if isinstance(child, Token) and child.type == "OPTIONAL":
                optional = True
            elif isinstance(child, Token) and child.type == "NAME":
                type_token = child
            elif isinstance(child, Token) and child.type == "STRING":
                description = _unescape(child)
            elif isinstance(child, tuple):
                allowed = child
        return ast.AttributeDecl(
            _identifier(name),
            str(type_token),
            optional,
            allowed,
            description,
            span=_line_span(meta, children),
            name_span=_token_span(name),
            type_span=_token_span(type_token),
        )

    def allowed_values(self, meta, children):
        return tuple(_unescape(t) for t in children if t.type == "STRING")

    def profile_decl(self, meta, children):
        name, body = children
        condition = None if isinstance(body, Token) and body.type == "OTHERWISE" else body
        return ast.ProfileDecl(
            _identifier(name),
            condition,
            span=_line_span(meta, children),
            name_span=_token_span(name),
        )

    def rule_decl(self, meta, children):
        condition, *steps = children
        return ast.RuleDecl(condition, tuple(steps), span=_line_span(meta, children))

    def _block(self, meta, children, kind):
        """A ``scenario`` or an ``on`` block: a name, an optional ``for`` list, its items."""
        name = children[0]
        profiles: tuple[ast.Name, ...] = ()
        items = []
        for child in children[1:]:
            if isinstance(child, list):
                profiles = tuple(child)
            else:
                items.append(child)
        return kind(
            _identifier(name),
            profiles,
            tuple(items),
            span=_line_span(meta, children),
            name_span=_token_span(name),
        )

    def scenario_decl(self, meta, children):
        return self._block(meta, children, ast.ScenarioDecl)

    def event_decl(self, meta, children):
        return self._block(meta, children, ast.EventDecl)

    def for_profiles(self, meta, children):
        return [_name(token) for token in children]

    def pause(self, meta, children):
        return ast.Pause(children[0], span=_line_span(meta, children))

    def catch_up(self, meta, children):
        return ast.CatchUp(_duration(children[0]), span=_line_span(meta, children))

    def stop(self, meta, children):
        return ast.Stop(children[0], span=_line_span(meta, children))

    # ----- the policy
    def policy_decl(self, meta, children):
        profiles: tuple[ast.Name, ...] = ()
        items = []
        for child in children:
            if isinstance(child, list):
                profiles = tuple(child)
            else:
                items.append(child)
        return ast.PolicyDecl(profiles, tuple(items), span=_line_span(meta, children))

    def window(self, meta, children):
        channels = tuple(_name(t) for t in children if isinstance(t, Token) and t.type == "NAME")
        days = next(c for c in children if isinstance(c, ast.DayRange))
        holidays = any(isinstance(t, Token) and t.type == "HOLIDAYS" for t in children)
        hours = tuple(c for c in children if isinstance(c, ast.TimeRange))
        return ast.Window(channels, days, holidays, hours, span=_line_span(meta, children))

    def day_range(self, meta, children):
        names = [t for t in children if t.type == "DAY"]
        first, last = names[0], names[1] if len(names) > 1 else None
        return ast.DayRange(
            str(first),
            None if last is None else str(last),
            span=_meta_span(meta),
            first_span=_token_span(first),
            last_span=_token_span(last) if last is not None else ast.NO_SPAN,
        )

    def time_range(self, meta, children):
        start, end = (t for t in children if t.type == "TIME")
        return ast.TimeRange(_time(start), _time(end), span=_meta_span(meta))

    def cap(self, meta, children):
        target, limit, period = children
        if period.type == "PERIOD":
            duration = ast.Duration(1, {"day": "d", "week": "w", "month": "m"}[str(period)])
        else:
            duration = _duration(period)
        return ast.Cap(
            _name(target),
            _integer(limit, str(limit), "cap"),
            duration,
            span=_line_span(meta, children),
            period_span=_token_span(period),
        )

    def no_cap(self, meta, children):
        return ast.NoCap(_name(children[-1]), span=_line_span(meta, children))

    def no_pause(self, meta, children):
        return ast.NoPause(children[-1], span=_line_span(meta, children))

    def no_guard(self, meta, children):
        return ast.NoGuard(_name(children[-1]), span=_line_span(meta, children))

    def timezone(self, meta, children):
        return ast.TimeZone(_unescape(children[0]), span=_line_span(meta, children))

    # ----- steps
    def step(self, meta, children):
        actions = tuple(c for c in children if isinstance(c, ast.Action))
        timing = next(c for c in children if isinstance(c, ast.At | ast.Every))
        rest = children[children.index(timing) + 1 :]
        condition = rest[0] if rest else None
        return ast.Step(actions, timing, condition, span=_meta_span(meta))

    def verb(self, meta, children):
        return children[0]

    def action(self, meta, children):
        verb = None
        rest = list(children)
        if rest[0].type in ("PROPOSE", "NOTIFY", "HANDOFF"):
            verb = str(rest.pop(0))
        channel_token = rest.pop(0)
        channel = _identifier(channel_token)
        template = None
        if rest and rest[0].type == "STRING":
            template = _unescape(rest.pop(0))
        for token in rest:
            if token.value in KEYWORDS:  # the lexer read a keyword as an option name
                raise misplaced_keyword(token, None, _token_span(token))
        options = tuple(_identifier(t) for t in rest)
        return ast.Action(
            channel,
            verb,
            template,
            options,
            span=_meta_span(meta),
            channel_span=_token_span(channel_token),
            option_spans=tuple(_token_span(t) for t in rest),
        )

    def at(self, meta, children):
        return ast.At(_offset(children[0]), span=_meta_span(meta))

    def every(self, meta, children):
        interval = _duration(children[0])
        start = _offset(children[1])
        end = _offset(children[2]) if len(children) > 2 else None
        if interval.amount == 0:
            raise SyntaxProblem(
                _token_span(children[0]),
                "a repeat interval must be at least 1",
                code="bad-repeat",
                hint="write `every 7 days from D+10`",
            )
        return ast.Every(interval, start, end, span=_meta_span(meta))

    # ----- expressions
    def or_(self, meta, children):
        return ast.BoolOp("or", tuple(children), span=_meta_span(meta))

    def and_(self, meta, children):
        return ast.BoolOp("and", tuple(children), span=_meta_span(meta))

    def not_(self, meta, children):
        return ast.Unary("not", children[1], span=_meta_span(meta))

    def neg(self, meta, children):
        return ast.Unary("-", children[1], span=_meta_span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return ast.Compare(str(op), left, right, span=_meta_span(meta))

    def binop(self, meta, children):
        left, op, right = children
        return ast.Binary(str(op), left, right, span=_meta_span(meta))

    def is_set(self, meta, children):
        return ast.IsSet(_name(children[0]), False, span=_meta_span(meta))

    def is_not_set(self, meta, children):
        return ast.IsSet(_name(children[0]), True, span=_meta_span(meta))

    def in_(self, meta, children):
        return ast.In(children[0], children[1], False, span=_meta_span(meta))

    def not_in(self, meta, children):
        return ast.In(children[0], children[2], True, span=_meta_span(meta))

    def list_literal(self, meta, children):
        return tuple(c for c in children if isinstance(c, ast.Literal))

    def name(self, meta, children):
        return _name(children[0])

    def call(self, meta, children):
        func = _name(children[0])
        args = tuple(c for c in children[1:] if not isinstance(c, Token))
        return ast.Call(func, args, span=_meta_span(meta))

    def paren(self, meta, children):
        # the expression spans its brackets, so that a line ends where its ')' stands
        return attrs.evolve(children[1], span=_meta_span(meta))

    # ----- literals
    def number(self, meta, children):
        return _number(children[0], negative=False)

    def negative_number(self, meta, children):
        return _number(children[1], negative=True, span=_meta_span(meta))

    def money(self, meta, children):
        return _money(children[0], negative=False)

    def negative_money(self, meta, children):
        return _money(children[1], negative=True, span=_meta_span(meta))

    def string(self, meta, children):
        token = children[0]
        return ast.Literal(_unescape(token), ValueType.TEXT, span=_token_span(token))

    def date(self, meta, children):
        token = children[0]
        try:
            value = datetime.date.fromisoformat(str(token))
        except ValueError:
            raise SyntaxProblem(
                _token_span(token),
                f"{token} is not a valid date",
                code="bad-literal",
                hint="dates are written YYYY-MM-DD, as in 2026-03-02",
            ) from None
        return ast.Literal(value, ValueType.DATE, span=_token_span(token))

    def duration(self, meta, children):
        token = children[0]
        return ast.Literal(_duration(token), ValueType.DURATION, span=_token_span(token))

    def true(self, meta, children):
        return ast.Literal(True, ValueType.BOOL, span=_token_span(children[0]))

    def false(self, meta, children):
        return ast.Literal(False, ValueType.BOOL, span=_token_span(children[0]))


def _number(token: Token, *, negative: bool, span: Span | None = None) -> ast.Literal:
    text = str(token)
    whole = text.split(".")[0]
    _integer(token, whole, "number")
    sign = -1 if negative else 1
    span = span or _token_span(token)
    if "." in text:
        return ast.Literal(sign * Decimal(text), ValueType.NUMBER, span=span)
    return ast.Literal(sign * int(text), ValueType.INT, span=span)


def _money(token: Token, *, negative: bool, span: Span | None = None) -> ast.Literal:
    text = str(token).replace("€", "").replace("EUR", "").strip()
    _integer(token, text.split(".")[0], "amount")
    if "." in text and len(text.split(".")[1]) > 2:
        raise SyntaxProblem(
            _token_span(token),
            f"{token} has more than two decimals; money is counted in cents",
            code="bad-literal",
            hint="write the amount to the cent, as in 12.50 €",
        )
    value = Decimal(text)
    return ast.Literal(
        -value if negative else value, ValueType.MONEY, span=span or _token_span(token)
    )


def _unit(token: Token, unit_text: str, unit_column: int) -> str:
    unit = ast.UNITS.get(unit_text)
    if unit is None:
        line = token.line or 1
        raise SyntaxProblem(
            Span(line, unit_column, line, unit_column + len(unit_text)),
            f"unknown unit '{unit_text}' in '{token}'",
            code="unknown-unit",
            hint="use no unit or d (days), bd (business days), w (weeks) or m (months), "
            "as in D+10, D+3bd, D+2w, D+1m",
        )
    return unit


def _offset(token: Token) -> ast.Offset:
    match = _OFFSET_RE.fullmatch(str(token).strip())
    assert match is not None, token  # the terminal's pattern guarantees the shape
    anchor, sign, digits, unit_text = match.groups()
    amount = _integer(token, digits, "offset")
    unit = "d"
    if unit_text:
        unit = _unit(token, unit_text, (token.column or 1) + match.start(4))
    return ast.Offset(anchor, -amount if sign == "-" else amount, unit, span=_token_span(token))


def _time(token: Token) -> int:
    """Minutes after midnight; ``24:00`` ends a day."""
    hours, minutes = (int(part) for part in str(token).split(":"))
    if (hours > 23 or minutes > 59) and (hours, minutes) != (24, 0):
        raise SyntaxProblem(
            _token_span(token),
            f"{token} is not a time of day",
            code="bad-time",
            hint="times are written HH:MM on 24 hours, from 00:00 to 24:00: `08:00-20:00`",
        )
    return 60 * hours + minutes


def _duration(token: Token) -> ast.Duration:
    match = _DURATION_RE.fullmatch(str(token).strip())
    assert match is not None, token
    digits, unit_text = match.groups()
    return ast.Duration(_integer(token, digits, "duration"), ast.UNITS[unit_text])


# ------------------------------------------------------------------------------ entry point


def parse(
    source: str | bytes,
    *,
    filename: str = "<string>",
    max_bytes: int = MAX_SOURCE_BYTES,
) -> ast.Module:
    """Parse scenario text into a :class:`~dunforce.dsl.ast.Module`.

    Raises :class:`~dunforce.errors.DslError` for anything that is not a well-formed scenario
    file, and nothing else.

    >>> module = parse("profile fragile: apl and income < 1200 €\\n")
    >>> module.profiles[0].name
    'fragile'
    """
    if not isinstance(filename, str):
        raise TypeError(f"filename must be a str, not {type(filename).__name__}")
    src = decode(source, filename, max_bytes)
    return parse_source(src)


def parse_source(src: Source) -> ast.Module:
    """Parse an already decoded :class:`~dunforce.dsl.source.Source`."""
    _STATE.reset()
    text = src.text if src.text.endswith("\n") else src.text + "\n"
    try:
        tree = _parser().parse(text)
        module = _ToAst().transform(tree)
    except SyntaxProblem as problem:
        raise src.error(
            problem.span, problem.message, code=problem.code, hint=problem.hint
        ) from None
    except VisitError as exc:
        inner = exc.orig_exc
        if isinstance(inner, SyntaxProblem):
            raise src.error(inner.span, inner.message, code=inner.code, hint=inner.hint) from None
        raise
    except UnexpectedInput as exc:
        problem = explain_lark_error(
            exc,
            src,
            list(_STATE.history),
            list(_STATE.open_brackets),
            block_depth=len(_STATE.indents) - 1,
        )
        raise src.error(
            problem.span, problem.message, code=problem.code, hint=problem.hint
        ) from None
    except LarkError as exc:  # pragma: no cover - a Lark failure no rule above foresaw
        raise src.error(Span.point(1, 1), f"cannot read this file: {exc}", code="syntax") from None
    module = ast.Module(module.declarations, span=module.span, filename=src.filename)
    _check_depth(module, src)
    return module


def _check_depth(module: ast.Module, src: Source) -> None:
    for declaration in module.declarations:
        if ast.depth(declaration) > MAX_DEPTH:
            raise src.error(
                declaration.span,
                f"this declaration nests more than {MAX_DEPTH} levels of operators",
                code="too-deep",
                hint="split the condition into several profiles or simpler conditions",
            )
