"""App-level assertions: stacks, dependency order, resource counts, outputs, no custom resources."""

from __future__ import annotations

import json
import re

import aws_cdk as cdk
from aws_cdk.assertions import Template

from infra.app import build_app
from stackcheck.assembly import load_cdk_json

from .conftest import ROOT

STACKS = ["TapStackdevDmsPrereq", "TapStackdevSource", "TapStackdevTarget", "TapStackdevRoute53"]

# Exact resource inventory of one environment stack; Source and Target are the same class.
ENVIRONMENT_INVENTORY = {
    "AWS::CloudWatch::Alarm": 4,
    "AWS::DMS::Endpoint": 1,
    "AWS::DMS::ReplicationInstance": 1,
    "AWS::DMS::ReplicationSubnetGroup": 1,
    "AWS::EC2::EIP": 2,
    "AWS::EC2::FlowLog": 1,
    "AWS::EC2::InternetGateway": 1,
    "AWS::EC2::NatGateway": 2,
    "AWS::EC2::Route": 4,
    "AWS::EC2::RouteTable": 6,
    "AWS::EC2::SecurityGroup": 4,
    "AWS::EC2::SecurityGroupEgress": 3,
    "AWS::EC2::SecurityGroupIngress": 3,
    "AWS::EC2::Subnet": 6,
    "AWS::EC2::SubnetRouteTableAssociation": 6,
    "AWS::EC2::VPC": 1,
    "AWS::EC2::VPCGatewayAttachment": 1,
    "AWS::ECS::Cluster": 1,
    "AWS::ECS::Service": 1,
    "AWS::ECS::TaskDefinition": 1,
    "AWS::ElasticLoadBalancingV2::Listener": 1,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": 1,
    "AWS::ElasticLoadBalancingV2::TargetGroup": 1,
    "AWS::IAM::Policy": 3,
    "AWS::IAM::Role": 5,
    "AWS::KMS::Alias": 1,
    "AWS::KMS::Key": 1,
    "AWS::Logs::LogGroup": 2,
    "AWS::RDS::DBInstance": 1,
    "AWS::RDS::DBParameterGroup": 1,
    "AWS::RDS::DBSubnetGroup": 1,
    "AWS::S3::Bucket": 1,
    "AWS::S3::BucketPolicy": 1,
    "AWS::SNS::Topic": 1,
    "AWS::SNS::TopicPolicy": 1,
    "AWS::SecretsManager::Secret": 1,
    "AWS::SecretsManager::SecretTargetAttachment": 1,
}


def test_assembly_holds_the_four_stacks(app_assembly):
    assert list(app_assembly.stacks) == STACKS


def test_dependency_order_is_prereq_then_environments_then_route53(app_assembly):
    waves = [[a.artifact_id for a in wave] for wave in app_assembly.deployment_waves()]
    assert waves == [
        ["TapStackdevDmsPrereq"],
        ["TapStackdevSource", "TapStackdevTarget"],
        ["TapStackdevRoute53"],
    ]


def test_manifest_dependencies_are_exact(app_assembly):
    deps = {aid: set(a.dependencies) for aid, a in app_assembly.stacks.items()}
    assert deps == {
        "TapStackdevDmsPrereq": set(),
        "TapStackdevSource": {"TapStackdevDmsPrereq"},
        "TapStackdevTarget": {"TapStackdevDmsPrereq"},
        "TapStackdevRoute53": {"TapStackdevSource", "TapStackdevTarget"},
    }


def test_environment_stacks_have_the_exact_inventory(app_assembly):
    for role in ("Source", "Target"):
        assert app_assembly.stack(f"TapStackdev{role}").resource_types() == ENVIRONMENT_INVENTORY


def test_resource_totals_meet_the_migration_floor(app_assembly):
    counts = {aid: len(a.resources) for aid, a in app_assembly.stacks.items()}
    assert counts == {
        "TapStackdevDmsPrereq": 2,
        "TapStackdevSource": 74,
        "TapStackdevTarget": 74,
        "TapStackdevRoute53": 11,
    }
    assert app_assembly.resource_count() >= 150


def test_output_keys_never_collide_across_stacks(app_assembly):
    seen: dict[str, str] = {}
    for aid, artifact in app_assembly.stacks.items():
        for key in artifact.outputs:
            assert key not in seen, f"output {key} in both {seen.get(key)} and {aid}"
            seen[key] = aid
    assert {
        "SourceLogsBucketName",
        "SourceLogsBucketArn",
        "TargetLogsBucketName",
        "TargetLogsBucketArn",
        "HostedZoneId",
    } <= set(seen)


def test_no_lambda_backed_custom_resources(app_assembly):
    types = {t for a in app_assembly.stacks.values() for t in a.resource_types()}
    assert not {t for t in types if t.startswith("Custom::") or t == "AWS::CloudFormation::CustomResource"}
    assert "AWS::Lambda::Function" not in types


def test_no_password_literal_in_any_template(templates):
    text = json.dumps(templates)
    assert 'MasterUserPassword": "' not in text
    assert not re.search(r'"Password"\s*:\s*"', text)


def test_stacks_are_environment_agnostic_without_cdk_default_account(app_assembly):
    manifest = json.loads((app_assembly.directory / "manifest.json").read_text())
    envs = {manifest["artifacts"][aid]["environment"] for aid in STACKS}
    assert envs == {"aws://unknown-account/unknown-region"}


def test_context_sets_suffix_zone_and_weights():
    app = build_app(
        cdk.App(
            context={
                **load_cdk_json(ROOT)["context"],
                "environmentSuffix": "qa",
                "hostedZoneName": "pay.example.org",
                "recordName": "www",
                "sourceWeight": 30,
                "targetWeight": 70,
                "availabilityZones": ["eu-west-1a", "eu-west-1b"],
            }
        )
    )
    names = sorted(c.node.id for c in app.node.children if isinstance(c, cdk.Stack))
    assert names == ["TapStackqaDmsPrereq", "TapStackqaRoute53", "TapStackqaSource", "TapStackqaTarget"]
    route53 = Template.from_stack(app.node.find_child("TapStackqaRoute53"))
    records = route53.find_resources("AWS::Route53::RecordSet")
    assert sorted(
        (r["Properties"]["SetIdentifier"], r["Properties"]["Weight"], r["Properties"]["Name"]) for r in records.values()
    ) == [("source", 30, "www.pay.example.org."), ("target", 70, "www.pay.example.org.")]
    source = Template.from_stack(app.node.find_child("TapStackqaSource"))
    source.has_resource_properties("AWS::S3::Bucket", {"BucketName": "payment-logs-source-qa"})
    azs = {s["Properties"]["AvailabilityZone"] for s in source.find_resources("AWS::EC2::Subnet").values()}
    assert azs == {"eu-west-1a", "eu-west-1b"}


def test_every_logical_id_has_a_construct_path(app_assembly):
    for aid, artifact in app_assembly.stacks.items():
        missing = [lid for lid in artifact.resources if not artifact.construct_path(lid)]
        assert missing == [], f"{aid}: no construct path for {missing}"
    source = app_assembly.stack("TapStackdevSource")
    paths = {source.construct_path(lid) for lid in source.resources}
    assert "/TapStackdevSource/Database/Instance/Resource" in paths
