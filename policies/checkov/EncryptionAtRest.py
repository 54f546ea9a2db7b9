"""CKV_TAP_3: data at rest is encrypted: RDS with a KMS key, S3 by default, SNS topics and log groups with a KMS key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checkov.common.models.enums import CheckCategories
from stackcheck.scan import custom
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict, as_list

S3_ALGORITHMS = frozenset({"AES256", "aws:kms", "aws:kms:dsse"})
KEY_PROPERTY = {"AWS::SNS::Topic": "KmsMasterKeyId", "AWS::Logs::LogGroup": "KmsKeyId"}


def evaluate(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    """Verdict on one RDS DB instance or cluster, S3 bucket, SNS topic or CloudWatch Logs log group."""
    if resource_type in ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
        return _database(logical_id, resource_type, properties, view)
    if resource_type == "AWS::S3::Bucket":
        return _bucket(logical_id, properties, view)
    key = KEY_PROPERTY[resource_type]
    kind = "SNS topic" if resource_type == "AWS::SNS::Topic" else "Log group"
    if properties.get(key) is not None:
        return Verdict(
            Outcome.PASSED, f"{kind} `{logical_id}`: encrypted with the KMS key in {key}", path=("Properties", key)
        )
    return Verdict(
        Outcome.FAILED,
        f"{kind} `{logical_id}`: {key} is not set; set it to the environment's customer "
        "managed KMS key (the key policy must let the service use it)",
        path=("Properties",),
    )


def _database(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    kind = "DB instance" if resource_type == "AWS::RDS::DBInstance" else "DB cluster"
    where = f"{kind} `{logical_id}`"
    if resource_type == "AWS::RDS::DBInstance" and (
        "DBClusterIdentifier" in properties or "SourceDBInstanceIdentifier" in properties
    ):
        return Verdict(Outcome.NOT_APPLICABLE, "")  # storage of the cluster or the source instance decides
    encrypted = view.value(properties.get("StorageEncrypted"))
    if isinstance(encrypted, Unresolved):
        return Verdict(
            Outcome.UNKNOWN,
            f"{where}: StorageEncrypted is unknown ({encrypted.reason})",
            path=("Properties", "StorageEncrypted"),
        )
    if str(encrypted).lower() != "true":
        shown = "not set" if encrypted is None else str(encrypted).lower()
        return Verdict(
            Outcome.FAILED,
            f"{where}: StorageEncrypted is {shown}; set it to true with KmsKeyId naming the environment's KMS key",
            path=("Properties",),
        )
    if properties.get("KmsKeyId") is None:
        return Verdict(
            Outcome.FAILED,
            f"{where}: encrypted with the AWS managed key; set KmsKeyId to the environment's customer managed KMS key",
            path=("Properties",),
        )
    return Verdict(
        Outcome.PASSED,
        f"{where}: StorageEncrypted with the KMS key in KmsKeyId",
        path=("Properties", "StorageEncrypted"),
    )


def _bucket(logical_id: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    where = f"Bucket `{logical_id}`"
    path = ("Properties", "BucketEncryption", "ServerSideEncryptionConfiguration")
    encryption = view.value(properties.get("BucketEncryption"))
    rules = encryption.get("ServerSideEncryptionConfiguration") if isinstance(encryption, Mapping) else None
    if isinstance(encryption, Unresolved) or isinstance(rules, Unresolved):
        return Verdict(Outcome.UNKNOWN, f"{where}: BucketEncryption is decided at deploy time", path=path)
    algorithms = [
        ((r.get("ServerSideEncryptionByDefault") or {}).get("SSEAlgorithm") if isinstance(r, Mapping) else None)
        for r in as_list(rules)
    ]
    good = [a for a in algorithms if a in S3_ALGORITHMS]
    if good:
        return Verdict(Outcome.PASSED, f"{where}: default encryption {good[0]}", path=path)
    if any(isinstance(a, Unresolved) for a in algorithms):
        return Verdict(Outcome.UNKNOWN, f"{where}: SSEAlgorithm is decided at deploy time", path=path)
    return Verdict(
        Outcome.FAILED,
        f"{where}: no default encryption in BucketEncryption; set SSEAlgorithm AES256 or "
        "aws:kms (CDK: encryption=BucketEncryption.S3_MANAGED or KMS)",
        path=("Properties",),
    )


class EncryptionAtRest(custom.ResourceCheck):
    """checkov check CKV_TAP_3; logic in ``evaluate``."""

    id = "CKV_TAP_3"
    outcome = (
        "Ensure data at rest is encrypted: RDS with a customer managed KMS key, S3 default encryption, "
        "SNS topics and log groups with a KMS key"
    )
    description = (
        "Payment data lives in the databases; alarm payloads, VPC flow logs and container logs carry account, "
        "address and request metadata. The organisation requires every RDS instance or cluster to encrypt "
        "storage with a customer managed key (so access and deletion follow the key policy), every S3 bucket "
        "to declare default encryption, and every SNS topic and CloudWatch Logs log group, in every stack, to "
        "use a KMS key."
    )
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html"
    resource_types = (
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::S3::Bucket",
        "AWS::SNS::Topic",
        "AWS::Logs::LogGroup",
    )
    categories = (CheckCategories.ENCRYPTION,)
    evaluate = staticmethod(evaluate)
    live_resource_types = resource_types


check = EncryptionAtRest()
