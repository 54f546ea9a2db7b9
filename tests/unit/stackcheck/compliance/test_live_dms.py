"""The DMS readers on the emulator: endpoints, replication instances and tasks as the live template holds them."""

from __future__ import annotations

import json
from typing import Any

from tests.unit.stackcheck.compliance.test_live_readers import properties, read
from tests.unit.stackcheck.test_compliance import fixture

SETTINGS = {"Logging": {"EnableLogging": True}, "FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"}}
MAPPINGS = {
    "rules": [
        {
            "rule-type": "selection",
            "rule-id": "1",
            "rule-name": "all",
            "object-locator": {"schema-name": "public", "table-name": "%"},
            "rule-action": "include",
        }
    ]
}
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:fixture-db-AbCdEf"
ROLE = "arn:aws:iam::123456789012:role/fixture-dms-secrets"


def endpoint(kind: str) -> dict[str, Any]:
    return {
        "Type": "AWS::DMS::Endpoint",
        "Properties": {
            "EndpointIdentifier": f"fixture-{kind}",
            "EndpointType": kind,
            "EngineName": "postgres",
            "DatabaseName": "payments",
            "SslMode": "require",
            "PostgreSqlSettings": {"SecretsManagerSecretId": SECRET, "SecretsManagerAccessRoleArn": ROLE},
        },
    }


def database_with_a_migration() -> dict[str, Any]:
    """The database fixture with a DMS subnet group, replication instance, two endpoints and a task."""
    template = fixture("database")
    template["Resources"].update(
        {
            "DmsSubnets": {
                "Type": "AWS::DMS::ReplicationSubnetGroup",
                "Properties": {
                    "ReplicationSubnetGroupIdentifier": "fixture-dms",
                    "ReplicationSubnetGroupDescription": "fixture DMS subnets",
                    "SubnetIds": [{"Ref": "DataSubnetA"}, {"Ref": "DataSubnetB"}],
                },
            },
            "Replicator": {
                "Type": "AWS::DMS::ReplicationInstance",
                "Properties": {
                    "ReplicationInstanceIdentifier": "fixture-dms",
                    "ReplicationInstanceClass": "dms.t3.medium",
                    "AllocatedStorage": 50,
                    "PubliclyAccessible": False,
                    "ReplicationSubnetGroupIdentifier": {"Ref": "DmsSubnets"},
                },
            },
            "SourceEndpoint": endpoint("source"),
            "TargetEndpoint": endpoint("target"),
            "Task": {
                "Type": "AWS::DMS::ReplicationTask",
                "Properties": {
                    "ReplicationTaskIdentifier": "fixture-task",
                    "MigrationType": "full-load-and-cdc",
                    "ReplicationInstanceArn": {"Ref": "Replicator"},
                    "SourceEndpointArn": {"Ref": "SourceEndpoint"},
                    "TargetEndpointArn": {"Ref": "TargetEndpoint"},
                    "TableMappings": json.dumps(MAPPINGS),
                    "ReplicationTaskSettings": json.dumps(SETTINGS),
                },
            },
        }
    )
    return template


def test_dms_resources_read_under_their_cloudformation_property_names(deploy):
    live = deploy("database", template=database_with_a_migration())
    template = read(live, "AWS::DMS::Endpoint", "AWS::DMS::ReplicationInstance", "AWS::DMS::ReplicationTask")
    assert template.errors() == [], template.errors()
    assert properties(template, "SourceEndpoint") == {
        "EndpointIdentifier": "fixture-source",
        "EndpointType": "source",
        "EngineName": "postgres",
        "DatabaseName": "payments",
        "SslMode": "require",
        "PostgreSqlSettings": {"SecretsManagerSecretId": SECRET, "SecretsManagerAccessRoleArn": ROLE},
    }
    instance = properties(template, "Replicator")
    assert {k: instance[k] for k in ("ReplicationInstanceIdentifier", "PubliclyAccessible", "AllocatedStorage")} == {
        "ReplicationInstanceIdentifier": "fixture-dms",
        "PubliclyAccessible": False,
        "AllocatedStorage": 50,
    }
    assert instance["ReplicationSubnetGroupIdentifier"] == "fixture-dms"
    task = properties(template, "Task")
    assert {k: v for k, v in task.items() if k not in ("TableMappings", "ReplicationTaskSettings")} == {
        "ReplicationTaskIdentifier": "fixture-task",
        "MigrationType": "full-load-and-cdc",
        "ReplicationInstanceArn": live.physical_id("Replicator"),
        "SourceEndpointArn": live.physical_id("SourceEndpoint"),
        "TargetEndpointArn": live.physical_id("TargetEndpoint"),
    }
    assert (json.loads(task["TableMappings"]), json.loads(task["ReplicationTaskSettings"])) == (MAPPINGS, SETTINGS)
    assert template.resources["Task"].operations == ["dms:DescribeReplicationTasks"]


