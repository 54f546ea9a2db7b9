"""entry_errors: a YAML entry checked against its JSON Schema, each problem said as the key and its fix."""

import jsonschema
import pytest

from stackcheck.drift.allowlist import ENTRY_SCHEMA as ALLOWLIST_SCHEMA
from stackcheck.entries import entry_errors
from stackcheck.suppressions import ENTRY_SCHEMA as LEDGER_SCHEMA

SCHEMA = {
    "type": "object",
    "required": ["name", "size"],
    "additionalProperties": False,
    "x-not-mapping": "must be a mapping with keys {keys}, got {got}",
    "properties": {
        "name": {"type": "string", "minLength": 1, "x-missing": "add a name", "x-invalid": "name {value!r} bad"},
        "size": {"type": "integer", "minimum": 1, "x-missing": "add a size", "x-invalid": "size {value!r} < 1"},
        "note": {"type": "string", "pattern": r"\S{3}", "x-invalid": "note is {length} characters"},
    },
}


@pytest.mark.parametrize("schema", [LEDGER_SCHEMA, ALLOWLIST_SCHEMA], ids=["ledger", "allowlist"])
def test_the_file_schemas_are_valid_json_schemas(schema):
    jsonschema.Draft202012Validator.check_schema(schema)


def test_problems_come_unknown_keys_first_then_in_schema_order_one_per_key():
    raw = {"size": 0, "zeta": 1, "alpha": 2, "note": " ab "}
    assert entry_errors(raw, SCHEMA) == [
        "unknown key(s) alpha, zeta; allowed keys: name, size, note",
        "add a name",
        "size 0 < 1",
        "note is 2 characters",
    ]


@pytest.mark.parametrize("value", [None, ""], ids=["null", "empty"])
def test_a_required_key_left_empty_counts_as_missing(value):
    assert entry_errors({"name": value, "size": 2}, SCHEMA) == ["add a name"]


def test_not_a_mapping_names_the_keys_and_what_it_got():
    assert entry_errors(["x"], SCHEMA) == ["must be a mapping with keys name, size, got list"]


def test_code_checks_run_only_for_keys_the_schema_passed():
    seen = []

    def check(value):
        seen.append(value)
        return [f"name {value!r} is taken"]

    assert entry_errors({"name": "a", "size": 1}, SCHEMA, {"name": check}) == ["name 'a' is taken"]
    assert entry_errors({"name": 5, "size": 1}, SCHEMA, {"name": check}) == ["name 5 bad"]
    assert seen == ["a"]
