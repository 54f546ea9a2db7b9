"""The live-template drift method on a real emulator server: a small stack deployed, changed out of band with boto3, `stackcheck drift` run."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stackcheck.assembly import read_assembly
from stackcheck.cli import main
from stackcheck.emulator.process import EmulatorRecord, client, reset, start, stop

pytestmark = pytest.mark.emulator

REPO = Path(__file__).resolve().parents[3]
FIXTURE = REPO / "tests" / "data" / "drift" / "live" / "fixture.json"
BUCKET, LOG_GROUP = "drift-live-logs", "drift-live-app"

# Declared properties of the clean deployment no method compares, with why.
UNCHECKED = {
    ("Key", "/Description", "the AWS::KMS::Key reader does not read Description"),
    ("WebGroup", "/GroupDescription", "the AWS::EC2::SecurityGroup reader does not read GroupDescription"),
}
RESOURCES = {"Key", "Bucket", "BucketPolicy", "WebGroup", "AppLogs", "Alarms"}


@pytest.fixture(scope="module")
def emulator_server(tmp_path_factory: pytest.TempPathFactory):
    """One emulator server process for this module, stopped at the end."""
    directory = tmp_path_factory.mktemp("drift-live-emulator")
    record, _ = start(directory)
    yield record, directory / "target.json"
    stop(directory)


@dataclass
class Deployed:
    """The fixture deployed as stack ``Fixture``; ``drift()`` runs `stackcheck drift` on it through the CLI."""

    record: EmulatorRecord
    record_file: Path
    root: Path

    def aws(self, service: str) -> Any:
        return client(service, self.record)

    def physical_id(self, logical_id: str) -> str:
        resources = self.aws("cloudformation").describe_stack_resources(StackName="Fixture")["StackResources"]
        return next(r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == logical_id)

    def drift(self, *argv: str, allowlist: str | None = None) -> tuple[int, dict[str, Any]]:
        allowlist_file = self.root / "allowlist.yaml"
        allowlist_file.write_text(allowlist or "[]\n")
        code = main(
            [
                "drift",
                "--assembly",
                str(self.root / "cdk.out"),
                "--allowlist",
                str(allowlist_file),
                "--emulator-record",
                str(self.record_file),
                "--report-dir",
                str(self.root / "reports"),
                *argv,
            ]
        )
        return code, json.loads((self.root / "reports" / "drift.json").read_text())


@pytest.fixture
def deploy(emulator_server, tmp_path: Path) -> Callable[..., Deployed]:
    """``deploy()``: the fixture template (or ``template``) as stack ``Fixture`` on the emptied emulator."""
    from stackcheck.emulator.deploy import deploy_assembly

    record, record_file = emulator_server

    def run(template: dict[str, Any] | None = None) -> Deployed:
        reset(record)
        root = tmp_path / "cdk.out"
        root.mkdir()
        template = template or json.loads(FIXTURE.read_text())
        (root / "Fixture.template.json").write_text(json.dumps(template))
        artifact = {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/unknown-region",
            "properties": {"templateFile": "Fixture.template.json"},
            "metadata": {
                f"/Fixture/{lid}": [{"type": "aws:cdk:logicalId", "data": lid}] for lid in template["Resources"]
            },
        }
        (root / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"Fixture": artifact}}))
        deploy_assembly(read_assembly(root), record, outputs_dir=tmp_path / "cfn-outputs")
        return Deployed(record, record_file, tmp_path)

    return run


def resources(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (stack,) = report["stacks"]
    return {r["logical_id"]: r for r in stack["resources"]}


def drifted(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(logical ID, property path, difference type) of every DRIFTED difference."""
    return {
        (lid, d["property_path"], d["difference_type"])
        for lid, r in resources(report).items()
        for d in r["differences"]
        if d["status"] == "DRIFTED"
    }


