"""The canonical layout of a scenario file.

``format_source(format_source(x)) == format_source(x)``, and the formatted text parses to the same
AST (spans aside). Comments and single blank lines are kept; everything else — spacing, unit
spellings, brackets, alignment of profile conditions — is canonical.
"""

from __future__ import annotations

import re
from decimal import Decimal

import attrs

from dunforce.attributes.types import ValueType
from dunforce.dsl import ast
from dunforce.dsl.parser import parse_source
from dunforce.dsl.source import MAX_SOURCE_BYTES, Source, decode

INDENT = "    "
#: a line longer than this has its condition wrapped, one `and`/`or` operand a line
LINE_WIDTH = 100

# binding strength: a child is bracketed when it binds less tightly than its place requires
_OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _NEG, _ATOM = range(1, 9)
_BINARY_LEVEL = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT}


def _level(expr: ast.Expr) -> int:
    if isinstance(expr, ast.BoolOp):
        return _OR if expr.op == "or" else _AND
    if isinstance(expr, ast.Unary):
        return _NOT if expr.op == "not" else _NEG
    if isinstance(expr, ast.Compare | ast.In | ast.IsSet):
        return _COMPARE
    if isinstance(expr, ast.Binary):
        return _BINARY_LEVEL[expr.op]
    return _ATOM


def _wrap(expr: ast.Expr, minimum: int) -> str:
    text = format_expr(expr)
    return f"({text})" if _level(expr) < minimum else text


def format_literal(literal: ast.Literal) -> str:
    value, kind = literal.value, literal.type
    if kind is ValueType.BOOL:
        return "true" if value else "false"
    if kind is ValueType.TEXT:
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind is ValueType.MONEY:
        return f"{_plain(value)} €"  # type: ignore[arg-type]
    if kind is ValueType.NUMBER:
        return _plain(value)  # type: ignore[arg-type]
    if kind is ValueType.DATE:
        return value.isoformat()  # type: ignore[union-attr]
    return str(value)


