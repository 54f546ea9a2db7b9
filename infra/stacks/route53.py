"""Route53 stack: weighted cutover records to both ALBs, and the migration path between the environments.

Why the DMS replication task lives here: it references the source endpoint, the target endpoint
and a replication instance, so whichever stack holds it depends on both environments. Putting it
in Source or Target would make one environment depend on the other, and they could no longer be
deployed, tested or destroyed independently. This stack already depends on both (its alias
records point at both ALBs), so it is the one place where source and target meet. The network
path the task needs lives here for the same reason: the target's replication instance reaches
the source database over a VPC peering connection, with routes in both VPCs and a security group
rule admitting the target's DMS security group on the source database.
"""

from __future__ import annotations

import json

import jsii
from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_dms as dms
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_route53 as route53
from constructs import Construct

from infra.constructs.database import DB_PORT
from infra.stacks.environment import EnvironmentStack

# Replicate every table of the public schema.
TABLE_MAPPINGS = {
    "rules": [
        {
            "rule-type": "selection",
            "rule-id": "1",
            "rule-name": "payments-public-schema",
            "object-locator": {"schema-name": "public", "table-name": "%"},
            "rule-action": "include",
        }
    ]
}
TASK_SETTINGS = {
    "Logging": {"EnableLogging": True},
    "FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"},
    "ValidationSettings": {"EnableValidation": True},
}


@jsii.implements(route53.IAliasRecordTarget)
class ImportedLoadBalancerTarget:
    """Alias target for an ALB of another stack, from that stack's exports.

    Route53 alias records to an ALB take its DNS name (``dualstack.`` prefixed, as AWS
    recommends) and its canonical hosted zone ID.
    https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html
    """

    def __init__(self, environment: EnvironmentStack) -> None:
        self._environment = environment

    def bind(self, _record, _zone=None) -> route53.AliasRecordTargetConfig:
        """Return the alias target configuration (DNS name and hosted zone ID, both imported)."""
        return route53.AliasRecordTargetConfig(
            dns_name=f"dualstack.{self._environment.imported('LoadBalancerDnsName')}",
            hosted_zone_id=self._environment.imported("LoadBalancerCanonicalHostedZoneId"),
        )


class Route53Stack(Stack):
    """A public hosted zone with weighted alias A records ``source`` and ``target``, and the DMS task.

    Weights come from the caller (CDK context ``sourceWeight`` / ``targetWeight``, default 100 / 0).
    Attributes: ``hosted_zone``, ``records`` (dict role -> ARecord), ``replication_task``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        source: EnvironmentStack,
        target: EnvironmentStack,
        zone_name: str,
        record_name: str,
        weights: dict[str, int],
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.add_stack_dependency(source, "imports the source ALB and DMS endpoint")
        self.add_stack_dependency(target, "imports the target ALB, DMS endpoint and replication instance")
        self.hosted_zone = route53.PublicHostedZone(self, "HostedZone", zone_name=zone_name)
        self.records = {}
        for environment in (source, target):
            self.records[environment.role] = route53.ARecord(
                self,
                f"{environment.role.capitalize()}AliasRecord",
                zone=self.hosted_zone,
                record_name=record_name,
                target=route53.RecordTarget.from_alias(ImportedLoadBalancerTarget(environment)),
                set_identifier=environment.role,
                weight=weights[environment.role],
                comment=f"Cutover: share of traffic sent to the {environment.environment_name} ALB",
            )
        self._migration_network(source, target)
        self.replication_task = dms.CfnReplicationTask(
            self,
            "ReplicationTask",
            replication_task_identifier=f"payment-{source.environment_name}-to-{target.environment_name}",
            migration_type="full-load-and-cdc",
            replication_instance_arn=target.imported("DmsReplicationInstanceArn"),
            source_endpoint_arn=source.imported("DmsEndpointArn"),
            target_endpoint_arn=target.imported("DmsEndpointArn"),
            table_mappings=json.dumps(TABLE_MAPPINGS),
            replication_task_settings=json.dumps(TASK_SETTINGS),
        )
        CfnOutput(self, "MigrationPeeringConnectionId", value=self.peering.ref)
        CfnOutput(self, "HostedZoneId", value=self.hosted_zone.hosted_zone_id)
        CfnOutput(self, "HostedZoneName", value=zone_name)
        CfnOutput(self, "CutoverRecordName", value=f"{record_name}.{zone_name}")
        CfnOutput(self, "ReplicationTaskArn", value=self.replication_task.ref)

    def _migration_network(self, source: EnvironmentStack, target: EnvironmentStack) -> None:
        """Peer the VPCs and open PostgreSQL from the target's DMS to the source database only.

        Routes: the target's application tier (where its replication instance runs) to the source
        CIDR, and the source's data tier (the database) back to the target CIDR. Security groups
        across a peering connection in one region may reference each other.
        https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html
        """
        self.peering = ec2.CfnVPCPeeringConnection(
            self, "MigrationPeering", vpc_id=target.imported("VpcId"), peer_vpc_id=source.imported("VpcId")
        )
        for environment, tier, destination in ((target, "Application", source.cidr), (source, "Data", target.cidr)):
            for key in environment.route_table_keys(tier):
                ec2.CfnRoute(
                    self,
                    f"{environment.role.capitalize()}{key.removesuffix('Id')}ToPeer",
                    route_table_id=environment.imported(key),
                    destination_cidr_block=destination,
                    vpc_peering_connection_id=self.peering.ref,
                )
        ec2.CfnSecurityGroupIngress(
            self,
            "SourceDatabaseFromTargetDms",
            group_id=source.imported("DbSecurityGroupId"),
            source_security_group_id=target.imported("DmsSecurityGroupId"),
            ip_protocol="tcp",
            from_port=DB_PORT,
            to_port=DB_PORT,
            description="PostgreSQL from the target DMS replication instance (full load + CDC)",
        )
        ec2.CfnSecurityGroupEgress(
            self,
            "TargetDmsToSourceDatabase",
            group_id=target.imported("DmsSecurityGroupId"),
            destination_security_group_id=source.imported("DbSecurityGroupId"),
            ip_protocol="tcp",
            from_port=DB_PORT,
            to_port=DB_PORT,
            description="PostgreSQL to the source database over the peering connection",
        )
