"""EncryptionAspect: SSE-S3 for buckets without encryption, others untouched."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from infra.aspects import EncryptionAspect


def _bucket_encryption(configure):
    app = cdk.App()
    stack = cdk.Stack(app, "AspectTest")
    configure(stack)
    cdk.Aspects.of(stack).add(EncryptionAspect())
    buckets = Template.from_stack(stack).find_resources("AWS::S3::Bucket")
    return [b["Properties"].get("BucketEncryption") for b in buckets.values()]


def test_bucket_without_encryption_gets_sse_s3():
    assert _bucket_encryption(lambda st: s3.CfnBucket(st, "Plain")) == [
        {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}]


def test_bucket_with_kms_encryption_is_left_alone():
    def configure(stack):
        s3.Bucket(stack, "Kms", encryption=s3.BucketEncryption.KMS, encryption_key=kms.Key(stack, "K"))

    (encryption,) = _bucket_encryption(configure)
    rule = encryption["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert rule["SSEAlgorithm"] == "aws:kms"
