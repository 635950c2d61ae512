"""Message templates: filters, the allow-list, check-time diagnostics, SMS sizes, rendering, and
the bundled French templates of the examples."""

from __future__ import annotations

import datetime
import math
import os
import re
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dunforce
from dunforce import HOUSING_SCHEMA, AttributeSpec, DunforceError, Span, ValueType
from dunforce.templates import (
    FILTERS,
    TEMPLATE_CODES,
    Message,
    RenderError,
    SmsSize,
    Template,
    TemplateSet,
    TemplateUse,
    format_date,
    format_money,
    format_number,
    format_short_date,
    longest_rendering,
    schema_variables,
    sms_size,
    template_uses,
)
from dunforce.templates.environment import ENVIRONMENT
from dunforce.templates.gsm import GSM7, GSM_BASIC, GSM_EXTENSION, UCS2

ROOT = Path(__file__).parent.parent
EXAMPLES = ("social_housing", "invoices")
VARIABLES = schema_variables()
TODAY = datetime.date(2026, 3, 20)


def diagnostics(text: str, *, uses=(), key: str = "t", **kw) -> tuple[dunforce.Diagnostic, ...]:
    return TemplateSet.from_mapping({key: text}).check(uses, VARIABLES, **kw)


def errors(text: str) -> list:
    return [d for d in diagnostics(text) if d.is_error]


def codes_of(found) -> list[str]:
    return [d.code for d in found]


def use(name: str, channel: str, line: int = 1) -> TemplateUse:
    return TemplateUse(name, channel, "rules.dfs", Span.point(line, 5, 3 + len(name)))


# ------------------------------------------------------------------------------ formatting


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1234.56"), "1 234,56 €"),
        (Decimal("-1234.5"), "-1 234,50 €"),
        (Decimal("0"), "0,00 €"),
        (Decimal("999999999.99"), "999 999 999,99 €"),
        (12, "12,00 €"),
    ],
)
def test_money_is_french_with_plain_spaces(amount, text):
    assert format_money(amount) == text


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_money_round_trips_and_stays_gsm7(amount):
    text = format_money(amount)
    assert set(text) <= GSM_BASIC | GSM_EXTENSION
    assert Decimal(text.replace(" ", "").replace("€", "").replace(",", ".")) == amount


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2199, 12, 31)))
def test_short_date_round_trips(day):
    assert datetime.datetime.strptime(format_short_date(day), "%d/%m/%Y").date() == day
    assert format_date(day).endswith(str(day.year))


def test_dates_are_french():
    assert format_date(datetime.date(2026, 3, 15)) == "15 mars 2026"
    assert format_date(datetime.date(2026, 9, 30)) == "30 septembre 2026"
    assert format_short_date(datetime.date(2026, 3, 15)) == "15/03/2026"


@pytest.mark.parametrize(
    ("number", "decimals", "text"),
    [
        (Decimal("1234.5"), None, "1 234,5"),
        (Decimal("1234.50"), None, "1 234,50"),
        (12345, None, "12 345"),
        (Decimal("1.25"), 1, "1,2"),
        (Decimal("2"), 1, "2,0"),
        (Fraction(4, 3), None, "1,33"),
        (Decimal("-0.5"), 0, "-0"),
    ],
)
def test_number_formatting(number, decimals, text):
    assert format_number(number, decimals) == text


def test_filters_are_the_documented_ones():
    assert FILTERS == (
        "money",
        "date",
        "short_date",
        "number",
        "upper",
        "lower",
        "capitalize",
        "default",
    )
    page = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    for name in FILTERS:
        assert f"`{name}`" in page


def test_text_filters():
    templates = TemplateSet.from_mapping(
        {"t": "{{ aid_payer | upper }} {{ payment_method | capitalize }} {{ x | lower }}"}
    )
    message = templates.render(
        "t", "email", {"aid_payer": "caf", "payment_method": "transfer", "x": "ÉTÉ"}
    )
    assert message.body == "CAF Transfer été"


# ------------------------------------------------------------------------------ GSM-7 sizes


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", GSM7, 0, 1),
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("€" * 80, GSM7, 160, 1),  # extension characters count two septets
        ("€" * 81, GSM7, 162, 2),
        ("{}[]~^|\\", GSM7, 16, 1),
        ("a" * 152 + "€" + "a" * 152, GSM7, 306, 3),  # the € cannot be split across segments
        ("’" + "a" * 69, UCS2, 70, 1),
        ("’" + "a" * 70, UCS2, 71, 2),
        ("’" + "a" * 133, UCS2, 134, 2),
        ("’" + "a" * 134, UCS2, 135, 3),
        ("😀" * 35, UCS2, 70, 1),  # an emoji is a surrogate pair: two UTF-16 units
        ("éèàùÇ", GSM7, 5, 1),
        ("ç", UCS2, 1, 1),  # GSM 03.38 has the capital Ç only
    ],
)
def test_sms_size_known_figures(text, encoding, units, segments):
    size = sms_size(text)
    assert (size.encoding, size.units, size.segments) == (encoding, units, segments)
    assert isinstance(size, SmsSize)


