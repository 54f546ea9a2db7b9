"""Assertion helpers: identifiers compared after normalization, error codes; tracebacks hide the helper."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from stackcheck.aws.asserts import IDENTIFIER_KINDS, assert_error_code, assert_same_identifier

pytest_plugins = ["pytester"]

ACCT = "123456789012"


@pytest.mark.parametrize(
    ("kind", "actual", "expected"),
    [
        ("bucket", "arn:aws:s3:::tap-logs", "tap-logs"),
        ("hosted_zone_id", "/hostedzone/Z0123ABC", "Z0123ABC"),
        ("change_id", "/change/C1", "C1"),
        ("zone_name", "Payments.Example.com.", "payments.example.com"),
        ("dns_name", "dualstack.tap-1.us-east-1.elb.amazonaws.com.", "TAP-1.us-east-1.elb.amazonaws.com"),
        ("endpoint", "db.x.us-east-1.rds.amazonaws.com:5432", "DB.x.us-east-1.rds.amazonaws.com:5432"),
        ("role", f"arn:aws:iam::{ACCT}:role/service-role/dms-vpc-role", "dms-vpc-role"),
        ("secret", f"arn:aws:secretsmanager:us-east-1:{ACCT}:secret:tap/db-AbCdEf", "tap/db"),
        ("ecs_cluster", f"arn:aws:ecs:us-east-1:{ACCT}:cluster/tap", "tap"),
        (
            "ecs_service",
            f"arn:aws:ecs:us-east-1:{ACCT}:service/tap/svc",
            f"arn:aws:ecs:us-east-1:{ACCT}:service/tap/svc",
        ),
        (
            "kms_key",
            f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        ("log_group", f"arn:aws:logs:us-east-1:{ACCT}:log-group:/aws/x:*", "/aws/x"),
    ],
)
def test_same_identifier_passes(kind: str, actual: str, expected: str) -> None:
    assert_same_identifier(kind, actual, expected)


def test_every_kind_is_covered() -> None:
    assert set(IDENTIFIER_KINDS) == {
        "bucket",
        "hosted_zone_id",
        "change_id",
        "delegation_set_id",
        "zone_name",
        "dns_name",
        "endpoint",
        "role",
        "secret",
        "ecs_cluster",
        "ecs_service",
        "kms_key",
        "log_group",
    }


def test_same_identifier_failure_message() -> None:
    with pytest.raises(AssertionError) as err:
        assert_same_identifier("hosted_zone_id", "/hostedzone/Z1", "Z2")
    assert str(err.value) == "hosted_zone_id differs: '/hostedzone/Z1' (-> 'Z1') != 'Z2' (-> 'Z2')"


def error(code: str, message: str = "m") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "GetBucketPolicy")


def test_error_code_helper() -> None:
    assert_error_code(error("NoSuchBucket"), "NoSuchBucket")
    with pytest.raises(ClientError) as info:
        raise error("AccessDenied")
    assert_error_code(info, "NoSuchBucket", "AccessDenied")
    with pytest.raises(AssertionError) as err:
        assert_error_code(error("AccessDenied", "Access Denied"), "NoSuchBucket")
    assert str(err.value) == "expected AWS error code NoSuchBucket, got 'AccessDenied': Access Denied"


def test_helper_frames_hidden_from_tracebacks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        from stackcheck.aws.asserts import assert_same_identifier

        def test_zone():
            assert_same_identifier("hosted_zone_id", "/hostedzone/Z1", "Z2")
    """)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "hosted_zone_id differs: '/hostedzone/Z1' (-> 'Z1') != 'Z2' (-> 'Z2')" in text
    assert "asserts.py" not in text


def test_same_identifier_passes_context_to_the_comparison() -> None:
    assert_same_identifier("ecs_service", f"arn:aws:ecs:us-east-1:{ACCT}:service/tap/svc", "svc", cluster="tap")
    assert_same_identifier(
        "endpoint",
        {"Address": "db.x.us-east-1.rds.amazonaws.com", "Port": 5432},
        "db.x.us-east-1.rds.amazonaws.com",
        engine="postgres",
    )


@pytest.mark.parametrize(
    ("kind", "actual", "expected", "message"),
    [
        (
            "ecs_service",
            f"arn:aws:ecs:us-east-1:{ACCT}:service/tap/svc",
            "svc",
            f"ecs_service: cannot tell whether 'arn:aws:ecs:us-east-1:{ACCT}:service/tap/svc' and 'svc' are the same: "
            "'svc' carries no cluster (bare name or old-format ARN); pass cluster=",
        ),
        (
            "ecs_service",
            f"arn:aws:ecs:us-east-1:{ACCT}:service/tap/svc",
            f"arn:aws:ecs:us-east-1:{ACCT}:service/other/svc",
            f"ecs_service differs: 'arn:aws:ecs:us-east-1:{ACCT}:service/tap/svc' != "
            f"'arn:aws:ecs:us-east-1:{ACCT}:service/other/svc': cluster 'tap' != 'other'",
        ),
        (
            "role",
            f"arn:aws:iam::{ACCT}:role/service-role/dms-vpc-role",
            "arn:aws:iam::210987654321:role/service-role/dms-vpc-role",
            f"role differs: 'arn:aws:iam::{ACCT}:role/service-role/dms-vpc-role' != "
            "'arn:aws:iam::210987654321:role/service-role/dms-vpc-role': account differs: '123456789012' != '210987654321'",
        ),
        (
            "kms_key",
            f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            f"arn:aws:kms:eu-west-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            f"kms_key differs: 'arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab' != "
            f"'arn:aws:kms:eu-west-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab': region differs: 'us-east-1' != 'eu-west-1'",
        ),
    ],
)
def test_same_identifier_fails_on_no_and_on_cannot_tell(kind: str, actual: str, expected: str, message: str) -> None:
    with pytest.raises(AssertionError) as err:
        assert_same_identifier(kind, actual, expected)
    assert str(err.value) == message


def test_context_on_a_kind_without_comparison_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="kind 'zone_name' takes no context; got cluster"):
        assert_same_identifier("zone_name", "a.example.com", "a.example.com", cluster="c")