def test_clean_deployment_is_in_sync_with_unread_properties_listed(deploy, capsys):
    deployed = deploy()
    code, report = deployed.drift()
    assert (code, report["verdict"], report["exit_code"]) == (0, "IN_SYNC", 0)
    found = resources(report)
    assert set(found) == RESOURCES
    assert {(lid, r["status"], r["method"]) for lid, r in found.items()} == {
        (lid, "IN_SYNC", "live-template") for lid in RESOURCES
    }
    assert {(lid, p["property_path"], p["reason"]) for lid, r in found.items() for p in r["unchecked_properties"]} == (
        UNCHECKED
    )
    assert report["stacks"][0]["summary"] == (
        "in sync: all 6 resources checked, none drifted; 2 declared properties not compared"
    )
    markdown = (deployed.root / "reports" / "drift.md").read_text()
    assert "2 declared properties of checked resources no method compared:" in markdown
    assert (
        "| Fixture | `Key` | live-template | `/Description` | the AWS::KMS::Key reader does not read Description |"
        in (markdown.splitlines())
    )
    assert "IN_SYNC: in sync: 1 stack, every resource checked, none drifted" in capsys.readouterr().out


def test_out_of_band_changes_are_drift_naming_resource_and_property(deploy, capsys):
    deployed = deploy()
    deployed.aws("s3").put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    deployed.aws("ec2").authorize_security_group_ingress(
        GroupId=deployed.physical_id("WebGroup"),
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    deployed.aws("logs").put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=7)
    code, report = deployed.drift()
    assert (code, report["verdict"]) == (1, "DRIFTED")
    assert drifted(report) == {
        ("Bucket", "/VersioningConfiguration/Status", "NOT_EQUAL"),
        ("WebGroup", "/SecurityGroupIngress/1", "ADD"),
        ("AppLogs", "/RetentionInDays", "NOT_EQUAL"),
    }
    found = resources(report)
    assert {lid for lid, r in found.items() if r["status"] == "MODIFIED"} == {"Bucket", "WebGroup", "AppLogs"}
    (retention,) = found["AppLogs"]["differences"]
    assert (retention["expected"], retention["actual"]) == ("30", "7")
    (rule,) = found["WebGroup"]["differences"]
    assert json.loads(rule["actual"]) == {"CidrIp": "0.0.0.0/0", "FromPort": 22, "IpProtocol": "tcp", "ToPort": 22}
    out = capsys.readouterr().out
    assert (
        "    MODIFIED  Fixture/AppLogs (AWS::Logs::LogGroup) /RetentionInDays: expected '30', actual '7' (NOT_EQUAL)"
        in out.splitlines()
    )


def test_a_topic_moved_to_another_key_is_drift_on_its_getatt_key_arn(deploy):
    deployed = deploy()
    other = deployed.aws("kms").create_key(Description="not the declared key")["KeyMetadata"]["Arn"]
    topic = next(
        t["TopicArn"]
        for t in deployed.aws("sns").list_topics()["Topics"]
        if deployed.physical_id("Alarms") == t["TopicArn"]
    )
    deployed.aws("sns").set_topic_attributes(TopicArn=topic, AttributeName="KmsMasterKeyId", AttributeValue=other)
    code, report = deployed.drift()
    assert (code, drifted(report)) == (1, {("Alarms", "/KmsMasterKeyId", "NOT_EQUAL")})
    (moved,) = resources(report)["Alarms"]["differences"]
    key = deployed.physical_id("Key")
    assert (moved["expected"], moved["actual"]) == (f"arn:aws:kms:us-east-1:123456789012:key/{key}", other)


