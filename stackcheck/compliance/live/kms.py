"""Live-state readers for AWS KMS: each reads one resource type's properties through the API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from stackcheck.compliance.live.base import Builder, Gone, LiveResource, drop_none


class KmsReaders(Builder):
    """Readers of AWS KMS resources (mixed into the live template builder)."""

    def kms_key(self, resource: LiveResource) -> dict[str, Any]:
        """KMS key: DescribeKey, GetKeyPolicy (``KeyPolicy``: the key policy, whose only name is ``default``,
        https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html) and, for a key that can rotate,
        GetKeyRotationStatus (https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html)."""
        metadata = self.call(resource, "kms", "describe_key", KeyId=resource.physical_id)["KeyMetadata"]
        props = drop_none(
            {
                "KeySpec": metadata.get("KeySpec") or metadata.get("CustomerMasterKeySpec"),
                "KeyUsage": metadata.get("KeyUsage"),
                "Origin": metadata.get("Origin"),
                "MultiRegion": metadata.get("MultiRegion"),
                "Enabled": metadata.get("Enabled"),
            }
        )
        policy = self.call(
            resource, "kms", "get_key_policy", prop="KeyPolicy", KeyId=resource.physical_id, PolicyName="default"
        ).get("Policy")
        if policy:
            props["KeyPolicy"] = json.loads(policy) if isinstance(policy, str) else policy
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

    def kms_alias(self, resource: LiveResource) -> dict[str, Any]:
        """KMS alias: ListAliases (https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html), every
        page read once per run, the alias picked by name: CloudFormation names an AWS::KMS::Alias by its alias name
        (``Ref``: ``alias/...``). ``AliasName`` and ``TargetKeyId`` (ListAliases answers the key ID: a ``Ref`` to the
        key; given as the key's ARN when the template declares an ARN or ``Fn::GetAtt <key>.Arn``, both of which
        CloudFormation accepts). An alias ListAliases does not list is gone."""
        name = resource.physical_id
        pages = self.call(resource, "kms", "paginate:list_aliases")
        found = [a for page in pages for a in page.get("Aliases", []) if a.get("AliasName") == name]
        if not found:
            raise Gone(f"NotFoundException: ListAliases lists no alias {name}")
        alias = found[0]
        props: dict[str, Any] = {"AliasName": name}
        key_id = alias.get("TargetKeyId")
        if key_id:
            declared = self.declared(resource).get("TargetKeyId")
            arn_declared = (isinstance(declared, str) and declared.startswith("arn:")) or (
                isinstance(declared, Mapping) and _getatt_arn(declared.get("Fn::GetAtt"))
            )
            if arn_declared and alias.get("AliasArn"):
                props["TargetKeyId"] = alias["AliasArn"].split(":alias/", 1)[0] + ":key/" + key_id
            else:
                props["TargetKeyId"] = self.ref("AWS::KMS::Key", key_id)
        else:
            self.note(resource, "ListAliases: no TargetKeyId (an alias of no key)", "TargetKeyId")
        return props


def _getatt_arn(arg: Any) -> bool:
    """True for the argument of ``Fn::GetAtt <logical ID>.Arn`` (list or dotted form)."""
    if isinstance(arg, (list, tuple)):
        return len(arg) == 2 and arg[1] == "Arn"
    return isinstance(arg, str) and arg.endswith(".Arn")
