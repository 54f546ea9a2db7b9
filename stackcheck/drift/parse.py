"""Parsing DescribeStackResourceDrifts answers into resource drift, and the template resources that got no result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stackcheck.assembly import StackArtifact
from stackcheck.drift.allowlist import Allowlist
from stackcheck.drift.model import CLOUDFORMATION, PropertyDifference, ResourceDrift, ResourceStatus, plural

_NOT_CHECKED_REASONS = {
    "NOT_CHECKED": "CloudFormation did not check it (NOT_CHECKED: the type does not support drift detection, "
    "or it was skipped in a rollback)",
    "UNKNOWN": "CloudFormation could not run drift detection on it (UNKNOWN)",
    "UNSUPPORTED": "CloudFormation does not support drift detection for it (UNSUPPORTED)",
}
NO_RESULT_REASON = "no drift result: CloudFormation does not check this resource type for drift"


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def parse_resource_drift(
    entry: Mapping[str, Any],
    *,
    allowlist: Allowlist = Allowlist(),
    construct_path: str | None = None,
    in_template: bool = True,
) -> ResourceDrift:
    """A ResourceDrift from one ``StackResourceDrifts[]`` entry of DescribeStackResourceDrifts
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackResourceDrift.html).

    IN_SYNC, MODIFIED and DELETED are kept (a MODIFIED entry whose every PropertyDifference the
    allowlist covers becomes IN_SYNC); NOT_CHECKED, UNKNOWN, UNSUPPORTED and any status this code
    does not know become NOT_CHECKED with the reason. Raises KeyError when LogicalResourceId,
    ResourceType or StackResourceDriftStatus is missing.
    """
    reported = str(entry["StackResourceDriftStatus"])
    resource_type = str(entry["ResourceType"])
    differences = tuple(_difference(d, resource_type, allowlist) for d in entry.get("PropertyDifferences") or ())
    reason = None
    if reported in ("IN_SYNC", "DELETED"):
        status = ResourceStatus(reported)
    elif reported == "MODIFIED":
        allowed = [d for d in differences if d.allowed_by]
        if differences and len(allowed) == len(differences):
            status = ResourceStatus.IN_SYNC
            reason = f"MODIFIED, but all {plural(len(differences), 'difference')} are in the drift allowlist"
        else:
            status = ResourceStatus.MODIFIED
    else:
        status = ResourceStatus.NOT_CHECKED
        reason = _NOT_CHECKED_REASONS.get(reported, f"CloudFormation reported drift status {reported}")
    return ResourceDrift(
        logical_id=str(entry["LogicalResourceId"]),
        resource_type=resource_type,
        status=status,
        reported_status=reported,
        physical_id=entry.get("PhysicalResourceId"),
        construct_path=construct_path,
        differences=differences,
        reason=reason,
        in_template=in_template,
        checked_at=_iso(entry.get("Timestamp")),
        method=None if status is ResourceStatus.NOT_CHECKED else CLOUDFORMATION,
    )


def _difference(raw: Mapping[str, Any], resource_type: str, allowlist: Allowlist) -> PropertyDifference:
    path = str(raw.get("PropertyPath", ""))
    kind = str(raw.get("DifferenceType", ""))
    entry = allowlist.match(resource_type, path, kind)
    return PropertyDifference(
        property_path=path,
        expected=str(raw.get("ExpectedValue", "")),
        actual=str(raw.get("ActualValue", "")),
        difference_type=kind,
        allowed_by=entry,
        allowed_source=allowlist.source(entry) if entry else None,
    )


def merge(
    artifact: StackArtifact, entries: Sequence[Mapping[str, Any]], allowlist: Allowlist, missing_reason: str
) -> tuple[ResourceDrift, ...]:
    """Template resources in template order (each with its drift result, or NOT_CHECKED with
    ``missing_reason``), then resources only CloudFormation reported."""
    by_id = {str(e.get("LogicalResourceId")): e for e in entries}
    template = artifact.resources
    merged: list[ResourceDrift] = []
    for lid, res in template.items():
        path = artifact.construct_path(lid)
        if lid in by_id:
            merged.append(parse_resource_drift(by_id[lid], allowlist=allowlist, construct_path=path))
        else:
            merged.append(
                ResourceDrift(
                    logical_id=lid,
                    resource_type=str(res.get("Type", "?")),
                    status=ResourceStatus.NOT_CHECKED,
                    construct_path=path,
                    reason=missing_reason,
                    method=None,
                )
            )
    for lid, entry in by_id.items():
        if lid not in template:
            merged.append(parse_resource_drift(entry, allowlist=allowlist, in_template=False))
    return tuple(merged)