def test_egress_opened_out_of_band_is_drift_on_the_declared_egress(deploy):
    deployed = deploy()
    deployed.aws("ec2").authorize_security_group_egress(
        GroupId=deployed.physical_id("WebGroup"),
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    code, report = deployed.drift()
    assert (code, drifted(report)) == (1, {("WebGroup", "/SecurityGroupEgress/1", "ADD")})
    (opened,) = resources(report)["WebGroup"]["differences"]
    assert json.loads(opened["actual"]) == {"CidrIp": "0.0.0.0/0", "IpProtocol": "-1"}


@pytest.mark.parametrize("change", ["disable_key", "schedule_key_deletion"])
def test_a_key_disabled_or_scheduled_for_deletion_by_its_arn_is_drift_on_enabled(deploy, change):
    deployed = deploy()
    kms = deployed.aws("kms")
    arn = kms.describe_key(KeyId=deployed.physical_id("Key"))["KeyMetadata"]["Arn"]
    getattr(kms, change)(KeyId=arn, **({"PendingWindowInDays": 7} if change == "schedule_key_deletion" else {}))
    code, report = deployed.drift()
    assert (code, drifted(report)) == (1, {("Key", "/Enabled", "NOT_EQUAL")})
    (difference,) = resources(report)["Key"]["differences"]
    assert (difference["expected"], difference["actual"]) == ("true", "false")


def test_key_policy_replaced_out_of_band_is_drift_on_the_key_policy(deploy):
    deployed = deploy()
    kms = deployed.aws("kms")
    key = deployed.physical_id("Key")
    policy = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    everyone = {
        "Sid": "Everyone",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    kms.put_key_policy(
        KeyId=key, PolicyName="default", Policy=json.dumps({**policy, "Statement": [*policy["Statement"], everyone]})
    )
    code, report = deployed.drift()
    assert (code, report["verdict"]) == (1, "DRIFTED")
    assert drifted(report) == {("Key", "/KeyPolicy/Statement/1", "ADD")}


def test_declared_resources_that_are_gone_are_deleted_not_unknown(deploy):
    deployed = deploy()
    deployed.aws("s3").delete_bucket_policy(Bucket=BUCKET)
    deployed.aws("logs").delete_log_group(logGroupName=LOG_GROUP)
    code, report = deployed.drift()
    assert (code, report["verdict"]) == (1, "DRIFTED")
    found = resources(report)
    assert {lid for lid, r in found.items() if r["status"] != "IN_SYNC"} == {"BucketPolicy", "AppLogs"}
    assert {(lid, found[lid]["status"], found[lid]["method"]) for lid in ("BucketPolicy", "AppLogs")} == {
        ("BucketPolicy", "DELETED", "live-template"),
        ("AppLogs", "DELETED", "live-template"),
    }
    assert found["BucketPolicy"]["reason"].startswith(
        "declared BucketPolicy is gone: Bucket (AWS::S3::Bucket) has none"
    )
    assert found["AppLogs"]["reason"] == (
        "declared AppLogs is gone: its read answered ResourceNotFoundException: DescribeLogGroups lists no log "
        "group drift-live-app"
    )
    assert report["totals"]["resources"] == {"IN_SYNC": 4, "MODIFIED": 0, "DELETED": 2, "NOT_CHECKED": 0}


ADD_ONLY = """\
- resource_type: AWS::EC2::SecurityGroup
  property_path: /SecurityGroupIngress/*
  difference_type: ADD
  reason: test entry, allows rules added to the group
- resource_type: AWS::Logs::LogGroup
  property_path: /RetentionInDays
  difference_type: ADD
  reason: test entry, allows a retention set where none is declared
"""


def test_allowlist_entries_cover_only_their_difference_type(deploy):
    deployed = deploy()
    deployed.aws("ec2").authorize_security_group_ingress(
        GroupId=deployed.physical_id("WebGroup"),
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    deployed.aws("logs").put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=7)
    code, report = deployed.drift(allowlist=ADD_ONLY)
    assert code == 1
    assert drifted(report) == {("AppLogs", "/RetentionInDays", "NOT_EQUAL")}
    found = resources(report)
    assert (found["WebGroup"]["status"], found["WebGroup"]["differences"][0]["status"]) == ("IN_SYNC", "ALLOWED")
    assert report["allowlist"]["unused"] == [
        {"entry": 2, "line": 5, "resource_type": "AWS::Logs::LogGroup", "property_path": "/RetentionInDays"}
    ]


def test_method_cloudformation_alone_on_the_emulator_exits_3(deploy, capsys):
    code, report = deploy().drift("--method", "cloudformation")
    assert (code, report["verdict"]) == (3, "UNKNOWN")
    assert capsys.readouterr().err.startswith("stackcheck drift: error: the embedded emulator has no drift detection")


ALARM = {
    "AlarmName": "drift-live-errors",
    "Namespace": "AWS/Logs",
    "MetricName": "IncomingLogEvents",
    "Dimensions": [{"Name": "LogGroupName", "Value": {"Ref": "AppLogs"}}],
    "Statistic": "Sum",
    "Period": 300,
    "EvaluationPeriods": 2,
    "Threshold": 5,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    "TreatMissingData": "notBreaching",
    "AlarmActions": [{"Ref": "Alarms"}],
}
MONITORING = {"ErrorsAlarm", "AlarmsPolicy", "KeyAlias"}


def with_monitoring() -> dict[str, Any]:
    """The fixture with an alarm notifying its topic, a TLS-only policy on the topic and an alias of its key."""
    template = json.loads(FIXTURE.read_text())
    template["Resources"].update(
        {
            "ErrorsAlarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": ALARM},
            "AlarmsPolicy": {
                "Type": "AWS::SNS::TopicPolicy",
                "Properties": {
                    "Topics": [{"Ref": "Alarms"}],
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Deny",
                                "Principal": "*",
                                "Action": "sns:Publish",
                                "Resource": {"Ref": "Alarms"},
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ],
                    },
                },
            },
            "KeyAlias": {
                "Type": "AWS::KMS::Alias",
                "Properties": {"AliasName": "alias/drift-live", "TargetKeyId": {"Fn::GetAtt": ["Key", "Arn"]}},
            },
        }
    )
    return template