def test_sms_size_names_the_characters_outside_gsm7():
    assert sms_size("l’œuvre’").outside == ("’", "œ")
    assert sms_size("plain").outside == ()
    assert sms_size("plain", encoding=UCS2).units == 5
    with pytest.raises(ValueError, match="outside GSM-7"):
        sms_size("œ", encoding=GSM7)


@given(st.text(max_size=700))
def test_sms_segments_are_consistent_with_units(text):
    size = sms_size(text)
    single, part = (160, 153) if size.encoding == GSM7 else (70, 67)
    assert (size.encoding == GSM7) == (size.outside == ())
    if size.units <= single:
        assert size.segments == 1
    else:
        assert math.ceil(size.units / part) <= size.segments <= math.ceil(size.units / (part - 1))
    assert len(text) <= size.units <= 2 * len(text)


# ------------------------------------------------------------------------------ the allow-list

FORBIDDEN = {
    "string-class": "{{ ''.__class__ }}",
    "cycler-globals": "{{ cycler.__init__.__globals__ }}",
    "mro": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "attribute": "{{ debt.real }}",
    "item": "{{ debt[0] }}",
    "call": "{{ range(10) }}",
    "method": "{{ payment_method.upper() }}",
    "for": "{% for x in [1, 2] %}{{ x }}{% endfor %}",
    "set": "{% set x = 1 %}",
    "set-block": "{% set x %}a{% endset %}",
    "macro": "{% macro m() %}a{% endmacro %}",
    "call-block": "{% call debt() %}a{% endcall %}",
    "include": "{% include 'other.txt' %}",
    "import": "{% import 'other.txt' as other %}",
    "from-import": "{% from 'other.txt' import x %}",
    "extends": "{% extends 'base.txt' %}",
    "block": "{% block body %}a{% endblock %}",
    "with": "{% with x = 1 %}{% endwith %}",
    "filter-block": "{% filter upper %}a{% endfilter %}",
    "autoescape": "{% autoescape true %}a{% endautoescape %}",
    "arithmetic": "{{ debt + 1 }}",
    "negation": "{{ -debt }}",
    "concat": "{{ account_id ~ 'x' }}",
    "inline-if": "{{ debt if apl else income }}",
    "list": "{{ [debt] }}",
    "filter-on-literal": "{{ 'abc' | upper }}",
    "filter-variable-argument": "{{ income | default(debt) }}",
    "filter-keyword": "{{ income | default(value='x') }}",
    "filter-in-condition": "{% if debt | money %}a{% endif %}",
    "in-operator": "{% if payment_method in ['debit'] %}a{% endif %}",
    "other-test": "{% if debt is odd %}a{% endif %}",
    "test-in-output": "{{ debt is none }}",
    "reserved-name": "{{ self }}",
    "none-literal": "{{ none }}",
}


@pytest.mark.parametrize("text", FORBIDDEN.values(), ids=FORBIDDEN.keys())
def test_forbidden_constructs_are_refused(text):
    found = errors(text)
    assert "template-forbidden" in codes_of(found)
    template = TemplateSet.from_mapping({"t": text}).templates["t"]
    assert template.has_errors
    with pytest.raises(RenderError, match="has errors"):
        template.render({"debt": Decimal(1), "apl": True, "income": None}, channel="sms")


def test_forbidden_message_points_at_the_attribute():
    (found,) = errors("Bonjour\n{{ ''.__class__ }}\n")
    assert found.code == "template-forbidden"
    assert (found.line, found.column) == (2, 7)
    assert found.message == (
        "templates cannot read attributes (`a.b`): write the name of a variable"
    )
    assert str(found).splitlines()[1:3] == [
        "   2 | {{ ''.__class__ }}",
        "     |       ^^^^^^^^^",
    ]


def test_loop_message_names_the_tag():
    (found, *_) = errors("a\n  {% for x in y %}{% endfor %}")
    assert found.message == "loops (`{% for %}`) are not allowed in templates"
    assert (found.line, found.column) == (2, 6)


def test_the_sandbox_is_a_second_line():
    # even compiled directly, without the allow-list, there is nothing to reach
    with pytest.raises(jinja2.TemplateError):
        ENVIRONMENT.from_string("{{ ''.__class__.__mro__ }}").render()
    with pytest.raises(jinja2.TemplateError):
        ENVIRONMENT.from_string("{{ cycler.__init__ }}").render()
    assert ENVIRONMENT.globals == {}
    assert set(ENVIRONMENT.filters) == set(FILTERS)


