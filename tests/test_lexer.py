"""The Pygments lexer of scenario files: it knows every construct, and it only ever highlights.

- Every scenario file the parser accepts (the examples, the fixtures, the documentation's
  ``dunforce`` blocks) lexes with no ``Error`` token.
- The token values always add up to the text, whatever the text (a Hypothesis property).
- Keywords, channels, options, offsets, money, durations, texts and comments get their types.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    String,
)

from dunforce.dsl import parse
from dunforce.dsl.lexer import POLICY_WORDS, TYPES, DunforceLexer
from dunforce.errors import DunforceError
from dunforce.words import KEYWORDS

ROOT = Path(__file__).parent.parent
LEXER = DunforceLexer()


def lex(text: str) -> list[tuple[object, str]]:
    """``(token type, value)`` of the text, as written (no newline added, none stripped)."""
    return [(token, value) for _, token, value in LEXER.get_tokens_unprocessed(text)]


def meaningful(text: str) -> list[tuple[object, str]]:
    return [(token, value) for token, value in lex(text) if value.strip()]


def parsed_files() -> list:
    """Every scenario file of the examples and the fixtures that the parser accepts."""
    paths = sorted((ROOT / "examples").rglob("*.dfs")) + sorted(
        (ROOT / "tests" / "fixtures").rglob("*.dfs")
    )
    params = []
    for path in paths:
        try:
            parse(path.read_bytes(), filename=path.name)
        except DunforceError:
            continue  # a fixture of a syntax error: not a scenario file
        params.append(pytest.param(path, id=str(path.relative_to(ROOT))))
    return params


FENCE = re.compile(r"^( *)```dunforce\n(.*?)^\1```", re.S | re.M)


def doc_blocks() -> list:
    """The ``dunforce`` code blocks of the documentation and the README."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    params = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for number, match in enumerate(FENCE.finditer(text), start=1):
            indent, body = match.groups()
            body = "\n".join(line[len(indent) :] for line in body.split("\n"))
            params.append(pytest.param(body, id=f"{page.relative_to(ROOT)}#{number}"))
    return params


# ------------------------------------------------------------------------------ registration


def test_pygments_finds_the_lexer_by_name_alias_and_file_name():
    assert isinstance(get_lexer_by_name("dunforce"), DunforceLexer)
    assert isinstance(get_lexer_by_name("dfs"), DunforceLexer)
    assert isinstance(get_lexer_for_filename("rules.dfs"), DunforceLexer)
    (entry,) = [e for e in entry_points(group="pygments.lexers") if e.name == "dunforce"]
    assert entry.value == "dunforce.dsl.lexer:DunforceLexer"


