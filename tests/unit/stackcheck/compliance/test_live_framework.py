"""The readers of CDK's framework custom resources on the emulator: log retention and bucket notifications, exactly."""

from __future__ import annotations

import json

import pytest

from tests.unit.stackcheck.compliance.test_live_readers import properties, read
from tests.unit.stackcheck.test_compliance import REPO

pytestmark = pytest.mark.emulator

TEMPLATE = REPO / "tests" / "data" / "drift" / "live" / "framework.json"


def test_log_retention_and_bucket_notifications_read_as_cdk_declares_them(deploy):
    live = deploy("framework", template=json.loads(TEMPLATE.read_text()))
    template = read(live, "Custom::LogRetention", "Custom::S3BucketNotifications")
    assert properties(template, "Retention") == {"LogGroupName": "/aws/lambda/fixture-worker", "RetentionInDays": 14}
    assert template.resources["Retention"].operations == ["logs:DescribeLogGroups"]
    assert properties(template, "UploadsNotifications") == {
        "BucketName": "fixture-framework-uploads",
        "NotificationConfiguration": {
            "QueueConfigurations": [
                {
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".csv"}]}},
                    "QueueArn": "arn:aws:sqs:us-east-1:123456789012:fixture-framework-jobs",
                }
            ],
            "TopicConfigurations": [
                {
                    "Events": ["s3:ObjectRemoved:*"],
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:fixture-framework-removals",
                }
            ],
            "LambdaFunctionConfigurations": [],
        },
    }
    assert template.resources["UploadsNotifications"].operations == ["s3:GetBucketNotificationConfiguration"]


def test_a_log_group_deleted_out_of_band_leaves_its_retention_gone(deploy):
    live = deploy("framework", template=json.loads(TEMPLATE.read_text()))
    live.aws("logs").delete_log_group(logGroupName="/aws/lambda/fixture-worker")
    assert read(live, "Custom::LogRetention").resources["Retention"].gone is True
