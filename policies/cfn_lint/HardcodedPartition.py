"""E9007: no ARN in resource properties hard-codes its partition (arn:aws:, arn:aws-cn:, ...); use ${AWS::Partition}."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stackcheck.scan import custom
from stackcheck.scan.policy import Outcome, TemplateView, Verdict

# An ARN's partition: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, ...
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
HARDCODED = re.compile(r"arn:(aws(?:-[a-z]+)*):")


def _shown(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path)


def _parameter_defaults(view: TemplateView) -> dict[str, str]:
    """Parameter name → the partition its Default hard-codes (only parameters whose Default does)."""
    found = {}
    for name, parameter in view.parameters.items():
        match = HARDCODED.search(str(parameter.get("Default", "")))
        if match:
            found[name] = match.group(1)
    return found


def evaluate_resource(view: TemplateView, lid: str, defaults: dict[str, str]) -> Verdict:
    """FAILED on the first string literal of the properties holding ``arn:<partition>:``; UNKNOWN on a Ref
    to a parameter whose Default does (a deployment may override it); PASSED otherwise."""
    props = view.properties(lid)
    unknown = None
    for path, node in view.walk(props, ("Properties",)):
        if isinstance(node, str):
            match = HARDCODED.search(node)
            if match:
                return Verdict(
                    Outcome.FAILED,
                    f"Resource `{lid}`: {_shown(path)} hard-codes partition `{match.group(1)}` ({node[:80]!r}); "
                    "write arn:${AWS::Partition}:... (CDK: Stack.of(self).partition or Aws.PARTITION) so the "
                    "stack deploys in every partition",
                    lid,
                    path,
                )
        elif isinstance(node, dict) and set(node) == {"Ref"} and node["Ref"] in defaults and unknown is None:
            unknown = Verdict(
                Outcome.UNKNOWN,
                f"Resource `{lid}`: {_shown(path)} is parameter `{node['Ref']}`, whose Default hard-codes "
                f"partition `{defaults[node['Ref']]}`; the value is decided at deploy time",
                lid,
                path,
            )
    return unknown or Verdict(Outcome.PASSED, f"Resource `{lid}`: no hard-coded partition", lid, ("Properties",))


def check(view: TemplateView) -> Iterator[Verdict]:
    """One verdict per resource with properties."""
    defaults = _parameter_defaults(view)
    for lid in view.resources:
        if view.properties(lid):
            yield evaluate_resource(view, lid, defaults)


class HardcodedPartition(custom.TemplateRule):
    """cfn-lint rule E9007; logic in ``check``."""

    id = "E9007"
    shortdesc = "Ensure no ARN in resource properties hard-codes its partition; use ${AWS::Partition}"
    description = (
        "The same template is deployed to accounts in different partitions (aws, aws-cn, aws-us-gov). An ARN "
        "written as arn:aws:... points into another partition there: policies grant nothing, references fail "
        "at deploy time. ARNs must take the partition from the AWS::Partition pseudo parameter."
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html"
    tags = ["stackcheck", "portability"]
    check = staticmethod(check)
