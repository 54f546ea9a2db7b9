"""Capability matrix: native (moto's model), extended (ours) or unsupported, introspected rather than listed."""

from __future__ import annotations

import json

import pytest

from stackcheck.cli import main
from stackcheck.emulator.capabilities import (
    EXTENDED,
    KNOWN_GAPS,
    NATIVE,
    UNSUPPORTED,
    capability_matrix,
    classify,
    format_matrix,
    unsupported_resources,
)


def no_emulator(assembly):
    """``--outputs-dir`` of a folder without an emulator record: the local moto answers, wherever the tests run."""
    return ["--outputs-dir", str(assembly.directory / "no-emulator")]


@pytest.mark.parametrize(
    ("resource_type", "support", "detail_start"),
    [
        ("AWS::S3::Bucket", NATIVE, "moto.s3.models.FakeBucket + stackcheck: VersioningConfiguration"),
        ("AWS::Logs::LogGroup", NATIVE, "moto.logs.models.LogGroup"),
        ("AWS::S3::BucketPolicy", EXTENDED, "stackcheck.emulator.cfn.s3.BucketPolicy"),
        ("AWS::DMS::Endpoint", EXTENDED, "stackcheck.emulator.cfn.dms.Endpoint"),
        ("AWS::CloudFront::Distribution", EXTENDED, "stackcheck.emulator.cfn.cloudfront.Distribution"),
        ("AWS::CloudFront::CloudFrontOriginAccessIdentity", UNSUPPORTED, "no CloudFormation model in moto or in"),
        ("AWS::CloudFormation::WaitCondition", UNSUPPORTED, "no CloudFormation model"),
        ("Custom::DatabaseSeed", UNSUPPORTED, "custom resources need their Lambda function to run"),
    ],
)
def test_classify(resource_type, support, detail_start):
    found_support, detail = classify(resource_type)
    assert found_support == support
    assert detail.startswith(detail_start)


COMMON_TYPES = {
    "AWS::Lambda::Function": (NATIVE, "moto.awslambda.models.LambdaFunction"),
    "AWS::Lambda::Permission": (NATIVE, "moto.awslambda.models.Permission"),
    "AWS::Lambda::EventSourceMapping": (NATIVE, "moto.awslambda.models.EventSourceMapping"),
    "AWS::Lambda::LayerVersion": (NATIVE, "moto.awslambda.models.LayerVersion"),
    "AWS::ApiGateway::RestApi": (NATIVE, "moto.apigateway.models.RestAPI"),
    "AWS::ApiGateway::Resource": (NATIVE, "moto.apigateway.models.Resource"),
    "AWS::ApiGateway::Method": (NATIVE, "moto.apigateway.models.Method"),
    "AWS::ApiGateway::Deployment": (NATIVE, "moto.apigateway.models.Deployment"),
    "AWS::ApiGateway::Stage": (EXTENDED, "stackcheck.emulator.cfn.apigateway.Stage"),
    "AWS::ApiGateway::Account": (EXTENDED, "stackcheck.emulator.cfn.apigateway.Account"),
    "AWS::ApiGatewayV2::Api": (EXTENDED, "stackcheck.emulator.cfn.apigatewayv2.Api"),
    "AWS::ApiGatewayV2::Stage": (EXTENDED, "stackcheck.emulator.cfn.apigatewayv2.Stage"),
    "AWS::ApiGatewayV2::Integration": (EXTENDED, "stackcheck.emulator.cfn.apigatewayv2.Integration"),
    "AWS::ApiGatewayV2::Route": (EXTENDED, "stackcheck.emulator.cfn.apigatewayv2.Route"),
    "AWS::DynamoDB::Table": (NATIVE, "moto.dynamodb.models.table.Table"),
    "AWS::SQS::Queue": (NATIVE, "moto.sqs.models.Queue"),
    "AWS::SNS::Topic": (NATIVE, "moto.sns.models.Topic"),
    "AWS::SNS::Subscription": (EXTENDED, "stackcheck.emulator.cfn.sns.Subscription"),
    "AWS::Events::Rule": (NATIVE, "moto.events.models.Rule"),
    "AWS::StepFunctions::StateMachine": (NATIVE, "moto.stepfunctions.models.StateMachine"),
    "AWS::AutoScaling::AutoScalingGroup": (NATIVE, "moto.autoscaling.models.FakeAutoScalingGroup"),
    "AWS::AutoScaling::LaunchConfiguration": (NATIVE, "moto.autoscaling.models.FakeLaunchConfiguration"),
    "AWS::EC2::LaunchTemplate": (NATIVE, "moto.ec2.models.launch_templates.LaunchTemplate"),
    "AWS::CloudFront::Distribution": (EXTENDED, "stackcheck.emulator.cfn.cloudfront.Distribution"),
    "AWS::CloudFront::OriginAccessControl": (EXTENDED, "stackcheck.emulator.cfn.cloudfront.OriginAccessControl"),
    "AWS::CloudFront::CloudFrontOriginAccessIdentity": (
        UNSUPPORTED,
        KNOWN_GAPS["AWS::CloudFront::CloudFrontOriginAccessIdentity"],
    ),
}


