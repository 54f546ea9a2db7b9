"""Live compliance on a real emulator server: small stacks deployed, changed out of band, judged under the template rule ids."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stackcheck.assembly import CloudAssembly, read_assembly
from stackcheck.aws.clients import ClientFactory
from stackcheck.aws.retry import THROTTLING, RetryLog
from stackcheck.compliance import (
    GONE_RULE,
    LIVE_TOOL,
    READ_ERROR_RULE,
    ComplianceResult,
    LiveTarget,
    check_compliance,
    live_forms,
)
from stackcheck.emulator.process import EmulatorRecord, client, reset, start, stop
from stackcheck.errors import BadInputError
from stackcheck.findings import Severity, Status
from stackcheck.suppressions import load_ledger

pytestmark = pytest.mark.emulator

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "tests" / "data" / "compliance"
POLICIES = REPO / "policies"
OPEN_8080 = [{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
DMS_GLOBAL_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": ["dms.amazonaws.com"]},
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    ],
}

# Every finding of a clean deployment of each fixture: (rule id, logical ID, status).
CLEAN = {
    "storage": {
        ("CKV_TAP_1", "DmsVpcRole", "PASSED"),
        ("CKV_TAP_9", "DmsVpcRole", "PASSED"),
        ("CKV_TAP_3", "Bucket", "PASSED"),
        ("CKV_TAP_3", "Topic", "PASSED"),
        ("CKV_TAP_3", "LogGroup", "PASSED"),
        ("CKV_TAP_8", "Bucket", "PASSED"),
        ("CKV_TAP_8", "Topic", "PASSED"),
        ("CKV_TAP_4", "Bucket", "PASSED"),
        ("CKV_AWS_21", "Bucket", "PASSED"),
        ("CKV_AWS_7", "Key", "PASSED"),
        ("E9003", "Bucket", "PASSED"),
        ("E9008", "Bucket", "PASSED"),
        ("E9008", "Topic", "PASSED"),  # its default policy: SNS gives every topic one
    },
    "web": {
        ("E9001", "Service", "PASSED"),
        ("E9001", "TargetGroup", "PASSED"),
        ("E9001", "AlbToService", "PASSED"),
        ("E9005", "AlbToService", "PASSED"),
        ("E9006", "AlbSecurityGroup", "PASSED"),
        ("E9006", "ServiceSecurityGroup", "PASSED"),
    },
    # no rule of the pack names a DynamoDB table or an SQS queue: checkov's own checks judge them (the test after next)
    "dynamodb": {("CKV_AWS_7", "Key", "PASSED")},
    "sqs": {("CKV_AWS_7", "Key", "PASSED")},
    "database": {
        ("CKV_TAP_3", "Database", "PASSED"),
        ("CKV_TAP_8", "Database", "PASSED"),
        ("CKV_AWS_7", "Key", "PASSED"),
        ("E9004", "Database", "PASSED"),
    },
    # Operator (a user without inline policies) and the storage fixture's roles without any give no CKV_TAP_5 finding
    "iam": {
        ("CKV_TAP_5", "AppRole", "PASSED"),
        ("CKV_TAP_5", "LockedRole", "PASSED"),
        ("CKV_TAP_5", "AppPolicy", "PASSED"),
        ("CKV_TAP_5", "PassPolicy", "PASSED"),
    },
}
STAR_ON_STAR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
PASS_ANY_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["ecs:RunTask", "iam:PassRole"], "Resource": "*"}],
}
ALL_BUT_IAM = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}


@pytest.fixture(scope="module")
def emulator_server(tmp_path_factory: pytest.TempPathFactory):
    """One emulator server process for this module, stopped at the end."""
    directory = tmp_path_factory.mktemp("compliance-emulator")
    record, _ = start(directory)
    yield record
    stop(directory)


@pytest.fixture(scope="module")
def every_form():
    """(live forms, template-only rule ids) of the repository's policy pack and checkov, loaded once."""
    return live_forms(POLICIES)


@pytest.fixture(scope="module")
def forms(every_form):
    """(live forms, template-only rule ids) without checkov's checks run as they are: the pack's and the library's."""
    live, template_only = every_form
    return tuple(f for f in live if f.origin != "checkov"), template_only


