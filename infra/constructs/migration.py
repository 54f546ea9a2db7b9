"""Migration: DMS replication subnet group, replication instance and a PostgreSQL endpoint."""

from __future__ import annotations

from typing import Literal

from aws_cdk import aws_dms as dms
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.stacks.dms_prereq import dms_principal


class MigrationEndpoint(Construct):
    """DMS resources of one environment.

    The endpoint (type ``endpoint_type``) reads the database credentials from Secrets Manager
    through ``secrets_access_role`` (trusted by both DMS principals, allowed to read the secret):
    no username or password is set on the endpoint.
    https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Security.html#security_iam_secretsmanager
    Attributes: ``subnet_group``, ``replication_instance``, ``endpoint`` (L1 constructs),
    ``security_group``, ``secrets_access_role``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        endpoint_type: Literal["source", "target"],
        vpc: ec2.IVpc,
        encryption_key: kms.IKey,
        secret: secretsmanager.ISecret,
        database_name: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="DMS replication instance: reaches the databases on 5432",
            allow_all_outbound=False,
        )
        self.subnet_group = dms.CfnReplicationSubnetGroup(
            self,
            "SubnetGroup",
            replication_subnet_group_identifier=f"{name_prefix}-dms",
            replication_subnet_group_description=f"DMS subnets of {name_prefix}",
            subnet_ids=vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).subnet_ids,
        )
        self.replication_instance = dms.CfnReplicationInstance(
            self,
            "ReplicationInstance",
            replication_instance_identifier=f"{name_prefix}-dms",
            replication_instance_class="dms.t3.medium",
            allocated_storage=50,
            publicly_accessible=False,
            multi_az=False,
            auto_minor_version_upgrade=True,
            kms_key_id=encryption_key.key_arn,
            replication_subnet_group_identifier=self.subnet_group.ref,
            vpc_security_group_ids=[self.security_group.security_group_id],
        )
        self.secrets_access_role = iam.Role(
            self,
            "SecretsAccessRole",
            assumed_by=dms_principal(self),
            description=f"Lets AWS DMS read the {name_prefix} database secret",
        )
        secret.grant_read(self.secrets_access_role)
        self.endpoint = dms.CfnEndpoint(
            self,
            "Endpoint",
            endpoint_identifier=f"{name_prefix}-{endpoint_type}",
            endpoint_type=endpoint_type,
            engine_name="postgres",
            database_name=database_name,
            ssl_mode="require",
            kms_key_id=encryption_key.key_arn,
            postgre_sql_settings=dms.CfnEndpoint.PostgreSqlSettingsProperty(
                secrets_manager_secret_id=secret.secret_arn,
                secrets_manager_access_role_arn=self.secrets_access_role.role_arn,
            ),
        )
        # The role must be allowed to read the secret (its policy attached) before DMS uses it.
        self.endpoint.node.add_dependency(self.secrets_access_role.node.find_child("DefaultPolicy"))
