"""DMS: endpoints through Secrets Manager, private replication instance, service roles, the task."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest

from stackcheck.aws import normalize

DMS_PRINCIPALS = {"dms.amazonaws.com", "dms.us-east-1.amazonaws.com"}


def _trusted_services(role: dict) -> set[str]:
    document = role["AssumeRolePolicyDocument"]
    document = json.loads(unquote(document)) if isinstance(document, str) else document
    services: set[str] = set()
    for statement in document["Statement"]:
        if statement["Effect"] == "Allow" and "sts:AssumeRole" in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        ):
            service = statement.get("Principal", {}).get("Service", [])
            services.update([service] if isinstance(service, str) else service)
    return services


def test_dms_endpoint_reads_credentials_from_secrets_manager(outputs, aws_client, role):
    arn = outputs.get(role=role, kind="dms_endpoint", attr="arn")
    (endpoint,) = aws_client("dms").describe_endpoints(Filters=[{"Name": "endpoint-arn", "Values": [arn]}])["Endpoints"]
    assert (endpoint["EndpointType"].lower(), endpoint["EngineName"]) == (role, "postgres")
    settings = endpoint["PostgreSQLSettings"]
    assert normalize.same_secret(
        settings["SecretsManagerSecretId"], outputs.get(role=role, kind="db_secret", attr="arn")
    )
    assert settings["SecretsManagerAccessRoleArn"] == outputs.get(
        role=role, kind="dms_role", attr="arn", qualifier="secrets access"
    )
    assert "Username" not in endpoint and "Password" not in endpoint


def test_replication_instance_is_not_public(outputs, aws_client, role):
    arn = outputs.get(role=role, kind="dms_replication_instance", attr="arn")
    (instance,) = aws_client("dms").describe_replication_instances(
        Filters=[{"Name": "replication-instance-arn", "Values": [arn]}]
    )["ReplicationInstances"]
    assert instance["PubliclyAccessible"] is False


@pytest.mark.parametrize("qualifier", ["vpc", "cloudwatch logs"])
def test_dms_service_role_trusts_both_principals(outputs, aws_client, qualifier):
    name = outputs.get(role=None, kind="dms_role", attr="name", qualifier=qualifier)
    role = aws_client("iam").get_role(RoleName=name)["Role"]
    assert role["RoleName"] in {"dms-vpc-role", "dms-cloudwatch-logs-role"}
    assert _trusted_services(role) == DMS_PRINCIPALS


def test_replication_task_is_full_load_and_cdc_from_source_to_target(outputs, aws_client):
    arn = outputs.get(role=None, kind="replication_task", attr="arn")
    (task,) = aws_client("dms").describe_replication_tasks(Filters=[{"Name": "replication-task-arn", "Values": [arn]}])[
        "ReplicationTasks"
    ]
    assert task["MigrationType"] == "full-load-and-cdc"
    assert (task["SourceEndpointArn"], task["TargetEndpointArn"], task["ReplicationInstanceArn"]) == (
        outputs.get(role="source", kind="dms_endpoint", attr="arn"),
        outputs.get(role="target", kind="dms_endpoint", attr="arn"),
        outputs.get(role="target", kind="dms_replication_instance", attr="arn"),
    )


def test_peering_connects_target_dms_subnets_to_the_source_database(outputs, aws_client):
    ec2 = aws_client("ec2")
    source_vpc = outputs.get(role="source", kind="vpc", attr="id")
    target_vpc = outputs.get(role="target", kind="vpc", attr="id")
    (peering,) = ec2.describe_vpc_peering_connections(
        Filters=[{"Name": "requester-vpc-info.vpc-id", "Values": [target_vpc]}]
    )["VpcPeeringConnections"]
    assert (peering["AccepterVpcInfo"]["VpcId"], peering["Status"]["Code"]) == (source_vpc, "active")
    routes = {
        (table["VpcId"], route["DestinationCidrBlock"])
        for table in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [source_vpc, target_vpc]}])[
            "RouteTables"
        ]
        for route in table["Routes"]
        if route.get("VpcPeeringConnectionId") == peering["VpcPeeringConnectionId"]
    }
    assert routes == {(target_vpc, "10.10.0.0/16"), (source_vpc, "10.20.0.0/16")}
