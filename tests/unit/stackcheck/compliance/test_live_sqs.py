"""The SQS queue reader on the emulator: each queue's CloudFormation-shaped properties, exactly, and what an
out-of-band change reads as."""

from __future__ import annotations

import pytest

from tests.unit.stackcheck.compliance.test_live_readers import key_arn, properties, read

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
