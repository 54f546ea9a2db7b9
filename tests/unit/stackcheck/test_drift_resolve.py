"""The live-template method's parts without AWS: intrinsics resolved with a deployment, values compared, methods merged."""

from __future__ import annotations

import json

import pytest

from stackcheck.drift.compare import Difference, compare
from stackcheck.drift.merge import merge_resource
from stackcheck.drift.model import PropertyDifference, ResourceDrift, ResourceStatus, UncheckedProperty
from stackcheck.drift.resolve import DeclaredResolver, Deployment, Unresolved

STACK_ID = "arn:aws:cloudformation:eu-west-1:111122223333:stack/Shop/5f1e"
TEMPLATE = {
    "Parameters": {"Env": {"Type": "String"}, "Zones": {"Type": "CommaDelimitedList"}},
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Unknowable": {"Fn::Equals": [{"Fn::GetAZs": ""}, "x"]},
    },
    "Mappings": {"Sizes": {"prod": {"Db": "db.r6g.large"}}},
    "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}, "Group": {"Type": "AWS::EC2::SecurityGroup"}},
}


def resolver() -> DeclaredResolver:
    live = {("Group", "GroupId"): "sg-0abc"}
    return DeclaredResolver(
        TEMPLATE,
        Deployment(
            physical_ids={"Bucket": "shop-bucket-1x2y", "Group": "sg-0abc"},
            parameters={"Env": "prod", "Zones": "a,b"},
            pseudo=Deployment.pseudo_from_stack_id(STACK_ID, "Shop"),
            exports={"Network-VpcId": "vpc-123"},
            attribute=lambda lid, attr: live.get((lid, attr), Unresolved(f"Fn::GetAtt {lid}.{attr}: not live")),
        ),
    )


