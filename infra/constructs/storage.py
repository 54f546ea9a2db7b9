"""Storage: the environment's logs bucket (encrypted, versioned, private, TLS-only)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct


class LogsBucket(Construct):
    """S3 bucket ``bucket_name`` for access logs of the ALB and of the bucket itself.

    SSE-S3 (ALB access logs can only be delivered to SSE-S3 buckets), versioning on, all four
    public-access-block flags on, a bucket policy denying requests without TLS, objects owned by
    the bucket owner, and non-current versions expiring after 90 days.
    Attribute: ``bucket`` (s3.Bucket).
    """

    def __init__(self, scope: Construct, construct_id: str, *, bucket_name: str) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_prefix="s3-access-logs/",
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(90))],
            removal_policy=RemovalPolicy.RETAIN,
        )
