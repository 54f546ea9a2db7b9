"""CloudWatch Logs for the emulator: the KMS key of an AWS::Logs::LogGroup, which moto's model drops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stackcheck.emulator.cfn._registry import patch, relies_on

__all__: list[str] = []

LOG_GROUP_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html"

relies_on("moto.logs.models", "LogGroup.__init__", assigns=("kms_key_id",))


@patch(
    "moto.logs.models",
    "LogGroup.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::Logs::LogGroup",
    adds=("KmsKeyId",),
    doc_url=LOG_GROUP_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_log_group(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto passes the properties on as keyword arguments and reads the key as ``kmsKeyId``, so
    CloudFormation's ``KmsKeyId`` is lost and DescribeLogGroups shows no key; set it.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html
    """
    group = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    key = (cloudformation_json.get("Properties") or {}).get("KmsKeyId")
    if key:
        group.kms_key_id = key
    return group


@patch(
    "moto.logs.models",
    "LogGroup.get_cfn_attribute",
    kind="method",
    resource_type="AWS::Logs::LogGroup",
    adds=("Arn",),
    doc_url=LOG_GROUP_DOC,
    params=("self", "attribute_name"),
)
def log_group_attribute(original: Callable[[str], Any], group: Any, attribute_name: str) -> Any:
    """``Fn::GetAtt LogGroup.Arn`` as CloudFormation answers it, ending ``:*``
    (``arn:aws:logs:us-west-1:123456789012:log-group:/mystack-testgroup-12ABC1AB12A1:*``); moto leaves the ``:*`` off.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html
    """
    value = original(attribute_name)
    if attribute_name == "Arn" and isinstance(value, str) and not value.endswith(":*"):
        return f"{value}:*"
    return value