@pytest.mark.parametrize(
    "node, expected",
    [
        ({"Ref": "Bucket"}, "shop-bucket-1x2y"),
        ({"Ref": "Zones"}, ["a", "b"]),
        ({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/*"}, "arn:aws:s3:::shop-bucket-1x2y/*"),
        ({"Fn::Sub": ["${Name}-${AWS::Region}-${!Literal}", {"Name": {"Ref": "Env"}}]}, "prod-eu-west-1-${Literal}"),
        ({"Fn::Join": [":", ["a", {"Ref": "AWS::AccountId"}, 3]]}, "a:111122223333:3"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}, "y"),
        ({"Fn::If": ["IsProd", "big", "small"]}, "big"),
        ({"Fn::If": ["NotProd", "big", "small"]}, "small"),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Db"]}, "db.r6g.large"),
        ({"Fn::GetAtt": ["Group", "GroupId"]}, "sg-0abc"),
        ({"Fn::GetAtt": "Group.GroupId"}, "sg-0abc"),
        ({"Fn::ImportValue": "Network-VpcId"}, "vpc-123"),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"A": 1, "B": {"Ref": "AWS::NoValue"}, "C": [{"Ref": "AWS::NoValue"}, "x"]}, {"A": 1, "C": ["x"]}),
    ],
)
def test_intrinsics_resolve_with_the_deployment(node, expected):
    assert resolver().resolve(node) == expected


@pytest.mark.parametrize(
    "node, reason",
    [
        ({"Fn::GetAtt": ["Bucket", "Arn"]}, "Fn::GetAtt Bucket.Arn: not live"),
        ({"Fn::Sub": "${Bucket.Arn}/x"}, "Fn::Sub: Fn::GetAtt Bucket.Arn: not live"),
        ({"Fn::If": ["Unknowable", 1, 2]}, "Fn::If Unknowable: Fn::GetAZs is not resolved by the live-template diff"),
        ({"Fn::ImportValue": "Nope"}, "Fn::ImportValue Nope: no such export (ListExports)"),
        (
            "{{resolve:secretsmanager:db:SecretString:password}}",
            "dynamic reference {{resolve:secretsmanager:db:SecretString:password}}",
        ),
        ({"Ref": "Missing"}, "Ref Missing: no such resource or parameter in the template"),
        ({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}, "Fn::Cidr is not resolved by the live-template diff"),
    ],
)
def test_unresolvable_values_say_why(node, reason):
    assert resolver().resolve(node) == Unresolved(reason)


def test_pseudo_parameters_come_from_the_stack_id():
    assert Deployment.pseudo_from_stack_id("arn:aws-cn:cloudformation:cn-north-1:1:stack/S/g", "S") == {
        "AWS::Region": "cn-north-1",
        "AWS::AccountId": "1",
        "AWS::Partition": "aws-cn",
        "AWS::StackName": "S",
        "AWS::StackId": "arn:aws-cn:cloudformation:cn-north-1:1:stack/S/g",
        "AWS::URLSuffix": "amazonaws.com.cn",
    }


RULE_443 = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/16", "Description": "web"}
LIVE_443 = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/16"}
LIVE_22 = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}


def test_lists_compare_as_multisets_and_unread_keys_are_unchecked():
    found = compare([RULE_443], [LIVE_22, LIVE_443], "/SecurityGroupIngress")
    assert found.differences == [
        Difference(
            "/SecurityGroupIngress/0", "", '{"CidrIp":"0.0.0.0/0","FromPort":22,"IpProtocol":"tcp","ToPort":22}', "ADD"
        )
    ]
    assert found.unchecked == [("/SecurityGroupIngress/0/Description", "the live state read does not include it")]


def test_removed_list_items_are_remove_at_their_declared_index():
    found = compare(["a", "b", "c"], ["c", "a"], "/Subnets")
    assert [(d.path, d.expected, d.kind) for d in found.differences] == [("/Subnets/1", "b", "REMOVE")]


def test_key_value_lists_compare_declared_keys_only():
    declared = [{"Key": "deletion_protection.enabled", "Value": "true"}]
    live = [
        {"Key": "idle_timeout.timeout_seconds", "Value": "60"},
        {"Key": "deletion_protection.enabled", "Value": "false"},
    ]
    found = compare(declared, live, "/LoadBalancerAttributes")
    assert found.differences == [Difference("/LoadBalancerAttributes/0/Value", "true", "false", "NOT_EQUAL")]


@pytest.mark.parametrize(
    "declared, live, equal",
    [
        (80, "80", True),
        ("true", True, True),
        (30, 7, False),
        ("s3:GetObject", ["s3:GetObject"], True),
        (["s3:GetObject"], "s3:GetObject", True),
        ({"Status": "Enabled"}, {"Status": "Enabled", "MfaDelete": "Disabled"}, True),
        ("Enabled", None, False),
    ],
)
def test_scalars_compare_as_cloudformation_shows_them(declared, live, equal):
    assert (not compare(declared, live, "/P").differences) is equal


def drift(status: ResourceStatus, method: str | None, *differences: PropertyDifference) -> ResourceDrift:
    return ResourceDrift(
        logical_id="Bucket",
        resource_type="AWS::S3::Bucket",
        status=status,
        reported_status=status.value,
        differences=differences,
        method=method,
        unchecked_properties=(UncheckedProperty("/Tags", "not read"),) if method == "live-template" else (),
    )


VERSIONING = PropertyDifference("/VersioningConfiguration/Status", "Enabled", "Suspended", "NOT_EQUAL")
ENCRYPTION = PropertyDifference("/BucketEncryption", "{}", "", "REMOVE")


def test_a_resource_both_methods_checked_takes_the_worse_status_and_both_differences():
    merged = merge_resource(
        drift(ResourceStatus.MODIFIED, "cloudformation", VERSIONING),
        drift(ResourceStatus.MODIFIED, "live-template", VERSIONING, ENCRYPTION),
    )
    assert (merged.status, merged.method, merged.differences, merged.unchecked_properties) == (
        ResourceStatus.MODIFIED,
        "cloudformation+live-template",
        (VERSIONING, ENCRYPTION),
        (),
    )


def test_a_resource_cloudformation_did_not_check_takes_the_live_result():
    live = drift(ResourceStatus.MODIFIED, "live-template", ENCRYPTION)
    assert merge_resource(drift(ResourceStatus.NOT_CHECKED, None), live) == live
    cloudformation = drift(ResourceStatus.IN_SYNC, "cloudformation")
    assert merge_resource(cloudformation, drift(ResourceStatus.NOT_CHECKED, None)) == cloudformation


def test_json_text_on_both_sides_is_compared_as_the_objects_it_holds():
    declared = '{"Logging": {"EnableLogging": true}}'
    # DMS answers the task settings with its defaults filled in and its own spacing
    filled = '{"Logging":{"EnableLogging":true,"LogComponents":[]},"TargetMetadata":{"TargetSchema":""}}'
    assert compare(declared, filled, "/ReplicationTaskSettings").differences == []
    off = '{"Logging": {"EnableLogging": false}}'
    assert [(d.path, d.expected, d.actual, d.kind) for d in compare(declared, off, "/S").differences] == [
        ("/S/Logging/EnableLogging", "true", "false", "NOT_EQUAL")
    ]
    # text that is not JSON on one side stays text
    assert [d.kind for d in compare("{not json", "{not json either", "/S").differences] == ["NOT_EQUAL"]
    assert compare("[1, 2]", "[2, 1]", "/L").differences == []


def test_an_account_id_equals_its_root_arn_and_no_other_accounts():
    # Lambda's GetPolicy answers a permission given the account 123456789012 with its root ARN
    assert compare("123456789012", "arn:aws:iam::123456789012:root", "/Principal").differences == []
    assert compare("arn:aws-cn:iam::123456789012:root", "123456789012", "/Principal").differences == []
    assert [d.kind for d in compare("123456789012", "arn:aws:iam::210987654321:root", "/Principal").differences] == [
        "NOT_EQUAL"
    ]
    assert [d.kind for d in compare("123456789012", "arn:aws:iam::123456789012:user/ci", "/P").differences] == [
        "NOT_EQUAL"
    ]


def test_domain_names_compare_in_any_case_with_or_without_the_trailing_dot():
    # Route 53 answers alias targets lower-case with the trailing dot (ListResourceRecordSets)
    declared, answered = (
        "dualstack.App-Alb-1A2B.us-east-1.elb.amazonaws.com",
        "dualstack.app-alb-1a2b.us-east-1.elb.amazonaws.com.",
    )
    assert compare(declared, answered, "/AliasTarget/DNSName").differences == []
    assert [d.kind for d in compare("app.example.com.", "www.example.com.", "/Name").differences] == ["NOT_EQUAL"]
    # text that is not a domain name keeps its case
    assert [d.kind for d in compare("Enabled", "enabled", "/Status").differences] == ["NOT_EQUAL"]


TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "dms.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def test_a_policy_document_compares_whole_so_an_added_principal_is_drift():
    opened = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    found = compare(TRUST, opened, "/AssumeRolePolicyDocument")
    assert {(d.path, d.kind) for d in found.differences} == {
        ("/AssumeRolePolicyDocument/Statement/0", "REMOVE"),
        ("/AssumeRolePolicyDocument/Statement/0", "ADD"),
    }
    widened = {
        **TRUST,
        "Statement": [{**TRUST["Statement"][0], "Principal": {"Service": "dms.amazonaws.com", "AWS": "*"}}],
    }
    assert [(d.path, d.kind) for d in compare(TRUST, widened).differences] == [
        ("/Statement/0", "REMOVE"),
        ("/Statement/0", "ADD"),
    ]
    assert [
        (d.path, d.kind, d.actual)
        for d in compare(TRUST["Statement"][0], widened["Statement"][0], strict=True).differences
    ] == [("/Principal/AWS", "ADD", "*")]


def test_a_policy_document_the_service_keeps_as_written_is_in_sync_with_or_without_its_version():
    assert compare(TRUST, json.loads(json.dumps(TRUST))).differences == []
    assert compare({"Statement": TRUST["Statement"]}, {**TRUST, "Id": "key-default-1"}).differences == []
    outside = compare({"Tags": [{"Key": "a", "Value": "1"}], "Other": 1}, {"Tags": [{"Key": "a", "Value": "1"}]})
    assert (outside.differences, outside.unchecked) == ([], [("/Other", "the live state read does not include it")])


def test_a_state_machine_definition_compares_whole_as_json_text_or_object():
    declared = '{"StartAt": "Run", "States": {"Run": {"Type": "Task", "Resource": "arn:fn", "End": true}}}'
    retried = {
        "StartAt": "Run",
        "States": {"Run": {"Type": "Task", "Resource": "arn:fn", "Retry": [{"ErrorEquals": ["States.ALL"]}]}},
    }
    assert compare(declared, json.dumps(json.loads(declared), indent=2), "/DefinitionString").differences == []
    assert sorted(
        (d.path, d.kind) for d in compare(declared, json.dumps(retried), "/DefinitionString").differences
    ) == [
        ("/DefinitionString/States/Run/End", "REMOVE"),
        ("/DefinitionString/States/Run/Retry", "ADD"),
    ]
    assert [(d.path, d.kind) for d in compare(json.loads(declared), retried, "/Definition").differences] == [
        ("/Definition/States/Run/End", "REMOVE"),
        ("/Definition/States/Run/Retry", "ADD"),
    ]


def test_leaving_a_property_out_means_cloudformations_default_where_it_holds():
    from stackcheck.drift.live import with_defaults

    assert with_defaults("AWS::KMS::Key", {"Description": "d"}) == {"Description": "d", "Enabled": True}
    assert with_defaults("AWS::KMS::Key", {"Enabled": False}) == {"Enabled": False}
    assert with_defaults("AWS::KMS::Key", {"Origin": "EXTERNAL"}) == {"Origin": "EXTERNAL"}  # starts disabled
    assert with_defaults("AWS::IAM::Role", {}) == {"Policies": [], "ManagedPolicyArns": []}
    assert with_defaults("AWS::S3::Bucket", {"BucketName": "b"}) == {"BucketName": "b"}
