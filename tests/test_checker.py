"""Checked AST: names, types, null safety, channels, events, and the lints."""

from __future__ import annotations

import pytest

from dunforce.attributes import HOUSING_SCHEMA, AttributeSpec, ValueType
from dunforce.channels import DEFAULT_CHANNELS, Channel
from dunforce.dsl import check
from dunforce.errors import DslError
from golden import assert_golden, cases


@pytest.mark.parametrize("path", cases("check"))
def test_check_golden(path):
    checked = check(path.read_bytes(), filename=path.name)
    text = "\n\n".join(str(w) for w in checked.warnings)
    assert_golden(text + "\n", path.with_suffix(".txt"))


def codes(text: str, **options) -> list[str]:
    try:
        checked = check(text, filename="rules.dfs", **options)
    except DslError as exc:
        return [d.code for d in exc.errors]
    return [w.code for w in checked.warnings]


def test_every_error_of_a_file_is_reported_at_once():
    with pytest.raises(DslError) as info:
        check(
            "profile a: days_lat > 3 and debt > 5\nif apl then smss at D+2\nprofile b: debt\n",
            filename="rules.dfs",
        )
    assert [(d.line, d.code) for d in info.value.errors] == [
        (1, "unknown-name"),
        (1, "type-mismatch"),
        (2, "unknown-channel"),
        (3, "not-a-condition"),
    ]
    assert str(info.value).endswith("4 errors in rules.dfs")


@pytest.mark.parametrize(
    "condition",
    [
        "debt > 50 €",
        "debt_months >= 1.5",
        "days_late > 10",
        'payment_method in ["debit", "transfer"]',
        "lease_start < 2026-01-01",
        "days_since(lease_start) < 90",
        "debt / monthly_rent > 2",
        "debt - 10 € > credit",
        "max(debt, balance) > 0 €",
        "min(days_late, 3) == 3",
        "abs(balance) > 10 €",
        "lease_start + 30 days > 2026-03-01",
        "household_size * 2 > dependents",
    ],
)
def test_well_typed_conditions_pass(condition):
    assert "type-mismatch" not in codes(f"profile p: {condition}\nprofile q: otherwise\n")
    check(f"profile p: {condition}\nprofile q: otherwise\n")


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ("debt > 50", "type-mismatch"),
        ("income is set and income < 1200", "type-mismatch"),
        ('payment_method > "debit"', "type-mismatch"),
        ("lease_start + 3 > 2026-01-01", "type-mismatch"),
        ("days_since(lease_start) < 90 days", "type-mismatch"),
        ("apl + 1 > 2", "type-mismatch"),
        ("not debt", "type-mismatch"),
        ("debt and apl", "type-mismatch"),
        ("days_since(debt) > 1", "type-mismatch"),
        ('payment_method == "prlv"', "unknown-value"),
        ('payment_method in ["debit", 3]', "type-mismatch"),
        ("debt", "not-a-condition"),
        ("abs(1, 2) > 0", "bad-call"),
        ("sqrt(4) > 1", "unknown-function"),
        ("max(debt, 3) > 0 €", "type-mismatch"),
        ("sms", "unknown-name"),
    ],
)
def test_type_errors(condition, code):
    assert code in codes(f"profile p: {condition}\n")


def test_money_against_a_bare_number_says_how_to_write_money():
    with pytest.raises(DslError) as info:
        check("profile p: debt > 50\n")
    assert info.value.hint == "write the amount with its currency: 50 €"


