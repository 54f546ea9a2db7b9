"""DmsPrereq stack: the two roles DMS requires by name, trusting both DMS service principals."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

BOTH_DMS_PRINCIPALS = [
    "dms.amazonaws.com",
    {"Fn::Join": ["", ["dms.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]},
]


@pytest.mark.parametrize(
    ("role_name", "policy"),
    [
        ("dms-vpc-role", "service-role/AmazonDMSVPCManagementRole"),
        ("dms-cloudwatch-logs-role", "service-role/AmazonDMSCloudWatchLogsRole"),
    ],
)
def test_role_exists_with_managed_policy_and_both_principals(template, role_name, policy):
    template("DmsPrereq").has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": role_name,
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": BOTH_DMS_PRINCIPALS}}
                ]
            },
            "ManagedPolicyArns": [
                {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::aws:policy/{policy}"]]}
            ],
        },
    )


def test_prereq_holds_only_the_two_roles(template):
    roles = template("DmsPrereq").find_resources("AWS::IAM::Role")
    assert sorted(r["Properties"]["RoleName"] for r in roles.values()) == ["dms-cloudwatch-logs-role", "dms-vpc-role"]


def test_prereq_outputs_role_names_and_arns(templates):
    assert set(templates["DmsPrereq"]["Outputs"]) == {
        "DmsVpcRoleArn",
        "DmsVpcRoleName",
        "DmsCloudWatchLogsRoleArn",
        "DmsCloudWatchLogsRoleName",
    }


def test_migration_secrets_role_trusts_both_principals(template):
    for env in ("Source", "Target"):
        template(env).has_resource_properties(
            "AWS::IAM::Role",
            {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {"Principal": {"Service": BOTH_DMS_PRINCIPALS}, "Action": "sts:AssumeRole", "Effect": "Allow"}
                    ]
                },
                "Description": Match.string_like_regexp("DMS read"),
            },
        )
