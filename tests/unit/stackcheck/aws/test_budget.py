"""A call or wait whose budget runs out ends INCONCLUSIVE saying what it saw (botocore Stubber answering throttling, PENDING, unstable); the ECS wait needs its cluster."""

from __future__ import annotations

import dataclasses
import pickle
import re
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, WaiterError
from botocore.stub import Stubber

from stackcheck.aws.budget import ThrottledPastBudget, WaitPastBudget
from stackcheck.aws.clients import RecordingClient
from stackcheck.aws.retry import (
    THROTTLING,
    RetryLog,
    WaitProfile,
    error_code,
    wait_ecs_service_stable,
    wait_route53_change_insync,
)
from stackcheck.errors import IdentifierError, InconclusiveError

NO_WAIT = dataclasses.replace(THROTTLING.without_waits(), max_attempts=3)
SECONDS = r"\d+\.\d"


def client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def test_throttling_past_the_budget_is_inconclusive_with_what_it_saw() -> None:
    s3, log = client("s3"), RetryLog()
    wrapped = RecordingClient(s3, profile=NO_WAIT, log=log)
    with Stubber(s3) as stub:
        for _ in range(3):
            stub.add_client_error("get_bucket_versioning", "SlowDown", "Please reduce your request rate.", 503)
        with pytest.raises(ThrottledPastBudget) as err:
            wrapped.get_bucket_versioning(Bucket="tap-logs")
        stub.assert_no_pending_responses()
    exc = err.value
    assert isinstance(exc, InconclusiveError) and isinstance(exc, ClientError)
    assert error_code(exc) == "SlowDown"
    assert (exc.operation, exc.attempts, exc.saw, exc.budget, exc.exit_code) == (
        "s3.get_bucket_versioning",
        3,
        "SlowDown: Please reduce your request rate.",
        "3 attempts / 60 s",
        3,
    )
    assert re.fullmatch(
        rf"s3\.get_bucket_versioning still throttled when its retry budget \(3 attempts / 60 s\) ran out "
        rf"after 3 attempts in {SECONDS} s; last answer SlowDown: Please reduce your request rate\.",
        str(exc),
    )
    assert [r.attempt for r in log.records()] == [1, 2]
    again = pickle.loads(pickle.dumps(exc))
    assert (type(again), str(again), again.response["Error"]["Code"]) == (ThrottledPastBudget, str(exc), "SlowDown")


def test_final_errors_stay_plain_client_errors() -> None:
    s3 = client("s3")
    with Stubber(s3) as stub:
        stub.add_client_error("get_bucket_versioning", "NoSuchBucket", "The specified bucket does not exist", 404)
        with pytest.raises(ClientError) as err:
            RecordingClient(s3, profile=NO_WAIT, log=RetryLog()).get_bucket_versioning(Bucket="gone")
    assert not isinstance(err.value, InconclusiveError)
    assert error_code(err.value) == "NoSuchBucket"


PENDING = {"Id": "/change/C2682N5HXP0BZ4", "Status": "PENDING", "SubmittedAt": datetime(2024, 1, 1, tzinfo=UTC)}


def test_route53_change_pending_past_its_budget_is_inconclusive() -> None:
    route53 = client("route53")
    with Stubber(route53) as stub:
        for _ in range(2):
            stub.add_response("get_change", {"ChangeInfo": PENDING}, {"Id": "C2682N5HXP0BZ4"})
        with pytest.raises(WaitPastBudget) as err:
            wait_route53_change_insync(route53, "/change/C2682N5HXP0BZ4", profile=WaitProfile("t", 0, 2))
        stub.assert_no_pending_responses()
    exc = err.value
    assert isinstance(exc, WaiterError) and isinstance(exc, InconclusiveError)
    assert (exc.waiter, exc.polls, exc.saw, exc.budget) == (
        "ResourceRecordSetsChanged",
        2,
        "Status PENDING, SubmittedAt 2024-01-01T00:00:00+00:00",
        "2 polls every 0 s",
    )
    assert re.fullmatch(
        rf"Route 53 change C2682N5HXP0BZ4 still not INSYNC when its wait budget \(2 polls every 0 s\) ran out "
        rf"after {SECONDS} s; last answer Status PENDING, SubmittedAt 2024-01-01T00:00:00\+00:00",
        str(exc),
    )


