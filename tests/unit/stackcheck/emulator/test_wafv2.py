"""WAFv2 web ACLs on the emulator: created through moto's WAFv2 API with their rules; Ref and GetAtt as CloudFormation answers them."""

from __future__ import annotations

import dataclasses
import json

import pytest

from .conftest import write_assembly

RULE = {
    "Name": "AWSManagedRulesCommonRuleSet",
    "Priority": 0,
    "OverrideAction": {"None": {}},
    "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}},
    "VisibilityConfig": {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "common"},
}
VISIBILITY = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "acl"}
WEB_ACL = {
    "Resources": {
        "Acl": {
            "Type": "AWS::WAFv2::WebACL",
            "Properties": {
                "Name": "edge-acl",
                "Scope": "REGIONAL",
                "DefaultAction": {"Allow": {}},
                "VisibilityConfig": VISIBILITY,
                "Rules": [RULE],
                "Tags": [{"Key": "team", "Value": "platform"}],
            },
        }
    },
    "Outputs": {
        "AclRef": {"Value": {"Ref": "Acl"}},
        "AclArn": {"Value": {"Fn::GetAtt": ["Acl", "Arn"]}},
        "AclId": {"Value": {"Fn::GetAtt": ["Acl", "Id"]}},
    },
}


@pytest.mark.emulator
def test_a_web_acl_is_created_with_its_rules_and_answers_ref_and_getatt(deploy, aws):
    (stack,) = deploy({"Waf": (WEB_ACL, [])}).stacks
    outputs = stack.outputs
    assert outputs["AclRef"] == f"edge-acl|{outputs['AclId']}|REGIONAL"
    acl = aws("wafv2").get_web_acl(Name="edge-acl", Scope="REGIONAL", Id=outputs["AclId"])["WebACL"]
    assert (acl["ARN"], acl["DefaultAction"], [r["Name"] for r in acl["Rules"]]) == (
        outputs["AclArn"],
        {"Allow": {}},
        ["AWSManagedRulesCommonRuleSet"],
    )
    tags = aws("wafv2").list_tags_for_resource(ResourceARN=outputs["AclArn"])["TagInfoForResource"]["TagList"]
    assert tags == [{"Key": "team", "Value": "platform"}]


@pytest.mark.emulator
def test_a_cloudfront_web_acl_outside_us_east_1_fails_the_stack(emulator, emulator_dir, tmp_path):
    from stackcheck.emulator.deploy import deploy_assembly
    from stackcheck.errors import DeployError

    template = json.loads(json.dumps(WEB_ACL))
    template["Resources"]["Acl"]["Properties"]["Scope"] = "CLOUDFRONT"
    assembly = write_assembly(tmp_path / "cdk.out", {"Waf": (template, [])})
    in_ireland = dataclasses.replace(emulator, region="eu-west-1")
    with pytest.raises(DeployError) as err:
        deploy_assembly(assembly, in_ireland, outputs_dir=tmp_path / "out", log_file=emulator_dir / "emulator.log")
    assert "Acl (AWS::WAFv2::WebACL)" in str(err.value)
