"""DynamoDB for the emulator: what moto's AWS::DynamoDB::Table model drops or reads under another name.

moto 5.2.5 creates the table from ``KeySchema``, ``AttributeDefinitions``, the indexes, ``BillingMode``,
``ProvisionedThroughput``, ``StreamSpecification``, ``DeletionProtectionEnabled`` and ``Tags``, but reads
``SSESpecification`` as the CreateTable API spells it (``Enabled``), not as CloudFormation does (``SSEEnabled``),
so a table the template encrypts answers DescribeTable without ``SSEDescription``; it ignores
``PointInTimeRecoverySpecification`` and ``TimeToLiveSpecification``; and the ``alias/aws/dynamodb`` key it makes
for a table encrypted with the AWS managed key says ``KeyManager: CUSTOMER``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stackcheck.emulator.cfn._registry import patch, relies_on
from stackcheck.emulator.cfn._values import cfn_bool

__all__ = ["create_table"]

relies_on("moto.dynamodb.models", "dynamodb_backends")
relies_on(
    "moto.dynamodb.models",
    "DynamoDBBackend.update_continuous_backups",
    params=("table_name", "point_in_time_spec"),
)
relies_on("moto.dynamodb.models", "DynamoDBBackend.update_time_to_live", params=("table_name", "ttl_spec"))
relies_on("moto.dynamodb.models.table", "Table", assigns=("name", "sse_specification"))
relies_on("moto.kms.models", "kms_backends")
relies_on("moto.kms.models", "Key", assigns=("key_manager",))

TABLE_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html"
AWS_MANAGED_ALIAS = "alias/aws/dynamodb"


@patch(
    "moto.dynamodb.models.table",
    "Table.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::DynamoDB::Table",
    adds=("SSESpecification", "PointInTimeRecoverySpecification", "TimeToLiveSpecification"),
    doc_url=TABLE_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_table(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto creates the table with ``SSESpecification`` given as CreateTable takes it (``SSEEnabled`` becomes
    ``Enabled``; ``SSEType`` and ``KMSMasterKeyId`` as they are), then this applies what it ignores: point-in-time
    recovery (``PointInTimeRecoveryEnabled``, ``RecoveryPeriodInDays``; DescribeContinuousBackups answers them)
    and time to live (``AttributeName``, ``Enabled``; DescribeTimeToLive). A table encrypted without a
    ``KMSMasterKeyId`` uses the AWS managed key ``alias/aws/dynamodb``, which DescribeKey then says AWS manages.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html
    and https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html
    """
    from moto.dynamodb.models import dynamodb_backends
    from moto.kms.models import kms_backends

    properties = cloudformation_json.get("Properties") or {}
    sse = properties.get("SSESpecification")
    if isinstance(sse, dict):
        spec: dict[str, Any] = {"Enabled": cfn_bool(sse.get("SSEEnabled"))}
        spec.update({k: sse[k] for k in ("SSEType", "KMSMasterKeyId") if sse.get(k)})
        cloudformation_json = {**cloudformation_json, "Properties": {**properties, "SSESpecification": spec}}
    table = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    backend = dynamodb_backends[account_id][region_name]
    recovery = properties.get("PointInTimeRecoverySpecification")
    if isinstance(recovery, dict) and "PointInTimeRecoveryEnabled" in recovery:
        wanted: dict[str, Any] = {"PointInTimeRecoveryEnabled": cfn_bool(recovery["PointInTimeRecoveryEnabled"])}
        if recovery.get("RecoveryPeriodInDays") is not None:
            wanted["RecoveryPeriodInDays"] = int(recovery["RecoveryPeriodInDays"])
        backend.update_continuous_backups(table.name, wanted)
    ttl = properties.get("TimeToLiveSpecification")
    if isinstance(ttl, dict) and ttl.get("AttributeName"):
        backend.update_time_to_live(
            table.name, {"AttributeName": ttl["AttributeName"], "Enabled": cfn_bool(ttl.get("Enabled"))}
        )
    if isinstance(sse, dict) and cfn_bool(sse.get("SSEEnabled")) and not sse.get("KMSMasterKeyId"):
        kms = kms_backends[account_id][region_name]
        kms.describe_key(AWS_MANAGED_ALIAS).key_manager = "AWS"
    return table
