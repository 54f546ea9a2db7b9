"""The Auto Scaling group reader on the emulator: a group's CloudFormation-shaped properties, exactly; out-of-band
changes to its size and target groups are drift."""

from __future__ import annotations

import pytest

from stackcheck.drift.live import LiveDrift
from tests.unit.stackcheck.compliance.test_live_readers import properties, read

pytestmark = pytest.mark.emulator

GROUP = "AWS::AutoScaling::AutoScalingGroup"
TEMPLATE = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.70.0.0/16"}},
        "Subnet": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.70.1.0/24", "AvailabilityZone": "us-east-1a"},
        },
        "Targets": {
            "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
            "Properties": {"Port": 80, "Protocol": "HTTP", "VpcId": {"Ref": "Vpc"}},
        },
        "Launch": {
            "Type": "AWS::AutoScaling::LaunchConfiguration",
            "Properties": {"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"},
        },
        "Fleet": {
            "Type": "AWS::AutoScaling::AutoScalingGroup",
            "Properties": {
                "AutoScalingGroupName": "fixture-fleet",
                "MinSize": "1",
                "MaxSize": "3",
                "DesiredCapacity": "1",
                "LaunchConfigurationName": {"Ref": "Launch"},
                "VPCZoneIdentifier": [{"Ref": "Subnet"}],
                "TargetGroupARNs": [{"Ref": "Targets"}],
                "HealthCheckType": "ELB",
                "HealthCheckGracePeriod": 120,
                "Tags": [{"Key": "Name", "Value": "fixture-fleet", "PropagateAtLaunch": True}],
            },
        },
    }
}


def test_a_group_reads_its_size_subnets_targets_and_tags_and_changes_out_of_band_are_drift(deploy):
    live = deploy("autoscaling", template=TEMPLATE)
    template = read(live, GROUP)
    fleet = properties(template, "Fleet")
    assert fleet == {
        "AutoScalingGroupName": "fixture-fleet",
        "MinSize": 1,
        "MaxSize": 3,
        "DesiredCapacity": 1,
        "VPCZoneIdentifier": [live.physical_id("Subnet")],
        "LaunchConfigurationName": live.physical_id("Launch"),
        "TargetGroupARNs": [live.physical_id("Targets")],
        "LoadBalancerNames": [],
        "HealthCheckType": "ELB",
        "HealthCheckGracePeriod": 120,
        "Tags": [{"Key": "Name", "Value": "fixture-fleet", "PropagateAtLaunch": True}],
        # Auto Scaling's defaults for what the template leaves out, as DescribeAutoScalingGroups answers them
        "Cooldown": 300,
        "NewInstancesProtectedFromScaleIn": False,
        "TerminationPolicies": ["Default"],
    }
    assert template.resources["Fleet"].operations == ["autoscaling:DescribeAutoScalingGroups"]
    stacks = live.assembly.dependency_order()
    (clean,) = LiveDrift(live.factory()).detect(stacks, stacks)
    assert {r.logical_id: r.status.value for r in clean.resources if r.logical_id == "Fleet"} == {"Fleet": "IN_SYNC"}
    autoscaling = live.aws("autoscaling")
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="fixture-fleet", MaxSize=10)
    autoscaling.detach_load_balancer_target_groups(
        AutoScalingGroupName="fixture-fleet", TargetGroupARNs=[live.physical_id("Targets")]
    )
    (after,) = LiveDrift(live.factory()).detect(stacks, stacks)
    (fleet_after,) = [r for r in after.resources if r.logical_id == "Fleet"]
    assert (
        fleet_after.status.value,
        sorted((d.property_path, d.difference_type) for d in fleet_after.differences),
    ) == (
        "MODIFIED",
        [("/MaxSize", "NOT_EQUAL"), ("/TargetGroupARNs/0", "REMOVE")],
    )


def test_a_deleted_group_is_gone(deploy):
    live = deploy("autoscaling", template=TEMPLATE)
    live.aws("autoscaling").delete_auto_scaling_group(AutoScalingGroupName="fixture-fleet", ForceDelete=True)
    assert read(live, GROUP).resources["Fleet"].gone is True


def test_a_launch_configuration_reads_as_declared(deploy):
    live = deploy("autoscaling", template=TEMPLATE)
    template = read(live, "AWS::AutoScaling::LaunchConfiguration")
    launch = properties(template, "Launch")
    assert {k: launch[k] for k in ("LaunchConfigurationName", "ImageId", "InstanceType", "SecurityGroups")} == {
        "LaunchConfigurationName": live.physical_id("Launch"),
        "ImageId": "ami-12c6146b",
        "InstanceType": "t3.micro",
        "SecurityGroups": [],
    }
    assert "UserData" not in launch and "KeyName" not in launch
    assert template.resources["Launch"].operations == ["autoscaling:DescribeLaunchConfigurations"]
    stacks = live.assembly.dependency_order()
    (clean,) = LiveDrift(live.factory()).detect(stacks, stacks)
    assert {r.logical_id: r.status.value for r in clean.resources if r.logical_id == "Launch"} == {"Launch": "IN_SYNC"}
