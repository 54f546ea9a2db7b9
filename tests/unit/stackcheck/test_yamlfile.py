"""YAML list files: entries with 1-based index and line, and errors naming the file."""

from __future__ import annotations

import pytest

from stackcheck.errors import BadInputError, LedgerError
from stackcheck.yamlfile import load_yaml_list


def test_entries_come_with_index_and_line(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("# header\n- a: 1\n\n- b: 2\n  c: 3\n")
    assert load_yaml_list(path, what="list", example="- a: ...") == [(1, 2, {"a": 1}), (2, 4, {"b": 2, "c": 3})]


@pytest.mark.parametrize(("text", "message"), [
    ("", None),
    ("[]\n", None),
    ("a: 1\n", "list {path}: must be a YAML list of entries (- a: ...), got a dict; an empty list is `[]`"),
    ("- [unclosed\n", "list {path}:2: not valid YAML ("),
])
def test_empty_or_malformed(tmp_path, text, message):
    path = tmp_path / "list.yaml"
    path.write_text(text)
    if message is None:
        assert load_yaml_list(path, what="list", example="- a: ...") == []
        return
    with pytest.raises(BadInputError) as err:
        load_yaml_list(path, what="list", example="- a: ...")
    assert message.format(path=path) in str(err.value)


def test_missing_file_raises_the_given_error_class(tmp_path):
    with pytest.raises(LedgerError, match=r"ledger .*absent\.yaml does not exist; create it holding `\[\]`"):
        load_yaml_list(tmp_path / "absent.yaml", what="ledger", example="- rule: ...", error=LedgerError)
