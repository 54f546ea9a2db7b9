"""DMS for the emulator: AWS::DMS::ReplicationSubnetGroup, ::ReplicationInstance, ::Endpoint, ::ReplicationTask on moto's backend."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model, patch, relies_on

__all__ = ["Endpoint", "ReplicationInstance", "ReplicationSubnetGroup", "ReplicationTask", "dms_identifier"]

DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-{}.html"

relies_on("moto.dms.models", "dms_backends")
relies_on(
    "moto.dms.models",
    "DatabaseMigrationServiceBackend.create_replication_subnet_group",
    params=("replication_subnet_group_identifier", "replication_subnet_group_description", "subnet_ids", "tags"),
)
relies_on(
    "moto.dms.models",
    "DatabaseMigrationServiceBackend.delete_replication_subnet_group",
    params=("replication_subnet_group_identifier",),
)
relies_on(
    "moto.dms.models",
    "DatabaseMigrationServiceBackend.create_replication_instance",
    params=(
        "replication_instance_identifier",
        "replication_instance_class",
        "allocated_storage",
        "vpc_security_group_ids",
        "availability_zone",
        "replication_subnet_group_identifier",
        "preferred_maintenance_window",
        "multi_az",
        "engine_version",
        "auto_minor_version_upgrade",
        "tags",
        "kms_key_id",
        "publicly_accessible",
        "resource_identifier",
        "network_type",
    ),
)
relies_on(
    "moto.dms.models",
    "DatabaseMigrationServiceBackend.delete_replication_instance",
    params=("replication_instance_arn",),
)
relies_on(
    "moto.dms.models",
    "DatabaseMigrationServiceBackend.create_endpoint",
    params=(
        "endpoint_identifier",
        "endpoint_type",
        "engine_name",
        "username",
        "password",
        "server_name",
        "port",
        "database_name",
        "extra_connection_attributes",
        "kms_key_id",
        "tags",
        "certificate_arn",
        "ssl_mode",
        "service_access_role_arn",
        "external_table_definition",
        "dms_transfer_settings",
        "timestream_settings",
        "postgre_sql_settings",
        "my_sql_settings",
        "s3_settings",
        "resource_identifier",
    ),
)
relies_on("moto.dms.models", "DatabaseMigrationServiceBackend.delete_endpoint", params=("endpoint_arn",))
relies_on(
    "moto.dms.models",
    "DatabaseMigrationServiceBackend.create_replication_task",
    params=(
        "replication_task_identifier",
        "source_endpoint_arn",
        "target_endpoint_arn",
        "replication_instance_arn",
        "migration_type",
        "table_mappings",
        "replication_task_settings",
        "tags",
    ),
)
relies_on(
    "moto.dms.models", "DatabaseMigrationServiceBackend.delete_replication_task", params=("replication_task_arn",)
)
relies_on(
    "moto.dms.models",
    "FakeReplicationInstance.__init__",
    assigns=("arn", "private_ip_addresses", "public_ip_addresses"),
)
relies_on("moto.dms.models", "Endpoint.__init__", assigns=("endpoint_arn",))
relies_on("moto.dms.models", "FakeReplicationTask.__init__", assigns=("arn",))
relies_on("moto.dms.models", "FakeReplicationTask.ready")
relies_on("moto.ec2.models", "ec2_backends")
relies_on("moto.ec2.models.subnets", "SubnetBackend.get_subnet", params=("subnet_id",))

# CloudFormation spells some endpoint settings differently from the DMS API (and moto's backend).
_SETTINGS = {
    "DocDbSettings": "doc_db_settings",
    "DynamoDbSettings": "dynamo_db_settings",
    "ElasticsearchSettings": "elasticsearch_settings",
    "GcpMySQLSettings": "gcp_my_sql_settings",
    "IbmDb2Settings": "ibm_db2_settings",
    "KafkaSettings": "kafka_settings",
    "KinesisSettings": "kinesis_settings",
    "MicrosoftSqlServerSettings": "microsoft_sql_server_settings",
    "MongoDbSettings": "mongo_db_settings",
    "MySqlSettings": "my_sql_settings",
    "NeptuneSettings": "neptune_settings",
    "OracleSettings": "oracle_settings",
    "PostgreSqlSettings": "postgre_sql_settings",
    "RedisSettings": "redis_settings",
    "RedshiftSettings": "redshift_settings",
    "S3Settings": "s3_settings",
    "SybaseSettings": "sybase_settings",
}


def _backend(account_id: str, region_name: str) -> Any:
    from moto.dms.models import dms_backends

    return dms_backends[account_id][region_name]


def dms_identifier(name: str) -> str:
    """A DMS identifier from ``name``: lowercase ASCII letters, digits and single hyphens, at most
    63 characters, starting with a letter, not ending with a hyphen (what DMS accepts and stores)."""
    ident = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", name.lower()))[:63].strip("-")
    return ident if ident[:1].isalpha() else f"d{ident}"[:63].rstrip("-")


def _tags(properties: dict[str, Any]) -> list[dict[str, str]]:
    return [{"Key": t["Key"], "Value": t["Value"]} for t in properties.get("Tags") or []]


def _bool(value: Any, default: bool | None) -> bool | None:
    return default if value is None else str(value).lower() == "true"


class _ArnModel(ExtensionModel):
    """Shared shape: Ref and GetAtt Id are the ARN (see ExtensionModel on why each model below also
    names CloudFormationModel as a base)."""

    PHYSICAL_ID = "arn"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Id": "arn"}
    arn: str


@extended_model
class ReplicationSubnetGroup(ExtensionModel, CloudFormationModel):
    """AWS::DMS::ReplicationSubnetGroup. Ref is the (lowercase) identifier. moto's backend drops
    SubnetIds; this model keeps them, with their VPC and zones from moto's EC2 backend, and
    DescribeReplicationSubnetGroups reports them.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-replicationsubnetgroup.html
    """

    CFN_TYPE = "AWS::DMS::ReplicationSubnetGroup"
    CFN_NAME_TYPE = "ReplicationSubnetGroupIdentifier"
    PHYSICAL_ID = "identifier"

    def __init__(self, identifier: str, fake: Any):
        self.identifier = identifier
        self.fake = fake

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> ReplicationSubnetGroup:
        from moto.ec2.models import ec2_backends

        properties = cloudformation_json.get("Properties", {})
        identifier = dms_identifier(properties.get("ReplicationSubnetGroupIdentifier") or resource_name)
        subnet_ids = list(properties.get("SubnetIds") or [])
        ec2 = ec2_backends[account_id][region_name]
        subnets = [ec2.get_subnet(subnet_id) for subnet_id in subnet_ids]
        fake = _backend(account_id, region_name).create_replication_subnet_group(
            replication_subnet_group_identifier=identifier,
            replication_subnet_group_description=properties.get("ReplicationSubnetGroupDescription", ""),
            subnet_ids=subnet_ids,
            tags=_tags(properties),
        )
        fake.stackcheck_network = {
            "VpcId": subnets[0].vpc_id if subnets else None,
            "Subnets": [
                {
                    "SubnetIdentifier": s.id,
                    "SubnetAvailabilityZone": {"Name": s.availability_zone},
                    "SubnetStatus": "Active",
                }
                for s in subnets
            ],
        }
        return cls(identifier, fake)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_replication_subnet_group(self.identifier)


@patch(
    "moto.dms.models",
    "FakeReplicationSubnetGroup.to_dict",
    kind="method",
    resource_type="AWS::DMS::ReplicationSubnetGroup",
    adds=("SubnetIds", "VpcId"),
    doc_url=DOC.format("replicationsubnetgroup"),
)
def subnet_group_to_dict(original: Callable[[], dict[str, Any]], group: Any) -> dict[str, Any]:
    """moto answers a fixed vpc-12345/subnet-12345; report the subnets the group was created with.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-replicationsubnetgroup.html
    """
    result = original()
    network = getattr(group, "stackcheck_network", None)
    if network:
        result.update(network)
    return result


@patch(
    "moto.dms.models",
    "FakeReplicationInstance.to_dict",
    kind="method",
    resource_type="AWS::DMS::ReplicationInstance",
    adds=("ReplicationSubnetGroupIdentifier",),
    doc_url=DOC.format("replicationinstance"),
)
def replication_instance_to_dict(original: Callable[[], dict[str, Any]], instance: Any) -> dict[str, Any]:
    """moto answers a fixed subnet group; report the one the instance was created in.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-replicationinstance.html
    """
    result = original()
    group = getattr(instance, "stackcheck_subnet_group", None)
    if group is not None:
        result["ReplicationSubnetGroup"] = group.to_dict()
    return result


@extended_model
class ReplicationInstance(_ArnModel, CloudFormationModel):
    """AWS::DMS::ReplicationInstance. Ref and GetAtt Id are the ARN; GetAtt
    ReplicationInstancePrivateIpAddresses / ReplicationInstancePublicIpAddresses answer moto's
    addresses.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-replicationinstance.html
    """

    CFN_TYPE = "AWS::DMS::ReplicationInstance"
    CFN_NAME_TYPE = "ReplicationInstanceIdentifier"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {
        "Id": "arn",
        "ReplicationInstancePrivateIpAddresses": "fake.private_ip_addresses",
        "ReplicationInstancePublicIpAddresses": "fake.public_ip_addresses",
    }

    def __init__(self, fake: Any):
        self.fake = fake
        self.arn = fake.arn

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> ReplicationInstance:
        properties = cloudformation_json.get("Properties", {})
        backend = _backend(account_id, region_name)
        group_id = properties.get("ReplicationSubnetGroupIdentifier")
        group_id = group_id.lower() if group_id else None
        fake = backend.create_replication_instance(
            replication_instance_identifier=dms_identifier(
                properties.get("ReplicationInstanceIdentifier") or resource_name
            ),
            replication_instance_class=properties["ReplicationInstanceClass"],
            allocated_storage=int(properties["AllocatedStorage"]) if "AllocatedStorage" in properties else None,
            vpc_security_group_ids=list(properties.get("VpcSecurityGroupIds") or []),
            availability_zone=properties.get("AvailabilityZone"),
            replication_subnet_group_identifier=group_id,
            preferred_maintenance_window=properties.get("PreferredMaintenanceWindow"),
            multi_az=_bool(properties.get("MultiAZ"), False),
            engine_version=properties.get("EngineVersion"),
            auto_minor_version_upgrade=_bool(properties.get("AutoMinorVersionUpgrade"), True),
            tags=_tags(properties),
            kms_key_id=properties.get("KmsKeyId"),
            publicly_accessible=_bool(properties.get("PubliclyAccessible"), True),
            resource_identifier=properties.get("ResourceIdentifier"),
            network_type=properties.get("NetworkType"),
        )
        if group_id and group_id in backend.replication_subnet_groups:
            fake.stackcheck_subnet_group = backend.replication_subnet_groups[group_id]
        return cls(fake)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_replication_instance(self.arn)


@extended_model
class Endpoint(_ArnModel, CloudFormationModel):
    """AWS::DMS::Endpoint. Every ``*Settings`` property is kept under its DMS API name (CloudFormation ``PostgreSqlSettings`` → API ``PostgreSQLSettings``, with
    ``SecretsManagerSecretId`` and ``SecretsManagerAccessRoleArn``), so DescribeEndpoints answers
    it. Ref and GetAtt Id are the ARN; GetAtt ExternalId answers the endpoint's external id.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-endpoint.html
    """

    CFN_TYPE = "AWS::DMS::Endpoint"
    CFN_NAME_TYPE = "EndpointIdentifier"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Id": "arn", "ExternalId": "external_id"}

    def __init__(self, fake: Any):
        self.fake = fake
        self.arn = fake.endpoint_arn

    @property
    def external_id(self) -> str:
        return self.fake.external_id or self.fake.id

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> Endpoint:
        properties = cloudformation_json.get("Properties", {})
        settings = dict.fromkeys(_SETTINGS.values())
        for cfn_name, arg in _SETTINGS.items():
            if cfn_name in properties:
                settings[arg] = properties[cfn_name]
        fake = _backend(account_id, region_name).create_endpoint(
            endpoint_identifier=dms_identifier(properties.get("EndpointIdentifier") or resource_name),
            endpoint_type=properties["EndpointType"],
            engine_name=properties["EngineName"],
            username=properties.get("Username"),
            password=properties.get("Password"),
            server_name=properties.get("ServerName"),
            port=int(properties["Port"]) if "Port" in properties else None,
            database_name=properties.get("DatabaseName"),
            extra_connection_attributes=properties.get("ExtraConnectionAttributes"),
            kms_key_id=properties.get("KmsKeyId"),
            tags=_tags(properties),
            certificate_arn=properties.get("CertificateArn"),
            ssl_mode=properties.get("SslMode"),
            service_access_role_arn=None,
            external_table_definition=None,
            dms_transfer_settings=None,
            resource_identifier=properties.get("ResourceIdentifier"),
            timestream_settings=None,
            **settings,
        )
        fake.status = "active"
        return cls(fake)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_endpoint(self.arn)


@extended_model
class ReplicationTask(_ArnModel, CloudFormationModel):
    """AWS::DMS::ReplicationTask, created "ready", as AWS leaves a task CloudFormation created.
    Ref and GetAtt Id are the ARN.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-replicationtask.html
    """

    CFN_TYPE = "AWS::DMS::ReplicationTask"
    CFN_NAME_TYPE = "ReplicationTaskIdentifier"

    def __init__(self, fake: Any):
        self.fake = fake
        self.arn = fake.arn

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> ReplicationTask:
        properties = cloudformation_json.get("Properties", {})
        fake = _backend(account_id, region_name).create_replication_task(
            replication_task_identifier=dms_identifier(properties.get("ReplicationTaskIdentifier") or resource_name),
            source_endpoint_arn=properties["SourceEndpointArn"],
            target_endpoint_arn=properties["TargetEndpointArn"],
            replication_instance_arn=properties["ReplicationInstanceArn"],
            migration_type=properties["MigrationType"],
            table_mappings=properties["TableMappings"],
            replication_task_settings=properties.get("ReplicationTaskSettings"),
            tags=_tags(properties),
        )
        fake.ready()
        return cls(fake)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_replication_task(self.arn)
