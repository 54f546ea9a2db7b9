"""Identifier normalization: Route 53 IDs and names, DNS names, endpoints, IAM roles, secrets, ECS services, KMS keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from stackcheck.aws import normalize as n
from stackcheck.errors import IdentifierError

ACCOUNT = "123456789012"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
MRK_ID = "mrk-1234abcd12ab34cd56ef1234567890ab"

# (function, input, expected output)
NORMALIZED: list[tuple[Callable[..., Any], Any, Any]] = [
    (n.hosted_zone_id, "Z0123456789ABCDEFGHIJ", "Z0123456789ABCDEFGHIJ"),
    (n.hosted_zone_id, "/hostedzone/Z0123456789ABCDEFGHIJ", "Z0123456789ABCDEFGHIJ"),
    (n.hosted_zone_id, "hostedzone/Z0123456789ABCDEFGHIJ", "Z0123456789ABCDEFGHIJ"),
    (n.hosted_zone_id, "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ", "Z0123456789ABCDEFGHIJ"),
    (n.hosted_zone_id, "/hostedzone/z35sxdotrq7x7k", "Z35SXDOTRQ7X7K"),
    (n.hosted_zone_id, "0A1B2C3D4E5F6G7H8I9J0K", "0A1B2C3D4E5F6G7H8I9J0K"),  # moto: 22 characters, no Z
    (n.change_id, "/change/C2682N5HXP0BZ4", "C2682N5HXP0BZ4"),
    (n.change_id, "C2682N5HXP0BZ4", "C2682N5HXP0BZ4"),
    (n.zone_name, "payments.example.com", "payments.example.com."),
    (n.zone_name, "payments.example.com.", "payments.example.com."),
    (n.zone_name, "Payments.EXAMPLE.com.", "payments.example.com."),
    (n.zone_name, "\\052.payments.example.com.", "*.payments.example.com."),
    (n.dns_name, "dualstack.tap-alb-1234.us-east-1.elb.amazonaws.com.", "tap-alb-1234.us-east-1.elb.amazonaws.com"),
    (n.dns_name, "DualStack.Tap-ALB-1234.us-east-1.ELB.amazonaws.com", "tap-alb-1234.us-east-1.elb.amazonaws.com"),
    (n.dns_name, "tap-alb-1234.us-east-1.elb.amazonaws.com", "tap-alb-1234.us-east-1.elb.amazonaws.com"),
    (
        n.split_endpoint,
        "tap-db.abc123.us-east-1.rds.amazonaws.com",
        ("tap-db.abc123.us-east-1.rds.amazonaws.com", None),
    ),
    (
        n.split_endpoint,
        "TAP-db.abc123.us-east-1.rds.amazonaws.com:5432",
        ("tap-db.abc123.us-east-1.rds.amazonaws.com", 5432),
    ),
    (n.iam_role_name, "dms-vpc-role", "dms-vpc-role"),
    (n.iam_role_name, f"arn:aws:iam::{ACCOUNT}:role/dms-vpc-role", "dms-vpc-role"),
    (n.iam_role_name, f"arn:aws:iam::{ACCOUNT}:role/service-role/dms-cloudwatch-logs-role", "dms-cloudwatch-logs-role"),
    (n.iam_role_name, f"arn:aws-us-gov:iam::{ACCOUNT}:role/a/b/c/r1", "r1"),
    (n.secret_name, "tap/source/db", "tap/source/db"),
    (n.secret_name, f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tap/source/db-AbCdEf", "tap/source/db"),
    (n.secret_name, f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tapdb-x1Y2z3", "tapdb"),
    (n.secret_name, "tapdb-x1Y2z3", "tapdb-x1Y2z3"),  # a name is never cut
    (n.bucket_name, "tap-logs-123", "tap-logs-123"),
    (n.bucket_name, "arn:aws:s3:::tap-logs-123", "tap-logs-123"),
    (n.bucket_name, "arn:aws-cn:s3:::tap-logs-123", "tap-logs-123"),
    (n.bucket_name, "arn:aws:s3:::tap-logs/AWSLogs/*", "tap-logs"),  # an object ARN reduces to its bucket
    (n.ecs_cluster_name, "tap-source", "tap-source"),
    (n.ecs_cluster_name, f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/tap-source", "tap-source"),
    (n.ecs_service, "tap-svc", n.EcsServiceRef("tap-svc", None)),
    (
        n.ecs_service,
        f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/tap-svc",
        n.EcsServiceRef("tap-svc", None, "us-east-1", ACCOUNT, "aws"),
    ),
    (
        n.ecs_service,
        f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/tap-source/tap-svc",
        n.EcsServiceRef("tap-svc", "tap-source", "us-east-1", ACCOUNT, "aws"),
    ),
    (n.kms_key, KEY_ID, n.KmsKeyRef(key_id=KEY_ID)),
    (n.kms_key, MRK_ID, n.KmsKeyRef(key_id=MRK_ID)),
    (
        n.kms_key,
        f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}",
        n.KmsKeyRef(key_id=KEY_ID, region="us-east-1", account=ACCOUNT, partition="aws"),
    ),
    (n.kms_key, "alias/tap/source", n.KmsKeyRef(alias="alias/tap/source")),
    (
        n.kms_key,
        f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/tap-source",
        n.KmsKeyRef(alias="alias/tap-source", region="us-east-1", account=ACCOUNT, partition="aws"),
    ),
    (n.log_group_name, "/aws/vpc/flowlogs/tap", "/aws/vpc/flowlogs/tap"),
    (n.log_group_name, f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/vpc/flowlogs/tap:*", "/aws/vpc/flowlogs/tap"),
    (n.log_group_name, f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/vpc/flowlogs/tap", "/aws/vpc/flowlogs/tap"),
]


@pytest.mark.parametrize(
    ("fn", "value", "expected"), NORMALIZED, ids=[f"{fn.__name__}:{value}" for fn, value, _ in NORMALIZED]
)
def test_normalizes(fn: Callable[..., Any], value: Any, expected: Any) -> None:
    assert fn(value) == expected


REJECTED: list[tuple[Callable[..., Any], str, str]] = [
    (n.hosted_zone_id, "/hostedzone/", "is not a Route 53 hosted zone ID"),
    (n.hosted_zone_id, "Z-123", "is not a Route 53 hosted zone ID"),
    (n.change_id, "/change/", "is not a Route 53 change ID"),
    (n.zone_name, "", "is not a DNS name"),
    (n.zone_name, "bad..example.com", "is not a DNS name"),
    (n.zone_name, "-bad.example.com", "is not a DNS name"),
    (n.split_endpoint, "db.example.com:0", "port '0' is not a number from 1 to 65535"),
    (n.split_endpoint, "db.example.com:http", "port 'http' is not a number from 1 to 65535"),
    (n.split_endpoint, "localhost:5432", "is not a hostname"),
    (n.iam_role_name, f"arn:aws:iam::{ACCOUNT}:user/alice", "is not an IAM role ARN"),
    (n.iam_role_name, "a" * 65, "is not a valid IAM role name"),
    (n.secret_name, f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}", "is not a Secrets Manager secret ARN"),
    (n.bucket_name, f"arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/my-ap", "it does not name its bucket"),
    (n.bucket_name, f"arn:aws:sns:us-east-1:{ACCOUNT}:topic", "is not an S3 ARN"),
    (n.bucket_name, "Tap_Logs", "is not a valid S3 bucket name"),
    (n.ecs_cluster_name, f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/c/s", "is not an ECS cluster ARN"),
    (n.ecs_service, f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/c", "is not an ECS service ARN"),
    (n.ecs_service, f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/a/b/c", "expected service/<name> or service/<cluster>"),
    (n.kms_key, "not-a-key", "is not a KMS key ID, key ARN, alias name or alias ARN"),
    (n.kms_key, f"arn:aws:kms:us-east-1:{ACCOUNT}:key/not-a-uuid", "is not a KMS key ARN or alias ARN"),
    (n.log_group_name, f"arn:aws:logs:us-east-1:{ACCOUNT}:log-stream:x", "is not a CloudWatch Logs log group ARN"),
]


@pytest.mark.parametrize(
    ("fn", "value", "message"), REJECTED, ids=[f"{fn.__name__}:{value}" for fn, value, _ in REJECTED]
)
def test_rejects(fn: Callable[..., Any], value: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message.replace("(", r"\(")):
        fn(value)


def test_identifier_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        n.hosted_zone_id("?")


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("tap-logs", True),
        ("a.b.c", True),
        ("abc", True),
        ("ab", False),
        ("a" * 63, True),
        ("a" * 64, False),
        ("Tap-logs", False),
        ("tap_logs", False),
        ("-tap", False),
        ("tap-", False),
        ("tap..logs", False),
        ("192.168.5.4", False),
        ("xn--tap", False),
        ("sthree-tap", False),
        ("amzn-s3-demo-bucket", False),
        ("tap-s3alias", False),
        ("tap--ol-s3", False),
        ("tap.mrap", False),
        ("tap--x-s3", False),
        ("tap--table-s3", False),
        ("arn:aws:s3:::tap-logs", False),
        (None, False),
    ],
)
def test_is_bucket_name(name: Any, valid: bool) -> None:
    assert n.is_bucket_name(name) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("tap-db.abc.us-east-1.rds.amazonaws.com", True),
        ("example.com", True),
        ("localhost", False),
        ("db.example.com:5432", False),
        ("https://example.com", False),
        ("*.example.com", False),
        (5432, False),
    ],
)
def test_is_hostname(value: Any, valid: bool) -> None:
    assert n.is_hostname(value) is valid


@pytest.mark.parametrize(
    ("fn", "a", "b", "same"),
    [
        (n.same_dns_name, "dualstack.Tap-1.us-east-1.elb.amazonaws.com.", "tap-1.us-east-1.elb.amazonaws.com", True),
        (n.same_dns_name, "tap-1.us-east-1.elb.amazonaws.com", "tap-2.us-east-1.elb.amazonaws.com", False),
        (n.same_secret, f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tap/db-AbCdEf", "tap/db", True),
        (n.same_secret, "tap/db", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tap/db-AbCdEf", True),
        (
            n.same_secret,
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tap/db-AbCdEf",
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tap/db-ZzZzZz",
            False,
        ),
        (n.same_secret, "tap/db", "tap/db2", False),
        (n.same_ecs_service, f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/svc", "svc", True),
        (
            n.same_ecs_service,
            f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/c1/svc",
            f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/svc",
            None,  # the old-format ARN carries no cluster
        ),
        (
            n.same_ecs_service,
            f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/c1/svc",
            f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/c2/svc",
            False,
        ),
        (n.same_ecs_service, "svc-a", "svc-b", False),
        (n.same_kms_key, KEY_ID, f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}", True),
        (
            n.same_kms_key,
            f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}",
            f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{KEY_ID}",
            False,
        ),
        (n.same_kms_key, "alias/tap", f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/tap", True),
        (n.same_kms_key, "alias/tap", "alias/tap2", None),  # two aliases may point at one key
    ],
)
def test_same(fn: Callable[[str, str], Any], a: str, b: str, same: bool | None) -> None:
    result = fn(a, b)
    assert (result if isinstance(result, bool) else result.same) is same


def test_ecs_service_cluster_argument() -> None:
    assert n.ecs_service("svc", f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/tap") == n.EcsServiceRef("svc", "tap")
    assert n.ecs_service(f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/svc", "tap") == n.EcsServiceRef(
        "svc", "tap", "us-east-1", ACCOUNT, "aws"
    )
    with pytest.raises(IdentifierError, match="belongs to cluster 'c1', not 'c2'"):
        n.ecs_service(f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/c1/svc", "c2")


def test_key_and_alias_cannot_be_compared_offline() -> None:
    assert n.same_kms_key(KEY_ID, "alias/tap") == n.Match(
        None,
        "cannot tell without DescribeKey: 'alias/tap' is an alias; pass describe_key=DescribeKey(KeyId='alias/tap')'s answer",
    )
