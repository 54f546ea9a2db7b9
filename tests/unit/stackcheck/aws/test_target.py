"""Where nightly commands call AWS: options > emulator record > boto3 chain."""

from __future__ import annotations

import argparse
import json

import pytest

from stackcheck.aws.target import AwsTarget, add_target_arguments, resolve_target
from stackcheck.errors import BadInputError


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_target_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.fixture
def record(tmp_path):
    path = tmp_path / "target.json"
    path.write_text(
        json.dumps({"target": "emulator", "endpoint_url": "http://127.0.0.1:4999", "region": "eu-west-1", "pid": 1})
    )
    return str(path)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], AwsTarget("http://127.0.0.1:4999", "eu-west-1", True, "{record}")),
        (
            ["--aws-region", "us-east-2"],
            AwsTarget("http://127.0.0.1:4999", "us-east-2", True, "--aws-endpoint-url/--aws-region and {record}"),
        ),
        (
            ["--aws-endpoint-url", "http://localhost:5000"],
            AwsTarget("http://localhost:5000", "eu-west-1", False, "--aws-endpoint-url/--aws-region"),
        ),
        (["--no-emulator"], AwsTarget(None, None, False, "boto3 default chain")),
    ],
)
def test_resolve_target_precedence(record, argv, expected):
    target = resolve_target(parse("--emulator-record", record, *argv))
    assert target == AwsTarget(
        expected.endpoint_url, expected.region, expected.emulator, expected.source.format(record=record)
    )


def test_no_record_means_the_boto3_chain(tmp_path):
    target = resolve_target(parse("--emulator-record", str(tmp_path / "absent.json")))
    assert target == AwsTarget()
    assert target.describe() == "AWS (region from boto3; boto3 default chain)"
    assert target.to_dict() == {
        "endpoint_url": None,
        "region": None,
        "emulator": False,
        "source": "boto3 default chain",
        "account": None,
    }


def test_emulator_account_is_kept_and_described(tmp_path):
    record = tmp_path / "target.json"
    record.write_text(
        '{"target": "emulator", "endpoint_url": "http://127.0.0.1:5000", "region": "us-east-1", "pid": 1}'
    )
    target = resolve_target(
        parse("--emulator-record", str(record), "--emulator-account", "111111111111", "--aws-region", "eu-west-1")
    )
    assert (target.account, target.region, target.emulator) == ("111111111111", "eu-west-1", True)
    assert target.describe() == (
        f"emulator http://127.0.0.1:5000 (account 111111111111, eu-west-1; --aws-endpoint-url/--aws-region and {record})"
    )


@pytest.mark.parametrize("account", ["1111", "11111111111a", "1111111111111"])
def test_emulator_account_not_twelve_digits_is_refused(tmp_path, account):
    with pytest.raises(BadInputError, match=f"--emulator-account '{account}': give a 12-digit account id"):
        resolve_target(parse("--emulator-record", str(tmp_path / "absent.json"), "--emulator-account", account))