def test_raw_is_allowed_and_shown_as_written():
    assert diagnostics("{% raw %}{{ debt.x }}{% endraw %}", uses=[use("t", "email")]) == ()
    message = TemplateSet.from_mapping({"t": "{% raw %}{{ debt.x }}{% endraw %}"}).render(
        "t", "email", {}
    )
    assert message.body == "{{ debt.x }}"


ALLOWED = [
    "{{ debt }}",
    "{{ debt | money }}",
    "{{ income | money | default('inconnu') }}",
    "{{ income | default(0) | money }}",
    "{{ debt_months | number(1) }}",
    "{% if apl %}a{% elif not fsl %}b{% else %}c{% endif %}",
    "{% if income is not none and income < 1200 %}a{% endif %}",
    "{% if debt >= 50 or payment_method == 'debit' %}a{% endif %}",
    "{% if 50 <= debt %}a{% endif %}",
    "{% if debt > deposit_amount %}a{% endif %}",
    "{% if next_due_date is defined %}a{% endif %}",
    "{% if debt > -1.5 %}a{% endif %}",
    "{{ 'texte' }}",
]


@pytest.mark.parametrize("text", ALLOWED)
def test_allowed_constructs_check_clean(text):
    assert diagnostics(text, uses=[use("t", "email")]) == ()


# ------------------------------------------------------------------------------ check-time errors


def test_unknown_variable_with_did_you_mean():
    (found,) = errors("Bonjour,\nvous avez {{ days_lat }} jours de retard.")
    assert found.code == "template-unknown-variable"
    assert found.message == "unknown variable 'days_lat'"
    assert found.hint == "did you mean 'days_late'?"
    assert (found.filename, found.line, found.column) == ("t.txt", 2, 14)
    assert str(found) == (
        "t.txt:2:14: error[template-unknown-variable]: unknown variable 'days_lat'\n"
        "   2 | vous avez {{ days_lat }} jours de retard.\n"
        "     |              ^^^^^^^^\n"
        "     = hint: did you mean 'days_late'?"
    )


def test_unknown_variable_without_a_close_name():
    (found,) = errors("{{ tenant_name }}")
    assert found.hint is not None and "account_id" in found.hint


def test_the_same_name_twice_on_a_line_points_at_each():
    found = errors("{{ dbt }} et {{ dbt }}")
    assert [d.column for d in found] == [4, 17]


def test_unknown_filter_with_did_you_mean():
    (found,) = errors("{{ debt | monye }}")
    assert found.code == "template-unknown-filter"
    assert found.message == "unknown filter 'monye'"
    assert found.hint.startswith("did you mean 'money'?")
    assert found.column == 11


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{{ next_due_date | money }}",
            "'money' formats an amount of money, but 'next_due_date' is a date",
        ),
        ("{{ debt | date }}", "'date' formats a date, but 'debt' is an amount of money"),
        ("{{ apl | upper }}", "'upper' formats a text, but 'apl' is true or false"),
        (
            "{{ income | default('?') | money }}",
            "'money' formats an amount of money, but after default(…) 'income' may be a text",
        ),
    ],
)
def test_filter_type(text, message):
    (found,) = errors(text)
    assert (found.code, found.message) == ("template-filter-type", message)


@pytest.mark.parametrize(
    "text", ["{{ debt | number(9) }}", "{{ income | default }}", "{{ debt | money(2) }}"]
)
def test_filter_arguments(text):
    assert codes_of(errors(text)) == ["template-filter-args"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{% if payment_method == 'virement' %}a{% endif %}",
            "'payment_method' is never 'virement': its values are 'debit', 'transfer', "
            "'cheque', 'cash', 'card'",
        ),
        (
            "{% if today > 3 %}a{% endif %}",
            "cannot order 'today' (a date) and 3 (a whole number) with >",
        ),
        (
            "{% if apl == 'oui' %}a{% endif %}",
            "'apl' (true or false) is never equal to 'oui' (a text)",
        ),
    ],
)
def test_comparison_types(text, message):
    (found,) = errors(text)
    assert (found.code, found.message) == ("template-compare-type", message)


def test_syntax_error_points_at_the_open_block():
    (found,) = errors("Bonjour,\n{% if debt > 0 %}\nil reste {{ debt | money }}.\n")
    assert found.code == "template-syntax"
    assert found.message == "this {% if %} is never closed: the template ends before {% endif %}"
    assert (found.line, found.column) == (2, 4)
    assert found.hint == "close it with {% endif %}"


def test_syntax_error_of_an_unclosed_output():
    (found,) = errors("Bonjour\nil reste {{ debt | money\n")
    assert (found.code, found.line, found.column) == ("template-syntax", 2, 10)