def test_alarm_topic_policy_and_alias_of_a_clean_deployment_are_in_sync_every_property_compared(deploy):
    code, report = deploy(with_monitoring()).drift()
    assert (code, report["verdict"]) == (0, "IN_SYNC")
    found = resources(report)
    assert {(lid, found[lid]["status"], found[lid]["method"]) for lid in MONITORING} == {
        (lid, "IN_SYNC", "live-template") for lid in MONITORING
    }
    assert [p for lid in MONITORING for p in found[lid]["unchecked_properties"]] == []


def test_alarm_threshold_topic_policy_and_alias_changed_out_of_band_are_drift(deploy):
    deployed = deploy(with_monitoring())
    topic = deployed.physical_id("Alarms")
    alarm = {**ALARM, "Dimensions": [{"Name": "LogGroupName", "Value": LOG_GROUP}], "AlarmActions": [topic]}
    deployed.aws("cloudwatch").put_metric_alarm(**{**alarm, "Threshold": 50})
    sns = deployed.aws("sns")
    policy = json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
    anyone = {"Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": topic}
    opened = {**policy, "Statement": [*policy["Statement"], anyone]}
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(opened))
    kms = deployed.aws("kms")
    other = kms.create_key(Description="another key")["KeyMetadata"]
    kms.update_alias(AliasName="alias/drift-live", TargetKeyId=other["KeyId"])
    code, report = deployed.drift()
    assert (code, report["verdict"]) == (1, "DRIFTED")
    assert drifted(report) == {
        ("ErrorsAlarm", "/Threshold", "NOT_EQUAL"),
        ("AlarmsPolicy", "/PolicyDocument/Statement/1", "ADD"),
        ("KeyAlias", "/TargetKeyId", "NOT_EQUAL"),
    }
    found = resources(report)
    (threshold,) = found["ErrorsAlarm"]["differences"]
    assert (threshold["expected"], threshold["actual"]) == ("5", "50.0")  # DescribeAlarms answers a double
    (alias,) = found["KeyAlias"]["differences"]
    assert alias["actual"] == other["Arn"]


def test_alarm_and_topic_deleted_out_of_band_are_deleted_with_the_topics_policy(deploy):
    deployed = deploy(with_monitoring())
    deployed.aws("cloudwatch").delete_alarms(AlarmNames=["drift-live-errors"])
    deployed.aws("sns").delete_topic(TopicArn=deployed.physical_id("Alarms"))
    code, report = deployed.drift()
    assert (code, report["verdict"]) == (1, "DRIFTED")
    found = resources(report)
    assert {(lid, r["status"]) for lid, r in found.items() if r["status"] != "IN_SYNC"} == {
        ("ErrorsAlarm", "DELETED"),
        ("Alarms", "DELETED"),
        ("AlarmsPolicy", "DELETED"),
    }
    assert found["ErrorsAlarm"]["reason"] == (
        "declared ErrorsAlarm is gone: its read answered ResourceNotFound: DescribeAlarms lists no metric alarm "
        "drift-live-errors"
    )
    assert found["AlarmsPolicy"]["reason"].startswith("declared AlarmsPolicy is gone: its parent Alarms is gone (")


