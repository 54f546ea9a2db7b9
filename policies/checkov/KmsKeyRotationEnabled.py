"""CKV_TAP_7: customer managed KMS keys rotate their key material automatically."""

from __future__ import annotations

from typing import Any, Mapping

from checkov.common.models.enums import CheckCategories

from stackcheck.scan import custom
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict

# Automatic rotation exists only for symmetric encryption keys whose key material AWS KMS generated
# (https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html).
ROTATABLE = {"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "Origin": "AWS_KMS"}


def evaluate(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    """Verdict on one ``AWS::KMS::Key``; NOT_APPLICABLE for asymmetric, HMAC, imported or custom key store keys."""
    where = f"KMS key `{logical_id}`"
    for key, rotatable in ROTATABLE.items():
        value = view.value(properties.get(key, rotatable))
        if isinstance(value, Unresolved):
            return Verdict(Outcome.UNKNOWN, f"{where}: {key} is unknown ({value.reason}); cannot tell whether the key "
                           "can rotate", path=("Properties", key))
        if value != rotatable:
            return Verdict(Outcome.NOT_APPLICABLE, "")
    enabled = view.value(properties.get("EnableKeyRotation"))
    if isinstance(enabled, Unresolved):
        return Verdict(Outcome.UNKNOWN, f"{where}: EnableKeyRotation is unknown ({enabled.reason})",
                       path=("Properties", "EnableKeyRotation"))
    if str(enabled).lower() == "true":
        return Verdict(Outcome.PASSED, f"{where}: automatic key rotation is on", path=("Properties", "EnableKeyRotation"))
    shown = "not set" if enabled is None else str(enabled).lower()
    return Verdict(Outcome.FAILED, f"{where}: EnableKeyRotation is {shown}; set it to true (CDK: enable_key_rotation=True)",
                   path=("Properties", "EnableKeyRotation") if enabled is not None else ("Properties",))


class KmsKeyRotationEnabled(custom.ResourceCheck):
    """checkov check CKV_TAP_7; logic in ``evaluate``."""

    id = "CKV_TAP_7"
    outcome = "Ensure customer managed KMS keys rotate their key material automatically"
    description = (
        "The environment keys encrypt the payment databases, logs and alarm topics. Automatic rotation gives "
        "each key new key material every year while old ciphertext stays readable, limiting how much data one "
        "key version protects; a key with rotation turned off keeps one key version for its whole life."
    )
    source_url = "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"
    resource_types = ("AWS::KMS::Key",)
    categories = (CheckCategories.ENCRYPTION,)
    evaluate = staticmethod(evaluate)
    live_resource_types = ("AWS::KMS::Key",)


check = KmsKeyRotationEnabled()