class TestNullSafety:
    def test_an_unguarded_optional_attribute_is_an_error_that_says_how_to_guard(self):
        with pytest.raises(DslError) as info:
            check("profile p: days_until(departure_date) < 60\n")
        assert info.value.code == "unguarded-optional"
        assert info.value.hint == (
            "write `departure_date is set and …` (or `departure_date is not set or …`)"
        )

    @pytest.mark.parametrize(
        "condition",
        [
            "departure_date is set and days_until(departure_date) < 60",
            "apl and departure_date is set and days_until(departure_date) < 60",
            "departure_date is not set or days_until(departure_date) > 60",
            "(income is set and apl) and income < 900 €",
        ],
    )
    def test_guards(self, condition):
        assert "unguarded-optional" not in codes(f"profile p: {condition}\n")

    @pytest.mark.parametrize(
        "condition",
        [
            "days_until(departure_date) < 60 and departure_date is set",
            "departure_date is set or days_until(departure_date) < 60",
            "not (departure_date is set) and days_until(departure_date) < 60",
        ],
    )
    def test_guards_must_come_first_and_be_conjunctive(self, condition):
        assert "unguarded-optional" in codes(f"profile p: {condition}\n")

    def test_a_bound_profile_guards_its_scenario(self):
        text = (
            "profile leaving: departure_date is set and apl\nprofile other: otherwise\n"
            "scenario s for leaving:\n    sms at D+1 if days_until(departure_date) < 9\n"
        )
        assert "unguarded-optional" not in codes(text)
        unguarded = text.replace("for leaving", "for leaving, other")
        assert "unguarded-optional" in codes(unguarded)

    def test_is_set_on_an_attribute_that_is_always_set_is_a_warning(self):
        assert codes("profile p: apl is set\nprofile q: otherwise\n") == ["always-set"]


class TestDeclarations:
    def test_a_custom_attribute_is_usable_and_typed(self):
        text = 'attribute agency: text one of ["nord", "sud"]\nprofile n: agency == "nord"\n'
        checked = check(text + "profile o: otherwise\n")
        assert checked.schema["agency"].allowed == ("nord", "sud")
        assert "unknown-value" in codes(text.replace('== "nord"', '== "nrd"'))

    def test_an_optional_custom_attribute_needs_guards(self):
        text = 'attribute sector: optional text\nprofile s: sector == "x"\n'
        assert "unguarded-optional" in codes(text)

    def test_refining_a_catalogue_attribute_keeps_its_type(self):
        assert codes('attribute language: text one of ["fr", "en"]\nprofile o: otherwise\n') == []
        assert "duplicate-name" in codes("attribute language: int\n")
        assert "duplicate-name" in codes("attribute debt: money\n")

    def test_profiles_and_attributes_share_one_namespace(self):
        assert "duplicate-name" in codes("profile apl: fsl\n")

    def test_a_profile_can_use_earlier_profiles_only(self):
        assert codes("profile a: apl\nprofile b: not a and fsl\nprofile o: otherwise\n") == []
        assert "profile-order" in codes("profile a: b\nprofile b: apl\n")

    def test_unknown_event_and_profile_suggest(self):
        with pytest.raises(DslError) as info:
            check("on rejet:\n    sms at E+1\n")
        assert info.value.hint == "did you mean 'rejection'?"


class TestChannels:
    def test_verbs_options_and_unknown_channels(self):
        assert codes("if apl then plan at D+30\n") == ["wrong-verb"]
        assert codes("if apl then notify sms at D+30\n") == ["wrong-verb"]
        assert codes("if apl then letter registred at D+30\n") == ["unknown-option"]
        assert codes("if apl then whatsapp at D+3\n") == ["unknown-channel"]

    def test_integrators_register_their_own_channels(self):
        registry = DEFAULT_CHANNELS.register(Channel("whatsapp", options={"urgent"}))
        assert codes("if apl then whatsapp urgent at D+3\n", channels=registry) == []

    def test_an_integrator_schema_is_used(self):
        schema = HOUSING_SCHEMA.extend([AttributeSpec("sector", ValueType.TEXT)])
        assert codes('profile s: sector == "a"\nprofile o: otherwise\n', schema=schema) == []


