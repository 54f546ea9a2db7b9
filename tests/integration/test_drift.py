"""Out-of-band changes CloudFormation's drift detection would report, found by the live-template diff.

The embedded emulator has no DetectStackDrift, so the live-template method alone runs there; against AWS
it is the same method (`stackcheck drift` merges it with DetectStackDrift). These change shared state, so
`make integration` runs them serially with the other out-of-band checks.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import pytest

from stackcheck.drift.live import LiveDrift

pytestmark = pytest.mark.outofband


def modified(cloud_assembly, aws_client, live_compliance) -> set[tuple[str, str, str, str]]:
    """(construct path, property path, expected, actual) of every difference the live-template diff finds, read
    through the session's compliance snapshot (what a call through ``aws_client`` changed is read again)."""
    stacks = cloud_assembly.dependency_order()
    return {
        (resource.construct_path or resource.logical_id, d.property_path, d.expected, d.actual)
        for stack in LiveDrift(aws_client, reader=live_compliance.live_reader()).detect(stacks, stacks)
        for resource in stack.resources
        for d in resource.differences
        if d.allowed_by is None
    }


@contextlib.contextmanager
def database_listener_and_weight(
    aws_client, outputs, emulator: bool, stack_id
) -> Iterator[set[tuple[str, str, str, str]]]:
    """Backups and deletion protection turned off, the listener moved to another port and a cutover weight
    raised; yields the differences they make (construct path, property path, expected, actual), then restores."""
    rds, elbv2 = aws_client("rds"), aws_client("elbv2")
    database = outputs.get(role="source", kind="db_instance", attr="id")
    (before,) = rds.describe_db_instances(DBInstanceIdentifier=database)["DBInstances"]
    (listener,) = elbv2.describe_listeners(
        LoadBalancerArn=outputs.get(role="target", kind="load_balancer", attr="arn")
    )["Listeners"]
    # On AWS, retention 0 deletes the automated backups: there the change lengthens retention instead.
    retention = 0 if emulator else before["BackupRetentionPeriod"] + 1
    route53 = aws_client("route53")
    zone = outputs.get(role=None, kind="hosted_zone", attr="id")
    (record,) = [
        r
        for r in route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
        if r.get("SetIdentifier") == "target"
    ]
    if "AliasTarget" in record:  # the emulator leaves out EvaluateTargetHealth, which an UPSERT requires
        record = {**record, "AliasTarget": {"EvaluateTargetHealth": False, **record["AliasTarget"]}}
    try:
        rds.modify_db_instance(
            DBInstanceIdentifier=database,
            BackupRetentionPeriod=retention,
            DeletionProtection=False,
            ApplyImmediately=True,
        )
        elbv2.modify_listener(ListenerArn=listener["ListenerArn"], Port=8081)
        weighted = {"Action": "UPSERT", "ResourceRecordSet": {**record, "Weight": record["Weight"] + 25}}
        route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [weighted]})
        source, target = stack_id("Source"), stack_id("Target")
        yield {
            (f"/{source}/Database/Instance/Resource", "/BackupRetentionPeriod", "7", str(retention)),
            (f"/{source}/Database/Instance/Resource", "/DeletionProtection", "true", "false"),
            (f"/{target}/Web/LoadBalancer/HttpListener/Resource", "/Port", "80", "8081"),
            (f"/{stack_id('Route53')}/TargetAliasRecord/Resource", "/Weight", "0", "25"),
        }
    finally:
        restored = {"Action": "UPSERT", "ResourceRecordSet": record}
        route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [restored]})
        elbv2.modify_listener(ListenerArn=listener["ListenerArn"], Port=listener["Port"])
        rds.modify_db_instance(
            DBInstanceIdentifier=database,
            BackupRetentionPeriod=before["BackupRetentionPeriod"],
            DeletionProtection=before["DeletionProtection"],
            ApplyImmediately=True,
        )


