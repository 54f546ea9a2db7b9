"""The live-template drift method: each declared resource, its intrinsics resolved with the deployment, diffed against its live template.

Works wherever the live template can be read (the embedded emulator included, which has no
DetectStackDrift) and for types CloudFormation drift detection does not support. Per stack:
DescribeStacks (parameters, StackId), ListStackResources (physical IDs), ListExports (once per
run), the live template (``stackcheck.compliance.live``), then per declared resource:

- a live resource read in full: its declared properties (``DeclaredResolver``) compared with the live
  ones (``compare``): IN_SYNC or MODIFIED. Only properties the reader read are compared: present in the
  live template, or named by the reader as read and unset (``LiveResource.sources``); every other
  declared property is an UncheckedProperty with the reason, as is any value that does not resolve;
- one whose read answered "not found", or a part of another resource (a bucket's policy, a group's
  ingress rule) its read parent lacks: DELETED;
- anything else (no reader for the type, a read error, not deployed): NOT_CHECKED with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stackcheck.assembly import StackArtifact
from stackcheck.compliance.deployed import DeployedStack, deployed_stacks
from stackcheck.compliance.gone import CHILD_PROPERTIES, parent_read
from stackcheck.compliance.live import READ_TYPES, LiveReader, LiveTemplate, read_live_templates
from stackcheck.drift.allowlist import Allowlist
from stackcheck.drift.attributes import attribute_from_physical_id
from stackcheck.drift.compare import Comparison, Difference, compare, shown
from stackcheck.drift.model import (
    LIVE_TEMPLATE,
    DetectionOutcome,
    PropertyDifference,
    ResourceDrift,
    ResourceStatus,
    StackDrift,
    UncheckedProperty,
    plural,
    unchecked,
)
from stackcheck.drift.resolve import DeclaredResolver, Deployment, Unresolved
from stackcheck.errors import BadInputError, DetectionUnavailableError
from stackcheck.scan.policy import TemplateView

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.progress import Progress

__all__ = [
    "DEFAULT_WHEN_UNDECLARED",
    "EMPTY_WHEN_UNDECLARED",
    "LIVE_CHILDREN",
    "LiveDrift",
    "live_attribute",
    "with_defaults",
]

LIVE_CHILDREN: Mapping[str, str] = {**CHILD_PROPERTIES, "AWS::EC2::SecurityGroupIngress": "GroupId"}
"""Types the live template holds as part of their parent's read, and the property naming the parent: one the
parent's read lacks is DELETED."""

EMPTY_WHEN_UNDECLARED: Mapping[str, tuple[str, ...]] = {
    "AWS::EC2::SecurityGroup": ("SecurityGroupIngress",),
    "AWS::IAM::Role": ("Policies", "ManagedPolicyArns"),
    "AWS::IAM::User": ("Policies", "ManagedPolicyArns"),
    "AWS::IAM::Group": ("Policies", "ManagedPolicyArns"),
}
"""Properties whose absence from a template means "none" and whose live items the readers read: an ingress rule,
inline policy or attached managed policy added out of band to a resource that declares none is an ADD."""

DEFAULT_WHEN_UNDECLARED: Mapping[str, Mapping[str, tuple[Any, tuple[str, Any] | None]]] = {
    "AWS::KMS::Key": {"Enabled": (True, ("Origin", "EXTERNAL"))},
}
"""Properties a template may leave out whose CloudFormation default the live value must still equal, each with
the declared (property, value) under which the default does not hold: a key CloudFormation created is enabled
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html, ``Enabled``),
so one disabled or scheduled for deletion out of band is drift, but for one of imported key material
(``Origin: EXTERNAL``), which starts disabled, pending the import."""