class TestLints:
    def test_shadowed_profile_by_interval(self):
        text = (
            "profile low: income is set and income < 1200 €\n"
            "profile very_low: income is set and income < 800 €\n"
            "profile o: otherwise\n"
        )
        assert codes(text) == ["shadowed-profile"]
        assert codes(text.replace("low:", "x:").replace("very_x", "very_low")) == [
            "shadowed-profile"
        ]
        reversed_order = (
            "profile very_low: income is set and income < 800 €\n"
            "profile low: income is set and income < 1200 €\nprofile o: otherwise\n"
        )
        assert codes(reversed_order) == []

    def test_shadowed_by_the_union_of_earlier_profiles(self):
        text = (
            "profile a: debt < 100 €\nprofile b: debt >= 200 €\n"
            "profile c: debt < 50 € or debt > 300 €\nprofile o: otherwise\n"
        )
        warnings = check(text).warnings
        assert [w.code for w in warnings] == ["shadowed-profile"]
        assert "'a' and 'b'" in warnings[0].message

    def test_the_analysis_is_sound_not_complete(self):
        # apl accounts are all in a or b, but no single constraint says so: no warning
        text = (
            "profile a: debt < 100 €\nprofile b: debt >= 100 €\n"
            "profile c: apl\nprofile o: otherwise\n"
        )
        assert codes(text) == []

    def test_profiles_after_otherwise_are_shadowed(self):
        assert codes("profile o: otherwise\nprofile p: apl\n") == ["shadowed-profile"]

    def test_overlapping_but_not_contained_profiles_are_not_shadowed(self):
        text = "profile a: debt < 100 €\nprofile b: debt < 200 €\nprofile o: otherwise\n"
        assert codes(text) == []

    def test_text_sets(self):
        text = (
            'profile a: payment_method in ["debit", "transfer"]\n'
            'profile b: payment_method == "debit" and apl\nprofile o: otherwise\n'
        )
        assert codes(text) == ["shadowed-profile"]

    def test_no_otherwise(self):
        assert codes("profile a: apl\n") == ["no-otherwise"]

    def test_step_order_never_fires_and_unbound(self):
        text = (
            "profile o: otherwise\nscenario s for o:\n    sms at D+5\n    sms at D+2\n"
            "    sms every 7 days from D+30 until D+10\n"
            "    sms at D+40 if debt > 9 € and debt < 1 €\n"
            "scenario t:\n    sms at D+1\n"
        )
        assert sorted(codes(text)) == sorted(
            ["step-order", "never-fires", "never-fires", "unbound-scenario"]
        )

    def test_legal_steps_need_a_debt_condition(self):
        base = "profile o: otherwise\nscenario s for o:\n    {}\n"
        assert codes(base.format("letter registered at D+30")) == ["legal-without-debt"]
        assert codes(base.format("notify caf at D+30 if apl")) == ["legal-without-debt"]
        assert codes(base.format("handoff bailiff at D+90 if debt_months >= 2")) == []
        assert codes(base.format("letter at D+30")) == []
        in_debt = "profile big: debt_months >= 2\nprofile o: otherwise\nscenario s for big:\n"
        assert codes(in_debt + "    notify caf at D+60\n") == ["profile-without-scenario"]