def test_dynamodb_tables_in_sync_then_recovery_time_to_live_and_deletion_protection_changed_are_drift(deploy):
    deployed = deploy(json.loads((REPO / "tests" / "data" / "compliance" / "dynamodb.json").read_text()))
    code, report = deployed.drift()
    assert (code, drifted(report)) == (0, set())
    assert {lid: r["status"] for lid, r in resources(report).items()} == dict.fromkeys(
        ("Key", "Orders", "Sessions", "Cache"), "IN_SYNC"
    )
    # every property the tables declare is compared
    assert {
        (lid, p["property_path"]) for lid, r in resources(report).items() for p in r["unchecked_properties"]
    } == set()
    dynamodb = deployed.aws("dynamodb")
    dynamodb.update_continuous_backups(
        TableName="fixture-orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    dynamodb.update_time_to_live(
        TableName="fixture-orders", TimeToLiveSpecification={"AttributeName": "expires", "Enabled": False}
    )
    dynamodb.update_table(TableName="fixture-orders", DeletionProtectionEnabled=False)
    code, report = deployed.drift()
    assert (code, drifted(report)) == (
        1,
        {
            ("Orders", "/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled", "NOT_EQUAL"),
            ("Orders", "/TimeToLiveSpecification/Enabled", "NOT_EQUAL"),
            ("Orders", "/DeletionProtectionEnabled", "NOT_EQUAL"),
        },
    )


def test_sqs_queues_in_sync_then_timeout_key_and_dead_letter_queue_changed_are_drift(deploy):
    deployed = deploy(json.loads((REPO / "tests" / "data" / "compliance" / "sqs.json").read_text()))
    code, report = deployed.drift()
    assert (code, drifted(report)) == (0, set())
    assert {
        (lid, p["property_path"]) for lid, r in resources(report).items() for p in r["unchecked_properties"]
    } == set()
    sqs = deployed.aws("sqs")
    url = sqs.get_queue_url(QueueName="fixture-jobs")["QueueUrl"]
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"KmsMasterKeyId": "", "RedrivePolicy": "", "VisibilityTimeout": "5"}
    )
    code, report = deployed.drift()
    assert (code, drifted(report)) == (
        1,
        {
            ("Jobs", "/VisibilityTimeout", "NOT_EQUAL"),
            ("Jobs", "/KmsMasterKeyId", "REMOVE"),
            ("Jobs", "/RedrivePolicy", "REMOVE"),
        },
    )


def test_eventbridge_rules_in_sync_then_disabled_rescheduled_and_retargeted_are_drift(deploy):
    deployed = deploy(json.loads((REPO / "tests" / "data" / "drift" / "live" / "events.json").read_text()))
    code, report = deployed.drift()
    assert (code, drifted(report)) == (0, set())
    assert {
        (lid, p["property_path"]) for lid, r in resources(report).items() for p in r["unchecked_properties"]
    } == set()
    events = deployed.aws("events")
    events.put_rule(
        Name="fixture-nightly",
        ScheduleExpression="rate(1 hour)",
        State="DISABLED",
        Description="starts the nightly job",
    )
    events.put_targets(
        Rule="fixture-nightly",
        Targets=[
            {"Id": "Jobs", "Arn": "arn:aws:sqs:us-east-1:123456789012:fixture-rule-jobs", "Input": '{"job":"all"}'}
        ],
    )
    code, report = deployed.drift()
    assert (code, drifted(report)) == (
        1,
        {
            ("Nightly", "/ScheduleExpression", "NOT_EQUAL"),
            ("Nightly", "/State", "NOT_EQUAL"),
            ("Nightly", "/Targets/0", "REMOVE"),
            ("Nightly", "/Targets/0", "ADD"),
        },
    )


def test_a_declared_list_holding_an_unresolved_value_is_unchecked_not_removed():
    from stackcheck.drift.live import _unresolved_within
    from stackcheck.drift.resolve import Unresolved

    why = "Ref Helper: the deployed stack has no physical ID for it"
    assert _unresolved_within([Unresolved(why)]) == why
    assert _unresolved_within({"Layers": ["arn:aws:lambda:x", {"Nested": Unresolved(why)}]}) == why
    assert _unresolved_within(["arn:aws:lambda:x", {"Key": "Value"}]) is None


