"""The DynamoDB table reader on the emulator: each table's CloudFormation-shaped properties, exactly, what an
out-of-band change reads as, and checkov's own DynamoDB checks judging the live table as they judge the template."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.stackcheck.compliance.test_live_readers import key_arn, properties, read
from tests.unit.stackcheck.test_compliance import fixture

pytestmark = pytest.mark.emulator

TABLE = "AWS::DynamoDB::Table"


def tables() -> dict[str, Any]:
    """``tests/data/compliance/dynamodb.json``: a customer managed key; table Orders (on-demand, a global index,
    a stream, the key, point-in-time recovery, time to live, deletion protection), table Sessions (provisioned,
    the AWS managed key) and table Cache (on-demand, the AWS owned key)."""
    return fixture("dynamodb")


def test_tables_read_keys_indexes_capacity_streams_encryption_recovery_and_time_to_live(deploy):
    live = deploy("dynamodb", template=tables())
    template = read(live, TABLE)
    assert properties(template, "Orders") == {
        "TableName": "fixture-orders",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "DeletionProtectionEnabled": True,
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by-status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]},
            }
        ],
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
        "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": key_arn(live)},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 35},
        "TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": True},
    }
    assert template.resources["Orders"].operations == [
        "dynamodb:DescribeTable",
        "kms:DescribeKey",
        "dynamodb:DescribeContinuousBackups",
        "dynamodb:DescribeTimeToLive",
    ]
    # the AWS managed key (alias/aws/dynamodb) is no KMSMasterKeyId: CloudFormation takes one only for another key
    assert properties(template, "Sessions") == {
        "TableName": "fixture-sessions",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PROVISIONED",
        "DeletionProtectionEnabled": False,
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 2},
        "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS"},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": False},
        "TimeToLiveSpecification": {"Enabled": False},
    }
    notes = template.resources["Sessions"].notes
    assert notes[0] == "DescribeTable: streams off"
    assert notes[1].startswith("KMS key arn:aws:kms:us-east-1:123456789012:key/")
    assert notes[1].endswith(" is managed by AWS, not a customer managed key")
    assert properties(template, "Cache")["SSESpecification"] == {"SSEEnabled": False}
    assert template.resources["Cache"].notes == [
        "DescribeTable: streams off",
        "DescribeTable: no SSEDescription (the AWS owned key)",
    ]


def test_recovery_time_to_live_and_deletion_protection_turned_off_out_of_band_read_off(deploy):
    live = deploy("dynamodb", template=tables())
    dynamodb = live.aws("dynamodb")
    dynamodb.update_continuous_backups(
        TableName="fixture-orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    dynamodb.update_time_to_live(
        TableName="fixture-orders", TimeToLiveSpecification={"AttributeName": "expires", "Enabled": False}
    )
    dynamodb.update_table(TableName="fixture-orders", DeletionProtectionEnabled=False)
    read_now = properties(read(live, TABLE), "Orders")
    assert (
        read_now["PointInTimeRecoverySpecification"],
        read_now["TimeToLiveSpecification"],
        read_now["DeletionProtectionEnabled"],
    ) == ({"PointInTimeRecoveryEnabled": False}, {"AttributeName": "expires", "Enabled": False}, False)


def test_a_deleted_table_is_gone(deploy):
    live = deploy("dynamodb", template=tables())
    live.aws("dynamodb").delete_table(TableName="fixture-cache")
    template = read(live, TABLE)
    assert template.resources["Cache"].gone is True
    assert template.resources["Cache"].error == (
        "An error occurred (ResourceNotFoundException) when calling the DescribeTable operation: "
        "Requested resource not found: Table: fixture-cache not found"
    )


def test_recovery_turned_off_out_of_band_fails_checkovs_own_check_on_the_live_table(deploy, every_form):
    live = deploy("dynamodb", template=tables())
    checkov_forms = (tuple(f for f in every_form[0] if f.origin == "checkov"), ())
    assert {(f.rule_id, f.logical_id) for f in live.check(forms=checkov_forms).scan.failures()} == {
        ("CKV_AWS_28", "Sessions"),
        ("CKV_AWS_28", "Cache"),
        ("CKV_AWS_119", "Sessions"),
        ("CKV_AWS_119", "Cache"),
    }
    live.aws("dynamodb").update_continuous_backups(
        TableName="fixture-orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    failed = {(f.rule_id, f.logical_id): f for f in live.check(forms=checkov_forms).scan.failures()}
    assert set(failed) == {
        ("CKV_AWS_28", "Orders"),
        ("CKV_AWS_28", "Sessions"),
        ("CKV_AWS_28", "Cache"),
        ("CKV_AWS_119", "Sessions"),
        ("CKV_AWS_119", "Cache"),
    }
    assert failed[("CKV_AWS_28", "Orders")].message == (
        "AWS::DynamoDB::Table `Orders` fails checkov's check: Ensure DynamoDB point in time recovery (backup) is "
        "enabled [live: fixture-orders via dynamodb:DescribeContinuousBackups]; the cloud assembly's template passes "
        "this rule, so the live resource was changed outside CloudFormation: restore it, or redeploy the stack"
    )
