"""Properties of the language front end, over generated input.

- programs generated from the grammar parse, and survive format -> parse unchanged;
- nothing the parser or checker is given ends in anything but a DslError.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from dunforce.attributes import HOUSING_SCHEMA, ValueType
from dunforce.dsl import check, format_source, parse
from dunforce.dsl.parser import _parser
from dunforce.errors import DslError
from dunforce.words import KEYWORDS

EXAMPLES = sorted(Path(__file__).parent.parent.glob("examples/**/*.dfs"))
INDENT, DEDENT = "\x01", "\x02"


def spaced(strategy):
    return strategy.map(lambda text: f" {text} ")


names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(lambda n: n not in KEYWORDS)
units = st.sampled_from(["", "d", "bd", "w", "m", " days", " weeks", " months", " bd"])
offsets = st.builds(
    lambda anchor, sign, n, unit: f"{anchor}{sign}{n}{unit}",
    st.sampled_from("DE"),
    st.sampled_from("+-"),
    st.integers(0, 400),
    units,
)
durations = st.builds(
    lambda n, unit: f"{n} {unit}",
    st.integers(1, 60),
    st.sampled_from(["days", "day", "d", "bd", "w", "weeks", "m", "months"]),
)
money = st.builds(
    lambda units_, cents, sign: f"{units_}{cents}{sign}",
    st.integers(0, 10**6),
    st.sampled_from(["", ".5", ".25"]),
    st.sampled_from([" €", "€", " EUR"]),
)
numbers = st.builds(
    lambda whole, frac: f"{whole}{frac}", st.integers(0, 10**9), st.sampled_from(["", ".5", ".125"])
)
dates = st.dates(datetime.date(1990, 1, 1), datetime.date(2100, 12, 31)).map(str)
strings = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\\n\r'), max_size=12
).map(lambda text: f'"{text}"') | st.just('"a \\" quote"')


def explicit_strategies() -> dict:
    grammar = _parser()
    explicit = {
        "NAME": spaced(names),
        "OFFSET": spaced(offsets),
        "DURATION": spaced(durations),
        "MONEY": spaced(money),
        "NUMBER": spaced(numbers),
        "DATE": spaced(dates),
        "STRING": spaced(strings),
        "COMP_OP": spaced(st.sampled_from(["==", "!=", "<", "<=", ">", ">="])),
        "DAY": spaced(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])),
        "PERIOD": spaced(st.sampled_from(["day", "week", "month"])),
        "COUNT": spaced(st.integers(1, 99).map(str)),
        "TIME": spaced(st.integers(0, 24 * 60).map(lambda m: f"{m // 60:02d}:{m % 60:02d}")),
        "_NL": st.sampled_from(["\n", "\n\n", "  # a comment\n"]),
        "_INDENT": st.just(INDENT),
        "_DEDENT": st.just(DEDENT),
    }
    for terminal in grammar.terminals:
        pattern = terminal.pattern
        if terminal.name not in explicit and pattern.type == "str":
            explicit[terminal.name] = st.just(f" {pattern.value} ")
    return {
        k: v
        for k, v in explicit.items()
        if k in {t.name for t in grammar.terminals} | {"_INDENT", "_DEDENT"}
    }


def lay_out(generated: str) -> str:
    """Turn the generator's indentation markers into indented lines."""
    level, lines = 0, []
    for line in generated.split("\n"):
        stripped = line.lstrip(" \t\f")
        while stripped[:1] in (INDENT, DEDENT) and stripped:
            level += 1 if stripped[0] == INDENT else -1
            stripped = stripped[1:].lstrip(" \t\f")
        lines.append("    " * level + stripped if stripped else "")
    return "\n".join(lines)


programs = from_lark(_parser(), start="start", explicit=explicit_strategies()).map(lay_out)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs)
def test_generated_programs_parse_and_survive_formatting(text):
    module = parse(text)
    formatted = format_source(text)
    assert parse(formatted) == module
    assert format_source(formatted) == formatted


language_bits = st.sampled_from(
    [
        *sorted(KEYWORDS),
        "D+2",
        "E-1",
        "D+3x",
        "12",
        "50 €",
        "2026-03-02",
        "14 days",
        '"x"',
        '"',
        "(",
        ")",
        "[",
        "]",
        ",",
        ":",
        "==",
        "=",
        "<",
        "+",
        "-",
        "*",
        "/",
        "#",
        "\n",
        "\n    ",
        "\t",
        " ",
        "apl",
        "debt",
        "sms",
        "call",
        "income",
        "é",
        "\x00",
        "\r",
        "\ufeff",
        "€",
    ]
)
random_text = st.lists(language_bits | st.text(max_size=3), max_size=60).map("".join)


def only_dsl_errors(text) -> None:
    try:
        check(text, filename="fuzz.dfs")
    except DslError as exc:
        assert exc.errors and all(d.filename == "fuzz.dfs" for d in exc.errors)
        assert str(exc)  # rendering never fails either


@settings(max_examples=500, deadline=None)
@given(random_text)
def test_random_language_text_only_raises_dsl_errors(text):
    only_dsl_errors(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_random_unicode_only_raises_dsl_errors(text):
    only_dsl_errors(text)


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_random_bytes_only_raise_dsl_errors(data):
    only_dsl_errors(data)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(EXAMPLES).map(lambda p: p.read_text(encoding="utf-8")),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 12), language_bits), max_size=4),
)
def test_mutated_examples_only_raise_dsl_errors(text, edits):
    for position, deleted, inserted in edits:
        position %= len(text) + 1
        text = text[:position] + inserted + text[position + deleted :]
    only_dsl_errors(text)


