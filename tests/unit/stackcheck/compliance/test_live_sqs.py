"""The SQS queue reader on the emulator: each queue's CloudFormation-shaped properties, exactly, and what an
out-of-band change reads as."""

from __future__ import annotations

import json

import pytest

from stackcheck.drift.live import LiveDrift
from tests.unit.stackcheck.compliance.test_live_readers import key_arn, properties, read
from tests.unit.stackcheck.test_compliance import fixture

pytestmark = pytest.mark.emulator

QUEUE = "AWS::SQS::Queue"


def test_queues_read_timings_encryption_redrive_and_fifo_settings(deploy):
    live = deploy("sqs")
    template = read(live, QUEUE)
    failed_arn = "arn:aws:sqs:us-east-1:123456789012:fixture-failed"
    assert properties(template, "Jobs") == {
        "QueueName": "fixture-jobs",
        "FifoQueue": False,
        "DelaySeconds": 0,
        "MaximumMessageSize": 1048576,
        "MessageRetentionPeriod": 86400,
        "ReceiveMessageWaitTimeSeconds": 20,
        "VisibilityTimeout": 120,
        "KmsMasterKeyId": key_arn(live),
        "KmsDataKeyReusePeriodSeconds": 600,
        "SqsManagedSseEnabled": False,
        "RedrivePolicy": {"deadLetterTargetArn": failed_arn, "maxReceiveCount": 3},
    }
    assert properties(template, "Failed") == {
        "QueueName": "fixture-failed",
        "FifoQueue": False,
        "DelaySeconds": 0,
        "MaximumMessageSize": 1048576,
        "MessageRetentionPeriod": 1209600,
        "ReceiveMessageWaitTimeSeconds": 0,
        "VisibilityTimeout": 30,
        "SqsManagedSseEnabled": True,
    }
    assert template.resources["Failed"].notes == [
        "GetQueueAttributes: no KmsMasterKeyId",
        "GetQueueAttributes: no RedrivePolicy",
        "GetQueueAttributes: no RedriveAllowPolicy",
    ]
    assert properties(template, "Orders") == {
        "QueueName": "fixture-orders.fifo",
        "FifoQueue": True,
        "ContentBasedDeduplication": True,
        "DeduplicationScope": "queue",
        "FifoThroughputLimit": "perQueue",
        "DelaySeconds": 0,
        "MaximumMessageSize": 1048576,
        "MessageRetentionPeriod": 345600,
        "ReceiveMessageWaitTimeSeconds": 0,
        "VisibilityTimeout": 30,
        "SqsManagedSseEnabled": True,
    }
    assert template.resources["Jobs"].operations == ["sqs:GetQueueAttributes"]


def test_encryption_and_redrive_removed_out_of_band_read_without_them(deploy):
    live = deploy("sqs")
    sqs = live.aws("sqs")
    url = sqs.get_queue_url(QueueName="fixture-jobs")["QueueUrl"]
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"KmsMasterKeyId": "", "RedrivePolicy": "", "VisibilityTimeout": "5"}
    )
    read_now = properties(read(live, QUEUE), "Jobs")
    assert ("KmsMasterKeyId" in read_now, "RedrivePolicy" in read_now, read_now["VisibilityTimeout"]) == (
        False,
        False,
        5,
    )


def test_a_queue_whose_key_is_removed_out_of_band_fails_checkovs_encryption_check_live(deploy, every_form):
    live = deploy("sqs")
    checkov_forms = (tuple(f for f in every_form[0] if f.origin == "checkov"), ())
    # the dead-letter and FIFO queues are on SSE-SQS: no KmsMasterKeyId, which is all CKV_AWS_27 reads
    assert {(f.rule_id, f.logical_id) for f in live.check(forms=checkov_forms).scan.failures()} == {
        ("CKV_AWS_27", "Failed"),
        ("CKV_AWS_27", "Orders"),
    }
    sqs = live.aws("sqs")
    sqs.set_queue_attributes(
        QueueUrl=sqs.get_queue_url(QueueName="fixture-jobs")["QueueUrl"], Attributes={"KmsMasterKeyId": ""}
    )
    failed = {(f.rule_id, f.logical_id): f for f in live.check(forms=checkov_forms).scan.failures()}
    assert set(failed) == {("CKV_AWS_27", "Failed"), ("CKV_AWS_27", "Orders"), ("CKV_AWS_27", "Jobs")}
    assert "[live: " in failed[("CKV_AWS_27", "Jobs")].message
    assert failed[("CKV_AWS_27", "Jobs")].message.endswith(
        "the cloud assembly's template passes this rule, so the live resource was changed outside CloudFormation: "
        "restore it, or redeploy the stack"
    )


TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:*",
            "Resource": {"Fn::GetAtt": ["Jobs", "Arn"]},
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}


def with_queue_policy() -> dict:
    template = fixture("sqs")
    template["Resources"]["JobsPolicy"] = {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {"Queues": [{"Ref": "Jobs"}], "PolicyDocument": TLS_ONLY},
    }
    return template


def test_a_queue_policy_is_read_from_the_queue_it_names(deploy):
    live = deploy("sqs", template=with_queue_policy())
    template = read(live, QUEUE)
    document = {
        **TLS_ONLY,
        "Statement": [{**TLS_ONLY["Statement"][0], "Resource": "arn:aws:sqs:us-east-1:123456789012:fixture-jobs"}],
    }
    assert template.template["Resources"]["JobsPolicy"] == {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {"PolicyDocument": document, "Queues": [{"Ref": "Jobs"}]},
    }
    assert template.resources["JobsPolicy"].operations == ["sqs:GetQueueAttributes"]
    assert "Failed/QueuePolicy" not in template.template["Resources"]  # no policy, none read


def test_a_queue_policy_replaced_or_removed_out_of_band_is_drift(deploy):
    live = deploy("sqs", template=with_queue_policy())
    stacks = live.assembly.dependency_order()

    def status() -> dict[str, tuple[str, tuple[str, ...]]]:
        (stack,) = LiveDrift(live.factory()).detect(stacks, stacks)
        return {
            r.logical_id: (r.status.value, tuple(d.property_path for d in r.differences))
            for r in stack.resources
            if r.logical_id == "JobsPolicy"
        }

    assert status() == {"JobsPolicy": ("IN_SYNC", ())}
    sqs = live.aws("sqs")
    url = sqs.get_queue_url(QueueName="fixture-jobs")["QueueUrl"]
    opened = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(opened)})
    assert status()["JobsPolicy"][0] == "MODIFIED"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert status() == {"JobsPolicy": ("DELETED", ())}
