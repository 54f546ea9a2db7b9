"""Declared resources that are gone: deleted outside CloudFormation, which still lists them. Each is a FAILED finding."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from stackcheck.compliance.deployed import DeployedResource, DeployedStack
from stackcheck.compliance.live import LiveResource, LiveTemplate
from stackcheck.findings import Finding, Severity, Status
from stackcheck.scan.policy import TemplateView, as_list

__all__ = ["CHILD_PROPERTIES", "GONE_RULE", "gone_findings", "parent_read"]

GONE_RULE = "stackcheck.live-gone"
"""Rule id of the finding that stands for a declared resource that no longer exists (FAILED, severity ERROR)."""

CHILD_PROPERTIES: Mapping[str, str] = {
    "AWS::ElasticLoadBalancingV2::Listener": "LoadBalancerArn",
    "AWS::ElasticLoadBalancingV2::ListenerRule": "ListenerArn",
    "AWS::S3::BucketPolicy": "Bucket",
    "AWS::SecretsManager::ResourcePolicy": "SecretId",
    "AWS::SecretsManager::RotationSchedule": "SecretId",
    "AWS::SNS::TopicPolicy": "Topics",
    "AWS::SQS::QueuePolicy": "Queues",
}
"""Resource types the live template holds as part of another resource's read (a load balancer's listeners, a
bucket's policy), and the property naming that resource (a topic policy's ``Topics``: a list, the first topic
read is its parent): a declared one absent after its parent was read is gone."""


def parent_read(view: TemplateView, logical_id: str, live: LiveTemplate) -> LiveResource | None:
    """The live resource the CHILD_PROPERTIES property of ``logical_id`` names (by ``Ref`` or ``Fn::GetAtt``), the
    first of a list the live template holds; None when it holds none of them."""
    prop = CHILD_PROPERTIES.get(view.type_of(logical_id) or "")
    for node in as_list(view.properties(logical_id).get(prop)) if prop else ():
        target = view.target(node)
        if target is not None and target in live.resources:
            return live.resources[target]
    return None


_FIX = "it was deleted outside CloudFormation (a redeploy recreates it): restore it, or redeploy the stack"


def gone_findings(stack: DeployedStack, live: LiveTemplate, tool: str) -> Iterator[Finding]:
    """One FAILED finding (rule GONE_RULE, severity ERROR) per resource of ``stack`` that CloudFormation lists as
    live but that is gone: its read answered "not found" (``LiveResource.gone``), or it is of a CHILD_PROPERTIES
    type and the parent its template names was read in full, without it.

    The message starts "declared <logical ID> (<type>) is gone" and names the live evidence.
    """
    for entry in live.resources.values():
        owner = entry.owner
        if entry.gone and owner is not None and owner.stack == stack.artifact_id:
            yield _finding(stack, owner, entry, f"its read answered {entry.error}", tool)
    view = TemplateView(stack.artifact.template)
    for resource in stack.resources:
        prop = CHILD_PROPERTIES.get(resource.resource_type)
        if prop is None or not resource.live or resource.logical_id in live.resources:
            continue
        parent = parent_read(view, resource.logical_id, live)
        if parent is None or not parent.full or parent.error:
            continue  # its parent was not read (or is gone itself): nothing says whether it exists
        yield _finding(stack, resource, parent, f"`{parent.key}` ({parent.resource_type}) has none", tool)


def _finding(stack: DeployedStack, declared: DeployedResource, evidence: LiveResource, said: str, tool: str) -> Finding:
    from stackcheck.scan.assembly_rules import template_line

    artifact = stack.artifact
    template_file = str(artifact.template_file)
    return Finding(
        rule_id=GONE_RULE,
        severity=Severity.ERROR,
        tool=tool,
        stack=artifact.artifact_id,
        message=(
            f"declared {declared.logical_id} ({declared.resource_type}) is gone: CloudFormation lists it as "
            f"{declared.physical_id} ({declared.status}), but {said} [live: {evidence.evidence()}]; {_FIX}"
        ),
        status=Status.FAILED,
        template_file=template_file,
        line=template_line(template_file, ("Resources", declared.logical_id)),
        logical_id=declared.logical_id,
        resource_type=declared.resource_type,
        construct_path=declared.construct_path,
    )