def test_syntax_error_of_an_unknown_tag():
    (found,) = errors("a\n{% unless debt %}b")
    assert found.code == "template-syntax"
    assert found.line == 2 and found.column == 4
    assert "unknown tag 'unless'" in found.message


def test_every_error_of_a_file_is_reported_together():
    found = errors("{{ dbt }}\n{{ debt.x }}\n{{ debt | monye }}\n{{ apl | money }}")
    assert codes_of(found) == [
        "template-unknown-variable",
        "template-forbidden",
        "template-unknown-filter",
        "template-filter-type",
    ]
    assert [d.line for d in found] == [1, 2, 3, 4]


def test_variables_may_be_schema_symbols_or_value_types():
    spec = AttributeSpec("sector", ValueType.TEXT, allowed=("north", "south"))
    templates = TemplateSet.from_mapping({"t": "{% if sector == 'nord' %}a{% endif %}"})
    (found,) = templates.check([use("t", "email")], {"sector": spec})
    assert found.code == "template-compare-type"
    assert found.hint == "did you mean 'north'?"
    assert templates.check([use("t", "email")], {"sector": ValueType.TEXT}) == ()
    with pytest.raises(TypeError, match="variables"):
        templates.check([], {"sector": "text"})
    with pytest.raises(TypeError, match="TemplateUse"):
        templates.check([("t", "email")], VARIABLES)


@pytest.mark.parametrize(
    "text",
    [
        "{{ " + "(" * 3000 + "debt" + ")" * 3000 + " }}",
        "{% if " + "not " * 300 + "apl %}a{% endif %}",
        "{{ account_id" + " | upper" * 300 + " }}",
        "{% if apl %}" * 2000,
    ],
    ids=["parentheses", "not", "filters", "ifs"],
)
def test_deeply_nested_templates_are_a_diagnostic_not_a_crash(text):
    (found,) = errors(text)
    assert (found.code, found.message) == (
        "template-syntax",
        "this template is nested too deeply to be read",
    )


# ------------------------------------------------------------------------------ sets and files


def test_channel_specific_version_wins():
    templates = TemplateSet.from_mapping(
        {"relance_1": "Lettre : {{ debt | money }}", "relance_1.sms": "SMS : {{ debt | money }}"}
    )
    values = {"debt": Decimal("45")}
    assert templates.render("relance_1", "sms", values).body == "SMS : 45,00 €"
    assert templates.render("relance_1", "letter", values).body == "Lettre : 45,00 €"
    assert templates.get("relance_1", "email").key == "relance_1"
    assert templates.names == ("relance_1",)
    assert "relance_1" in templates and len(templates) == 2


def test_template_missing_points_at_the_step():
    templates = TemplateSet.from_mapping({"relance_1.letter": "x", "relance_2": "y"})
    uses = [
        TemplateUse("relance_1", "sms", "rules.dfs", Span(4, 9, 4, 25), source_line="    ..."),
        TemplateUse("relance_3", "sms", "rules.dfs", Span(5, 9, 5, 25)),
        TemplateUse("relance_2", "email", "rules.dfs", Span(6, 9, 6, 25)),
    ]
    found = templates.check(uses, VARIABLES)
    missing = [d for d in found if d.code == "template-missing"]
    assert [(d.filename, d.line, d.column) for d in missing] == [
        ("rules.dfs", 4, 9),
        ("rules.dfs", 5, 9),
    ]
    assert missing[0].message == "the template 'relance_1' has no version for sms"
    assert "relance_1.sms.txt" in missing[0].hint
    assert missing[1].message == "no template 'relance_3' for sms"
    assert missing[1].hint == "did you mean 'relance_2'?"
    assert all(d.is_error for d in missing)
    with pytest.raises(RenderError, match="no template for channel sms") as caught:
        templates.render("relance_1", "sms", {})
    assert caught.value.template == "relance_1"


def test_template_unused_is_a_warning():
    templates = TemplateSet.from_mapping({"a": "x", "a.sms": "y", "b.email": "z", "c": "w"})
    found = templates.check([use("a", "sms"), use("c", "email")], VARIABLES)
    assert [(d.filename, d.code, d.severity) for d in found] == [
        ("a.txt", "template-unused", "warning"),
        ("b.email.txt", "template-unused", "warning"),
    ]
    assert found[0].message == (
        "every step that names 'a' has a version for its own channel, so a.txt is never used"
    )
    assert found[1].message == "no step sends the template 'b' by email"


