"""Live state of deployed resources as CloudFormation-shaped properties: one live template per deployed stack.

A live template is the stack's template as its resources are now: the property names of the
CloudFormation resource schema (what Cloud Control API's GetResource answers), the stack's own
resources under their logical IDs, and the resources they point at (in other stacks or outside
CloudFormation) under their physical IDs, joined by ``Ref``. The policy pack's rule functions run
on it unchanged, through ``TemplateView``. Each reader names the API operation it follows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Iterable, Mapping

from stackcheck.aws.normalize import ecs_service as ecs_service_ref
from stackcheck.aws.parsers import (
    iam_policy_document,
    parse_bucket_encryption,
    parse_public_access_block,
    versioning_status,
)
from stackcheck.aws.retry import error_code
from stackcheck.compliance.deployed import DeployedResource, DeployedStack, index_physical_ids
from stackcheck.errors import DetectionUnavailableError, IdentifierError
from stackcheck.scan.policy import TemplateView, as_list

__all__ = [
    "READ_TYPES",
    "LiveReader",
    "LiveResource",
    "LiveTemplate",
]

# Physical IDs CloudFormation and the service APIs spell in different cases.
_CASELESS = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::RDS::DBSubnetGroup")
# Route target keys of DescribeRouteTables, which are also AWS::EC2::Route property names.
_ROUTE_TARGETS = (
    "GatewayId",
    "NatGatewayId",
    "EgressOnlyInternetGatewayId",
    "CarrierGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "NetworkInterfaceId",
    "InstanceId",
    "LocalGatewayId",
    "CoreNetworkArn",
)
_ROUTE_DESTINATIONS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}
# IAM principals with inline policies: (API noun, name parameter, AWS::IAM::Policy property listing them).
_PRINCIPALS = {
    "AWS::IAM::Role": ("role", "RoleName", "Roles"),
    "AWS::IAM::User": ("user", "UserName", "Users"),
    "AWS::IAM::Group": ("group", "GroupName", "Groups"),
}


@dataclass(frozen=True)
class _DeclaredPolicy:
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
    ``error`` why it could not be read (then its properties are empty). ``full`` is False for a
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


class LiveReader:
    """Reads live resources through a ClientFactory (every call retried on throttling) and builds live templates.

    ``stacks`` are every deployed stack of the cloud assembly, so a resource of another stack is
    recognised as such. API answers are cached for the reader's life (one run). ``calls`` counts
    the API calls made.
    """

    def __init__(self, factory: Any, stacks: Iterable[DeployedStack]):
        self.factory = factory
        self.stacks = list(stacks)
        self._index = {(t, _norm(t, p)): r for (t, p), r in index_physical_ids(self.stacks).items()}
        self._answers: dict[str, Any] = {}
        self._policies: dict[tuple[str, str], _DeclaredPolicy] | None = None
        self.calls = 0

    def owner(self, resource_type: str, physical_id: str) -> DeployedResource | None:
        """The deployed resource of that type and physical ID (any stack), or None."""
        return self._index.get((resource_type, _norm(resource_type, physical_id)))

    def declared_policies(self) -> Mapping[tuple[str, str], _DeclaredPolicy]:
        """(stack artifact id, logical ID) → each deployed ``AWS::IAM::Policy``, as its stack's template declares it.

        IAM keeps such a policy only as an inline policy of each role, user and group it names, under
        its ``PolicyName``; neither is in its physical ID. A principal is named by ``Ref`` to a resource
        of its stack (its physical ID) or by a literal name.
        """
        if self._policies is None:
            self._policies = {}
            for stack in self.stacks:
                view = TemplateView(stack.artifact.template)
                for logical_id in view.of_type("AWS::IAM::Policy"):
                    deployed = stack.resource(logical_id)
                    if deployed is None or not deployed.live:
                        continue
                    props = view.properties(logical_id)
                    principals = []
                    for resource_type, (_, _, listed) in _PRINCIPALS.items():
                        for node in as_list(props.get(listed)):
                            target, literal = view.target(node), view.value(node)
                            if target is not None:
                                found = stack.resource(target)
                                principal = found.physical_id if found is not None and found.live else None
                            else:
                                principal = literal if isinstance(literal, str) and literal else None
                            principals.append((resource_type, principal, json.dumps(node, sort_keys=True)))
                    policy_name = view.value(props.get("PolicyName"))
                    self._policies[(stack.artifact_id, logical_id)] = _DeclaredPolicy(
                        policy_name if isinstance(policy_name, str) and policy_name else None, tuple(principals)
                    )
        return self._policies

    def call(self, service: str, operation: str, **kwargs: Any) -> Any:
        """``factory(service).<operation>(**kwargs)``, cached per arguments.

        Raises DetectionUnavailableError when the endpoint does not answer or there are no
        credentials (nothing can be read then); other errors propagate.
        """
        cache = json.dumps([service, operation, kwargs], sort_keys=True, default=str)
        if cache not in self._answers:
            client = self.factory(service)
            try:
                if operation.startswith("paginate:"):
                    name = operation.split(":", 1)[1]
                    self._answers[cache] = list(client.get_paginator(name).paginate(**kwargs))
                else:
                    self._answers[cache] = getattr(client, operation)(**kwargs)
            except Exception as exc:
                _raise_if_unavailable(exc)
                raise
            finally:
                self.calls += 1
        return self._answers[cache]

    def api_name(self, service: str, operation: str) -> str:
        """``s3:GetBucketEncryption`` for ``("s3", "get_bucket_encryption")``."""
        name = operation.split(":", 1)[-1]
        mapping = self.factory(service).meta.method_to_api_mapping
        return f"{service}:{mapping.get(name, name)}"

    def live_template(self, stack: DeployedStack, resource_types: Collection[str]) -> LiveTemplate:
        """The live template of ``stack``: each of its live resources of ``resource_types``, read in full,
        and what those point at. Resources that cannot be read are kept with their ``error``."""
        builder = _Builder(self, stack)
        for resource in stack.resources:
            if resource.resource_type in resource_types and resource.live and resource.resource_type in READERS:
                builder.add(resource.resource_type, resource.physical_id or "", full=True)
        return LiveTemplate(stack=stack, template={"Resources": builder.template}, resources=builder.resources)


def _norm(resource_type: str, physical_id: str) -> str:
    return physical_id.lower() if resource_type in _CASELESS else physical_id


def _raise_if_unavailable(exc: BaseException) -> None:
    from stackcheck.aws.unavailable import unavailable_reason

    reason = unavailable_reason(exc)
    if reason is not None and reason.kind in ("credentials", "unreachable"):
        raise DetectionUnavailableError(f"cannot read live state ({reason.kind}): {reason.detail}") from exc


def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class _Builder:
    """Builds one live template; ``add`` reads a resource (and, through ``ref``, what it points at)."""

    def __init__(self, reader: LiveReader, stack: DeployedStack):
        self.reader = reader
        self.stack = stack
        self.template: dict[str, Any] = {}
        self.resources: dict[str, LiveResource] = {}

    # -- bookkeeping -----------------------------------------------------------------------------

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

    def add(self, resource_type: str, physical_id: str, *, full: bool = True) -> str:
        """Add the resource (read in full when ``full`` and a reader exists) and return its key."""
        key, owner = self.key(resource_type, physical_id)
        known = self.resources.get(key)
        if known is not None and (known.full or not full):
            return key
        if known is None:
            known = self.resources[key] = LiveResource(key, resource_type, physical_id, owner)
            self.template[key] = {"Type": resource_type, "Properties": {}}
        if not full or resource_type not in READERS:
            return key
        known.full = True  # before reading: references back to this resource must not read it again
        try:
            self.template[key]["Properties"] = READERS[resource_type](self, known)
        except DetectionUnavailableError:
            raise
        except Exception as exc:  # noqa: BLE001 - one unreadable resource is a finding, not a crash
            code = error_code(exc)
            detail = " ".join(str(exc).split())[:300]
            known.error = f"{code}: {detail}" if code and code not in detail else detail or type(exc).__name__
        return key

    def call(
        self, resource: LiveResource, service: str, operation: str, *, prop: str | None = None, **kwargs: Any
    ) -> Any:
        """An API call made to read ``resource``, recorded in its operations (and as the source of ``prop``)."""
        name = self.reader.api_name(service, operation)
        resource.operations.append(name)
        if prop:
            resource.sources.setdefault(prop, []).append(("operation", name))
        return self.reader.call(service, operation, **kwargs)

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

    def customer_key(self, resource: LiveResource, key_id: str) -> str | None:
        """``key_id`` when DescribeKey says a customer manages the key; None (noted) for a key AWS manages."""
        metadata = self.call(resource, "kms", "describe_key", KeyId=key_id, prop="KmsKeyId")["KeyMetadata"]
        if metadata.get("KeyManager") == "CUSTOMER":
            return key_id
        self.note(resource, f"KMS key {key_id} is managed by AWS, not a customer managed key", "KmsKeyId")
        return None

    # -- readers (one per resource type; each returns the resource's properties) ----------------

    def bucket(self, resource: LiveResource) -> dict[str, Any]:
        """S3 bucket: GetBucketEncryption, GetPublicAccessBlock, GetBucketVersioning, GetBucketPolicy
        (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html);
        the policy becomes an ``AWS::S3::BucketPolicy`` of the live template."""
        name = resource.physical_id
        props: dict[str, Any] = {"BucketName": name}
        encryption = self.optional(
            resource,
            "s3",
            "get_bucket_encryption",
            "ServerSideEncryptionConfigurationNotFoundError",
            prop="BucketEncryption",
            Bucket=name,
        )
        if encryption is not None:
            rules = [
                {
                    "ServerSideEncryptionByDefault": _drop_none(
                        {"SSEAlgorithm": r.algorithm, "KMSMasterKeyID": r.kms_master_key_id}
                    ),
                    "BucketKeyEnabled": r.bucket_key_enabled,
                }
                for r in parse_bucket_encryption(encryption).rules
            ]
            props["BucketEncryption"] = {"ServerSideEncryptionConfiguration": rules}
        block = self.optional(
            resource,
            "s3",
            "get_public_access_block",
            "NoSuchPublicAccessBlockConfiguration",
            prop="PublicAccessBlockConfiguration",
            Bucket=name,
        )
        if block is not None:
            flags = parse_public_access_block(block)
            props["PublicAccessBlockConfiguration"] = {
                "BlockPublicAcls": flags.block_public_acls,
                "BlockPublicPolicy": flags.block_public_policy,
                "IgnorePublicAcls": flags.ignore_public_acls,
                "RestrictPublicBuckets": flags.restrict_public_buckets,
            }
        status = versioning_status(
            self.call(resource, "s3", "get_bucket_versioning", prop="VersioningConfiguration", Bucket=name)
        )
        if status:
            props["VersioningConfiguration"] = {"Status": status}
        else:
            self.note(resource, "GetBucketVersioning: versioning never enabled", "VersioningConfiguration")
        policy = self.optional(resource, "s3", "get_bucket_policy", "NoSuchBucketPolicy", Bucket=name)
        if policy is not None:
            document = json.loads(policy["Policy"]) if isinstance(policy.get("Policy"), str) else policy.get("Policy")
            key, owner = self._bucket_policy_key(resource)
            self.put(
                key, "AWS::S3::BucketPolicy", name, {"Bucket": {"Ref": resource.key}, "PolicyDocument": document}, owner
            )
            self.resources[key].operations.append(self.reader.api_name("s3", "get_bucket_policy"))
        return props

    def _bucket_policy_key(self, bucket: LiveResource) -> tuple[str, DeployedResource | None]:
        """The logical ID of the stack's bucket policy for ``bucket``, else ``<bucket key>/Policy``."""
        if bucket.owner is not None and bucket.owner.stack == self.stack.artifact_id:
            view = TemplateView(self.stack.artifact.template)
            for lid in view.of_type("AWS::S3::BucketPolicy"):
                if view.target(view.properties(lid).get("Bucket")) == bucket.key:
                    return lid, self.stack.resource(lid)
        return f"{bucket.key}/Policy", None

    def role(self, resource: LiveResource) -> dict[str, Any]:
        """IAM role: GetRole (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html) for its
        trust policy, and its inline policies (``_inline_policies``)."""
        role = self.call(resource, "iam", "get_role", prop="AssumeRolePolicyDocument", RoleName=resource.physical_id)[
            "Role"
        ]
        document = role.get("AssumeRolePolicyDocument")
        if document is not None:
            document = iam_policy_document(document, f"the trust policy of role {resource.physical_id}")
        return _drop_none(
            {
                "RoleName": role.get("RoleName"),
                "Path": role.get("Path"),
                "AssumeRolePolicyDocument": document,
                **self._inline_policies(resource),
                **self._attached_policies(resource),
            }
        )

    def principal(self, resource: LiveResource) -> dict[str, Any]:
        """IAM user or group: its inline and attached policies (``_inline_policies``, ``_attached_policies``); one
        that is gone answers NoSuchEntity."""
        _, name_key, _ = _PRINCIPALS[resource.resource_type]
        return {name_key: resource.physical_id, **self._inline_policies(resource), **self._attached_policies(resource)}

    def _attached_policies(self, resource: LiveResource) -> dict[str, Any]:
        """``{"ManagedPolicyArns": [arn, ...]}`` of a role, user or group (``{}`` without any): the managed policies
        attached to it, AWS and customer managed, whether the template or an out-of-band change attached them.
        ListAttachedRolePolicies (or the User/Group forms,
        https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListAttachedRolePolicies.html)."""
        kind, name_key, _ = _PRINCIPALS[resource.resource_type]
        pages = self.call(
            resource,
            "iam",
            f"paginate:list_attached_{kind}_policies",
            prop="ManagedPolicyArns",
            **{name_key: resource.physical_id},
        )
        arns = [p["PolicyArn"] for page in pages for p in page.get("AttachedPolicies", []) if p.get("PolicyArn")]
        return {"ManagedPolicyArns": arns} if arns else {}

    def _inline_policies(self, resource: LiveResource) -> dict[str, Any]:
        """``{"Policies": [{"PolicyName", "PolicyDocument"}, ...]}`` of a role, user or group (``{}`` without any):
        ListRolePolicies and GetRolePolicy (or the User/Group forms,
        https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html). An inline policy that an
        ``AWS::IAM::Policy`` of the cloud assembly puts there is left to that resource (``inline_policy``)."""
        kind, name_key, _ = _PRINCIPALS[resource.resource_type]
        name = resource.physical_id
        pages = self.call(resource, "iam", f"paginate:list_{kind}_policies", prop="Policies", **{name_key: name})
        declared = {
            (principal_type, principal, policy.name)
            for policy in self.reader.declared_policies().values()
            for principal_type, principal, _ in policy.principals
        }
        policies = []
        for policy_name in (n for page in pages for n in page.get("PolicyNames", [])):
            if (resource.resource_type, name, policy_name) in declared:
                continue
            answer = self.call(
                resource, "iam", f"get_{kind}_policy", prop="Policies", **{name_key: name, "PolicyName": policy_name}
            )
            policies.append(
                {
                    "PolicyName": policy_name,
                    "PolicyDocument": iam_policy_document(
                        answer.get("PolicyDocument"), f"inline policy {policy_name} of {kind} {name}"
                    ),
                }
            )
        return {"Policies": policies} if policies else {}

    def inline_policy(self, resource: LiveResource) -> dict[str, Any]:
        """``AWS::IAM::Policy``: IAM keeps it as an inline policy of each role, user and group it names, so its
        name and principals come from the cloud assembly's template (``LiveReader.declared_policies``) and
        each copy from GetRolePolicy / GetUserPolicy / GetGroupPolicy. A copy that is gone (NoSuchEntity)
        is noted; copies that differ are judged together (their statements in one document)."""
        from botocore.exceptions import ClientError

        owner = resource.owner
        declared = self.reader.declared_policies().get((owner.stack, owner.logical_id)) if owner is not None else None
        if declared is None or declared.name is None:
            raise LookupError(
                f"AWS::IAM::Policy {resource.physical_id}: its PolicyName is not a literal of a template "
                "of the cloud assembly, so its inline copies cannot be found"
            )
        props: dict[str, Any] = {"PolicyName": declared.name}
        documents: dict[str, dict[str, Any]] = {}
        for principal_type, principal, shown in declared.principals:
            kind, name_key, listed = _PRINCIPALS[principal_type]
            if principal is None:
                self.note(
                    resource,
                    f"{listed} entry {shown} is decided at deploy time: its copy was not read",
                    "PolicyDocument",
                )
                continue
            props.setdefault(listed, []).append(self.ref(principal_type, principal))
            try:
                answer = self.call(
                    resource,
                    "iam",
                    f"get_{kind}_policy",
                    prop="PolicyDocument",
                    **{name_key: principal, "PolicyName": declared.name},
                )
            except ClientError as exc:
                if error_code(exc) != "NoSuchEntity":
                    raise
                self.note(resource, f"{kind} {principal} has no inline policy {declared.name}", "PolicyDocument")
                continue
            document = iam_policy_document(
                answer.get("PolicyDocument"), f"inline policy {declared.name} of {kind} {principal}"
            )
            documents.setdefault(json.dumps(document, sort_keys=True), document)
            self.note(resource, f"inline policy {declared.name} of {kind} {principal}", "PolicyDocument")
        copies = list(documents.values())
        if len(copies) == 1:
            props["PolicyDocument"] = copies[0]
        elif copies:
            props["PolicyDocument"] = {
                "Version": copies[0].get("Version", "2012-10-17"),
                "Statement": [s for copy in copies for s in as_list(copy.get("Statement"))],
            }
            self.note(
                resource, f"its {len(copies)} copies differ: their statements are judged together", "PolicyDocument"
            )
        return props

    def managed_policy(self, resource: LiveResource) -> dict[str, Any]:
        """Customer managed policy (physical ID: its ARN): GetPolicy for the default version's id, GetPolicyVersion
        for its document (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetPolicyVersion.html)."""
        arn = resource.physical_id
        policy = self.call(resource, "iam", "get_policy", prop="PolicyDocument", PolicyArn=arn)["Policy"]
        version_id = policy["DefaultVersionId"]
        version = self.call(
            resource, "iam", "get_policy_version", prop="PolicyDocument", PolicyArn=arn, VersionId=version_id
        )["PolicyVersion"]
        self.note(resource, f"default version {version_id}", "PolicyDocument")
        return _drop_none(
            {
                "ManagedPolicyName": policy.get("PolicyName"),
                "Path": policy.get("Path"),
                "PolicyDocument": iam_policy_document(
                    version.get("Document"), f"version {version_id} of managed policy {arn}"
                ),
            }
        )

    def db_instance(self, resource: LiveResource) -> dict[str, Any]:
        """RDS DB instance: DescribeDBInstances
        (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html)."""
        (db,) = self.call(resource, "rds", "describe_db_instances", DBInstanceIdentifier=resource.physical_id)[
            "DBInstances"
        ]
        props = _drop_none(
            {
                "DBInstanceIdentifier": db.get("DBInstanceIdentifier"),
                "StorageEncrypted": db.get("StorageEncrypted"),
                "PubliclyAccessible": db.get("PubliclyAccessible"),
                "SourceDBInstanceIdentifier": db.get("ReadReplicaSourceDBInstanceIdentifier"),
            }
        )
        if db.get("KmsKeyId"):
            props["KmsKeyId"] = self.customer_key(resource, db["KmsKeyId"])
        if db.get("DBClusterIdentifier"):
            props["DBClusterIdentifier"] = self.ref("AWS::RDS::DBCluster", db["DBClusterIdentifier"], full=True)
        group = db.get("DBSubnetGroup") or {}
        if group.get("DBSubnetGroupName"):
            # DescribeDBInstances carries the group's subnets: no DescribeDBSubnetGroups call needed.
            key, owner = self.key("AWS::RDS::DBSubnetGroup", group["DBSubnetGroupName"])
            if key not in self.resources or not self.resources[key].full:
                self.put(key, "AWS::RDS::DBSubnetGroup", group["DBSubnetGroupName"], self._subnet_group(group), owner)
                self.resources[key].operations.append(self.reader.api_name("rds", "describe_db_instances"))
            props["DBSubnetGroupName"] = {"Ref": key}
        return _drop_none(props)

    def db_cluster(self, resource: LiveResource) -> dict[str, Any]:
        """RDS DB cluster: DescribeDBClusters
        (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusters.html)."""
        (cluster,) = self.call(resource, "rds", "describe_db_clusters", DBClusterIdentifier=resource.physical_id)[
            "DBClusters"
        ]
        props = _drop_none(
            {
                "DBClusterIdentifier": cluster.get("DBClusterIdentifier"),
                "StorageEncrypted": cluster.get("StorageEncrypted"),
                "PubliclyAccessible": cluster.get("PubliclyAccessible"),
            }
        )
        if cluster.get("KmsKeyId"):
            props["KmsKeyId"] = self.customer_key(resource, cluster["KmsKeyId"])
        if cluster.get("DBSubnetGroup"):
            props["DBSubnetGroupName"] = self.ref("AWS::RDS::DBSubnetGroup", cluster["DBSubnetGroup"], full=True)
        return _drop_none(props)

    def db_subnet_group(self, resource: LiveResource) -> dict[str, Any]:
        """DB subnet group: DescribeDBSubnetGroups; each subnet read with its route table."""
        (group,) = self.call(resource, "rds", "describe_db_subnet_groups", DBSubnetGroupName=resource.physical_id)[
            "DBSubnetGroups"
        ]
        return self._subnet_group(group)

    def _subnet_group(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """Properties of a DBSubnetGroup answer (DescribeDBSubnetGroups, or DescribeDBInstances' ``DBSubnetGroup``)."""
        subnets = [s["SubnetIdentifier"] for s in group.get("Subnets", []) if s.get("SubnetIdentifier")]
        return {
            "DBSubnetGroupName": group.get("DBSubnetGroupName"),
            "SubnetIds": [self.ref("AWS::EC2::Subnet", s, full=True) for s in subnets],
        }

    def subnet(self, resource: LiveResource) -> dict[str, Any]:
        """Subnet: DescribeSubnets, and DescribeRouteTables for its explicit route table association, else the
        VPC's main route table (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html#RouteTables);
        the association becomes an ``AWS::EC2::SubnetRouteTableAssociation`` of the live template."""
        subnet_id = resource.physical_id
        (subnet,) = self.call(resource, "ec2", "describe_subnets", SubnetIds=[subnet_id])["Subnets"]
        pages = self.call(
            resource,
            "ec2",
            "paginate:describe_route_tables",
            Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}],
        )
        tables = [t for page in pages for t in page.get("RouteTables", [])]
        associations = [
            (a.get("RouteTableAssociationId") or f"{t['RouteTableId']}/{subnet_id}", t["RouteTableId"])
            for t in tables
            for a in t.get("Associations", [])
            if a.get("SubnetId") == subnet_id
        ]
        if not associations:
            pages = self.call(
                resource,
                "ec2",
                "paginate:describe_route_tables",
                Filters=[
                    {"Name": "vpc-id", "Values": [subnet["VpcId"]]},
                    {"Name": "association.main", "Values": ["true"]},
                ],
            )
            main = [t["RouteTableId"] for page in pages for t in page.get("RouteTables", [])]
            associations = [(f"{table}/main/{subnet_id}", table) for table in main]
            resource.notes.append(f"no explicit route table association: uses the VPC's main route table {main}")
        for association, table in associations:
            self.put(
                association,
                "AWS::EC2::SubnetRouteTableAssociation",
                association,
                {"SubnetId": {"Ref": resource.key}, "RouteTableId": self.ref("AWS::EC2::RouteTable", table, full=True)},
            )
        return _drop_none({"VpcId": subnet.get("VpcId"), "CidrBlock": subnet.get("CidrBlock")})

    def route_table(self, resource: LiveResource) -> dict[str, Any]:
        """Route table: DescribeRouteTables; each active route becomes an ``AWS::EC2::Route`` of the live template."""
        (table,) = self.call(resource, "ec2", "describe_route_tables", RouteTableIds=[resource.physical_id])[
            "RouteTables"
        ]
        for route in table.get("Routes", []):
            if route.get("State") == "blackhole":
                continue  # its target is gone: no traffic takes it
            destination = next((route[k] for k in _ROUTE_DESTINATIONS if route.get(k)), "?")
            props = {"RouteTableId": {"Ref": resource.key}}
            props |= {k: route[k] for k in (*_ROUTE_DESTINATIONS, *_ROUTE_TARGETS) if route.get(k)}
            key = f"{resource.physical_id}~{destination}"
            self.put(key, "AWS::EC2::Route", key, props)
        return _drop_none({"VpcId": table.get("VpcId")})

    def kms_key(self, resource: LiveResource) -> dict[str, Any]:
        """KMS key: DescribeKey and, for a key that can rotate, GetKeyRotationStatus
        (https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html)."""
        metadata = self.call(resource, "kms", "describe_key", KeyId=resource.physical_id)["KeyMetadata"]
        props = _drop_none(
            {
                "KeySpec": metadata.get("KeySpec") or metadata.get("CustomerMasterKeySpec"),
                "KeyUsage": metadata.get("KeyUsage"),
                "Origin": metadata.get("Origin"),
                "MultiRegion": metadata.get("MultiRegion"),
                "Enabled": metadata.get("Enabled"),
            }
        )
        if metadata.get("KeyState") not in (None, "Enabled"):
            resource.notes.append(f"KeyState {metadata['KeyState']}")
        if (props.get("KeySpec"), props.get("KeyUsage"), props.get("Origin")) == (
            "SYMMETRIC_DEFAULT",
            "ENCRYPT_DECRYPT",
            "AWS_KMS",
        ):
            status = self.call(
                resource, "kms", "get_key_rotation_status", prop="EnableKeyRotation", KeyId=resource.physical_id
            )
            props["EnableKeyRotation"] = bool(status.get("KeyRotationEnabled"))
        return props

    def topic(self, resource: LiveResource) -> dict[str, Any]:
        """SNS topic: GetTopicAttributes (``KmsMasterKeyId`` is absent when the topic is not encrypted)."""
        attributes = self.call(resource, "sns", "get_topic_attributes", TopicArn=resource.physical_id)["Attributes"]
        return _drop_none(
            {
                "TopicName": resource.physical_id.rsplit(":", 1)[-1],
                "KmsMasterKeyId": attributes.get("KmsMasterKeyId") or None,
            }
        )

    def log_group(self, resource: LiveResource) -> dict[str, Any]:
        """CloudWatch Logs log group: DescribeLogGroups by name prefix, the exact name picked (``kmsKeyId``)."""
        name = resource.physical_id
        pages = self.call(resource, "logs", "paginate:describe_log_groups", logGroupNamePrefix=name)
        found = [g for page in pages for g in page.get("logGroups", []) if g.get("logGroupName") == name]
        if not found:
            raise LookupError(f"ResourceNotFoundException: DescribeLogGroups lists no log group {name}")
        return _drop_none({"LogGroupName": name, "KmsKeyId": found[0].get("kmsKeyId")})

    def ecs_service(self, resource: LiveResource) -> dict[str, Any]:
        """ECS service: DescribeServices
        (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html); its task
        definition, target groups and security groups are read too."""
        cluster = self._cluster_of(resource)
        answer = self.call(resource, "ecs", "describe_services", cluster=cluster, services=[resource.physical_id])
        services = answer.get("services") or []
        if not services:
            reasons = [f.get("reason") for f in answer.get("failures", [])]
            raise LookupError(
                f"DescribeServices in cluster {cluster} does not find it ({', '.join(map(str, reasons))})"
            )
        service = services[0]
        props: dict[str, Any] = _drop_none(
            {"ServiceName": service.get("serviceName"), "Cluster": cluster, "LaunchType": service.get("launchType")}
        )
        if service.get("taskDefinition"):
            props["TaskDefinition"] = self.ref("AWS::ECS::TaskDefinition", service["taskDefinition"], full=True)
        balancers = []
        for entry in service.get("loadBalancers", []):
            item = _drop_none(
                {
                    "ContainerName": entry.get("containerName"),
                    "ContainerPort": entry.get("containerPort"),
                    "LoadBalancerName": entry.get("loadBalancerName"),
                }
            )
            if entry.get("targetGroupArn"):
                item["TargetGroupArn"] = self.ref(
                    "AWS::ElasticLoadBalancingV2::TargetGroup", entry["targetGroupArn"], full=True
                )
            balancers.append(item)
        props["LoadBalancers"] = balancers
        awsvpc = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration")
        if awsvpc:
            props["NetworkConfiguration"] = {
                "AwsvpcConfiguration": _drop_none(
                    {
                        "SecurityGroups": [
                            self.ref("AWS::EC2::SecurityGroup", g, full=True) for g in awsvpc.get("securityGroups", [])
                        ],
                        "Subnets": list(awsvpc.get("subnets", [])),
                        "AssignPublicIp": awsvpc.get("assignPublicIp"),
                    }
                )
            }
        return props

    def _cluster_of(self, resource: LiveResource) -> str:
        """The service's cluster: from a new-format ARN, else the cluster its template names, else ``default``."""
        try:
            found = ecs_service_ref(resource.physical_id).cluster
        except IdentifierError:
            found = None
        if found:
            return found
        if resource.owner is not None:
            stack = next(s for s in self.reader.stacks if s.artifact_id == resource.owner.stack)
            view = TemplateView(stack.artifact.template)
            cluster = stack.resource(view.target(view.properties(resource.owner.logical_id).get("Cluster")) or "")
            if cluster is not None and cluster.physical_id:
                return cluster.physical_id
        return "default"

    def task_definition(self, resource: LiveResource) -> dict[str, Any]:
        """ECS task definition: DescribeTaskDefinition (container names and port mappings)."""
        task = self.call(resource, "ecs", "describe_task_definition", taskDefinition=resource.physical_id)[
            "taskDefinition"
        ]
        containers = [
            {
                "Name": c.get("name"),
                "PortMappings": [
                    _drop_none(
                        {
                            "ContainerPort": m.get("containerPort"),
                            "HostPort": m.get("hostPort"),
                            "Protocol": m.get("protocol"),
                        }
                    )
                    for m in c.get("portMappings", [])
                ],
            }
            for c in task.get("containerDefinitions", [])
        ]
        return _drop_none(
            {"Family": task.get("family"), "NetworkMode": task.get("networkMode"), "ContainerDefinitions": containers}
        )

    def target_group(self, resource: LiveResource) -> dict[str, Any]:
        """ELBv2 target group: DescribeTargetGroups; its load balancers (and their listeners) are read too."""
        (group,) = self.call(resource, "elbv2", "describe_target_groups", TargetGroupArns=[resource.physical_id])[
            "TargetGroups"
        ]
        props = _drop_none(
            {
                key: group.get(key)
                for key in (
                    "Port",
                    "Protocol",
                    "TargetType",
                    "HealthCheckEnabled",
                    "HealthCheckPath",
                    "HealthCheckPort",
                    "HealthCheckProtocol",
                    "VpcId",
                )
            }
        )
        props["Name"] = group.get("TargetGroupName")
        for balancer in group.get("LoadBalancerArns", []):
            self.add("AWS::ElasticLoadBalancingV2::LoadBalancer", balancer, full=True)
        return props

    def load_balancer(self, resource: LiveResource) -> dict[str, Any]:
        """ELBv2 load balancer: DescribeLoadBalancers, DescribeListeners and DescribeRules; listeners and their
        non-default rules become ``Listener``/``ListenerRule`` resources of the live template."""
        arn = resource.physical_id
        (balancer,) = self.call(resource, "elbv2", "describe_load_balancers", LoadBalancerArns=[arn])["LoadBalancers"]
        props = _drop_none(
            {"Name": balancer.get("LoadBalancerName"), "Type": balancer.get("Type"), "Scheme": balancer.get("Scheme")}
        )
        props["SecurityGroups"] = [self.ref("AWS::EC2::SecurityGroup", g) for g in balancer.get("SecurityGroups", [])]
        pages = self.call(resource, "elbv2", "paginate:describe_listeners", LoadBalancerArn=arn)
        for listener in (entry for page in pages for entry in page.get("Listeners", [])):
            key, owner = self.key("AWS::ElasticLoadBalancingV2::Listener", listener["ListenerArn"])
            self.put(
                key,
                "AWS::ElasticLoadBalancingV2::Listener",
                listener["ListenerArn"],
                _drop_none(
                    {
                        "LoadBalancerArn": {"Ref": resource.key},
                        "Port": listener.get("Port"),
                        "Protocol": listener.get("Protocol"),
                        "DefaultActions": self._actions(listener.get("DefaultActions")),
                    }
                ),
                owner,
            )
            rule_pages = self.call(resource, "elbv2", "paginate:describe_rules", ListenerArn=listener["ListenerArn"])
            for rule in (entry for page in rule_pages for entry in page.get("Rules", [])):
                if rule.get("IsDefault"):
                    continue  # the listener's default actions, already there
                rule_key, rule_owner = self.key("AWS::ElasticLoadBalancingV2::ListenerRule", rule["RuleArn"])
                self.put(
                    rule_key,
                    "AWS::ElasticLoadBalancingV2::ListenerRule",
                    rule["RuleArn"],
                    _drop_none(
                        {
                            "ListenerArn": {"Ref": key},
                            "Priority": rule.get("Priority"),
                            "Actions": self._actions(rule.get("Actions")),
                        }
                    ),
                    rule_owner,
                )
        return props

    def _actions(self, actions: Any) -> list[dict[str, Any]]:
        result = []
        for action in actions or []:
            item: dict[str, Any] = {"Type": action.get("Type")}
            if action.get("TargetGroupArn"):
                item["TargetGroupArn"] = self.ref("AWS::ElasticLoadBalancingV2::TargetGroup", action["TargetGroupArn"])
            forward = action.get("ForwardConfig") or {}
            if forward.get("TargetGroups"):
                item["ForwardConfig"] = {
                    "TargetGroups": [
                        _drop_none(
                            {
                                "TargetGroupArn": self.ref(
                                    "AWS::ElasticLoadBalancingV2::TargetGroup", t["TargetGroupArn"]
                                ),
                                "Weight": t.get("Weight"),
                            }
                        )
                        for t in forward["TargetGroups"]
                        if t.get("TargetGroupArn")
                    ]
                }
            result.append(item)
        return result

    def security_group(self, resource: LiveResource) -> dict[str, Any]:
        """Security group: DescribeSecurityGroups. Each ingress permission and source is one rule; a rule
        matching an ``AWS::EC2::SecurityGroupIngress`` of the stack's template keeps that logical ID (so
        findings land on the same construct), the others stay inline in ``SecurityGroupIngress``."""
        (group,) = self.call(resource, "ec2", "describe_security_groups", GroupIds=[resource.physical_id])[
            "SecurityGroups"
        ]
        declared = self._declared_ingress(resource)
        inline = []
        for permission in group.get("IpPermissions", []):
            base = _drop_none(
                {
                    "IpProtocol": permission.get("IpProtocol"),
                    "FromPort": permission.get("FromPort"),
                    "ToPort": permission.get("ToPort"),
                }
            )
            sources: list[tuple[dict[str, Any], tuple[str, str]]] = []
            for pair in permission.get("UserIdGroupPairs", []):
                sources.append(
                    (
                        {"SourceSecurityGroupId": self.ref("AWS::EC2::SecurityGroup", pair["GroupId"])},
                        ("group", pair["GroupId"]),
                    )
                )
            sources += [({"CidrIp": r["CidrIp"]}, ("cidr", r["CidrIp"])) for r in permission.get("IpRanges", [])]
            sources += [
                ({"CidrIpv6": r["CidrIpv6"]}, ("cidr", r["CidrIpv6"])) for r in permission.get("Ipv6Ranges", [])
            ]
            sources += [
                ({"SourcePrefixListId": r["PrefixListId"]}, ("prefix", r["PrefixListId"]))
                for r in permission.get("PrefixListIds", [])
            ]
            for source, identity in sources:
                rule = {**base, **source}
                lid = declared.pop(_rule_identity(base, identity), None)
                if lid is None:
                    inline.append(rule)
                else:
                    shown = f"{resource.physical_id} {base.get('IpProtocol')} {base.get('FromPort', '')}-{base.get('ToPort', '')}"
                    self.put(
                        lid,
                        "AWS::EC2::SecurityGroupIngress",
                        f"{shown.rstrip('-')} from {identity[1]}",
                        {"GroupId": {"Ref": resource.key}, **rule},
                        self.stack.resource(lid),
                    )
                    self.resources[lid].operations.append(self.reader.api_name("ec2", "describe_security_groups"))
        props = _drop_none(
            {"GroupId": group.get("GroupId"), "GroupName": group.get("GroupName"), "VpcId": group.get("VpcId")}
        )
        if inline:
            props["SecurityGroupIngress"] = inline
        return props

    def _declared_ingress(self, group: LiveResource) -> dict[tuple[Any, ...], str]:
        """Rule identity → logical ID of the stack's ``AWS::EC2::SecurityGroupIngress`` resources into ``group``."""
        if group.owner is None or group.owner.stack != self.stack.artifact_id:
            return {}
        view = TemplateView(self.stack.artifact.template)
        found: dict[tuple[Any, ...], str] = {}
        for lid in view.of_type("AWS::EC2::SecurityGroupIngress"):
            props = view.properties(lid)
            if view.target(props.get("GroupId")) != group.key:
                continue
            base = {k: view.value(props.get(k)) for k in ("IpProtocol", "FromPort", "ToPort") if k in props}
            source_lid = view.target(props.get("SourceSecurityGroupId"))
            if source_lid is not None:
                source = self.stack.resource(source_lid)
                if source is None or not source.physical_id:
                    continue
                identity = ("group", source.physical_id)
            elif isinstance(view.value(props.get("CidrIp", props.get("CidrIpv6"))), str):
                identity = ("cidr", view.value(props.get("CidrIp", props.get("CidrIpv6"))))
            else:
                continue
            found[_rule_identity(base, identity)] = lid
        return found


