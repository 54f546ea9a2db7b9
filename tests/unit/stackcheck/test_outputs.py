"""Outputs files (flat, nested, live DescribeStacks) and the OutputResolver (role, kind, attribute, value shape)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from stackcheck.errors import (
    AmbiguousOutputError,
    BadInputError,
    OutputCollisionError,
    OutputNotFoundError,
    OutputsError,
)
from stackcheck.outputs import (
    OutputMatch,
    OutputResolver,
    describe_stack_outputs,
    flatten_outputs,
    key_words,
    load_outputs,
    write_outputs,
)

ACCT = "123456789012"
REGION = "us-east-1"
KEY1 = "1234abcd-12ab-34cd-56ef-1234567890a1"


def env_outputs(env: str, n: str) -> dict[str, str]:
    e = env.lower()
    return {
        f"{env}VpcId": f"vpc-0a1b2c3d4e5f6a7b{n}",
        f"{env}LogsBucketName": f"tap-{e}-logs-{ACCT}",
        f"{env}LogsBucketArn": f"arn:aws:s3:::tap-{e}-logs-{ACCT}",
        f"{env}DbInstanceIdentifier": f"tap-{e}-db",
        f"{env}DbEndpointAddress": f"tap-{e}-db.abc123xyz.{REGION}.rds.amazonaws.com",
        f"{env}DbEndpointPort": "5432",
        f"{env}DbSecretArn": f"arn:aws:secretsmanager:{REGION}:{ACCT}:secret:tap/{e}/db-AbCdE{n}",
        f"{env}KmsKeyArn": f"arn:aws:kms:{REGION}:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890a{n}",
        f"{env}LoadBalancerArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCT}:loadbalancer/app/tap-{e}/50dc6c495c0c918{n}",
        f"{env}LoadBalancerDnsName": f"tap-{e}-1234.{REGION}.elb.amazonaws.com",
        f"{env}LoadBalancerSecurityGroupId": f"sg-0aaaaaaaaaaaaaaa{n}",
        f"{env}TargetGroupArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCT}:targetgroup/tap-{e}-tg/73e2d6bc24d8a06{n}",
        f"{env}EcsClusterName": f"tap-{e}",
        f"{env}EcsServiceName": f"tap-{e}-svc",
        f"{env}EcsServiceArn": f"arn:aws:ecs:{REGION}:{ACCT}:service/tap-{e}/tap-{e}-svc",
        f"{env}TaskDefinitionArn": f"arn:aws:ecs:{REGION}:{ACCT}:task-definition/tap-{e}:3",
        f"{env}ServiceSecurityGroupId": f"sg-0bbbbbbbbbbbbbbb{n}",
        f"{env}DbSecurityGroupId": f"sg-0ccccccccccccccc{n}",
        f"{env}DmsEndpointArn": f"arn:aws:dms:{REGION}:{ACCT}:endpoint:{env.upper()}ENDPOINTABCDEFG",
        f"{env}DmsReplicationInstanceArn": f"arn:aws:dms:{REGION}:{ACCT}:rep:{env.upper()}REPINSTANCEABCDEF",
        f"{env}DmsSecretsAccessRoleArn": f"arn:aws:iam::{ACCT}:role/tap-{e}-dms-secrets",
        f"{env}AlarmTopicArn": f"arn:aws:sns:{REGION}:{ACCT}:tap-{e}-alarms",
        f"{env}FlowLogGroupName": f"/aws/vpc/flowlogs/tap-{e}",
    }


SHARED = {
    "DmsVpcRoleArn": f"arn:aws:iam::{ACCT}:role/dms-vpc-role",
    "DmsVpcRoleName": "dms-vpc-role",
    "DmsCloudWatchLogsRoleArn": f"arn:aws:iam::{ACCT}:role/service-role/dms-cloudwatch-logs-role",
    "DmsCloudWatchLogsRoleName": "dms-cloudwatch-logs-role",
    "HostedZoneId": "Z0123456789ABCDEFGHIJ",
    "HostedZoneName": "payments.example.com",
    "CutoverRecordName": "db.payments.example.com",
    "ReplicationTaskArn": f"arn:aws:dms:{REGION}:{ACCT}:task:TASKABCDEFGHIJKLMNOP",
}
OUTPUTS = {**env_outputs("Source", "1"), **env_outputs("Target", "2"), **SHARED}


@pytest.fixture(scope="module")
def resolver() -> OutputResolver:
    return OutputResolver(OUTPUTS)


# (role, kind, attr, qualifier, key, value, derived_from); value None = OUTPUTS[key]
RESOLVED = [
    ("source", "vpc", "id", None, "SourceVpcId", None, None),
    ("target", "vpc", "id", None, "TargetVpcId", None, None),
    ("source", "bucket", "name", None, "SourceLogsBucketName", None, None),
    ("source", "bucket", "arn", None, "SourceLogsBucketArn", None, None),
    ("target", "bucket", "name", "logs", "TargetLogsBucketName", None, None),
    ("source", "db_instance", "id", None, "SourceDbInstanceIdentifier", None, None),
    ("target", "db instance", "name", None, "TargetDbInstanceIdentifier", None, None),
    ("source", "db_instance", "endpoint", None, "SourceDbEndpointAddress", None, None),
    ("target", "db_instance", "port", None, "TargetDbEndpointPort", None, None),
    ("source", "db_secret", "arn", None, "SourceDbSecretArn", None, None),
    ("source", "db_secret", "name", None, "SourceDbSecretArn", "tap/source/db", "arn"),
    ("target", "kms_key", "arn", None, "TargetKmsKeyArn", None, None),
    ("source", "kms_key", "id", None, "SourceKmsKeyArn", KEY1, "arn"),
    ("source", "load_balancer", "arn", None, "SourceLoadBalancerArn", None, None),
    ("target", "load_balancer", "dns", None, "TargetLoadBalancerDnsName", None, None),
    ("source", "load_balancer", "name", None, "SourceLoadBalancerArn", "tap-source", "arn"),
    ("source", "target_group", "arn", None, "SourceTargetGroupArn", None, None),
    ("target", "target_group", "arn", None, "TargetTargetGroupArn", None, None),
    ("target", "target-group", "name", None, "TargetTargetGroupArn", "tap-target-tg", "arn"),
    ("source", "ecs_cluster", "name", None, "SourceEcsClusterName", None, None),
    ("target", "ecs_service", "name", None, "TargetEcsServiceName", None, None),
    ("target", "ecs_service", "arn", None, "TargetEcsServiceArn", None, None),
    ("source", "task_definition", "arn", None, "SourceTaskDefinitionArn", None, None),
    ("source", "task_definition", "name", None, "SourceTaskDefinitionArn", "tap-source", "arn"),
    ("source", "service_security_group", "id", None, "SourceServiceSecurityGroupId", None, None),
    ("target", "db_security_group", "id", None, "TargetDbSecurityGroupId", None, None),
    ("source", "alb_security_group", "id", None, "SourceLoadBalancerSecurityGroupId", None, None),
    ("source", "dms_endpoint", "arn", None, "SourceDmsEndpointArn", None, None),
    ("target", "dms_replication_instance", "arn", None, "TargetDmsReplicationInstanceArn", None, None),
    ("source", "dms_role", "arn", None, "SourceDmsSecretsAccessRoleArn", None, None),
    ("target", "dms_role", "name", "secrets access", "TargetDmsSecretsAccessRoleArn", "tap-target-dms-secrets", "arn"),
    (None, "dms_role", "arn", "vpc", "DmsVpcRoleArn", None, None),
    ("shared", "dms_role", "name", "vpc", "DmsVpcRoleName", None, None),
    ("none", "dms_role", "name", "CloudWatchLogs", "DmsCloudWatchLogsRoleName", None, None),
    (None, "dms_role", "arn", "cloudwatch logs", "DmsCloudWatchLogsRoleArn", None, None),
    ("source", "sns_topic", "arn", None, "SourceAlarmTopicArn", None, None),
    ("target", "sns_topic", "name", None, "TargetAlarmTopicArn", "tap-target-alarms", "arn"),
    ("source", "log_group", "name", None, "SourceFlowLogGroupName", None, None),
    ("target", "log_group", "name", "flow", "TargetFlowLogGroupName", None, None),
    (None, "hosted_zone", "id", None, "HostedZoneId", None, None),
    (None, "hosted zone", "name", None, "HostedZoneName", None, None),
    (None, "dns_record", "name", "cutover", "CutoverRecordName", None, None),
    (None, "replication_task", "arn", None, "ReplicationTaskArn", None, None),
]


@pytest.mark.parametrize(
    ("role", "kind", "attr", "qualifier", "key", "value", "derived"),
    RESOLVED,
    ids=[f"{r}-{k}-{a}" + (f"-{q}" if q else "") for r, k, a, q, *_ in RESOLVED],
)
def test_resolves_planned_keys(
    resolver: OutputResolver,
    role: str | None,
    kind: str,
    attr: str,
    qualifier: str | None,
    key: str,
    value: str | None,
    derived: str | None,
) -> None:
    match = resolver.resolve(role=role, kind=kind, attr=attr, qualifier=qualifier)
    assert match == OutputMatch(key=key, value=OUTPUTS[key] if value is None else value, derived_from=derived)
    assert resolver.get(role=role, kind=kind, attr=attr, qualifier=qualifier) == match.value


def test_bucket_name_derived_from_arn_when_only_arn_exists() -> None:
    only_arn = {"SourceLogsBucketArn": "arn:aws:s3:::tap-source-logs"}
    match = OutputResolver(only_arn).resolve(role="source", kind="bucket", attr="name")
    assert match == OutputMatch("SourceLogsBucketArn", "tap-source-logs", derived_from="arn")


NAME_ASKED = [
    ({"SourceLogsBucketName": "arn:aws:s3:::tap-source-logs"}, "bucket"),
    ({"SourceEcsServiceName": f"arn:aws:ecs:{REGION}:{ACCT}:service/c/svc"}, "ecs_service"),
    ({"SourceEcsClusterName": f"arn:aws:ecs:{REGION}:{ACCT}:cluster/c"}, "ecs_cluster"),
    ({"SourceDmsRoleName": f"arn:aws:iam::{ACCT}:role/r"}, "dms_role"),
    ({"SourceDbSecretName": f"arn:aws:secretsmanager:{REGION}:{ACCT}:secret:x-AbCdEf"}, "db_secret"),
    ({"SourceFlowLogGroupName": f"arn:aws:logs:{REGION}:{ACCT}:log-group:/x"}, "log_group"),
    ({"SourceAlarmTopicName": f"arn:aws:sns:{REGION}:{ACCT}:t"}, "sns_topic"),
    ({"SourceTaskDefinitionName": f"arn:aws:ecs:{REGION}:{ACCT}:task-definition/f:1"}, "task_definition"),
    ({"SourceLoadBalancerName": f"arn:aws:elasticloadbalancing:{REGION}:{ACCT}:loadbalancer/app/a/1"}, "load_balancer"),
    ({"SourceTargetGroupName": f"arn:aws:elasticloadbalancing:{REGION}:{ACCT}:targetgroup/t/1"}, "target_group"),
    ({"SourceDbInstanceName": f"arn:aws:rds:{REGION}:{ACCT}:db:x"}, "db_instance"),
    ({"HostedZoneName": "arn:aws:route53:::hostedzone/Z1"}, "hosted_zone"),
]


@pytest.mark.parametrize(("outputs", "kind"), NAME_ASKED, ids=[k for _, k in NAME_ASKED])
def test_never_hands_out_an_arn_for_a_name(outputs: dict, kind: str) -> None:
    key = next(iter(outputs))
    role = None if key.startswith("Hosted") else "source"
    with pytest.raises(OutputNotFoundError) as err:
        OutputResolver(outputs).get(role=role, kind=kind, attr="name")
    assert f"{key} (value {outputs[key]!r} is not " in str(err.value)


SHAPE_REJECTED = [
    ({"SourceLogsBucketArn": f"arn:aws:sns:{REGION}:{ACCT}:not-a-bucket"}, "bucket", "arn", "an S3 bucket ARN"),
    ({"SourceLogsBucketName": "Not_A_Bucket"}, "bucket", "name", "an S3 bucket name"),
    (
        {"SourceLoadBalancerArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCT}:targetgroup/tg/1"},
        "load_balancer",
        "arn",
        "an Elastic Load Balancing load balancer ARN",
    ),
    ({"SourceEcsServiceArn": f"arn:aws:ecs:{REGION}:{ACCT}:cluster/c"}, "ecs_service", "arn", "an ECS service ARN"),
    ({"SourceDbEndpointAddress": "not a host"}, "db_instance", "endpoint", "a hostname"),
    ({"SourceDbEndpointAddress": "localhost"}, "db_instance", "endpoint", "a hostname"),
    ({"SourceDbEndpointPort": "70000"}, "db_instance", "port", "a port number (1-65535)"),
    ({"SourceVpcId": "subnet-0123456789abcdef0"}, "vpc", "id", "a VPC ID (vpc-...)"),
    ({"SourceDbSecurityGroupId": "vpc-0123456789abcdef0"}, "db_security_group", "id", "a security group ID (sg-...)"),
    ({"SourceDmsEndpointArn": f"arn:aws:dms:{REGION}:{ACCT}:rep:X"}, "dms_endpoint", "arn", "a DMS endpoint ARN"),
    ({"SourceKmsKeyArn": f"arn:aws:kms:{REGION}:{ACCT}:alias/tap"}, "kms_key", "arn", "a KMS key ARN"),
]


@pytest.mark.parametrize(
    ("outputs", "kind", "attr", "described"), SHAPE_REJECTED, ids=[f"{k}-{a}" for _, k, a, _ in SHAPE_REJECTED]
)
def test_key_words_alone_do_not_match(outputs: dict, kind: str, attr: str, described: str) -> None:
    key, value = next(iter(outputs.items()))
    with pytest.raises(OutputNotFoundError) as err:
        OutputResolver(outputs, source="out.json").get(role="source", kind=kind, attr=attr)
    assert f"candidates: [{key} (value {value!r} is not {described})]" in str(err.value)


@pytest.mark.parametrize(
    "zone_id", ["/hostedzone/Z0123456789ABCDEFGHIJ", "Z0123456789ABCDEFGHIJ", "0A1B2C3D4E5F6G7H8I9J0K"]
)
def test_hosted_zone_id_shapes(zone_id: str) -> None:
    assert OutputResolver({"HostedZoneId": zone_id}).get(role=None, kind="hosted_zone", attr="id") == zone_id


def test_not_found_message(resolver: OutputResolver) -> None:
    with pytest.raises(OutputNotFoundError) as err:
        resolver.get(role="source", kind="hosted_zone", attr="id")
    assert str(err.value) == (
        "output for the source Route 53 hosted zone id not found in cfn-outputs/flat-outputs.json; "
        "candidates: [HostedZoneId (role shared), HostedZoneName (role shared)]; "
        "deploy first with `make deploy-local`"
    )


def test_not_found_lists_all_keys_when_no_key_names_the_kind() -> None:
    with pytest.raises(OutputNotFoundError) as err:
        OutputResolver({"SourceVpcId": "vpc-0123456789abcdef0"}, source="x.json").get(
            role="source", kind="bucket", attr="name"
        )
    assert str(err.value) == (
        "output for the source S3 bucket name not found in x.json; "
        "candidates: [SourceVpcId (not a S3 bucket)]; deploy first with `make deploy-local`"
    )


def test_not_found_names_attribute_held(resolver: OutputResolver) -> None:
    with pytest.raises(OutputNotFoundError, match=r"SourceDbInstanceIdentifier \(holds the id\)"):
        resolver.get(role="source", kind="db_instance", attr="arn")


def test_ambiguous_lists_candidates_never_the_first() -> None:
    outputs = {"SourceLogsBucketName": "tap-logs", "SourceDataBucketName": "tap-data"}
    resolver = OutputResolver(outputs, source="o.json")
    with pytest.raises(AmbiguousOutputError) as err:
        resolver.get(role="source", kind="bucket", attr="name")
    assert err.value.candidates == ["SourceLogsBucketName", "SourceDataBucketName"]
    assert str(err.value) == (
        "2 outputs in o.json match the source S3 bucket name: "
        "SourceLogsBucketName='tap-logs', SourceDataBucketName='tap-data'; "
        "pass qualifier= one of ['data', 'logs']"
    )
    assert resolver.get(role="source", kind="bucket", attr="name", qualifier="data") == "tap-data"
    assert isinstance(err.value, LookupError)


def test_ambiguous_shared_dms_roles(resolver: OutputResolver) -> None:
    with pytest.raises(AmbiguousOutputError) as err:
        resolver.get(role=None, kind="dms_role", attr="name")
    assert err.value.candidates == ["DmsVpcRoleName", "DmsCloudWatchLogsRoleName"]


def test_same_value_under_two_keys_is_one_answer() -> None:
    outputs = {"SourceBucketName": "tap-logs", "SourceLogsBucketName": "tap-logs"}
    assert OutputResolver(outputs).get(role="source", kind="bucket", attr="name") == "tap-logs"


def test_find_returns_all_without_raising(resolver: OutputResolver) -> None:
    assert resolver.find(role="source", kind="hosted_zone", attr="id") == []
    assert [m.key for m in resolver.find(role=None, kind="dms_role", attr="arn")] == [
        "DmsVpcRoleArn",
        "DmsCloudWatchLogsRoleArn",
    ]


def test_key_without_attribute_word_matches_by_shape() -> None:
    resolver = OutputResolver({"SourceVpc": "vpc-0123456789abcdef0"})
    assert resolver.get(role="source", kind="vpc", attr="id") == "vpc-0123456789abcdef0"
    with pytest.raises(OutputNotFoundError):
        resolver.get(role="source", kind="vpc", attr="arn")


@pytest.mark.parametrize(
    ("role", "kind", "attr", "message"),
    [
        ("blue", "bucket", "name", "unknown role 'blue'"),
        ("source", "bukket", "name", "unknown resource kind 'bukket'"),
        ("source", "bucket", "port", "a S3 bucket has no attribute 'port' here"),
    ],
)
def test_bad_queries(resolver: OutputResolver, role: str, kind: str, attr: str, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        resolver.get(role=role, kind=kind, attr=attr)


def test_custom_role_words() -> None:
    resolver = OutputResolver(
        {"BlueLogsBucketName": "blue-logs", "GreenLogsBucketName": "green-logs"},
        roles={"source": ["blue"], "target": ["green"]},
    )
    assert resolver.get(role="target", kind="bucket", attr="name") == "green-logs"


def test_role_from_stack_name_when_key_has_none() -> None:
    nested = {"TapStackdevSource": {"LogsBucketName": "src-logs"}, "TapStackdevRoute53": {"HostedZoneId": "Z1"}}
    resolver = OutputResolver.from_nested(nested)
    assert resolver.resolve(role="source", kind="bucket", attr="name") == OutputMatch(
        "LogsBucketName", "src-logs", stack="TapStackdevSource"
    )
    assert resolver.get(role=None, kind="hosted_zone", attr="id") == "Z1"


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("SourceDbEndpointAddress", ("source", "db", "endpoint", "address")),
        ("TargetLoadBalancerDNSName", ("target", "load", "balancer", "dns", "name")),
        ("DmsCloudWatchLogsRoleArn", ("dms", "cloud", "watch", "logs", "role", "arn")),
        ("source_logs-bucket2", ("source", "logs", "bucket", "2")),
        ("TapStackdevSource", ("tap", "stackdev", "source")),
    ],
)
def test_key_words(key: str, words: tuple[str, ...]) -> None:
    assert key_words(key) == words


def test_classification_prefers_most_specific_kind(resolver: OutputResolver) -> None:
    entries = resolver.entries
    assert entries["SourceLoadBalancerSecurityGroupId"].kinds == ("alb_security_group",)
    assert entries["TargetTargetGroupArn"].kinds == ("target_group",)
    assert entries["TargetTargetGroupArn"].role == "target"
    assert entries["TargetFlowLogGroupName"].kinds == ("log_group",)
    assert entries["TargetFlowLogGroupName"].role == "target"
    assert entries["DmsVpcRoleArn"].kinds == ("dms_role",)
    assert entries["SourceDbSecretArn"].kinds == ("db_secret",)


# -- loading -----------------------------------------------------------------------------------


def write(path: Path, content: Any) -> Path:
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_load_flat_file(tmp_path: Path) -> None:
    assert load_outputs(write(tmp_path / "flat.json", SHARED)) == SHARED


def test_load_nested_cdk_file(tmp_path: Path) -> None:
    nested = {
        "TapStackdevSource": {"SourceDbEndpointPort": 5432, "SourceVpcId": "vpc-1"},
        "TapStackdevRoute53": {"HostedZoneId": "Z1"},
    }
    assert load_outputs(write(tmp_path / "all.json", nested)) == {
        "SourceDbEndpointPort": "5432",
        "SourceVpcId": "vpc-1",
        "HostedZoneId": "Z1",
    }


def test_resolver_from_nested_file_keeps_stacks(tmp_path: Path) -> None:
    path = write(tmp_path / "all.json", {"TapStackdevTarget": {"LogsBucketName": "t-logs"}})
    match = OutputResolver.from_file(path).resolve(role="target", kind="bucket", attr="name")
    assert match == OutputMatch("LogsBucketName", "t-logs", stack="TapStackdevTarget")


BAD_FILES = [
    ("missing", None, "does not exist"),
    ("empty", "", "is empty"),
    ("blank", "  \n", "is empty"),
    ("not-json", "{nope", "is not valid JSON (line 1, column 2: Expecting property name enclosed in double quotes)"),
    ("list", "[1, 2]", "must hold a JSON object of output key -> value, got list"),
    ("number-value", json.dumps({"A": "x", "B": 5}), "values of ['B'] are not strings"),
    ("null-value", json.dumps({"A": None}), "values of ['A'] are not strings"),
    ("mixed", json.dumps({"Stack": {"A": "x"}, "B": "y"}), "values of ['Stack'] are not strings"),
]


@pytest.mark.parametrize(("content", "message"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_bad_outputs_files(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "flat-outputs.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(OutputsError) as err:
        load_outputs(path)
    text = str(err.value)
    assert text.startswith(f"outputs file {path}")
    assert message in text
    assert text.endswith("deploy first with `make deploy-local`")


def test_nested_file_collision(tmp_path: Path) -> None:
    path = write(tmp_path / "all.json", {"A": {"VpcId": "vpc-1"}, "B": {"VpcId": "vpc-2"}})
    with pytest.raises(OutputCollisionError, match="output key 'VpcId' is declared by both stack 'A' and stack 'B'"):
        load_outputs(path)


def test_nested_file_bad_value(tmp_path: Path) -> None:
    path = write(tmp_path / "all.json", {"A": {"VpcId": ["vpc-1"]}})
    with pytest.raises(OutputsError, match=r"output A.VpcId must be a string, got list"):
        load_outputs(path)


def test_write_then_load_round_trip(tmp_path: Path) -> None:
    nested = {"TapStackdevSource": {"SourceVpcId": "vpc-1"}, "TapStackdevTarget": {"TargetVpcId": "vpc-2"}}
    all_path, flat_path = write_outputs(nested, tmp_path / "cfn-outputs")
    assert (all_path.name, flat_path.name) == ("all-outputs.json", "flat-outputs.json")
    assert load_outputs(flat_path) == load_outputs(all_path) == flatten_outputs(nested)


# -- live DescribeStacks -----------------------------------------------------------------------


def stack(name: str, outputs: dict[str, str] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "StackName": name,
        "CreationTime": datetime(2024, 1, 1, tzinfo=UTC),
        "StackStatus": "CREATE_COMPLETE",
    }
    if outputs is not None:
        body["Outputs"] = [{"OutputKey": k, "OutputValue": v, "Description": "d"} for k, v in outputs.items()]
    return body


@pytest.fixture
def cfn() -> Any:
    return boto3.client(
        "cloudformation", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def test_describe_stack_outputs_paginates(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", {"Stacks": [stack("A", {"SourceVpcId": "vpc-1"})], "NextToken": "t"}, {})
        stub.add_response(
            "describe_stacks", {"Stacks": [stack("B", None), stack("C", {"HostedZoneId": "Z1"})]}, {"NextToken": "t"}
        )
        assert describe_stack_outputs(cfn) == {"A": {"SourceVpcId": "vpc-1"}, "B": {}, "C": {"HostedZoneId": "Z1"}}
        stub.assert_no_pending_responses()


def test_describe_stack_outputs_named_stacks(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", {"Stacks": [stack("A", {"K": "v"})]}, {"StackName": "A"})
        assert describe_stack_outputs(cfn, ["A"]) == {"A": {"K": "v"}}


def test_describe_stack_outputs_missing_stack(cfn: Any) -> None:
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "describe_stacks", "ValidationError", "Stack with id TapStackdevSource does not exist", 400
        )
        with pytest.raises(OutputsError) as err:
            describe_stack_outputs(cfn, ["TapStackdevSource"])
    assert str(err.value) == ("Stack with id TapStackdevSource does not exist; deploy first with `make deploy-local`")


def test_describe_stack_outputs_other_errors_propagate(cfn: Any) -> None:
    from botocore.exceptions import ClientError

    with Stubber(cfn) as stub:
        stub.add_client_error("describe_stacks", "AccessDenied", "no", 403)
        with pytest.raises(ClientError):
            describe_stack_outputs(cfn)


def test_no_name_or_id_query_returns_an_arn(resolver: OutputResolver) -> None:
    from stackcheck.outputs import KINDS

    answers = [
        (role, kind, attr, m.value)
        for kind, spec in KINDS.items()
        for attr in spec.attrs
        if attr != "arn"
        for role in ("source", "target", None)
        for m in resolver.find(role=role, kind=kind, attr=attr)
    ]
    assert len(answers) == 45  # every non-ARN attribute the planned keys hold or give
    assert [a for a in answers if a[3].startswith("arn:")] == []