def test_the_examples_are_fuzzed():
    assert len(EXAMPLES) >= 2


def test_lay_out_indents_blocks():
    assert lay_out(
        f"scenario s :\n{INDENT} sms at D+1 \n sms at D+2 \n{DEDENT} profile p : x \n"
    ) == ("scenario s :\n    sms at D+1 \n    sms at D+2 \nprofile p : x \n")


# ---------------------------------------------------------------- well-typed programs

BOOL_NAMES = sorted(s.name for s in HOUSING_SCHEMA if s.type is ValueType.BOOL and not s.optional)
INT_NAMES = sorted(s.name for s in HOUSING_SCHEMA if s.type is ValueType.INT and not s.optional)
MONEY_NAMES = sorted(s.name for s in HOUSING_SCHEMA if s.type is ValueType.MONEY and not s.optional)
OPTIONAL_MONEY = sorted(s.name for s in HOUSING_SCHEMA if s.type is ValueType.MONEY and s.optional)
TEXT_SETS = sorted(
    (s.name, s.allowed) for s in HOUSING_SCHEMA if s.allowed is not None and not s.optional
)
OPS = ["==", "!=", "<", "<=", ">", ">="]


def atoms(earlier: list[str]):
    choices = [
        st.sampled_from(BOOL_NAMES),
        st.builds(lambda n: f"not {n}", st.sampled_from(BOOL_NAMES)),
        st.builds(
            lambda n, op, v: f"{n} {op} {v}",
            st.sampled_from(INT_NAMES),
            st.sampled_from(OPS),
            st.integers(0, 9),
        ),
        st.builds(
            lambda n, op, v: f"{n} {op} {v} €",
            st.sampled_from(MONEY_NAMES),
            st.sampled_from(OPS),
            st.integers(0, 3000),
        ),
        st.builds(
            lambda n, op, v: f"({n} is set and {n} {op} {v} €)",
            st.sampled_from(OPTIONAL_MONEY),
            st.sampled_from(OPS),
            st.integers(0, 3000),
        ),
        st.sampled_from(TEXT_SETS).flatmap(
            lambda pair: st.builds(
                lambda values, negated: (
                    f"{pair[0]} {'not in' if negated else 'in'} ["
                    + ", ".join(f'"{v}"' for v in values)
                    + "]"
                ),
                st.lists(st.sampled_from(pair[1]), min_size=1, max_size=3, unique=True),
                st.booleans(),
            )
        ),
    ]
    if earlier:
        choices.append(st.sampled_from(earlier))
        choices.append(st.builds(lambda p: f"not {p}", st.sampled_from(earlier)))
    return st.one_of(choices)


def conditions_over(earlier: list[str]):
    return st.recursive(
        atoms(earlier),
        lambda inner: st.one_of(
            st.builds(lambda a, b: f"({a} and {b})", inner, inner),
            st.builds(lambda a, b: f"({a} or {b})", inner, inner),
        ),
        max_leaves=8,
    )


steps = st.builds(
    lambda channel, day, condition: f"    {channel} at D+{day}{condition}",
    st.sampled_from(['sms "relance"', 'email "relance"', "call", 'letter "x" registered']),
    st.integers(0, 90),
    st.sampled_from(["", " if debt > 0 €", " if debt_months >= 1", " if apl"]),
)


@st.composite
def well_typed_programs(draw):
    names: list[str] = []
    lines = []
    for index in range(draw(st.integers(1, 12))):
        condition = draw(conditions_over(list(names)))
        names.append(f"p{index}")
        lines.append(f"profile p{index}: {condition}")
    lines.append("profile standard: otherwise")
    for number in range(draw(st.integers(1, 3))):
        bound = draw(st.lists(st.sampled_from([*names, "standard"]), min_size=1, unique=True))
        lines.append(f"\nscenario s{number} for {', '.join(bound)}:")
        # a block never sends one template twice at one time (the checker refuses it)
        unique = st.lists(steps, min_size=1, max_size=5, unique_by=lambda s: s.split(" if")[0])
        lines.extend(sorted(draw(unique)))
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(well_typed_programs())
def test_well_typed_programs_check_and_survive_formatting(text):
    checked = check(text)  # no error: every generated program is well typed
    assert all(w.severity == "warning" for w in checked.warnings)
    formatted = format_source(text)
    assert parse(formatted) == parse(text)
    # the formatted file means the same, so the lints say the same things about it
    assert sorted(w.code for w in check(formatted).warnings) == sorted(
        w.code for w in checked.warnings
    )


@pytest.mark.parametrize("body", ["p{p}", "p{p} and p{p}", "p{p} or p{p}", "not " * 150 + "p{p}"])
def test_long_chains_of_profiles_are_analysed(body):
    # a first version recursed through the chain (RecursionError) and doubled its work with
    # each `p and p` link; 300 links would never finish
    text = "profile p0: apl\n" + "".join(
        f"profile p{i}: {body.format(p=i - 1)}\n" for i in range(1, 300)
    )
    codes = [w.code for w in check(text).warnings]
    assert "no-otherwise" in codes
    assert codes.count("shadowed-profile") == 299  # each link is covered by the one before
