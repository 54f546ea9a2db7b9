"""The deployed stacks of a cloud assembly: every resource's physical ID from CloudFormation, with its logical ID and construct path."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stackcheck.assembly import StackArtifact
from stackcheck.aws.retry import is_stack_missing
from stackcheck.errors import BadInputError, NextStep

__all__ = [
    "DEPLOY_FIRST",
    "NOT_DEPLOYED_STATUSES",
    "DeployedResource",
    "DeployedStack",
    "deployed_stacks",
    "index_physical_ids",
]

DEPLOY_FIRST = NextStep.DEPLOY_ANY

NOT_DEPLOYED_STATUSES = frozenset(
    {
        "CREATE_IN_PROGRESS",
        "CREATE_FAILED",
        "ROLLBACK_IN_PROGRESS",
        "ROLLBACK_FAILED",
        "ROLLBACK_COMPLETE",
        "DELETE_IN_PROGRESS",
        "DELETE_FAILED",
        "DELETE_COMPLETE",
        "REVIEW_IN_PROGRESS",
    }
)
"""Stack statuses whose resources are not (or no longer) all there: such a stack counts as not deployed
(StackStatus, https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html)."""

# Resource statuses of a resource that does not exist (or no longer exists) in the account.
_GONE = ("CREATE_FAILED", "DELETE_COMPLETE", "DELETE_IN_PROGRESS", "DELETE_FAILED", "DELETE_SKIPPED")


@dataclass(frozen=True)
class DeployedResource:
    """One resource of a deployed stack, from ListStackResources.

    ``stack`` is the artifact id of its stack in the cloud assembly; ``physical_id`` is None when
    CloudFormation reports none (or an empty one); ``construct_path`` comes from the cloud
    assembly (None when it does not record one).
    """

    stack: str
    logical_id: str
    resource_type: str
    physical_id: str | None
    status: str
    construct_path: str | None = None

    @property
    def live(self) -> bool:
        """True when the resource has a physical ID and its status says it exists."""
        return bool(self.physical_id) and not self.status.startswith(_GONE)


@dataclass(frozen=True)
class DeployedStack:
    """A stack of the cloud assembly as CloudFormation has it: its status and its resources (ListStackResources order)."""

    artifact: StackArtifact
    status: str
    resources: tuple[DeployedResource, ...]

    @property
    def artifact_id(self) -> str:
        """The artifact id of the stack in the cloud assembly."""
        return self.artifact.artifact_id

    def resource(self, logical_id: str) -> DeployedResource | None:
        """The deployed resource ``logical_id``, None when the stack has none of that name."""
        return next((r for r in self.resources if r.logical_id == logical_id), None)


def _resources(cloudformation: Any, artifact: StackArtifact) -> tuple[DeployedResource, ...]:
    found: list[DeployedResource] = []
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=artifact.stack_name):
        for summary in page.get("StackResourceSummaries", []):
            logical_id = summary["LogicalResourceId"]
            found.append(
                DeployedResource(
                    stack=artifact.artifact_id,
                    logical_id=logical_id,
                    resource_type=summary["ResourceType"],
                    physical_id=summary.get("PhysicalResourceId") or None,
                    status=summary.get("ResourceStatus", ""),
                    construct_path=artifact.construct_path(logical_id),
                )
            )
    return tuple(found)


def deployed_stacks(
    cloudformation: Any, artifacts: Iterable[StackArtifact], *, where: str = "the target"
) -> list[DeployedStack]:
    """DescribeStacks and ListStackResources (every page) for each stack of ``artifacts``, in the order given.

    ``cloudformation`` is a CloudFormation client (retried on throttling by the caller's
    RecordingClient); ``where`` names the endpoint for messages. Follows
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackResources.html.
    Raises BadInputError (exit 2) naming every stack that does not exist or whose status is in
    NOT_DEPLOYED_STATUSES, and saying to deploy first. Other ClientErrors and botocore errors
    (no credentials, endpoint not answering) propagate for the caller to classify.
    """
    from botocore.exceptions import ClientError

    missing: list[str] = []
    stacks: list[DeployedStack] = []
    for artifact in artifacts:
        try:
            (description,) = cloudformation.describe_stacks(StackName=artifact.stack_name)["Stacks"]
        except ClientError as exc:
            if is_stack_missing(exc):
                missing.append(f"{artifact.stack_name} (does not exist)")
                continue
            raise
        status = description.get("StackStatus", "")
        if status in NOT_DEPLOYED_STATUSES:
            missing.append(f"{artifact.stack_name} ({status})")
            continue
        stacks.append(DeployedStack(artifact=artifact, status=status, resources=_resources(cloudformation, artifact)))
    if missing:
        raise BadInputError(f"stacks not deployed at {where}: {', '.join(missing)}", next_step=DEPLOY_FIRST)
    return stacks


def index_physical_ids(stacks: Iterable[DeployedStack]) -> Mapping[tuple[str, str], DeployedResource]:
    """(resource type, physical ID) → deployed resource, over every stack (live resources only)."""
    return {(r.resource_type, r.physical_id): r for s in stacks for r in s.resources if r.live and r.physical_id}
