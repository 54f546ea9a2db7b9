"""S3 for the emulator: an AWS::S3::BucketPolicy model and the bucket properties moto's AWS::S3::Bucket drops."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model, patch, relies_on

__all__ = ["BucketPolicy", "api_lifecycle_rule"]

BUCKET_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html"
BUCKET_POLICY_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucketpolicy.html"
)
BLOCK_PUBLIC_ACCESS_DOC = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
)

relies_on("moto.s3.models", "s3_backends")
relies_on("moto.s3.models", "S3Backend.put_bucket_policy", params=("bucket_name", "policy"))
relies_on("moto.s3.models", "S3Backend.delete_bucket_policy", params=("bucket_name",))
relies_on("moto.s3.models", "S3Backend.put_bucket_versioning", params=("bucket_name", "status"))
relies_on("moto.s3.models", "S3Backend.put_public_access_block", params=("bucket_name", "pub_block_config"))
relies_on("moto.s3.models", "S3Backend.put_bucket_encryption", params=("bucket_name", "encryption"))
relies_on("moto.s3.models", "S3Backend.get_bucket_encryption", params=("bucket_name",))
relies_on("moto.s3.models", "S3Backend.put_bucket_ownership_controls", params=("bucket_name", "ownership"))
relies_on("moto.s3.models", "FakeBucket.set_lifecycle", params=("rules",))
relies_on("moto.s3.models", "FakeBucket.__init__", assigns=("logging", "name"))
relies_on("moto.utilities.utils", "get_partition")

_PUBLIC_ACCESS_BLOCK_KEYS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
# A new bucket's settings in AWS when its creator sets none (see ``new_bucket_defaults``).
DEFAULT_PUBLIC_ACCESS_BLOCK = dict.fromkeys(_PUBLIC_ACCESS_BLOCK_KEYS, True)


def _backend(account_id: str, region_name: str) -> Any:
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    return s3_backends[account_id][get_partition(region_name)]


@extended_model
class BucketPolicy(ExtensionModel, CloudFormationModel):
    """AWS::S3::BucketPolicy: puts ``PolicyDocument`` on ``Bucket`` through moto's S3 backend, so
    GetBucketPolicy answers it. Ref is the bucket name.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucketpolicy.html
    """

    CFN_TYPE = "AWS::S3::BucketPolicy"
    PHYSICAL_ID = "bucket_name"

    def __init__(self, bucket_name: str, document: dict[str, Any]):
        self.bucket_name = bucket_name
        self.document = document

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> BucketPolicy:
        properties = cloudformation_json.get("Properties", {})
        bucket = properties["Bucket"]
        document = properties["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        _backend(account_id, region_name).put_bucket_policy(bucket, json.dumps(document).encode())
        return cls(bucket, document)

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        bucket = (cloudformation_json.get("Properties") or {}).get("Bucket", resource_name)
        _backend(account_id, region_name).delete_bucket_policy(bucket)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_bucket_policy(self.bucket_name)


@patch(
    "moto.s3.models",
    "FakeBucket.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::S3::Bucket",
    adds=(
        "VersioningConfiguration",
        "PublicAccessBlockConfiguration",
        "OwnershipControls",
        "LifecycleConfiguration",
        "LoggingConfiguration",
    ),
    doc_url=BUCKET_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_bucket(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto creates the bucket with its encryption (this keeps the rule's ``BucketKeyEnabled``,
    which moto drops) and tags; this applies the rest of what post-deploy checks read: versioning
    status, the four public access block flags (an omitted flag is false, as in AWS; a template
    without ``PublicAccessBlockConfiguration`` keeps the new-bucket default, ``new_bucket_defaults``),
    object ownership, lifecycle rules and server access logging (to ``DestinationBucketName``, or
    the bucket itself when omitted, as in AWS).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html
    """
    bucket = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    properties = cloudformation_json.get("Properties", {})
    backend = _backend(account_id, region_name)
    encryption_rules = (properties.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration") or []
    if encryption_rules and encryption_rules[0].get("BucketKeyEnabled") is not None:
        # moto's own BucketEncryption conversion keeps the algorithm and key but drops BucketKeyEnabled.
        encryption = backend.get_bucket_encryption(bucket.name)
        encryption["Rule"]["BucketKeyEnabled"] = str(encryption_rules[0]["BucketKeyEnabled"]).lower() == "true"
    versioning = (properties.get("VersioningConfiguration") or {}).get("Status")
    if versioning:
        backend.put_bucket_versioning(bucket.name, versioning)
    block = properties.get("PublicAccessBlockConfiguration")
    if block is not None:
        flags = {key: str(block.get(key, False)).lower() == "true" for key in _PUBLIC_ACCESS_BLOCK_KEYS}
        backend.put_public_access_block(bucket.name, flags)
    rules = (properties.get("OwnershipControls") or {}).get("Rules") or []
    if rules and rules[0].get("ObjectOwnership"):
        backend.put_bucket_ownership_controls(bucket.name, rules[0]["ObjectOwnership"])
    lifecycle = (properties.get("LifecycleConfiguration") or {}).get("Rules")
    if lifecycle:
        bucket.set_lifecycle([api_lifecycle_rule(rule) for rule in lifecycle])
    logging = properties.get("LoggingConfiguration")
    if logging is not None:
        # Set as S3 records it; moto's PutBucketLogging would demand the log-delivery grant from a
        # bucket policy this template creates only after the bucket.
        bucket.logging = {
            "TargetBucket": logging.get("DestinationBucketName") or bucket.name,
            "TargetPrefix": logging.get("LogFilePrefix", ""),
        }
    return bucket


@patch(
    "moto.s3.models",
    "S3Backend.create_bucket",
    kind="method",
    resource_type="AWS::S3::Bucket",
    adds=("new-bucket defaults: Block Public Access all four true, default encryption SSE-S3",),
    doc_url=BLOCK_PUBLIC_ACCESS_DOC,
    params=("bucket_name", "region_name"),
)
def new_bucket_defaults(original: Callable[..., Any], backend: Any, bucket_name: str, *args: Any, **kwargs: Any) -> Any:
    """Every bucket moto creates (CreateBucket, and AWS::S3::Bucket, which creates through this)
    starts with the settings AWS gives a new bucket whose creator sets none: Block Public Access
    with all four flags true (the default for new buckets since April 2023, whether made by the
    API, the SDKs or CloudFormation: GetPublicAccessBlock answers them, not
    NoSuchPublicAccessBlockConfiguration) and default encryption SSE-S3 (``AES256``,
    ``BucketKeyEnabled`` false; every bucket since January 2023: GetBucketEncryption answers it,
    not ServerSideEncryptionConfigurationNotFoundError). What the creator sets afterwards (a
    template's ``PublicAccessBlockConfiguration`` or ``BucketEncryption``, PutPublicAccessBlock,
    PutBucketEncryption) replaces them. A bucket that already exists (us-east-1's idempotent
    CreateBucket) is left as it is: moto raises before creating.

    Follows https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html,
    https://aws.amazon.com/blogs/aws/heads-up-amazon-s3-security-changes-are-coming-in-april-of-2023/,
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html and
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html
    """
    bucket = original(bucket_name, *args, **kwargs)
    backend.put_public_access_block(bucket.name, dict(DEFAULT_PUBLIC_ACCESS_BLOCK))
    backend.put_bucket_encryption(bucket.name, _sse_s3())
    return bucket


def _sse_s3() -> dict[str, Any]:
    """SSE-S3 as moto's PutBucketEncryption stores it (one ``Rule``), fresh each time: moto keeps the dict."""
    return {"Rule": {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}}


@patch(
    "moto.s3.models",
    "S3Backend.delete_bucket_encryption",
    kind="method",
    resource_type="AWS::S3::Bucket",
    adds=("DeleteBucketEncryption resets the bucket to SSE-S3",),
    doc_url="https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketEncryption.html",
    params=("bucket_name",),
)
def delete_resets_to_sse_s3(original: Callable[..., Any], backend: Any, bucket_name: str) -> None:
    """DeleteBucketEncryption leaves the bucket on SSE-S3 (``AES256``, ``BucketKeyEnabled`` false), as AWS
    does ("resets the default encryption for the bucket as server-side encryption with Amazon S3 managed
    keys (SSE-S3)"); moto removed the configuration, which AWS no longer allows.

    Follows https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketEncryption.html
    """
    original(bucket_name)
    backend.put_bucket_encryption(bucket_name, _sse_s3())


def api_lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """One CloudFormation lifecycle ``Rule`` → the S3 API (PutBucketLifecycleConfiguration) shape moto parses.

    ``ExpirationInDays``/``ExpirationDate``/``ExpiredObjectDeleteMarker`` → ``Expiration``;
    ``Transitions`` (``TransitionInDays``/``TransitionDate``) → ``Transition``;
    ``NoncurrentVersionTransitions`` → ``NoncurrentVersionTransition``; ``Prefix``/``TagFilters``
    → ``Filter`` (an empty prefix when neither is given, which the API needs).
    """
    api: dict[str, Any] = {"Status": rule["Status"]}
    if rule.get("Id"):
        api["ID"] = rule["Id"]
    tags = [{"Key": t["Key"], "Value": t["Value"]} for t in rule.get("TagFilters") or []]
    if tags:
        api["Filter"] = {"And": {"Prefix": rule.get("Prefix", ""), "Tag": tags}}
    else:
        api["Filter"] = {"Prefix": rule.get("Prefix", "")}
    expiration = {}
    if rule.get("ExpirationInDays") is not None:
        expiration["Days"] = str(rule["ExpirationInDays"])
    if rule.get("ExpirationDate"):
        expiration["Date"] = rule["ExpirationDate"]
    if rule.get("ExpiredObjectDeleteMarker") is not None:
        expiration["ExpiredObjectDeleteMarker"] = str(rule["ExpiredObjectDeleteMarker"]).lower()
    if expiration:
        api["Expiration"] = expiration
    noncurrent = dict(rule.get("NoncurrentVersionExpiration") or {})
    if rule.get("NoncurrentVersionExpirationInDays") is not None:
        noncurrent["NoncurrentDays"] = rule["NoncurrentVersionExpirationInDays"]
    if noncurrent:
        api["NoncurrentVersionExpiration"] = {k: str(v) for k, v in noncurrent.items()}
    transitions = list(rule.get("Transitions") or []) + ([rule["Transition"]] if rule.get("Transition") else [])
    if transitions:
        api["Transition"] = [
            {
                "StorageClass": t["StorageClass"],
                **({"Days": str(t["TransitionInDays"])} if t.get("TransitionInDays") is not None else {}),
                **({"Date": t["TransitionDate"]} if t.get("TransitionDate") else {}),
            }
            for t in transitions
        ]
    noncurrent_transitions = list(rule.get("NoncurrentVersionTransitions") or []) + (
        [rule["NoncurrentVersionTransition"]] if rule.get("NoncurrentVersionTransition") else []
    )
    if noncurrent_transitions:
        api["NoncurrentVersionTransition"] = [
            {
                "StorageClass": t["StorageClass"],
                "NoncurrentDays": str(t["TransitionInDays"]),
                **(
                    {"NewerNoncurrentVersions": str(t["NewerNoncurrentVersions"])}
                    if t.get("NewerNoncurrentVersions") is not None
                    else {}
                ),
            }
            for t in noncurrent_transitions
        ]
    if rule.get("AbortIncompleteMultipartUpload"):
        api["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": str(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        }
    return api