def test_importing_dunforce_does_not_import_pygments():
    code = (
        "import sys, dunforce, dunforce.dsl, dunforce.cli\n"
        "assert 'dunforce.dsl.lexer' not in sys.modules\n"
        "assert 'pygments' not in sys.modules, 'pygments must stay a docs dependency'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_lexer_knows_every_word_of_the_grammar():
    grammar = (ROOT / "src" / "dunforce" / "dsl" / "grammar.lark").read_text(encoding="utf-8")
    rules = "\n".join(line.split("//")[0] for line in grammar.splitlines())
    words = set(re.findall(r'"([a-z]+)"', rules))
    assert words, "no keyword found in the grammar"
    assert words <= KEYWORDS | POLICY_WORDS, words - (KEYWORDS | POLICY_WORDS)
    for word in sorted(words - POLICY_WORDS):
        ((token, value),) = meaningful(word)
        assert value == word
        assert token in Keyword or token in Operator.Word, (word, token)


# ------------------------------------------------------------------------------ real files


@pytest.mark.parametrize("path", parsed_files())
def test_every_scenario_file_that_parses_lexes_without_error(path):
    text = path.read_bytes().decode("utf-8")
    tokens = lex(text)
    assert "".join(value for _, value in tokens) == text
    errors = [value for token, value in tokens if token in Error]
    assert errors == [], f"{path.name}: {errors[:5]}"
    # the highlighting path (newlines normalised, BOM dropped) agrees
    assert not [v for t, v in LEXER.get_tokens(text) if t in Error]


def test_the_examples_and_fixtures_are_many():
    names = {p.values[0].name for p in parsed_files()}
    assert {"scenarios.dfs", "clean.dfs"} <= names
    assert len(names) >= 20


@pytest.mark.parametrize("body", doc_blocks())
def test_every_dunforce_block_of_the_docs_lexes_without_error(body):
    assert [v for t, v in lex(body) if t in Error] == []


def test_the_docs_highlight_scenario_code():
    assert len(doc_blocks()) >= 40


# ------------------------------------------------------------------------------ token types


def test_declarations_and_keywords():
    tokens = meaningful(
        "profile fragile: apl and not plan_broken or income is not set\n"
        "profile standard: otherwise\n"
    )
    assert tokens[:3] == [
        (Keyword.Declaration, "profile"),
        (Name.Class, "fragile"),
        (tokens[2][0], ":"),
    ]
    assert (Operator.Word, "and") in tokens
    assert (Operator.Word, "not") in tokens
    assert (Operator.Word, "is") in tokens
    assert (Keyword, "set") in tokens
    assert (Keyword, "otherwise") in tokens
    assert (Name, "apl") in tokens


def test_a_step_channel_template_options_offset_and_condition():
    tokens = meaningful(
        "scenario gentle for fragile, standard:\n"
        '    letter "mise_en_demeure" registered at D+30 if debt_months >= 1\n'
        '    sms "relance" else propose plan at D-5\n'
    )
    assert tokens[:6] == [
        (Keyword.Declaration, "scenario"),
        (Name.Function, "gentle"),
        (Keyword, "for"),
        (Name.Class, "fragile"),
        (tokens[4][0], ","),
        (Name.Class, "standard"),
    ]
    assert (Name.Builtin, "letter") in tokens
    assert (String.Double, "mise_en_demeure") in tokens
    assert (Name.Attribute, "registered") in tokens
    assert (Name, "debt_months") in tokens
    assert (Keyword, "else") in tokens
    assert (Keyword, "propose") in tokens
    assert (Name.Builtin, "plan") in tokens
    assert (Name.Builtin, "sms") in tokens


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        ("D-5", [(Name.Constant, "D"), (Operator, "-"), (Number.Integer, "5")]),
        ("D+2", [(Name.Constant, "D"), (Operator, "+"), (Number.Integer, "2")]),
        ("E+1", [(Name.Constant, "E"), (Operator, "+"), (Number.Integer, "1")]),
        (
            "D+6bd",
            [(Name.Constant, "D"), (Operator, "+"), (Number.Integer, "6"), (Keyword.Type, "bd")],
        ),
        (
            "D + 4 days",
            [(Name.Constant, "D"), (Operator, "+"), (Number.Integer, "4"), (Keyword.Type, "days")],
        ),
    ],
)
def test_offsets(offset, expected):
    assert meaningful(f"if apl then sms at {offset}\n")[-len(expected) :] == expected


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("50 €", [(Number.Integer, "50"), (Keyword.Type, "€")]),
        ("12.50€", [(Number.Float, "12.50"), (Keyword.Type, "€")]),
        ("99.9 EUR", [(Number.Float, "99.9"), (Keyword.Type, "EUR")]),
        ("2 w", [(Number.Integer, "2"), (Keyword.Type, "w")]),
        ("14 days", [(Number.Integer, "14"), (Keyword.Type, "days")]),
        ("3", [(Number.Integer, "3")]),
        ("1.5", [(Number.Float, "1.5")]),
        ("2026-03-02", [(Literal.Date, "2026-03-02")]),
        ("true", [(Keyword.Constant, "true")]),
    ],
)
def test_literals(literal, expected):
    assert meaningful(f"profile p: x == {literal}\n")[-len(expected) :] == expected


def test_texts_escapes_and_comments():
    tokens = lex('profile p: note == "say \\"hi\\" # not a comment"  # a comment\n')
    assert (Comment.Single, "# a comment") in tokens
    assert (String.Escape, '\\"') in tokens
    assert (String.Double, " # not a comment") in tokens
    assert not [v for t, v in tokens if t in Comment and "not a comment" in v]


def test_attribute_declarations_name_their_type():
    tokens = meaningful('attribute sector: optional text one of ["n0", "n1"] "Sector"\n')
    assert tokens[:5] == [
        (Keyword.Declaration, "attribute"),
        (Name.Variable, "sector"),
        (tokens[2][0], ":"),
        (Keyword, "optional"),
        (Keyword.Type, "text"),
    ]
    for type_name in TYPES:
        assert (Keyword.Type, type_name) in meaningful(f"attribute a: {type_name}\n")


