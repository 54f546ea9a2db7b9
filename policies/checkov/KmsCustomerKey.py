"""CKV_TAP_8: S3, SQS, SNS, RDS and Secrets Manager encrypt with a customer managed KMS key, not a service-managed key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checkov.common.models.enums import CheckCategories
from stackcheck.scan import custom
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict, as_list

CUSTOMER, SERVICE, NONE = "customer managed key", "service-managed key", "no encryption"
_KEY_TYPES = ("AWS::KMS::Key", "AWS::KMS::ReplicaKey")
_FIX = "set {prop} to the environment's customer managed AWS::KMS::Key (its Arn, or a key ARN)"


def key_kind(node: Any, view: TemplateView) -> tuple[str | None, str]:
    """(CUSTOMER | SERVICE, what names the key) for a KMS key property's value, or (None, why) when unknown.

    ``alias/aws/<service>`` (bare or as an alias ARN) is the service's AWS managed key; another
    literal (key ID, key ARN, alias of ours) or a ``Ref``/``Fn::GetAtt`` of an ``AWS::KMS::Key`` is a
    customer managed key; ``Fn::GetAtt <X>.Arn`` of a resource the view does not show (checkov shows
    one resource) counts as a key of the template, since only resources have attributes.
    """
    if isinstance(node, Mapping) and len(node) == 1:
        name, arg = next(iter(node.items()))
        target = view.target(node)
        if view.type_of(target) in _KEY_TYPES:
            return CUSTOMER, f"`{target}`"
        if view.type_of(target) == "AWS::KMS::Alias":
            alias = view.value(view.properties(target).get("AliasName"))
            if isinstance(alias, str) and alias.startswith("alias/aws/"):
                return SERVICE, alias
            return CUSTOMER, f"alias `{target}`"
        if name == "Fn::GetAtt" and target is None and not view.whole:
            attribute = arg[1] if isinstance(arg, (list, tuple)) and len(arg) == 2 else str(arg).partition(".")[2]
            if attribute in ("Arn", "KeyId"):
                return CUSTOMER, f"`{view.text(node)}`"
    text = view.text(node)
    if isinstance(text, Unresolved):
        return None, text.reason
    if "alias/aws/" in text:
        return SERVICE, text
    resolved = view.value(node)
    if isinstance(resolved, str) and resolved:
        return CUSTOMER, resolved
    if isinstance(resolved, Unresolved):
        return None, resolved.reason
    return None, f"{text!r} is not a KMS key"


def _verdict(where: str, kind: str | None, detail: str, prop: str, path: tuple[str | int, ...]) -> Verdict:
    if kind is None:
        return Verdict(Outcome.UNKNOWN, f"{where}: the key in {prop} is decided at deploy time ({detail})", path=path)
    if kind == CUSTOMER:
        return Verdict(Outcome.PASSED, f"{where}: encrypted with a customer managed key ({detail})", path=path)
    fix = _FIX.format(prop=prop)
    return Verdict(
        Outcome.FAILED, f"{where}: encrypted with a {SERVICE} ({detail}), not a customer key; {fix}", path=path
    )


def _none(where: str, detail: str, prop: str) -> Verdict:
    return Verdict(Outcome.FAILED, f"{where}: {NONE} ({detail}); {_FIX.format(prop=prop)}", path=("Properties",))


def _keyed(where: str, properties: Mapping[str, Any], view: TemplateView, prop: str, default: Verdict) -> Verdict:
    node = properties.get(prop)
    if node is None:
        return default
    return _verdict(where, *key_kind(node, view), prop, ("Properties", prop))


def _bucket(where: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    service = Verdict(
        Outcome.FAILED,
        f"{where}: encrypted with a {SERVICE} (no BucketEncryption: S3 applies SSE-S3 AES256 to new objects); "
        "set SSEAlgorithm aws:kms with KMSMasterKeyID (CDK: encryption=BucketEncryption.KMS, encryption_key=...)",
        path=("Properties",),
    )
    config = view.value(properties.get("BucketEncryption"))
    if config is None:
        return service
    rules = config.get("ServerSideEncryptionConfiguration") if isinstance(config, Mapping) else config
    if isinstance(rules, Unresolved) or not isinstance(rules, list):
        return Verdict(
            Outcome.UNKNOWN,
            f"{where}: BucketEncryption is decided at deploy time",
            path=("Properties", "BucketEncryption"),
        )
    raw = as_list((properties.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration"))
    for index, rule in enumerate(rules):
        default = rule.get("ServerSideEncryptionByDefault") if isinstance(rule, Mapping) else None
        if not isinstance(default, Mapping):
            continue
        path = (
            "Properties",
            "BucketEncryption",
            "ServerSideEncryptionConfiguration",
            index,
            "ServerSideEncryptionByDefault",
        )
        algorithm = default.get("SSEAlgorithm")
        if isinstance(algorithm, Unresolved):
            return Verdict(Outcome.UNKNOWN, f"{where}: SSEAlgorithm is unknown ({algorithm.reason})", path=path)
        if algorithm == "AES256":
            return Verdict(
                Outcome.FAILED,
                f"{where}: encrypted with a {SERVICE} (SSE-S3 AES256), not a customer key; set SSEAlgorithm aws:kms "
                "with KMSMasterKeyID naming the environment's customer managed key",
                path=(*path, "SSEAlgorithm"),
            )
        declared = raw[index] if index < len(raw) and isinstance(raw[index], Mapping) else {}
        key = (declared.get("ServerSideEncryptionByDefault") or {}).get("KMSMasterKeyID")
        if key is None:
            return Verdict(
                Outcome.FAILED,
                f"{where}: encrypted with a {SERVICE} ({algorithm} without KMSMasterKeyID: aws/s3); "
                "set KMSMasterKeyID to the environment's customer managed key",
                path=(*path, "SSEAlgorithm"),
            )
        return _verdict(where, *key_kind(key, view), "KMSMasterKeyID", (*path, "KMSMasterKeyID"))
    return service


def _queue(where: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    if properties.get("KmsMasterKeyId") is not None:
        return _keyed(where, properties, view, "KmsMasterKeyId", _none(where, "", "KmsMasterKeyId"))
    managed = view.value(properties.get("SqsManagedSseEnabled"))
    path = ("Properties", "SqsManagedSseEnabled")
    if isinstance(managed, Unresolved):
        return Verdict(Outcome.UNKNOWN, f"{where}: SqsManagedSseEnabled is unknown ({managed.reason})", path=path)
    if managed is not None and str(managed).lower() == "false":
        return _none(where, "SqsManagedSseEnabled false and no KmsMasterKeyId", "KmsMasterKeyId")
    shown = "SqsManagedSseEnabled true" if managed is not None else "no KmsMasterKeyId: SQS applies SSE-SQS by default"
    return Verdict(
        Outcome.FAILED,
        f"{where}: encrypted with a {SERVICE} (SSE-SQS, {shown}), not a customer key; {_FIX.format(prop='KmsMasterKeyId')}",
        path=path if managed is not None else ("Properties",),
    )


def _database(where: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    if resource_type == "AWS::RDS::DBInstance" and (
        "DBClusterIdentifier" in properties or "SourceDBInstanceIdentifier" in properties
    ):
        return Verdict(Outcome.NOT_APPLICABLE, "")  # the cluster's or the source instance's storage decides
    encrypted = view.value(properties.get("StorageEncrypted"))
    if isinstance(encrypted, Unresolved):
        return Verdict(
            Outcome.UNKNOWN,
            f"{where}: StorageEncrypted is unknown ({encrypted.reason})",
            path=("Properties", "StorageEncrypted"),
        )
    if str(encrypted).lower() != "true":
        return _none(
            where, f"StorageEncrypted {'not set' if encrypted is None else str(encrypted).lower()}", "KmsKeyId"
        )
    service = Verdict(
        Outcome.FAILED,
        f"{where}: encrypted with a {SERVICE} (StorageEncrypted without KmsKeyId: aws/rds), not a customer key; "
        f"{_FIX.format(prop='KmsKeyId')}",
        path=("Properties", "StorageEncrypted"),
    )
    return _keyed(where, properties, view, "KmsKeyId", service)


def evaluate(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    """Verdict on one S3 bucket, SQS queue, SNS topic, RDS DB instance or cluster, or Secrets Manager secret.

    PASSED names the customer managed key; FAILED says whether the resource uses a service-managed
    key (SSE-S3, SSE-SQS, ``aws/<service>``, RDS or Secrets Manager without ``KmsKeyId``) or no
    encryption; UNKNOWN when the key or the switch is decided at deploy time.
    """
    kind = resource_type.split("::")[-1]
    where = f"{kind} `{logical_id}`"
    if resource_type == "AWS::S3::Bucket":
        return _bucket(where, properties, view)
    if resource_type == "AWS::SQS::Queue":
        return _queue(where, properties, view)
    if resource_type in ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
        return _database(where, resource_type, properties, view)
    if resource_type == "AWS::SNS::Topic":
        return _keyed(where, properties, view, "KmsMasterKeyId", _none(where, "no KmsMasterKeyId", "KmsMasterKeyId"))
    service = Verdict(
        Outcome.FAILED,
        f"{where}: encrypted with a {SERVICE} (no KmsKeyId: aws/secretsmanager), not a customer key; "
        f"{_FIX.format(prop='KmsKeyId')}",
        path=("Properties",),
    )
    return _keyed(where, properties, view, "KmsKeyId", service)


class KmsCustomerKey(custom.ResourceCheck):
    """checkov check CKV_TAP_8; logic in ``evaluate``."""

    id = "CKV_TAP_8"
    outcome = (
        "Ensure S3 buckets, SQS queues, SNS topics, RDS databases and Secrets Manager secrets encrypt with a "
        "customer managed KMS key, not a service-managed key"
    )
    description = (
        "Where policy requires KMS, a service-managed key (SSE-S3, SSE-SQS, the aws/<service> keys) encrypts "
        "the data but leaves access and deletion outside the environment's key policy, and CloudTrail shows no "
        "per-key decrypt trail under our control. The verdict says which of customer key, service-managed key "
        "or no encryption the resource uses."
    )
    source_url = "https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-mgmt"
    resource_types = (
        "AWS::S3::Bucket",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::SecretsManager::Secret",
    )
    categories = (CheckCategories.ENCRYPTION,)
    evaluate = staticmethod(evaluate)
    live_resource_types = (
        "AWS::S3::Bucket",
        "AWS::SNS::Topic",
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::SecretsManager::Secret",
    )


check = KmsCustomerKey()
