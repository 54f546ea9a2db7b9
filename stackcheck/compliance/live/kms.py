"""Live-state readers for AWS KMS: each reads one resource type's properties through the API."""

from __future__ import annotations

import json
from typing import Any

from stackcheck.compliance.live.base import Builder, LiveResource, drop_none


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
