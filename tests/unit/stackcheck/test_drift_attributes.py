"""stackcheck.drift.attributes: Fn::GetAtt values built from physical IDs, as the CloudFormation reference gives them."""

from __future__ import annotations

import pytest

from stackcheck.drift.attributes import ATTRIBUTES, attribute_from_physical_id

AWS = {"partition": "aws", "region": "us-west-2", "account": "123456789012"}
CHINA = {"partition": "aws-cn", "region": "cn-north-1", "account": "123456789012"}
LB = "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/my-load-balancer/50dc6c495c0c9188"
TG = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"


@pytest.mark.parametrize(
    ("resource_type", "physical_id", "attribute", "where", "live", "expected"),
    [
        (
            "AWS::KMS::Key",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "Arn",
            AWS,
            {},
            "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        ("AWS::KMS::Key", "1234abcd", "Arn", CHINA, {}, "arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd"),
        ("AWS::IAM::Role", "MyRole-AJJHDSKSDF", "Arn", AWS, {}, "arn:aws:iam::123456789012:role/MyRole-AJJHDSKSDF"),
        (
            "AWS::IAM::Role",
            "svc",
            "Arn",
            AWS,
            {"Path": "/service-role/"},
            "arn:aws:iam::123456789012:role/service-role/svc",
        ),
        ("AWS::IAM::Role", "svc", "Arn", AWS, {"Path": "no-slashes"}, None),
        (
            "AWS::S3::Bucket",
            "mystack-mybucket-kdwwxmddtr2g",
            "Arn",
            AWS,
            {},
            "arn:aws:s3:::mystack-mybucket-kdwwxmddtr2g",
        ),
        ("AWS::Lambda::Version", "arn:aws:lambda:us-west-2:123456789012:function:api:7", "Version", AWS, {}, "7"),
        ("AWS::Events::Rule", "nightly", "Arn", AWS, {}, "arn:aws:events:us-west-2:123456789012:rule/nightly"),
        (
            "AWS::Events::Rule",
            "orders|nightly",
            "Arn",
            AWS,
            {},
            "arn:aws:events:us-west-2:123456789012:rule/orders/nightly",
        ),
        (
            "AWS::Events::Rule",
            "default|nightly",
            "Arn",
            CHINA,
            {},
            "arn:aws-cn:events:cn-north-1:123456789012:rule/nightly",
        ),
        ("AWS::S3::Bucket", "logs", "DomainName", AWS, {}, "logs.s3.amazonaws.com"),
        ("AWS::S3::Bucket", "logs", "RegionalDomainName", CHINA, {}, "logs.s3.cn-north-1.amazonaws.com.cn"),
        (
            "AWS::Logs::LogGroup",
            "/mystack-testgroup-12ABC1AB12A1",
            "Arn",
            AWS,
            {},
            "arn:aws:logs:us-west-2:123456789012:log-group:/mystack-testgroup-12ABC1AB12A1:*",
        ),
        (
            "AWS::SQS::Queue",
            "https://sqs.us-west-2.amazonaws.com/123456789012/jobs",
            "Arn",
            AWS,
            {},
            "arn:aws:sqs:us-west-2:123456789012:jobs",
        ),
        ("AWS::SQS::Queue", "https://sqs.us-west-2.amazonaws.com/123456789012/jobs", "QueueName", AWS, {}, "jobs"),
        ("AWS::ECS::Service", "arn:aws:ecs:us-west-2:123456789012:service/cluster/web", "Name", AWS, {}, "web"),
        (
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            LB,
            "LoadBalancerFullName",
            AWS,
            {},
            "app/my-load-balancer/50dc6c495c0c9188",
        ),
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", "not-an-arn", "LoadBalancerFullName", AWS, {}, None),
        (
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            TG,
            "TargetGroupFullName",
            AWS,
            {},
            "targetgroup/my-targets/73e2d6bc24d8a067",
        ),
        ("AWS::SNS::Topic", "arn:aws:sns:us-west-2:123456789012:alerts", "TopicName", AWS, {}, "alerts"),
        ("AWS::EC2::EIP", "192.0.2.10", "AllocationId", AWS, {}, None),  # needs DescribeAddresses, not the Ref
        ("AWS::RDS::DBInstance", "db", "Endpoint.Address", AWS, {}, None),
        ("AWS::KMS::Key", "1234abcd", "Arn", {"partition": "aws", "region": "", "account": "1"}, {}, None),
    ],
)
def test_each_attribute_is_what_the_cloudformation_reference_gives(
    resource_type, physical_id, attribute, where, live, expected
):
    assert attribute_from_physical_id(resource_type, physical_id, attribute, where, live) == expected


def test_every_formula_answers_a_string_for_an_arn_shaped_physical_id():
    arn = "arn:aws:service:us-west-2:123456789012:thing/a/b"
    for (resource_type, attribute), formula in ATTRIBUTES.items():
        value = formula(arn, AWS, {})
        assert value is None or (isinstance(value, str) and value), (resource_type, attribute)


def test_an_address_given_as_ip_and_allocation_answers_its_public_ip():
    assert attribute_from_physical_id("AWS::EC2::EIP", "192.0.2.10|eipalloc-0abc", "PublicIp", AWS) == "192.0.2.10"
    assert attribute_from_physical_id("AWS::EC2::EIP", "192.0.2.10", "PublicIp", AWS) == "192.0.2.10"
