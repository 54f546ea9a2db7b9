"""Client factory: one botocore Config, endpoint and region; fake credentials only for the emulator; retries recorded."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.retries.standard import ExponentialBackoff
from botocore.stub import Stubber

from stackcheck.aws.clients import (
    FAKE_CREDENTIALS,
    ClientFactory,
    RecordingClient,
    botocore_config,
)
from stackcheck.aws.retry import RetryLog, RetryRecord
from stackcheck.emulator.record import EmulatorRecord
from stackcheck.errors import BadInputError

ENDPOINT = "http://127.0.0.1:5123"


@pytest.fixture
def no_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


# -- config and factory ------------------------------------------------------------------------


def test_botocore_config_standard_bounded_with_timeouts() -> None:
    config = botocore_config()
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (config.connect_timeout, config.read_timeout) == (5, 30)


def test_clients_share_config_endpoint_region(no_aws_env: None) -> None:
    factory = ClientFactory(region="eu-west-1", endpoint_url=ENDPOINT, emulator=True)
    s3, cfn = factory.raw("s3"), factory.raw("cloudformation")
    assert (s3.meta.endpoint_url, cfn.meta.endpoint_url) == (ENDPOINT, ENDPOINT)
    assert (s3.meta.region_name, cfn.meta.region_name) == ("eu-west-1", "eu-west-1")
    assert s3.meta.config.retries == cfn.meta.config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert s3.meta.config.connect_timeout == cfn.meta.config.connect_timeout == 5
    assert factory("s3") is factory("s3")
    assert factory("s3").client is s3


def test_fake_credentials_only_for_emulator(no_aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator = ClientFactory(region="us-east-1", endpoint_url=ENDPOINT, emulator=True)
    assert emulator.session.get_credentials().access_key == FAKE_CREDENTIALS["aws_access_key_id"]
    assert ClientFactory(region="us-east-1", endpoint_url=ENDPOINT).session.get_credentials() is None
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALCHAIN")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    assert ClientFactory(region="us-east-1").session.get_credentials().access_key == "AKIAREALCHAIN"


def test_emulator_needs_endpoint() -> None:
    with pytest.raises(BadInputError, match="need the emulator's endpoint URL"):
        ClientFactory(emulator=True)


def test_for_emulator(no_aws_env: None, tmp_path: Path) -> None:
    factory = ClientFactory.for_emulator(EmulatorRecord(ENDPOINT, "ap-south-1", 1))
    assert (factory.endpoint_url, factory.region, factory.emulator) == (ENDPOINT, "ap-south-1", True)


def test_recording_client_passes_through_non_operations(no_aws_env: None) -> None:
    raw = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    wrapped = RecordingClient(raw)
    assert wrapped.meta is raw.meta
    assert wrapped.exceptions is raw.exceptions
    assert wrapped.can_paginate("describe_stacks") is True
    assert wrapped.describe_stacks is not raw.describe_stacks
    assert wrapped.describe_stacks.__name__ == "describe_stacks"
    assert "describe_stacks" in dir(wrapped)
    assert repr(wrapped) == "RecordingClient(cloudformation, profile=throttling)"


def test_recording_client_with_stubber_on_wrapped(no_aws_env: None) -> None:
    factory = ClientFactory(region="us-east-1", endpoint_url=ENDPOINT, emulator=True)
    cfn = factory("cloudformation")
    with Stubber(cfn.client) as stub:
        stub.add_response("describe_stacks", {"Stacks": []}, {"StackName": "S"})
        assert cfn.describe_stacks(StackName="S")["Stacks"] == []


class _Raw:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def test_botocore_level_retries_are_recorded(
    no_aws_env: None, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    # botocore's own standard-mode retry sleeps rand(0, 1) s first; make it 0 for the test.
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    log = RetryLog()
    factory = ClientFactory(region="us-east-1", endpoint_url=ENDPOINT, emulator=True, log=log)
    s3 = factory("s3")
    answers = [
        (503, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"),
        (
            200,
            b'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b"<Status>Enabled</Status></VersioningConfiguration>",
        ),
    ]

    def send(request: Any, **_: Any) -> AWSResponse:
        status, body = answers.pop(0)
        return AWSResponse(request.url, status, {}, _Raw(body))

    s3.meta.events.register("before-send.s3", send)
    response = s3.get_bucket_versioning(Bucket="tap-logs")
    assert response["Status"] == "Enabled"
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    records = log.records()
    assert [dataclass_fields(r) for r in records] == [
        (request.node.nodeid, "s3.get_bucket_versioning", "SlowDown", 1, "botocore")
    ]
    assert 0.0 <= records[0].sleep < 1.0


def dataclass_fields(record: RetryRecord) -> tuple:
    return (record.node_id, record.operation, record.error_code, record.attempt, record.layer)


def test_paginator_pages_retried_and_recorded(no_aws_env: None, request: pytest.FixtureRequest) -> None:
    from stackcheck.aws.retry import THROTTLING

    log = RetryLog()
    raw = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    cfn = RecordingClient(raw, profile=THROTTLING.without_waits(), log=log)
    with Stubber(raw) as stub:
        stub.add_response("describe_stacks", {"Stacks": [], "NextToken": "t"}, {})
        stub.add_client_error("describe_stacks", "Throttling", "Rate exceeded", 400)
        stub.add_response("describe_stacks", {"Stacks": []}, {"NextToken": "t"})
        pages = list(cfn.get_paginator("describe_stacks").paginate())
        stub.assert_no_pending_responses()
    assert len(pages) == 2
    assert [(r.node_id, r.operation, r.error_code, r.attempt) for r in log.records()] == [
        (request.node.nodeid, "cloudformation.describe_stacks", "Throttling", 1)
    ]


def test_waiter_polls_retried_and_recorded(no_aws_env: None) -> None:
    from datetime import datetime

    from stackcheck.aws.retry import THROTTLING, WaitProfile, wait_route53_change_insync

    log = RetryLog()
    raw = boto3.client("route53", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    route53 = RecordingClient(raw, profile=THROTTLING.without_waits(), log=log)
    info = {"Id": "/change/C1", "SubmittedAt": datetime(2024, 1, 1, tzinfo=UTC)}
    with Stubber(raw) as stub:
        stub.add_client_error("get_change", "Throttling", "Rate exceeded", 400)
        stub.add_response("get_change", {"ChangeInfo": {**info, "Status": "INSYNC"}}, {"Id": "C1"})
        wait_route53_change_insync(route53, "/change/C1", profile=WaitProfile("t", delay=0, max_attempts=1))
        stub.assert_no_pending_responses()
    assert [(r.operation, r.error_code) for r in log.records()] == [("route53.get_change", "Throttling")]
