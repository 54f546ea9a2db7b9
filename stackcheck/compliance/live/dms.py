"""Live-state readers for AWS DMS: each reads one resource type's properties through the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stackcheck.compliance.live.base import Builder, Gone, LiveResource, drop_none

# DescribeEndpoints engine settings -> AWS::DMS::Endpoint property; only the Secrets Manager keys are read.
ENDPOINT_SETTINGS = {
    "PostgreSQLSettings": "PostgreSqlSettings",
    "MySQLSettings": "MySqlSettings",
    "OracleSettings": "OracleSettings",
    "MicrosoftSQLServerSettings": "MicrosoftSqlServerSettings",
    "SybaseSettings": "SybaseSettings",
    "IBMDb2Settings": "IbmDb2Settings",
    "DocDbSettings": "DocDbSettings",
    "MongoDbSettings": "MongoDbSettings",
    "RedshiftSettings": "RedshiftSettings",
}
SECRET_KEYS = ("SecretsManagerSecretId", "SecretsManagerAccessRoleArn")
ENDPOINT_FIELDS = (
    "EndpointIdentifier",
    "EndpointType",
    "EngineName",
    "ServerName",
    "Port",
    "DatabaseName",
    "Username",
    "SslMode",
    "KmsKeyId",
    "CertificateArn",
    "ExtraConnectionAttributes",
)
"""DescribeEndpoints fields read under the AWS::DMS::Endpoint property of the same name."""
INSTANCE_FIELDS = (
    "ReplicationInstanceIdentifier",
    "ReplicationInstanceClass",
    "AllocatedStorage",
    "PubliclyAccessible",
    "MultiAZ",
    "AutoMinorVersionUpgrade",
    "EngineVersion",
    "KmsKeyId",
)
"""DescribeReplicationInstances fields read under the AWS::DMS::ReplicationInstance property of the same name."""
TASK_FIELDS = (
    "ReplicationTaskIdentifier",
    "MigrationType",
    "TableMappings",
    "ReplicationTaskSettings",
    "SourceEndpointArn",
    "TargetEndpointArn",
    "ReplicationInstanceArn",
)
"""DescribeReplicationTasks fields read under the AWS::DMS::ReplicationTask property of the same name."""


_IDENTIFIERS = (
    "EndpointIdentifier",
    "ReplicationInstanceIdentifier",
    "ReplicationTaskIdentifier",
    "ReplicationSubnetGroupIdentifier",
)
"""Identifiers DMS keeps in lower case whatever case they were given in
(https://docs.aws.amazon.com/dms/latest/APIReference/API_CreateReplicationInstance.html: "stored as a lowercase string")."""


class DmsReaders(Builder):
    """Readers of AWS DMS resources (mixed into the live template builder)."""

    def _as_declared(self, resource: LiveResource, props: dict[str, Any]) -> dict[str, Any]:
        """``props`` with each of ``_IDENTIFIERS`` in its declared spelling where DMS answers the same one in lower case."""
        declared = self.declared(resource)
        for name in _IDENTIFIERS:
            given, answered = declared.get(name), props.get(name)
            if isinstance(given, str) and isinstance(answered, str) and given.lower() == answered.lower():
                props[name] = given
        return props

    def _described(self, resource: LiveResource, operation: str, key: str, arn_field: str, name: str) -> Any:
        """The one entry of ``operation`` (filtered by ARN) whose ``arn_field`` is the resource's physical ID."""
        pages = self.call(
            resource, "dms", f"paginate:{operation}", Filters=[{"Name": name, "Values": [resource.physical_id]}]
        )
        found = [e for page in pages for e in page.get(key, []) if e.get(arn_field) == resource.physical_id]
        if not found:
            raise Gone(f"ResourceNotFoundFault: {operation} lists no {resource.physical_id}")
        return found[0]

    def dms_endpoint(self, resource: LiveResource) -> dict[str, Any]:
        """DMS endpoint: DescribeEndpoints
        (https://docs.aws.amazon.com/dms/latest/APIReference/API_DescribeEndpoints.html), filtered by ARN: its
        identifier, type, engine, server, port, database, user name, SSL mode, KMS key, certificate, extra
        connection attributes, and of each engine's settings (``PostgreSQLSettings`` as ``PostgreSqlSettings``)
        only ``SecretsManagerSecretId`` and ``SecretsManagerAccessRoleArn``. DMS never answers a password."""
        endpoint = self._described(resource, "describe_endpoints", "Endpoints", "EndpointArn", "endpoint-arn")
        props = drop_none({name: endpoint.get(name) for name in ENDPOINT_FIELDS})
        for field, prop in ENDPOINT_SETTINGS.items():
            settings = endpoint.get(field)
            if isinstance(settings, Mapping):
                secrets = drop_none({key: settings.get(key) for key in SECRET_KEYS})
                props[prop] = secrets
        return self._as_declared(resource, props)

    def dms_replication_instance(self, resource: LiveResource) -> dict[str, Any]:
        """DMS replication instance: DescribeReplicationInstances
        (https://docs.aws.amazon.com/dms/latest/APIReference/API_DescribeReplicationInstances.html), filtered by
        ARN: class, storage, public access, Multi-AZ, minor version upgrades, engine version, KMS key, the
        subnet group's identifier and the VPC security groups."""
        instance = self._described(
            resource,
            "describe_replication_instances",
            "ReplicationInstances",
            "ReplicationInstanceArn",
            "replication-instance-arn",
        )
        props = drop_none({name: instance.get(name) for name in INSTANCE_FIELDS})
        group = (instance.get("ReplicationSubnetGroup") or {}).get("ReplicationSubnetGroupIdentifier")
        if group:
            props["ReplicationSubnetGroupIdentifier"] = group
        groups = [g["VpcSecurityGroupId"] for g in instance.get("VpcSecurityGroups", []) if g.get("VpcSecurityGroupId")]
        if groups:
            props["VpcSecurityGroupIds"] = groups
        return self._as_declared(resource, props)

    def dms_replication_task(self, resource: LiveResource) -> dict[str, Any]:
        """DMS replication task: DescribeReplicationTasks
        (https://docs.aws.amazon.com/dms/latest/APIReference/API_DescribeReplicationTasks.html), filtered by ARN:
        identifier, migration type, table mappings and task settings (JSON strings, as DMS answers them), and
        the ARNs of its endpoints and replication instance."""
        task = self._described(
            resource, "describe_replication_tasks", "ReplicationTasks", "ReplicationTaskArn", "replication-task-arn"
        )
        return self._as_declared(resource, drop_none({name: task.get(name) for name in TASK_FIELDS}))

    def dms_replication_subnet_group(self, resource: LiveResource) -> dict[str, Any]:
        """DMS replication subnet group: DescribeReplicationSubnetGroups
        (https://docs.aws.amazon.com/dms/latest/APIReference/API_DescribeReplicationSubnetGroups.html), filtered by
        ``replication-subnet-group-id``: CloudFormation names an AWS::DMS::ReplicationSubnetGroup by its identifier
        (``Ref``), which DMS keeps in lower case. Its identifier, description and ``SubnetIds`` (each subnet read
        with its route table, as for a DB subnet group)."""
        pages = self.call(
            resource,
            "dms",
            "paginate:describe_replication_subnet_groups",
            Filters=[{"Name": "replication-subnet-group-id", "Values": [resource.physical_id]}],
        )
        wanted = resource.physical_id.lower()
        found = [
            g
            for page in pages
            for g in page.get("ReplicationSubnetGroups", [])
            if str(g.get("ReplicationSubnetGroupIdentifier", "")).lower() == wanted
        ]
        if not found:
            raise Gone(f"ResourceNotFoundFault: DescribeReplicationSubnetGroups lists no {resource.physical_id}")
        group = found[0]
        subnets = [s["SubnetIdentifier"] for s in group.get("Subnets", []) if s.get("SubnetIdentifier")]
        return self._as_declared(
            resource,
            drop_none(
                {
                    "ReplicationSubnetGroupIdentifier": group.get("ReplicationSubnetGroupIdentifier"),
                    "ReplicationSubnetGroupDescription": group.get("ReplicationSubnetGroupDescription"),
                    "SubnetIds": [self.ref("AWS::EC2::Subnet", s, full=True) for s in subnets],
                }
            ),
        )
