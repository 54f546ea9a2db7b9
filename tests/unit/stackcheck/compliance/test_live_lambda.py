"""The Lambda function reader on the emulator: exactly what it reads (never the environment), and its drift."""

from __future__ import annotations

from typing import Any

import pytest

from stackcheck.compliance import LiveReader, deployed_stacks
from stackcheck.drift.live import LiveDrift
from stackcheck.emulator.process import EmulatorRecord, reset
from tests.unit.stackcheck.emulator.conftest import lambda_resources
from tests.unit.stackcheck.test_compliance import Live, write_assembly

pytestmark = pytest.mark.emulator

SECRET = "do-not-read-me-7f3a"


def template() -> dict[str, Any]:
    resources = lambda_resources("python3.12")
    resources["Function"]["Properties"] |= {
        "MemorySize": 256,
        "Timeout": 30,
        "TracingConfig": {"Mode": "Active"},
        "Environment": {"Variables": {"API_TOKEN": SECRET}},
    }
    return {"Resources": resources}


@pytest.fixture(scope="module")
def function(emulator_server: EmulatorRecord, tmp_path_factory: pytest.TempPathFactory) -> Live:
    """One function and its role deployed once as stack ``Fixture``."""
    from stackcheck.emulator.deploy import deploy_assembly

    root = tmp_path_factory.mktemp("lambda")
    reset(emulator_server)
    assembly = write_assembly(root / "cdk.out", {"Fixture": template()})
    deploy_assembly(assembly, emulator_server, outputs_dir=root / "cfn-outputs")
    return Live(emulator_server, assembly, None)


def test_a_function_is_read_with_exactly_its_settings_and_never_its_environment(function):
    (deployed,) = deployed_stacks(function.aws("cloudformation"), function.assembly.dependency_order())
    reader = LiveReader(function.factory(), [deployed])
    live = reader.live_template(deployed, {"AWS::Lambda::Function"})
    name = function.physical_id("Function")
    role = function.aws("iam").get_role(RoleName=function.physical_id("Role"))["Role"]["Arn"]
    props = live.template["Resources"]["Function"]["Properties"]
    assert {k: v for k, v in props.items() if k != "Architectures"} == {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "MemorySize": 256,
        "Timeout": 30,
        "PackageType": "Zip",
        "Role": role,
        "TracingConfig": {"Mode": "Active"},
    }
    assert props.get("Architectures", ["x86_64"]) == ["x86_64"]
    assert live.resources["Function"].operations == ["lambda:GetFunction"]
    assert "Environment" not in props
    assert SECRET not in repr(live.template)
    assert SECRET not in repr(reader._answers)  # the answer is kept without the environment


def test_memory_cut_out_of_band_is_drift_and_the_clean_function_is_in_sync(function):
    drift = LiveDrift(function.factory())
    (clean,) = drift.detect(function.assembly.dependency_order())
    assert {r.logical_id: r.status.value for r in clean.resources} == {"Role": "IN_SYNC", "Function": "IN_SYNC"}
    name = function.physical_id("Function")
    function.aws("lambda").update_function_configuration(FunctionName=name, MemorySize=128)
    try:
        (changed,) = LiveDrift(function.factory()).detect(function.assembly.dependency_order())
    finally:
        function.aws("lambda").update_function_configuration(FunctionName=name, MemorySize=256)
    (found,) = [r for r in changed.resources if r.logical_id == "Function"]
    assert [(d.property_path, d.expected, d.actual, d.difference_type) for d in found.differences] == [
        ("/MemorySize", "256", "128", "NOT_EQUAL")
    ]


def test_detections_through_one_shared_reader_read_each_live_resource_once(function):
    (deployed,) = deployed_stacks(function.aws("cloudformation"), function.assembly.dependency_order())
    reader = LiveReader(function.factory(), [deployed])
    first, second = LiveDrift(function.factory(), reader=reader), LiveDrift(function.factory(), reader=reader)
    (one,) = first.detect(function.assembly.dependency_order())
    read = reader.calls
    (two,) = second.detect(function.assembly.dependency_order())
    assert reader.calls == read > 0  # the second detection answered every read from the shared reader
    assert second.calls == first.calls - read  # only its CloudFormation calls (stacks, exports) were made
    assert [(r.logical_id, r.status) for r in two.resources] == [(r.logical_id, r.status) for r in one.resources]


