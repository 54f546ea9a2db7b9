"""The emulator record: one type, read and written in one place; a record that is there but broken is an error naming the file."""

from __future__ import annotations

import json

import pytest

from stackcheck.emulator.record import EmulatorRecord, read_emulator_record, record_path, write_emulator_record
from stackcheck.errors import BadInputError, EmulatorRecordError, NextStep
from stackcheck.files import EMULATOR_RECORD

ENDPOINT = "http://127.0.0.1:5123"


def test_written_record_reads_back(tmp_path):
    record = EmulatorRecord(ENDPOINT, "eu-west-1", 4242)
    path = write_emulator_record(record, tmp_path)
    assert path == record_path(tmp_path) == tmp_path / "target.json"
    assert json.loads(path.read_text()) == {
        "target": "emulator",
        "endpoint_url": ENDPOINT,
        "region": "eu-west-1",
        "pid": 4242,
    }
    assert read_emulator_record(path) == record


def test_default_record_path_is_under_cfn_outputs():
    assert str(record_path()) == EMULATOR_RECORD == "cfn-outputs/target.json"


@pytest.mark.parametrize("content", [None, json.dumps({"target": "aws", "region": "us-east-1"})])
def test_absent_or_other_target_is_none(tmp_path, content):
    path = tmp_path / "target.json"
    if content is not None:
        path.write_text(content)
    assert read_emulator_record(path) is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{nope", "is not valid JSON (line 1, column 2: Expecting property name enclosed in double quotes)"),
        ("", "is empty"),
        ("[]", "must be a JSON object, got list"),
        (
            json.dumps({"target": "emulator"}),
            "lacks endpoint_url, region, pid (needs a string endpoint_url and region and an integer pid)",
        ),
        (
            json.dumps({"target": "emulator", "endpoint_url": ENDPOINT, "region": "us-east-1", "pid": "12"}),
            "lacks pid (needs a string endpoint_url and region and an integer pid)",
        ),
    ],
)
def test_broken_record_names_the_file(tmp_path, content, message):
    path = tmp_path / "target.json"
    path.write_text(content)
    with pytest.raises(EmulatorRecordError) as err:
        read_emulator_record(path)
    assert err.value.message == f"emulator record {path} {message}"
    assert err.value.next_step is NextStep.REDEPLOY_LOCAL
    assert isinstance(err.value, BadInputError) and err.value.exit_code == 2