def with_defaults(resource_type: str, declared: Mapping[str, Any]) -> dict[str, Any]:
    """``declared`` (a resource's resolved properties) with what leaving a property out means filled in:
    EMPTY_WHEN_UNDECLARED as empty lists, DEFAULT_WHEN_UNDECLARED as CloudFormation's defaults (where they hold)."""
    found = dict(declared)
    for prop in EMPTY_WHEN_UNDECLARED.get(resource_type, ()):
        found.setdefault(prop, [])
    for prop, (default, unless) in DEFAULT_WHEN_UNDECLARED.get(resource_type, {}).items():
        if unless is None or found.get(unless[0]) != unless[1]:
            found.setdefault(prop, default)
    return found


# Where another resource adds items to a property of this one: attaching type -> (property naming the target,
# target types, the target's property it adds to, the attaching resource's properties that make the item).
_ATTACHMENTS: Mapping[str, tuple[str, tuple[str, ...], str, tuple[str, ...] | None]] = {
    "AWS::EC2::SecurityGroupIngress": (
        "GroupId",
        ("AWS::EC2::SecurityGroup",),
        "SecurityGroupIngress",
        ("IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourcePrefixListId"),
    ),
    "AWS::EC2::SecurityGroupEgress": (
        "GroupId",
        ("AWS::EC2::SecurityGroup",),
        "SecurityGroupEgress",
        (
            "IpProtocol",
            "FromPort",
            "ToPort",
            "CidrIp",
            "CidrIpv6",
            "DestinationSecurityGroupId",
            "DestinationPrefixListId",
        ),
    ),
    "AWS::IAM::ManagedPolicy": ("Roles", ("AWS::IAM::Role",), "ManagedPolicyArns", None),
}


def live_attribute(live: LiveTemplate, logical_id: str, attribute: str, pseudo: Mapping[str, str] | None = None) -> Any:
    """``Fn::GetAtt logical_id.attribute`` from the live template: the resource's live property of that name
    (``GroupId`` of a security group), its ``Ref``s resolved; else, with ``pseudo`` (the stack's
    ``AWS::Partition``, ``AWS::Region``, ``AWS::AccountId``), what CloudFormation builds from the deployed
    resource's physical ID (``stackcheck.drift.attributes``: ``Key.Arn``, ``Role.Arn``); Unresolved otherwise."""
    entry = (live.template.get("Resources") or {}).get(logical_id)
    known = live.resources.get(logical_id)
    properties = (entry or {}).get("Properties") or {}
    if entry is not None and known is not None and not known.error and attribute in properties:
        return resolve_live(properties[attribute], live)
    deployed = live.stack.resource(logical_id)
    if pseudo is not None and deployed is not None and deployed.physical_id:
        where = {
            "partition": pseudo.get("AWS::Partition", ""),
            "region": pseudo.get("AWS::Region", ""),
            "account": pseudo.get("AWS::AccountId", ""),
        }
        read = properties if known is not None and not known.error else {}
        value = attribute_from_physical_id(deployed.resource_type, deployed.physical_id, attribute, where, read)
        if value is not None:
            return value
    return Unresolved(f"Fn::GetAtt {logical_id}.{attribute}: the live template has no such attribute")


def resolve_live(value: Any, live: LiveTemplate) -> Any:
    """A live template value with its ``{"Ref": key}`` joins replaced by the physical ID of that resource."""
    if isinstance(value, list):
        return [resolve_live(v, live) for v in value]
    if isinstance(value, Mapping):
        if set(value) == {"Ref"} and value["Ref"] in live.resources:
            return live.resources[value["Ref"]].physical_id
        return {k: resolve_live(v, live) for k, v in value.items()}
    return value


@dataclass
class _Declared:
    """One deployed stack with its live template and resolver."""

    stack: DeployedStack
    live: LiveTemplate
    resolver: DeclaredResolver

    def properties(self, logical_id: str) -> dict[str, Any]:
        props = (self.stack.artifact.resources.get(logical_id) or {}).get("Properties") or {}
        resolved = self.resolver.resolve(props)
        return resolved if isinstance(resolved, dict) else {}


