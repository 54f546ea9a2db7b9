"""The readers of alarms, KMS aliases, ECS clusters, DB parameter groups, topic policies and secret target attachments
on the emulator: each one's CloudFormation-shaped properties, exactly, and what an out-of-band change reads as."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stackcheck.compliance import LiveReader, deployed_stacks
from tests.unit.stackcheck.compliance.test_live_readers import database_with_backups, key_arn, properties, read
from tests.unit.stackcheck.test_compliance import fixture

pytestmark = pytest.mark.emulator

ATTACHMENT = "AWS::SecretsManager::SecretTargetAttachment"
TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": {"Ref": "Topic"},
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}
PUBLISH_FROM_ANYONE = {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": "*"}


def storage_with_monitoring() -> dict[str, Any]:
    """The storage fixture with a topic policy on its topic, an alarm notifying the topic and two aliases of its key."""
    template = fixture("storage")
    template["Resources"].update(
        {
            "TopicPolicy": {
                "Type": "AWS::SNS::TopicPolicy",
                "Properties": {"Topics": [{"Ref": "Topic"}], "PolicyDocument": TLS_ONLY},
            },
            "QueueDepth": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": "fixture-queue-depth",
                    "AlarmDescription": "messages wait too long",
                    "Namespace": "AWS/SQS",
                    "MetricName": "ApproximateAgeOfOldestMessage",
                    "Dimensions": [{"Name": "QueueName", "Value": "fixture-queue"}],
                    "Statistic": "Maximum",
                    "Period": 60,
                    "EvaluationPeriods": 5,
                    "DatapointsToAlarm": 3,
                    "Threshold": 300,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "TreatMissingData": "notBreaching",
                    "AlarmActions": [{"Ref": "Topic"}],
                },
            },
            "Alias": {
                "Type": "AWS::KMS::Alias",
                "Properties": {"AliasName": "alias/fixture-data", "TargetKeyId": {"Ref": "Key"}},
            },
            "ArnAlias": {
                "Type": "AWS::KMS::Alias",
                "Properties": {"AliasName": "alias/fixture-data-arn", "TargetKeyId": {"Fn::GetAtt": ["Key", "Arn"]}},
            },
        }
    )
    return template


def database_with_an_attached_secret() -> dict[str, Any]:
    """The database fixture with a generated secret attached to its DB instance."""
    template = fixture("database")
    template["Resources"].update(
        {
            "Secret": {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {
                    "Name": "fixture-db-credentials",
                    "GenerateSecretString": {
                        "SecretStringTemplate": '{"username": "fixture"}',
                        "GenerateStringKey": "password",
                    },
                },
            },
            "Attachment": {
                "Type": ATTACHMENT,
                "Properties": {
                    "SecretId": {"Ref": "Secret"},
                    "TargetId": {"Ref": "Database"},
                    "TargetType": "AWS::RDS::DBInstance",
                },
            },
        }
    )
    return template


# -- CloudWatch ------------------------------------------------------------------------------------


def test_alarm_reads_metric_thresholds_dimensions_and_actions(deploy):
    live = deploy("storage", template=storage_with_monitoring())
    template = read(live, "AWS::CloudWatch::Alarm")
    assert template.errors() == [], template.errors()
    assert properties(template, "QueueDepth") == {
        "AlarmName": "fixture-queue-depth",
        "AlarmDescription": "messages wait too long",
        "ActionsEnabled": True,
        "Namespace": "AWS/SQS",
        "MetricName": "ApproximateAgeOfOldestMessage",
        "Dimensions": [{"Name": "QueueName", "Value": "fixture-queue"}],
        "Statistic": "Maximum",
        "Period": 60,
        "EvaluationPeriods": 5,
        "DatapointsToAlarm": 3,
        "Threshold": 300.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": "Topic"}],
        "OKActions": [],
        "InsufficientDataActions": [],
    }
    assert template.resources["QueueDepth"].operations == ["cloudwatch:DescribeAlarms"]


def test_alarm_deleted_out_of_band_is_gone(deploy):
    live = deploy("storage", template=storage_with_monitoring())
    live.aws("cloudwatch").delete_alarms(AlarmNames=["fixture-queue-depth"])
    alarm = read(live, "AWS::CloudWatch::Alarm").resources["QueueDepth"]
    assert (alarm.gone, alarm.error) == (
        True,
        "ResourceNotFound: DescribeAlarms lists no metric alarm fixture-queue-depth",
    )


# -- KMS -------------------------------------------------------------------------------------------


def test_alias_reads_its_key_as_the_template_names_it_and_is_gone_once_deleted(deploy):
    live = deploy("storage", template=storage_with_monitoring())
    template = read(live, "AWS::KMS::Alias")
    assert {key: properties(template, key) for key in ("Alias", "ArnAlias")} == {
        "Alias": {"AliasName": "alias/fixture-data", "TargetKeyId": {"Ref": "Key"}},
        "ArnAlias": {"AliasName": "alias/fixture-data-arn", "TargetKeyId": key_arn(live)},
    }
    assert template.resources["Alias"].operations == ["kms:ListAliases"]
    live.aws("kms").delete_alias(AliasName="alias/fixture-data")
    alias = read(live, "AWS::KMS::Alias").resources["Alias"]
    assert (alias.gone, alias.error) == (True, "NotFoundException: ListAliases lists no alias alias/fixture-data")


# -- SNS -------------------------------------------------------------------------------------------


def test_topic_policy_is_read_from_the_topic_it_names(deploy):
    live = deploy("storage", template=storage_with_monitoring())
    topic = live.physical_id("Topic")
    template = read(live, "AWS::SNS::Topic")
    assert template.template["Resources"]["TopicPolicy"] == {
        "Type": "AWS::SNS::TopicPolicy",
        "Properties": {
            "PolicyDocument": {
                **TLS_ONLY,
                "Statement": [{**TLS_ONLY["Statement"][0], "Resource": topic}],
            },
            "Topics": [{"Ref": "Topic"}],
        },
    }
    policy = template.resources["TopicPolicy"]
    assert (policy.physical_id, policy.operations) == (live.physical_id("TopicPolicy"), ["sns:GetTopicAttributes"])
    assert template.resources["Topic"].operations == ["sns:GetTopicAttributes"]


def test_topic_without_a_declared_policy_holds_the_default_policy_under_its_own_key(deploy):
    live = deploy("storage")
    template = read(live, "AWS::SNS::Topic")
    assert set(template.template["Resources"]) == {"Topic", "Topic/TopicPolicy"}
    policy = template.template["Resources"]["Topic/TopicPolicy"]["Properties"]
    assert policy["Topics"] == [{"Ref": "Topic"}]
    assert [s.get("Sid") for s in policy["PolicyDocument"]["Statement"]] == ["__default_statement_ID"]
    assert template.resources["Topic/TopicPolicy"].owner is None


def test_topic_policy_opened_to_everyone_out_of_band_fails_e9008_on_the_topic(deploy):
    live = deploy("storage", template=storage_with_monitoring())
    assert ("E9008", "Topic", "PASSED") in {
        (f.rule_id, f.logical_id, f.status.value) for f in live.check().scan.findings
    }
    topic = live.physical_id("Topic")
    current = json.loads(live.aws("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
    opened = {**current, "Statement": [*current["Statement"], PUBLISH_FROM_ANYONE]}
    live.aws("sns").set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(opened))
    result = live.check()
    assert {(f.rule_id, f.logical_id) for f in result.scan.failures()} == {("E9008", "Topic")}
    (finding,) = result.scan.failures()
    assert finding.message.startswith(
        'TopicPolicy `TopicPolicy` on Topic `Topic`: Statement[1] allows any principal ("*")'
    ), finding.message
    assert f"[live: {topic} via sns:GetTopicAttributes" in finding.message
    assert "the cloud assembly's template passes this rule" in finding.message


# -- ECS -------------------------------------------------------------------------------------------


def test_cluster_reads_its_name_and_container_insights_turned_off_out_of_band(deploy, every_form):
    template = fixture("web")
    template["Resources"]["Cluster"]["Properties"] = {
        "ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}]
    }
    live = deploy("web", template=template)
    name = live.physical_id("Cluster")
    read_cluster = read(live, "AWS::ECS::Cluster")
    assert properties(read_cluster, "Cluster") == {
        "ClusterName": name,
        "ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}],
    }
    assert read_cluster.resources["Cluster"].operations == ["ecs:DescribeClusters"]
    live.aws("ecs").update_cluster(cluster=name, settings=[{"name": "containerInsights", "value": "disabled"}])
    result = live.check(forms=every_form)
    judged = {(f.rule_id, f.status.value) for f in result.scan.findings if f.logical_id == "Cluster"}
    assert judged == {("CKV_AWS_65", "FAILED")}


# -- RDS -------------------------------------------------------------------------------------------


def test_db_parameter_group_reads_family_description_and_the_parameters_set_on_it(deploy):
    live = deploy("database", template=database_with_backups())
    name = live.physical_id("Parameters")
    template = read(live, "AWS::RDS::DBParameterGroup")
    assert template.template["Resources"] == {
        "Parameters": {
            "Type": "AWS::RDS::DBParameterGroup",
            "Properties": {
                "DBParameterGroupName": name,
                "Family": "postgres16",
                "Description": "fixture parameters",
                "Parameters": {"rds.force_ssl": "1"},
            },
        }
    }
    assert template.resources["Parameters"].operations == ["rds:DescribeDBParameterGroups", "rds:DescribeDBParameters"]
    live.aws("rds").modify_db_parameter_group(
        DBParameterGroupName=name,
        Parameters=[{"ParameterName": "rds.force_ssl", "ParameterValue": "0", "ApplyMethod": "immediate"}],
    )
    assert properties(read(live, "AWS::RDS::DBParameterGroup"), "Parameters")["Parameters"] == {"rds.force_ssl": "0"}
    live.aws("rds").delete_db_parameter_group(DBParameterGroupName=name)
    group = read(live, "AWS::RDS::DBParameterGroup").resources["Parameters"]
    assert (group.gone, group.error) == (True, f"DBParameterGroupNotFound: DescribeDBParameterGroups lists no {name}")


# -- Secrets Manager -------------------------------------------------------------------------------


def test_secret_target_attachment_reads_its_target_from_the_secrets_connection_keys_only(deploy):
    live = deploy("database", template=database_with_an_attached_secret())
    stacks = deployed_stacks(live.aws("cloudformation"), live.assembly.dependency_order())
    reader = LiveReader(live.factory(), stacks)
    template = reader.live_template(stacks[0], {ATTACHMENT})
    assert template.errors() == [], template.errors()
    assert properties(template, "Attachment") == {
        "SecretId": {"Ref": "Secret"},
        "TargetType": "AWS::RDS::DBInstance",
        "TargetId": {"Ref": "Database"},
    }
    attachment = template.resources["Attachment"]
    assert attachment.operations == ["secretsmanager:GetSecretValue", "rds:DescribeDBInstances"]
    secret = json.loads(
        live.aws("secretsmanager").get_secret_value(SecretId=live.physical_id("Secret"))["SecretString"]
    )
    # neither the live template, nor its notes, nor the reader's cached answers hold the password
    kept = json.dumps([template.template, attachment.notes, reader._answers], default=str)
    leaked = secret["password"] in kept
    assert not leaked


def test_secret_pointed_at_another_host_out_of_band_reads_without_its_target(deploy):
    live = deploy("database", template=database_with_an_attached_secret())
    sm = live.aws("secretsmanager")
    arn = live.physical_id("Secret")
    secret = json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])
    sm.put_secret_value(SecretId=arn, SecretString=json.dumps({**secret, "host": "db.elsewhere.example.com"}))
    template = read(live, ATTACHMENT)
    assert properties(template, "Attachment") == {"SecretId": {"Ref": "Secret"}, "TargetType": "AWS::RDS::DBInstance"}
    attachment = template.resources["Attachment"]
    (note,) = attachment.notes
    assert note.startswith(
        f"GetSecretValue: the secret's host and port are not the endpoint of {live.physical_id('Database')} "
        f"(db.elsewhere.example.com:{secret['port']}, endpoint "
    )
    assert set(attachment.sources) == {"TargetId", "TargetType"}
