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


KEY_STATE_DOC = "https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKey.html"


def _key_arn_accepted(method: str, params: tuple[str, ...]) -> Callable[..., Any]:
    """A wrapper of KmsBackend.<method> that takes a key ARN as well as a key ID, as KMS does."""

    def wrapper(original: Callable[..., Any], backend: Any, key_id: str, *args: Any, **kwargs: Any) -> Any:
        return original(backend.get_key_id(key_id), *args, **kwargs)

    wrapper.__doc__ = (
        f"KMS {method}: ``KeyId`` may be the key ID or the key ARN; moto looks only the ID up (a KeyError, "
        f"answered as HTTP 500, for an ARN). Follows {KEY_STATE_DOC}"
    )
    wrapper.__name__ = wrapper.__qualname__ = f"{method}_by_arn"
    return patch(
        "moto.kms.models",
        f"KmsBackend.{method}",
        kind="method",
        resource_type=None,
        adds=("KeyId as a key ARN",),
        doc_url=KEY_STATE_DOC,
        params=params,
    )(wrapper)


disable_key_by_arn = _key_arn_accepted("disable_key", ("self", "key_id"))
enable_key_by_arn = _key_arn_accepted("enable_key", ("self", "key_id"))
cancel_key_deletion_by_arn = _key_arn_accepted("cancel_key_deletion", ("self", "key_id"))
schedule_key_deletion_by_arn = _key_arn_accepted("schedule_key_deletion", ("self", "key_id", "pending_window_in_days"))
