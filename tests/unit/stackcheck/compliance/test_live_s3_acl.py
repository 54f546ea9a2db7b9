"""The bucket reader's AccessControl: the canned ACL a GetBucketAcl answer's grants give the predefined groups."""

from __future__ import annotations

import pytest

from stackcheck.compliance.live.s3 import canned_acl

OWNER = {"Grantee": {"Type": "CanonicalUser", "ID": "abc123"}, "Permission": "FULL_CONTROL"}


def group(name: str, permission: str) -> dict:
    return {"Grantee": {"Type": "Group", "URI": f"http://acs.amazonaws.com/groups/{name}"}, "Permission": permission}


@pytest.mark.parametrize(
    ("grants", "expected"),
    [
        ([OWNER], "Private"),
        ([], "Private"),
        ([OWNER, group("global/AllUsers", "READ")], "PublicRead"),
        ([OWNER, group("global/AllUsers", "READ"), group("global/AllUsers", "WRITE")], "PublicReadWrite"),
        ([OWNER, group("global/AllUsers", "FULL_CONTROL")], "PublicReadWrite"),
        ([OWNER, group("global/AuthenticatedUsers", "READ")], "AuthenticatedRead"),
        ([OWNER, group("s3/LogDelivery", "WRITE"), group("s3/LogDelivery", "READ_ACP")], "LogDeliveryWrite"),
        ([OWNER, {"Grantee": {"Type": "CanonicalUser", "ID": "other"}, "Permission": "READ"}], "Private"),
    ],
)
def test_grants_map_to_the_canned_acl_that_gives_the_groups_as_much(grants, expected):
    assert canned_acl(grants) == expected


@pytest.mark.parametrize("declared", ["BucketOwnerFullControl", "BucketOwnerRead", "AwsExecRead"])
def test_canned_acls_s3_treats_as_private_on_a_bucket_answer_as_declared_while_the_grants_stay_private(declared):
    assert canned_acl([OWNER], declared) == declared
    assert canned_acl([OWNER, group("global/AllUsers", "READ")], declared) == "PublicRead"
    assert canned_acl([OWNER], "PublicRead") == "Private"  # a public ACL removed out of band stays drift