@dataclass
class Live:
    """A fixture stack deployed to an emptied emulator: its cloud assembly, clients, and compliance runs on it."""

    record: EmulatorRecord
    assembly: CloudAssembly
    forms: Any

    def aws(self, service: str) -> Any:
        return client(service, self.record)

    def physical_id(self, logical_id: str, stack: str = "Fixture") -> str:
        resources = self.aws("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
        return next(r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == logical_id)

    def factory(self, **kwargs: Any) -> ClientFactory:
        return ClientFactory.for_emulator(self.record, **kwargs)

    def check(
        self, *, ledger: Any = None, factory: ClientFactory | None = None, forms: Any = None, left_out: Any = None
    ) -> ComplianceResult:
        forms, template_only = forms or self.forms
        return check_compliance(
            self.assembly.dependency_order(),
            factory or self.factory(),
            forms,
            ledger=ledger,
            target=LiveTarget(self.record.endpoint_url, self.record.region, True, "test"),
            template_only=template_only,
            left_out=left_out,
        )


def write_assembly(root: Path, stacks: dict[str, dict[str, Any]]) -> CloudAssembly:
    """A cloud assembly in ``root``: stack id → template (dict); each resource's construct path is ``/Stack/LogicalId``."""
    root.mkdir(parents=True, exist_ok=True)
    artifacts = {}
    for stack, template in stacks.items():
        (root / f"{stack}.template.json").write_text(json.dumps(template, indent=1))
        artifacts[stack] = {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/unknown-region",
            "properties": {"templateFile": f"{stack}.template.json"},
            "metadata": {
                f"/{stack}/{lid}": [{"type": "aws:cdk:logicalId", "data": lid}] for lid in template["Resources"]
            },
        }
    (root / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": artifacts}))
    return read_assembly(root)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text())


@pytest.fixture
def deploy(emulator_server: EmulatorRecord, forms, tmp_path: Path) -> Callable[..., Live]:
    """``deploy("storage")``: the fixture template as stack ``Fixture`` on the emptied emulator."""
    from stackcheck.emulator.deploy import deploy_assembly

    def run(name: str, *, template: dict[str, Any] | None = None) -> Live:
        reset(emulator_server)
        assembly = write_assembly(tmp_path / "cdk.out", {"Fixture": template or fixture(name)})
        deploy_assembly(assembly, emulator_server, outputs_dir=tmp_path / "cfn-outputs")
        return Live(emulator_server, assembly, forms)

    return run


def outcomes(result: ComplianceResult) -> set[tuple[str, str | None, str]]:
    return {(f.rule_id, f.logical_id, f.status.value) for f in result.scan.findings}


def failures(result: ComplianceResult) -> set[tuple[str, str | None]]:
    return {(f.rule_id, f.logical_id) for f in result.scan.failures()}


# -- the live forms --------------------------------------------------------------------------------


def test_live_forms_are_the_rules_declaring_live_resource_types_and_checkovs_library_checks(every_form):
    live, template_only = every_form
    assert {(f.id, f.kind, f.resource_types) for f in live if f.origin != "checkov"} == {
        ("E9001", "template", ("AWS::ECS::Service",)),
        ("E9003", "template", ("AWS::S3::Bucket",)),
        ("E9004", "template", ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")),
        ("E9005", "template", ("AWS::ECS::Service",)),
        ("E9006", "template", ("AWS::EC2::SecurityGroup", "AWS::ElasticLoadBalancingV2::LoadBalancer")),
        ("E9008", "template", ("AWS::SecretsManager::Secret", "AWS::S3::Bucket", "AWS::SNS::Topic")),
        ("CKV_TAP_1", "resource", ("AWS::IAM::Role",)),
        (
            "CKV_TAP_3",
            "resource",
            (
                "AWS::RDS::DBInstance",
                "AWS::RDS::DBCluster",
                "AWS::S3::Bucket",
                "AWS::SNS::Topic",
                "AWS::Logs::LogGroup",
            ),
        ),
        ("CKV_TAP_4", "resource", ("AWS::S3::Bucket",)),
        (
            "CKV_TAP_5",
            "resource",
            ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"),
        ),
        (
            "CKV_TAP_8",
            "resource",
            (
                "AWS::S3::Bucket",
                "AWS::SNS::Topic",
                "AWS::RDS::DBInstance",
                "AWS::RDS::DBCluster",
                "AWS::SecretsManager::Secret",
            ),
        ),
        ("CKV_TAP_9", "resource", ("AWS::IAM::Role",)),
        ("CKV_TAP_10", "resource", ("AWS::DMS::ReplicationTask",)),
        ("CKV_AWS_21", "resource", ("AWS::S3::Bucket",)),
        ("CKV_AWS_7", "resource", ("AWS::KMS::Key",)),
    }
    assert {(f.id, f.rule.tool, f.rule.name) for f in live if f.origin == "library"} == {
        ("CKV_AWS_21", "checkov", "S3Versioning"),
        ("CKV_AWS_7", "checkov", "KMSRotation"),
    }
    assert template_only == ("CKV_TAP_2", "E9002", "E9007", "E9101", "E9102")
    assert {f.id: f.origin for f in live if f.origin != "checkov"} == {
        **dict.fromkeys(("E9001", "E9003", "E9004", "E9005", "E9006", "E9008"), "pack"),
        **dict.fromkeys(
            ("CKV_TAP_1", "CKV_TAP_3", "CKV_TAP_4", "CKV_TAP_5", "CKV_TAP_8", "CKV_TAP_9", "CKV_TAP_10"), "pack"
        ),
        "CKV_AWS_21": "library",
        "CKV_AWS_7": "library",
    }


# -- clean deployments -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean_deployment_passes_every_live_form(deploy, name):
    result = deploy(name).check()
    assert outcomes(result) == CLEAN[name], [f.message for f in result.scan.failures()]
    assert result.exit_code == 0
    assert {f.tool for f in result.scan.findings} == {LIVE_TOOL}
    assert {f.construct_path for f in result.scan.findings} == {f"/Fixture/{lid}" for _, lid, _ in CLEAN[name]}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_checkovs_checks_judge_each_clean_live_resource_as_checkov_judges_its_template(deploy, every_form, name):
    """checkov's own checks run on the live resources only where the readers read all they read: so on a
    clean deployment each gives the live resource checkov's verdict on the template (never more failures)."""
    from stackcheck.scan.base import StackContext
    from stackcheck.scan.checkov import CheckovScanner

    live = deploy(name)
    run_as_is = tuple(f for f in every_form[0] if f.origin == "checkov")
    result = live.check(forms=(run_as_is, ()))
    (artifact,) = live.assembly.dependency_order()
    types = {lid: r["Type"] for lid, r in artifact.template["Resources"].items()}
    context = StackContext("Fixture", artifact.template_file, resource_types=types)
    judged = {(f.id, t) for f in run_as_is for t in f.resource_types}
    template = {
        (f.rule_id, f.logical_id, f.status.value)
        for f in CheckovScanner().scan_template(artifact.template_file, context)
        if (f.rule_id, types.get(f.logical_id or "")) in judged
    }
    assert outcomes(result) == template
    assert len(template) >= 4


# -- out-of-band changes ---------------------------------------------------------------------------


def suspend_versioning(live: Live) -> None:
    live.aws("s3").put_bucket_versioning(
        Bucket="compliance-fixture-logs", VersioningConfiguration={"Status": "Suspended"}
    )


def delete_encryption(live: Live) -> None:
    live.aws("s3").delete_bucket_encryption(Bucket="compliance-fixture-logs")


def delete_public_access_block(live: Live) -> None:
    live.aws("s3").delete_public_access_block(Bucket="compliance-fixture-logs")


def allow_public_policies(live: Live) -> None:
    live.aws("s3").put_public_access_block(
        Bucket="compliance-fixture-logs",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )


def delete_bucket_policy(live: Live) -> None:
    live.aws("s3").delete_bucket_policy(Bucket="compliance-fixture-logs")


def policy_without_tls_deny(live: Live) -> None:
    live.aws("s3").put_bucket_policy(
        Bucket="compliance-fixture-logs",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": "s3:DeleteBucket",
                        "Resource": "arn:aws:s3:::compliance-fixture-logs",
                    }
                ],
            }
        ),
    )


def disable_key_rotation(live: Live) -> None:
    live.aws("kms").disable_key_rotation(KeyId=live.physical_id("Key"))


def drop_regional_dms_principal(live: Live) -> None:
    live.aws("iam").update_assume_role_policy(RoleName="dms-vpc-role", PolicyDocument=json.dumps(DMS_GLOBAL_ONLY))


def unencrypt_topic(live: Live) -> None:
    live.aws("sns").set_topic_attributes(
        TopicArn=live.physical_id("Topic"), AttributeName="KmsMasterKeyId", AttributeValue=""
    )


def recreate_log_group_unencrypted(live: Live) -> None:
    logs, name = live.aws("logs"), live.physical_id("LogGroup")
    logs.delete_log_group(logGroupName=name)
    logs.create_log_group(logGroupName=name)


def open_8080_to_the_world(live: Live) -> None:
    live.aws("ec2").authorize_security_group_ingress(
        GroupId=live.physical_id("ServiceSecurityGroup"), IpPermissions=OPEN_8080
    )


def move_alb_ingress_to_8080(live: Live) -> None:
    ec2 = live.aws("ec2")
    group, alb = live.physical_id("ServiceSecurityGroup"), live.physical_id("AlbSecurityGroup")
    pair = [{"GroupId": alb}]
    ec2.revoke_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": pair}]
    )
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": pair}]
    )


def health_check_on_8080(live: Live) -> None:
    live.aws("elbv2").modify_target_group(TargetGroupArn=live.physical_id("TargetGroup"), HealthCheckPort="8080")


def service_on_a_task_definition_listening_on_8080(live: Live) -> None:
    ecs = live.aws("ecs")
    arn = ecs.register_task_definition(
        family="compliance-web",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "web", "image": "nginx", "portMappings": [{"containerPort": 8080}]}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=live.physical_id("Cluster"), service=live.physical_id("Service"), taskDefinition=arn)


