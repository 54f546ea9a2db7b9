"""The IAM instance profile reader on the emulator: a profile's name, path and role, exactly; its role removed is drift."""

from __future__ import annotations

import pytest

from stackcheck.drift.live import LiveDrift
from tests.unit.stackcheck.compliance.test_live_readers import properties, read

pytestmark = pytest.mark.emulator

PROFILE = "AWS::IAM::InstanceProfile"
TEMPLATE = {
    "Resources": {
        "HostRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": "fixture-host",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                    ],
                },
            },
        },
        "HostProfile": {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {"Path": "/fleet/", "Roles": [{"Ref": "HostRole"}]},
        },
    }
}


def test_an_instance_profile_reads_its_role_and_one_removed_out_of_band_is_drift(deploy):
    live = deploy("instance-profile", template=TEMPLATE)
    name = live.physical_id("HostProfile")
    template = read(live, PROFILE)
    assert properties(template, "HostProfile") == {
        "InstanceProfileName": name,
        "Path": "/fleet/",
        "Roles": ["fixture-host"],
    }
    assert template.resources["HostProfile"].operations == ["iam:GetInstanceProfile"]
    stacks = live.assembly.dependency_order()
    (clean,) = LiveDrift(live.factory()).detect(stacks, stacks)
    assert {r.logical_id: r.status.value for r in clean.resources} == {"HostRole": "IN_SYNC", "HostProfile": "IN_SYNC"}
    live.aws("iam").remove_role_from_instance_profile(InstanceProfileName=name, RoleName="fixture-host")
    (after,) = LiveDrift(live.factory()).detect(stacks, stacks)
    (profile,) = [r for r in after.resources if r.logical_id == "HostProfile"]
    assert (profile.status.value, [(d.property_path, d.difference_type) for d in profile.differences]) == (
        "MODIFIED",
        [("/Roles/0", "REMOVE")],
    )


def test_a_deleted_instance_profile_is_gone(deploy):
    live = deploy("instance-profile", template=TEMPLATE)
    name = live.physical_id("HostProfile")
    iam = live.aws("iam")
    iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName="fixture-host")
    iam.delete_instance_profile(InstanceProfileName=name)
    assert read(live, PROFILE).resources["HostProfile"].gone is True
