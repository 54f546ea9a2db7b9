"""CloudFront on the emulator: a distribution in front of an S3 bucket through an origin access control."""

from __future__ import annotations

import pytest

from stackcheck.emulator.cfn.cloudfront import distribution_config

SITE = {
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Control": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": "site",
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "Site": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "DefaultRootObject": "index.html",
                    "HttpVersion": "http2",
                    "Origins": [
                        {
                            "Id": "bucket",
                            "DomainName": {"Fn::GetAtt": ["Bucket", "RegionalDomainName"]},
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                            "OriginAccessControlId": {"Fn::GetAtt": ["Control", "Id"]},
                        }
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "bucket",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": ["GET", "HEAD", "OPTIONS"],
                        "CachedMethods": ["GET", "HEAD"],
                        "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                        "Compress": True,
                    },
                }
            },
        },
    },
    "Outputs": {
        "DistributionId": {"Value": {"Ref": "Site"}},
        "DistributionDomainName": {"Value": {"Fn::GetAtt": ["Site", "DomainName"]}},
        "ControlId": {"Value": {"Ref": "Control"}},
    },
}


def test_cloudformation_lists_become_the_apis_quantity_and_items():
    config = distribution_config(
        {
            "Aliases": ["www.example.com"],
            "Origins": [
                {"Id": "o", "DomainName": "example.com", "CustomOriginConfig": {"OriginSSLProtocols": ["TLSv1.2"]}}
            ],
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all"},
            "ViewerCertificate": {"AcmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"},
            "IPV6Enabled": False,
        },
        "ref",
    )
    assert config == {
        "CallerReference": "ref",
        "Aliases": {"Items": ["www.example.com"]},
        "Origins": {
            "Items": [
                {
                    "Id": "o",
                    "DomainName": "example.com",
                    "CustomOriginConfig": {"OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]}},
                }
            ]
        },
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all"},
        "ViewerCertificate": {
            "ACMCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x",
            "CloudFrontDefaultCertificate": False,
        },
        "IsIPV6Enabled": False,
    }


@pytest.mark.emulator
def test_a_distribution_in_front_of_a_bucket_is_created(deploy, aws):
    (stack,) = deploy({"Site": (SITE, [])}).stacks
    assert (stack.status, stack.created, stack.declared) == ("CREATE_COMPLETE", 3, 3)
    distribution = aws("cloudfront").get_distribution(Id=stack.outputs["DistributionId"])["Distribution"]
    assert distribution["DomainName"] == stack.outputs["DistributionDomainName"]
    config = distribution["DistributionConfig"]
    (origin,) = config["Origins"]["Items"]
    assert (origin["Id"], origin["DomainName"].endswith(".amazonaws.com")) == ("bucket", True)
    assert (config["DefaultRootObject"], config["DefaultCacheBehavior"]["ViewerProtocolPolicy"]) == (
        "index.html",
        "redirect-to-https",
    )
    control = aws("cloudfront").get_origin_access_control(Id=stack.outputs["ControlId"])["OriginAccessControl"]
    assert control["OriginAccessControlConfig"]["Name"] == "site"


@pytest.mark.emulator
def test_a_behavior_naming_no_origin_fails_the_stack(deploy):
    import copy

    from stackcheck.errors import DeployError

    template = copy.deepcopy(SITE)
    template["Resources"]["Site"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]["TargetOriginId"] = "nope"
    with pytest.raises(DeployError) as err:
        deploy({"Site": (template, [])})
    assert "Site (AWS::CloudFront::Distribution)" in str(err.value)
