"""Live-state readers for Amazon RDS: each reads one resource type's properties through the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stackcheck.compliance.live.base import Builder, Gone, LiveResource, drop_none

# DescribeDBInstances field -> AWS::RDS::DBInstance property (the same value, another name or the same name).
_INSTANCE_FIELDS = {
    "DBInstanceIdentifier": "DBInstanceIdentifier",
    "Engine": "Engine",
    "StorageEncrypted": "StorageEncrypted",
    "PubliclyAccessible": "PubliclyAccessible",
    "ReadReplicaSourceDBInstanceIdentifier": "SourceDBInstanceIdentifier",
    "BackupRetentionPeriod": "BackupRetentionPeriod",
    "DeletionProtection": "DeletionProtection",
    "MultiAZ": "MultiAZ",
    "AutoMinorVersionUpgrade": "AutoMinorVersionUpgrade",
    "IAMDatabaseAuthenticationEnabled": "EnableIAMDatabaseAuthentication",
    "CopyTagsToSnapshot": "CopyTagsToSnapshot",
    "MonitoringInterval": "MonitoringInterval",
}
# DescribeDBClusters field -> AWS::RDS::DBCluster property.
_CLUSTER_FIELDS = {
    "DBClusterIdentifier": "DBClusterIdentifier",
    "Engine": "Engine",
    "StorageEncrypted": "StorageEncrypted",
    "PubliclyAccessible": "PubliclyAccessible",
    "BackupRetentionPeriod": "BackupRetentionPeriod",
    "DeletionProtection": "DeletionProtection",
    "IAMDatabaseAuthenticationEnabled": "EnableIAMDatabaseAuthentication",
    "CopyTagsToSnapshot": "CopyTagsToSnapshot",
}
RDS_INSTANCE_PROPERTIES = tuple(_INSTANCE_FIELDS.values())
"""The AWS::RDS::DBInstance properties read from DescribeDBInstances' fields of the same meaning."""
RDS_CLUSTER_PROPERTIES = tuple(_CLUSTER_FIELDS.values())
"""The AWS::RDS::DBCluster properties read from DescribeDBClusters' fields of the same meaning."""


