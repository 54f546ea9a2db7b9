"""Environment stack: one complete, independent migration environment (source or target)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from aws_cdk import CfnOutput, Fn, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.constructs.database import DB_PORT, Database
from infra.constructs.migration import MigrationEndpoint
from infra.constructs.monitoring import Alarms
from infra.constructs.network import Network
from infra.constructs.service import WebService
from infra.constructs.storage import LogsBucket

DATABASE_NAME = "payments"
MASTER_USERNAME = "payments_admin"


class EnvironmentStack(Stack):
    """VPC, KMS key, RDS PostgreSQL, logs bucket, ECS Fargate behind an ALB, DMS, alarms.

    ``role`` is ``source`` or ``target``: it sets the DMS endpoint type and prefixes every
    output key (``SourceLogsBucketName``), so the two environments' outputs never collide.
    ``environment_name`` (``source-dev``) names physical resources.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        role: Literal["source", "target"],
        suffix: str,
        availability_zones: Sequence[str],
        cidr: str,
        image: str = "public.ecr.aws/nginx/nginx:1.27",
        database_deletion_protection: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.role = role
        self.cidr = cidr
        self.environment_name = f"{role}-{suffix}"
        self.outputs_by_key: dict[str, CfnOutput] = {}
        region = Stack.of(self).region

        self.key = kms.Key(
            self,
            "DataKey",
            description=f"Encrypts data at rest of the {self.environment_name} payment environment",
            enable_key_rotation=True,
            alias=f"alias/payment-{self.environment_name}",
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Services that encrypt with the key on our behalf: log groups, and CloudWatch alarms
        # publishing to the encrypted SNS topic.
        self.key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{region}.amazonaws.com"))
        self.key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")

        self.network = Network(
            self, "Network", cidr=cidr, availability_zones=availability_zones, encryption_key=self.key
        )
        vpc = self.network.vpc
        self.logs = LogsBucket(self, "Logs", bucket_name=f"payment-logs-{role}-{suffix}")
        self.database = Database(
            self,
            "Database",
            vpc=vpc,
            encryption_key=self.key,
            database_name=DATABASE_NAME,
            master_username=MASTER_USERNAME,
            deletion_protection=database_deletion_protection,
        )
        self.web = WebService(
            self,
            "Web",
            vpc=vpc,
            encryption_key=self.key,
            access_logs_bucket=self.logs.bucket,
            image=image,
        )
        self.migration = MigrationEndpoint(
            self,
            "Migration",
            name_prefix=f"payment-{self.environment_name}",
            endpoint_type=role,
            vpc=vpc,
            encryption_key=self.key,
            secret=self.database.secret,
            database_name=DATABASE_NAME,
        )
        self.monitoring = Alarms(
            self,
            "Monitoring",
            encryption_key=self.key,
            database=self.database.instance,
            load_balancer=self.web.load_balancer,
            service=self.web.service,
        )
        # Who may reach the database: the application service and DMS, on the DB port only.
        for peer, why in (
            (self.web.service_security_group, "application service"),
            (self.migration.security_group, "DMS replication instance"),
        ):
            self.database.instance.connections.allow_from(peer, ec2.Port.tcp(DB_PORT), f"PostgreSQL from the {why}")
        self._add_outputs()

    def export_name(self, key: str) -> str:
        """Export name of output ``key``: ``<stack name>:<key>``."""
        return f"{self.stack_name}:{key}"

    def _output_values(self) -> dict[str, str]:
        db = self.database.instance
        web = self.web
        vpc = self.network.vpc
        values = {
            "VpcId": vpc.vpc_id,
            "FlowLogGroupName": self.network.flow_log_group.log_group_name,
            "KmsKeyArn": self.key.key_arn,
            "LogsBucketName": self.logs.bucket.bucket_name,
            "LogsBucketArn": self.logs.bucket.bucket_arn,
            "DbInstanceIdentifier": db.instance_identifier,
            "DbEndpointAddress": db.db_instance_endpoint_address,
            "DbEndpointPort": db.db_instance_endpoint_port,
            "DbSecretArn": self.database.secret.secret_arn,
            "DbSecurityGroupId": self.database.security_group.security_group_id,
            "LoadBalancerArn": web.load_balancer.load_balancer_arn,
            "LoadBalancerDnsName": web.load_balancer.load_balancer_dns_name,
            "LoadBalancerCanonicalHostedZoneId": web.load_balancer.load_balancer_canonical_hosted_zone_id,
            "LoadBalancerSecurityGroupId": web.load_balancer_security_group.security_group_id,
            "TargetGroupArn": web.target_group.target_group_arn,
            "EcsClusterName": web.cluster.cluster_name,
            "EcsServiceName": web.service.service_name,
            "EcsServiceArn": web.service.service_arn,
            "TaskDefinitionArn": web.task_definition.task_definition_arn,
            "ServiceSecurityGroupId": web.service_security_group.security_group_id,
            "DmsEndpointArn": self.migration.endpoint.ref,
            "DmsReplicationInstanceArn": self.migration.replication_instance.ref,
            "DmsSecurityGroupId": self.migration.security_group.security_group_id,
            "DmsSecretsAccessRoleArn": self.migration.secrets_access_role.role_arn,
            "AlarmTopicArn": self.monitoring.topic.topic_arn,
        }
        # Route tables of the DMS (application) and database (data) tiers, for cross-VPC routes.
        for tier, subnets in (("Application", vpc.private_subnets), ("Data", vpc.isolated_subnets)):
            for index, subnet in enumerate(subnets, start=1):
                values[f"{tier}RouteTable{index}Id"] = subnet.route_table.route_table_id
        return values

    def _add_outputs(self) -> None:
        prefix = self.role.capitalize()
        for key, value in self._output_values().items():
            self.outputs_by_key[key] = CfnOutput(self, f"{prefix}{key}", value=value)

    def route_table_keys(self, tier: str) -> list[str]:
        """Output keys of the route tables of ``tier`` (``Application`` or ``Data``), one per AZ."""
        return sorted(k for k in self.outputs_by_key if k.startswith(f"{tier}RouteTable"))

    def imported(self, key: str) -> str:
        """Token importing output ``key`` of this stack; exports it under ``export_name(key)``.

        Only values another stack imports are exported, so every export has a consumer.
        Raises KeyError naming the known keys for an unknown one.
        """
        if key not in self.outputs_by_key:
            raise KeyError(f"{key!r} is not an output of {self.stack_name}; outputs: {sorted(self.outputs_by_key)}")
        self.outputs_by_key[key].export_name = self.export_name(key)
        return Fn.import_value(self.export_name(key))
