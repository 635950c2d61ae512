"""The formatter: canonical, idempotent, meaning-preserving, comment-keeping."""

from __future__ import annotations

from pathlib import Path

import pytest

from dunforce.dsl import format_source, parse
from golden import assert_golden, cases

EXAMPLES = sorted(Path(__file__).parent.parent.glob("examples/**/*.dfs"))
# every fixture that parses by design (the error fixtures do not)
ALL_FIXTURES = sorted(
    p
    for stage in ("parse", "check", "format")
    for p in (Path(__file__).parent / "fixtures" / stage).glob("*.dfs")
)


@pytest.mark.parametrize("path", cases("format"))
def test_format_golden(path):
    formatted = format_source(path.read_bytes(), filename=path.name)
    assert_golden(formatted, path.with_suffix(".formatted.dfs"))


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=p.parent.name + "/" + p.stem) for p in ALL_FIXTURES + EXAMPLES]
)
def test_format_is_idempotent_and_keeps_the_ast(path):
    original = path.read_bytes()
    once = format_source(original)
    assert format_source(once) == once
    assert parse(once) == parse(original)


@pytest.mark.parametrize("path", [pytest.param(p, id=p.parent.name) for p in EXAMPLES])
def test_examples_are_formatted(path):
    text = path.read_text(encoding="utf-8")
    assert format_source(text) == text, f"run `dunforce fmt {path}`"


def test_comments_are_kept_in_place():
    text = (
        "# head\nprofile a: apl  # trailing\n\n# before block\nscenario s for a:\n"
        "    # inside\n    sms at D+1  # step\n    # end of block\n\n# tail\n"
    )
    formatted = format_source(text)
    assert formatted == text
    assert [line for line in formatted.splitlines() if "#" in line] == [
        "# head",
        "profile a: apl  # trailing",
        "# before block",
        "    # inside",
        "    sms at D+1  # step",
        "    # end of block",
        "# tail",
    ]


def test_a_hash_inside_a_text_is_not_a_comment():
    text = 'if apl then sms "relance#1" at D+2  # real\n'
    assert format_source(text) == text


def test_profile_conditions_are_aligned_per_group():
    formatted = format_source("profile a: apl\nprofile long_name: fsl\n\nprofile b: x\n")
    assert formatted == "profile a:         apl\nprofile long_name: fsl\n\nprofile b: x\n"


def test_blank_lines_collapse_and_blocks_are_separated():
    text = (
        "profile a: apl\n\n\n\nprofile b: fsl\nscenario s for a:\n    sms at D+1\n"
        "on rejection:\n    sms at E+1\n"
    )
    assert format_source(text) == (
        "profile a: apl\n\nprofile b: fsl\n\nscenario s for a:\n    sms at D+1\n\n"
        "on rejection:\n    sms at E+1\n"
    )


def test_comments_inside_a_multi_line_condition_keep_their_own_lines():
    text = (
        "profile o: otherwise\nscenario s for o:\n"
        "    sms at D+2 if (apl  # only apl tenants\n        # they get an sms\n"
        "        and debt > 0 €)\n"
    )
    formatted = format_source(text)
    assert formatted.splitlines()[3:6] == [
        "    # only apl tenants",
        "    # they get an sms",
        "    sms at D+2 if apl and debt > 0 €",
    ]


def test_long_conditions_are_wrapped_one_operand_a_line():
    condition = " and ".join(f"household_size != {n}" for n in range(12))
    formatted = format_source(f"profile big: {condition}\n")
    assert max(len(line) for line in formatted.splitlines()) <= 100
    assert formatted.splitlines()[:3] == [
        "profile big: (",
        "    household_size != 0",
        "    and household_size != 1",
    ]
    assert parse(formatted) == parse(f"profile big: {condition}\n")