@contextlib.contextmanager
def permissions_egress_capacity_addressing_and_key(
    cloud_assembly, aws_client, outputs, emulator: bool, stack_id
) -> Iterator[set[tuple[str, str]]]:
    """A managed policy attached to the task role, egress opened on the database's security group, the service
    scaled to zero, a data subnet turned to public IPs, the DMS VPC role's trust widened and (on the emulator
    only: on AWS it would cut the database off its key) the data key disabled; yields the (construct path,
    property path) of the differences they make, then restores."""
    iam, ec2, ecs, kms = aws_client("iam"), aws_client("ec2"), aws_client("ecs"), aws_client("kms")
    source, target = stack_id("Source"), stack_id("Target")
    task_definition = ecs.describe_task_definition(
        taskDefinition=outputs.get(role="target", kind="task_definition", attr="arn")
    )["taskDefinition"]
    task_role = task_definition["taskRoleArn"].rsplit("/", 1)[-1]
    group = outputs.get(role="source", kind="db_security_group", attr="id")
    cluster = outputs.get(role="target", kind="ecs_cluster", attr="name")
    service = outputs.get(role="target", kind="ecs_service", attr="name")
    (before,) = ecs.describe_services(cluster=cluster, services=[service])["services"]
    resources = aws_client("cloudformation").describe_stack_resources(
        StackName=cloud_assembly.stack(source).stack_name
    )["StackResources"]
    subnet = next(
        r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"].startswith("NetworkVpcDataSubnet1Subnet")
    )
    role = outputs.get(role=None, kind="dms_role", attr="name", qualifier="vpc")
    trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    key = outputs.get(role="source", kind="kms_key", attr="arn")
    widened = {
        **trust,
        "Statement": [*trust["Statement"], {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    everything = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    policy = iam.create_policy(
        PolicyName="stackcheck-integration-wide",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )["Policy"]["Arn"]
    try:
        iam.attach_role_policy(RoleName=task_role, PolicyArn=policy)
        ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[everything])
        ecs.update_service(cluster=cluster, service=service, desiredCount=0)
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(widened))
        if emulator:
            kms.disable_key(KeyId=key)
        expected = {
            (f"/{target}/Web/TaskDefinition/TaskRole/Resource", "/ManagedPolicyArns/0"),
            (f"/{source}/Database/SecurityGroup/Resource", "/SecurityGroupEgress/1"),
            (f"/{target}/Web/Service/Service", "/DesiredCount"),
            (f"/{source}/Network/Vpc/DataSubnet1/Subnet", "/MapPublicIpOnLaunch"),
            (f"/{stack_id('DmsPrereq')}/DmsVpcRole/Resource", "/AssumeRolePolicyDocument/Statement/1"),
        }
        if emulator:
            expected.add((f"/{source}/DataKey/Resource", "/Enabled"))
        yield expected
    finally:
        if emulator:
            kms.enable_key(KeyId=key)
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(trust))
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": False})
        ecs.update_service(cluster=cluster, service=service, desiredCount=before["desiredCount"])
        ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[everything])
        iam.detach_role_policy(RoleName=task_role, PolicyArn=policy)
        iam.delete_policy(PolicyArn=policy)


def test_changes_made_out_of_band_are_drift_naming_each_resource_and_property(
    cloud_assembly, aws_client, outputs, emulator_record, aws_endpoint_url, stack_id, live_compliance
):
    emulator = emulator_record is not None and aws_endpoint_url == emulator_record.endpoint_url
    with (
        database_listener_and_weight(aws_client, outputs, emulator, stack_id) as values,
        permissions_egress_capacity_addressing_and_key(
            cloud_assembly, aws_client, outputs, emulator, stack_id
        ) as paths,
    ):
        found = modified(cloud_assembly, aws_client, live_compliance)
    assert {d for d in found if d[:2] not in paths} == values
    assert {d[:2] for d in found if d[:2] in paths} == paths
    assert modified(cloud_assembly, aws_client, live_compliance) == set()  # restored: as deployed, no drift
