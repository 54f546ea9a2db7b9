"""Nested stacks' outputs (CDK NestedStack, absent from the cdk CLI's outputs file), read from a real moto server."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from stackcheck.errors import OutputsError
from stackcheck.outputs import NestedStackOutputs, OutputMatch, OutputResolver, describe_nested_stack_outputs
from stackcheck.plugin.fixtures import StackOutputs

pytest_plugins = ["pytester"]

# A parent whose AWS::CloudFormation::Stack resource's TemplateURL names a template in S3
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-stack.html),
# nested two deep, as CDK synthesizes a NestedStack inside a NestedStack.
LEAF = {
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {"PublicZoneId": {"Value": "Z0123456789ABCDEFGHIJ"}},
}
CHILD = {
    "Resources": {
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Dns": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://tpl.s3.amazonaws.com/leaf.json"}},
    },
    "Outputs": {"TargetVpcId": {"Value": "vpc-0a1b2c3d4e5f60718"}},
}  # fmt: skip
PARENT = {
    "Resources": {
        "Network": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://tpl.s3.amazonaws.com/child.json"}},
    },
    "Outputs": {"SourceVpcId": {"Value": "vpc-11111111111111111"}},
}  # fmt: skip


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def client(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def cfn(endpoint: str) -> Any:
    """A CloudFormation client on an emptied moto server where stack ``Parent`` nests ``Network`` which nests ``Dns``."""
    # moto's backends live in this process: empty them so each test deploys afresh
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    s3 = client(endpoint, "s3")
    s3.create_bucket(Bucket="tpl")
    s3.put_object(Bucket="tpl", Key="child.json", Body=json.dumps(CHILD))
    s3.put_object(Bucket="tpl", Key="leaf.json", Body=json.dumps(LEAF))
    cloudformation = client(endpoint, "cloudformation")
    cloudformation.create_stack(StackName="Parent", TemplateBody=json.dumps(PARENT))
    return cloudformation


def physical_ids(cfn: Any, stack: str) -> dict[str, str]:
    resources = cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::CloudFormation::Stack"}  # fmt: skip


def test_nested_stack_outputs_are_read_at_every_depth(cfn: Any) -> None:
    network = physical_ids(cfn, "Parent")["Network"]
    dns = physical_ids(cfn, network)["Dns"]
    assert describe_nested_stack_outputs(cfn, "Parent") == [
        NestedStackOutputs(network, "Parent", "Network", {"TargetVpcId": "vpc-0a1b2c3d4e5f60718"}),
        NestedStackOutputs(dns, network, "Dns", {"PublicZoneId": "Z0123456789ABCDEFGHIJ"}),
    ]
    assert describe_nested_stack_outputs(cfn, dns) == []


def test_nested_stack_outputs_of_a_missing_stack_name_it(cfn: Any) -> None:
    with pytest.raises(OutputsError) as err:
        describe_nested_stack_outputs(cfn, "Nope")
    assert str(err.value) == "Stack with id Nope does not exist; deploy first with `make deploy-local`"


def file_outputs(cfn: Any) -> StackOutputs:
    """The ``outputs`` fixture's object over a cdk CLI file holding only the parent's outputs."""
    resolver = OutputResolver({}, nested={"Parent": {"SourceVpcId": "vpc-11111111111111111"}}, source="all.json")
    return StackOutputs(resolver, strict=True, read_nested=lambda name: describe_nested_stack_outputs(cfn, name))


def test_an_output_only_a_nested_stack_declares_is_found_under_its_name(cfn: Any) -> None:
    outputs = file_outputs(cfn)
    network = physical_ids(cfn, "Parent")["Network"]
    dns = physical_ids(cfn, network)["Dns"]
    assert outputs.resolve(role=None, kind="hosted_zone", attr="id") == OutputMatch(
        "PublicZoneId", "Z0123456789ABCDEFGHIJ", dns
    )
    assert outputs.resolver.stacks == sorted(["Parent", network, dns])
    assert outputs.resolver.parents == {network: "Parent", dns: network}
    assert outputs.expanded == {"Parent": None, network: None, dns: None}
    assert outputs.get(role="target", kind="vpc", attr="id", stack="Parent") == "vpc-0a1b2c3d4e5f60718"
    assert outputs.value("PublicZoneId", stack=network) == "Z0123456789ABCDEFGHIJ"


def test_a_lookup_the_file_answers_reads_no_nested_stack(cfn: Any) -> None:
    outputs = file_outputs(cfn)
    assert outputs.get(role="source", kind="vpc", attr="id") == "vpc-11111111111111111"
    assert outputs.expanded == {}
    assert outputs.resolver.stacks == ["Parent"]


def test_no_nested_output_matches_fails_naming_what_was_read(cfn: Any) -> None:
    outputs = file_outputs(cfn)
    with pytest.raises(pytest.fail.Exception) as err:
        outputs.value("DbClusterPort")
    assert str(err.value).startswith("output 'DbClusterPort' not found in all.json; closest keys:")
    assert len(outputs.resolver.stacks) == 3


def test_nested_stacks_that_cannot_be_read_are_named_in_the_failure() -> None:
    def unreadable(name: str) -> list[NestedStackOutputs]:
        raise OutputsError(f"Stack with id {name} does not exist")

    resolver = OutputResolver({}, nested={"Parent": {"SourceVpcId": "vpc-11111111111111111"}}, source="all.json")
    outputs = StackOutputs(resolver, strict=True, read_nested=unreadable)
    with pytest.raises(pytest.fail.Exception) as err:
        outputs.get(role=None, kind="hosted_zone", attr="id")
    assert str(err.value) == (
        "output for the shared Route 53 hosted zone id not found in all.json; "
        "candidates: [SourceVpcId (not a Route 53 hosted zone)]; deploy first with `make deploy-local` "
        "(nested stacks not read: Parent: Stack with id Parent does not exist)"
    )


def test_the_outputs_fixture_finds_a_nested_stacks_output(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, endpoint: str, cfn: Any
) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "STACKCHECK_STRICT", "STACKCHECK_OUTPUTS_FILE", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    network = physical_ids(cfn, "Parent")["Network"]
    (pytester.path / "cfn-outputs").mkdir()
    (pytester.path / "cfn-outputs" / "flat-outputs.json").write_text(
        json.dumps({"Parent": {"SourceVpcId": "vpc-11111111111111111"}})
    )
    pytester.makepyfile(f"""
        def test_vpc(outputs):
            match = outputs.resolve(role="target", kind="vpc", attr="id")
            assert (match.value, match.stack) == ("vpc-0a1b2c3d4e5f60718", {network!r})
    """)
    result = pytester.runpytest(
        "-rs", "-p", "no:xdist", "-p", "no:cacheprovider", "--aws-endpoint-url", endpoint, "--aws-region", "us-east-1"
    )
    result.assert_outcomes(passed=1)
