"""Out-of-band changes made through the API are seen by the matching check, then restored.

These change shared state, so `make integration` runs them serially after the other checks.
"""

from __future__ import annotations

import pytest

from stackcheck.aws.parsers import bucket_public_access_block
from tests.integration.checks import assert_ingress_only

pytestmark = pytest.mark.outofband


def test_public_policies_allowed_on_the_bucket_fail_the_public_access_check(outputs, aws_client):
    # Not "encryption deleted": AWS puts every bucket back on SSE-S3 (DeleteBucketEncryption), so no check could see it.
    s3 = aws_client("s3")
    bucket = outputs.get(role="source", kind="bucket", attr="name")
    original = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={**original, "BlockPublicPolicy": False})
    try:
        block = bucket_public_access_block(s3, bucket)
        assert not block.all_on
        assert block.block_public_policy is False
    finally:
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=original)
    assert bucket_public_access_block(s3, bucket).all_on


def test_port_8080_opened_on_the_service_fails_the_ingress_check(outputs, aws_client):
    ec2 = aws_client("ec2")
    group = outputs.get(role="target", kind="service_security_group", attr="id")
    alb_group = outputs.get(role="target", kind="alb_security_group", attr="id")
    expected = {("tcp", 80, 80, alb_group)}
    opened = [{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=opened)
    try:
        with pytest.raises(
            AssertionError, match=rf"security group {group}: .*unexpected \[\('tcp', 8080, 8080, '0.0.0.0/0'\)\]"
        ):
            assert_ingress_only(ec2, group, expected)
    finally:
        ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=opened)
    assert_ingress_only(ec2, group, expected)
