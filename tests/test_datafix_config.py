"""The datafix file is validated when it is loaded: every problem names the file, the line and
the dotted key, says what was expected, and all the problems of a file come together."""

from __future__ import annotations

import pickle

import pytest

import dunforce.datafix
from dunforce.datafix import DatafixError
from dunforce.datafix.toml_lines import KeyLines, key_path

GOOD = """\
[datafix]
name = "Bailleur"

[defaults]
encoding = "latin-1"
dates = ["%d/%m/%Y"]

[codes.modes]
PRLV = "debit"
VIR = "transfer"

[sources.tenants]
table = "tenants"
files = ["locataires_*.csv", "archives/locataires.csv"]
[sources.tenants.columns]
account_id = "Contrat"
apl = "APL"
lease_start = "Entrée"
income = "Revenus"
household_size = "Occupants"
payment_method = { column = "Mode", codes = "modes" }
departement = { constant = 37 }
language = { column = "Langue", default = "fr" }
sector = { column = "Secteur", parse = "text" }
[[sources.tenants.filters]]
column = "Statut"
in = ["A", "P"]

[sources.ledger]
table = "ledger"
files = "mouvements.xlsx"
sheet = "Mouvements"
negative_kind = "rejection"
[sources.ledger.columns]
account_id = "Contrat"
kind = { constant = "payment" }
amount = "Montant"
date = { column = "Date", dates = ["%Y%m%d"] }
id = "Pièce"
"""


def load(text: str) -> dunforce.datafix.Datafix:
    return dunforce.datafix.loads(text, filename="bailleur.toml")


def error_of(text: str) -> DatafixError:
    with pytest.raises(DatafixError) as caught:
        load(text)
    return caught.value


def test_a_good_file_loads_with_the_parsers_of_the_canonical_types():
    datafix = load(GOOD)
    assert datafix.name == "Bailleur"
    tenants, ledger = datafix.sources
    fields = {f.name: f for f in tenants.fields}
    assert {name: f.parse for name, f in fields.items()} == {
        "account_id": "text",
        "apl": "bool",
        "lease_start": "date",
        "income": "amount",
        "household_size": "int",
        "payment_method": "text",
        "departement": "text",
        "language": "text",
        "sector": "text",
    }
    assert dict(fields["payment_method"].codes) == {"PRLV": "debit", "VIR": "transfer"}
    assert fields["departement"].constant == "37"
    assert fields["language"].default == "fr"
    assert fields["account_id"].required and not fields["apl"].required
    assert fields["income"].negative and fields["lease_start"].dates == ("%d/%m/%Y",)
    assert tenants.encoding == "latin-1" and tenants.separator == ";" and tenants.decimal == ","
    assert tenants.key == ("account_id",) and tenants.format == "csv"
    assert tenants.files == ("locataires_*.csv", "archives/locataires.csv")
    assert [f.describe() for f in tenants.filters] == ["Statut in 'A', 'P'"]
    assert tenants.columns == ("Contrat", "APL", "Entrée", "Revenus", "Occupants", "Mode",
                               "Langue", "Secteur", "Statut")  # fmt: skip
    assert ledger.format == "excel" and ledger.sheet == "Mouvements"
    assert ledger.key == ("id",) and ledger.negative_kind == "rejection"
    assert ledger.field("date").dates == ("%Y%m%d",)
    assert not ledger.field("amount").negative
    described = datafix.describe()
    assert described.loc[described["field"] == "kind", "from"].item() == "constant 'payment'"


