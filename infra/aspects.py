"""Cross-cutting aspects applied to every stack of the app."""

from __future__ import annotations

import jsii
from aws_cdk import IAspect
from aws_cdk import aws_s3 as s3
from constructs import IConstruct


@jsii.implements(IAspect)
class EncryptionAspect:
    """Give SSE-S3 default encryption to every S3 bucket that declares none.

    Buckets that already declare ``BucketEncryption`` (SSE-S3 or SSE-KMS) are left as they are.
    See https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-bucketencryption.html
    """

    def visit(self, node: IConstruct) -> None:
        """Set ``BucketEncryption`` to AES256 on an ``AWS::S3::Bucket`` that has none."""
        if isinstance(node, s3.CfnBucket) and node.bucket_encryption is None:
            node.bucket_encryption = s3.CfnBucket.BucketEncryptionProperty(
                server_side_encryption_configuration=[
                    s3.CfnBucket.ServerSideEncryptionRuleProperty(
                        server_side_encryption_by_default=s3.CfnBucket.ServerSideEncryptionByDefaultProperty(
                            sse_algorithm="AES256"
                        )
                    )
                ]
            )
