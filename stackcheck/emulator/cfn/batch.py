"""AWS Batch for the emulator: a compute environment without a ``ServiceRole``, which moto's model refuses, and its GetAtt.

moto 5.2.5 reads ``ServiceRole`` as required (a KeyError without it) and checks that the role exists; AWS Batch
makes a compute environment declared without one with its service-linked role, ``AWSServiceRoleForBatch``,
which it creates in the account when absent (CDK's Fargate compute environments declare none). moto also took
only an upper-case ``Type``, where CDK writes ``managed``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from stackcheck.emulator.cfn._registry import getatt_attributes, patch, relies_on

__all__: list[str] = []

COMPUTE_ENVIRONMENT_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-batch-computeenvironment.html"
)
SERVICE_LINKED_ROLE = "AWSServiceRoleForBatch"
SERVICE_LINKED_PATH = "/aws-service-role/batch.amazonaws.com/"

relies_on("moto.iam.models", "iam_backends")
relies_on(
    "moto.iam.models",
    "IAMBackend.create_role",
    params=(
        "role_name",
        "assume_role_policy_document",
        "path",
        "permissions_boundary",
        "description",
        "tags",
        "max_session_duration",
    ),
)
relies_on("moto.iam.models", "IAMBackend.get_role", params=("role_name",))


def _service_linked_role(account_id: str) -> str:
    """The ARN of the account's ``AWSServiceRoleForBatch``, created (trusting batch.amazonaws.com) when absent."""
    from moto.iam.models import iam_backends

    iam = iam_backends[account_id]["global"]
    try:
        return str(iam.get_role(SERVICE_LINKED_ROLE).arn)
    except Exception:  # moto's NotFoundException: the role is made, as Batch does
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "batch.amazonaws.com"}}
            ],
        }
        role = iam.create_role(
            role_name=SERVICE_LINKED_ROLE,
            assume_role_policy_document=json.dumps(trust),
            path=SERVICE_LINKED_PATH,
            permissions_boundary=None,
            description="Allows Batch to create and manage AWS resources on your behalf.",
            tags=[],
            max_session_duration="3600",
        )
        return str(role.arn)


@patch(
    "moto.batch.models",
    "ComputeEnvironment.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::Batch::ComputeEnvironment",
    adds=("ServiceRole left out: the AWSServiceRoleForBatch service-linked role", "Type in lower case"),
    doc_url=COMPUTE_ENVIRONMENT_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_compute_environment(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """A compute environment declared without ``ServiceRole`` is made with the account's Batch service-linked role
    (created when absent), as AWS Batch does; its ``Type`` is taken in any case (CDK writes ``managed``, moto
    took only ``MANAGED``).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-batch-computeenvironment.html
    and https://docs.aws.amazon.com/batch/latest/userguide/using-service-linked-roles.html
    """
    properties = dict(cloudformation_json.get("Properties") or {})
    if isinstance(properties.get("Type"), str):
        properties["Type"] = properties["Type"].upper()  # CDK writes "managed"; Batch takes it in any case
    if not properties.get("ServiceRole"):
        properties = {**properties, "ServiceRole": _service_linked_role(account_id)}
    return original(resource_name, {**cloudformation_json, "Properties": properties}, account_id, region_name)


getatt_attributes(
    "moto.batch.models",
    "ComputeEnvironment",
    resource_type="AWS::Batch::ComputeEnvironment",
    attributes={"ComputeEnvironmentArn": "arn"},
    why="moto's compute environment has no GetAtt; CDK's job queue names its environments by GetAtt ComputeEnvironmentArn",
    doc_url=COMPUTE_ENVIRONMENT_DOC,
)
