"""Read S3 and IAM API responses at the documented nesting level; documented "not configured" errors become results."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import ClientError

from stackcheck.aws.retry import error_code
from stackcheck.errors import BadInputError

__all__ = [
    "DefaultEncryption",
    "EncryptionKind",
    "EncryptionRule",
    "EncryptionVerdict",
    "PublicAccessBlock",
    "bucket_default_encryption",
    "bucket_encryption_verdict",
    "bucket_policy",
    "bucket_public_access_block",
    "bucket_region",
    "denies_insecure_transport",
    "encryption_verdict",
    "head_bucket_region",
    "iam_policy_document",
    "parse_bucket_encryption",
    "parse_bucket_region",
    "parse_public_access_block",
    "versioning_status",
]

NO_DEFAULT_ENCRYPTION = "ServerSideEncryptionConfigurationNotFoundError"
NO_PUBLIC_ACCESS_BLOCK = "NoSuchPublicAccessBlockConfiguration"
NO_BUCKET_POLICY = "NoSuchBucketPolicy"


@dataclass(frozen=True)
class EncryptionRule:
    """One ``ServerSideEncryptionRule``: ``algorithm`` is None when the rule sets only BucketKeyEnabled."""

    algorithm: str | None
    kms_master_key_id: str | None = None
    bucket_key_enabled: bool = False


@dataclass(frozen=True)
class DefaultEncryption:
    """A bucket's default encryption: no rules means no default encryption configured."""

    rules: tuple[EncryptionRule, ...] = ()

    @property
    def algorithms(self) -> frozenset[str]:
        """The SSE algorithms the rules name (``AES256``, ``aws:kms``, ``aws:kms:dsse``)."""
        return frozenset(r.algorithm for r in self.rules if r.algorithm)

    @property
    def kms_master_key_ids(self) -> frozenset[str]:
        """The KMS key IDs or ARNs the rules name."""
        return frozenset(r.kms_master_key_id for r in self.rules if r.kms_master_key_id)

    @property
    def enabled(self) -> bool:
        """True when at least one rule names an algorithm."""
        return bool(self.algorithms)


def parse_bucket_encryption(response: Mapping[str, Any]) -> DefaultEncryption:
    """Parse a GetBucketEncryption response.

    Shape (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html):
    ``{"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault":
    {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "..."}, "BucketKeyEnabled": true}]}}``.
    A rule holding only ``BucketKeyEnabled`` has no algorithm. Missing levels read as no rules.
    """
    config = response.get("ServerSideEncryptionConfiguration") or {}
    rules = []
    for rule in config.get("Rules") or []:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        rules.append(
            EncryptionRule(
                algorithm=default.get("SSEAlgorithm") or None,
                kms_master_key_id=default.get("KMSMasterKeyID") or None,
                bucket_key_enabled=bool(rule.get("BucketKeyEnabled", False)),
            )
        )
    return DefaultEncryption(tuple(rules))


def bucket_default_encryption(s3: Any, bucket: str) -> DefaultEncryption:
    """Call GetBucketEncryption on ``bucket``; ``ServerSideEncryptionConfigurationNotFoundError``
    gives ``DefaultEncryption(rules=())`` (no default encryption), other ClientErrors propagate."""
    try:
        return parse_bucket_encryption(s3.get_bucket_encryption(Bucket=bucket))
    except ClientError as exc:
        if error_code(exc) == NO_DEFAULT_ENCRYPTION:
            return DefaultEncryption()
        raise