def make_database_public(live: Live) -> None:
    live.aws("rds").modify_db_instance(
        DBInstanceIdentifier=live.physical_id("Database"), PubliclyAccessible=True, ApplyImmediately=True
    )


def route_data_subnets_to_the_internet(live: Live) -> None:
    live.aws("ec2").create_route(
        RouteTableId=live.physical_id("DataTable"),
        DestinationCidrBlock="0.0.0.0/0",
        GatewayId=live.physical_id("Gateway"),
    )


def put_the_public_subnet_in_the_db_subnet_group(live: Live) -> None:
    live.aws("rds").modify_db_subnet_group(
        DBSubnetGroupName=live.physical_id("SubnetGroup"),
        SubnetIds=[live.physical_id("DataSubnetA"), live.physical_id("PublicSubnet")],
    )


def route_the_main_route_table_to_the_internet(live: Live) -> None:
    """Data subnets without an explicit association use the VPC's main route table."""
    ec2 = live.aws("ec2")
    vpc = live.physical_id("Vpc")
    data_subnets = {live.physical_id("DataSubnetA"), live.physical_id("DataSubnetB")}
    for table in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]:
        for association in table["Associations"]:
            if association.get("SubnetId") in data_subnets:
                ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
    (main,) = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"]
    ec2.create_route(
        RouteTableId=main["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=live.physical_id("Gateway")
    )


def put_star_on_star_on_the_app_role(live: Live) -> None:
    live.aws("iam").put_role_policy(
        RoleName=live.physical_id("AppRole"), PolicyName="widened", PolicyDocument=json.dumps(STAR_ON_STAR)
    )


def put_pass_any_role_on_the_app_role(live: Live) -> None:
    live.aws("iam").put_role_policy(
        RoleName=live.physical_id("AppRole"), PolicyName="run-tasks", PolicyDocument=json.dumps(PASS_ANY_ROLE)
    )


def put_star_on_star_on_a_role_declaring_no_inline_policy(live: Live) -> None:
    live.aws("iam").put_role_policy(
        RoleName=live.physical_id("TaskRole"), PolicyName="widened", PolicyDocument=json.dumps(STAR_ON_STAR)
    )


def widen_the_policy_copy_on_the_app_role(live: Live) -> None:
    """The AWS::IAM::Policy's inline copy on one of its two roles, overwritten under its own name."""
    live.aws("iam").put_role_policy(
        RoleName=live.physical_id("AppRole"), PolicyName="app-data", PolicyDocument=json.dumps(STAR_ON_STAR)
    )


def widen_the_managed_policy_default_version(live: Live) -> None:
    live.aws("iam").create_policy_version(
        PolicyArn=live.physical_id("PassPolicy"), SetAsDefault=True, PolicyDocument=json.dumps(PASS_ANY_ROLE)
    )


def put_all_but_iam_on_the_app_role(live: Live) -> None:
    live.aws("iam").put_role_policy(
        RoleName=live.physical_id("AppRole"), PolicyName="all-but-iam", PolicyDocument=json.dumps(ALL_BUT_IAM)
    )


def aws_managed_policy(live: Live, name: str) -> str:
    """The ARN of AWS managed policy ``name``, made known to the emulator's IAM first.

    IAM holds every AWS managed policy; the emulator loads one only when a CloudFormation role names it,
    so a stack outside the cloud assembly (never judged) declares a role attaching it.
    """
    arn = f"arn:aws:iam::aws:policy/{name}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
        ],
    }
    template = {
        "Resources": {
            "Holder": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": trust, "ManagedPolicyArns": [arn]},
            }
        }
    }
    live.aws("cloudformation").create_stack(
        StackName="Seed" + "".join(c for c in name if c.isalnum()),
        TemplateBody=json.dumps(template),
        Capabilities=["CAPABILITY_IAM"],
    )
    return arn


def attach_administrator_access_to_the_app_role(live: Live) -> None:
    live.aws("iam").attach_role_policy(
        RoleName=live.physical_id("AppRole"), PolicyArn=aws_managed_policy(live, "AdministratorAccess")
    )


def attach_power_user_access_to_the_user(live: Live) -> None:
    live.aws("iam").attach_user_policy(
        UserName=live.physical_id("Operator"), PolicyArn=aws_managed_policy(live, "PowerUserAccess")
    )


def attach_rds_enhanced_monitoring_to_the_app_role(live: Live) -> None:
    live.aws("iam").attach_role_policy(
        RoleName=live.physical_id("AppRole"),
        PolicyArn=aws_managed_policy(live, "service-role/AmazonRDSEnhancedMonitoringRole"),
    )


def put_star_on_star_on_the_user(live: Live) -> None:
    live.aws("iam").put_user_policy(
        UserName=live.physical_id("Operator"), PolicyName="break-glass", PolicyDocument=json.dumps(STAR_ON_STAR)
    )


