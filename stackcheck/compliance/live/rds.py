"""Live-state readers for Amazon RDS: each reads one resource type's properties through the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stackcheck.compliance.live.base import Builder, LiveResource, drop_none


class RdsReaders(Builder):
    """Readers of Amazon RDS resources (mixed into the live template builder)."""

    def db_instance(self, resource: LiveResource) -> dict[str, Any]:
        """RDS DB instance: DescribeDBInstances
        (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html)."""
        (db,) = self.call(resource, "rds", "describe_db_instances", DBInstanceIdentifier=resource.physical_id)[
            "DBInstances"
        ]
        props = drop_none(
            {
                "DBInstanceIdentifier": db.get("DBInstanceIdentifier"),
                "StorageEncrypted": db.get("StorageEncrypted"),
                "PubliclyAccessible": db.get("PubliclyAccessible"),
                "SourceDBInstanceIdentifier": db.get("ReadReplicaSourceDBInstanceIdentifier"),
            }
        )
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
        (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusters.html)."""
        (cluster,) = self.call(resource, "rds", "describe_db_clusters", DBClusterIdentifier=resource.physical_id)[
            "DBClusters"
        ]
        props = drop_none(
            {
                "DBClusterIdentifier": cluster.get("DBClusterIdentifier"),
                "StorageEncrypted": cluster.get("StorageEncrypted"),
                "PubliclyAccessible": cluster.get("PubliclyAccessible"),
            }
        )
        if cluster.get("KmsKeyId"):
            props["KmsKeyId"] = self.customer_key(resource, cluster["KmsKeyId"])
        if cluster.get("DBSubnetGroup"):
            props["DBSubnetGroupName"] = self.ref("AWS::RDS::DBSubnetGroup", cluster["DBSubnetGroup"], full=True)
        return drop_none(props)

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