def test_subject_line():
    templates = TemplateSet.from_mapping(
        {"t": "Subject: Relance du {{ today | date }}\n\nMadame, Monsieur,\n{{ dbt }}\n"}
    )
    template = templates.templates["t"]
    assert template.subject == "Relance du {{ today | date }}"
    assert template.body == "Madame, Monsieur,\n{{ dbt }}\n"
    (found,) = [d for d in templates.check([use("t", "email")], VARIABLES) if d.is_error]
    assert (found.line, found.column) == (4, 4)  # a line of the file, not of the body
    ok = TemplateSet.from_mapping(
        {"t": "Subject: Relance du {{ today | date }}\n\nMadame, Monsieur,\n{{ debt | money }}"}
    )
    message = ok.render("t", "email", {"today": TODAY, "debt": Decimal("12.5")})
    assert message == Message(
        subject="Relance du 20 mars 2026",
        body="Madame, Monsieur,\n12,50 €",
        channel="email",
        template="t",
    )


def test_subject_errors_are_on_line_one():
    (found,) = errors("Subject: {{ dept }}\n\nbody")
    assert (found.line, found.column, found.hint) == (1, 13, "did you mean 'debt'?")


def test_without_subject_line_the_subject_is_none():
    message = TemplateSet.from_mapping({"t": "Objet : x\nSubject: y"}).render("t", "sms", {})
    assert message.subject is None
    assert message.body == "Objet : x\nSubject: y"


