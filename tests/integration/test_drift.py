"""Out-of-band changes CloudFormation's drift detection would report, found by the live-template diff.

The embedded emulator has no DetectStackDrift, so the live-template method alone runs there; against AWS
it is the same method (`stackcheck drift` merges it with DetectStackDrift). These change shared state, so
`make integration` runs them serially with the other out-of-band checks.
"""

from __future__ import annotations

from typing import Any

import pytest

from stackcheck.drift.live import LiveDrift

pytestmark = pytest.mark.outofband


def modified(cloud_assembly, aws_client) -> set[tuple[str, str, str, str]]:
    """(construct path, property path, expected, actual) of every difference the live-template diff finds."""
    stacks = cloud_assembly.dependency_order()
    return {
        (resource.construct_path or resource.logical_id, d.property_path, d.expected, d.actual)
        for stack in LiveDrift(aws_client).detect(stacks, stacks)
        for resource in stack.resources
        for d in resource.differences
        if d.allowed_by is None
    }


def test_backups_deletion_protection_listener_port_and_cutover_weight_changed_out_of_band_are_drift(
    cloud_assembly, aws_client, outputs, emulator_record, aws_endpoint_url, stack_id
):
    rds, elbv2 = aws_client("rds"), aws_client("elbv2")
    database = outputs.get(role="source", kind="db_instance", attr="id")
    (before,) = rds.describe_db_instances(DBInstanceIdentifier=database)["DBInstances"]
    (listener,) = elbv2.describe_listeners(
        LoadBalancerArn=outputs.get(role="target", kind="load_balancer", attr="arn")
    )["Listeners"]
    # On AWS, retention 0 deletes the automated backups: there the change lengthens retention instead.
    emulator = emulator_record is not None and aws_endpoint_url == emulator_record.endpoint_url
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
        found: Any = modified(cloud_assembly, aws_client)
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
    source, target = stack_id("Source"), stack_id("Target")
    assert found == {
        (f"/{source}/Database/Instance/Resource", "/BackupRetentionPeriod", "7", str(retention)),
        (f"/{source}/Database/Instance/Resource", "/DeletionProtection", "true", "false"),
        (f"/{target}/Web/LoadBalancer/HttpListener/Resource", "/Port", "80", "8081"),
        (f"/{stack_id('Route53')}/TargetAliasRecord/Resource", "/Weight", "0", "25"),
    }
    assert modified(cloud_assembly, aws_client) == set()  # restored: the deployment as deployed has no drift
