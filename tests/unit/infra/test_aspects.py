"""EncryptionAspect: SSE-S3 for buckets without encryption, others untouched."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from infra.aspects import EncryptionAspect


def _bucket_encryption(configure):
    app = cdk.App()
    stack = cdk.Stack(app, "AspectTest")
    configure(stack)
    cdk.Aspects.of(stack).add(EncryptionAspect())
    buckets = Template.from_stack(stack).find_resources("AWS::S3::Bucket")
    return [b["Properties"].get("BucketEncryption") for b in buckets.values()]


def test_bucket_without_encryption_gets_sse_s3():
    assert _bucket_encryption(lambda st: s3.CfnBucket(st, "Plain")) == [
        {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    ]


def test_bucket_with_kms_encryption_is_left_alone():
    def configure(stack):
        s3.Bucket(stack, "Kms", encryption=s3.BucketEncryption.KMS, encryption_key=kms.Key(stack, "K"))

    (encryption,) = _bucket_encryption(configure)
    rule = encryption["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert rule["SSEAlgorithm"] == "aws:kms"


def _egress(allow_all_outbound: bool, add_rule: bool):
    from aws_cdk import aws_ec2 as ec2

    from infra.aspects import ExplicitEgressAspect

    app = cdk.App()
    stack = cdk.Stack(app, "EgressTest")
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=1,
        nat_gateways=0,
        restrict_default_security_group=False,
        subnet_configuration=[ec2.SubnetConfiguration(name="I", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    group = ec2.SecurityGroup(stack, "Group", vpc=vpc, allow_all_outbound=allow_all_outbound)
    other = ec2.SecurityGroup(stack, "Other", vpc=vpc)
    if add_rule:  # a rule to another group: the CDK renders it as a separate resource
        group.connections.allow_to(other, ec2.Port.tcp(5432))
    cdk.Aspects.of(stack).add(ExplicitEgressAspect())
    groups = Template.from_stack(stack).find_resources("AWS::EC2::SecurityGroup")
    (props,) = [g["Properties"] for k, g in groups.items() if k.startswith("Group")]
    return props.get("SecurityGroupEgress")


def test_closed_group_with_only_separate_egress_rules_gets_the_no_traffic_rule():
    assert _egress(allow_all_outbound=False, add_rule=True) == [
        {
            "CidrIp": "255.255.255.255/32",
            "Description": "Disallow all traffic",
            "IpProtocol": "icmp",
            "FromPort": 252,
            "ToPort": 86,
        }
    ]


def test_open_group_keeps_allow_all_egress():
    assert _egress(allow_all_outbound=True, add_rule=True) == [
        {"CidrIp": "0.0.0.0/0", "Description": "Allow all outbound traffic by default", "IpProtocol": "-1"}
    ]
