"""CKV_TAP_1: IAM roles AWS DMS assumes trust both dms.amazonaws.com and dms.<region>.amazonaws.com."""

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

# Roles AWS DMS looks up by name (https://docs.aws.amazon.com/dms/latest/userguide/security-iam.html#CHAP_Security.APIRole).
DMS_ROLE_NAMES = frozenset({"dms-vpc-role", "dms-cloudwatch-logs-role", "dms-access-for-endpoint"})
_SUFFIX = r"(?:amazonaws\.com(?:\.cn)?|\$\{AWS::URLSuffix\})"
GLOBAL = re.compile(rf"dms\.{_SUFFIX}")
REGIONAL = re.compile(rf"dms\.(?:\$\{{AWS::Region\}}|[a-z]{{2}}(?:-[a-z]+)+-\d+)\.{_SUFFIX}")
WANTED = "dms.amazonaws.com and dms.${AWS::Region}.amazonaws.com"


def evaluate(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    """Verdict on one ``AWS::IAM::Role``: NOT_APPLICABLE unless it trusts a DMS principal or has a DMS role name."""
    path = ("Properties", "AssumeRolePolicyDocument")
    name = view.value(properties.get("RoleName"))
    document = properties.get("AssumeRolePolicyDocument")
    named = isinstance(name, str) and name in DMS_ROLE_NAMES
    if not isinstance(document, Mapping) or is_intrinsic(document):
        if named:
            return Verdict(
                Outcome.UNKNOWN, f"Role `{logical_id}` ({name}): its trust policy is decided at deploy time", path=path
            )
        return Verdict(Outcome.NOT_APPLICABLE, "")
    services: list[str | Unresolved] = []
    for statement in statements(document):
        principal = statement.get("Principal")
        if view.value(statement.get("Effect")) == "Allow" and isinstance(principal, Mapping):
            services += [view.text(s) for s in as_list(principal.get("Service"))]
    dms = [s for s in services if isinstance(s, str) and s.startswith("dms.")]
    if not dms and not named:
        return Verdict(Outcome.NOT_APPLICABLE, "")
    label = f"Role `{logical_id}`" + (f" ({name})" if named else "")
    has_global = any(GLOBAL.fullmatch(s) for s in dms)
    has_regional = any(REGIONAL.fullmatch(s) for s in dms)
    if has_global and has_regional:
        return Verdict(Outcome.PASSED, f"{label}: trusts {WANTED}", path=path)
    undecided = [s for s in services if isinstance(s, Unresolved)] + [
        s for s in dms if set(placeholders(s)) - {"AWS::Region", "AWS::URLSuffix"}
    ]
    if undecided:
        return Verdict(
            Outcome.UNKNOWN,
            f"{label}: a service principal is decided at deploy time ({undecided[0]!r}); "
            f"cannot tell whether it trusts {WANTED}",
            path=path,
        )
    missing = [
        p for p, ok in (("dms.amazonaws.com", has_global), ("dms.${AWS::Region}.amazonaws.com", has_regional)) if not ok
    ]
    trusted = ", ".join(dms) or "no DMS principal"
    return Verdict(
        Outcome.FAILED,
        f"{label}: trust policy names {trusted}; add {' and '.join(missing)} "
        "(AWS DMS assumes its roles with either; CDK: iam.CompositePrincipal of both)",
        path=path,
    )


class DmsRoleTrustsBothPrincipals(custom.ResourceCheck):
    """checkov check CKV_TAP_1; logic in ``evaluate``."""

    id = "CKV_TAP_1"
    outcome = "Ensure IAM roles for AWS DMS trust both dms.amazonaws.com and dms.<region>.amazonaws.com"
    description = (
        "AWS DMS assumes dms-vpc-role, dms-cloudwatch-logs-role and endpoint access roles with the global or "
        "the regional service principal depending on region and API path. A role trusting only one makes "
        "replication subnet groups, endpoints or task logging fail to create, mid-migration."
    )
    source_url = "https://docs.aws.amazon.com/dms/latest/userguide/security-iam.html#CHAP_Security.APIRole"
    resource_types = ("AWS::IAM::Role",)
    categories = (CheckCategories.IAM,)
    evaluate = staticmethod(evaluate)
    live_resource_types = ("AWS::IAM::Role",)


check = DmsRoleTrustsBothPrincipals()
