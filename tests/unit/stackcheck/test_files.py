"""Shared file I/O: atomic writes, JSON and YAML reads whose errors name the file, YAML lists with their lines."""

from __future__ import annotations

import pytest

from stackcheck.errors import BadInputError, LedgerError, NextStep
from stackcheck.files import atomic_write_json, atomic_write_text, load_yaml_list, read_json


def test_entries_come_with_index_and_line(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("# header\n- a: 1\n\n- b: 2\n  c: 3\n")
    assert load_yaml_list(path, what="list", example="- a: ...") == [(1, 2, {"a": 1}), (2, 4, {"b": 2, "c": 3})]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", None),
        ("[]\n", None),
        ("a: 1\n", "list {path}: must be a YAML list of entries (- a: ...), got a dict; an empty list is `[]`"),
        ("- [unclosed\n", "list {path}:2: not valid YAML ("),
    ],
)
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


def test_atomic_writes_get_the_mode_open_would_give(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        paths = [atomic_write_text(tmp_path / "r.md", "# report\n"), atomic_write_json(tmp_path / "r.json", {"a": 1})]
    finally:
        os.umask(old)
    assert [stat.S_IMODE(p.stat().st_mode) for p in paths] == [0o644, 0o644]
    assert (tmp_path / "r.json").read_text() == '{\n  "a": 1\n}\n'
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_atomic_write_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    target = atomic_write_text(tmp_path / "r.json", "old\n")
    with pytest.raises(TypeError):
        atomic_write_json(target, {"not": object()})
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "thing {path} does not exist; make one"),
        (b"", "thing {path} is empty"),
        (b"  \n", "thing {path} is empty"),
        (b'{"a": ', "thing {path} is not valid JSON (line 1, column 7: Expecting value)"),
        (b'{"a": "\xff"}', "thing {path} is not UTF-8 text (byte 7: invalid start byte)"),
    ],
)
def test_read_json_errors_name_the_file(tmp_path, content, message):
    path = tmp_path / "thing.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(BadInputError) as err:
        read_json(path, what="thing", missing="make one")
    assert err.value.message == message.format(path=path)
    assert err.value.next_step is None


def test_read_json_carries_the_next_step_and_error_class(tmp_path):
    with pytest.raises(LedgerError) as err:
        read_json(tmp_path, what="ledger", error=LedgerError, next_step=NextStep.SYNTH)
    assert err.value.message == f"ledger {tmp_path} is a directory, not a file"
    assert err.value.next_step is NextStep.SYNTH


def test_read_json_values(tmp_path):
    (tmp_path / "a.json").write_text('[1, {"b": null}]')
    (tmp_path / "e.json").write_text("")
    assert read_json(tmp_path / "a.json", what="a") == [1, {"b": None}]
    assert read_json(tmp_path / "e.json", what="e", allow_empty=True) is None
