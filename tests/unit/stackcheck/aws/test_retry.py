"""Retry profiles (botocore Stubber raising throttling, then succeeding), the RetryLog and the named waits."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from stackcheck.aws.clients import RecordingClient
from stackcheck.aws.retry import (
    FINAL_CODES,
    THROTTLING,
    THROTTLING_CODES,
    RetryLog,
    RetryRecord,
    WaitProfile,
    current_node_id,
    error_code,
    is_stack_missing,
    node_context,
    wait_ecs_service_stable,
    wait_iam_propagation,
    wait_route53_change_insync,
)

NO_WAIT = THROTTLING.without_waits()
VERSIONING = {"Status": "Enabled"}


def client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def count_calls(aws: Any) -> list[str]:
    """Operation names of every API call ``aws`` makes (botocore emits before-parameter-build per call)."""
    calls: list[str] = []
    aws.meta.events.register("before-parameter-build", lambda model, **_: calls.append(model.name))
    return calls


@pytest.fixture
def log() -> RetryLog:
    return RetryLog()


def test_throttling_codes_are_the_documented_family() -> None:
    assert {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "PriorRequestNotComplete",
    } == THROTTLING_CODES
    assert {"NoSuchBucket", "ValidationError", "AccessDenied", "AccessDeniedException"} == FINAL_CODES


@pytest.mark.parametrize("code", sorted(THROTTLING_CODES))
def test_throttling_retried_then_succeeds(code: str, log: RetryLog, request: pytest.FixtureRequest) -> None:
    s3 = client("s3")
    wrapped = RecordingClient(s3, profile=NO_WAIT, log=log)
    calls = count_calls(s3)
    with Stubber(s3) as stub:
        stub.add_client_error("get_bucket_versioning", code, "Rate exceeded", 400)
        stub.add_client_error("get_bucket_versioning", code, "Rate exceeded", 400)
        stub.add_response("get_bucket_versioning", VERSIONING, {"Bucket": "tap-logs"})
        assert wrapped.get_bucket_versioning(Bucket="tap-logs")["Status"] == "Enabled"
        stub.assert_no_pending_responses()
    assert calls == ["GetBucketVersioning"] * 3
    node = request.node.nodeid
    assert log.records() == [
        RetryRecord(node, "s3.get_bucket_versioning", code, 1, 0.0, "tenacity"),
        RetryRecord(node, "s3.get_bucket_versioning", code, 2, 0.0, "tenacity"),
    ]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("NoSuchBucket", "The specified bucket does not exist"),
        ("AccessDenied", "Access Denied"),
        ("ValidationError", "Stack with id TapStackdevSource does not exist"),
        ("ValidationError", "1 validation error detected"),
        ("InternalError", "not a throttling code"),
    ],
)
def test_final_and_unknown_errors_not_retried(code: str, message: str, log: RetryLog) -> None:
    cfn = client("cloudformation")
    wrapped = RecordingClient(cfn, profile=NO_WAIT, log=log)
    calls = count_calls(cfn)
    with Stubber(cfn) as stub:
        stub.add_client_error("describe_stacks", code, message, 400)
        stub.add_response("describe_stacks", {"Stacks": []})  # must stay unused
        with pytest.raises(ClientError) as err:
            wrapped.describe_stacks(StackName="TapStackdevSource")
    assert calls == ["DescribeStacks"]
    assert error_code(err.value) == code
    assert log.records() == []


def test_final_code_wins_over_retry_codes(log: RetryLog) -> None:
    profile = dataclasses.replace(NO_WAIT, retry_codes=THROTTLING_CODES | {"AccessDenied"})
    exc = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetObject")
    assert profile.is_retryable(exc) is False


def test_attempts_bound(log: RetryLog) -> None:
    s3 = client("s3")
    profile = dataclasses.replace(NO_WAIT, max_attempts=3)
    wrapped = RecordingClient(s3, profile=profile, log=log)
    calls = count_calls(s3)
    with Stubber(s3) as stub:
        for _ in range(4):
            stub.add_client_error("get_bucket_versioning", "SlowDown", "Please reduce your request rate.", 503)
        with pytest.raises(ClientError) as err:
            wrapped.get_bucket_versioning(Bucket="tap-logs")
    assert calls == ["GetBucketVersioning"] * 3
    assert error_code(err.value) == "SlowDown"
    assert [(r.attempt, r.error_code) for r in log.records()] == [(1, "SlowDown"), (2, "SlowDown")]


def test_deadline_bound(log: RetryLog) -> None:
    s3 = client("s3")
    profile = dataclasses.replace(NO_WAIT, max_attempts=10, deadline=0.0)
    wrapped = RecordingClient(s3, profile=profile, log=log)
    calls = count_calls(s3)
    with Stubber(s3) as stub:
        stub.add_client_error("get_bucket_versioning", "Throttling", "Rate exceeded", 400)
        stub.add_response("get_bucket_versioning", VERSIONING)
        with pytest.raises(ClientError):
            wrapped.get_bucket_versioning(Bucket="tap-logs")
    assert calls == ["GetBucketVersioning"]
    assert log.records() == []


def test_waits_are_jittered_exponential_and_recorded(log: RetryLog) -> None:
    profile = dataclasses.replace(THROTTLING, max_attempts=6, deadline=10_000, initial_wait=1.0, max_wait=4.0)
    slept: list[float] = []
    calls = []

    def throttled() -> None:
        calls.append(1)
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DescribeStacks")

    with pytest.raises(ClientError):
        profile.retrying("cloudformation.describe_stacks", log=log, sleep=slept.append)(throttled)
    assert len(calls) == 6
    assert len(slept) == 5
    for attempt, seconds in enumerate(slept):
        assert 0.0 <= seconds <= min(4.0, 1.0 * 2**attempt)
    assert [r.sleep for r in log.records()] == slept
    assert [r.attempt for r in log.records()] == [1, 2, 3, 4, 5]


def test_call_names_operation(log: RetryLog) -> None:
    outcomes = iter([ClientError({"Error": {"Code": "Throttling"}}, "X"), "ok"])

    def flaky() -> str:
        item = next(outcomes)
        if isinstance(item, Exception):
            raise item
        return item

    assert NO_WAIT.call(flaky, operation="custom.op", log=log) == "ok"
    assert [(r.operation, r.error_code, r.attempt) for r in log.records()] == [("custom.op", "Throttling", 1)]


def test_node_context_attributes_records() -> None:
    with node_context("tests/x.py::test_a"):
        assert current_node_id() == "tests/x.py::test_a"
        with node_context("tests/x.py::test_b"):
            assert current_node_id() == "tests/x.py::test_b"
        assert current_node_id() == "tests/x.py::test_a"


def test_plugin_sets_node_id_for_running_test(request: pytest.FixtureRequest) -> None:
    assert current_node_id() == request.node.nodeid


def test_retry_log_records_drain_clear(log: RetryLog) -> None:
    a1 = RetryRecord("a", "s3.x", "SlowDown", 1, 0.5)
    b1 = RetryRecord("b", "s3.y", "Throttling", 1, 0.25, "botocore")
    a2 = RetryRecord("a", "s3.x", "SlowDown", 2, 1.0)
    for record in (a1, b1, a2):
        log.record(record)
    assert log.records("a") == [a1, a2]
    assert log.drain("a") == [a1, a2]
    assert log.records() == [b1]
    assert b1.as_dict() == {
        "node_id": "b",
        "operation": "s3.y",
        "error_code": "Throttling",
        "attempt": 1,
        "sleep": 0.25,
        "layer": "botocore",
    }
    log.clear()
    assert log.records() == []


@pytest.mark.parametrize(
    ("code", "message", "missing"),
    [
        ("ValidationError", "Stack with id TapStackdevSource does not exist", True),
        ("ValidationError", "Template format error", False),
        ("Throttling", "Rate exceeded", False),
    ],
)
def test_is_stack_missing(code: str, message: str, missing: bool) -> None:
    assert is_stack_missing(ClientError({"Error": {"Code": code, "Message": message}}, "DescribeStacks")) is missing


def test_error_code_of_non_client_error() -> None:
    assert error_code(ValueError("x")) is None


# -- named waits -------------------------------------------------------------------------------

FAST = WaitProfile("test", delay=0, max_attempts=3)


def test_route53_change_insync_waits_through_pending() -> None:
    route53 = client("route53")
    with Stubber(route53) as stub:
        info = {"Id": "/change/C2682N5HXP0BZ4", "SubmittedAt": datetime(2024, 1, 1, tzinfo=UTC)}
        stub.add_response("get_change", {"ChangeInfo": {**info, "Status": "PENDING"}}, {"Id": "C2682N5HXP0BZ4"})
        stub.add_response("get_change", {"ChangeInfo": {**info, "Status": "INSYNC"}}, {"Id": "C2682N5HXP0BZ4"})
        assert wait_route53_change_insync(route53, "/change/C2682N5HXP0BZ4", profile=FAST) >= 0.0
        stub.assert_no_pending_responses()


def test_ecs_service_stable_uses_cluster_from_arn() -> None:
    ecs = client("ecs")
    arn = "arn:aws:ecs:us-east-1:123456789012:service/tap-source/tap-svc"
    unstable = {
        "serviceName": "tap-svc",
        "deployments": [{"id": "a"}, {"id": "b"}],
        "runningCount": 1,
        "desiredCount": 2,
    }
    stable = {"serviceName": "tap-svc", "deployments": [{"id": "b"}], "runningCount": 2, "desiredCount": 2}
    params = {"cluster": "tap-source", "services": ["tap-svc"]}
    with Stubber(ecs) as stub:
        stub.add_response("describe_services", {"services": [unstable], "failures": []}, params)
        stub.add_response("describe_services", {"services": [stable], "failures": []}, params)
        assert wait_ecs_service_stable(ecs, arn, profile=FAST) >= 0.0
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(("age", "expected_sleep"), [(10.0, 5.0), (15.0, 0.0), (600.0, 0.0)])
def test_iam_propagation_sleeps_out_the_grace(age: float, expected_sleep: float) -> None:
    cfn = client("cloudformation")
    changed = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    slept: list[float] = []
    stack = {
        "StackName": "TapStackdevDmsPrereq",
        "CreationTime": changed - timedelta(days=1),
        "LastUpdatedTime": changed,
        "StackStatus": "UPDATE_COMPLETE",
    }
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "TapStackdevDmsPrereq"})
        result = wait_iam_propagation(
            cfn, "TapStackdevDmsPrereq", grace=15.0, now=lambda: changed + timedelta(seconds=age), sleep=slept.append
        )
    assert result == expected_sleep
    assert slept == ([expected_sleep] if expected_sleep else [])


def test_iam_propagation_uses_creation_time_when_never_updated() -> None:
    cfn = client("cloudformation")
    created = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    stack = {"StackName": "S", "CreationTime": created, "StackStatus": "CREATE_COMPLETE"}
    slept: list[float] = []
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", {"Stacks": [stack]})
        wait_iam_propagation(cfn, "S", grace=15.0, now=lambda: created + timedelta(seconds=3), sleep=slept.append)
    assert slept == [12.0]
