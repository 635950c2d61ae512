"""The built-in housing catalogue: names, types, defaults, schemas and the generated page."""

from __future__ import annotations

import doctest
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import dunforce.attributes.schema
from dunforce.attributes import (
    DERIVED_ATTRIBUTES,
    EVENT_KINDS,
    HOUSING_ATTRIBUTES,
    HOUSING_SCHEMA,
    AttributeSpec,
    DerivedAttribute,
    Schema,
    ValueType,
)
from dunforce.attributes.catalogue import EVENT_DESCRIPTIONS, catalogue_markdown, main

DOC_PAGE = Path(__file__).resolve().parents[1] / "docs" / "attributes.md"

NAME = re.compile(r"[a-z_][a-z0-9_]*")

KEYWORDS = frozenset(
    {
        *("attribute", "profile", "otherwise", "if", "then", "scenario", "for", "on", "pause"),
        *("while", "stop", "when", "at", "every", "from", "until", "and", "or", "not", "in"),
        *("is", "set", "true", "false", "else", "propose", "notify", "handoff", "one", "of"),
        "optional",
    }
)
CHANNELS = frozenset({"sms", "email", "letter", "call", "visit", "plan", "caf", "bailiff", "task"})
FUNCTIONS = frozenset({"days_since", "days_until", "min", "max", "abs"})

ALL_SYMBOLS = (*HOUSING_ATTRIBUTES, *DERIVED_ATTRIBUTES)

# DESIGN.md §10: the derived attributes outside test suites rely on, with their types.
CONTRACT_DERIVED = {
    "balance": ValueType.MONEY,
    "debt": ValueType.MONEY,
    "debt_months": ValueType.NUMBER,
    "days_late": ValueType.INT,
    "in_case": ValueType.BOOL,
    "first_late": ValueType.BOOL,
    "late_episodes_12m": ValueType.INT,
    "rejections_90d": ValueType.INT,
    "last_payment_days": ValueType.INT,
    "plan_active": ValueType.BOOL,
    "plan_broken": ValueType.BOOL,
    "monthly_rent": ValueType.MONEY,
}

# Attributes the brief and DESIGN.md name, with the type scenario files expect.
REQUIRED_SUPPLIED = {
    "income": (ValueType.MONEY, True),
    "age": (ValueType.INT, True),
    "household_size": (ValueType.INT, False),
    "dependents": (ValueType.INT, False),
    "single_parent": (ValueType.BOOL, False),
    "apl": (ValueType.BOOL, False),
    "apl_paid_to_landlord": (ValueType.BOOL, False),
    "apl_amount": (ValueType.MONEY, True),
    "fsl": (ValueType.BOOL, False),
    "payment_method": (ValueType.TEXT, False),
    "debit_day": (ValueType.INT, True),
    "lease_start": (ValueType.DATE, False),
    "lease_type": (ValueType.TEXT, False),
    "departure_date": (ValueType.DATE, True),
    "prior_orders": (ValueType.INT, False),
    "prior_plans": (ValueType.INT, False),
    "guarantor": (ValueType.BOOL, False),
    "over_indebtedness": (ValueType.BOOL, False),
    "dispute": (ValueType.BOOL, False),
    "departement": (ValueType.TEXT, False),
    "vulnerable": (ValueType.BOOL, False),
    "language": (ValueType.TEXT, False),
    "phone_mobile": (ValueType.TEXT, True),
    "email_address": (ValueType.TEXT, True),
}

DEFAULT_TYPES = {
    ValueType.BOOL: bool,
    ValueType.INT: int,
    ValueType.MONEY: Decimal,
    ValueType.DATE: date,
    ValueType.TEXT: str,
}


@pytest.mark.parametrize("symbol", ALL_SYMBOLS, ids=lambda s: s.name)
def test_name_is_a_plain_identifier_that_no_keyword_channel_or_function_takes(symbol):
    assert NAME.fullmatch(symbol.name), symbol.name
    assert symbol.name not in KEYWORDS
    assert symbol.name not in CHANNELS
    assert symbol.name not in FUNCTIONS


@pytest.mark.parametrize("kind", sorted(EVENT_KINDS))
def test_event_kind_is_a_plain_identifier_that_no_keyword_takes(kind):
    assert NAME.fullmatch(kind), kind
    assert kind not in KEYWORDS
    assert kind not in CHANNELS


