"""DmsPrereq stack: the account-level IAM roles AWS DMS requires by name."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

DMS_ROLES = {
    # role name AWS DMS looks up -> AWS managed policy it needs
    "dms-vpc-role": "service-role/AmazonDMSVPCManagementRole",
    "dms-cloudwatch-logs-role": "service-role/AmazonDMSCloudWatchLogsRole",
}


def dms_principal(scope: Construct) -> iam.IPrincipal:
    """Both DMS service principals: the global one and the regional ``dms.<region>.amazonaws.com``.

    AWS DMS assumes its roles with either, depending on region and API path; trusting only one
    makes replication subnet groups or endpoints fail to create. The trust carries
    ``aws:SourceAccount`` (the stack's account) against the cross-service confused deputy.
    https://docs.aws.amazon.com/dms/latest/userguide/security-iam.html#CHAP_Security.APIRole
    https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
    """
    stack = Stack.of(scope)
    return iam.CompositePrincipal(
        iam.ServicePrincipal("dms.amazonaws.com"),
        iam.ServicePrincipal(f"dms.{stack.region}.amazonaws.com"),
    ).with_conditions({"StringEquals": {"aws:SourceAccount": stack.account}})


class DmsPrereqStack(Stack):
    """The roles ``dms-vpc-role`` and ``dms-cloudwatch-logs-role``, one set per account and region.

    Attributes: ``vpc_role``, ``cloudwatch_logs_role`` (iam.Role).
    """

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        roles = {}
        for role_name, policy in DMS_ROLES.items():
            roles[role_name] = iam.Role(
                self,
                "".join(part.capitalize() for part in role_name.split("-")),
                role_name=role_name,
                assumed_by=dms_principal(self),
                managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(policy)],
                description=f"Role AWS DMS requires by the name {role_name}",
            )
        self.vpc_role = roles["dms-vpc-role"]
        self.cloudwatch_logs_role = roles["dms-cloudwatch-logs-role"]
        CfnOutput(self, "DmsVpcRoleArn", value=self.vpc_role.role_arn)
        CfnOutput(self, "DmsVpcRoleName", value=self.vpc_role.role_name)
        CfnOutput(self, "DmsCloudWatchLogsRoleArn", value=self.cloudwatch_logs_role.role_arn)
        CfnOutput(self, "DmsCloudWatchLogsRoleName", value=self.cloudwatch_logs_role.role_name)
