"""The live template builder's bookkeeping: live resources, the templates they form, and the API calls that read them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from stackcheck.aws.retry import error_code
from stackcheck.compliance.deployed import DeployedResource, DeployedStack
from stackcheck.errors import DetectionUnavailableError
from stackcheck.scan.policy import TemplateView, as_list

# Physical IDs CloudFormation and the service APIs spell in different cases.
_CASELESS = (
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBSubnetGroup",
    "AWS::RDS::DBParameterGroup",
    "AWS::RDS::DBClusterParameterGroup",
)


NOT_FOUND_CODES: frozenset[str] = frozenset(
    {
        "NoSuchBucket",
        "NoSuchEntity",
        "NotFound",
        "NotFoundException",
        "ResourceNotFoundException",
        "DBInstanceNotFound",
        "DBInstanceNotFoundFault",
        "DBClusterNotFoundFault",
        "DBSubnetGroupNotFoundFault",
        "LoadBalancerNotFound",
        "TargetGroupNotFound",
        "ListenerNotFound",
        "RuleNotFound",
        "ClusterNotFoundException",
        "ServiceNotFoundException",
        "InvalidGroup.NotFound",
        "InvalidSubnetID.NotFound",
        "InvalidRouteTableID.NotFound",
        "ResourceNotFoundFault",
        "NoSuchHostedZone",
        "InvalidVpcID.NotFound",
        "InvalidInternetGatewayID.NotFound",
        "InvalidVpnGatewayID.NotFound",
        "InvalidAddress.NotFound",
        "InvalidAllocationID.NotFound",
        "InvalidAssociationID.NotFound",
        "NatGatewayNotFound",
        "InvalidNatGatewayID.NotFound",
        "InvalidSecurityGroupRuleId.NotFound",
        "InvalidFlowLogId.NotFound",
        "InvalidVpcPeeringConnectionID.NotFound",
        "InvalidVpcPeeringConnectionId.NotFound",
        "DBParameterGroupNotFound",
        "DBParameterGroupNotFoundFault",
        "StateMachineDoesNotExist",
        "InvalidVpcEndpointId.NotFound",
        "InvalidInstanceID.NotFound",
        "ResourceNotFound",
    }
)
"""Error codes with which a service's read API says the resource does not exist (S3, IAM, SNS, KMS, Secrets
Manager and CloudWatch Logs, RDS, ELBv2, ECS, EC2, DMS, Route 53, Step Functions; CloudWatch answers an empty list): a declared resource answering one is gone."""


class Gone(LookupError):
    """Raised by a reader whose list API answers without the resource (DescribeLogGroups lists no such group)."""


@dataclass(frozen=True)
class DeclaredPolicy:
    """An ``AWS::IAM::Policy`` of the cloud assembly as its template declares it: ``name`` (None when not a
    literal) and ``principals``, each (resource type, name or None when the deployment decides it, as declared)."""

    name: str | None
    principals: tuple[tuple[str, str | None, str], ...]


@dataclass
class LiveResource:
    """One resource of a live template: where its properties came from.

    ``key`` is its logical ID in the live template; ``owner`` the deployed resource it is (in
    any stack of the cloud assembly), None for a resource outside them; ``operations`` the API
    operations read (``s3:GetBucketEncryption``); ``notes`` what the API said where it has no
    property to show (``GetBucketPolicy: NoSuchBucketPolicy``); ``sources`` maps a property to
    the operations and notes behind it, for readers that read properties one call each;
    ``error`` why it could not be read (then its properties are empty), ``gone`` True when that error
    says the resource does not exist (NOT_FOUND_CODES, or ``Gone``). ``full`` is False for a
    resource only referenced (a security group named as a source): its type is known, its
    properties were not read.
    """

    key: str
    resource_type: str
    physical_id: str
    owner: DeployedResource | None = None
    operations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    gone: bool = False
    full: bool = False
    sources: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def evidence(self, path: tuple[str | int, ...] = ()) -> str:
        """``<physical ID> via <operations>; <notes>`` for a finding's message.

        When ``path`` (``("Properties", "VersioningConfiguration", "Status")``) names a property
        with known sources, only the operations and notes behind that property are given.
        """
        prop = path[1] if len(path) > 1 and path[0] == "Properties" else None
        if isinstance(prop, str) and prop in self.sources:
            operations = [text for kind, text in self.sources[prop] if kind == "operation"]
            notes = [text for kind, text in self.sources[prop] if kind == "note"]
        else:
            operations, notes = self.operations, self.notes
        text = self.physical_id
        if operations:
            text += " via " + ", ".join(dict.fromkeys(operations))
        if notes:
            text += "; " + "; ".join(notes)
        return text


@dataclass
class LiveTemplate:
    """The live template of one deployed stack: ``template`` (``{"Resources": ...}``) and what each resource is."""

    stack: DeployedStack
    template: dict[str, Any]
    resources: dict[str, LiveResource]

    @property
    def view(self) -> TemplateView:
        """The live template as the rules see a template."""
        return TemplateView(self.template)

    def errors(self) -> list[LiveResource]:
        """Resources that could not be read, in the order they were met."""
        return [r for r in self.resources.values() if r.error]


def norm(resource_type: str, physical_id: str) -> str:
    return physical_id.lower() if resource_type in _CASELESS else physical_id


def raise_if_unavailable(exc: BaseException) -> None:
    from stackcheck.aws.unavailable import unavailable_reason

    reason = unavailable_reason(exc)
    if reason is not None and reason.kind in ("credentials", "unreachable"):
        raise DetectionUnavailableError(f"cannot read live state ({reason.kind}): {reason.detail}") from exc


def drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class Builder:
    """Builds one live template; ``add`` reads a resource (and, through ``ref``, what it points at).

    ``readers`` maps a resource type to the function that reads its properties (set by the class
    that mixes in the per-service readers).
    """

    readers: ClassVar[Mapping[str, Callable[[Any, LiveResource], dict[str, Any]]]] = {}

    def __init__(self, reader: Any, stack: DeployedStack):
        self.reader = reader
        self.stack = stack
        self.template: dict[str, Any] = {}
        self.resources: dict[str, LiveResource] = {}

    def _read_unset(self, resource: LiveResource, names: tuple[str, ...]) -> None:
        """Record ``names`` as read from the resource's last operation, so one the answer lacks is unset (a route's
        target that is no longer a gateway, tags all removed)."""
        operation = resource.operations[-1]
        for name in names:
            resource.sources.setdefault(name, []).append(("operation", operation))

    def declared(self, resource: LiveResource) -> Mapping[str, Any]:
        """The resource's properties as its stack's template declares them ({} for one outside the cloud assembly)."""
        if resource.owner is None:
            return {}
        stack = next(s for s in self.reader.stacks if s.artifact_id == resource.owner.stack)
        return TemplateView(stack.artifact.template).properties(resource.owner.logical_id)

    def key(self, resource_type: str, physical_id: str) -> tuple[str, DeployedResource | None]:
        """(logical ID in the live template, deployed resource): the stack's own resources keep their logical ID."""
        owner = self.reader.owner(resource_type, physical_id)
        if owner is not None and owner.stack == self.stack.artifact_id:
            return owner.logical_id, owner
        return physical_id, owner

    def put(
        self,
        key: str,
        resource_type: str,
        physical_id: str,
        properties: Mapping[str, Any],
        owner: DeployedResource | None = None,
    ) -> str:
        """Add a resource read as part of another (a bucket's policy, a route); returns its key."""
        self.template[key] = {"Type": resource_type, "Properties": dict(properties)}
        self.resources[key] = LiveResource(key, resource_type, physical_id, owner, full=True)
        return key

    def ref(self, resource_type: str, physical_id: str, *, full: bool = False) -> dict[str, str]:
        """``{"Ref": key}`` for the resource, added (read when ``full``) if the template lacks it."""
        return {"Ref": self.add(resource_type, physical_id, full=full)}

    def add(
        self, resource_type: str, physical_id: str, *, full: bool = True, owner: DeployedResource | None = None
    ) -> str:
        """Add the resource (read in full when ``full`` and a reader exists) and return its key.

        ``owner``: the deployed resource it is, when known; needed where resources of one type share a
        physical ID (CloudFormation names a Route 53 record set by its domain name, which weighted records share).
        """
        if owner is not None and owner.stack == self.stack.artifact_id:
            key = owner.logical_id
        else:
            key, owner = self.key(resource_type, physical_id)
        known = self.resources.get(key)
        if known is not None and (known.full or not full):
            return key
        if known is None:
            known = self.resources[key] = LiveResource(key, resource_type, physical_id, owner)
            self.template[key] = {"Type": resource_type, "Properties": {}}
        if not full or resource_type not in self.readers:
            return key
        known.full = True  # before reading: references back to this resource must not read it again
        try:
            self.template[key]["Properties"] = self.readers[resource_type](self, known)
        except DetectionUnavailableError:
            raise
        except Exception as exc:
            code = error_code(exc)
            detail = " ".join(str(exc).split())[:300]
            known.error = f"{code}: {detail}" if code and code not in detail else detail or type(exc).__name__
            known.gone = isinstance(exc, Gone) or code in NOT_FOUND_CODES
        return key

    def call(
        self, resource: LiveResource, service: str, operation: str, *, prop: str | None = None, **kwargs: Any
    ) -> Any:
        """An API call made to read ``resource``, recorded in its operations (and as the source of ``prop``)."""
        self._record(resource, service, operation, prop)
        return self.reader.call(service, operation, **kwargs)

    def call_keeping(
        self,
        resource: LiveResource,
        service: str,
        operation: str,
        keep: Callable[[Any], Any],
        *,
        prop: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """``call``, of whose answer only ``keep(answer)`` is kept and returned (``LiveReader.call_keeping``)."""
        self._record(resource, service, operation, prop)
        return self.reader.call_keeping(service, operation, keep, **kwargs)

    def _record(self, resource: LiveResource, service: str, operation: str, prop: str | None) -> None:
        name = self.reader.api_name(service, operation)
        resource.operations.append(name)
        if prop:
            resource.sources.setdefault(prop, []).append(("operation", name))

    def note(self, resource: LiveResource, text: str, prop: str | None = None) -> None:
        """Record what the API said where no property shows it (as a source of ``prop`` too)."""
        resource.notes.append(text)
        if prop:
            resource.sources.setdefault(prop, []).append(("note", text))

    def optional(
        self,
        resource: LiveResource,
        service: str,
        operation: str,
        absent: str,
        *,
        prop: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """``call``, or None (noted) when the API answers ``absent``: the documented "not configured" error."""
        from botocore.exceptions import ClientError

        try:
            return self.call(resource, service, operation, prop=prop, **kwargs)
        except ClientError as exc:
            if error_code(exc) != absent:
                raise
            self.note(resource, f"{self.reader.api_name(service, operation).split(':')[1]}: {absent}", prop)
            return None

    def declared_id(self, resource: LiveResource, prop: str) -> str | None:
        """The physical ID a declared property names: a ``Ref`` or ``Fn::GetAtt`` to a resource of the resource's
        own stack, or a literal; None when neither (an import, a parameter)."""
        node = self.declared(resource).get(prop)
        if isinstance(node, str):
            return node
        if resource.owner is None:
            return None
        stack = next(s for s in self.reader.stacks if s.artifact_id == resource.owner.stack)
        target = TemplateView(stack.artifact.template).target(node)
        found = stack.resource(target) if target else None
        return found.physical_id if found is not None and found.physical_id else None

    def attached_policy(
        self, parent: LiveResource, policy_type: str, names: str, document: Any, *, service: str, operation: str
    ) -> None:
        """Put ``document``, the resource policy ``parent`` answered (a topic's, a queue's), into the live template as a
        ``policy_type`` resource (``PolicyDocument``, ``names``: ``[{"Ref": parent}]``), read by ``operation``.

        CloudFormation's physical ID of such a policy names no parent, and its ``names`` property lists parents, so
        the policy is found from the parent: it takes the logical ID of the stack's ``policy_type`` whose ``names``
        name ``parent`` (by ``Ref`` or physical ID), and one such policy holds each parent whose policy is the same
        document; a parent whose policy is another document (or that no such policy names) has its own,
        ``<parent key>/<TopicPolicy|QueuePolicy|...>``.
        """
        own = f"{parent.key}/{policy_type.rsplit('::', 1)[-1]}"
        view = TemplateView(self.stack.artifact.template)
        naming = (
            lid
            for lid in view.of_type(policy_type)
            for node in as_list(view.properties(lid).get(names))
            if (target := view.target(node)) == parent.key or (target is None and node == parent.physical_id)
        )
        declared = next(naming, None)
        key, owner = (declared, self.stack.resource(declared)) if declared is not None else (own, None)
        known = self.template.get(key)
        if known is not None and known["Properties"].get("PolicyDocument") != document:
            key, owner, known = own, None, None  # another document than its policy's
        if known is not None:
            known["Properties"][names].append({"Ref": parent.key})
        else:
            physical_id = owner.physical_id if owner is not None and owner.physical_id else parent.physical_id
            self.put(key, policy_type, physical_id, {"PolicyDocument": document, names: [{"Ref": parent.key}]}, owner)
        name = self.reader.api_name(service, operation)
        if name not in self.resources[key].operations:
            self.resources[key].operations.append(name)

    def customer_key(self, resource: LiveResource, key_id: str, *, prop: str = "KmsKeyId") -> str | None:
        """``key_id`` when DescribeKey says a customer manages the key; None (noted, as a source of ``prop``) for a
        key AWS manages."""
        metadata = self.call(resource, "kms", "describe_key", KeyId=key_id, prop=prop)["KeyMetadata"]
        if metadata.get("KeyManager") == "CUSTOMER":
            return key_id
        self.note(resource, f"KMS key {key_id} is managed by AWS, not a customer managed key", prop)
        return None