def test_from_directory(tmp_path):
    (tmp_path / "relance_1.txt").write_text("Subject: S\n\nLettre\n", encoding="utf-8")
    (tmp_path / "relance_1.sms.txt").write_text("SMS\r\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("not a template", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("{{", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "other.txt").write_text("x", encoding="utf-8")
    templates = TemplateSet.from_directory(tmp_path)
    assert sorted(templates.templates) == ["relance_1", "relance_1.sms"]
    assert templates.problems == ()
    assert templates.render("relance_1", "sms", {}).body == "SMS"
    assert templates.render("relance_1", "letter", {}).subject == "S"
    assert templates.templates["relance_1.sms"].filename == str(tmp_path / "relance_1.sms.txt")


def test_non_utf8_file_is_a_diagnostic(tmp_path):
    (tmp_path / "relance_1.txt").write_bytes("Bonjour,\nvotre loyer d\xfb\n".encode("latin-1"))
    (tmp_path / "relance_2.txt").write_text("ok", encoding="utf-8")
    templates = TemplateSet.from_directory(tmp_path)
    assert list(templates.templates) == ["relance_2"]
    (problem,) = templates.problems
    assert problem.code == "template-file"
    assert problem.message == "this file is not UTF-8 text: byte 0xfb cannot be read"
    assert (problem.filename, problem.line, problem.column) == (
        str(tmp_path / "relance_1.txt"),
        2,
        14,
    )
    found = templates.check([use("relance_1", "letter"), use("relance_2", "letter")], VARIABLES)
    assert sorted(codes_of(found)) == ["template-file", "template-missing"]


def test_badly_named_and_missing_directories_are_diagnostics(tmp_path):
    (tmp_path / "Relance.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a.b.c.txt").write_text("x", encoding="utf-8")
    templates = TemplateSet.from_directory(tmp_path)
    assert len(templates) == 0
    assert codes_of(templates.problems) == ["template-file", "template-file"]
    assert "'Relance.txt' is not a template file name" in templates.problems[0].message
    gone = TemplateSet.from_directory(tmp_path / "nowhere")
    (problem,) = gone.problems
    assert problem.code == "template-file" and "cannot read the template directory" in str(problem)


def test_large_file_is_a_diagnostic(tmp_path):
    (tmp_path / "big.txt").write_text("x" * 101, encoding="utf-8")
    (problem,) = TemplateSet.from_directory(tmp_path, max_bytes=100).problems
    assert problem.code == "template-file" and "over 100 bytes" in problem.message


def test_from_mapping_validates_eagerly():
    with pytest.raises(ValueError, match="'Relance' cannot name a template"):
        TemplateSet.from_mapping({"Relance": "x"})
    with pytest.raises(ValueError, match="cannot name a template"):
        TemplateSet.from_mapping({"a.b.c": "x"})
    with pytest.raises(TypeError, match=r"texts\['a'\] must be a str"):
        TemplateSet.from_mapping({"a": b"x"})


def test_template_sets_are_immutable():
    templates = TemplateSet.from_mapping({"a": "x"})
    with pytest.raises(TypeError):
        templates.templates["b"] = templates.templates["a"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        templates.problems = ()  # type: ignore[misc]


# ------------------------------------------------------------------------------ rendering


def test_missing_variable_is_a_render_error_naming_it():
    templates = TemplateSet.from_mapping({"relance_1": "Reste {{ debt | money }}"})
    with pytest.raises(RenderError) as caught:
        templates.render("relance_1", "sms", {})
    assert caught.value.variable == "debt"
    assert caught.value.template == "relance_1"
    assert str(caught.value) == (
        "template relance_1 (sms): 'debt' has no value (pass None when it is unset)"
    )
    assert isinstance(caught.value, DunforceError)


@pytest.mark.parametrize(
    "text",
    ["{{ income }}", "{{ income | money }}", "{% if income > 3 %}a{% endif %}"],
)
def test_an_unset_value_shown_or_ordered_is_a_render_error(text):
    templates = TemplateSet.from_mapping({"t": text})
    with pytest.raises(RenderError, match="'income' is not set") as caught:
        templates.render("t", "sms", {"income": None})
    assert caught.value.variable == "income"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("{{ income | default('inconnu') }}", "inconnu"),
        ("{{ income | money | default('inconnu') }}", "inconnu"),
        ("{% if income is none %}aucun{% endif %}", "aucun"),
        ("{% if income is not none %}{{ income }}{% else %}aucun{% endif %}", "aucun"),
        ("{% if not income %}aucun{% endif %}", "aucun"),
        ("{% if income == none %}aucun{% endif %}", "aucun"),
        ("{% if other is defined %}oui{% else %}non{% endif %}", "non"),
    ],
)
def test_guarded_unset_values_render(text, shown):
    assert TemplateSet.from_mapping({"t": text}).render("t", "sms", {"income": None}).body == shown


def test_wrong_value_type_is_a_render_error():
    templates = TemplateSet.from_mapping({"t": "{{ debt | date }}"})
    with pytest.raises(RenderError, match="date expects a date"):
        templates.render("t", "sms", {"debt": Decimal("1")})


def test_values_shown_without_filters_are_french():
    templates = TemplateSet.from_mapping(
        {"t": "{{ apl }} {{ fsl }} {{ today }} {{ debt_months }} {{ household_size }}"}
    )
    values = {
        "apl": True,
        "fsl": False,
        "today": TODAY,
        "debt_months": Decimal("1.5"),
        "household_size": 12000,
    }
    assert templates.render("t", "letter", values).body == "oui non 20 mars 2026 1,5 12 000"


def test_inline_tags_keep_their_line_break_and_tag_lines_leave_none():
    text = (
        "Madame,\n"
        "il reste {{ debt | money }}{% if apl %} (APL){% endif %}\n"
        "\n"
        "{% if fsl %}\n"
        "FSL accordé.\n"
        "{% endif %}\n"
        "Fin\n"
    )
    templates = TemplateSet.from_mapping({"t": text})
    body = templates.render("t", "letter", {"debt": Decimal(5), "apl": True, "fsl": False}).body
    assert body == "Madame,\nil reste 5,00 € (APL)\n\nFin"
    body = templates.render("t", "letter", {"debt": Decimal(5), "apl": False, "fsl": True}).body
    assert body == "Madame,\nil reste 5,00 €\n\nFSL accordé.\nFin"


def test_rendering_is_pure_and_deterministic():
    templates = TemplateSet.from_mapping({"t": "{{ debt | money }} le {{ today | date }}"})
    values = {"debt": Decimal("10"), "today": TODAY}
    before = dict(values)
    first = templates.render("t", "sms", values)
    assert templates.render("t", "sms", values) == first
    assert values == before
    assert first.body == "10,00 € le 20 mars 2026"


def test_templates_are_named_like_scenario_names():
    with pytest.raises(ValueError, match=r"Template\.name must be a name"):
        Template("Relance", None, "Relance.txt", "x")
    with pytest.raises(ValueError, match=r"Template\.channel must be a name"):
        Template("relance", "SMS", "relance.SMS.txt", "x")


def test_render_validates_its_arguments():
    template = Template("t", None, "t.txt", "x")
    with pytest.raises(TypeError, match="values must be a mapping"):
        template.render([("a", 1)], channel="sms")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="channel must be given"):
        template.render({})


# ------------------------------------------------------------------------------ SMS warnings


def test_sms_length_warning_with_exact_figures():
    text = "x" * 150 + "{{ debt | money }}"  # 150 + len("999 999,99 €") + 1 for the €
    (found,) = diagnostics(text, uses=[use("t", "sms")])
    assert found.code == "template-sms-length" and found.severity == "warning"
    assert found.message == (
        "this SMS takes 2 segments (163 characters with the longest values); one segment holds 160"
    )
    assert diagnostics("x" * 147 + "{{ debt | money }}", uses=[use("t", "sms")]) == ()


def test_extension_characters_count_two_in_the_length():
    (found,) = diagnostics("[" * 81, uses=[use("t", "sms")])
    assert "(162 characters" in found.message


def test_sms_charset_warning():
    found = diagnostics("Bonjour,\nl’impayé de {{ debt | money }}", uses=[use("t", "sms")])
    (charset,) = found
    assert charset.code == "template-sms-charset"
    assert charset.message == (
        "this SMS uses ’ which is not in the GSM-7 alphabet: the whole SMS is sent as UCS-2, "
        "70 characters a segment"
    )
    assert (charset.line, charset.column) == (2, 2)
    assert charset.hint == "write ' for ’"


def test_ucs2_length_is_measured_in_ucs2():
    found = diagnostics("œ" + "x" * 60 + "{{ debt | money }}", uses=[use("t", "sms")])
    assert codes_of(found) == ["template-sms-charset", "template-sms-length"]
    assert found[1].message == (
        "this SMS takes 2 segments (73 characters with the longest values); one segment holds 70"
    )


def test_the_longest_branch_and_value_are_measured():
    # the else branch is the longer; payment_method's longest allowed value is 'transfer'
    text = "{% if apl %}court{% else %}" + "y" * 155 + "{% endif %} {{ payment_method }}"
    template = TemplateSet.from_mapping({"t": text}).templates["t"]
    assert longest_rendering(template, VARIABLES) == "y" * 155 + " transfer"
    (found,) = diagnostics(text, uses=[use("t", "sms")])
    assert found.code == "template-sms-length"
    assert "(164 characters with the longest values)" in found.message


def test_a_character_in_an_unused_branch_still_makes_ucs2():
    text = "{% if apl %}d’accord{% else %}" + "x" * 100 + "{% endif %}"
    assert codes_of(diagnostics(text, uses=[use("t", "sms")])) == [
        "template-sms-length",
        "template-sms-charset",
    ]


def test_only_sms_channels_are_measured():
    text = "œ" * 200
    assert diagnostics(text, uses=[use("t", "email")]) == ()
    assert diagnostics(text, uses=[use("t", "whatsapp")]) == ()
    found = diagnostics(text, uses=[use("t", "whatsapp")], sms_channels={"whatsapp"})
    assert sorted(codes_of(found)) == ["template-sms-charset", "template-sms-length"]


def test_longest_rendering_is_the_rendering_with_the_samples():
    text = "{{ debt | money }} {{ next_due_date | date }} {{ days_late }} {{ account_id }}"
    template = TemplateSet.from_mapping({"t": text}).templates["t"]
    values = {
        "debt": Decimal("999999.99"),
        "next_due_date": datetime.date(2026, 9, 30),
        "days_late": 999,
        "account_id": "X" * 20,
    }
    rendered = template.render(values, channel="sms").body
    assert longest_rendering(template, VARIABLES) == rendered
    assert rendered == "999 999,99 € 30 septembre 2026 999 " + "X" * 20


# ------------------------------------------------------------------------------ properties

JINJA_BITS = [
    *("{{", "}}", "{%", "%}", "{#", "#}", " ", "\n", "|", ".", "(", ")", "[", "]", "'", '"'),
    *("if", "elif", "else", "endif", "for", "in", "endfor", "set", "=", "==", ">", "not"),
    *("is", "none", "defined", "and", "or", "debt", "apl", "income", "money", "date"),
    *("default", "raw", "endraw", "1", "x", "’", "Subject: ", "__class__", "-", "+", "~"),
]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(st.sampled_from(JINJA_BITS)).map("".join)))
def test_the_checker_never_crashes_on_random_text(text):
    templates = TemplateSet.from_mapping({"t": text})
    found = templates.check([use("t", "sms")], VARIABLES)
    assert all(isinstance(d, dunforce.Diagnostic) and d.code in TEMPLATE_CODES for d in found)
    for diagnostic in found:
        str(diagnostic)  # every diagnostic can be shown
    values = {"debt": Decimal("12.00"), "apl": True, "income": None}
    try:
        message = templates.render("t", "sms", values)
    except RenderError:
        return
    assert isinstance(message.body, str)
    assert not any(d.is_error for d in found)


