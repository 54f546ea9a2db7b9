"""CKV_TAP_9: service-role trust policies carry aws:SourceAccount or aws:SourceArn (confused-deputy prevention)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from checkov.common.models.enums import CheckCategories
from stackcheck.scan import custom
from stackcheck.scan.policy import (
    Outcome,
    TemplateView,
    Unresolved,
    Verdict,
    as_list,
    is_intrinsic,
    placeholders,
    statements,
)

# Service principals whose AssumeRole requests carry aws:SourceAccount / aws:SourceArn, as each
# service documents for confused-deputy prevention. Principals left out (ecs-tasks, lambda, ...)
# either do not send the keys on AssumeRole or send them only on some paths, so a condition
# there can stop the service from assuming its role.
SUPPORTED = {
    "dms": "https://docs.aws.amazon.com/dms/latest/userguide/cross-service-confused-deputy-prevention.html",
    "vpc-flow-logs": "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html",
    "monitoring.rds": "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html",
}
_SERVICE = re.compile(
    r"(?P<name>dms|vpc-flow-logs|monitoring\.rds)(?:\.(?:\$\{AWS::Region\}|[a-z]{2}(?:-[a-z]+)+-\d+))?"
    r"\.(?:amazonaws\.com(?:\.cn)?|\$\{AWS::URLSuffix\})"
)
KEYS = frozenset({"aws:sourceaccount", "aws:sourcearn"})


def _condition_keys(condition: Any) -> set[str]:
    """Lower-cased condition keys of a statement's ``Condition`` (operator → key → value)."""
    if not isinstance(condition, Mapping):
        return set()
    return {str(k).lower() for block in condition.values() if isinstance(block, Mapping) for k in block}


def evaluate(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    """Verdict on one ``AWS::IAM::Role``: NOT_APPLICABLE unless an Allow statement trusts a ``SUPPORTED`` service.

    FAILED when such a statement has no ``aws:SourceAccount`` or ``aws:SourceArn`` condition key (any
    operator); UNKNOWN when the trust policy or a principal is decided at deploy time.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
    """
    path = ("Properties", "AssumeRolePolicyDocument")
    document = properties.get("AssumeRolePolicyDocument")
    if not isinstance(document, Mapping) or is_intrinsic(document):
        return Verdict(Outcome.NOT_APPLICABLE, "")
    bare: list[str] = []
    guarded: list[str] = []
    undecided: list[Unresolved | str] = []
    for statement in statements(document):
        principal = statement.get("Principal")
        if view.value(statement.get("Effect")) != "Allow" or not isinstance(principal, Mapping):
            continue
        texts = [view.text(s) for s in as_list(principal.get("Service"))]
        undecided += [
            t for t in texts if isinstance(t, Unresolved) or set(placeholders(t)) - {"AWS::Region", "AWS::URLSuffix"}
        ]
        services = [t for t in texts if isinstance(t, str) and _SERVICE.fullmatch(t)]
        if services:
            (guarded if _condition_keys(statement.get("Condition")) & KEYS else bare).extend(services)
    if bare:
        return Verdict(
            Outcome.FAILED,
            f"Role `{logical_id}`: trusts {', '.join(bare)} without an aws:SourceAccount or aws:SourceArn "
            "condition, so another account's resource can make the service act with this role; add "
            'Condition {"StringEquals": {"aws:SourceAccount": "${AWS::AccountId}"}} to that statement',
            path=path,
        )
    if undecided:
        return Verdict(
            Outcome.UNKNOWN, f"Role `{logical_id}`: a service principal is decided at deploy time", path=path
        )
    if guarded:
        return Verdict(
            Outcome.PASSED, f"Role `{logical_id}`: trusts {', '.join(guarded)} only with a source condition", path=path
        )
    return Verdict(Outcome.NOT_APPLICABLE, "")


class ServiceTrustConfusedDeputy(custom.ResourceCheck):
    """checkov check CKV_TAP_9; logic in ``evaluate``."""

    id = "CKV_TAP_9"
    outcome = "Ensure service-role trust policies for DMS, VPC Flow Logs and RDS monitoring carry aws:SourceAccount or aws:SourceArn"
    description = (
        "A role that trusts a service principal without a source condition can be used by that service on "
        "behalf of any account's resource (the cross-service confused deputy). The services listed in SUPPORTED "
        "send aws:SourceAccount and aws:SourceArn when they assume a role, so the condition costs nothing there."
    )
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"
    resource_types = ("AWS::IAM::Role",)
    categories = (CheckCategories.IAM,)
    evaluate = staticmethod(evaluate)
    live_resource_types = ("AWS::IAM::Role",)


check = ServiceTrustConfusedDeputy()