def permissions_template() -> dict[str, Any]:
    """The function with three permissions: EventBridge by a rule's ARN (the function by its ARN), an account
    (the function by its name), S3 from one account."""
    resources = lambda_resources("python3.12")
    resources |= {
        "FromRule": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Fn::GetAtt": ["Function", "Arn"]},
                "Principal": "events.amazonaws.com",
                "SourceArn": "arn:aws:events:us-east-1:123456789012:rule/fixture-nightly",
            },
        },
        "FromAccount": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": "Function"},
                "Principal": "210987654321",
            },
        },
        "FromBucket": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Fn::GetAtt": ["Function", "Arn"]},
                "Principal": "s3.amazonaws.com",
                "SourceAccount": "123456789012",
                "SourceArn": "arn:aws:s3:::fixture-uploads",
            },
        },
    }
    resources |= {
        "Version": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Function"}}},
        "Live": {
            "Type": "AWS::Lambda::Alias",
            "Properties": {
                "FunctionName": {"Ref": "Function"},
                "FunctionVersion": {"Fn::GetAtt": ["Version", "Version"]},
                "Name": "live",
            },
        },
        "FromApiOnAlias": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": "Live"},
                "Principal": "apigateway.amazonaws.com",
            },
        },
    }
    return {"Resources": resources}


@pytest.fixture
def permissions(emulator_server: EmulatorRecord, tmp_path: Any) -> Live:
    from stackcheck.emulator.deploy import deploy_assembly

    reset(emulator_server)
    assembly = write_assembly(tmp_path / "cdk.out", {"Fixture": permissions_template()})
    deploy_assembly(assembly, emulator_server, outputs_dir=tmp_path / "cfn-outputs")
    return Live(emulator_server, assembly, None)


def test_permissions_are_read_from_the_functions_policy_by_statement(permissions):
    (deployed,) = deployed_stacks(permissions.aws("cloudformation"), permissions.assembly.dependency_order())
    live = LiveReader(permissions.factory(), [deployed]).live_template(deployed, {"AWS::Lambda::Permission"})
    name = permissions.physical_id("Function")
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    assert permissions.physical_id("FromRule").startswith(f"{arn}|Fixture-FromRule-")
    assert {
        lid: live.template["Resources"][lid]["Properties"] for lid in ("FromRule", "FromAccount", "FromBucket")
    } == {
        "FromRule": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": arn,
            "Principal": "events.amazonaws.com",
            "SourceArn": "arn:aws:events:us-east-1:123456789012:rule/fixture-nightly",
        },
        "FromAccount": {"Action": "lambda:InvokeFunction", "FunctionName": name, "Principal": "210987654321"},
        "FromBucket": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": arn,
            "Principal": "s3.amazonaws.com",
            "SourceAccount": "123456789012",
            "SourceArn": "arn:aws:s3:::fixture-uploads",
        },
    }
    assert live.resources["FromRule"].operations == ["lambda:GetPolicy"]
    # on an alias (its Ref is its ARN): the statement's Resource, and the physical ID, name the alias
    assert permissions.physical_id("FromApiOnAlias").startswith(f"{arn}:live|Fixture-FromApiOnAlias-")
    assert live.template["Resources"]["FromApiOnAlias"]["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": f"{arn}:live",
        "Principal": "apigateway.amazonaws.com",
    }


def test_a_permission_removed_out_of_band_is_deleted_drift_and_the_others_in_sync(permissions):
    lambda_ = permissions.aws("lambda")
    name = permissions.physical_id("Function")
    sid = permissions.physical_id("FromAccount").rpartition("|")[2]
    lambda_.remove_permission(FunctionName=name, StatementId=sid)
    stacks = permissions.assembly.dependency_order()
    (stack,) = LiveDrift(permissions.factory()).detect(stacks, stacks)
    found = {r.logical_id: (r.status.value, tuple(d.property_path for d in r.differences)) for r in stack.resources}
    assert {
        lid: found[lid] for lid in ("FromRule", "FromAccount", "FromBucket", "FromApiOnAlias", "Version", "Live")
    } == {
        "FromRule": ("IN_SYNC", ()),
        "FromAccount": ("DELETED", ()),
        "FromBucket": ("IN_SYNC", ()),
        "FromApiOnAlias": ("IN_SYNC", ()),
        "Version": ("IN_SYNC", ()),
        "Live": ("IN_SYNC", ()),
    }


def layered_template() -> dict[str, Any]:
    """The function on a layer version of the same stack (``Layers``: a ``Ref`` of it, which answers its ARN)."""
    import base64
    import io
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("python/helper.py", "VALUE = 1\n")
    resources = lambda_resources("python3.12")
    resources["Helper"] = {
        "Type": "AWS::Lambda::LayerVersion",
        # moto takes PublishLayerVersion's ZipFile here; CloudFormation takes the archive from S3 (S3Bucket, S3Key)
        "Properties": {
            "Content": {"ZipFile": base64.b64encode(archive.getvalue()).decode()},
            "LayerName": "fixture-helpers",
            "Description": "shared helpers",
            "CompatibleRuntimes": ["python3.12", "python3.13"],
            "CompatibleArchitectures": ["arm64"],
            "LicenseInfo": "MIT",
        },
    }
    resources["Function"]["Properties"]["Layers"] = [{"Ref": "Helper"}]
    resources["Function"]["Properties"]["Architectures"] = ["arm64"]  # the layer's architecture
    return {"Resources": resources}


