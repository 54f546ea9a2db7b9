"""CKV_TAP_6: every S3 bucket keeps versioning enabled."""

from __future__ import annotations

from typing import Any, Mapping

from checkov.common.models.enums import CheckCategories

from stackcheck.scan import custom
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict

FIX = "set VersioningConfiguration.Status to Enabled (CDK: versioned=True)"


def evaluate(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    """Verdict on one ``AWS::S3::Bucket``: PASSED when ``VersioningConfiguration.Status`` is literally ``Enabled``."""
    where = f"Bucket `{logical_id}`"
    path = ("Properties", "VersioningConfiguration")
    config = view.value(properties.get("VersioningConfiguration"))
    if config is None:
        return Verdict(Outcome.FAILED, f"{where}: VersioningConfiguration is not set, so versioning is off; {FIX}",
                       path=("Properties",))
    if isinstance(config, Unresolved) or not isinstance(config, Mapping):
        return Verdict(Outcome.UNKNOWN, f"{where}: VersioningConfiguration is decided at deploy time", path=path)
    status = config.get("Status")
    if isinstance(status, Unresolved):
        return Verdict(Outcome.UNKNOWN, f"{where}: VersioningConfiguration.Status is unknown ({status.reason})",
                       path=(*path, "Status"))
    if status == "Enabled":
        return Verdict(Outcome.PASSED, f"{where}: versioning is Enabled", path=(*path, "Status"))
    shown = "not set" if status is None else str(status)
    return Verdict(Outcome.FAILED, f"{where}: VersioningConfiguration.Status is {shown}; {FIX}", path=(*path, "Status"))


class S3VersioningEnabled(custom.ResourceCheck):
    """checkov check CKV_TAP_6; logic in ``evaluate``."""

    id = "CKV_TAP_6"
    outcome = "Ensure S3 buckets keep versioning enabled"
    description = (
        "The logs buckets hold the audit trail of the migration (ALB and S3 access logs). Versioning keeps "
        "the previous version of every overwritten or deleted object, so an operator mistake or a compromised "
        "writer cannot destroy it; suspending versioning stops that protection for every later write."
    )
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"
    resource_types = ("AWS::S3::Bucket",)
    categories = (CheckCategories.BACKUP_AND_RECOVERY,)
    evaluate = staticmethod(evaluate)
    live_resource_types = ("AWS::S3::Bucket",)


check = S3VersioningEnabled()
