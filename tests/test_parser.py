"""Text -> AST: golden trees with positions, and the shapes the later stages rely on."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from dunforce.attributes.types import ValueType
from dunforce.dsl import ast
from dunforce.dsl.parser import parse
from golden import assert_golden, cases


@pytest.mark.parametrize("path", cases("parse"))
def test_parse_golden(path):
    module = parse(path.read_bytes(), filename=path.name)
    assert_golden(ast.dump(module) + "\n", path.with_suffix(".ast"))


def test_the_brief_example_parses_to_one_rule_with_two_steps():
    module = parse("if apl and first_late then sms at D+2, call at D+10")
    (rule,) = module.rules
    assert rule.condition == ast.BoolOp("and", (ast.Name("apl"), ast.Name("first_late")))
    assert [s.action.channel for s in rule.steps] == ["sms", "call"]
    assert [s.timing.offset for s in rule.steps] == [ast.Offset("D", 2), ast.Offset("D", 10)]


def test_spans_point_at_the_source():
    text = "profile late: days_late > 5\n"
    (profile,) = parse(text).profiles
    compare = profile.condition
    assert (compare.span.line, compare.span.column) == (1, 15)
    assert text[compare.left.span.column - 1 : compare.left.span.end_column - 1] == "days_late"
    assert (profile.name_span.column, profile.name_span.end_column) == (9, 13)


def test_spans_do_not_take_part_in_equality():
    assert parse("profile a: apl\n") == parse("\n\n# moved\nprofile   a :  apl")


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("12", 12, ValueType.INT),
        ("12.50", Decimal("12.50"), ValueType.NUMBER),
        ("1200 €", Decimal("1200"), ValueType.MONEY),
        ("1200€", Decimal("1200"), ValueType.MONEY),
        ("12.5 EUR", Decimal("12.5"), ValueType.MONEY),
        ('"débit"', "débit", ValueType.TEXT),
        ('"say \\"hi\\""', 'say "hi"', ValueType.TEXT),
        ("2026-02-28", datetime.date(2026, 2, 28), ValueType.DATE),
        ("14 days", ast.Duration(14, "d"), ValueType.DURATION),
        ("2 w", ast.Duration(2, "w"), ValueType.DURATION),
        ("3bd", ast.Duration(3, "bd"), ValueType.DURATION),
        ("1 month", ast.Duration(1, "m"), ValueType.DURATION),
        ("true", True, ValueType.BOOL),
    ],
)
def test_literals(text, value, kind):
    (profile,) = parse(f"profile p: x == {text}\n").profiles
    literal = profile.condition.right
    assert (literal.value, literal.type) == (value, kind)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("D+2", ast.Offset("D", 2, "d")),
        ("D-5", ast.Offset("D", -5, "d")),
        ("D + 10", ast.Offset("D", 10, "d")),
        ("D+3bd", ast.Offset("D", 3, "bd")),
        ("D+2w", ast.Offset("D", 2, "w")),
        ("D+1m", ast.Offset("D", 1, "m")),
        ("D+4 days", ast.Offset("D", 4, "d")),
        ("D+1 month", ast.Offset("D", 1, "m")),
        ("E-30", ast.Offset("E", -30, "d")),
    ],
)
def test_offsets(text, offset):
    (rule,) = parse(f"if apl then sms at {text}\n").rules
    assert rule.steps[0].timing.offset == offset


def test_and_or_chains_are_flat_and_parentheses_nest():
    (a, b) = parse(
        "profile a: apl and fsl and guarantor\nprofile b: (apl and fsl) and x\n"
    ).profiles
    assert len(a.condition.operands) == 3
    assert isinstance(b.condition.operands[0], ast.BoolOp)


def test_arithmetic_is_left_associative_with_precedence():
    (profile,) = parse("profile p: 1 - 2 - 3 * 4 > 0\n").profiles
    expr = profile.condition.left
    # ((1 - 2) - (3 * 4))
    assert expr.op == "-" and expr.left.op == "-" and expr.right.op == "*"


def test_a_step_keeps_its_fallbacks_in_order():
    (rule,) = parse('if apl then sms "a" else email "b" else letter "c" at D+2\n').rules
    step = rule.steps[0]
    assert [a.channel for a in step.actions] == ["sms", "email", "letter"]
    assert step.action.channel == "sms" and [a.template for a in step.fallbacks] == ["b", "c"]


def test_keywords_are_reserved_everywhere():
    from dunforce.errors import DslError

    for text in ("profile and: apl\n", "if apl then set at D+2\n", "scenario for for a:\n"):
        with pytest.raises(DslError):
            parse(text)


def test_a_bom_and_windows_line_endings_are_accepted():
    module = parse("\ufeffprofile a: apl\r\nprofile b: otherwise\r\n".encode())
    assert [p.name for p in module.profiles] == ["a", "b"]


def test_walk_and_depth_do_not_recurse():
    module = parse("profile p: " + "not " * 150 + "apl\n")
    assert ast.depth(module) == 153
    assert sum(1 for _ in ast.walk(module)) == 153