# fixture, change -> exact unsuppressed failures (rule id, logical ID)
CHANGES = {
    "versioning_suspended": ("storage", suspend_versioning, {("CKV_AWS_21", "Bucket")}),
    # as on AWS, the bucket is then on SSE-S3: still encrypted (CKV_TAP_3), not with the customer key (CKV_TAP_8)
    "encryption_deleted": ("storage", delete_encryption, {("CKV_TAP_8", "Bucket")}),
    "public_access_block_deleted": ("storage", delete_public_access_block, {("CKV_TAP_4", "Bucket")}),
    "public_policies_allowed": ("storage", allow_public_policies, {("CKV_TAP_4", "Bucket")}),
    "bucket_policy_deleted": ("storage", delete_bucket_policy, {("E9003", "Bucket"), (GONE_RULE, "BucketPolicy")}),
    "tls_deny_replaced": ("storage", policy_without_tls_deny, {("E9003", "Bucket")}),
    "key_rotation_disabled": ("storage", disable_key_rotation, {("CKV_AWS_7", "Key")}),
    "regional_dms_principal_dropped": ("storage", drop_regional_dms_principal, {("CKV_TAP_1", "DmsVpcRole")}),
    "topic_unencrypted": ("storage", unencrypt_topic, {("CKV_TAP_3", "Topic"), ("CKV_TAP_8", "Topic")}),
    "log_group_recreated_unencrypted": ("storage", recreate_log_group_unencrypted, {("CKV_TAP_3", "LogGroup")}),
    "port_8080_open_to_the_world": (
        "web",
        open_8080_to_the_world,
        {("E9005", "ServiceSecurityGroup"), ("E9006", "ServiceSecurityGroup")},
    ),
    "alb_ingress_moved_to_8080": ("web", move_alb_ingress_to_8080, {("E9001", "ServiceSecurityGroup")}),
    "health_check_port_8080": ("web", health_check_on_8080, {("E9001", "TargetGroup")}),
    # the service still sends to container port 80: the rule reports the service, and the target group and
    # ingress rule that no longer match the one port the new task definition maps
    "task_definition_listens_on_8080": (
        "web",
        service_on_a_task_definition_listening_on_8080,
        {("E9001", "Service"), ("E9001", "TargetGroup"), ("E9001", "AlbToService")},
    ),
    "database_made_public": ("database", make_database_public, {("E9004", "Database")}),
    "data_subnets_routed_to_the_internet": ("database", route_data_subnets_to_the_internet, {("E9004", "Database")}),
    "public_subnet_in_the_db_subnet_group": (
        "database",
        put_the_public_subnet_in_the_db_subnet_group,
        {("E9004", "Database")},
    ),
    "main_route_table_routed_to_the_internet": (
        "database",
        route_the_main_route_table_to_the_internet,
        {("E9004", "Database")},
    ),
    "star_on_star_put_on_a_role": ("iam", put_star_on_star_on_the_app_role, {("CKV_TAP_5", "AppRole")}),
    "pass_role_on_star_put_on_a_role": ("iam", put_pass_any_role_on_the_app_role, {("CKV_TAP_5", "AppRole")}),
    # the template form does not apply to a role without inline policies: the live failure is still out of band
    "star_on_star_put_on_a_role_declaring_no_inline_policy": (
        "storage",
        put_star_on_star_on_a_role_declaring_no_inline_policy,
        {("CKV_TAP_5", "TaskRole")},
    ),
    # the copy belongs to the AWS::IAM::Policy, not to the role it sits on
    "policy_copy_widened_on_one_role": ("iam", widen_the_policy_copy_on_the_app_role, {("CKV_TAP_5", "AppPolicy")}),
    "managed_policy_version_widened": ("iam", widen_the_managed_policy_default_version, {("CKV_TAP_5", "PassPolicy")}),
    "star_on_star_put_on_a_user": ("iam", put_star_on_star_on_the_user, {("CKV_TAP_5", "Operator")}),
    "all_but_iam_put_on_a_role": ("iam", put_all_but_iam_on_the_app_role, {("CKV_TAP_5", "AppRole")}),
    "administrator_access_attached_to_a_role": (
        "iam",
        attach_administrator_access_to_the_app_role,
        {("CKV_TAP_5", "AppRole")},
    ),
    "power_user_access_attached_to_a_user": ("iam", attach_power_user_access_to_the_user, {("CKV_TAP_5", "Operator")}),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_out_of_band_change_fails_exactly_its_rule(deploy, change):
    name, make_change, expected = CHANGES[change]
    live = deploy(name)
    make_change(live)
    result = live.check()
    assert failures(result) == expected, [f.message for f in result.scan.failures()]
    assert result.exit_code == 1
    for finding in result.scan.failures():
        assert finding.construct_path == f"/Fixture/{finding.logical_id}"
        assert finding.message.endswith("restore it, or redeploy the stack"), finding.message
        assert finding.severity is Severity.ERROR and finding.tool == LIVE_TOOL


def test_failure_message_names_the_live_evidence_behind_the_property(deploy):
    live = deploy("storage")
    suspend_versioning(live)
    (finding,) = live.check().scan.failures()
    assert finding.message == (
        "Bucket `Bucket`: VersioningConfiguration.Status is Suspended; set VersioningConfiguration.Status to Enabled "
        "(CDK: versioned=True) [live: compliance-fixture-logs via s3:GetBucketVersioning]; the cloud assembly's "
        "template passes this rule, so the live resource was changed outside CloudFormation: restore it, or "
        "redeploy the stack"
    )
    assert finding.property_path == ("Properties", "VersioningConfiguration", "Status")
    assert finding.line is not None and finding.template_file.endswith("Fixture.template.json")


def test_inline_policy_on_a_role_fails_naming_the_role_construct_and_the_policy(deploy):
    live = deploy("iam")
    put_star_on_star_on_the_app_role(live)
    (finding,) = live.check().scan.failures()
    role = live.physical_id("AppRole")
    assert (finding.rule_id, finding.logical_id, finding.construct_path, finding.resource_type) == (
        "CKV_TAP_5",
        "AppRole",
        "/Fixture/AppRole",
        "AWS::IAM::Role",
    )
    assert finding.message == (
        'Role `AppRole`: policy `widened` Statement[0] allows Action "*" on Resource "*"; name the actions and resources '
        f"it needs [live: {role} via iam:ListRolePolicies, iam:GetRolePolicy]; the cloud assembly's template passes this "
        "rule, so the live resource was changed outside CloudFormation: restore it, or redeploy the stack"
    )
    assert finding.property_path == ("Properties", "Policies", 1, "PolicyDocument", "Statement", 0)


def test_pass_role_on_star_fails_naming_the_policy(deploy):
    live = deploy("iam")
    put_pass_any_role_on_the_app_role(live)
    (finding,) = live.check().scan.failures()
    assert finding.message.startswith(
        'Role `AppRole`: policy `run-tasks` Statement[0] allows iam:PassRole on Resource "*"; name the role ARNs it '
        f"may pass [live: {live.physical_id('AppRole')} via iam:ListRolePolicies, iam:GetRolePolicy]; "
    )


def test_not_action_on_star_fails_naming_the_role_construct_and_the_policy(deploy):
    live = deploy("iam")
    put_all_but_iam_on_the_app_role(live)
    (finding,) = live.check().scan.failures()
    assert (finding.rule_id, finding.logical_id, finding.construct_path) == ("CKV_TAP_5", "AppRole", "/Fixture/AppRole")
    assert finding.message == (
        'Role `AppRole`: policy `all-but-iam` Statement[0] allows every action except NotAction iam:* on Resource "*" '
        "(NotAction with Allow is administrator access but for the actions listed); list the actions it needs in Action "
        f"[live: {live.physical_id('AppRole')} via iam:ListRolePolicies, iam:GetRolePolicy]; the cloud assembly's "
        "template passes this rule, so the live resource was changed outside CloudFormation: restore it, or redeploy "
        "the stack"
    )
    assert finding.property_path == ("Properties", "Policies", 1, "PolicyDocument", "Statement", 0)


def test_administrator_access_attached_out_of_band_fails_naming_the_role_construct_and_the_policy(deploy):
    live = deploy("iam")
    attach_administrator_access_to_the_app_role(live)
    (finding,) = live.check().scan.failures()
    assert (finding.rule_id, finding.logical_id, finding.construct_path) == ("CKV_TAP_5", "AppRole", "/Fixture/AppRole")
    attached = live.aws("iam").list_attached_role_policies(RoleName=live.physical_id("AppRole"))["AttachedPolicies"]
    index = [p["PolicyName"] for p in attached].index("AdministratorAccess")
    assert finding.message == (
        f'Role `AppRole`: ManagedPolicyArns[{index}] attaches the AWS managed policy AdministratorAccess (Action "*" on '
        'Resource "*": administrator access); attach a policy naming the actions and resources it needs '
        f"[live: {live.physical_id('AppRole')} via iam:ListAttachedRolePolicies]; the cloud assembly's template passes "
        "this rule, so the live resource was changed outside CloudFormation: restore it, or redeploy the stack"
    )
    assert finding.property_path == ("Properties", "ManagedPolicyArns", index)


def test_administrator_access_in_the_template_is_also_a_live_failure_said_to_be_in_the_template(deploy):
    template = fixture("iam")
    template["Resources"]["LockedRole"]["Properties"]["ManagedPolicyArns"] = [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AdministratorAccess"]]}
    ]
    result = deploy("iam", template=template).check()
    assert failures(result) == {("CKV_TAP_5", "LockedRole")}
    (finding,) = result.scan.failures()
    assert finding.message.startswith(
        "Role `LockedRole`: ManagedPolicyArns[0] attaches the AWS managed policy AdministratorAccess "
    )
    assert finding.message.endswith("; the template fails this rule too (see `make scan`)")


def test_policy_copies_that_differ_are_judged_together_on_the_policy(deploy):
    live = deploy("iam")
    widen_the_policy_copy_on_the_app_role(live)
    (finding,) = live.check().scan.failures()
    app, locked = live.physical_id("AppRole"), live.physical_id("LockedRole")
    assert (finding.logical_id, finding.construct_path, finding.property_path) == (
        "AppPolicy",
        "/Fixture/AppPolicy",
        ("Properties", "PolicyDocument", "Statement", 0),
    )
    assert finding.message.startswith(
        'Policy `AppPolicy`: Statement[0] allows Action "*" on Resource "*"; name the actions and resources it needs '
        f"[live: {live.physical_id('AppPolicy')} via iam:GetRolePolicy; inline policy app-data of role {app}; inline "
        f"policy app-data of role {locked}; its 2 copies differ: their statements are judged together]; "
    )


def test_managed_policy_is_judged_on_its_default_version(deploy):
    live = deploy("iam")
    arn = live.physical_id("PassPolicy")
    widen_the_managed_policy_default_version(live)
    (finding,) = live.check().scan.failures()
    assert finding.message.startswith(
        'Managed policy `PassPolicy`: Statement[0] allows iam:PassRole on Resource "*"; name the role ARNs it may '
        f"pass [live: {arn} via iam:GetPolicy, iam:GetPolicyVersion; default version v2]; "
    )
    live.aws("iam").set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert outcomes(live.check()) == CLEAN["iam"]


def put_deny_all_on_the_app_role(live: Live) -> None:
    live.aws("iam").put_role_policy(
        RoleName=live.physical_id("AppRole"),
        PolicyName="deny-all",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
        ),
    )