def test_no_name_is_declared_twice():
    names = [s.name for s in ALL_SYMBOLS]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert duplicates == []
    assert len(HOUSING_SCHEMA) == len(names)


def test_about_forty_supplied_attributes():
    assert 35 <= len(HOUSING_ATTRIBUTES) <= 50
    assert all(isinstance(s, AttributeSpec) for s in HOUSING_ATTRIBUTES)
    assert all(isinstance(s, DerivedAttribute) for s in DERIVED_ATTRIBUTES)


def test_schema_sorts_supplied_and_derived_apart():
    assert HOUSING_SCHEMA.attributes == HOUSING_ATTRIBUTES
    assert HOUSING_SCHEMA.derived == DERIVED_ATTRIBUTES
    assert HOUSING_SCHEMA.events == EVENT_KINDS


@pytest.mark.parametrize(("name", "type_"), sorted(CONTRACT_DERIVED.items()))
def test_contract_derived_attribute_present_with_its_type(name, type_):
    symbol = HOUSING_SCHEMA.get(name)
    assert isinstance(symbol, DerivedAttribute), f"{name} must be a derived attribute"
    assert symbol.type is type_


@pytest.mark.parametrize(("name", "expected"), sorted(REQUIRED_SUPPLIED.items()))
def test_named_supplied_attribute_present_with_its_type(name, expected):
    type_, optional = expected
    symbol = HOUSING_SCHEMA.get(name)
    assert isinstance(symbol, AttributeSpec), f"{name} must be a supplied attribute"
    assert (symbol.type, symbol.optional) == (type_, optional)


def test_last_payment_days_is_optional_and_in_case_is_not():
    # There is no last payment on a fresh account, but there is always an answer to "in case?".
    assert HOUSING_SCHEMA["last_payment_days"].optional
    assert not HOUSING_SCHEMA["in_case"].optional
    assert not HOUSING_SCHEMA["days_late"].optional


@pytest.mark.parametrize("symbol", ALL_SYMBOLS, ids=lambda s: s.name)
def test_every_symbol_is_documented_in_full_sentences(symbol):
    text = symbol.definition if symbol.derived else symbol.description
    assert text.strip() == text
    assert len(text) >= 20, f"{symbol.name}: description too short"
    assert text[0].isupper(), f"{symbol.name}: description should start with a capital"
    assert text.endswith("."), f"{symbol.name}: description should end with a period"


@pytest.mark.parametrize("spec", HOUSING_ATTRIBUTES, ids=lambda s: s.name)
def test_default_has_the_attribute_type(spec):
    if spec.default is None:
        return
    assert not spec.optional, f"{spec.name}: an optional attribute has no default"
    assert not isinstance(spec.default, float), f"{spec.name}: money is never a float"
    expected = DEFAULT_TYPES[spec.type]
    assert isinstance(spec.default, expected), f"{spec.name}: default {spec.default!r}"
    if spec.type is ValueType.INT:
        assert not isinstance(spec.default, bool), f"{spec.name}: a bool is not an int default"
    if spec.allowed is not None:
        assert spec.default in spec.allowed


def test_missing_means_false_for_every_flag():
    for spec in HOUSING_ATTRIBUTES:
        if spec.type is ValueType.BOOL:
            assert spec.default is False, f"{spec.name} should default to false"


@pytest.mark.parametrize("spec", HOUSING_ATTRIBUTES, ids=lambda s: s.name)
def test_allowed_values_only_on_text_and_well_formed(spec):
    if spec.allowed is None:
        return
    assert spec.type is ValueType.TEXT
    assert len(spec.allowed) == len(set(spec.allowed)), f"{spec.name}: repeated value"
    assert all(isinstance(v, str) and v == v.strip() and v for v in spec.allowed)


def test_money_is_in_euros():
    for symbol in ALL_SYMBOLS:
        if symbol.type is ValueType.MONEY:
            assert symbol.unit == "EUR", symbol.name


def test_closed_sets_the_scenarios_compare_against():
    assert set(HOUSING_SCHEMA["payment_method"].allowed) == {
        "debit",
        "transfer",
        "cheque",
        "cash",
        "card",
    }
    assert HOUSING_SCHEMA["language"].default == "fr"
    departements = HOUSING_SCHEMA["departement"].allowed
    for code in ("01", "2A", "2B", "57", "67", "68", "75", "95", "971", "976"):
        assert code in departements
    for code in ("20", "1", "96", "977 "):
        assert code not in departements