def test_event_blocks_rules_and_functions():
    tokens = meaningful(
        "on rejection for fragile:\n"
        '    sms "rejet" at E+1\n'
        "if days_since(lease_start) < 90 then sms at D+2, call at D+10 if max(debt, 1 €) > 0 €\n"
    )
    assert tokens[:3] == [
        (Keyword.Declaration, "on"),
        (Name.Function, "rejection"),
        (Keyword, "for"),
    ]
    assert (Name.Class, "fragile") in tokens
    assert (Name.Function, "days_since") in tokens
    assert (Name.Function, "max") in tokens
    assert (Name.Builtin, "call") in tokens  # after the comma, the rule's next step
    assert (Name, "debt") in tokens  # the comma inside max(...) does not start a step


def test_policy_blocks():
    tokens = meaningful(
        "policy for fragile:\n"
        "    window call, sms: mon-fri and holidays 09:30-12:30, 14:00-19:00\n"
        "    cap contacts: 3 per week\n"
        "    no cap call\n"
        "    no guard winter_truce\n"
        "    no pause while dispute\n"
        '    timezone "Europe/Paris"\n'
        "profile window: apl\n"
    )
    assert (Keyword, "window") in tokens
    assert (Name.Builtin, "call") in tokens
    assert (Name.Builtin, "contacts") in tokens
    assert (Name.Constant, "mon") in tokens
    assert (Literal.Date, "09:30") in tokens
    assert (Keyword, "per") in tokens
    assert (Keyword.Type, "week") in tokens
    assert (Keyword, "no") in tokens
    assert (Name.Constant, "winter_truce") in tokens
    assert (Keyword, "timezone") in tokens
    # outside a policy block, a policy word is a name
    assert tokens[-4:] == [
        (Keyword.Declaration, "profile"),
        (Name.Class, "window"),
        (tokens[-2][0], ":"),
        (Name, "apl"),
    ]


def test_a_dedent_ends_a_block():
    tokens = meaningful("scenario s for p:\n    sms at D+2\n# note\n    call at D+3\nsms\n")
    assert (Name.Builtin, "sms") in tokens[:6]
    assert (Name.Builtin, "call") in tokens  # a comment line does not end the block
    assert tokens[-1] == (Name, "sms")  # at the top level, a name is just a name


def test_a_multi_line_condition_stays_a_condition():
    tokens = meaningful("scenario s for p:\n    call at D+3 if (debt > 0 €\n  and apl)\n")
    assert (Name, "apl") in tokens


def test_what_is_not_the_language_is_an_error():
    assert [v for t, v in lex("profile p: a & b ! c\n") if t in Error] == ["&", "!"]
    assert [v for t, v in lex("profile Fragile: apl\n") if t in Error] == list("F")


def test_the_html_of_a_step():
    html = highlight('profile p: otherwise\nif apl then sms "r" at D+2\n', LEXER, HtmlFormatter())
    assert '<span class="kd">profile</span>' in html
    assert '<span class="nb">sms</span>' in html
    assert '<span class="no">D</span><span class="o">+</span><span class="mi">2</span>' in html


# ------------------------------------------------------------------------------ properties

VOCABULARY = sorted(
    {*KEYWORDS, *POLICY_WORDS, *TYPES}
    | {"D+2", "E-3", "D + 4 days", "D+6bd", "50 €", "1.5", "2 w", "2026-01-31", "10:00"}
    | {'"a\\"b"', '"open', "#", "\n", "\n    ", "    ", "\t", ":", ",", "(", ")", "[", "]"}
    | {"sms", "apl", "debt", "==", "<", "-", "\\", "\r\n", "\r", "\ufeff", "€", "EUR", "D", "é"}
)


@settings(max_examples=300)
@given(st.text())
def test_any_text_lexes_and_round_trips(text):
    assert "".join(value for _, value in lex(text)) == text


@settings(max_examples=300)
@given(st.lists(st.sampled_from(VOCABULARY), max_size=60).map(" ".join))
def test_any_sequence_of_the_language_words_lexes_and_round_trips(text):
    tokens = lex(text)
    assert "".join(value for _, value in tokens) == text
    assert all(value for _, value in tokens), "no empty token"
    highlighted = "".join(value for _, value in LEXER.get_tokens(text))
    expected = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
    assert highlighted.strip("\n") == expected.strip("\n")
