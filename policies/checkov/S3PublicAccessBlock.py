"""CKV_TAP_4: every S3 bucket turns on all four public-access-block flags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checkov.common.models.enums import CheckCategories
from stackcheck.scan import custom
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict

FLAGS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")


def evaluate(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    """Verdict on one ``AWS::S3::Bucket``: PASSED when all four flags are literally true."""
    where = f"Bucket `{logical_id}`"
    path = ("Properties", "PublicAccessBlockConfiguration")
    block = view.value(properties.get("PublicAccessBlockConfiguration"))
    if block is None:
        return Verdict(
            Outcome.FAILED,
            f"{where}: PublicAccessBlockConfiguration is not set; set {', '.join(FLAGS)} to "
            "true (CDK: block_public_access=BlockPublicAccess.BLOCK_ALL)",
            path=("Properties",),
        )
    if isinstance(block, Unresolved) or not isinstance(block, Mapping):
        return Verdict(Outcome.UNKNOWN, f"{where}: PublicAccessBlockConfiguration is decided at deploy time", path=path)
    values = {flag: block.get(flag) for flag in FLAGS}
    off = [flag for flag, value in values.items() if not isinstance(value, Unresolved) and str(value).lower() != "true"]
    if off:
        return Verdict(
            Outcome.FAILED,
            f"{where}: {', '.join(off)} not true in PublicAccessBlockConfiguration; set all "
            "four flags to true (CDK: block_public_access=BlockPublicAccess.BLOCK_ALL)",
            path=(*path, off[0]),
        )
    undecided = [flag for flag, value in values.items() if isinstance(value, Unresolved)]
    if undecided:
        return Verdict(
            Outcome.UNKNOWN, f"{where}: {', '.join(undecided)} decided at deploy time", path=(*path, undecided[0])
        )
    return Verdict(Outcome.PASSED, f"{where}: all four public-access-block flags are true", path=path)


class S3PublicAccessBlock(custom.ResourceCheck):
    """checkov check CKV_TAP_4; logic in ``evaluate``."""

    id = "CKV_TAP_4"
    outcome = "Ensure S3 buckets turn on all four public-access-block flags"
    description = (
        "Logs buckets hold ALB and S3 access logs of the payment service. Blocking public ACLs and policies "
        "at the bucket keeps one mistaken grant (or a later account-level change) from exposing them; the "
        "organisation requires all four flags on every bucket, not only at the account level."
    )
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
    resource_types = ("AWS::S3::Bucket",)
    categories = (CheckCategories.GENERAL_SECURITY,)
    evaluate = staticmethod(evaluate)
    live_resource_types = ("AWS::S3::Bucket",)


check = S3PublicAccessBlock()
