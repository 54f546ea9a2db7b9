"""Normalize AWS identifiers that arrive in several spellings (ARN or name, prefixed or bare, any case) to one form.

One module per identifier family lives in ``stackcheck.aws.ids``; this module gathers them (the
names callers import) and holds CloudWatch Logs log group names.
"""

from __future__ import annotations

import re

from stackcheck.aws.arn import is_arn, parse_arn
from stackcheck.aws.ids.dns import dns_name, is_hostname, same_dns_name, split_endpoint, zone_name
from stackcheck.aws.ids.ecs import EcsServiceRef, ecs_cluster_name, ecs_service, ecs_task, same_ecs_service
from stackcheck.aws.ids.iam import IamRoleRef, iam_role, iam_role_name, same_iam_role
from stackcheck.aws.ids.kms import KmsKeyRef, kms_key, kms_key_arn, same_kms_key
from stackcheck.aws.ids.match import Match
from stackcheck.aws.ids.rds import DEFAULT_PORTS, RdsEndpoint, default_port, rds_endpoint, same_rds_endpoint
from stackcheck.aws.ids.route53 import Route53Id, change_id, delegation_set_id, hosted_zone_id, route53_id
from stackcheck.aws.ids.s3 import S3Ref, bucket_name, is_bucket_name, s3_ref, same_bucket
from stackcheck.aws.ids.secrets import SecretRef, full_secret_arn, same_secret, secret_name, secret_ref
from stackcheck.errors import IdentifierError

__all__ = [
    "DEFAULT_PORTS",
    "EcsServiceRef",
    "IamRoleRef",
    "KmsKeyRef",
    "Match",
    "RdsEndpoint",
    "Route53Id",
    "S3Ref",
    "SecretRef",
    "bucket_name",
    "change_id",
    "default_port",
    "delegation_set_id",
    "dns_name",
    "ecs_cluster_name",
    "ecs_service",
    "ecs_task",
    "full_secret_arn",
    "hosted_zone_id",
    "iam_role",
    "iam_role_name",
    "is_bucket_name",
    "is_hostname",
    "kms_key",
    "kms_key_arn",
    "log_group_name",
    "rds_endpoint",
    "route53_id",
    "s3_ref",
    "same_bucket",
    "same_dns_name",
    "same_ecs_service",
    "same_iam_role",
    "same_kms_key",
    "same_rds_endpoint",
    "same_secret",
    "secret_name",
    "secret_ref",
    "split_endpoint",
    "zone_name",
]

_LOG_GROUP = re.compile(r"^[\w./#-]{1,512}$")


def log_group_name(value: str) -> str:
    """The log group name of a name or a log group ARN (with or without the trailing ``:*``).

    https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogGroup.html: ``arn``
    ends in ``:*``, ``logGroupArn`` does not.
    """
    if is_arn(value):
        arn = parse_arn(value)
        if arn.service != "logs" or arn.resource_type != "log-group":
            raise IdentifierError(f"{value!r} is not a CloudWatch Logs log group ARN")
        value = arn.resource_id.removesuffix(":*")
    if not _LOG_GROUP.match(value):
        raise IdentifierError(f"{value!r} is not a valid log group name")
    return value
