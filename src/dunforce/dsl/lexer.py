"""A Pygments lexer for scenario files, so that the documentation highlights the language.

The lexer mirrors the terminals of ``grammar.lark`` (offsets, money, durations, dates, times,
numbers, texts, comments) and follows the structure of a file just enough to name what a word
is: the channel that starts a step, its options, the profiles after ``for``, the name of a
scenario or of an event block, the types of an attribute declaration, the words of a ``policy``
block. It never decides whether a file is valid: the parser does. It only highlights, so it
never raises, and the token values always add up to the text it was given.

Pygments is a dependency of the documentation, not of dunforce: ``import dunforce`` never imports
this module. Pygments finds it through the ``pygments.lexers`` entry point (fences written
```` ```dunforce ````).

=================================================  ======================================
construct                                          token
=================================================  ======================================
``attribute``, ``profile``, ``scenario``,          ``Keyword.Declaration``
``on``, ``policy``
the other reserved words and policy words          ``Keyword``
``and``, ``or``, ``not``, ``in``, ``is``           ``Operator.Word``
``true``, ``false``                                ``Keyword.Constant``
a channel (``sms``, ``propose plan``'s ``plan``)   ``Name.Builtin``
a step's options (``registered``)                  ``Name.Attribute``
a profile where it is declared or bound            ``Name.Class``
a scenario's name, an event kind after ``on``      ``Name.Function``
a declared attribute / its type                    ``Name.Variable`` / ``Keyword.Type``
a function call (``days_since(…)``)                ``Name.Function``
any other name (attributes in conditions)          ``Name``
offset ``D+6bd``: anchor, sign, count, unit        ``Name.Constant``, ``Operator``,
                                                   ``Number.Integer``, ``Keyword.Type``
money ``50 €`` / duration ``2 w``                  a number, then the unit: ``Keyword.Type``
a policy's days (``mon-fri``), a guard's name       ``Name.Constant``
a cap's period (``per day``)                       ``Keyword.Type``
dates, times of day                                ``Literal.Date``
texts in double quotes, their escapes              ``String.Double``, ``String.Escape``
comments                                           ``Comment.Single``
=================================================  ======================================
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, default, include
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from dunforce.words import KEYWORDS, VERBS

__all__ = ["DECLARATIONS", "POLICY_WORDS", "TYPES", "WORD_OPERATORS", "DunforceLexer"]

#: the words that start a declaration
DECLARATIONS = frozenset({"attribute", "profile", "scenario", "on", "policy"})
#: the reserved words that combine conditions
WORD_OPERATORS = frozenset({"and", "or", "not", "in", "is"})
#: the words of a policy block's items: keywords there only (see dunforce.words)
POLICY_WORDS = frozenset({"window", "cap", "no", "guard", "timezone", "per", "holidays"})
#: the types an attribute declaration may name
TYPES = frozenset({"bool", "int", "number", "money", "date", "duration", "text"})

_END = r"(?![a-z0-9_])"  # a word ends where a name could not go on (grammar.lark's NAME)
_NAME = r"[a-z_][a-z0-9_]*"
_SPACE = r"[ \t\f]+"
_NEWLINE = r"\r\n|\r|\n"


def _words(words) -> str:
    # longest first, so that a word is never cut short by one of its prefixes
    return "(?:" + "|".join(sorted(words, key=lambda w: (-len(w), w))) + ")" + _END


_RESERVED = _words(KEYWORDS)
_NOT_RESERVED = rf"(?!{_RESERVED}){_NAME}"
_VERB = _words(VERBS)
_UNIT = r"(?:days|day|weeks|week|months|month|bd|d|w|m)(?![A-Za-z0-9_])"
# the grammar's OFFSET, its unit captured loosely as the grammar does
_OFFSET = (
    r"([DE])([ \t]*)([+-])([ \t]*)([0-9]+)"
    rf"(?:([A-Za-z]+)|([ \t]+)({_UNIT}))?"
)


def _nothing(lexer, match, ctx=None):
    """A zero-width match that only changes the state."""
    return iter(())


class DunforceLexer(RegexLexer):
    """Scenario files of dunforce (``.dfs``)."""

    name = "dunforce"
    aliases: ClassVar[list[str]] = ["dunforce", "dfs"]
    filenames: ClassVar[list[str]] = ["*.dfs"]
    mimetypes: ClassVar[list[str]] = ["text/x-dunforce"]

    tokens: ClassVar[dict[str, list]] = {
        # ------------------------------------------------------------ declarations
        "root": [
            (r"\A\ufeff", Text),  # a byte-order mark, which the parser ignores
            (_NEWLINE, Whitespace),
            (r"(attribute)" + _END, Keyword.Declaration, "attribute"),
            (r"(profile)" + _END, Keyword.Declaration, "profile"),
            (r"(scenario|on)" + _END, Keyword.Declaration, ("block", "header")),
            (r"(policy)" + _END, Keyword.Declaration, ("policy", "bound")),
            (r"(if)" + _END, Keyword, "rule"),
            include("tokens"),
        ],
        "attribute": [
            (_SPACE, Whitespace),
            (_NOT_RESERVED, Name.Variable, ("#pop", "attribute_type")),
            default("#pop"),
        ],
        "attribute_type": [
            (_SPACE, Whitespace),
            (r":", Punctuation),
            (r"optional" + _END, Keyword),
            (_NOT_RESERVED, Keyword.Type, "#pop"),
            default("#pop"),
        ],
        "profile": [
            (_SPACE, Whitespace),
            (_NOT_RESERVED, Name.Class, "#pop"),
            default("#pop"),
        ],
        # `scenario NAME` or `on KIND`, then `for PROFILE, …` and the colon
        "header": [
            (_SPACE, Whitespace),
            (_NOT_RESERVED, Name.Function, ("#pop", "bound")),
            default("#pop"),
        ],
        "bound": [
            (_SPACE, Whitespace),
            (r"for" + _END, Keyword),
            (r",", Punctuation),
            (r":", Punctuation, "#pop"),
            (_NOT_RESERVED, Name.Class),
            default("#pop"),
        ],
        # ------------------------------------------------------------ scenario and event blocks
        "block": [
            (r"(?<=[\r\n])(?=[^ \t\f\r\n#])", _nothing, "#pop"),  # a line indented less
            (_NEWLINE, Whitespace),
            (_SPACE, Whitespace),
            (r"#[^\r\n]*", Comment.Single),
            (r"(pause)([ \t\f]+)(while)" + _END, bygroups(Keyword, Whitespace, Keyword), "line"),
            (r"(stop)([ \t\f]+)(when)" + _END, bygroups(Keyword, Whitespace, Keyword), "line"),
            (r"(catch)([ \t\f]+)(up)" + _END, bygroups(Keyword, Whitespace, Keyword)),
            (
                rf"({_VERB})([ \t\f]+)({_NOT_RESERVED})",
                bygroups(Keyword, Whitespace, Name.Builtin),
                "step",
            ),
            (_NOT_RESERVED, Name.Builtin, "step"),
            include("tokens"),
        ],
        "step": [
            (r"(?=[\r\n])", _nothing, "#pop"),
            include("step_body"),
        ],
        "step_body": [
            (_SPACE, Whitespace),
            (r"#[^\r\n]*", Comment.Single),
            (
                rf"(else)([ \t\f]+)({_VERB})([ \t\f]+)({_NOT_RESERVED})",
                bygroups(Keyword, Whitespace, Keyword, Whitespace, Name.Builtin),
            ),
            (
                rf"(else)([ \t\f]+)({_NOT_RESERVED})",
                bygroups(Keyword, Whitespace, Name.Builtin),
            ),
            (r"(if)" + _END, Keyword, "condition"),
            (_NOT_RESERVED, Name.Attribute),  # options; timing has no names
            include("tokens"),
        ],
        # a condition that ends with its line (`pause while …`, `stop when …`)
        "line": [
            (r"(?=[\r\n])", _nothing, "#pop"),
            include("tokens"),
        ],
        # a step's condition: ends with the line, or at a comma that starts a rule's next step
        "condition": [
            (r"(?=[\r\n,])", _nothing, "#pop"),
            include("tokens"),
        ],
        # ------------------------------------------------------------ one-line rules
        "rule": [
            (r"(then)" + _END, Keyword, ("#pop", "rule_steps")),
            (r"(?=[\r\n])", _nothing, "#pop"),
            include("tokens"),
        ],
        "rule_steps": [
            (r"(?=[\r\n])", _nothing, "#pop"),
            (_SPACE, Whitespace),
            (r"#[^\r\n]*", Comment.Single),
            (
                rf"({_VERB})([ \t\f]+)({_NOT_RESERVED})",
                bygroups(Keyword, Whitespace, Name.Builtin),
                "rule_step",
            ),
            (_NOT_RESERVED, Name.Builtin, "rule_step"),
            include("tokens"),
        ],
        "rule_step": [
            (r",", Punctuation, "#pop"),
            (r"(?=[\r\n])", _nothing, "#pop"),
            include("step_body"),
        ],
        # ------------------------------------------------------------ policy blocks
        "policy": [
            (r"(?<=[\r\n])(?=[^ \t\f\r\n#])", _nothing, "#pop"),
            (_NEWLINE, Whitespace),
            (r"(pause)([ \t\f]+)(while)" + _END, bygroups(Keyword, Whitespace, Keyword), "line"),
            (r"(window|cap)" + _END, Keyword, "targets"),
            (rf"(guard)([ \t\f]+)({_NAME})", bygroups(Keyword, Whitespace, Name.Constant)),
            (_words(POLICY_WORDS), Keyword),
            (r"(?:mon|tue|wed|thu|fri|sat|sun)" + _END, Name.Constant),
            (r"(?:day|week|month)" + _END, Keyword.Type),  # `1 per day`
            include("tokens"),
        ],
        # the channels (or `automatic`, `contacts`) a window or a cap is about
        "targets": [
            (_SPACE, Whitespace),
            (r",", Punctuation),
            (r":", Punctuation, "#pop"),
            (_NOT_RESERVED, Name.Builtin),
            default("#pop"),
        ],
        # ------------------------------------------------------------ the terminals
        "tokens": [
            (_SPACE, Whitespace),
            (r"#[^\r\n]*", Comment.Single),
            (r'"', String.Double, "string"),
            (
                _OFFSET,
                bygroups(
                    Name.Constant,
                    Whitespace,
                    Operator,
                    Whitespace,
                    Number.Integer,
                    Keyword.Type,
                    Whitespace,
                    Keyword.Type,
                ),
            ),
            (r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9])", Literal.Date),
            (r"[0-9]{2}:[0-9]{2}(?![0-9])", Literal.Date),
            (
                r"([0-9]+\.[0-9]+)([ \t]*)(€|EUR(?![A-Za-z0-9_]))",
                bygroups(Number.Float, Whitespace, Keyword.Type),
            ),
            (
                r"([0-9]+)([ \t]*)(€|EUR(?![A-Za-z0-9_]))",
                bygroups(Number.Integer, Whitespace, Keyword.Type),
            ),
            (rf"([0-9]+)([ \t]*)({_UNIT})", bygroups(Number.Integer, Whitespace, Keyword.Type)),
            (r"[0-9]+\.[0-9]+", Number.Float),
            (r"[0-9]+", Number.Integer),
            (_words(DECLARATIONS), Keyword.Declaration),
            (_words(WORD_OPERATORS), Operator.Word),
            (r"(?:true|false)" + _END, Keyword.Constant),
            (_RESERVED, Keyword),
            (_NAME + r"(?=[ \t\f]*\()", Name.Function),
            (_NAME, Name),
            (r"==|!=|<=|>=|<|>|[-+*/]", Operator),
            (r"\(", Punctuation, "parens"),
            (r"\[", Punctuation, "brackets"),
            (r"[)\],:]", Punctuation),
        ],
        # inside brackets, line breaks and indentation do not count
        "parens": [
            (r"\)", Punctuation, "#pop"),
            (_NEWLINE, Whitespace),
            include("tokens"),
        ],
        "brackets": [
            (r"\]", Punctuation, "#pop"),
            (_NEWLINE, Whitespace),
            include("tokens"),
        ],
        "string": [
            (r'[^"\\\r\n]+', String.Double),
            (r"\\[^\r\n]", String.Escape),
            (r'"', String.Double, "#pop"),
            (r"\\", Error),  # a backslash that ends the line
            (r"(?=[\r\n])", _nothing, "#pop"),  # a text left open at the end of its line
        ],
    }
