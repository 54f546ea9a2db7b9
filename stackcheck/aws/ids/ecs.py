"""Amazon ECS identifiers: cluster, service and task names and ARNs, old (short) and new (long, with the cluster) formats."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stackcheck.aws.arn import is_arn, parse_arn
from stackcheck.aws.ids.match import Match, no, scope_mismatch, unknown, yes
from stackcheck.errors import IdentifierError

__all__ = ["EcsServiceRef", "ecs_cluster_name", "ecs_service", "ecs_task", "same_ecs_service"]

_ECS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_DOCS = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-account-settings.html#ecs-resource-ids"


@dataclass(frozen=True)
class EcsServiceRef:
    """An ECS service (or task): ``name`` (the task ID for a task) and, when known, its ``cluster``
    name; ``region``, ``account`` and ``partition`` are "" unless the reference was an ARN."""

    name: str
    cluster: str | None = None
    region: str = ""
    account: str = ""
    partition: str = ""

    @property
    def scope(self) -> dict[str, str]:
        """Partition, region and account as a dict ("" where unknown)."""
        return {"partition": self.partition, "region": self.region, "account": self.account}


def ecs_cluster_name(value: str) -> str:
    """The cluster name of an ECS cluster name or ARN (``arn:aws:ecs:r:a:cluster/name``)."""
    if not isinstance(value, str):
        raise IdentifierError(f"expected an ECS cluster name or ARN, got {type(value).__name__}")
    if is_arn(value):
        arn = parse_arn(value)
        if arn.service != "ecs" or arn.resource_type != "cluster":
            raise IdentifierError(f"{value!r} is not an ECS cluster ARN")
        value = arn.resource_id
    if not _ECS_NAME.match(value):
        raise IdentifierError(f"{value!r} is not a valid ECS cluster name")
    return value


def _ecs_ref(value: str, cluster: str | None, resource_type: str, what: str) -> EcsServiceRef:
    if not isinstance(value, str):
        raise IdentifierError(f"expected an ECS {what} name or ARN, got {type(value).__name__}")
    given = ecs_cluster_name(cluster) if cluster else None
    scope = {"region": "", "account": "", "partition": ""}
    if is_arn(value):
        arn = parse_arn(value)
        if arn.service != "ecs" or arn.resource_type != resource_type:
            raise IdentifierError(f"{value!r} is not an ECS {what} ARN")
        parts = arn.resource_id.split("/")
        if len(parts) == 2:
            found, name = parts
        elif len(parts) == 1:
            found, name = None, parts[0]
        else:
            raise IdentifierError(f"{value!r}: expected {resource_type}/<name> or {resource_type}/<cluster>/<name>")
        if found and given and found != given:
            raise IdentifierError(f"{value!r} belongs to cluster {found!r}, not {given!r}")
        given = found or given
        value = name
        scope = {"region": arn.region, "account": arn.account, "partition": arn.partition}
    if not _ECS_NAME.match(value):
        raise IdentifierError(f"{value!r} is not a valid ECS {what} name")
    return EcsServiceRef(name=value, cluster=given, **scope)


def ecs_service(value: str, cluster: str | None = None) -> EcsServiceRef:
    """An EcsServiceRef of a service name, an old-format ARN (``service/name``) or a new-format
    ARN (``service/cluster/name``), per ``_DOCS``.

    ``cluster`` (name or ARN) fills in the cluster when ``value`` does not carry one; a conflicting
    cluster raises IdentifierError.
    """
    return _ecs_ref(value, cluster, "service", "service")


def ecs_task(value: str, cluster: str | None = None) -> EcsServiceRef:
    """An EcsServiceRef (``name`` = task ID) of a task ID, an old-format task ARN (``task/<id>``)
    or a new-format one (``task/<cluster>/<id>``), per ``_DOCS``."""
    return _ecs_ref(value, cluster, "task", "task")


def same_ecs_service(a: str, b: str, cluster: str | None = None) -> Match:
    """Whether ``a`` and ``b`` name the same ECS service.

    Service names are unique per cluster only, so clusters must agree: when one side carries a
    cluster and the other does not (a bare name or an old-format ARN) and ``cluster`` does not
    fill it in, the answer is "cannot tell". Partition, region and account must agree where both
    sides are ARNs.
    """
    left, right = ecs_service(a, cluster), ecs_service(b, cluster)
    if left.name != right.name:
        return no(f"service {left.name!r} != {right.name!r}")
    mismatch = scope_mismatch(left.scope, right.scope)
    if mismatch:
        return no(mismatch)
    if left.cluster and right.cluster:
        if left.cluster != right.cluster:
            return no(f"cluster {left.cluster!r} != {right.cluster!r}")
        return yes(f"service {left.name!r} in cluster {left.cluster!r}")
    if left.cluster or right.cluster:
        bare = b if left.cluster else a
        return unknown(f"{bare!r} carries no cluster (bare name or old-format ARN); pass cluster=")
    return yes(f"service {left.name!r} (neither side names a cluster)")