class LiveDrift:
    """Runs the live-template method through a ClientFactory (``factory``: every call retried on throttling).

    ``allowlist`` covers differences as for DetectStackDrift (by resource type, path and difference type).
    ``reader``: a LiveReader of the same deployment to read through (a ``ComplianceSession``'s snapshot, so a
    test suite reads each live resource once and again only where it changed it); by default a fresh one per
    ``detect``. ``calls`` counts the API calls this object's detections made.
    """

    def __init__(
        self,
        factory: Any,
        *,
        allowlist: Allowlist = Allowlist(),
        progress: Progress | None = None,
        reader: LiveReader | None = None,
    ):
        self.factory = factory
        self.allowlist = allowlist
        self.progress = progress  # per stack read: "<stack> (N API calls)"
        self.reader = reader
        self.calls = 0

    def _exports(self) -> dict[str, str]:
        cfn = self.factory("cloudformation")
        self.calls += 1
        pages = cfn.get_paginator("list_exports").paginate()
        return {e["Name"]: e["Value"] for page in pages for e in page.get("Exports", []) if "Name" in e}

    def _deployment(self, stack: DeployedStack, live: LiveTemplate, exports: Mapping[str, str]) -> Deployment:
        self.calls += 1
        (description,) = self.factory("cloudformation").describe_stacks(StackName=stack.artifact.stack_name)["Stacks"]
        parameters = {
            p["ParameterKey"]: str(p.get("ResolvedValue", p.get("ParameterValue", "")))
            for p in description.get("Parameters", [])
        }
        pseudo = Deployment.pseudo_from_stack_id(description.get("StackId", ""), stack.artifact.stack_name)
        return Deployment(
            physical_ids={r.logical_id: r.physical_id for r in stack.resources if r.physical_id},
            parameters=parameters,
            pseudo=pseudo,
            exports=exports,
            attribute=lambda lid, attr: live_attribute(live, lid, attr, pseudo),
        )

    def detect(self, artifacts: Sequence[StackArtifact], every: Sequence[StackArtifact] = ()) -> list[StackDrift]:
        """A StackDrift (methods ``("live-template",)``) per stack of ``artifacts``, in order; ``every`` are all
        the assembly's stacks (resources of one point at others). A stack that is not deployed gets outcome
        ERROR with the reason. Raises DetectionUnavailableError when the live state cannot be read at all."""
        deployed: dict[str, DeployedStack] = {}
        errors: dict[str, str] = {}
        for artifact in every or artifacts:
            try:
                self.calls += 2
                (found,) = deployed_stacks(self.factory("cloudformation"), [artifact])
                deployed[artifact.artifact_id] = found
            except BadInputError as exc:
                errors[artifact.artifact_id] = str(exc)
            except DetectionUnavailableError:
                raise
            except Exception as exc:
                _raise_if_unavailable(exc)
                errors[artifact.artifact_id] = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
        reader = self.reader if self.reader is not None else LiveReader(self.factory, deployed.values())
        already = reader.calls
        try:
            exports = self._exports()
            declared = {}
            asked = {a.artifact_id for a in artifacts}
            if self.progress is not None:
                self.progress.start(len(deployed), "drift (live template)")
            read = read_live_templates(reader, [s for i, s in deployed.items() if i in asked], READ_TYPES)
            for artifact_id, stack in deployed.items():
                # other stacks only lend their declarations (ingress rules, policies attached across stacks)
                live = (
                    read[artifact_id].result()[0]
                    if artifact_id in asked
                    else LiveTemplate(stack=stack, template={"Resources": {}}, resources={})
                )
                resolver = DeclaredResolver(stack.artifact.template, self._deployment(stack, live, exports))
                declared[artifact_id] = _Declared(stack, live, resolver)
                if self.progress is not None:
                    self.progress.advance(artifact_id, f"{self.calls + reader.calls - already} API calls")
        except DetectionUnavailableError:
            raise
        except Exception as exc:
            _raise_if_unavailable(exc)
            raise
        finally:
            if self.progress is not None:
                self.progress.finish()
        attached = _attachments(declared.values())
        results = []
        for artifact in artifacts:
            began = time.perf_counter()
            if artifact.artifact_id not in declared:
                reason = f"the live template could not be read: {errors.get(artifact.artifact_id, 'not deployed')}"
                results.append(
                    StackDrift(
                        artifact_id=artifact.artifact_id,
                        stack_name=artifact.stack_name,
                        outcome=DetectionOutcome.ERROR,
                        resources=unchecked(artifact, reason),
                        status_reason=reason,
                        methods=(LIVE_TEMPLATE,),
                    )
                )
                continue
            item = declared[artifact.artifact_id]
            resources = tuple(self._resource(item, lid, attached) for lid in artifact.resources)
            results.append(
                StackDrift(
                    artifact_id=artifact.artifact_id,
                    stack_name=artifact.stack_name,
                    outcome=DetectionOutcome.COMPLETE,
                    resources=resources,
                    status_reason="live-template diff",
                    seconds=time.perf_counter() - began,
                    methods=(LIVE_TEMPLATE,),
                )
            )
        self.calls += reader.calls - already
        return results

    def _resource(
        self, item: _Declared, logical_id: str, attached: Mapping[tuple[str, str], list[Any]]
    ) -> ResourceDrift:
        stack, live = item.stack, item.live
        artifact = stack.artifact
        resource_type = str((artifact.resources.get(logical_id) or {}).get("Type", "?"))
        base: dict[str, Any] = {
            "logical_id": logical_id,
            "resource_type": resource_type,
            "construct_path": artifact.construct_path(logical_id),
        }
        deployed = stack.resource(logical_id)
        if deployed is None:
            return ResourceDrift(
                **base, status=ResourceStatus.NOT_CHECKED, method=None, reason="the deployed stack has no such resource"
            )
        base["physical_id"] = deployed.physical_id
        if not deployed.live:
            reason = f"CloudFormation lists it as {deployed.status} without a live resource"
            return ResourceDrift(**base, status=ResourceStatus.NOT_CHECKED, method=None, reason=reason)
        entry = live.resources.get(logical_id)
        if entry is None:
            gone = self._child_gone(item, logical_id, resource_type)
            if gone is not None:
                return self._deleted(base, gone)
            why = (
                f"no live-template reader reads {resource_type}"
                if resource_type not in READ_TYPES and resource_type not in LIVE_CHILDREN
                else "its live state was not read (its parent is not read in this stack)"
            )
            return ResourceDrift(**base, status=ResourceStatus.NOT_CHECKED, method=None, reason=why)
        if entry.error:
            if entry.gone:
                return self._deleted(base, f"its read answered {entry.error}")
            return ResourceDrift(
                **base,
                status=ResourceStatus.NOT_CHECKED,
                method=None,
                reason=f"its live state could not be read: {entry.error}",
            )
        if not entry.full:
            return ResourceDrift(
                **base, status=ResourceStatus.NOT_CHECKED, method=None, reason="its live state was not read"
            )
        live_props = resolve_live((live.template["Resources"][logical_id].get("Properties") or {}), live)
        declared = with_defaults(resource_type, item.properties(logical_id))
        for (kind, prop), extra in attached.items():
            if kind == f"{resource_type} {deployed.physical_id}":
                current = declared.get(prop, [])
                declared[prop] = [*(current if isinstance(current, list) else [current]), *extra]
        found = Comparison()
        read = set(live_props) | set(entry.sources)
        for prop, value in declared.items():
            if prop in live_props:
                found.extend(compare(value, live_props[prop], f"/{prop}"))
            elif prop in read and (unknown := _unresolved_within(value)) is not None:
                found.unchecked.append((f"/{prop}", unknown))  # what was declared is not known, nor then its loss
            elif prop in read:
                # the reader read it and found it unset (S3 versioning never enabled, no retention)
                if value not in ([], {}, None):
                    found.differences.append(Difference(f"/{prop}", shown(value), "", "REMOVE"))
            elif isinstance(value, Unresolved):
                found.unchecked.append((f"/{prop}", value.reason))
            else:
                found.unchecked.append((f"/{prop}", f"the {resource_type} reader does not read {prop}"))
        differences = tuple(self._difference(resource_type, d) for d in found.differences)
        status = ResourceStatus.MODIFIED if differences else ResourceStatus.IN_SYNC
        note: str | None = None
        if differences and all(d.allowed_by for d in differences):
            status = ResourceStatus.IN_SYNC
            note = f"MODIFIED, but all {plural(len(differences), 'difference')} are in the drift allowlist"
        return ResourceDrift(
            **base,
            status=status,
            reported_status="MODIFIED" if differences else "IN_SYNC",
            differences=differences,
            reason=note,
            method=LIVE_TEMPLATE,
            unchecked_properties=tuple(UncheckedProperty(p, r) for p, r in found.unchecked),
        )

    def _difference(self, resource_type: str, difference: Difference) -> PropertyDifference:
        entry = self.allowlist.match(resource_type, difference.path, difference.kind)
        return PropertyDifference(
            property_path=difference.path,
            expected=difference.expected,
            actual=difference.actual,
            difference_type=difference.kind,
            allowed_by=entry,
            allowed_source=self.allowlist.source(entry) if entry else None,
        )

    @staticmethod
    def _deleted(base: dict[str, Any], reason: str) -> ResourceDrift:
        return ResourceDrift(
            **base,
            status=ResourceStatus.DELETED,
            reported_status="DELETED",
            reason=f"declared {base['logical_id']} is gone: {reason}",
            method=LIVE_TEMPLATE,
        )

    @staticmethod
    def _child_gone(item: _Declared, logical_id: str, resource_type: str) -> str | None:
        prop = LIVE_CHILDREN.get(resource_type)
        if prop is None:
            return None
        view = TemplateView(item.stack.artifact.template)
        if resource_type in CHILD_PROPERTIES:
            parent = parent_read(view, logical_id, item.live)
        else:
            parent_id = view.target(view.properties(logical_id).get(prop))
            parent = item.live.resources.get(parent_id) if parent_id else None
        if parent is None or not parent.full:
            return None
        if parent.error:
            return f"its parent {parent.key} is gone ({parent.error})" if parent.gone else None
        return f"{parent.key} ({parent.resource_type}) has none [live: {parent.evidence()}]"