class RdsReaders(Builder):
    """Readers of Amazon RDS resources (mixed into the live template builder)."""

    def db_instance(self, resource: LiveResource) -> dict[str, Any]:
        """RDS DB instance: DescribeDBInstances
        (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html), under the
        property names of AWS::RDS::DBInstance: identifiers, encryption, public access, ``BackupRetentionPeriod``
        (0: automated backups off), ``DeletionProtection``, Multi-AZ, minor version upgrades, IAM authentication,
        ``MonitoringInterval``, ``EnableCloudwatchLogsExports``, and ``DBParameterGroupName`` (the first of
        ``DBParameterGroups``; a ``Ref`` when a deployed stack declares the group)."""
        (db,) = self.call(resource, "rds", "describe_db_instances", DBInstanceIdentifier=resource.physical_id)[
            "DBInstances"
        ]
        props = drop_none({prop: db.get(field) for field, prop in _INSTANCE_FIELDS.items()})
        if db.get("EnabledCloudwatchLogsExports"):
            props["EnableCloudwatchLogsExports"] = list(db["EnabledCloudwatchLogsExports"])
        groups = [g["DBParameterGroupName"] for g in db.get("DBParameterGroups", []) if g.get("DBParameterGroupName")]
        if groups:
            props["DBParameterGroupName"] = self._named("AWS::RDS::DBParameterGroup", groups[0])
        if db.get("KmsKeyId"):
            props["KmsKeyId"] = self.customer_key(resource, db["KmsKeyId"])
        if db.get("DBClusterIdentifier"):
            props["DBClusterIdentifier"] = self.ref("AWS::RDS::DBCluster", db["DBClusterIdentifier"], full=True)
        group = db.get("DBSubnetGroup") or {}
        if group.get("DBSubnetGroupName"):
            # DescribeDBInstances carries the group's subnets: no DescribeDBSubnetGroups call needed.
            key, owner = self.key("AWS::RDS::DBSubnetGroup", group["DBSubnetGroupName"])
            if key not in self.resources or not self.resources[key].full:
                self.put(key, "AWS::RDS::DBSubnetGroup", group["DBSubnetGroupName"], self._subnet_group(group), owner)
                self.resources[key].operations.append(self.reader.api_name("rds", "describe_db_instances"))
            props["DBSubnetGroupName"] = {"Ref": key}
        return drop_none(props)

    def db_cluster(self, resource: LiveResource) -> dict[str, Any]:
        """RDS DB cluster: DescribeDBClusters
        (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusters.html), under the
        property names of AWS::RDS::DBCluster, ``BackupRetentionPeriod``, ``DeletionProtection`` and
        ``DBClusterParameterGroupName`` (a ``Ref`` when a deployed stack declares the group) among them."""
        (cluster,) = self.call(resource, "rds", "describe_db_clusters", DBClusterIdentifier=resource.physical_id)[
            "DBClusters"
        ]
        props = drop_none({prop: cluster.get(field) for field, prop in _CLUSTER_FIELDS.items()})
        if cluster.get("EnabledCloudwatchLogsExports"):
            props["EnableCloudwatchLogsExports"] = list(cluster["EnabledCloudwatchLogsExports"])
        if cluster.get("DBClusterParameterGroup"):
            props["DBClusterParameterGroupName"] = self._named(
                "AWS::RDS::DBClusterParameterGroup", cluster["DBClusterParameterGroup"]
            )
        if cluster.get("KmsKeyId"):
            props["KmsKeyId"] = self.customer_key(resource, cluster["KmsKeyId"])
        if cluster.get("DBSubnetGroup"):
            props["DBSubnetGroupName"] = self.ref("AWS::RDS::DBSubnetGroup", cluster["DBSubnetGroup"], full=True)
        return drop_none(props)

    def _named(self, resource_type: str, name: str) -> Any:
        """``{"Ref": ...}`` to the group when a deployed stack declares it, else its name (a default group)."""
        return self.ref(resource_type, name) if self.reader.owner(resource_type, name) is not None else name

    def db_parameter_group(self, resource: LiveResource) -> dict[str, Any]:
        """DB parameter group: DescribeDBParameterGroups
        (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBParameterGroups.html) and
        DescribeDBParameters with ``Source=user``
        (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBParameters.html), every page:
        CloudFormation names an AWS::RDS::DBParameterGroup by its name (``Ref``). ``DBParameterGroupName``,
        ``Family``, ``Description`` and ``Parameters`` (name -> value of each parameter set on the group, not the
        engine's defaults, which the template does not declare). A group RDS does not know is gone."""
        name = resource.physical_id
        groups = self.call(resource, "rds", "describe_db_parameter_groups", DBParameterGroupName=name)[
            "DBParameterGroups"
        ]
        if not groups:  # RDS answers DBParameterGroupNotFound; the emulator an empty list
            raise Gone(f"DBParameterGroupNotFound: DescribeDBParameterGroups lists no {name}")
        group = groups[0]
        pages = self.call(
            resource,
            "rds",
            "paginate:describe_db_parameters",
            prop="Parameters",
            DBParameterGroupName=name,
            Source="user",
        )
        parameters = {
            p["ParameterName"]: p["ParameterValue"]
            for page in pages
            for p in page.get("Parameters", [])
            if p.get("ParameterName") and p.get("ParameterValue") is not None and p.get("Source", "user") == "user"
        }
        return drop_none(
            {
                "DBParameterGroupName": group.get("DBParameterGroupName"),
                "Family": group.get("DBParameterGroupFamily"),
                "Description": group.get("Description"),
                "Parameters": parameters,
            }
        )

    def db_subnet_group(self, resource: LiveResource) -> dict[str, Any]:
        """DB subnet group: DescribeDBSubnetGroups; each subnet read with its route table."""
        (group,) = self.call(resource, "rds", "describe_db_subnet_groups", DBSubnetGroupName=resource.physical_id)[
            "DBSubnetGroups"
        ]
        return self._subnet_group(group)

    def _subnet_group(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """Properties of a DBSubnetGroup answer (DescribeDBSubnetGroups, or DescribeDBInstances' ``DBSubnetGroup``)."""
        subnets = [s["SubnetIdentifier"] for s in group.get("Subnets", []) if s.get("SubnetIdentifier")]
        return {
            "DBSubnetGroupName": group.get("DBSubnetGroupName"),
            "SubnetIds": [self.ref("AWS::EC2::Subnet", s, full=True) for s in subnets],
        }
