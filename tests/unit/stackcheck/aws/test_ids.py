"""Identifier families beyond the real-world corpus: partitions, the ARN builder, DescribeKey / DescribeSecret canonicalisation, Route 53 ARN forms, RDS ports."""

from __future__ import annotations

import pytest

from stackcheck.aws import normalize as n
from stackcheck.aws.arn import PARTITIONS, build_arn, partition_for_region, same_arn
from stackcheck.errors import IdentifierError

A = "123456789012"
KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"
SM = f"arn:aws:secretsmanager:us-east-1:{A}:secret:"


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("ap-southeast-2", "aws"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-east-1", "aws-us-gov"),
        ("us-iso-west-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eusc-de-east-1", "aws-eusc"),
    ],
)
def test_partition_for_region(region: str, partition: str) -> None:
    assert partition_for_region(region) == partition
    assert partition in PARTITIONS


def test_partition_for_a_malformed_region_raises() -> None:
    with pytest.raises(IdentifierError, match="'EU' is not an AWS region code"):
        partition_for_region("EU")


def test_build_arn_regional_and_explicit_partition() -> None:
    assert (
        build_arn("kms", f"key/{KEY}", region="us-gov-west-1", account=A)
        == f"arn:aws-us-gov:kms:us-gov-west-1:{A}:key/{KEY}"
    )
    assert build_arn("s3", "b-1", partition="aws-iso-b") == "arn:aws-iso-b:s3:::b-1"


def test_same_arn_never_ignores_a_component() -> None:
    base = f"arn:aws:iam::{A}:role/service-role/r"
    assert same_arn(base, base)
    assert not same_arn(base, f"arn:aws:iam::{A}:role/r")
    assert not same_arn(base, f"arn:aws-cn:iam::{A}:role/service-role/r")
    assert not same_arn(base, "arn:aws:iam::210987654321:role/service-role/r")


def test_kms_key_canonicalised_through_describe_key() -> None:
    answer = {"KeyMetadata": {"KeyId": KEY, "Arn": f"arn:aws:kms:us-east-1:{A}:key/{KEY}"}}
    assert n.kms_key("alias/tap", answer) == n.KmsKeyRef(KEY, "alias/tap", "us-east-1", A, "aws")
    assert n.kms_key_arn("alias/tap", answer) == f"arn:aws:kms:us-east-1:{A}:key/{KEY}"
    with pytest.raises(IdentifierError, match="region differs: 'eu-west-1' != 'us-east-1'"):
        n.kms_key(f"arn:aws:kms:eu-west-1:{A}:alias/tap", answer)
    with pytest.raises(IdentifierError, match="cannot be told offline"):
        n.kms_key_arn("alias/tap")


def test_kms_key_context_fills_bare_ids() -> None:
    arn = f"arn:aws:kms:us-east-1:{A}:key/{KEY}"
    assert n.same_kms_key(KEY, arn, region="us-east-1", account=A).same is True
    assert n.same_kms_key(KEY, arn, region="eu-west-1").same is False


def test_secret_ref_full_arn_with_any_suffix_when_told() -> None:
    assert n.secret_ref(SM + "tap/db-MoSlv", partial=False).name == "tap/db"
    with pytest.raises(IdentifierError, match="has no '-<suffix>'"):
        n.secret_ref(SM + "tapdb", partial=False)


def test_secret_ref_marks_the_documented_ambiguity() -> None:
    assert n.secret_ref(SM + "tap/db-AbCdEf") == n.SecretRef(
        "tap/db", "tap/db-AbCdEf", False, "AbCdEf", True, "aws", "us-east-1", A
    )
    assert n.secret_ref(SM + "tap/db").partial is True


def test_full_secret_arn_without_a_match_raises() -> None:
    with pytest.raises(IdentifierError, match="no secret among the candidates matches 'tap/db'"):
        n.full_secret_arn("tap/db", [SM + "tap/other-AbCdEf"])


def test_same_secret_describe_says_no_for_another_secret() -> None:
    describe = {"ARN": SM + "tap/db-AbCdEf", "Name": "tap/db"}
    assert n.same_secret(SM + "tap/db", "tap/db", describe=describe).same is True
    assert n.same_secret(SM + "tap/db-AbCdEf", SM + "tap/db-ZzZzZz", describe=describe).same is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("arn:aws:route53:::hostedzone/Z1", n.Route53Id("hostedzone", "Z1")),
        ("arn:aws:route53:::change/c1", n.Route53Id("change", "C1")),
        ("delegationset/N1", n.Route53Id("delegationset", "N1")),
    ],
)
def test_route53_id_forms(value: str, expected: n.Route53Id) -> None:
    assert n.route53_id(value) == expected


def test_route53_bare_id_needs_a_kind() -> None:
    with pytest.raises(IdentifierError, match="carries no Route 53 prefix"):
        n.route53_id("Z1")


def test_rds_endpoint_port_sources() -> None:
    host = "db.abc.us-east-1.rds.amazonaws.com"
    assert n.rds_endpoint(host, port="3306") == n.RdsEndpoint(host, 3306)
    assert n.rds_endpoint(host, engine="aurora-postgresql") == n.RdsEndpoint(host, 5432)
    with pytest.raises(IdentifierError, match="says port 5432, but port 3306 was given"):
        n.rds_endpoint(f"{host}:5432", port=3306)
    with pytest.raises(IdentifierError, match="no default port known for engine 'neptune'"):
        n.default_port("neptune")


def test_iam_role_names_compare_case_insensitively_within_an_account() -> None:
    assert n.same_iam_role(f"arn:aws:iam::{A}:role/PRODROLE", "prodrole").same is True
    assert n.same_iam_role(f"arn:aws:iam::{A}:role/r", "r", account="210987654321").same is False


def test_s3_access_point_arn() -> None:
    assert n.s3_ref(f"arn:aws:s3:us-west-2:{A}:accesspoint/my-ap") == n.S3Ref(
        "access_point", None, None, "my-ap", "aws", "us-west-2", A
    )
