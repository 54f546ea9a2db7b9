"""KMS for the emulator: an AWS::KMS::Key policy stored as the JSON text GetKeyPolicy answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from stackcheck.emulator.cfn._registry import patch

__all__: list[str] = []

KEY_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html"


@patch(
    "moto.kms.models",
    "Key.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::KMS::Key",
    adds=("KeyPolicy (as JSON text)",),
    doc_url=KEY_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_key(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """CloudFormation takes ``KeyPolicy`` as a JSON object; moto stores it as given, so
    GetKeyPolicy answers an object where the API answers a string. Hand moto the JSON text.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html
    """
    properties = cloudformation_json.get("Properties") or {}
    if isinstance(properties.get("KeyPolicy"), dict):
        properties = {**properties, "KeyPolicy": json.dumps(properties["KeyPolicy"])}
    return original(resource_name, {**cloudformation_json, "Properties": properties}, account_id, region_name, **kwargs)