def test_a_function_on_a_layer_of_its_stack_reads_the_layers_arn_and_is_in_sync(emulator_server, tmp_path):
    from stackcheck.emulator.deploy import deploy_assembly

    reset(emulator_server)
    assembly = write_assembly(tmp_path / "cdk.out", {"Fixture": layered_template()})
    deploy_assembly(assembly, emulator_server, outputs_dir=tmp_path / "cfn-outputs")
    live = Live(emulator_server, assembly, None)
    layer = live.physical_id("Helper")
    assert layer.startswith("arn:aws:lambda:us-east-1:123456789012:layer:") and layer.endswith(":1")
    stacks = assembly.dependency_order()
    (stack,) = LiveDrift(live.factory()).detect(stacks, stacks)
    (function,) = [r for r in stack.resources if r.logical_id == "Function"]
    assert (function.status.value, function.differences) == ("IN_SYNC", ())
    assert live.aws("lambda").get_function(FunctionName=live.physical_id("Function"))["Configuration"][
        "Architectures"
    ] == ["arm64"]


def test_a_layer_version_reads_as_declared_and_deleted_out_of_band_is_deleted_drift(emulator_server, tmp_path):
    from stackcheck.emulator.deploy import deploy_assembly

    reset(emulator_server)
    assembly = write_assembly(tmp_path / "cdk.out", {"Fixture": layered_template()})
    deploy_assembly(assembly, emulator_server, outputs_dir=tmp_path / "cfn-outputs")
    live = Live(emulator_server, assembly, None)
    arn = live.physical_id("Helper")
    assert arn == "arn:aws:lambda:us-east-1:123456789012:layer:fixture-helpers:1"
    (deployed,) = deployed_stacks(live.aws("cloudformation"), assembly.dependency_order())
    read = LiveReader(live.factory(), [deployed]).live_template(deployed, {"AWS::Lambda::LayerVersion"})
    assert read.template["Resources"]["Helper"]["Properties"] == {
        "LayerName": "fixture-helpers",
        "Description": "shared helpers",
        "CompatibleRuntimes": ["python3.12", "python3.13"],
        "CompatibleArchitectures": ["arm64"],
        "LicenseInfo": "MIT",
    }
    assert read.resources["Helper"].operations == ["lambda:GetLayerVersion"]
    stacks = assembly.dependency_order()
    (clean,) = LiveDrift(live.factory()).detect(stacks, stacks)
    (layer,) = [r for r in clean.resources if r.logical_id == "Helper"]
    assert (layer.status.value, layer.differences, layer.unchecked_properties[0].property_path) == (
        "IN_SYNC",
        (),
        "/Content",
    )
    live.aws("lambda").delete_layer_version(LayerName="fixture-helpers", VersionNumber=1)
    (after,) = LiveDrift(live.factory()).detect(stacks, stacks)
    assert {r.logical_id: r.status.value for r in after.resources if r.logical_id == "Helper"} == {"Helper": "DELETED"}


def test_an_alias_and_its_version_read_as_declared(permissions):
    (deployed,) = deployed_stacks(permissions.aws("cloudformation"), permissions.assembly.dependency_order())
    live = LiveReader(permissions.factory(), [deployed]).live_template(
        deployed, {"AWS::Lambda::Alias", "AWS::Lambda::Version"}
    )
    name = permissions.physical_id("Function")
    assert permissions.physical_id("Live") == f"arn:aws:lambda:us-east-1:123456789012:function:{name}:live"
    assert live.template["Resources"]["Live"]["Properties"] == {
        "FunctionName": name,
        "Name": "live",
        "FunctionVersion": "1",
    }
    assert live.template["Resources"]["Version"]["Properties"] == {"FunctionName": name}
    assert live.resources["Version"].operations == ["lambda:GetFunctionConfiguration"]


@pytest.mark.parametrize(
    "physical_id", ["fixture-helpers", "arn:aws:lambda:us-east-1:123456789012:layer:fixture-helpers"]
)
def test_a_layer_version_physical_id_that_is_not_its_arn_is_a_read_error_not_a_deletion(physical_id):
    from stackcheck.compliance.live import TemplateBuilder
    from stackcheck.compliance.live.base import LiveResource

    class NoCalls:
        def call(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("no API call for a physical ID that names no layer version")

    resource = LiveResource("Helper", "AWS::Lambda::LayerVersion", physical_id, None)
    with pytest.raises(ValueError, match="is not a layer version ARN"):
        TemplateBuilder.lambda_layer_version(NoCalls(), resource)  # type: ignore[arg-type]