#: texts in values: anything but template syntax, which the test looks for in the output
PLAIN = st.characters(exclude_characters="{}%", exclude_categories=("Cs",))


def _value(symbol) -> st.SearchStrategy:
    kind = symbol.type
    if kind is ValueType.MONEY:
        low = -(10**6) if symbol.name == "balance" else 0
        value = st.decimals(min_value=low, max_value=10**6, places=2, allow_nan=False)
    elif kind is ValueType.DATE:
        value = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 1, 1))
    elif kind is ValueType.INT:
        value = st.integers(0, 10_000)
    elif kind is ValueType.NUMBER:
        value = st.one_of(
            st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False),
            st.fractions(min_value=0, max_value=1000, max_denominator=12),
        )
    elif kind is ValueType.BOOL:
        value = st.booleans()
    elif symbol.allowed:
        value = st.sampled_from(symbol.allowed)
    else:
        value = st.text(alphabet=PLAIN, max_size=30)
    return st.one_of(st.none(), value) if symbol.optional else value


def _state(schema) -> st.SearchStrategy:
    fields = {symbol.name: _value(symbol) for symbol in schema}
    fields["account_id"] = st.text(alphabet=PLAIN, min_size=1, max_size=20)
    fields["today"] = fields["scheduled_for"] = st.dates()
    return st.fixed_dictionaries(fields)