def put_scoped_pass_role_on_the_app_role(live: Live) -> None:
    live.aws("iam").put_role_policy(
        RoleName=live.physical_id("AppRole"),
        PolicyName="pass-locked",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iam:PassRole",
                        "Resource": live.aws("iam").get_role(RoleName=live.physical_id("LockedRole"))["Role"]["Arn"],
                    }
                ],
            }
        ),
    )


def delete_the_policy_copy_from_the_app_role(live: Live) -> None:
    live.aws("iam").delete_role_policy(RoleName=live.physical_id("AppRole"), PolicyName="app-data")


@pytest.mark.parametrize(
    "change",
    [
        put_deny_all_on_the_app_role,
        put_scoped_pass_role_on_the_app_role,
        delete_the_policy_copy_from_the_app_role,
        attach_rds_enhanced_monitoring_to_the_app_role,
    ],
    ids=lambda c: c.__name__,
)
def test_inline_policy_change_that_allows_nothing_wider_passes(deploy, change):
    live = deploy("iam")
    change(live)
    result = live.check()
    assert outcomes(result) == CLEAN["iam"], [f.message for f in result.scan.failures()]
    assert result.exit_code == 0


def test_group_inline_policies_are_read_with_the_group_api(emulator_server, forms, tmp_path):
    """moto's CloudFormation cannot create groups: the group is made through IAM and the live template read directly."""
    from stackcheck.compliance import DeployedResource, DeployedStack, LiveReader

    reset(emulator_server)
    template = {"Resources": {"Ops": {"Type": "AWS::IAM::Group", "Properties": {"GroupName": "compliance-ops"}}}}
    live = Live(emulator_server, write_assembly(tmp_path / "cdk.out", {"Fixture": template}), forms)
    (artifact,) = live.assembly.dependency_order()
    live.aws("iam").create_group(GroupName="compliance-ops")
    live.aws("iam").put_group_policy(
        GroupName="compliance-ops", PolicyName="break-glass", PolicyDocument=json.dumps(STAR_ON_STAR)
    )
    stack = DeployedStack(
        artifact=artifact,
        status="CREATE_COMPLETE",
        resources=(
            DeployedResource("Fixture", "Ops", "AWS::IAM::Group", "compliance-ops", "CREATE_COMPLETE", "/Fixture/Ops"),
        ),
    )
    read = LiveReader(live.factory(), [stack]).live_template(stack, {"AWS::IAM::Group"})
    assert read.template == {
        "Resources": {
            "Ops": {
                "Type": "AWS::IAM::Group",
                "Properties": {
                    "GroupName": "compliance-ops",
                    "Policies": [{"PolicyName": "break-glass", "PolicyDocument": STAR_ON_STAR}],
                },
            }
        }
    }
    assert read.resources["Ops"].operations == [
        "iam:ListGroupPolicies",
        "iam:GetGroupPolicy",
        "iam:ListAttachedGroupPolicies",
    ]
    (form,) = [f for f in forms[0] if f.id == "CKV_TAP_5"]
    verdict = form.rule.evaluate("Ops", "AWS::IAM::Group", read.template["Resources"]["Ops"]["Properties"], read.view)
    assert (verdict.outcome.value, verdict.message) == (
        "FAILED",
        'Group `Ops`: policy `break-glass` Statement[0] allows Action "*" on Resource "*"; name the actions and '
        "resources it needs",
    )


def test_template_failure_is_also_a_live_failure_said_to_be_in_the_template(deploy):
    template = fixture("storage")
    del template["Resources"]["Bucket"]["Properties"]["VersioningConfiguration"]
    result = deploy("storage", template=template).check()
    assert failures(result) == {("CKV_AWS_21", "Bucket")}
    (finding,) = result.scan.failures()
    # the rule's path names no property here (VersioningConfiguration is absent), so every read of the bucket is named
    assert finding.message.endswith(
        "[live: compliance-fixture-logs via s3:GetBucketEncryption, s3:GetPublicAccessBlock, s3:GetBucketAcl, "
        "s3:GetBucketVersioning, "
        "s3:GetBucketPolicy; GetBucketVersioning: versioning never enabled]; the template fails this rule too "
        "(see `make scan`)"
    )


def test_rds_encrypted_with_the_aws_managed_key_fails_encryption_at_rest(deploy):
    template = fixture("database")
    del template["Resources"]["Database"]["Properties"]["KmsKeyId"]
    live = deploy("database", template=template)
    result = live.check()
    assert failures(result) == {("CKV_TAP_3", "Database"), ("CKV_TAP_8", "Database")}


def test_ledger_entry_on_the_construct_suppresses_the_live_finding(deploy, tmp_path):
    live = deploy("storage")
    suspend_versioning(live)
    ledger_file = tmp_path / "suppressions.yaml"
    ledger_file.write_text(
        "- rule: CKV_AWS_21\n  target: Fixture/Bucket\n  reason: versioning paused for the bulk delete\n"
        "  owner: platform-team\n  expires: 2999-01-01\n"
        "- rule: CKV_AWS_18\n  target: Fixture/Bucket\n  reason: a template-only rule id stays out\n"
        "  owner: platform-team\n  expires: 2999-01-01\n"
    )
    result = live.check(ledger=load_ledger(ledger_file))
    (suppressed,) = [f for f in result.scan.findings if f.status is Status.SUPPRESSED]
    assert (suppressed.rule_id, suppressed.logical_id, suppressed.suppression.reason) == (
        "CKV_AWS_21",
        "Bucket",
        "versioning paused for the bulk delete",
    )
    assert result.exit_code == 0
    assert result.scan.ledger_warnings == ()


