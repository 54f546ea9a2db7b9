"""SSM for the emulator: an AWS::SSM::Parameter without Name gets a generated name, as in CloudFormation."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from typing import Any

from stackcheck.emulator.cfn._registry import patch

__all__: list[str] = []

PARAMETER_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html"


@patch(
    "moto.ssm.models",
    "Parameter.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::SSM::Parameter",
    adds=("Name (generated when omitted)",),
    doc_url=PARAMETER_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_parameter(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto passes ``Name`` through and fails without one; CloudFormation then names the
    parameter ``CFN-<LogicalId>-<random>``.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html
    """
    properties = cloudformation_json.get("Properties", {})
    if properties.get("Name"):
        return original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    suffix = "".join(random.choices(string.ascii_letters + string.digits, k=12))
    named = {**properties, "Name": f"CFN-{kwargs.get('LogicalId', 'Parameter')}-{suffix}"}
    return original(resource_name, {**cloudformation_json, "Properties": named}, account_id, region_name, **kwargs)
