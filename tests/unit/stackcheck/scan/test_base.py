"""Template loading, stack ids, stack contexts (construct paths from the assembly or template metadata)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stackcheck.assembly import read_assembly
from stackcheck.errors import BadInputError
from stackcheck.scan.base import StackContext, load_template, split_resource_path, stack_id_for_file


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.yaml", "template {path} does not exist"),
        ("malformed.yaml", "template {path} is not valid YAML or JSON (line 6: "),
        # YAML would accept this trailing comma; a .json template must be strict JSON
        ("malformed.json", "template {path} is not valid JSON (line 3, column 42: Expecting property name"),
        (
            "no_resources.yaml",
            "template {path} has no Resources object; is it a CloudFormation template? CloudFormation requires one "
            "(an empty `Resources: {{}}` is valid)",
        ),
    ],
)
def test_bad_templates_raise_bad_input_naming_the_file(templates, name, message):
    path = templates / name
    with pytest.raises(BadInputError) as err:
        load_template(path)
    assert str(err.value).startswith(message.format(path=path))
    assert err.value.exit_code == 2


@pytest.mark.parametrize(("name", "text"), [("empty.json", '{"Resources": {}}'), ("empty.yaml", "Resources: {}\n")])
def test_a_template_with_empty_resources_is_valid(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    assert load_template(path) == {"Resources": {}}
    context = StackContext.from_template(path, load_template(path))
    assert (context.stack, context.construct_paths, context.resource_types) == ("empty", {}, {})


def test_directory_and_non_mapping_templates_raise(tmp_path):
    with pytest.raises(BadInputError, match="is a directory, not a file"):
        load_template(tmp_path)
    listing = tmp_path / "list.json"
    listing.write_text("[1, 2]")
    with pytest.raises(BadInputError, match=f"template {listing} must be an object"):
        load_template(listing)


def test_yaml_short_form_intrinsics_load(tmp_path):
    path = tmp_path / "tags.yaml"
    path.write_text(
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub '${AWS::StackName}-x'\n"
    )
    assert load_template(path)["Resources"]["Topic"]["Properties"]["TopicName"] == {"Fn::Sub": "${AWS::StackName}-x"}


@pytest.mark.parametrize(
    ("name", "stack"),
    [
        ("TapStackdevSource.template.json", "TapStackdevSource"),
        ("bucket.yaml", "bucket"),
        ("bucket.yml", "bucket"),
        ("bucket.template", "bucket"),
        ("bucket.json", "bucket"),
        ("README", "README"),
    ],
)
def test_stack_id_for_file(name, stack):
    assert stack_id_for_file(Path(name)) == stack


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["Resources", "Bucket", "Properties", "Rules", 0], ("Bucket", ("Properties", "Rules", 0))),
        (["Resources", "Bucket"], ("Bucket", ())),
        (["Outputs", "Url", "Value"], (None, ("Outputs", "Url", "Value"))),
        ([], (None, ())),
        (None, (None, ())),
    ],
)
def test_split_resource_path(path, expected):
    assert split_resource_path(path) == expected


def test_contexts_from_assembly_manifest_and_additional_metadata_file(templates):
    assembly = read_assembly(templates / "assembly")
    source, target = (StackContext.from_artifact(a) for a in assembly.stacks.values())
    assert (source.stack, dict(source.construct_paths), dict(source.resource_types)) == (
        "TapStackTestSource",
        {
            "StorageLogsBucketA1B2C3D4": "/TapStackTestSource/Storage/LogsBucket/Resource",
            "StorageDataBucketE5F6A7B8": "/TapStackTestSource/Storage/DataBucket/Resource",
        },
        {"StorageLogsBucketA1B2C3D4": "AWS::S3::Bucket", "StorageDataBucketE5F6A7B8": "AWS::S3::Bucket"},
    )
    # recent aws-cdk-lib writes the logical ID → path metadata to <Stack>.metadata.json
    assert (target.stack, dict(target.construct_paths)) == (
        "TapStackTestTarget",
        {"AlertsTopicC9D0E1F2": "/TapStackTestTarget/Alerts/Topic/Resource"},
    )


def test_context_from_template_reads_cdk_path_metadata(tmp_path):
    path = tmp_path / "Stack.template.json"
    template = {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Metadata": {"aws:cdk:path": "Stack/Alerts/Topic/Resource"}},
            "Queue": {"Type": "AWS::SQS::Queue"},
        }
    }
    path.write_text(json.dumps(template))
    context = StackContext.from_template(path, load_template(path))
    assert (
        context.stack,
        context.construct_path("Topic"),
        context.construct_path("Queue"),
        context.resource_type("Queue"),
        context.construct_path(None),
    ) == (
        "Stack",
        "Stack/Alerts/Topic/Resource",
        None,
        "AWS::SQS::Queue",
        None,
    )