def test_state_machines_in_sync_then_relogged_untraced_and_redefined_are_drift(deploy):
    deployed = deploy(json.loads((REPO / "tests" / "data" / "drift" / "live" / "stepfunctions.json").read_text()))
    code, report = deployed.drift()
    assert (code, drifted(report)) == (0, set())
    assert {
        (lid, p["property_path"], p["reason"])
        for lid, r in resources(report).items()
        for p in r["unchecked_properties"]
    } == {
        (
            "Substituted",
            "/DefinitionString",
            "the AWS::StepFunctions::StateMachine reader does not read DefinitionString",
        ),
        (
            "Substituted",
            "/DefinitionSubstitutions",
            "the AWS::StepFunctions::StateMachine reader does not read DefinitionSubstitutions",
        ),
    }
    machines = deployed.aws("stepfunctions")
    machines.update_state_machine(
        stateMachineArn=deployed.physical_id("Nightly"),
        loggingConfiguration={"level": "ERROR", "includeExecutionData": True, "destinations": []},
        tracingConfiguration={"enabled": False},
    )
    machines.update_state_machine(
        stateMachineArn=deployed.physical_id("Poller"),
        definition=json.dumps({"StartAt": "Check", "States": {"Check": {"Type": "Succeed"}}}),
    )
    code, report = deployed.drift()
    assert (code, drifted(report)) == (
        1,
        {
            ("Nightly", "/LoggingConfiguration/Level", "NOT_EQUAL"),
            ("Nightly", "/LoggingConfiguration/Destinations/0", "REMOVE"),
            ("Nightly", "/TracingConfiguration/Enabled", "NOT_EQUAL"),
            ("Poller", "/Definition/Comment", "REMOVE"),
            ("Poller", "/Definition/States/Check/Type", "NOT_EQUAL"),
            ("Poller", "/Definition/States/Check/End", "REMOVE"),
        },
    )


def test_vpc_endpoints_in_sync_then_widened_and_unrouted_are_drift(deploy):
    deployed = deploy(json.loads((REPO / "tests" / "data" / "drift" / "live" / "endpoints.json").read_text()))
    code, report = deployed.drift()
    assert (code, drifted(report)) == (0, set())
    assert {lid: r["status"] for lid, r in resources(report).items() if lid in ("S3Gateway", "SecretsInterface")} == {
        "S3Gateway": "IN_SYNC",
        "SecretsInterface": "IN_SYNC",
    }
    ec2 = deployed.aws("ec2")
    ec2.modify_vpc_endpoint(
        VpcEndpointId=deployed.physical_id("S3Gateway"),
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
            }
        ),
        RemoveRouteTableIds=[deployed.physical_id("Routes")],
    )
    code, report = deployed.drift()
    assert (code, drifted(report)) == (
        1,
        {
            ("S3Gateway", "/PolicyDocument/Statement/0", "REMOVE"),
            ("S3Gateway", "/PolicyDocument/Statement/0", "ADD"),
            ("S3Gateway", "/RouteTableIds/0", "REMOVE"),
        },
    )


def test_cdk_framework_resources_in_sync_then_retention_and_notifications_changed_are_drift(deploy):
    deployed = deploy(json.loads((REPO / "tests" / "data" / "drift" / "live" / "framework.json").read_text()))
    code, report = deployed.drift()
    assert (code, drifted(report)) == (0, set())
    found = resources(report)
    assert {lid: found[lid]["status"] for lid in ("Retention", "UploadsNotifications")} == {
        "Retention": "IN_SYNC",
        "UploadsNotifications": "IN_SYNC",
    }
    assert {
        (lid, p["property_path"])
        for lid in ("Retention", "UploadsNotifications")
        for p in found[lid]["unchecked_properties"]
    } == {
        ("Retention", "/ServiceToken"),
        ("UploadsNotifications", "/ServiceToken"),
        ("UploadsNotifications", "/Managed"),
    }
    deployed.aws("logs").put_retention_policy(logGroupName="/aws/lambda/fixture-worker", retentionInDays=30)
    deployed.aws("s3").put_bucket_notification_configuration(
        Bucket="fixture-framework-uploads",
        NotificationConfiguration={
            "TopicConfigurations": [
                {
                    "Events": ["s3:ObjectRemoved:*"],
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:fixture-framework-removals",
                }
            ]
        },
    )
    code, report = deployed.drift()
    assert (code, drifted(report)) == (
        1,
        {
            ("Retention", "/RetentionInDays", "NOT_EQUAL"),
            ("UploadsNotifications", "/NotificationConfiguration/QueueConfigurations/0", "REMOVE"),
        },
    )
