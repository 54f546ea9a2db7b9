"""Per-resource stack events for the emulator: CREATE_COMPLETE / CREATE_FAILED, as CloudFormation reports them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stackcheck.emulator.cfn._registry import patch, relies_on

__all__: list[str] = []

EVENTS_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackEvent.html"

relies_on("moto.cloudformation.models", "cloudformation_backends")
relies_on("moto.cloudformation.models", "CloudFormationBackend.__init__", assigns=("stacks",))
relies_on("moto.cloudformation.models", "Stack.__init__", assigns=("events", "name", "stack_id"))
relies_on(
    "moto.cloudformation.models",
    "Event.__init__",
    params=(
        "stack_id",
        "stack_name",
        "logical_resource_id",
        "physical_resource_id",
        "resource_type",
        "resource_status",
        "resource_status_reason",
        "resource_properties",
    ),
)
relies_on("moto.cloudformation.parsing", "ResourceMap.__init__", assigns=("stack_id",))


def _add_event(
    resources_map: Any,
    account_id: str,
    region_name: str,
    logical_id: str,
    resource_type: str,
    physical_id: str,
    state: str,
    reason: str | None,
) -> None:
    from moto.cloudformation.models import Event, cloudformation_backends

    stack = cloudformation_backends[account_id][region_name].stacks.get(resources_map.stack_id)
    if stack is None:  # a change set or nested template being parsed: no stack to report on
        return
    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id,
            resource_type=resource_type,
            resource_status=state,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


@patch(
    "moto.cloudformation.parsing",
    "parse_and_create_resource",
    kind="function",
    resource_type=None,
    adds=("StackEvent CREATE_COMPLETE/CREATE_FAILED per resource",),
    doc_url=EVENTS_DOC,
    params=("logical_id", "resource_json", "resources_map", "account_id", "region_name"),
)
def parse_and_create_resource(
    original: Callable[..., Any],
    logical_id: str,
    resource_json: dict[str, Any],
    resources_map: Any,
    account_id: str,
    region_name: str,
) -> Any:
    """moto records events for the stack only. CloudFormation records one per resource; the
    failing resource's event carries the reason. DescribeStackEvents creates nothing, unlike
    ListStackResources and DescribeStacks (moto creates missing resources lazily when they are
    listed or an output reads them), so a failed deployment is read from events.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackEvent.html
    """
    resource_type = resource_json.get("Type", "")
    try:
        resource = original(logical_id, resource_json, resources_map, account_id, region_name)
    except Exception as exc:
        root = getattr(exc, "stackcheck_failed_logical_id", None)
        if root is None:
            exc.stackcheck_failed_logical_id = logical_id  # type: ignore[attr-defined]
            reason = f"{type(exc).__name__}: {exc}"
        else:
            reason = f"Resource creation cancelled: it needs {root}, which failed"
        _add_event(resources_map, account_id, region_name, logical_id, resource_type, "", "CREATE_FAILED", reason)
        raise
    if resource is not None:
        physical = getattr(resource, "physical_resource_id", "") or ""
        _add_event(
            resources_map, account_id, region_name, logical_id, resource_type, str(physical), "CREATE_COMPLETE", None
        )
    elif not (resource_json.get("Condition")):
        _add_event(
            resources_map,
            account_id,
            region_name,
            logical_id,
            resource_type,
            "",
            "CREATE_FAILED",
            f"the emulator has no CloudFormation model for {resource_type}",
        )
    return resource