def test_route53_poll_throttled_past_its_budget_is_inconclusive() -> None:
    raw = client("route53")
    route53 = RecordingClient(raw, profile=NO_WAIT, log=RetryLog())
    with Stubber(raw) as stub:
        for _ in range(3):
            stub.add_client_error("get_change", "Throttling", "Rate exceeded", 400)
        with pytest.raises(WaitPastBudget) as err:
            wait_route53_change_insync(route53, "C1", profile=WaitProfile("t", 0, 5))
        stub.assert_no_pending_responses()
    assert err.value.saw == "Throttling: Rate exceeded"


SERVICE_ARN = "arn:aws:ecs:us-east-1:123456789012:service/tap-source/tap-svc"
PARAMS = {"cluster": "tap-source", "services": ["tap-svc"]}


def test_ecs_service_unstable_past_its_budget_is_inconclusive() -> None:
    ecs = client("ecs")
    rolling = {
        "serviceName": "tap-svc",
        "deployments": [{"id": "a"}, {"id": "b"}],
        "runningCount": 1,
        "desiredCount": 2,
    }
    with Stubber(ecs) as stub:
        stub.add_response("describe_services", {"services": [rolling], "failures": []}, PARAMS)
        with pytest.raises(WaitPastBudget) as err:
            wait_ecs_service_stable(ecs, SERVICE_ARN, profile=WaitProfile("t", 0, 1))
    assert err.value.saw == "2 deployments, runningCount 1, desiredCount 2"
    assert str(err.value).startswith("ECS service tap-svc in cluster tap-source still not stable when its wait budget")


def test_ecs_service_gone_is_the_waiters_failure_not_inconclusive() -> None:
    ecs = client("ecs")
    failures = [{"arn": SERVICE_ARN, "reason": "MISSING"}]
    with Stubber(ecs) as stub:
        stub.add_response("describe_services", {"services": [], "failures": failures}, PARAMS)
        with pytest.raises(WaiterError) as err:
            wait_ecs_service_stable(ecs, SERVICE_ARN, profile=WaitProfile("t", 0, 3))
    assert type(err.value) is WaiterError


@pytest.mark.parametrize("service", ["tap-svc", "arn:aws:ecs:us-east-1:123456789012:service/tap-svc"])
def test_ecs_wait_without_a_cluster_is_an_error_not_the_default_cluster(service: str) -> None:
    ecs = client("ecs")
    with Stubber(ecs) as stub, pytest.raises(IdentifierError) as err:
        wait_ecs_service_stable(ecs, service, profile=WaitProfile("t", 0, 1))
    stub.assert_no_pending_responses()
    assert str(err.value) == (
        f"ECS service {service!r}: no cluster; pass cluster= (name or ARN) or the service's new-format ARN "
        "(arn:<partition>:ecs:<region>:<account>:service/<cluster>/<name>)"
    )


def test_ecs_wait_takes_the_cluster_argument() -> None:
    ecs = client("ecs")
    stable = {"serviceName": "tap-svc", "deployments": [{"id": "b"}], "runningCount": 1, "desiredCount": 1}
    with Stubber(ecs) as stub:
        stub.add_response("describe_services", {"services": [stable], "failures": []}, PARAMS)
        assert wait_ecs_service_stable(ecs, "tap-svc", "tap-source", profile=WaitProfile("t", 0, 1)) >= 0.0
        stub.assert_no_pending_responses()


def test_ecs_wait_on_an_unknown_cluster_names_it() -> None:
    ecs = client("ecs")
    with Stubber(ecs) as stub:
        stub.add_client_error("describe_services", "ClusterNotFoundException", "Cluster not found.", 400)
        with pytest.raises(IdentifierError) as err:
            wait_ecs_service_stable(ecs, "tap-svc", "tap-sourse", profile=WaitProfile("t", 0, 1))
    assert str(err.value) == (
        "ECS cluster 'tap-sourse' (for service 'tap-svc') does not exist in this account and region"
    )