class TestLintsFoundInReview:
    def test_a_profile_that_requires_an_earlier_profile_is_shadowed(self):
        text = "profile a: apl\nprofile b: a and debt > 0 €\nprofile o: otherwise\n"
        assert codes(text) == ["shadowed-profile"]

    def test_not_an_earlier_profile_is_fine(self):
        assert codes("profile a: apl\nprofile b: not a and fsl\nprofile o: otherwise\n") == []

    @pytest.mark.parametrize(
        ("condition", "warned"),
        [
            ("if debt >= 0 €", True),  # true for a tenant who owes nothing
            ("if debt > 0 €", False),
            ("if debt_months >= 1", False),
            ("if unpaid_terms >= 2", False),
            ("if in_case", False),
            ("if apl or debt > 0 €", True),
            ("if apl and debt > 100 €", False),
            ("", True),
        ],
    )
    def test_a_legal_step_must_exclude_tenants_who_owe_nothing(self, condition, warned):
        text = (
            f"profile o: otherwise\nscenario s for o:\n    letter registered at D+30 {condition}\n"
        )
        assert (codes(text) == ["legal-without-debt"]) is warned

    def test_every_bound_profile_must_exclude_zero_debt(self):
        text = (
            "profile big: debt_months >= 2\nprofile small: apl\nprofile o: otherwise\n"
            "scenario s for big, small:\n    notify caf at D+60\n"
            "scenario t for o:\n    sms at D+1\n"
        )
        assert codes(text) == ["legal-without-debt"]
        assert codes(text.replace("small: apl", "small: apl and debt > 0 €")) == []


class TestFoundWhileDocumenting:
    def test_guards_are_seen_through_profile_names_inside_brackets(self):
        text = (
            "profile a: (income is set and apl) and debt > 0 €\nprofile o: otherwise\n"
            "if a and income < 900 € then sms at D+1\n"
        )
        assert "unguarded-optional" not in codes(text)

    def test_is_set_on_a_profile_is_a_warning(self):
        text = "profile a: apl\nprofile b: a is set\nprofile o: otherwise\n"
        assert "always-set" in codes(text)

    def test_refining_narrows_the_allowed_values_and_never_widens_them(self):
        assert codes('attribute language: text one of ["xx"]\n') == ["unknown-value"]
        checked = check("attribute language: text\nprofile o: otherwise\n")
        assert checked.schema["language"].allowed == HOUSING_SCHEMA["language"].allowed
        narrowed = check('attribute language: text one of ["fr"]\nprofile o: otherwise\n')
        assert narrowed.schema["language"].allowed == ("fr",)

    def test_function_names_are_reserved_for_profiles_too(self):
        assert codes("profile max: apl\n") == ["duplicate-name"]

    def test_a_task_needs_its_template(self):
        text = "profile o: otherwise\nscenario s for o:\n    task at D+1\n"
        assert codes(text) == ["missing-template"]
        assert codes(text.replace("task at", 'task "appeler" at')) == []

    @pytest.mark.parametrize(
        "condition",
        ["if days_late > 30", "if first_late", "if in_case", "if unpaid_terms > 0"],
    )
    def test_a_legal_step_in_a_case_owes_something(self, condition):
        text = (
            f"profile o: otherwise\nscenario s for o:\n    letter registered at D+30 {condition}\n"
        )
        assert codes(text) == []

    def test_a_bound_profile_defined_by_an_earlier_one_excludes_zero_debt(self):
        text = (
            "profile paid_up: debt <= 0 €\nprofile owing: not paid_up\nprofile o: otherwise\n"
            "scenario s for owing:\n    letter registered at D+30\n"
            "scenario t for o, paid_up:\n    sms at D+1\n"
        )
        assert codes(text) == []
        # in a step, `not paid_up` only says the account's profile is another one
        in_step = (
            "profile paid_up: debt <= 0 €\nprofile o: otherwise\n"
            "scenario s for o, paid_up:\n    letter registered at D+30 if not paid_up\n"
        )
        assert codes(in_step) == ["legal-without-debt"]


class TestRegistryNames:
    @pytest.mark.parametrize(
        "channel",
        [
            dict(name="WhatsApp"),
            dict(name="if"),
            dict(name="fax", verb="send"),
            dict(name="fax", options={"Urgent"}),
        ],
    )
    def test_a_channel_that_cannot_be_written_is_refused(self, channel):
        with pytest.raises(ValueError):
            Channel(**channel)

    def test_an_attribute_that_cannot_be_written_is_refused(self):
        with pytest.raises(ValueError):
            AttributeSpec("Sector", ValueType.TEXT)
