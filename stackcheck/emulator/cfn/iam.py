"""IAM for the emulator: an AWS::IAM::Role's managed policies, which moto drops, and its inline policies as IAM keeps them."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from stackcheck.emulator.cfn._registry import patch, relies_on

__all__: list[str] = []

ROLE_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html"

relies_on("moto.iam.models", "iam_backends")
relies_on("moto.iam.models", "IAMBackend.attach_role_policy", params=("policy_arn", "role_name"))
relies_on("moto.iam.models", "Role.__init__", assigns=("name",))
relies_on("moto.iam.models", "IAMBackend.__init__", assigns=("managed_policies",))
relies_on("moto.iam.models", "AWSManagedPolicy.from_data", params=("name", "account_id", "region_name", "data"))
relies_on("moto.iam.aws_managed_policies", "aws_managed_policies_data")

_AWS_POLICY_ARN = ":iam::aws:policy/"


@lru_cache(maxsize=1)
def _aws_managed_policies() -> dict[str, Any]:
    """moto's copy of the AWS managed policies, by name (parsed once per server process)."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


def _ensure_aws_managed_policy(backend: Any, policy_arn: str, account_id: str, region_name: str) -> None:
    """Make an AWS managed policy the role names known to moto's IAM backend, on demand.

    moto loads all ~1,300 of them per IAM backend only with MOTO_IAM_LOAD_MANAGED_POLICIES, which
    costs seconds after every reset; one policy, from the same data, costs nothing.
    """
    if _AWS_POLICY_ARN not in policy_arn or policy_arn in backend.managed_policies:
        return
    from moto.iam.models import AWSManagedPolicy

    data = _aws_managed_policies().get(policy_arn.rsplit("/", 1)[1])
    if data is not None:
        policy = AWSManagedPolicy.from_data(policy_arn.rsplit("/", 1)[1], account_id, region_name, data)
        backend.managed_policies[policy.arn] = policy


@patch(
    "moto.iam.models",
    "Role.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::IAM::Role",
    adds=("ManagedPolicyArns", "Policies as JSON documents"),
    doc_url=ROLE_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_role(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto creates the role with its inline ``Policies`` but not its ``ManagedPolicyArns``; attach
    them, so ListAttachedRolePolicies answers them. An AWS managed policy is taken from moto's
    copy of them when first attached; an ARN AWS does not publish fails, as in IAM.

    moto also keeps each inline policy's ``PolicyDocument`` as the template's object, so
    GetRolePolicy answers its Python repr instead of (URL-encoded) JSON; it gets the JSON text
    PutRolePolicy would have stored.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
    """
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    properties = cloudformation_json.get("Properties") or {}
    if isinstance(properties.get("Policies"), list):
        policies = [
            {**policy, "PolicyDocument": json.dumps(policy["PolicyDocument"])}
            if isinstance(policy, dict) and isinstance(policy.get("PolicyDocument"), dict)
            else policy
            for policy in properties["Policies"]
        ]
        cloudformation_json = {**cloudformation_json, "Properties": {**properties, "Policies": policies}}
    role = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    backend = iam_backends[account_id][get_partition(region_name)]
    for policy_arn in (cloudformation_json.get("Properties") or {}).get("ManagedPolicyArns") or []:
        _ensure_aws_managed_policy(backend, policy_arn, account_id, region_name)
        backend.attach_role_policy(policy_arn, role.name)
    return role
