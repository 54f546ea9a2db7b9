"""Logs buckets: exist, encrypted, versioned, private, TLS-only."""

from __future__ import annotations

from stackcheck.aws.parsers import (
    bucket_policy,
    bucket_public_access_block,
    denies_insecure_transport,
    versioning_status,
)
from tests.integration.checks import assert_bucket_encrypted


def test_logs_bucket_exists_by_name(outputs, aws_client, role):
    bucket = outputs.get(role=role, kind="bucket", attr="name")
    aws_client("s3").head_bucket(Bucket=bucket)
    assert bucket == f"payment-logs-{role}-dev"


def test_logs_bucket_is_encrypted(outputs, aws_client, role):
    assert_bucket_encrypted(aws_client("s3"), outputs.get(role=role, kind="bucket", attr="name"))


def test_logs_bucket_is_versioned(outputs, aws_client, role):
    bucket = outputs.get(role=role, kind="bucket", attr="name")
    assert versioning_status(aws_client("s3").get_bucket_versioning(Bucket=bucket)) == "Enabled"


def test_logs_bucket_blocks_all_public_access(outputs, aws_client, role):
    bucket = outputs.get(role=role, kind="bucket", attr="name")
    block = bucket_public_access_block(aws_client("s3"), bucket)
    assert block.all_on, f"bucket {bucket}: public access block {block}"


def test_logs_bucket_policy_denies_insecure_transport(outputs, aws_client, role):
    bucket = outputs.get(role=role, kind="bucket", attr="name")
    policy = bucket_policy(aws_client("s3"), bucket)
    assert policy is not None, f"bucket {bucket}: no bucket policy"
    assert denies_insecure_transport(policy, bucket), f"bucket {bucket}: policy does not deny non-TLS requests"
