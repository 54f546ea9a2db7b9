"""Database: RDS PostgreSQL, Multi-AZ, KMS-encrypted, isolated, credentials in Secrets Manager."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from constructs import Construct

ENGINE_VERSION = rds.PostgresEngineVersion.VER_17_6
DB_PORT = 5432


class Database(Construct):
    """An RDS PostgreSQL instance whose master credentials Secrets Manager generates.

    No password appears in code or template: the instance reads username and password through
    ``{{resolve:secretsmanager:...}}`` dynamic references, and a SecretTargetAttachment adds
    host, port, engine and dbname to the secret.
    Attributes: ``instance`` (rds.DatabaseInstance), ``secret`` (secretsmanager.ISecret),
    ``security_group`` (ec2.SecurityGroup). ``deletion_protection`` (default on) must be turned
    off by a deploy before the stack can be destroyed in AWS.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        encryption_key: kms.IKey,
        database_name: str,
        master_username: str,
        deletion_protection: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="PostgreSQL: admits the application service and DMS on 5432 only",
            allow_all_outbound=False,
        )
        parameters = rds.ParameterGroup(
            self,
            "Parameters",
            engine=rds.DatabaseInstanceEngine.postgres(version=ENGINE_VERSION),
            description="TLS required; logical replication on for DMS change data capture",
            parameters={"rds.force_ssl": "1", "rds.logical_replication": "1"},
        )
        self.instance = rds.DatabaseInstance(
            self,
            "Instance",
            engine=rds.DatabaseInstanceEngine.postgres(version=ENGINE_VERSION),
            instance_type=ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE3, ec2.InstanceSize.MEDIUM),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[self.security_group],
            credentials=rds.Credentials.from_generated_secret(
                master_username, encryption_key=encryption_key, exclude_characters=" %+~`#$&*()|[]{}:;<>?!'/@\"\\"
            ),
            database_name=database_name,
            port=DB_PORT,
            multi_az=True,
            publicly_accessible=False,
            storage_encrypted=True,
            storage_encryption_key=encryption_key,
            allocated_storage=50,
            max_allocated_storage=200,
            parameter_group=parameters,
            backup_retention=Duration.days(7),
            copy_tags_to_snapshot=True,
            iam_authentication=True,
            auto_minor_version_upgrade=True,
            enable_performance_insights=True,
            performance_insight_encryption_key=encryption_key,
            monitoring_interval=Duration.seconds(60),
            cloudwatch_logs_exports=["postgresql", "upgrade"],
            deletion_protection=deletion_protection,
            removal_policy=RemovalPolicy.SNAPSHOT,
        )
        # The enhanced-monitoring role RDS creates trusts monitoring.rds.amazonaws.com without a source
        # condition; add aws:SourceAccount against the cross-service confused deputy
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
        monitoring_role = self.instance.node.find_child("MonitoringRole").node.default_child
        monitoring_role.add_property_override(
            "AssumeRolePolicyDocument.Statement.0.Condition",
            {"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
        )
        self.secret = self.instance.secret
