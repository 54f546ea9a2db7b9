"""KMS rotation, alarms, flow logs, and the stacks themselves."""

from __future__ import annotations

from stackcheck.outputs import describe_stack_outputs, load_outputs

EXPECTED_ALARM_METRICS = {
    ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"),
    ("AWS/ECS", "CPUUtilization"),
    ("AWS/RDS", "CPUUtilization"),
    ("AWS/RDS", "FreeStorageSpace"),
}


def test_kms_key_rotation_is_on(outputs, aws_client, role):
    status = aws_client("kms").get_key_rotation_status(KeyId=outputs.get(role=role, kind="kms_key", attr="arn"))
    assert status["KeyRotationEnabled"] is True


def test_alarms_notify_the_environment_topic(outputs, aws_client, role):
    topic = outputs.get(role=role, kind="sns_topic", attr="arn")
    paginator = aws_client("cloudwatch").get_paginator("describe_alarms")
    alarms = [a for page in paginator.paginate() for a in page["MetricAlarms"] if topic in a["AlarmActions"]]
    assert {(a["Namespace"], a["MetricName"]) for a in alarms} == EXPECTED_ALARM_METRICS
    assert all(a["AlarmActions"] == [topic] for a in alarms)


def test_vpc_flow_logs_capture_all_traffic(outputs, aws_client, role):
    vpc_id = outputs.get(role=role, kind="vpc", attr="id")
    flow_logs = aws_client("ec2").describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    assert [(f["TrafficType"], f["LogDestinationType"], f["LogGroupName"]) for f in flow_logs] == [
        ("ALL", "cloud-watch-logs", outputs.get(role=role, kind="log_group", attr="name", qualifier="flow"))
    ]


def test_every_stack_is_complete(cloud_assembly, aws_client):
    cfn = aws_client("cloudformation")
    statuses = {
        a.stack_name: cfn.describe_stacks(StackName=a.stack_name)["Stacks"][0]["StackStatus"]
        for a in cloud_assembly.stacks.values()
    }
    assert set(statuses.values()) <= {"CREATE_COMPLETE", "UPDATE_COMPLETE"}, statuses


def test_live_outputs_equal_the_outputs_file(cloud_assembly, aws_client, outputs_file):
    live = describe_stack_outputs(aws_client("cloudformation"), [a.stack_name for a in cloud_assembly.stacks.values()])
    flat_live = {k: v for outputs in live.values() for k, v in outputs.items()}
    assert flat_live == load_outputs(outputs_file)