def test_bucket_deleted_out_of_band_is_gone_and_fails_the_run(deploy):
    live = deploy("storage")
    s3 = live.aws("s3")
    for version in s3.list_object_versions(Bucket="compliance-fixture-logs").get("Versions", []):
        s3.delete_object(Bucket="compliance-fixture-logs", Key=version["Key"], VersionId=version["VersionId"])
    s3.delete_bucket(Bucket="compliance-fixture-logs")
    result = live.check()
    # the bucket's policy went with it: only the bucket is reported, and not as a resource that cannot be read
    assert READ_ERROR_RULE not in {f.rule_id for f in result.scan.findings}
    (gone,) = [f for f in result.scan.failures() if f.rule_id == GONE_RULE]
    assert (gone.logical_id, gone.status, gone.severity, gone.construct_path) == (
        "Bucket",
        Status.FAILED,
        Severity.ERROR,
        "/Fixture/Bucket",
    )
    assert gone.message == (
        "declared Bucket (AWS::S3::Bucket) is gone: CloudFormation lists it as compliance-fixture-logs "
        "(CREATE_COMPLETE), but its read answered An error occurred (NoSuchBucket) when calling the "
        "GetBucketEncryption operation: The specified bucket does not exist [live: compliance-fixture-logs via "
        "s3:GetBucketEncryption]; it was deleted outside CloudFormation (a redeploy recreates it): restore it, or "
        "redeploy the stack"
    )
    assert {(r, lid, status) for r, lid, status in outcomes(result)} == {
        (GONE_RULE, "Bucket", "FAILED"),
        ("CKV_TAP_1", "DmsVpcRole", "PASSED"),
        ("CKV_TAP_9", "DmsVpcRole", "PASSED"),
        ("CKV_TAP_3", "Topic", "PASSED"),
        ("CKV_TAP_3", "LogGroup", "PASSED"),
        ("CKV_TAP_8", "Topic", "PASSED"),
        ("CKV_AWS_7", "Key", "PASSED"),
        ("E9008", "Topic", "PASSED"),
    }
    assert result.exit_code == 1


def test_bucket_policy_deleted_out_of_band_is_declared_gone(deploy):
    live = deploy("storage")
    delete_bucket_policy(live)
    result = live.check()
    (gone,) = [f for f in result.scan.failures() if f.rule_id == GONE_RULE]
    assert (gone.logical_id, gone.resource_type, gone.status, gone.construct_path) == (
        "BucketPolicy",
        "AWS::S3::BucketPolicy",
        Status.FAILED,
        "/Fixture/BucketPolicy",
    )
    assert gone.message == (
        "declared BucketPolicy (AWS::S3::BucketPolicy) is gone: CloudFormation lists it as "
        f"{live.physical_id('BucketPolicy')} (CREATE_COMPLETE), but `Bucket` (AWS::S3::Bucket) has none [live: "
        "compliance-fixture-logs via s3:GetBucketEncryption, s3:GetPublicAccessBlock, s3:GetBucketAcl, "
        "s3:GetBucketVersioning, "
        "s3:GetBucketPolicy; GetBucketPolicy: NoSuchBucketPolicy]; it was deleted outside CloudFormation (a redeploy "
        "recreates it): restore it, or redeploy the stack"
    )
    assert gone.line is not None
    assert not [f for f in result.scan.findings if f.status is Status.UNKNOWN]


def test_listener_deleted_out_of_band_is_declared_gone_and_fails_the_run(deploy):
    live = deploy("web")
    listener = live.physical_id("Listener")
    live.aws("elbv2").delete_listener(ListenerArn=listener)
    result = live.check()
    (gone,) = [f for f in result.scan.failures() if f.rule_id == GONE_RULE]
    assert (gone.logical_id, gone.resource_type, gone.severity, gone.construct_path) == (
        "Listener",
        "AWS::ElasticLoadBalancingV2::Listener",
        Severity.ERROR,
        "/Fixture/Listener",
    )
    assert gone.message.startswith(
        "declared Listener (AWS::ElasticLoadBalancingV2::Listener) is gone: CloudFormation lists it as "
        f"{listener} (CREATE_COMPLETE), but `LoadBalancer` (AWS::ElasticLoadBalancingV2::LoadBalancer) has none "
        "[live: "
    )
    assert failures(result) == {(GONE_RULE, "Listener")}
    assert result.exit_code == 1


SECOND_KEY = {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True}}


def declare_more(live: Live, tmp_path: Path, **resources: Any) -> dict[str, Any]:
    """Point ``live`` at an assembly whose storage template declares ``resources`` beside what was deployed; its template."""
    template = fixture("storage")
    template["Resources"].update(resources)
    live.assembly = write_assembly(tmp_path / "changed.out", {"Fixture": template})
    return template


def test_resource_declared_but_not_deployed_is_unknown(deploy, tmp_path):
    live = deploy("storage")
    declare_more(live, tmp_path, SecondKey=SECOND_KEY)
    result = live.check()
    (unknown,) = [f for f in result.scan.findings if f.status is Status.UNKNOWN]
    assert (unknown.rule_id, unknown.logical_id, unknown.severity) == ("CKV_AWS_7", "SecondKey", Severity.WARNING)
    assert "declared in the cloud assembly but not in the deployed stack Fixture" in unknown.message
    assert result.exit_code == 0


def test_resources_the_deployment_left_out_are_listed_with_why_whatever_their_type(deploy, tmp_path):
    # as `deploy --allow-unsupported` leaves out what the emulator cannot create: nothing may pass silently over them
    from stackcheck.compliance.evaluate import NotDeployed
    from stackcheck.compliance.report import build_compliance_report, render_compliance_console

    live = deploy("storage")
    api = {"Type": "AWS::AppSync::GraphQLApi", "Properties": {"Name": "a", "AuthenticationType": "API_KEY"}}
    template = declare_more(live, tmp_path, SecondKey=SECOND_KEY, Api=api)
    why = "unsupported type AWS::AppSync::GraphQLApi"
    result = live.check(left_out={"Fixture": {"Api": why}})
    declared = len(template["Resources"])
    assert result.not_deployed == (
        NotDeployed("Fixture", "SecondKey", "AWS::KMS::Key", None),
        NotDeployed("Fixture", "Api", "AWS::AppSync::GraphQLApi", why),
    )
    (unknown,) = [f for f in result.scan.findings if f.status is Status.UNKNOWN]  # KMS has a live form, AppSync none
    assert "deploy the current cloud assembly" in unknown.message
    line = (
        f"2 of {declared} declared resources are not in their deployed stacks, so nothing checks them live: "
        f"AWS::AppSync::GraphQLApi ×1, AWS::KMS::Key ×1 (1 left out by the deployment, e.g. Api: {why})"
    )
    assert f"not deployed: {line}" in render_compliance_console(result).splitlines()
    assert build_compliance_report(result)["not_deployed"][1] == {
        "stack": "Fixture",
        "logical_id": "Api",
        "resource_type": "AWS::AppSync::GraphQLApi",
        "reason": why,
    }
    assert result.exit_code == 0