class EncryptionKind(str, Enum):
    """What a bucket's default encryption is, as far as GetBucketEncryption tells."""

    SSE_S3 = "SSE-S3"
    SSE_KMS = "SSE-KMS"
    DSSE_KMS = "DSSE-KMS"
    NONE = "none"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class EncryptionVerdict:
    """A bucket's default encryption verdict.

    ``kind`` is SSE-S3 (``AES256``), SSE-KMS (``aws:kms``; ``kms_key_id`` None means the AWS
    managed key ``aws/s3``), DSSE-KMS (``aws:kms:dsse``), none (no configuration, or a rule with
    only ``BucketKeyEnabled``) or unreadable (the call failed: ``error_code`` says why, e.g.
    AccessDenied; never read as "not encrypted"). ``reason`` is a sentence a check can show.
    """

    kind: EncryptionKind
    kms_key_id: str | None = None
    bucket_key_enabled: bool = False
    error_code: str | None = None
    reason: str = ""


_ALGORITHMS = {
    "AES256": EncryptionKind.SSE_S3,
    "aws:kms": EncryptionKind.SSE_KMS,
    "aws:kms:dsse": EncryptionKind.DSSE_KMS,
}


def encryption_verdict(answer: Mapping[str, Any] | ClientError) -> EncryptionVerdict:
    """The verdict of a GetBucketEncryption answer or of the ClientError it raised.

    https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html: the answer holds
    ``ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault`` with
    ``SSEAlgorithm`` and, for KMS, ``KMSMasterKeyID``. ``ServerSideEncryptionConfigurationNotFoundError``
    means none; any other error (AccessDenied, NoSuchBucket, throttling) is unreadable with its
    code. A raw error response (``{"Error": {"Code": ...}}``) counts as its error.
    """
    if isinstance(answer, ClientError):
        code: str | None = error_code(answer)
    elif isinstance(answer, Mapping) and isinstance(answer.get("Error"), Mapping):
        code = str(answer["Error"].get("Code") or "") or None
    else:
        code = None
    if code == NO_DEFAULT_ENCRYPTION:
        return EncryptionVerdict(EncryptionKind.NONE, reason="no default encryption configuration")
    if code is not None or isinstance(answer, ClientError):
        return EncryptionVerdict(
            EncryptionKind.UNREADABLE, error_code=code, reason=f"GetBucketEncryption failed with {code or 'an error'}"
        )
    encryption = parse_bucket_encryption(answer)
    for rule in encryption.rules:
        if rule.algorithm is None:
            continue
        kind = _ALGORITHMS.get(rule.algorithm)
        if kind is None:
            return EncryptionVerdict(EncryptionKind.UNREADABLE, reason=f"unknown SSEAlgorithm {rule.algorithm!r}")
        key = rule.kms_master_key_id if kind is not EncryptionKind.SSE_S3 else None
        why = {
            EncryptionKind.SSE_S3: "SSE-S3 (AES256)",
            EncryptionKind.SSE_KMS: f"SSE-KMS with {key or 'the AWS managed key aws/s3'}",
            EncryptionKind.DSSE_KMS: f"DSSE-KMS with {key or 'the AWS managed key aws/s3'}",
        }[kind]
        return EncryptionVerdict(kind, key, rule.bucket_key_enabled, reason=why)
    if encryption.rules:
        return EncryptionVerdict(
            EncryptionKind.NONE,
            bucket_key_enabled=any(r.bucket_key_enabled for r in encryption.rules),
            reason="rules set no SSEAlgorithm (only BucketKeyEnabled)",
        )
    return EncryptionVerdict(EncryptionKind.NONE, reason="no encryption rules")


def bucket_encryption_verdict(s3: Any, bucket: str) -> EncryptionVerdict:
    """Call GetBucketEncryption on ``bucket`` and return its verdict; a ClientError becomes a verdict, never raises."""
    try:
        return encryption_verdict(s3.get_bucket_encryption(Bucket=bucket))
    except ClientError as exc:
        return encryption_verdict(exc)