def _example(name: str):
    checked = dunforce.check_file(ROOT / "examples" / name / "scenarios.dfs")
    templates = TemplateSet.from_directory(ROOT / "examples" / name / "templates")
    return checked, templates


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_templates_render_on_any_valid_state(name):
    checked, templates = _example(name)
    keys = sorted({(u.template, u.channel) for u in template_uses(checked)})

    @settings(max_examples=25, deadline=None)
    @given(values=_state(checked.schema))
    def renders(values):
        for template, channel in keys:
            message = templates.render(template, channel, values)
            assert message.body and "{{" not in message.body and "{%" not in message.body

    renders()


# ------------------------------------------------------------------------------ the examples


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_templates_check_clean(name):
    checked, templates = _example(name)
    uses = template_uses(checked)
    assert uses, "the example names templates"
    found = templates.check(uses, schema_variables(checked.schema))
    assert found == (), "\n\n".join(map(str, found))
    assert templates.problems == ()
    # one file per name used, and nothing else
    assert set(templates.names) == {u.template for u in uses}


def _sample_state(schema) -> dict:
    values: dict[str, object] = {symbol.name: None for symbol in schema}
    values.update(
        account_id="A-000123",
        today=TODAY,
        scheduled_for=TODAY,
        debt=Decimal("912.40"),
        balance=Decimal("912.40"),
        credit=Decimal("0.00"),
        monthly_rent=Decimal("456.20"),
        debt_months=Decimal("2"),
        unpaid_terms=2,
        in_case=True,
        case_anchor=datetime.date(2026, 2, 5),
        days_late=43,
        first_late=False,
        late_episodes_12m=1,
        rejections_90d=1,
        rejections_12m=1,
        plan_active=False,
        plan_broken=False,
        plan_remaining=Decimal("0.00"),
        next_due_date=datetime.date(2026, 4, 5),
        next_due_amount=Decimal("456.20"),
        deposit_amount=Decimal("400.00"),
        lease_type="social",
        housing_type="apartment",
        lease_start=datetime.date(2019, 5, 1),
        departement="75",
        household_size=3,
        dependents=1,
        payment_method="transfer",
        prior_orders=0,
        prior_plans=0,
        language="fr",
    )
    for symbol in schema:
        if values[symbol.name] is None and symbol.type is ValueType.BOOL:
            values[symbol.name] = False
    if "customer_segment" in schema:  # declared by the invoices example
        values["customer_segment"] = "consumer"
    return values


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_templates_render_with_a_sample_state(name):
    checked, templates = _example(name)
    values = _sample_state(checked.schema)
    for found in template_uses(checked):
        message = templates.render(found.template, found.channel, values)
        assert message.template == found.template and message.channel == found.channel
        if "{{ debt | money }}" in templates.get(found.template, found.channel).text:
            assert "912,40 €" in (message.subject or "") + message.body
        if found.channel == "sms":
            assert message.subject is None
            size = sms_size(message.body)
            assert (size.encoding, size.segments) == (GSM7, 1), message.body
        elif found.channel in ("email", "letter"):
            assert message.subject, f"{found.template} has no Subject line"
            assert message.body.startswith(("Madame, Monsieur", "Le "))


def test_example_letters_say_no_fees_and_formal_notices_allow_a_contest():
    _, templates = _example("social_housing")
    for template in templates:
        text = template.text.lower()
        assert "frais de relance" not in text or "aucun frais" in text, template.filename
        if template.name.startswith("mise_en_demeure"):
            assert "{{ debt | money }}" in template.text
            assert "contest" in text and "quinze jours" in text


# ------------------------------------------------------------------------------ documentation


def test_every_code_is_documented():
    page = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    for code in TEMPLATE_CODES:
        assert f"`{code}`" in page, code


def _python_blocks() -> list[str]:
    page = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", page, re.S | re.M)


def test_the_docs_have_python_examples():
    assert len(_python_blocks()) >= 2


@pytest.mark.parametrize(
    "code", _python_blocks(), ids=[f"block{n}" for n in range(1, len(_python_blocks()) + 1)]
)
def test_python_examples_in_the_templates_page_run(code):
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_housing_schema_variables_include_the_context():
    assert VARIABLES["today"] is ValueType.DATE
    assert VARIABLES["debt"] is HOUSING_SCHEMA["debt"]
    assert set(VARIABLES) == {s.name for s in HOUSING_SCHEMA} | {
        "account_id",
        "today",
        "scheduled_for",
    }