def _attachments(declared: Any) -> dict[tuple[str, str], list[Any]]:
    """(``"<target type> <target physical ID>"``, property) → items other stacks' resources add to it (ingress
    rules of another stack into a group, managed policies naming a role)."""
    found: dict[tuple[str, str], list[Any]] = {}
    items = list(declared)
    for item in items:
        view = TemplateView(item.stack.artifact.template)
        for kind, (naming, targets, prop, keys) in _ATTACHMENTS.items():
            for lid in view.of_type(kind):
                same_stack = view.target(view.properties(lid).get(naming)) is not None
                if kind.startswith("AWS::EC2::SecurityGroup") and same_stack:
                    continue  # the reader keeps a same-stack rule under its own logical ID
                props = item.properties(lid)
                names = props.get(naming)
                for name in names if isinstance(names, list) else [names]:
                    if not isinstance(name, str):
                        continue
                    if keys is None:
                        physical = item.stack.resource(lid)
                        value: Any = physical.physical_id if physical is not None else None
                    else:
                        value = {k: props[k] for k in keys if k in props}
                    for target in targets:
                        if value is not None:
                            found.setdefault((f"{target} {name}", prop), []).append(value)
    return found


def _raise_if_unavailable(exc: BaseException) -> None:
    from stackcheck.aws.unavailable import unavailable_reason

    reason = unavailable_reason(exc)
    if reason is not None and reason.kind in ("credentials", "unreachable"):
        raise DetectionUnavailableError(f"cannot read live state ({reason.kind}): {reason.detail}") from exc


def _unresolved_within(value: Any) -> str | None:
    """The reason of the first Unresolved in ``value`` (itself, or inside its lists and objects); None when it holds
    none."""
    if isinstance(value, Unresolved):
        return value.reason
    children = value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else ()
    for child in children:
        reason = _unresolved_within(child)
        if reason is not None:
            return reason
    return None