def _plain(value: Decimal | int) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def format_expr(expr: ast.Expr) -> str:
    """An expression in canonical form, with the fewest brackets that keep its meaning."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Literal):
        return format_literal(expr)
    if isinstance(expr, ast.BoolOp):
        level = _level(expr)
        return f" {expr.op} ".join(_wrap(o, level + 1) for o in expr.operands)
    if isinstance(expr, ast.Unary):
        if expr.op == "not":
            return "not " + _wrap(expr.operand, _NOT)
        return "-" + _wrap(expr.operand, _NEG)
    if isinstance(expr, ast.Compare):
        return f"{_wrap(expr.left, _SUM)} {expr.op} {_wrap(expr.right, _SUM)}"
    if isinstance(expr, ast.Binary):
        level = _BINARY_LEVEL[expr.op]
        return f"{_wrap(expr.left, level)} {expr.op} {_wrap(expr.right, level + 1)}"
    if isinstance(expr, ast.IsSet):
        return f"{expr.name.id} is {'not ' if expr.negated else ''}set"
    if isinstance(expr, ast.In):
        options = ", ".join(format_literal(o) for o in expr.options)
        keyword = "not in" if expr.negated else "in"
        return f"{_wrap(expr.left, _SUM)} {keyword} [{options}]"
    if isinstance(expr, ast.Call):
        return f"{expr.func.id}({', '.join(format_expr(a) for a in expr.args)})"
    raise TypeError(f"not an expression: {expr!r}")


def format_action(action: ast.Action) -> str:
    parts = [action.verb] if action.verb else []
    parts.append(action.channel)
    if action.template is not None:
        parts.append(format_literal(ast.Literal(action.template, ValueType.TEXT)))
    parts.extend(action.options)
    return " ".join(parts)


def format_timing(timing: ast.Timing) -> str:
    if isinstance(timing, ast.At):
        return f"at {timing.offset}"
    text = f"every {timing.interval} from {timing.start}"
    if timing.end is not None:
        text += f" until {timing.end}"
    return text


def laid_out(prefix: str, expr: ast.Expr, suffix: str = "", *, indent: int = 0) -> str:
    """``prefix EXPR suffix`` on one line, or, when that passes ``LINE_WIDTH`` and EXPR is an
    ``and``/``or``, its operands one a line inside brackets (which the grammar reads back as the
    same condition)."""
    single = prefix + format_expr(expr) + suffix
    if indent + len(single) <= LINE_WIDTH or not isinstance(expr, ast.BoolOp):
        return single
    level = _level(expr)
    operands = [_wrap(operand, level + 1) for operand in expr.operands]
    lines = [INDENT + operands[0], *(f"{INDENT}{expr.op} {o}" for o in operands[1:])]
    return prefix + "(\n" + "\n".join(lines) + "\n)" + suffix


def format_step(step: ast.Step, *, indent: int = 0) -> str:
    text = " else ".join(format_action(a) for a in step.actions)
    text += " " + format_timing(step.timing)
    if step.condition is not None:
        return laid_out(text + " if ", step.condition, indent=indent)
    return text


def format_item(item: ast.BlockItem, *, indent: int = len(INDENT)) -> str:
    if isinstance(item, ast.Pause):
        return laid_out("pause while ", item.condition, indent=indent)
    if isinstance(item, ast.Stop):
        return laid_out("stop when ", item.condition, indent=indent)
    if isinstance(item, ast.CatchUp):
        return f"catch up {item.window}"
    if isinstance(item, ast.Window):
        text = f"window {', '.join(c.id for c in item.channels)}: {item.days}"
        if item.holidays:
            text += " and holidays"
        if item.hours:
            text += " " + ", ".join(str(h) for h in item.hours)
        return text
    if isinstance(item, ast.Cap):
        period = item.period
        per = {"d": "day", "w": "week", "m": "month"}.get(period.unit)
        return f"cap {item.target.id}: {item.limit} per " + (
            per if period.amount == 1 and per else str(period)
        )
    if isinstance(item, ast.NoCap):
        return f"no cap {item.target.id}"
    if isinstance(item, ast.NoPause):
        return laid_out("no pause while ", item.condition, indent=indent)
    if isinstance(item, ast.NoGuard):
        return f"no guard {item.guard.id}"
    if isinstance(item, ast.TimeZone):
        return "timezone " + format_literal(ast.Literal(item.zone, ValueType.TEXT))
    return format_step(item, indent=indent)


def _profiles(names: tuple[ast.Name, ...]) -> str:
    return " for " + ", ".join(n.id for n in names) if names else ""


def _profile_wraps(decl: ast.ProfileDecl) -> bool:
    """A profile too long for one line is wrapped, and then not aligned with its neighbours."""
    if decl.condition is None:
        return False
    single = f"profile {decl.name}: " + format_expr(decl.condition)
    return laid_out(f"profile {decl.name}: ", decl.condition) != single


def format_declaration(decl: ast.Declaration, *, name_width: int = 0) -> str:
    """A one-line declaration, or the header line of a block."""
    if isinstance(decl, ast.AttributeDecl):
        text = f"attribute {decl.name}: {'optional ' if decl.optional else ''}{decl.type_name}"
        if decl.allowed is not None:
            values = ", ".join(format_literal(ast.Literal(v, ValueType.TEXT)) for v in decl.allowed)
            text += f" one of [{values}]"
        if decl.description is not None:
            text += " " + format_literal(ast.Literal(decl.description, ValueType.TEXT))
        return text
    if isinstance(decl, ast.ProfileDecl):
        if _profile_wraps(decl):
            return laid_out(f"profile {decl.name}: ", decl.condition)  # type: ignore[arg-type]
        head = f"{'profile ' + decl.name + ':':<{name_width + len('profile ') + 1}} "
        return head + ("otherwise" if decl.condition is None else format_expr(decl.condition))
    if isinstance(decl, ast.RuleDecl):
        steps = ", ".join(format_step(s) for s in decl.steps)
        return laid_out("if ", decl.condition, f" then {steps}")
    if isinstance(decl, ast.ScenarioDecl):
        return f"scenario {decl.name}{_profiles(decl.profiles)}:"
    if isinstance(decl, ast.EventDecl):
        return f"on {decl.event}{_profiles(decl.profiles)}:"
    if isinstance(decl, ast.PolicyDecl):
        return f"policy{_profiles(decl.profiles)}:"
    raise TypeError(f"not a declaration: {decl!r}")


# ------------------------------------------------------------------------------ comments


@attrs.frozen
class Comment:
    line: int
    column: int
    text: str


_COMMENT_OR_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*')


def scan_comments(text: str) -> list[Comment]:
    """Every ``# …`` comment of a file (a ``#`` inside a text in quotes is not one)."""
    comments = []
    for number, line in enumerate(text.split("\n"), start=1):
        if "#" not in line:
            continue
        for match in _COMMENT_OR_STRING.finditer(line):
            if match.group().startswith("#"):
                comments.append(Comment(number, match.start() + 1, match.group().rstrip()))
    return comments


