"""AccessDenied right after a deployment changed a principal: retried with backoff inside IAM's propagation window only, INCONCLUSIVE if the budget ends first."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from stackcheck.aws.budget import ThrottledPastBudget
from stackcheck.aws.retry import FINAL_CODES, THROTTLING_CODES, RetryLog, RetryProfile

__all__ = [
    "ACCESS_DENIED_CODES",
    "IAM_PROPAGATION",
    "IAM_PROPAGATION_WINDOW",
    "PrincipalChange",
    "call_within_propagation",
    "principal_changed_at",
]

T = TypeVar("T")

ACCESS_DENIED_CODES: frozenset[str] = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
"""What S3/IAM/STS (AccessDenied), JSON-protocol services (AccessDeniedException) and EC2
(UnauthorizedOperation) answer a principal whose permissions are not (yet) visible."""

IAM_PROPAGATION_WINDOW = 120.0
"""Seconds after a deployment changed a principal during which AccessDenied may be IAM's eventual
consistency rather than the answer. AWS gives no bound ("changes ... take time to become visible",
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency);
two minutes covers the propagation delays reported in practice."""

IAM_PROPAGATION = RetryProfile(
    "iam-propagation",
    retry_codes=THROTTLING_CODES | ACCESS_DENIED_CODES,
    max_attempts=8,
    deadline=IAM_PROPAGATION_WINDOW,
    initial_wait=1.0,
    max_wait=16.0,
    final_codes=FINAL_CODES - ACCESS_DENIED_CODES,
    exhausted_why="still denied (or throttled) inside the IAM propagation window",
)
"""8 attempts, full-jitter waits from 1 s up to 16 s; AccessDenied and throttling retried."""


@dataclass(frozen=True)
class PrincipalChange:
    """When the deployment last changed a principal: ``at`` (timezone-aware UTC) and ``source``,
    the CloudFormation field it was read from (``DescribeStackResources Timestamp of
    TapStackdevSource/TaskRole`` or ``DescribeStacks LastUpdatedTime of TapStackdevSource``)."""

    at: datetime
    source: str


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def principal_changed_at(
    cloudformation: Any,
    stack_name: str | None = None,
    *,
    logical_id: str | None = None,
    physical_id: str | None = None,
) -> PrincipalChange:
    """When the deployment last changed the principal (or, failing a resource, its stack).

    With ``logical_id`` (and ``stack_name``) or ``physical_id`` (a role name, for example):
    the resource's ``Timestamp`` from DescribeStackResources
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResources.html),
    the last time CloudFormation updated it. With ``stack_name`` only: the stack's
    ``LastUpdatedTime`` or ``CreationTime`` from DescribeStacks. ValueError when given neither;
    CloudFormation's ClientError (ValidationError) when the stack or resource does not exist.
    """
    if logical_id or physical_id:
        query: dict[str, str] = {}
        if stack_name:
            query["StackName"] = stack_name
        if logical_id:
            query["LogicalResourceId"] = logical_id
        if physical_id:
            query["PhysicalResourceId"] = physical_id
        resources = cloudformation.describe_stack_resources(**query)["StackResources"]
        if not resources:
            raise ValueError(f"DescribeStackResources found no resource for {query}")
        resource = resources[0]
        where = f"{resource.get('StackName', stack_name)}/{resource.get('LogicalResourceId', logical_id)}"
        return PrincipalChange(_aware(resource["Timestamp"]), f"DescribeStackResources Timestamp of {where}")
    if not stack_name:
        raise ValueError("principal_changed_at needs stack_name, logical_id or physical_id")
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    field = "LastUpdatedTime" if stack.get("LastUpdatedTime") else "CreationTime"
    return PrincipalChange(_aware(stack[field]), f"DescribeStacks {field} of {stack_name}")


def call_within_propagation(
    fn: Callable[..., T],
    *args: Any,
    changed: PrincipalChange | datetime,
    window: float = IAM_PROPAGATION_WINDOW,
    profile: RetryProfile = IAM_PROPAGATION,
    operation: str | None = None,
    log: RetryLog | None = None,
    now: Callable[[], datetime] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> T:
    """Call ``fn(*args, **kwargs)``; retry AccessDenied only while ``changed`` is under ``window`` seconds old.

    ``changed`` is when the deployment last changed the calling principal (``principal_changed_at``).
    Outside the window AccessDenied is the answer: raised at once, one call. Inside it, AccessDenied
    (and throttling) are retried under ``profile`` (each retry recorded in ``log``, RETRY_LOG by
    default); the first answer after the window closed is final (a deny stays ClientError
    AccessDenied). When ``profile``'s attempts run out while the window is still open, IAM may not
    have propagated yet: ``stackcheck.aws.budget.ThrottledPastBudget`` (INCONCLUSIVE; still a
    ClientError) saying how old the change was. ``now`` and ``sleep`` are for tests.
    """
    clock = now or (lambda: datetime.now(UTC))
    change = changed if isinstance(changed, PrincipalChange) else PrincipalChange(_aware(changed), "given")
    ends = change.at.timestamp() + window
    name = operation or str(getattr(fn, "__name__", repr(fn)))
    if clock().timestamp() >= ends:
        return fn(*args, **kwargs)

    def closed() -> bool:
        return clock().timestamp() >= ends

    try:
        return profile.retrying(name, log=log, sleep=sleep, give_up=closed)(fn, *args, **kwargs)
    except ThrottledPastBudget as exc:
        last = exc.__cause__
        if closed() and last is not None:
            raise last from None  # the window passed: the deny (or throttle) is the answer
        age = clock().timestamp() - change.at.timestamp()
        exc.message += (
            f"; the principal changed {age:.0f} s ago ({change.source}), inside the {window:g} s IAM propagation window"
        )
        raise
