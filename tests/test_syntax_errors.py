"""The wording of the common mistakes is part of the product: these tests pin it."""

from __future__ import annotations

import pytest

from dunforce.dsl import check, format_source, parse
from dunforce.errors import DslError
from golden import assert_golden, cases


@pytest.mark.parametrize("path", cases("errors"))
def test_error_golden(path):
    with pytest.raises(DslError) as info:
        check(path.read_bytes(), filename=path.name)
    assert_golden(str(info.value) + "\n", path.with_suffix(".txt"))


def error(text: str) -> DslError:
    with pytest.raises(DslError) as info:
        check(text, filename="rules.dfs")
    return info.value


@pytest.mark.parametrize(
    ("text", "code", "line", "column", "message", "hint"),
    [
        (
            'if apl then sms "relance" D+2\n',
            "missing-at",
            1,
            27,
            "missing 'at' before the offset D+2",
            "write `at D+2`",
        ),
        (
            "if apl then sms at +2\n",
            "offset-anchor",
            1,
            20,
            "an offset needs its anchor: D (the due date) or E (the date of the event)",
            "write `D+2`",
        ),
        (
            "if apl then sms at D+2x\n",
            "unknown-unit",
            1,
            23,
            "unknown unit 'x' in 'D+2x'",
            "use no unit or d (days), bd (business days), w (weeks) or m (months), "
            "as in D+10, D+3bd, D+2w, D+1m",
        ),
        (
            'profile p: payment_method = "debit"\n',
            "single-equals",
            1,
            27,
            "'=' alone is not an operator; to compare two values write '=='",
            "write `==` (equal) or `!=` (different)",
        ),
        (
            "if apl and first_late sms at D+2\n",
            "missing-then",
            1,
            23,
            "missing 'then' between the condition and the actions (found 'sms')",
            "write `if CONDITION then ACTION at OFFSET`, as in "
            "`if apl and first_late then sms at D+2`",
        ),
        (
            "profile fragile apl\n",
            "missing-colon",
            1,
            17,
            "missing ':' after the profile name 'fragile'",
            "write `profile fragile: CONDITION`",
        ),
        (
            'if apl then sms "relance at D+2\n',
            "unclosed-string",
            1,
            17,
            "this text is not closed",
            'end it with " on the same line',
        ),
        (
            "scenario s for a:\n    sms at D+2\n  call at D+10\n",
            "bad-indentation",
            3,
            1,
            "this line is indented by 2, which matches no enclosing block",
            "indent it by 4 to keep it in the block above, or by 0 to end that block",
        ),
        (
            "profile standard: otherwise\nscenario s for standard:\n    smss at D+2\n",
            "unknown-channel",
            3,
            5,
            "unknown channel 'smss'",
            "did you mean 'sms'?",
        ),
        (
            "profile late: days_lat > 3\n",
            "unknown-name",
            1,
            15,
            "unknown name 'days_lat'",
            "did you mean 'days_late'?",
        ),
    ],
    ids=[
        "missing-at",
        "offset-anchor",
        "unknown-unit",
        "single-equals",
        "missing-then",
        "missing-colon",
        "unclosed-string",
        "bad-indentation",
        "unknown-channel",
        "unknown-name",
    ],
)
def test_common_mistakes_have_hand_written_messages(text, code, line, column, message, hint):
    err = error(text)
    assert (err.code, err.line, err.column) == (code, line, column)
    assert err.message == message
    assert err.hint == hint
    assert err.filename == "rules.dfs"


def test_str_shows_file_line_column_excerpt_caret_and_hint():
    err = error("profile late: days_lat > 3\n")
    assert str(err).splitlines() == [
        "rules.dfs:1:15: error[unknown-name]: unknown name 'days_lat'",
        "   1 | profile late: days_lat > 3",
        "     |               ^^^^^^^^",
        "     = hint: did you mean 'days_late'?",
    ]


def test_an_unclosed_bracket_names_where_it_was_opened():
    for text in ("profile p: (apl and\n   fsl\n", "profile p: (apl and\n   fsl\nprofile q: apl\n"):
        err = error(text)
        assert (err.code, err.line, err.column) == ("unclosed-bracket", 1, 12)


def test_a_later_error_says_which_bracket_is_still_open():
    err = error("profile p: (apl and\n   fsl fsl)\n")
    assert (err.line, err.column) == (2, 8)
    assert err.hint.endswith("; the '(' opened on line 1, column 12, is still open")


@pytest.mark.parametrize(
    "text",
    ["profile", "scenario s:\n", "if", "((((", "on x:\n  sms at E+1\n sms at E+2\n", "apl )"],
)
def test_lark_exceptions_never_escape(text):
    from lark.exceptions import LarkError

    with pytest.raises(DslError) as info:
        parse(text)
    assert not isinstance(info.value, LarkError)
    # the user's traceback never shows Lark's exception
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert info.value.code != "error"  # every syntax error is recognised and named


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("profile p: " + "(" * 5000 + "apl" + ")" * 5000 + "\n", "too-deep"),
        ("profile p: " + "not " * 300 + "apl\n", "too-deep"),
        ("profile p: x > " + " + ".join(["1"] * 300) + "\n", "too-deep"),
        ("profile p: " + "-" * 300 + "1 > 0\n", "too-deep"),
        ("profile p: " + "not " * 5000 + "apl\n", "too-long"),
        ("profile p: x > " + "+".join(["1"] * 450_000) + "\n", "too-long"),  # 900 kB
        ("profile p: " + "-" * 5000 + "1 > 0\n", "too-long"),
        ("profile p: x == " + "9" * 5000 + "\n", "bad-literal"),
    ],
    ids=["parentheses", "not", "sum", "minus", "many-not", "huge-sum", "many-minus", "huge-number"],
)
def test_absurd_input_gets_a_clear_error_not_a_recursion_error(text, code):
    assert error(text).code == code


def test_a_file_over_the_size_limit_is_refused_before_parsing():
    err = error("# x\n" * 2_600_000)
    assert err.code == "file-too-large"
    assert err.message == (
        "this file is 10,400,000 bytes; a scenario file may be at most 1,000,000 bytes"
    )


def test_bytes_that_are_not_utf8_name_the_line():
    err = error(b"profile a: apl\nprofile b: \xe9t\xe9\n")
    assert (err.code, err.line, err.column) == ("not-utf8", 2, 12)


@pytest.mark.parametrize(
    ("text", "offset"),
    [("D+2 w", "D+2w"), ("D+2 d", "D+2"), ("D+1 m", "D+1m"), ("D+3 bd", "D+3bd")],
)
def test_a_unit_may_follow_the_number_after_a_space(text, offset):
    assert format_source(f"if apl then sms at {text}\n") == f"if apl then sms at {offset}\n"


def test_only_quote_and_backslash_escapes_exist():
    assert error('if apl then sms "a\\n" at D+2\n').code == "bad-literal"
    (rule,) = parse('if apl then sms "a\\"b\\\\c" at D+2\n').rules
    assert rule.steps[0].action.template == 'a"b\\c'


def test_the_size_limit_counts_utf8_bytes():
    text = "#" + "é" * 600_000 + "\n"  # 600,002 characters, 1,200,002 bytes
    assert error(text).code == "file-too-large"
    assert "1,200,002 bytes" in error(text).message


def test_one_day_stays_singular():
    text = "scenario s:\n    sms every 1 day from D+1\n"
    assert format_source(text) == text