def test_a_resource_with_a_live_form_left_out_by_the_deployment_says_why_not_deploy_again(deploy, tmp_path):
    live = deploy("storage")
    declare_more(live, tmp_path, SecondKey=SECOND_KEY)
    result = live.check(left_out={"Fixture": {"SecondKey": "needs Vault, which was skipped"}})
    (unknown,) = [f for f in result.scan.findings if f.status is Status.UNKNOWN]
    assert (unknown.rule_id, unknown.severity, unknown.message) == (
        "CKV_AWS_7",
        Severity.WARNING,
        "AWS::KMS::Key `SecondKey` was left out of the deployed stack Fixture (needs Vault, which was skipped); "
        "it can be checked live only where it is created (AWS)",
    )


def test_every_resource_deployed_lists_none_not_deployed(deploy):
    from stackcheck.compliance.report import render_compliance_console

    result = deploy("storage").check()
    assert result.not_deployed == ()
    assert not [line for line in render_compliance_console(result).splitlines() if line.startswith("not deployed")]


def test_throttled_calls_are_retried_under_the_retry_profile(deploy):
    live = deploy("storage")
    log = RetryLog()
    factory = live.factory(profile=THROTTLING.without_waits(), log=log)
    throttled = []

    def throttle_once(**_: Any) -> Any:
        """botocore's before-call hook: a returned (response, parsed) stands for the service's answer."""
        from botocore.awsrequest import AWSResponse

        if throttled:
            return None
        throttled.append(True)
        return (
            AWSResponse("https://s3.amazonaws.com", 503, {}, None),
            {
                "Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."},
                "ResponseMetadata": {"HTTPStatusCode": 503},
            },
        )

    factory.raw("s3").meta.events.register("before-call.s3.GetBucketVersioning", throttle_once)
    result = live.check(factory=factory)
    assert outcomes(result) == CLEAN["storage"], [f.message for f in result.scan.failures()]
    assert [(r.operation, r.error_code, r.attempt) for r in log.records()] == [
        ("s3.get_bucket_versioning", "SlowDown", 1)
    ]


