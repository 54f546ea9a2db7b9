"""Live-state readers for Amazon DynamoDB: each reads one resource type's properties through the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stackcheck.compliance.live.base import Builder, LiveResource, drop_none

_ENABLED = ("ENABLED", "ENABLING")


def _throughput(answer: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``ProvisionedThroughput`` as CloudFormation takes it (read and write capacity units), None when on-demand (0/0)."""
    answer = answer or {}
    read, write = answer.get("ReadCapacityUnits"), answer.get("WriteCapacityUnits")
    if not read and not write:
        return None
    return {"ReadCapacityUnits": read, "WriteCapacityUnits": write}


def _projection(answer: Mapping[str, Any] | None) -> dict[str, Any]:
    answer = answer or {}
    return drop_none(
        {"ProjectionType": answer.get("ProjectionType"), "NonKeyAttributes": answer.get("NonKeyAttributes")}
    )


def _index(answer: Mapping[str, Any], *, provisioned: bool) -> dict[str, Any]:
    """A secondary index (``IndexName``, ``KeySchema``, ``Projection``; a global one's own throughput when the table's
    capacity is provisioned) as CloudFormation takes it."""
    index: dict[str, Any] = {
        "IndexName": answer["IndexName"],
        "KeySchema": [
            {"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in answer.get("KeySchema", [])
        ],
        "Projection": _projection(answer.get("Projection")),
    }
    throughput = _throughput(answer.get("ProvisionedThroughput")) if provisioned else None
    if throughput is not None:
        index["ProvisionedThroughput"] = throughput
    return index


class DynamoDbReaders(Builder):
    """Readers of Amazon DynamoDB resources (mixed into the live template builder)."""

    def dynamodb_table(self, resource: LiveResource) -> dict[str, Any]:
        """DynamoDB table: DescribeTable (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeTable.html),
        DescribeContinuousBackups (point-in-time recovery,
        https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeContinuousBackups.html) and
        DescribeTimeToLive (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeTimeToLive.html),
        as AWS::DynamoDB::Table's properties.

        ``BillingMode`` is ``PROVISIONED`` when DescribeTable gives no ``BillingModeSummary`` (the default);
        ``ProvisionedThroughput`` is read for provisioned capacity only. ``SSESpecification`` is
        ``{"SSEEnabled": false}`` for a table on the AWS owned key (no ``SSEDescription``); its ``KMSMasterKeyId``
        is read only for a key the customer manages (DescribeKey), as CloudFormation takes one only for a key other
        than ``alias/aws/dynamodb``. ``StreamSpecification`` is absent (noted) when streams are off, ``TableClass``
        when DescribeTable gives no ``TableClassSummary``. ``TimeToLiveSpecification.Enabled`` is true while the
        status is ``ENABLED`` or ``ENABLING``.
        """
        name = resource.physical_id
        table = self.call(resource, "dynamodb", "describe_table", TableName=name)["Table"]
        billing = (table.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
        provisioned = billing == "PROVISIONED"
        props: dict[str, Any] = {
            "TableName": table.get("TableName", name),
            "KeySchema": [
                {"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in table.get("KeySchema", [])
            ],
            "AttributeDefinitions": [
                {"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]}
                for a in table.get("AttributeDefinitions", [])
            ],
            "BillingMode": billing,
            "DeletionProtectionEnabled": bool(table.get("DeletionProtectionEnabled", False)),
        }
        throughput = _throughput(table.get("ProvisionedThroughput")) if provisioned else None
        if throughput is not None:
            props["ProvisionedThroughput"] = throughput
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            indexes = [_index(i, provisioned=provisioned and key.startswith("Global")) for i in table.get(key) or []]
            if indexes:
                props[key] = indexes
        stream = table.get("StreamSpecification") or {}
        if stream.get("StreamEnabled") and stream.get("StreamViewType"):
            props["StreamSpecification"] = {"StreamViewType": stream["StreamViewType"]}
        else:
            self.note(resource, "DescribeTable: streams off", "StreamSpecification")
        props["SSESpecification"] = self._encryption(resource, table.get("SSEDescription") or {})
        table_class = (table.get("TableClassSummary") or {}).get("TableClass")
        if table_class:
            props["TableClass"] = table_class
        backups = self.call(
            resource, "dynamodb", "describe_continuous_backups", prop="PointInTimeRecoverySpecification", TableName=name
        )["ContinuousBackupsDescription"]
        recovery = backups.get("PointInTimeRecoveryDescription") or {}
        enabled = recovery.get("PointInTimeRecoveryStatus") == "ENABLED"
        props["PointInTimeRecoverySpecification"] = drop_none(
            {
                "PointInTimeRecoveryEnabled": enabled,
                "RecoveryPeriodInDays": recovery.get("RecoveryPeriodInDays") if enabled else None,
            }
        )
        ttl = self.call(resource, "dynamodb", "describe_time_to_live", prop="TimeToLiveSpecification", TableName=name)[
            "TimeToLiveDescription"
        ]
        props["TimeToLiveSpecification"] = drop_none(
            {"AttributeName": ttl.get("AttributeName"), "Enabled": ttl.get("TimeToLiveStatus") in _ENABLED}
        )
        return props

    def _encryption(self, resource: LiveResource, sse: Mapping[str, Any]) -> dict[str, Any]:
        if sse.get("Status") not in ("ENABLED", "UPDATING"):
            self.note(resource, "DescribeTable: no SSEDescription (the AWS owned key)", "SSESpecification")
            return {"SSEEnabled": False}
        spec: dict[str, Any] = {"SSEEnabled": True, "SSEType": sse.get("SSEType") or "KMS"}
        key = sse.get("KMSMasterKeyArn")
        if key:
            customer = self.customer_key(resource, key, prop="SSESpecification")
            if customer is not None:
                spec["KMSMasterKeyId"] = customer
        return spec