@pytest.mark.parametrize(
    ("change", "line", "key", "message"),
    [
        (('[datafix]', '[datafx]'), 1, "datafx", "unknown key (expected datafix, defaults, codes, "
         "sources); did you mean 'datafix'?"),
        (('encoding = "latin-1"', 'encoding = "latin-9000"'), 5, "defaults.encoding",
         "'latin-9000' is not a known text encoding"),
        (('dates = ["%d/%m/%Y"]', 'dates = ["%d/%q/%Y"]'), 6, "defaults.dates[0]",
         "'%d/%q/%Y': %q is not supported (use %d, %m, %Y, %y, %H, %M, %S)"),
        (('dates = ["%d/%m/%Y"]', 'dates = ["%m/%Y"]'), 6, "defaults.dates[0]",
         "'%m/%Y' needs a day (%d), a month (%m) and a year (%Y or %y)"),
        (('VIR = "transfer"', 'VIR = "tranfer"'), 10, "codes.modes.VIR",
         "'tranfer' is not a value of payment_method (debit, transfer, cheque, cash, card); "
         "did you mean 'transfer'?"),
        (('table = "tenants"', 'table = "tenant"'), 13, "sources.tenants.table",
         "'tenant' is not a table (tenants, ledger, events, plans, history); did you mean "
         "'tenants'?"),
        (('apl = "APL"', 'apll = "APL"'), 17, "sources.tenants.columns.apll",
         "'apll' is not an attribute of the schema; did you mean 'apl'?"),
        (('apl = "APL"', 'debt = "APL"'), 17, "sources.tenants.columns.debt",
         "debt is derived from the ledger; it cannot be loaded"),
        (('codes = "modes" }', 'codes = "mode" }'), 21, "sources.tenants.columns.payment_method"
         ".codes", "no code table 'mode' ([codes.NAME]: modes); did you mean 'modes'?"),
        (('{ constant = 37 }', '{ constant = 37, column = "D" }'), 22,
         "sources.tenants.columns.departement", "give either a column of the export or a "
         "constant"),
        (('{ constant = 37 }', '{ constant = "999" }'), 22,
         "sources.tenants.columns.departement.constant", "'999' is not a value of departement"),
        (('default = "fr"', 'default = "klingon"'), 23, "sources.tenants.columns.language.default",
         "'klingon' is not a value of language (fr, en, ar, es, pt, tr, ro, other)"),
        (('parse = "text"', 'parse = "txt"'), 24, "sources.tenants.columns.sector.parse",
         "'txt' is not a parser (text, date, amount, bool, int, number); did you mean 'text'?"),
        (('in = ["A", "P"]', 'in = ["A", "P"]\nequals = "A"'), 25, "sources.tenants.filters[0]",
         "a filter has one condition (in, not_in, equals, not_equals, empty, starts_with)"),
        (('sheet = "Mouvements"', 'sheet = 0'), 32, "sources.ledger.sheet",
         "sheets are numbered from 1"),
        (('negative_kind = "rejection"', 'negative_kind = "refund"'), 33,
         "sources.ledger.negative_kind", "'refund' is not a ledger kind (charge, payment, "
         "rejection, adjustment)"),
        (('kind = { constant = "payment" }', 'kind = { constant = "paiement" }'), 36,
         "sources.ledger.columns.kind.constant", "'paiement' is not a value of kind"),
        (('amount = "Montant"', 'amount = { column = "Montant", default = "0" }'), 37,
         "sources.ledger.columns.amount.default", "a ledger amount is read from a column"),
        (('date = { column = "Date", dates', 'date = { column = "Date", true = ["O"], dates'),
         38, "sources.ledger.columns.date.true", "true only applies to a bool field (date is "
         "date)"),
        (('id = "Pièce"', 'identifiant = "Pièce"'), 39, "sources.ledger.columns.identifiant",
         "'identifiant' is not a column of the ledger table"),
    ],
)  # fmt: skip
def test_each_problem_names_the_file_the_line_and_the_key(change, line, key, message):
    old, new = change
    assert old in GOOD
    error = error_of(GOOD.replace(old, new, 1))
    assert (error.filename, error.line, error.key) == ("bailleur.toml", line, key), str(error)
    assert message in error.message
    assert str(error).startswith(f"bailleur.toml:{line}: {key}: ")


def test_required_fields_of_a_table_must_be_mapped():
    error = error_of(GOOD.replace('date = { column = "Date", dates = ["%Y%m%d"] }\n', ""))
    assert error.key == "sources.ledger.columns" and error.line == 34
    assert error.message == ("the ledger table needs date: map it to a column or give a constant")


def test_a_rejection_source_may_give_the_payment_instead_of_the_amount():
    text = GOOD.replace('kind = { constant = "payment" }', 'kind = { constant = "rejection" }')
    text = text.replace('amount = "Montant"', 'payment = "Pièce rejetée"')
    assert load(text).sources[1].field("amount") is None


def test_a_key_names_fields_of_the_source():
    error = error_of(GOOD.replace('negative_kind = "rejection"', 'key = ["id", "period"]'))
    assert (error.key, error.line) == ("sources.ledger.key[1]", 33)
    assert "'period' is not a field of this source's columns" in error.message


def test_a_tenants_key_is_the_account():
    error = error_of(
        GOOD.replace(
            'files = ["locataires_*.csv"',
            'key = ["account_id", "apl"]\nfiles = ["locataires_*.csv"',
        )
    )
    assert (error.key, error.line) == ("sources.tenants.key", 14)
    assert error.message == "a tenants row is identified by its account_id alone"


def test_without_a_key_the_default_key_must_be_mapped():
    error = error_of(GOOD.replace('account_id = "Contrat"\napl', "apl", 1))
    assert error.key == "sources.tenants.columns"
    assert "the tenants table needs account_id" in str(error)