def test_the_types_public_cdk_apps_use_most_classify_exactly():
    found = {t: classify(t) for t in COMMON_TYPES}
    # the model class only: wrappers' "+ stackcheck: ..." suffixes are asserted by test_classify
    assert {t: (s, d.split(" + ")[0]) for t, (s, d) in found.items()} == COMMON_TYPES


def test_matrix_counts_types_over_stacks(make_assembly):
    matrix = capability_matrix(make_assembly({"Edge": ("unsupported", []), "Importer": ("importer", ["Edge"])}))
    assert [(c.resource_type, c.support, c.count, c.stacks) for c in matrix] == [
        ("AWS::AppRunner::Service", UNSUPPORTED, 1, ("Edge",)),
        ("AWS::S3::Bucket", NATIVE, 1, ("Edge",)),
        ("AWS::SSM::Parameter", NATIVE, 3, ("Edge", "Importer")),
    ]


def test_format_matrix_totals_line(make_assembly):
    text = format_matrix(capability_matrix(make_assembly({"Edge": ("unsupported", [])})))
    assert text.splitlines()[-1] == "3 types, 3 resources: 2 native, 0 extended, 1 unsupported"


def test_unsupported_resources_name_stack_and_logical_id(make_assembly):
    found = unsupported_resources(make_assembly({"Edge": ("unsupported", []), "Importer": ("importer", ["Edge"])}))
    assert found == {"AWS::AppRunner::Service": [("Edge", "Distribution")]}


def test_capabilities_command_exits_1_when_a_type_is_unsupported(make_assembly, capsys):
    assembly = make_assembly({"Edge": ("unsupported", [])})
    assert (
        main(["emulator", "capabilities", "--assembly", str(assembly.directory), *no_emulator(assembly), "--json"]) == 1
    )
    rows = json.loads(capsys.readouterr().out)
    assert {r["resource_type"]: r["support"] for r in rows} == {
        "AWS::AppRunner::Service": UNSUPPORTED,
        "AWS::S3::Bucket": NATIVE,
        "AWS::SSM::Parameter": NATIVE,
    }


def test_capabilities_command_exits_0_when_all_are_supported(make_assembly, capsys):
    assembly = make_assembly({"Stack": ("migration", [])})
    assert main(["emulator", "capabilities", "--assembly", str(assembly.directory), *no_emulator(assembly)]) == 0
    assert capsys.readouterr().out.splitlines()[-3:] == [
        "9 types, 12 resources: 5 native, 7 extended, 0 unsupported",
        "stack Stack: declared 12 / to create 12 / emulated 0 / skipped 0",
        "assets: none",
    ]


def test_an_assembly_with_missing_lookup_context_is_named_before_deploying(make_assembly, capsys):
    from stackcheck.assembly import read_assembly

    assembly = make_assembly({"Edge": ("importer", [])})
    manifest_file = assembly.directory / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    key = "vpc-provider:account=123456789012:filter.vpc-id=vpc-1:region=us-east-1:returnAsymmetricSubnets=true"
    manifest["missing"] = [{"key": key, "provider": "vpc-provider", "props": {}}]
    manifest_file.write_text(json.dumps(manifest))
    assert read_assembly(assembly.directory).missing_context == (key,)
    main(["emulator", "capabilities", "--assembly", str(assembly.directory), *no_emulator(assembly)])
    (warning,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("warning:")]
    assert warning.startswith(f"warning: the assembly was synthesized without the context of 1 lookup(s) ({key}): ")


def test_an_unreadable_emulator_record_leaves_capabilities_to_the_local_moto_and_is_named(make_assembly, capsys):
    assembly = make_assembly({"Stack": ("migration", [])})
    outputs = assembly.directory / "outputs"
    outputs.mkdir()
    (outputs / "target.json").write_text("{not json")
    assert main(["emulator", "capabilities", "--assembly", str(assembly.directory), "--outputs-dir", str(outputs)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("moto's types: as the moto installed here has them (")
    assert "target.json" in first
