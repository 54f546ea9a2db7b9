"""ARN parsing across partitions, resource type/ID separators and IAM paths."""

from __future__ import annotations

import pytest

from stackcheck.aws.arn import PARTITIONS, Arn, is_arn, parse_arn
from stackcheck.errors import IdentifierError

# text -> (partition, service, region, account, resource_type, resource_id, path, name)
PARSED = [
    ("arn:aws:s3:::tap-logs", ("aws", "s3", "", "", None, "tap-logs", None, "tap-logs")),
    (
        "arn:aws:s3:::tap-logs/AWSLogs/key.gz",
        ("aws", "s3", "", "", None, "tap-logs/AWSLogs/key.gz", None, "tap-logs/AWSLogs/key.gz"),
    ),
    (
        "arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap",
        ("aws", "s3", "us-west-2", "123456789012", "accesspoint", "my-ap", None, "my-ap"),
    ),
    (
        "arn:aws:sns:us-east-1:123456789012:tap-alarms",
        ("aws", "sns", "us-east-1", "123456789012", None, "tap-alarms", None, "tap-alarms"),
    ),
    (
        "arn:aws:iam::123456789012:role/dms-vpc-role",
        ("aws", "iam", "", "123456789012", "role", "dms-vpc-role", "/", "dms-vpc-role"),
    ),
    (
        "arn:aws:iam::123456789012:role/service-role/team/dms-cloudwatch-logs-role",
        (
            "aws",
            "iam",
            "",
            "123456789012",
            "role",
            "service-role/team/dms-cloudwatch-logs-role",
            "/service-role/team/",
            "dms-cloudwatch-logs-role",
        ),
    ),
    (
        "arn:aws:iam::aws:policy/AdministratorAccess",
        ("aws", "iam", "", "aws", "policy", "AdministratorAccess", "/", "AdministratorAccess"),
    ),
    (
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/tap-alb/50dc6c495c0c9188",
        (
            "aws",
            "elasticloadbalancing",
            "us-east-1",
            "123456789012",
            "loadbalancer",
            "app/tap-alb/50dc6c495c0c9188",
            None,
            "app/tap-alb/50dc6c495c0c9188",
        ),
    ),
    (
        "arn:aws:rds:eu-west-1:123456789012:db:tap-source-db",
        ("aws", "rds", "eu-west-1", "123456789012", "db", "tap-source-db", None, "tap-source-db"),
    ),
    (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:tap/db-AbCdEf",
        ("aws", "secretsmanager", "us-east-1", "123456789012", "secret", "tap/db-AbCdEf", None, "tap/db-AbCdEf"),
    ),
    (
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vpc/flow:*",
        ("aws", "logs", "us-east-1", "123456789012", "log-group", "/aws/vpc/flow:*", None, "/aws/vpc/flow:*"),
    ),
    (
        "arn:aws:dms:us-east-1:123456789012:rep:ABCDEFGHIJ",
        ("aws", "dms", "us-east-1", "123456789012", "rep", "ABCDEFGHIJ", None, "ABCDEFGHIJ"),
    ),
    (
        "arn:aws:route53:::hostedzone/Z0123456789ABC",
        ("aws", "route53", "", "", "hostedzone", "Z0123456789ABC", None, "Z0123456789ABC"),
    ),
    (
        "arn:aws-cn:ecs:cn-north-1:123456789012:service/tap/svc",
        ("aws-cn", "ecs", "cn-north-1", "123456789012", "service", "tap/svc", None, "tap/svc"),
    ),
    (
        "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        (
            "aws-us-gov",
            "kms",
            "us-gov-west-1",
            "123456789012",
            "key",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            None,
            "1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
    ),
    ("arn:aws-iso:iam::123456789012:role/a/b", ("aws-iso", "iam", "", "123456789012", "role", "a/b", "/a/", "b")),
    ("arn:aws-iso-b:s3:::bucket-b", ("aws-iso-b", "s3", "", "", None, "bucket-b", None, "bucket-b")),
    (
        "arn:aws-iso-e:sns:eu-isoe-west-1:123456789012:t",
        ("aws-iso-e", "sns", "eu-isoe-west-1", "123456789012", None, "t", None, "t"),
    ),
    (
        "arn:aws-iso-f:ec2:us-isof-south-1:123456789012:vpc/vpc-0a1b2c3d",
        ("aws-iso-f", "ec2", "us-isof-south-1", "123456789012", "vpc", "vpc-0a1b2c3d", None, "vpc-0a1b2c3d"),
    ),
    ("arn:aws-eusc:iam::123456789012:role/r", ("aws-eusc", "iam", "", "123456789012", "role", "r", "/", "r")),
    (
        "arn:aws-eusc:kms:eusc-de-east-1:123456789012:alias/tap",
        ("aws-eusc", "kms", "eusc-de-east-1", "123456789012", "alias", "tap", None, "tap"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), PARSED, ids=[t for t, _ in PARSED])
def test_parse_arn_fields(text: str, expected: tuple) -> None:
    arn = parse_arn(text)
    assert (
        arn.partition,
        arn.service,
        arn.region,
        arn.account,
        arn.resource_type,
        arn.resource_id,
        arn.path,
        arn.name,
    ) == expected
    assert str(arn) == text


def test_every_partition_parses() -> None:
    assert {parse_arn(f"arn:{p}:s3:::b-1").partition for p in PARTITIONS} == {
        "aws",
        "aws-cn",
        "aws-us-gov",
        "aws-iso",
        "aws-iso-b",
        "aws-iso-e",
        "aws-iso-f",
        "aws-eusc",
    }


def test_separator_recorded() -> None:
    assert parse_arn("arn:aws:rds:us-east-1:123456789012:db:x").separator == ":"
    assert parse_arn("arn:aws:iam::123456789012:role/x").separator == "/"
    assert parse_arn("arn:aws:sns:us-east-1:123456789012:x") == Arn(
        "aws", "sns", "us-east-1", "123456789012", "x", None, "x"
    )


BAD = [
    ("tap-logs", "is not an ARN"),
    ("arn:aws:s3::tap-logs", "is not an ARN"),
    ("urn:aws:s3:::b", "is not an ARN"),
    ("arn:aws-moon:s3:::b", "unknown partition 'aws-moon'"),
    ("arn:aws:S3:::b", "malformed service 'S3'"),
    ("arn:aws:rds:useast1:123456789012:db:x", "malformed region 'useast1'"),
    ("arn:aws:rds:us-east-1:1234:db:x", "malformed account ID '1234'"),
    ("arn:aws:s3:::", "empty resource"),
    ("arn:aws:rds:us-east-1:123456789012:db:", "resource type 'db' without a resource ID"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[t for t, _ in BAD])
def test_parse_arn_rejects(text: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message.replace("(", r"\(")):
        parse_arn(text)


def test_parse_arn_rejects_non_string() -> None:
    with pytest.raises(IdentifierError, match="expected an ARN string, got NoneType"):
        parse_arn(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "service", "resource_type", "expected"),
    [
        ("arn:aws:s3:::b-1", "s3", "", True),
        ("arn:aws:s3:::b-1", "s3", "bucket", False),
        ("arn:aws:ecs:us-east-1:123456789012:service/c/s", "ecs", "service", True),
        ("arn:aws:ecs:us-east-1:123456789012:service/c/s", "ecs", "cluster", False),
        ("arn:aws:ecs:us-east-1:123456789012:service/c/s", "iam", None, False),
        ("arn:aws:ecs:us-east-1:123456789012:service/c/s", None, None, True),
        ("not-an-arn", None, None, False),
        (42, None, None, False),
    ],
)
def test_is_arn(text: object, service: str | None, resource_type: str | None, expected: bool) -> None:
    assert is_arn(text, service, resource_type) is expected
