"""Capability matrix: native (moto's model), extended (ours) or unsupported, introspected rather than listed."""

from __future__ import annotations

import json

import pytest

from stackcheck.cli import main
from stackcheck.emulator.capabilities import (
    EXTENDED,
    NATIVE,
    UNSUPPORTED,
    capability_matrix,
    classify,
    format_matrix,
    unsupported_resources,
)


@pytest.mark.parametrize(
    ("resource_type", "support", "detail_start"),
    [
        ("AWS::S3::Bucket", NATIVE, "moto.s3.models.FakeBucket + stackcheck: VersioningConfiguration"),
        ("AWS::Logs::LogGroup", NATIVE, "moto.logs.models.LogGroup"),
        ("AWS::S3::BucketPolicy", EXTENDED, "stackcheck.emulator.cfn.s3.BucketPolicy"),
        ("AWS::DMS::Endpoint", EXTENDED, "stackcheck.emulator.cfn.dms.Endpoint"),
        ("AWS::CloudFront::Distribution", UNSUPPORTED, "no CloudFormation model in moto or in stackcheck"),
        ("AWS::CloudFormation::WaitCondition", UNSUPPORTED, "no CloudFormation model"),
        ("Custom::DatabaseSeed", UNSUPPORTED, "custom resources need their Lambda function to run"),
    ],
)
def test_classify(resource_type, support, detail_start):
    found_support, detail = classify(resource_type)
    assert found_support == support
    assert detail.startswith(detail_start)


def test_matrix_counts_types_over_stacks(make_assembly):
    matrix = capability_matrix(make_assembly({"Edge": ("unsupported", []), "Importer": ("importer", ["Edge"])}))
    assert [(c.resource_type, c.support, c.count, c.stacks) for c in matrix] == [
        ("AWS::CloudFront::Distribution", UNSUPPORTED, 1, ("Edge",)),
        ("AWS::S3::Bucket", NATIVE, 1, ("Edge",)),
        ("AWS::SSM::Parameter", NATIVE, 3, ("Edge", "Importer")),
    ]


def test_format_matrix_totals_line(make_assembly):
    text = format_matrix(capability_matrix(make_assembly({"Edge": ("unsupported", [])})))
    assert text.splitlines()[-1] == "3 types, 3 resources: 2 native, 0 extended, 1 unsupported"


def test_unsupported_resources_name_stack_and_logical_id(make_assembly):
    found = unsupported_resources(make_assembly({"Edge": ("unsupported", []), "Importer": ("importer", ["Edge"])}))
    assert found == {"AWS::CloudFront::Distribution": [("Edge", "Distribution")]}


def test_capabilities_command_exits_1_when_a_type_is_unsupported(make_assembly, capsys):
    assembly = make_assembly({"Edge": ("unsupported", [])})
    assert main(["emulator", "capabilities", "--assembly", str(assembly.directory), "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert {r["resource_type"]: r["support"] for r in rows} == {
        "AWS::CloudFront::Distribution": UNSUPPORTED,
        "AWS::S3::Bucket": NATIVE,
        "AWS::SSM::Parameter": NATIVE,
    }


def test_capabilities_command_exits_0_when_all_are_supported(make_assembly, capsys):
    assembly = make_assembly({"Stack": ("migration", [])})
    assert main(["emulator", "capabilities", "--assembly", str(assembly.directory)]) == 0
    assert capsys.readouterr().out.splitlines()[-3:] == [
        "9 types, 12 resources: 5 native, 7 extended, 0 unsupported",
        "stack Stack: declared 12 / to create 12 / emulated 0 / skipped 0",
        "assets: none",
    ]
