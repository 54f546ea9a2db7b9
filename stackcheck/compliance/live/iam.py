"""Live-state readers for IAM: each reads one resource type's properties through the API."""

from __future__ import annotations

import json
from typing import Any

from stackcheck.aws.parsers import (
    iam_policy_document,
)
from stackcheck.aws.retry import error_code
from stackcheck.compliance.live.base import Builder, LiveResource, drop_none
from stackcheck.scan.policy import as_list

# IAM principals with inline policies: (API noun, name parameter, AWS::IAM::Policy property listing them).
PRINCIPALS = {
    "AWS::IAM::Role": ("role", "RoleName", "Roles"),
    "AWS::IAM::User": ("user", "UserName", "Users"),
    "AWS::IAM::Group": ("group", "GroupName", "Groups"),
}


class IamReaders(Builder):
    """Readers of IAM resources (mixed into the live template builder)."""

    def role(self, resource: LiveResource) -> dict[str, Any]:
        """IAM role: GetRole (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html) for its
        trust policy, and its inline policies (``_inline_policies``)."""
        role = self.call(resource, "iam", "get_role", prop="AssumeRolePolicyDocument", RoleName=resource.physical_id)[
            "Role"
        ]
        document = role.get("AssumeRolePolicyDocument")
        if document is not None:
            document = iam_policy_document(document, f"the trust policy of role {resource.physical_id}")
        return drop_none(
            {
                "RoleName": role.get("RoleName"),
                "Path": role.get("Path"),
                "AssumeRolePolicyDocument": document,
                **self._inline_policies(resource),
                **self._attached_policies(resource),
            }
        )

    def instance_profile(self, resource: LiveResource) -> dict[str, Any]:
        """IAM instance profile (physical ID: its name, CloudFormation's Ref): GetInstanceProfile
        (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetInstanceProfile.html), as
        AWS::IAM::InstanceProfile's ``InstanceProfileName``, ``Path`` and ``Roles`` (role names: a profile holds
        at most one); one that is gone answers NoSuchEntity."""
        profile = self.call(
            resource, "iam", "get_instance_profile", prop="Roles", InstanceProfileName=resource.physical_id
        )["InstanceProfile"]
        return drop_none(
            {
                "InstanceProfileName": profile.get("InstanceProfileName"),
                "Path": profile.get("Path"),
                "Roles": [r["RoleName"] for r in profile.get("Roles") or [] if r.get("RoleName")],
            }
        )

    def principal(self, resource: LiveResource) -> dict[str, Any]:
        """IAM user or group: its inline and attached policies (``_inline_policies``, ``_attached_policies``); one
        that is gone answers NoSuchEntity."""
        _, name_key, _ = PRINCIPALS[resource.resource_type]
        return {name_key: resource.physical_id, **self._inline_policies(resource), **self._attached_policies(resource)}

    def _attached_policies(self, resource: LiveResource) -> dict[str, Any]:
        """``{"ManagedPolicyArns": [arn, ...]}`` of a role, user or group (``{}`` without any): the managed policies
        attached to it, AWS and customer managed, whether the template or an out-of-band change attached them.
        ListAttachedRolePolicies (or the User/Group forms,
        https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListAttachedRolePolicies.html)."""
        kind, name_key, _ = PRINCIPALS[resource.resource_type]
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
        kind, name_key, _ = PRINCIPALS[resource.resource_type]
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
            kind, name_key, listed = PRINCIPALS[principal_type]
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
        return drop_none(
            {
                "ManagedPolicyName": policy.get("PolicyName"),
                "Path": policy.get("Path"),
                "PolicyDocument": iam_policy_document(
                    version.get("Document"), f"version {version_id} of managed policy {arn}"
                ),
            }
        )
