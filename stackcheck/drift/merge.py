"""Merging the two drift methods' results: DetectStackDrift (AWS) and the live-template diff (anywhere), resource by resource."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from stackcheck.drift.model import (
    CLOUDFORMATION,
    LIVE_TEMPLATE,
    DetectionOutcome,
    ResourceDrift,
    ResourceStatus,
    StackDrift,
)

__all__ = ["merge_methods", "merge_resource", "merge_stack"]

_SEVERITY = {
    ResourceStatus.NOT_CHECKED: 0,
    ResourceStatus.IN_SYNC: 1,
    ResourceStatus.MODIFIED: 2,
    ResourceStatus.DELETED: 3,
}


def merge_resource(cloudformation: ResourceDrift | None, live: ResourceDrift | None) -> ResourceDrift:
    """One resource's drift from both methods (either may be None: that method gave no result).

    Checked by one method only: that method's result. Checked by both: the worse status (DELETED, then
    MODIFIED, then IN_SYNC), CloudFormation's differences plus the live diff's at other paths, method
    ``cloudformation+live-template``, and no unchecked properties (CloudFormation compared the declared
    properties of its supported types). Checked by neither: NOT_CHECKED with both reasons.
    """
    if cloudformation is None or live is None:
        found = cloudformation or live
        assert found is not None, "merge_resource needs at least one result"
        return found
    if not live.checked:
        if cloudformation.checked:
            return cloudformation
        reason = f"CloudFormation: {cloudformation.reason}; live template: {live.reason}"
        return dataclasses.replace(cloudformation, reason=reason, method=None)
    if not cloudformation.checked:
        return live
    paths = {d.property_path for d in cloudformation.differences}
    differences = (*cloudformation.differences, *(d for d in live.differences if d.property_path not in paths))
    worse = max((cloudformation, live), key=lambda r: _SEVERITY[r.status])
    return dataclasses.replace(
        cloudformation,
        status=worse.status,
        reported_status=worse.reported_status,
        differences=differences,
        reason=worse.reason,
        method=f"{CLOUDFORMATION}+{LIVE_TEMPLATE}",
        unchecked_properties=(),
    )


def merge_stack(cloudformation: StackDrift, live: StackDrift) -> StackDrift:
    """One stack's drift from both methods: every resource merged (``merge_resource``) in the order of
    CloudFormation's result, then resources only the live diff has; the detection fields are
    CloudFormation's; ``outcome`` COMPLETE when either method completed, else CloudFormation's."""
    by_id = {r.logical_id: r for r in live.resources}
    resources = [merge_resource(r, by_id.pop(r.logical_id, None)) for r in cloudformation.resources]
    resources += list(by_id.values())
    complete = DetectionOutcome.COMPLETE in (cloudformation.outcome, live.outcome)
    reason = cloudformation.status_reason
    if cloudformation.outcome is not DetectionOutcome.COMPLETE and live.outcome is DetectionOutcome.COMPLETE:
        reason = f"DetectStackDrift {cloudformation.outcome.value}: {reason}; the live-template diff completed"
    return dataclasses.replace(
        cloudformation,
        resources=tuple(resources),
        outcome=DetectionOutcome.COMPLETE if complete else cloudformation.outcome,
        status_reason=reason,
        seconds=cloudformation.seconds + live.seconds,
        methods=(CLOUDFORMATION, LIVE_TEMPLATE),
    )


def merge_methods(cloudformation: Sequence[StackDrift], live: Sequence[StackDrift]) -> tuple[StackDrift, ...]:
    """Stacks merged by artifact id (``merge_stack``), in the order of ``cloudformation``; a stack only one
    method has is kept as it is."""
    by_id = {s.artifact_id: s for s in live}
    merged = [merge_stack(s, by_id.pop(s.artifact_id)) if s.artifact_id in by_id else s for s in cloudformation]
    return (*merged, *by_id.values())