def _rule_identity(base: Mapping[str, Any], source: tuple[str, str]) -> tuple[Any, ...]:
    protocol = str(base.get("IpProtocol", "")).lower()
    protocol = _PROTOCOLS.get(protocol, protocol)
    ports: tuple[Any, ...] = ()
    if protocol != "-1":
        try:
            ports = (int(base.get("FromPort")), int(base.get("ToPort")))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            ports = (base.get("FromPort"), base.get("ToPort"))
    return (protocol, *ports, *source)


READERS: dict[str, Callable[[_Builder, LiveResource], dict[str, Any]]] = {
    "AWS::S3::Bucket": _Builder.bucket,
    "AWS::IAM::Role": _Builder.role,
    "AWS::IAM::User": _Builder.principal,
    "AWS::IAM::Group": _Builder.principal,
    "AWS::IAM::Policy": _Builder.inline_policy,
    "AWS::IAM::ManagedPolicy": _Builder.managed_policy,
    "AWS::RDS::DBInstance": _Builder.db_instance,
    "AWS::RDS::DBCluster": _Builder.db_cluster,
    "AWS::RDS::DBSubnetGroup": _Builder.db_subnet_group,
    "AWS::EC2::Subnet": _Builder.subnet,
    "AWS::EC2::RouteTable": _Builder.route_table,
    "AWS::KMS::Key": _Builder.kms_key,
    "AWS::SNS::Topic": _Builder.topic,
    "AWS::Logs::LogGroup": _Builder.log_group,
    "AWS::ECS::Service": _Builder.ecs_service,
    "AWS::ECS::TaskDefinition": _Builder.task_definition,
    "AWS::ElasticLoadBalancingV2::TargetGroup": _Builder.target_group,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _Builder.load_balancer,
    "AWS::EC2::SecurityGroup": _Builder.security_group,
}

READ_TYPES: frozenset[str] = frozenset(READERS)
"""Resource types whose live state a live template can hold (a live form may name only these)."""
