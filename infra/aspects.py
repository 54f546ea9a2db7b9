"""Cross-cutting aspects applied to every stack of the app."""

from __future__ import annotations

import jsii
from aws_cdk import IAspect, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3
from constructs import IConstruct


@jsii.implements(IAspect)
class EncryptionAspect:
    """Give SSE-S3 default encryption to every S3 bucket that declares none.

    Buckets that already declare ``BucketEncryption`` (SSE-S3 or SSE-KMS) are left as they are.
    See https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-bucketencryption.html
    """

    def visit(self, node: IConstruct) -> None:
        """Set ``BucketEncryption`` to AES256 on an ``AWS::S3::Bucket`` that has none."""
        if isinstance(node, s3.CfnBucket) and node.bucket_encryption is None:
            node.bucket_encryption = s3.CfnBucket.BucketEncryptionProperty(
                server_side_encryption_configuration=[
                    s3.CfnBucket.ServerSideEncryptionRuleProperty(
                        server_side_encryption_by_default=s3.CfnBucket.ServerSideEncryptionByDefaultProperty(
                            sse_algorithm="AES256"
                        )
                    )
                ]
            )


# The rule the CDK itself uses for "no egress": it matches no traffic.
NO_TRAFFIC_EGRESS = {
    "CidrIp": "255.255.255.255/32",
    "Description": "Disallow all traffic",
    "IpProtocol": "icmp",
    "FromPort": 252,
    "ToPort": 86,
}


@jsii.implements(IAspect)
class ExplicitEgressAspect:
    """Make ``allow_all_outbound=False`` hold for security groups whose egress rules live elsewhere.

    A security group declared without ``SecurityGroupEgress`` keeps EC2's default allow-all egress
    rule; rules added later as separate ``AWS::EC2::SecurityGroupEgress`` resources do not remove
    it. The CDK drops its no-traffic placeholder as soon as any egress rule exists, even one it
    renders as a separate resource, so the group would allow all outbound traffic. This aspect puts
    the placeholder back on such groups.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html
    """

    def visit(self, node: IConstruct) -> None:
        """Add the no-traffic egress rule to a CfnSecurityGroup that renders no egress of its own."""
        if not isinstance(node, ec2.SecurityGroup) or node.allow_all_outbound:
            return
        cfn = node.node.default_child
        rendered = Stack.of(node).resolve(cfn.security_group_egress)
        if not rendered:
            cfn.add_property_override("SecurityGroupEgress", [NO_TRAFFIC_EGRESS])
