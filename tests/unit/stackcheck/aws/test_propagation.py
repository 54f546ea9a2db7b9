"""AccessDenied is retried only inside the IAM propagation window after the deployment changed the principal (botocore Stubber, a fake clock)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from stackcheck.aws.budget import ThrottledPastBudget
from stackcheck.aws.propagation import (
    IAM_PROPAGATION,
    PrincipalChange,
    call_within_propagation,
    principal_changed_at,
)
from stackcheck.aws.retry import RetryLog, error_code
from stackcheck.errors import InconclusiveError

CHANGED = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
PROFILE = dataclasses.replace(IAM_PROPAGATION, max_attempts=4)
OBJECT = {"Bucket": "tap-source-logs", "Key": "probe.txt"}


def client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


class Clock:
    """A fake clock: ``now()`` is ``start`` plus every second ``sleep`` was asked for."""

    def __init__(self, start: datetime) -> None:
        self.at = start
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += timedelta(seconds=seconds)


def denied(stub: Stubber, times: int) -> None:
    for _ in range(times):
        stub.add_client_error("head_object", "AccessDenied", "Access Denied", 403, expected_params=OBJECT)


def test_access_denied_inside_the_window_retried_until_it_passes() -> None:
    s3, log, clock = client("s3"), RetryLog(), Clock(CHANGED + timedelta(seconds=10))
    with Stubber(s3) as stub:
        denied(stub, 2)
        stub.add_response("head_object", {"ContentLength": 5}, OBJECT)
        answer = call_within_propagation(
            s3.head_object, changed=CHANGED, profile=PROFILE, operation="s3.head_object", log=log,
            now=clock.now, sleep=clock.sleep, **OBJECT,
        )  # fmt: skip
        stub.assert_no_pending_responses()
    assert answer["ContentLength"] == 5
    assert [(r.operation, r.error_code, r.attempt) for r in log.records()] == [
        ("s3.head_object", "AccessDenied", 1),
        ("s3.head_object", "AccessDenied", 2),
    ]
    assert len(clock.slept) == 2


def test_access_denied_outside_the_window_is_the_answer_at_once() -> None:
    s3, log, clock = client("s3"), RetryLog(), Clock(CHANGED + timedelta(seconds=121))
    with Stubber(s3) as stub:
        denied(stub, 1)
        stub.add_response("head_object", {"ContentLength": 5}, OBJECT)  # must stay unused
        with pytest.raises(ClientError) as err:
            call_within_propagation(
                s3.head_object, changed=CHANGED, profile=PROFILE, log=log, now=clock.now, sleep=clock.sleep, **OBJECT
            )
    assert error_code(err.value) == "AccessDenied"
    assert not isinstance(err.value, InconclusiveError)
    assert log.records() == []
    assert clock.slept == []


def test_access_denied_when_the_budget_ends_inside_the_window_is_inconclusive() -> None:
    s3, clock = client("s3"), Clock(CHANGED + timedelta(seconds=10))
    change = PrincipalChange(CHANGED, "DescribeStackResources Timestamp of TapStackdevSource/TaskRole")
    no_wait = dataclasses.replace(PROFILE, initial_wait=0.0, max_wait=0.0)
    with Stubber(s3) as stub:
        denied(stub, 4)
        with pytest.raises(ThrottledPastBudget) as err:
            call_within_propagation(
                s3.head_object, changed=change, profile=no_wait, operation="s3.head_object", log=RetryLog(),
                now=clock.now, sleep=clock.sleep, **OBJECT,
            )  # fmt: skip
        stub.assert_no_pending_responses()
    assert err.value.saw == "AccessDenied: Access Denied"
    assert str(err.value).endswith(
        " s; last answer AccessDenied: Access Denied; the principal changed 10 s ago "
        "(DescribeStackResources Timestamp of TapStackdevSource/TaskRole), inside the 120 s IAM propagation window"
    )
    assert str(err.value).startswith(
        "s3.head_object still denied (or throttled) inside the IAM propagation window when its retry budget "
        "(4 attempts / 120 s) ran out after 4 attempts in "
    )


def test_access_denied_after_the_window_closed_mid_retry_is_the_answer() -> None:
    s3, clock = client("s3"), Clock(CHANGED + timedelta(seconds=110))
    slow = dataclasses.replace(PROFILE, max_attempts=8, initial_wait=16.0, max_wait=16.0)

    def sleep(seconds: float) -> None:  # full jitter may pick 0 s: step the clock by the cap instead
        clock.sleep(16.0)

    with Stubber(s3) as stub:
        denied(stub, 2)
        with pytest.raises(ClientError) as err:
            call_within_propagation(
                s3.head_object, changed=CHANGED, profile=slow, now=clock.now, sleep=sleep, log=RetryLog(), **OBJECT
            )
        stub.assert_no_pending_responses()
    assert error_code(err.value) == "AccessDenied"
    assert not isinstance(err.value, InconclusiveError)


def test_principal_changed_at_reads_the_resource_timestamp() -> None:
    cfn = client("cloudformation")
    resource = {
        "StackName": "TapStackdevSource",
        "LogicalResourceId": "TaskRole",
        "PhysicalResourceId": "tap-task-role",
        "ResourceType": "AWS::IAM::Role",
        "Timestamp": datetime(2024, 5, 1, 11, 59, 30),
        "ResourceStatus": "UPDATE_COMPLETE",
    }
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stack_resources",
            {"StackResources": [resource]},
            {"StackName": "TapStackdevSource", "LogicalResourceId": "TaskRole"},
        )
        stub.add_response(
            "describe_stack_resources", {"StackResources": [resource]}, {"PhysicalResourceId": "tap-task-role"}
        )
        by_logical = principal_changed_at(cfn, "TapStackdevSource", logical_id="TaskRole")
        by_physical = principal_changed_at(cfn, physical_id="tap-task-role")
    expected = PrincipalChange(
        datetime(2024, 5, 1, 11, 59, 30, tzinfo=UTC), "DescribeStackResources Timestamp of TapStackdevSource/TaskRole"
    )
    assert by_logical == expected
    assert by_physical == expected


@pytest.mark.parametrize(
    ("stack", "field"),
    [
        ({"LastUpdatedTime": CHANGED, "CreationTime": CHANGED - timedelta(days=1)}, "LastUpdatedTime"),
        ({"CreationTime": CHANGED}, "CreationTime"),
    ],
)
def test_principal_changed_at_falls_back_to_the_stack(stack: dict, field: str) -> None:
    cfn = client("cloudformation")
    full = {"StackName": "TapStackdevSource", "StackStatus": "UPDATE_COMPLETE", **stack}
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", {"Stacks": [full]}, {"StackName": "TapStackdevSource"})
        change = principal_changed_at(cfn, "TapStackdevSource")
    assert change == PrincipalChange(CHANGED, f"DescribeStacks {field} of TapStackdevSource")


def test_principal_changed_at_needs_something_to_look_up() -> None:
    with pytest.raises(ValueError, match="needs stack_name, logical_id or physical_id"):
        principal_changed_at(client("cloudformation"))
