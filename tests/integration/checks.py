"""Check functions shared by the post-deploy tests and the out-of-band tests that must see them fail.

Each takes boto3 clients and resolved identifiers, and raises AssertionError with a message
naming the resource and what differs.
"""

from __future__ import annotations

from typing import Any

from stackcheck.aws.parsers import bucket_default_encryption


def assert_bucket_encrypted(s3: Any, bucket: str) -> None:
    """Default encryption of ``bucket`` is AES256 or aws:kms (GetBucketEncryption)."""
    __tracebackhide__ = True
    encryption = bucket_default_encryption(s3, bucket)
    assert encryption.enabled, f"bucket {bucket}: no default encryption"
    assert set(encryption.algorithms) <= {"AES256", "aws:kms", "aws:kms:dsse"}, (
        f"bucket {bucket}: default encryption algorithms {sorted(encryption.algorithms)}"
    )


def ingress_rules(ec2: Any, group_id: str) -> set[tuple[str, int | None, int | None, str]]:
    """Ingress of ``group_id`` as {(protocol, from_port, to_port, source)}; source is a group ID or CIDR."""
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    rules = set()
    for permission in group["IpPermissions"]:
        key = (permission["IpProtocol"], permission.get("FromPort"), permission.get("ToPort"))
        for pair in permission.get("UserIdGroupPairs", []):
            rules.add((*key, pair["GroupId"]))
        for ip_range in permission.get("IpRanges", []):
            rules.add((*key, ip_range["CidrIp"]))
        for ip_range in permission.get("Ipv6Ranges", []):
            rules.add((*key, ip_range["CidrIpv6"]))
    return rules


def assert_ingress_only(ec2: Any, group_id: str, expected: set[tuple[str, int, int, str]]) -> None:
    """The ingress rules of ``group_id`` are exactly ``expected``."""
    __tracebackhide__ = True
    actual = ingress_rules(ec2, group_id)
    assert actual == expected, (
        f"security group {group_id}: ingress {sorted(actual, key=str)} differs from "
        f"{sorted(expected, key=str)}; unexpected {sorted(actual - expected, key=str)}"
    )