def test_only_spec_classes_reject_allowed_values_on_non_text():
    with pytest.raises(ValueError, match="only text"):
        AttributeSpec("rooms", ValueType.INT, allowed=("1", "2"))


def test_no_special_category_data():
    # GDPR art. 9: health, disability, ethnic origin, religion are never catalogue attributes.
    forbidden = ("health", "disab", "handicap", "ethni", "religio", "nationality", "origin")
    for symbol in ALL_SYMBOLS:
        assert not any(word in symbol.name for word in forbidden), symbol.name


def test_event_kinds_are_documented():
    assert {"rejection", "departure", "arrival", "plan_signed", "plan_broken", "dispute"} <= (
        EVENT_KINDS
    )
    assert set(EVENT_DESCRIPTIONS) == EVENT_KINDS
    for kind, text in EVENT_DESCRIPTIONS.items():
        assert text.endswith("."), kind
        assert "E " in text or "E-" in text or "E+" in text, f"{kind}: say what E is"


def test_extend_refuses_a_duplicate_unless_replace():
    redefined = AttributeSpec("income", ValueType.INT, "Yearly income in euros.", optional=True)
    with pytest.raises(ValueError, match="already exists"):
        HOUSING_SCHEMA.extend([redefined])
    with pytest.raises(ValueError, match="already exists"):
        HOUSING_SCHEMA.extend([AttributeSpec("debt", ValueType.MONEY)])
    replaced = HOUSING_SCHEMA.extend([redefined], replace=True)
    assert replaced["income"].type is ValueType.INT
    assert HOUSING_SCHEMA["income"].type is ValueType.MONEY  # the catalogue is untouched
    assert len(replaced) == len(HOUSING_SCHEMA)


def test_extend_adds_attributes_and_events():
    extended = HOUSING_SCHEMA.extend(
        [AttributeSpec("agency", ValueType.TEXT, "Agency.", allowed=("nord", "sud"))],
        events=["eviction_notice"],
    )
    assert "agency" in extended and "agency" not in HOUSING_SCHEMA
    assert "eviction_notice" in extended.events
    assert extended.events >= HOUSING_SCHEMA.events


def test_a_schema_refuses_the_same_name_twice():
    with pytest.raises(ValueError, match="declared twice"):
        Schema([AttributeSpec("x", ValueType.INT), AttributeSpec("x", ValueType.BOOL)])


def test_schema_doctests_pass():
    result = doctest.testmod(dunforce.attributes.schema, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0


def test_markdown_page_lists_everything():
    page = catalogue_markdown()
    assert page.startswith("# Attribute catalogue\n")
    assert page.endswith("\n") and not page.endswith("\n\n")
    for symbol in ALL_SYMBOLS:
        assert f"| `{symbol.name}` |" in page
    for kind in EVENT_KINDS:
        assert f"| `{kind}` |" in page
    assert "| `deposit_amount` | money (EUR) | no | 0.00 € |" in page
    assert "| `apl` | bool | no | false |" in page
    assert catalogue_markdown() == page


def test_markdown_page_of_an_extended_schema():
    schema = HOUSING_SCHEMA.extend(
        [AttributeSpec("sector", ValueType.TEXT, "Sector | zone.", allowed=("a", "b"))],
        events=["eviction_notice"],
    )
    page = catalogue_markdown(schema)
    assert '| `sector` | text | no | — | "a", "b" | Sector \\| zone. |' in page
    assert "| `eviction_notice` | Declared by the integrator. |" in page


def test_every_markdown_table_row_has_the_header_width():
    header = None
    for line in catalogue_markdown().splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = len(re.split(r"(?<!\\)\|", line)) - 2
        if header is None:
            header = cells
        assert cells == header, line


def test_main_prints_the_page(capsysbinary):
    main()
    assert capsysbinary.readouterr().out.decode("utf-8") == catalogue_markdown()


def test_generated_page_is_up_to_date():
    assert DOC_PAGE.read_text(encoding="utf-8") == catalogue_markdown(), (
        "docs/attributes.md is out of date; regenerate it with "
        "`python -m dunforce.attributes.catalogue > docs/attributes.md`"
    )