def test_all_the_problems_of_a_file_are_reported_together():
    text = (
        GOOD.replace('table = "tenants"', 'table = "tenant"')
        .replace('negative_kind = "rejection"', 'negative_kind = "refund"')
        .replace('encoding = "latin-1"', 'encoding = "nope"')
    )
    error = error_of(text)
    assert [(e.line, e.key) for e in error.errors] == [
        (5, "defaults.encoding"),
        (13, "sources.tenants.table"),
        (33, "sources.ledger.negative_kind"),
    ]
    assert (error.line, error.key) == (5, "defaults.encoding")
    lines = str(error).splitlines()
    assert lines[1].startswith("bailleur.toml:13: sources.tenants.table: ")
    assert lines[-1] == "3 problems in bailleur.toml"
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) and len(again.errors) == 3


def test_toml_syntax_errors_name_their_line():
    error = error_of(GOOD.replace('name = "Bailleur"', 'name = "Bailleur'))
    assert error.line == 2 and error.message.startswith("not valid TOML:")


def test_a_file_without_sources_is_an_error():
    error = error_of('[datafix]\nname = "x"\n')
    assert "a datafix needs at least one source" in str(error)


def test_options_of_the_wrong_type_are_errors():
    text = GOOD.replace('files = "mouvements.xlsx"', "files = 3").replace(
        "[defaults]\n", '[defaults]\nseparator = ";;"\nheader_row = 0\n'
    )
    error = error_of(text)
    messages = {e.key: e.message for e in error.errors}
    assert messages["defaults.separator"] == "expected one character, such as ';', not ';;'"
    assert messages["defaults.header_row"] == "expected a line number from 1, not 0"
    assert messages["sources.ledger.files"].startswith("expected file patterns")


def test_a_sheet_is_for_excel_sources_and_filters_need_a_column():
    text = GOOD.replace('files = "mouvements.xlsx"', 'files = "mouvements.csv"').replace(
        'column = "Statut"\n', ""
    )
    error = error_of(text)
    keys = {e.key: e.message for e in error.errors}
    assert keys["sources.ledger.sheet"] == "only an Excel source has a sheet"
    assert keys["sources.tenants.filters[0].column"].startswith("expected a column name")


def test_true_and_false_words_cannot_overlap():
    error = error_of(GOOD.replace('dates = ["%d/%m/%Y"]', 'true = ["O", "1"]\nfalse = ["N", "1"]'))
    assert error.key == "defaults.true" and "1 cannot mean both true and false" in error.message


def test_load_reads_a_file_and_relative_paths_start_beside_it(tmp_path):
    path = tmp_path / "bailleur.toml"
    path.write_text(GOOD.replace('name = "Bailleur"', 'name = "Bailleur"\nbase_dir = "exports"'))
    datafix = dunforce.datafix.load(path)
    assert datafix.base_dir == tmp_path / "exports" and datafix.filename == str(path)
    with pytest.raises(DatafixError, match="no such file") as caught:
        dunforce.datafix.load(tmp_path / "missing.toml")
    assert caught.value.filename == str(tmp_path / "missing.toml")
    (tmp_path / "latin.toml").write_bytes('[datafix]\nname = "é"\n'.encode("latin-1"))
    with pytest.raises(DatafixError, match="UTF-8") as caught:
        dunforce.datafix.load(tmp_path / "latin.toml")
    assert caught.value.line == 2


def test_key_lines_follow_tables_arrays_of_tables_and_inline_tables():
    text = (
        '[a]\nx = 1\n[[a.list]]\ny = 2\n[[a.list]]\ny = 3\n"quoted key".z = { w = 1, v = 2 }\n'
        "[a.list.sub]\nu = 1\ns = '''\nk = fake\n'''\nk2 = 1\n"
    )
    lines = KeyLines(text)
    assert lines.line(("a", "x")) == 2
    assert lines.line(("a", "list", 0, "y")) == 4
    assert lines.line(("a", "list", 1, "y")) == 6
    assert lines.line(("a", "list", 1, "quoted key", "z", "v")) == 7
    assert lines.line(("a", "list", 1, "sub", "u")) == 9
    assert lines.line(("a", "list", 1, "sub", "k")) == 8  # inside a string: its table's line
    assert lines.line(("a", "list", 1, "sub", "k2")) == 13
    assert lines.line(("nowhere",)) is None
    assert key_path(("sources", "x", "columns", "Date opé", "filters", 2)) == (
        'sources.x.columns."Date opé".filters[2]'
    )