def head_bucket_region(answer: Mapping[str, Any] | ClientError) -> str | None:
    """The bucket region a HeadBucket answer (or the ClientError it raised) carries, else None.

    https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html: ``BucketRegion`` in the
    answer (the ``x-amz-bucket-region`` header), sent also with 301 and 403 errors, so the region
    is known even without access. AWS recommends HeadBucket over GetBucketLocation for this.
    """
    response = answer.response if isinstance(answer, ClientError) else answer
    region = response.get("BucketRegion") if isinstance(response, Mapping) else None
    if not region:
        headers = ((response or {}).get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
        region = next((v for k, v in headers.items() if k.lower() == "x-amz-bucket-region"), None)
    return str(region) if region else None


def parse_bucket_region(response: Mapping[str, Any]) -> str:
    """The region of a HeadBucket or GetBucketLocation response.

    HeadBucket's region (``head_bucket_region``) first. Else GetBucketLocation's
    ``LocationConstraint`` (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html):
    a bucket in us-east-1 has a null one (boto3 gives None, some emulators ""), and the legacy
    value ``EU`` means eu-west-1.
    """
    region = head_bucket_region(response)
    if region:
        return region
    constraint = response.get("LocationConstraint")
    if not constraint:
        return "us-east-1"
    if constraint == "EU":
        return "eu-west-1"
    return str(constraint)


def bucket_region(s3: Any, bucket: str) -> str:
    """The region of ``bucket``: HeadBucket's ``BucketRegion`` (also on a 301/403 error), then
    GetBucketLocation (see ``parse_bucket_region``) when HeadBucket carries none. A HeadBucket
    error without a region (404 NoSuchBucket) propagates."""
    try:
        region = head_bucket_region(s3.head_bucket(Bucket=bucket))
    except ClientError as exc:
        region = head_bucket_region(exc)
        if region is None:
            raise
    if region:
        return region
    return parse_bucket_region(s3.get_bucket_location(Bucket=bucket))


@dataclass(frozen=True)
class PublicAccessBlock:
    """The four S3 Block Public Access settings; absent settings are False."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False

    @property
    def all_on(self) -> bool:
        """True when all four settings are on."""
        return all(
            (self.block_public_acls, self.ignore_public_acls, self.block_public_policy, self.restrict_public_buckets)
        )


def parse_public_access_block(response: Mapping[str, Any]) -> PublicAccessBlock:
    """Parse a GetPublicAccessBlock response.

    Shape (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetPublicAccessBlock.html):
    ``{"PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "IgnorePublicAcls": true,
    "BlockPublicPolicy": true, "RestrictPublicBuckets": true}}``.
    """
    config = response.get("PublicAccessBlockConfiguration") or {}
    return PublicAccessBlock(
        block_public_acls=config.get("BlockPublicAcls") is True,
        ignore_public_acls=config.get("IgnorePublicAcls") is True,
        block_public_policy=config.get("BlockPublicPolicy") is True,
        restrict_public_buckets=config.get("RestrictPublicBuckets") is True,
    )


def bucket_public_access_block(s3: Any, bucket: str) -> PublicAccessBlock:
    """Call GetPublicAccessBlock on ``bucket``; ``NoSuchPublicAccessBlockConfiguration`` gives all
    four settings off. Other ClientErrors propagate."""
    try:
        return parse_public_access_block(s3.get_public_access_block(Bucket=bucket))
    except ClientError as exc:
        if error_code(exc) == NO_PUBLIC_ACCESS_BLOCK:
            return PublicAccessBlock()
        raise


def versioning_status(response: Mapping[str, Any]) -> str | None:
    """``"Enabled"``, ``"Suspended"`` or None (versioning never enabled) from a GetBucketVersioning response.

    https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html: "If the bucket
    has never been enabled, no Status is returned" (``{"Status": "Enabled", "MFADelete": "Disabled"}``).
    """
    return response.get("Status") or None


def bucket_policy(s3: Any, bucket: str) -> dict[str, Any] | None:
    """The bucket's policy document as a dict, or None when ``NoSuchBucketPolicy``.

    GetBucketPolicy returns the document as a JSON string in ``Policy``
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html).
    """
    try:
        response = s3.get_bucket_policy(Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) == NO_BUCKET_POLICY:
            return None
        raise
    return _policy_document(response)


def _policy_document(policy: Any) -> dict[str, Any]:
    if isinstance(policy, Mapping) and "Policy" in policy and "Statement" not in policy:
        policy = policy["Policy"]
    if isinstance(policy, (str, bytes)):
        try:
            policy = json.loads(policy)
        except json.JSONDecodeError as exc:
            raise BadInputError(f"bucket policy is not valid JSON: {exc.msg}") from None
    if not isinstance(policy, Mapping):
        raise BadInputError(f"bucket policy must be a JSON object, got {type(policy).__name__}")
    return dict(policy)


def iam_policy_document(document: Any, what: str = "IAM policy document") -> dict[str, Any]:
    """An IAM policy document from an IAM API answer, as a dict.

    IAM returns policy documents (GetRolePolicy's ``PolicyDocument``, GetPolicyVersion's
    ``Document``, GetRole's ``AssumeRolePolicyDocument``) as URL-encoded JSON strings
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html); boto3 decodes
    them into dicts, a raw answer does not. Takes either (a dict is returned as a copy). Raises
    BadInputError naming ``what`` ("policy `admin` of role app-role") when the text is not a JSON
    object.
    """
    if isinstance(document, bytes):
        document = document.decode("utf-8")
    if isinstance(document, str):
        try:
            document = json.loads(unquote(document))
        except json.JSONDecodeError as exc:
            raise BadInputError(f"{what} is not URL-encoded JSON: {exc.msg}") from None
    if not isinstance(document, Mapping):
        raise BadInputError(f"{what} must be a JSON object, got {type(document).__name__}")
    return dict(document)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _is_false(value: Any) -> bool:
    return any(v is False or (isinstance(v, str) and v.lower() == "false") for v in _as_list(value))


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return "*" in _as_list(principal.get("AWS"))
    return False


def _covers(resources: list[Any], arns: set[str]) -> bool:
    if "*" in resources:
        return True
    return arns <= {r for r in resources if isinstance(r, str)}


def denies_insecure_transport(policy: Any, bucket: str | None = None) -> bool:
    """True when the policy denies every S3 action to everyone over plain HTTP.

    ``policy`` is a GetBucketPolicy response, its JSON ``Policy`` string, or the parsed document.
    A statement counts when ``Effect`` is Deny, ``Principal`` is ``*`` or ``{"AWS": "*"}``,
    ``Action`` (string or list) holds ``s3:*`` or ``*``, and ``Condition`` has ``Bool`` (or
    ``BoolIfExists``) ``aws:SecureTransport`` false (string ``"false"`` or boolean, alone or in a
    list). ``Statement`` may be a list or a single object; keys compare case-insensitively as
    IAM does. With ``bucket``, ``Resource`` must also cover the bucket ARN and ``bucket/*``
    (or ``*``). See https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
    and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Boolean.
    """
    document = _policy_document(policy)
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Deny":
            continue
        if not _everyone(statement.get("Principal")):
            continue
        actions = {str(a).lower() for a in _as_list(statement.get("Action"))}
        if not actions & {"s3:*", "*"}:
            continue
        condition = statement.get("Condition") or {}
        secure = [
            value
            for operator, block in condition.items()
            if operator.lower() in {"bool", "boolifexists"} and isinstance(block, Mapping)
            for key, value in block.items()
            if key.lower() == "aws:securetransport"
        ]
        if not any(_is_false(v) for v in secure):
            continue
        if bucket is not None:
            arns = {f"arn:{p}:s3:::{bucket}" for p in _partitions(statement)}
            wanted_sets = [{a, a + "/*"} for a in arns]
            resources = _as_list(statement.get("Resource"))
            if not any(_covers(resources, wanted) for wanted in wanted_sets):
                continue
        return True
    return False


def _partitions(statement: Mapping[str, Any]) -> set[str]:
    found = {
        r.split(":", 2)[1]
        for r in _as_list(statement.get("Resource"))
        if isinstance(r, str) and r.startswith("arn:") and r.count(":") >= 2
    }
    return found or {"aws"}