class _Writer:
    """Emits lines, weaving in the comments and blank lines of the original text."""

    def __init__(self, src: Source, comments: list[Comment]):
        self.src = src
        self.comments = comments
        self.position = 0
        self.lines: list[str] = []

    def _blank_before(self, line: int) -> bool:
        return line >= 2 and (self.src.line_text(line - 1) or "").strip() == ""

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def comments_before(self, line: int, indent: str, *, only_indented: bool = False) -> None:
        while self.position < len(self.comments):
            comment = self.comments[self.position]
            if comment.line >= line or (only_indented and comment.column == 1):
                return
            if self._blank_before(comment.line):
                self.blank()
            self.lines.append(indent + comment.text)
            self.position += 1

    def item(self, text: str, span, indent: str, *, keep_blank: bool = True) -> None:
        """One item (a declaration, a block header, a step), possibly over several lines.

        Comments inside an item written over several lines go on their own lines just above
        it; only the comment of its last line stays at the end of the line.
        """
        last_line = max(span.end_line, span.line)
        self.comments_before(span.line, indent)
        if keep_blank and self._blank_before(span.line):
            self.blank()
        self.comments_before(last_line, indent)  # those inside the item
        trailing = []
        while self.position < len(self.comments) and self.comments[self.position].line <= last_line:
            trailing.append(self.comments[self.position].text)
            self.position += 1
        lines = [indent + part if part else "" for part in text.split("\n")]
        if trailing:
            lines[-1] += "  " + " ".join(trailing)
        self.lines.extend(lines)


def _name_widths(module: ast.Module, src: Source) -> dict[int, int]:
    """Profiles on consecutive lines form a group whose conditions are aligned."""
    widths: dict[int, int] = {}
    group: list[ast.ProfileDecl] = []

    def close() -> None:
        width = max((len(p.name) for p in group), default=0)
        for p in group:
            widths[id(p)] = width
        group.clear()

    previous_end = None
    for decl in module.declarations:
        adjacent = previous_end is not None and decl.span.line == previous_end + 1
        if isinstance(decl, ast.ProfileDecl) and _profile_wraps(decl):
            close()  # a wrapped profile stands alone
            previous_end = None
            continue
        if isinstance(decl, ast.ProfileDecl) and (adjacent or not group):
            group.append(decl)
        else:
            close()
            if isinstance(decl, ast.ProfileDecl):
                group.append(decl)
        previous_end = decl.span.end_line
    close()
    return widths


def format_module(module: ast.Module, src: Source | None = None) -> str:
    """Lay out a module; with its ``src``, comments and blank lines are kept."""
    src = src or Source(module.filename, "")
    writer = _Writer(src, scan_comments(src.text))
    widths = _name_widths(module, src)
    for index, decl in enumerate(module.declarations):
        is_block = isinstance(decl, ast.ScenarioDecl | ast.EventDecl | ast.PolicyDecl)
        if is_block and index:
            writer.blank()  # before the comments that introduce the block
        header_span = decl.span
        if is_block:
            header_span = attrs.evolve(decl.span, end_line=decl.span.line)
        writer.item(format_declaration(decl, name_width=widths.get(id(decl), 0)), header_span, "")
        if is_block:
            for number, item in enumerate(decl.items):
                writer.item(format_item(item), item.span, INDENT, keep_blank=number > 0)
            writer.comments_before(_next_line(module, index, src), INDENT, only_indented=True)
            writer.blank()
    writer.comments_before(len(src.lines) + 1, "")
    while writer.lines and writer.lines[-1] == "":
        writer.lines.pop()
    return "\n".join(writer.lines) + "\n" if writer.lines else ""


def _next_line(module: ast.Module, index: int, src: Source) -> int:
    if index + 1 < len(module.declarations):
        return module.declarations[index + 1].span.line
    return len(src.lines) + 1


def format_source(
    source: str | bytes, *, filename: str = "<string>", max_bytes: int = MAX_SOURCE_BYTES
) -> str:
    """Reformat scenario text; raises :class:`~dunforce.errors.DslError` if it does not parse.

    >>> print(format_source("profile  a :apl\\nprofile bb: otherwise"), end="")
    profile a:  apl
    profile bb: otherwise
    """
    src = decode(source, filename, max_bytes)
    return format_module(parse_source(src), src)