def test_cloudformation_throttled_past_the_retry_profile_could_not_check(deploy):
    from botocore.awsrequest import AWSResponse

    from stackcheck.errors import DetectionUnavailableError

    live = deploy("database")
    log = RetryLog()
    factory = live.factory(profile=THROTTLING.without_waits(), log=log)
    factory.raw("cloudformation").meta.events.register(
        "before-call.cloudformation.DescribeStacks",
        lambda **_: (
            AWSResponse("https://cloudformation.amazonaws.com", 400, {}, None),
            {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
        ),
    )
    with pytest.raises(
        DetectionUnavailableError, match=r"cannot read the deployed stacks at .* \(error\): .*Throttling"
    ):
        live.check(factory=factory)
    assert [r.attempt for r in log.records()] == [1, 2, 3, 4]


def test_stack_not_deployed_is_bad_input_saying_deploy_first(emulator_server, forms, tmp_path):
    reset(emulator_server)
    assembly = write_assembly(tmp_path / "cdk.out", {"Fixture": fixture("storage")})
    live = Live(emulator_server, assembly, forms)
    with pytest.raises(
        BadInputError,
        match=r"stacks not deployed at .*: Fixture \(does not exist\); deploy first with "
        r"`make deploy-local`",
    ):
        live.check()


# -- the command -----------------------------------------------------------------------------------


def record_file(directory: Path, endpoint: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "target.json"
    path.write_text(json.dumps({"target": "emulator", "endpoint_url": endpoint, "region": "us-east-1", "pid": 1}))
    return path


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    from stackcheck.cli import main

    code = main(["compliance", "--policies", str(POLICIES), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_command_writes_the_three_reports_and_exits_1_on_a_failure(deploy, every_form, tmp_path, capsys):
    live = deploy("web")
    open_8080_to_the_world(live)
    # the fixture's own template failures of checkov's checks, which run on the live resources too
    ledger = tmp_path / "template-failures.yaml"
    ledger.write_text(
        "".join(
            f"- rule: {rule}\n  target: Fixture/{target}\n  reason: {reason}\n"
            "  owner: platform-team\n  expires: 2999-01-01\n"
            for rule, target, reason in (
                ("CKV_AWS_2", "Listener", "the fixture's plain-HTTP load balancer"),
                ("CKV_AWS_103", "Listener", "the fixture's plain-HTTP load balancer"),
                ("CKV_AWS_91", "LoadBalancer", "the fixture's plain-HTTP load balancer"),
                ("CKV_AWS_131", "LoadBalancer", "the fixture's plain-HTTP load balancer"),
                ("CKV_AWS_260", "AlbSecurityGroup", "the fixture's plain-HTTP load balancer"),
                ("CKV_AWS_65", "Cluster", "the fixture's cluster declares no Container Insights"),
                ("CKV_AWS_23", "AlbToService", "the fixture's ingress rule declares no description"),
            )
        )
    )
    code, out, _ = run_cli(
        capsys,
        "--assembly",
        str(live.assembly.directory),
        "--ledger",
        str(ledger),
        "--report-dir",
        str(tmp_path / "reports"),
        "--emulator-record",
        str(record_file(tmp_path / "out", live.record.endpoint_url)),
    )
    assert code == 1
    assert "FAILED: 2 unsuppressed findings (7 suppressed)" in out.splitlines(), out
    report = json.loads((tmp_path / "reports" / "compliance.json").read_text())
    assert (report["schema"], report["exit_code"], report["target"]["emulator"]) == ("stackcheck.compliance/1", 1, True)
    checkov_run = {f.id for f in every_form[0] if f.origin == "checkov"}
    assert {
        (f["rule_id"], f["construct_path"], f["status"]) for f in report["findings"] if f["rule_id"] not in checkov_run
    } == {
        ("E9001", "/Fixture/Service", "PASSED"),
        ("E9001", "/Fixture/TargetGroup", "PASSED"),
        ("E9001", "/Fixture/AlbToService", "PASSED"),
        ("E9005", "/Fixture/AlbToService", "PASSED"),
        ("E9005", "/Fixture/ServiceSecurityGroup", "FAILED"),
        ("E9006", "/Fixture/AlbSecurityGroup", "PASSED"),
        ("E9006", "/Fixture/ServiceSecurityGroup", "FAILED"),
    }
    sarif = json.loads((tmp_path / "reports" / "compliance.sarif").read_text())
    (run,) = sarif["runs"]
    assert run["tool"]["driver"]["name"] == LIVE_TOOL
    assert [
        (r["ruleId"], r["level"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"])
        for r in run["results"]
    ] == [("E9005", "error", "/Fixture/ServiceSecurityGroup"), ("E9006", "error", "/Fixture/ServiceSecurityGroup")]
    coverage = {(c["resource_type"], c["rule_id"]): (c["live"], c["why"]) for c in report["coverage"]}
    assert coverage[("AWS::ElasticLoadBalancingV2::Listener", "CKV_AWS_2")] == (
        True,
        "checkov's check on the live resource; reads DefaultActions, Protocol, read live",
    )
    assert coverage[("AWS::ECS::Service", "E9001")] == (True, "the policy pack's live form")
    assert coverage[("AWS::EC2::SecurityGroup", "CKV_AWS_23")] == (
        False,
        "reads SecurityGroupEgress.Description, SecurityGroupIngress.Description, which the live reader does not read",
    )
    assert {t for t, _ in coverage} <= {r["Type"] for r in fixture("web")["Resources"].values()}
    markdown = (tmp_path / "reports" / "compliance.md").read_text()
    assert markdown.startswith("## stackcheck compliance: FAILED\n")
    assert (
        "| `AWS::EC2::SecurityGroup` | `CKV_AWS_23` | template only | reads SecurityGroupEgress.Description, "
        "SecurityGroupIngress.Description, which the live reader does not read |"
    ) in markdown.split("### Coverage", 1)[1]
    assert f"{sum(live for live, _ in coverage.values())} of {len(coverage)} rule × resource type pairs" in markdown
    assert "| `E9005` | stackcheck-live | Fixture | `/Fixture/ServiceSecurityGroup` |" in markdown
    assert "| `E9006` | stackcheck-live | Fixture | `/Fixture/ServiceSecurityGroup` |" in markdown
    # the pack's policies/pci-dss-v4.yaml: the live E9005 failure fails requirement 1.3.1
    assert (
        "| 1.3.1 | Inbound traffic to the cardholder data environment is restricted | FAIL | "
        "`E9004`, `E9005`, `E9006`, `CKV_AWS_260` |"
    ) in markdown.split("### PCI DSS v4.0", 1)[1]


def test_command_exits_0_when_compliant(deploy, tmp_path, capsys):
    live = deploy("database")
    ledger = tmp_path / "empty.yaml"
    ledger.write_text("[]\n")
    code, out, err = run_cli(
        capsys,
        "--assembly",
        str(live.assembly.directory),
        "--ledger",
        str(ledger),
        "--report-dir",
        str(tmp_path / "reports"),
        "--aws-endpoint-url",
        live.record.endpoint_url,
        "--aws-region",
        "us-east-1",
        "--emulator-record",
        str(record_file(tmp_path / "out", live.record.endpoint_url)),
    )
    assert code == 0, out
    assert "PASSED: no unsuppressed finding (0 suppressed)" in out.splitlines()
    # stderr: one progress line per stack judged (not a terminal), with the API calls its live read made
    (line,) = err.splitlines()
    assert re.fullmatch(r"compliance: 1/1 Fixture \([1-9]\d* API calls, 0 failed\)", line), line


def test_command_exits_2_for_a_missing_assembly_and_says_so_in_the_reports(tmp_path, capsys):
    code, _out, err = run_cli(
        capsys, "--assembly", str(tmp_path / "nowhere"), "--report-dir", str(tmp_path / "reports")
    )
    assert code == 2
    assert "does not exist; synthesize first with `make synth`" in err
    assert json.loads((tmp_path / "reports" / "compliance.json").read_text())["exit_code"] == 2
    assert (
        (tmp_path / "reports" / "compliance.md")
        .read_text()
        .startswith("## stackcheck compliance: NOT CHECKED (exit 2)")
    )


def test_command_exits_2_when_the_stacks_are_not_deployed(emulator_server, tmp_path, capsys):
    reset(emulator_server)
    assembly = write_assembly(tmp_path / "cdk.out", {"Fixture": fixture("storage")})
    code, _, err = run_cli(
        capsys,
        "--assembly",
        str(assembly.directory),
        "--report-dir",
        str(tmp_path / "reports"),
        "--emulator-record",
        str(record_file(tmp_path / "out", emulator_server.endpoint_url)),
    )
    assert code == 2
    assert "Fixture (does not exist); deploy first with `make deploy-local`" in err


def test_command_exits_3_when_the_emulator_does_not_answer(tmp_path, capsys):
    assembly = write_assembly(tmp_path / "cdk.out", {"Fixture": fixture("storage")})
    code, _, err = run_cli(
        capsys,
        "--assembly",
        str(assembly.directory),
        "--report-dir",
        str(tmp_path / "reports"),
        "--emulator-record",
        str(record_file(tmp_path / "out", "http://127.0.0.1:9")),
    )
    assert code == 3
    assert "the emulator at http://127.0.0.1:9" in err and "does not answer" in err
    sarif = json.loads((tmp_path / "reports" / "compliance.sarif").read_text())
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_command_exits_3_without_credentials(tmp_path, capsys, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assembly = write_assembly(tmp_path / "cdk.out", {"Fixture": fixture("storage")})
    code, _, err = run_cli(
        capsys,
        "--assembly",
        str(assembly.directory),
        "--report-dir",
        str(tmp_path / "reports"),
        "--no-emulator",
        "--aws-region",
        "us-east-1",
    )
    assert code == 3
    assert "no AWS credentials found" in err


# -- where the endpoint comes from -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, ("http://127.0.0.1:5000", "eu-west-1", True, "{record}")),
        (
            {"aws_region": "us-east-2"},
            ("http://127.0.0.1:5000", "us-east-2", True, "--aws-endpoint-url/--aws-region and {record}"),
        ),
        (
            {"aws_endpoint_url": "http://localhost:4566"},
            ("http://localhost:4566", "eu-west-1", False, "--aws-endpoint-url/--aws-region"),
        ),
        ({"no_emulator": True}, (None, None, False, "boto3 default chain")),
    ],
)
def test_target_comes_from_options_then_the_emulator_record_then_boto3(tmp_path, given, expected):
    from stackcheck.compliance.command import resolve_target

    path = tmp_path / "target.json"
    path.write_text(
        json.dumps({"target": "emulator", "endpoint_url": "http://127.0.0.1:5000", "region": "eu-west-1", "pid": 1})
    )
    args = argparse.Namespace(
        **{"aws_endpoint_url": None, "aws_region": None, "no_emulator": False, "emulator_record": str(path), **given}
    )
    target = resolve_target(args)
    endpoint, region, emulator, source = expected
    assert (target.endpoint_url, target.region, target.emulator, target.source) == (
        endpoint,
        region,
        emulator,
        source.format(record=path),
    )


def test_command_in_a_folder_without_a_pack_runs_checkovs_checks_alone(deploy, tmp_path, capsys, monkeypatch):
    from stackcheck.cli import main

    live = deploy("storage")
    monkeypatch.chdir(tmp_path)  # no policies/ here
    code = main(
        [
            "compliance",
            "--assembly",
            str(live.assembly.directory),
            "--report-dir",
            str(tmp_path / "reports"),
            "--emulator-record",
            str(record_file(tmp_path / "out", live.record.endpoint_url)),
        ]
    )
    capsys.readouterr()
    report = json.loads((tmp_path / "reports" / "compliance.json").read_text())
    rules = {f["rule_id"] for f in report["findings"]}
    assert (code, report["exit_code"]) == (0, 0)
    assert not {r for r in rules if r.startswith(("E9", "CKV_TAP_"))}  # no pack rule: checkov's checks only
    assert {"CKV_AWS_7", "CKV_AWS_20", "CKV_AWS_21", "CKV_AWS_53", "CKV_AWS_158"} <= rules
