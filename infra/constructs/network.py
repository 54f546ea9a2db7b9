"""Network: a VPC over two explicit AZs with public, private-with-egress and isolated subnets."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct


class Network(Construct):
    """VPC (one NAT gateway per AZ) with flow logs of all traffic to an encrypted log group.

    Attributes: ``vpc`` (ec2.Vpc), ``flow_log_group`` (logs.LogGroup).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cidr: str,
        availability_zones: Sequence[str],
        encryption_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.flow_log_group = logs.LogGroup(
            self,
            "FlowLogGroup",
            encryption_key=encryption_key,
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=RemovalPolicy.DESTROY,
        )
        flow_log_role = iam.Role(
            self,
            "FlowLogRole",
            # aws:SourceAccount against the cross-service confused deputy
            # (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html).
            assumed_by=iam.ServicePrincipal(
                "vpc-flow-logs.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            ),
            description="Lets VPC Flow Logs write to the flow log group",
        )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            availability_zones=list(availability_zones),
            nat_gateways=len(availability_zones),
            restrict_default_security_group=False,  # the CDK does it with a Lambda custom resource
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(
                    name="Application", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=24
                ),
                ec2.SubnetConfiguration(name="Data", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24),
            ],
            flow_logs={
                "FlowLog": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group, flow_log_role),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
        )
        # Public subnets must not hand out public IPs by default; the ALB gets its own.
        for subnet in self.vpc.public_subnets:
            subnet.node.default_child.map_public_ip_on_launch = False
