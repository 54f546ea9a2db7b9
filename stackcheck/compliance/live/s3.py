"""Live-state readers for Amazon S3: each reads one resource type's properties through the API."""

from __future__ import annotations

import json
from typing import Any

from stackcheck.aws.parsers import (
    parse_bucket_encryption,
    parse_public_access_block,
    versioning_status,
)
from stackcheck.compliance.deployed import DeployedResource
from stackcheck.compliance.live.base import Builder, LiveResource, drop_none
from stackcheck.scan.policy import TemplateView


class S3Readers(Builder):
    """Readers of Amazon S3 resources (mixed into the live template builder)."""

    def bucket(self, resource: LiveResource) -> dict[str, Any]:
        """S3 bucket: GetBucketEncryption, GetPublicAccessBlock, GetBucketAcl (``AccessControl``, ``canned_acl``),
        GetBucketVersioning, GetBucketPolicy
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
                    "ServerSideEncryptionByDefault": drop_none(
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
        acl = self.call(resource, "s3", "get_bucket_acl", prop="AccessControl", Bucket=name)
        props["AccessControl"] = canned_acl(acl.get("Grants") or [], self.declared(resource).get("AccessControl"))
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

    def bucket_notifications(self, resource: LiveResource) -> dict[str, Any]:
        """CDK's ``Custom::S3BucketNotifications`` (the custom resource ``Bucket.add_event_notification`` makes):
        GetBucketNotificationConfiguration
        (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketNotificationConfiguration.html) of the bucket
        its ``BucketName`` names, as its properties ``BucketName`` and ``NotificationConfiguration``:
        ``QueueConfigurations``, ``TopicConfigurations`` and ``LambdaFunctionConfigurations`` (each a list, empty
        when there is none), each item with its ``Events``, ``Filter`` and destination ARN (the ``Id`` S3 gives
        each is left out; filter rule names lower case, as S3 documents them: ``prefix``, ``suffix``), and
        ``EventBridgeConfiguration``. Its
        ``ServiceToken`` and ``Managed`` (whether CDK owns the whole configuration) are not read."""
        bucket = self.declared_id(resource, "BucketName")
        if bucket is None:
            raise ValueError("its BucketName names no bucket of the stack, nor a literal name")
        answer = self.call(
            resource,
            "s3",
            "get_bucket_notification_configuration",
            prop="NotificationConfiguration",
            Bucket=bucket,
        )
        configuration: dict[str, Any] = {}
        for kind, target in _NOTIFICATION_TARGETS.items():
            items = [
                drop_none(
                    {
                        "Events": item.get("Events"),
                        "Filter": _lower_filter(item.get("Filter")),
                        target: item.get(target),
                    }
                )
                for item in answer.get(kind) or []
            ]
            configuration[kind] = items  # empty when none: a declared destination removed is then drift
        if "EventBridgeConfiguration" in answer:
            configuration["EventBridgeConfiguration"] = {}
        return {"BucketName": bucket, "NotificationConfiguration": configuration}

    def _bucket_policy_key(self, bucket: LiveResource) -> tuple[str, DeployedResource | None]:
        """The logical ID of the stack's bucket policy for ``bucket``, else ``<bucket key>/Policy``."""
        if bucket.owner is not None and bucket.owner.stack == self.stack.artifact_id:
            view = TemplateView(self.stack.artifact.template)
            for lid in view.of_type("AWS::S3::BucketPolicy"):
                if view.target(view.properties(lid).get("Bucket")) == bucket.key:
                    return lid, self.stack.resource(lid)
        return f"{bucket.key}/Policy", None


_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "all",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "authenticated",
    "http://acs.amazonaws.com/groups/s3/LogDelivery": "log-delivery",
}


PRIVATE_ON_A_BUCKET = frozenset({"BucketOwnerRead", "BucketOwnerFullControl", "AwsExecRead"})
"""Canned ACLs that give a bucket the grants of ``Private``: S3 ignores ``bucket-owner-read`` and
``bucket-owner-full-control`` on a bucket, and ``aws-exec-read`` grants one account (EC2's), not a group
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl)."""


def canned_acl(grants: list[dict[str, Any]], declared: Any = None) -> str:
    """The CloudFormation ``AccessControl`` (canned ACL) that a GetBucketAcl answer's ``Grants`` give the
    predefined groups: ``PublicReadWrite`` when everyone may write, ``PublicRead`` when everyone may read,
    ``AuthenticatedRead``, ``LogDeliveryWrite``, else ``Private``; grants to single accounts are not a canned
    ACL's and do not change the answer
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl). Where the template
    ``declared`` one of PRIVATE_ON_A_BUCKET and the grants are ``Private``'s, the answer is the declared one:
    on a bucket the two are the same ACL."""
    given: dict[str, set[str]] = {}
    for grant in grants:
        grantee = grant.get("Grantee") or {}
        group = _GROUPS.get(str(grantee.get("URI", "")))
        if group is not None:
            given.setdefault(group, set()).add(str(grant.get("Permission", "")))
    everyone = given.get("all", set())
    if everyone & {"WRITE", "FULL_CONTROL"}:
        return "PublicReadWrite"
    if everyone & {"READ"}:
        return "PublicRead"
    if given.get("authenticated", set()) & {"READ", "FULL_CONTROL"}:
        return "AuthenticatedRead"
    if given.get("log-delivery", set()) & {"WRITE", "FULL_CONTROL"}:
        return "LogDeliveryWrite"
    return declared if declared in PRIVATE_ON_A_BUCKET else "Private"


_NOTIFICATION_TARGETS = {
    "QueueConfigurations": "QueueArn",
    "TopicConfigurations": "TopicArn",
    "LambdaFunctionConfigurations": "LambdaFunctionArn",
}
"""GetBucketNotificationConfiguration's lists, each with the key naming its destination."""


def _lower_filter(value: Any) -> Any:
    """A notification's ``Filter`` with each key filter rule's ``Name`` lower case (``Prefix`` → ``prefix``)."""
    if not isinstance(value, dict) or not isinstance(value.get("Key"), dict):
        return value
    rules = ((value.get("Key") or {}).get("FilterRules")) or []
    return {
        **value,
        "Key": {
            "FilterRules": [
                {**rule, "Name": str(rule.get("Name", "")).lower()} if isinstance(rule, dict) else rule
                for rule in rules
            ]
        },
    }
