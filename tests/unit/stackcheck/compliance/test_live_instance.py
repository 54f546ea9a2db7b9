"""The EC2 instance reader on the emulator: an instance's CloudFormation-shaped properties, exactly; its security
groups swapped out of band are drift, and a terminated instance is gone."""

from __future__ import annotations

import base64

import pytest

from stackcheck.drift.live import LiveDrift
from tests.unit.stackcheck.compliance.test_live_readers import properties, read

pytestmark = pytest.mark.emulator

INSTANCE = "AWS::EC2::Instance"
USER_DATA = base64.b64encode(b"#!/bin/bash\necho ready\n").decode()
TEMPLATE = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.80.0.0/16"}},
        "Subnet": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.80.1.0/24", "AvailabilityZone": "us-east-1a"},
        },
        "Bastion": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "bastion", "VpcId": {"Ref": "Vpc"}},
        },
        "Other": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "other", "VpcId": {"Ref": "Vpc"}},
        },
        "Host": {
            "Type": "AWS::EC2::Instance",
            "Properties": {
                "ImageId": "ami-12c6146b",
                "InstanceType": "t3.nano",
                "SubnetId": {"Ref": "Subnet"},
                "SecurityGroupIds": [{"Fn::GetAtt": ["Bastion", "GroupId"]}],
                "UserData": {"Fn::Base64": "#!/bin/bash\necho ready\n"},
                "Monitoring": True,
                "SourceDestCheck": False,
                "Tags": [{"Key": "Name", "Value": "fixture-bastion"}],
            },
        },
    }
}


def test_an_instance_reads_its_image_type_subnet_groups_user_data_and_tags(deploy):
    live = deploy("instance", template=TEMPLATE)
    template = read(live, INSTANCE)
    host = properties(template, "Host")
    assert {
        k: host[k]
        for k in (
            "ImageId",
            "InstanceType",
            "SubnetId",
            "SecurityGroupIds",
            "UserData",
            "Monitoring",
            "SourceDestCheck",
            "Tags",
        )
    } == {
        "ImageId": "ami-12c6146b",
        "InstanceType": "t3.nano",
        "SubnetId": live.physical_id("Subnet"),
        "SecurityGroupIds": [live.physical_id("Bastion")],
        "UserData": USER_DATA,
        "Monitoring": True,
        "SourceDestCheck": False,
        "Tags": [{"Key": "Name", "Value": "fixture-bastion"}],
    }
    assert "KeyName" not in host and "IamInstanceProfile" not in host
    assert template.resources["Host"].operations == ["ec2:DescribeInstances", "ec2:DescribeInstanceAttribute"]
    stacks = live.assembly.dependency_order()
    (clean,) = LiveDrift(live.factory()).detect(stacks, stacks)
    assert {r.logical_id: r.status.value for r in clean.resources if r.logical_id == "Host"} == {"Host": "IN_SYNC"}
    live.aws("ec2").modify_instance_attribute(InstanceId=live.physical_id("Host"), Groups=[live.physical_id("Other")])
    (after,) = LiveDrift(live.factory()).detect(stacks, stacks)
    (host_after,) = [r for r in after.resources if r.logical_id == "Host"]
    assert (host_after.status.value, sorted((d.property_path, d.difference_type) for d in host_after.differences)) == (
        "MODIFIED",
        [("/SecurityGroupIds/0", "ADD"), ("/SecurityGroupIds/0", "REMOVE")],
    )


def test_a_terminated_instance_is_gone(deploy):
    live = deploy("instance", template=TEMPLATE)
    live.aws("ec2").terminate_instances(InstanceIds=[live.physical_id("Host")])
    assert read(live, INSTANCE).resources["Host"].gone is True