def test_task_without_logging_fails_ckv_tap_10_on_the_live_task(deploy):
    """The emulator has no ModifyReplicationTask (moto does not implement it), so the task is deployed without
    logging: the live form reads the settings DMS answers and fails them, saying the template fails too."""
    template = database_with_a_migration()
    clean = deploy("database", template=template).check()
    assert ("CKV_TAP_10", "Task", "PASSED") in {(f.rule_id, f.logical_id, f.status.value) for f in clean.scan.findings}
    task = template["Resources"]["Task"]["Properties"]
    task["ReplicationTaskSettings"] = json.dumps({**SETTINGS, "Logging": {"EnableLogging": False}})
    result = deploy("database", template=template).check()
    assert {(f.rule_id, f.logical_id) for f in result.scan.failures()} == {("CKV_TAP_10", "Task")}
    (finding,) = result.scan.failures()
    assert "Logging.EnableLogging is false, so task logging is off" in finding.message
    assert "via dms:DescribeReplicationTasks" in finding.message
    assert "the template fails this rule too" in finding.message


def test_checkovs_dms_checks_run_live_on_the_replication_instance(deploy, every_form):
    live = deploy("database", template=database_with_a_migration())
    result = live.check(forms=every_form)
    judged = {(f.rule_id, f.status.value) for f in result.scan.findings if f.logical_id == "Replicator"}
    assert judged == {("CKV_AWS_89", "PASSED")}
    assert result.exit_code == 0, [f.message for f in result.scan.failures()]


def test_replication_subnet_group_reads_identifier_description_and_subnets(deploy):
    live = deploy("database", template=database_with_a_migration())
    template = read(live, "AWS::DMS::ReplicationSubnetGroup")
    assert template.errors() == [], template.errors()
    assert properties(template, "DmsSubnets") == {
        "ReplicationSubnetGroupIdentifier": "fixture-dms",
        "ReplicationSubnetGroupDescription": "fixture DMS subnets",
        "SubnetIds": [{"Ref": "DataSubnetA"}, {"Ref": "DataSubnetB"}],
    }
    assert template.resources["DmsSubnets"].operations == ["dms:DescribeReplicationSubnetGroups"]


def test_identifiers_dms_keeps_in_lower_case_read_as_declared_so_they_are_no_drift(deploy):
    from stackcheck.drift.live import LiveDrift

    template = database_with_a_migration()
    resources = template["Resources"]
    resources["DmsSubnets"]["Properties"]["ReplicationSubnetGroupIdentifier"] = "Fixture-DMS"
    resources["Replicator"]["Properties"]["ReplicationInstanceIdentifier"] = "Fixture-Replicator"
    live = deploy("database", template=template)
    read_back = read(live, "AWS::DMS::ReplicationSubnetGroup", "AWS::DMS::ReplicationInstance")
    assert properties(read_back, "DmsSubnets")["ReplicationSubnetGroupIdentifier"] == "Fixture-DMS"
    assert properties(read_back, "Replicator")["ReplicationInstanceIdentifier"] == "Fixture-Replicator"
    (result,) = LiveDrift(live.factory()).detect(live.assembly.dependency_order())
    found = {r.logical_id: r.status.value for r in result.resources if r.resource_type.startswith("AWS::DMS::")}
    assert set(found.values()) == {"IN_SYNC"}, found
