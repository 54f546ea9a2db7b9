"""The kind registry as data: each kind of output value (an ARN, an ID, a DNS name, a port ...), the words its key carries and the shape its value must have."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stackcheck.aws import normalize
from stackcheck.aws.arn import Arn, is_arn, parse_arn
from stackcheck.errors import (
    IdentifierError,
)

# -- resolving ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


# CDK makes the logical ID of an output defined inside a construct from its construct path and an
# 8-character upper-case hex hash of that path (aws-cdk-lib's makeUniqueId:
# https://github.com/aws/aws-cdk/blob/main/packages/aws-cdk-lib/core/lib/private/uniqueid.ts).
_CDK_HASH = re.compile(r"(?<=[A-Za-z0-9])(?=[0-9A-F]{8}$)(?=.*[0-9])[0-9A-F]{8}$")
EXPORTS_PREFIX = "ExportsOutput"
"""Keys CDK writes for a value another stack imports (``ExportsOutputRefVpc8378EB38``,
``ExportsOutputFnGetAttDbEndpointAddress...``): matched like any key, ranked below the app's own outputs."""


def strip_cdk_hash(key: str) -> str:
    """``WebLoadBalancerDnsName3F1A9B2C`` → ``WebLoadBalancerDnsName``: the 8-hex hash CDK appends to the
    logical ID of an output inside a construct (only when the suffix holds a digit, so words survive)."""
    stripped = _CDK_HASH.sub("", key)
    return stripped or key


def key_words(text: str) -> tuple[str, ...]:
    """Lowercase words of an output key or stack name, CDK's hash suffix left out:
    ``SourceDbEndpointAddress`` → source, db, endpoint, address."""
    return tuple(t.lower() for t in _TOKEN.findall(strip_cdk_hash(text)))


def _arn_shape(service: str, resource_type: str, extra: Callable[[Arn], bool] | None = None) -> Callable[[str], bool]:
    def shape(value: str) -> bool:
        if not is_arn(value, service, resource_type):
            return False
        return extra(parse_arn(value)) if extra else True

    return shape


def _pattern(regex: str) -> Callable[[str], bool]:
    compiled = re.compile(regex)
    return lambda value: bool(compiled.match(value))


def _raises_not(fn: Callable[[str], Any]) -> Callable[[str], bool]:
    def shape(value: str) -> bool:
        try:
            fn(value)
        except IdentifierError:
            return False
        return True

    return shape


_S3_ENDPOINT = re.compile(r"\.s3[.-]|\.s3$|\.amazonaws\.com(\.cn)?$|://")


def _bucket_name(value: str) -> bool:
    """A bucket name, and not one of the bucket's endpoint host names (``b.s3.amazonaws.com``,
    ``b.s3.eu-west-1.amazonaws.com``, website endpoints) nor a URL, which also obey S3's naming rules."""
    return normalize.is_bucket_name(value) and not _S3_ENDPOINT.search(value)


def _port(value: str) -> bool:
    return value.isdigit() and 0 < int(value) < 65536


def _zone_name_shape(value: str) -> bool:
    return not value.startswith("arn:") and _raises_not(normalize.zone_name)(value) and "." in value.strip(".")


@dataclass(frozen=True)
class AttrSpec:
    """One attribute of a resource kind: the value's ``shape``, a ``describe`` phrase for messages
    ("an S3 bucket name"), the attribute words of keys that may hold it (``key_attrs``, default
    the attribute itself) and ``derive_from`` pairs (other attribute, function) used only when no
    output holds the attribute itself (bucket name from bucket ARN)."""

    shape: Callable[[str], bool]
    describe: str
    key_attrs: tuple[str, ...] = ()
    derive_from: tuple[tuple[str, Callable[[str], str]], ...] = ()


@dataclass(frozen=True)
class KindSpec:
    """One resource kind: alternative word sets an output key must contain (all words of one set,
    in any order) and its attributes."""

    label: str
    words: tuple[tuple[str, ...], ...]
    attrs: Mapping[str, AttrSpec]


ATTR_WORDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "name": (("name",),),
    "arn": (("arn",),),
    "id": (("id",), ("identifier",)),
    "endpoint": (("endpoint", "address"), ("endpoint",), ("address",), ("hostname",), ("host",)),
    "dns": (("dns", "name"), ("dns",)),
    "port": (("endpoint", "port"), ("port",)),
}
"""Words of an output key that say which attribute it holds."""

ROLE_WORDS: dict[str, tuple[str, ...]] = {"source": ("source",), "target": ("target",)}
"""Words of an output key (or its stack name) that say which environment it belongs to."""

_SG_ID = _pattern(r"^sg-[0-9a-f]{8,17}$")
_SG = {
    "id": AttrSpec(_SG_ID, "a security group ID (sg-...)", derive_from=(("arn", lambda v: parse_arn(v).resource_id),)),
    "arn": AttrSpec(_arn_shape("ec2", "security-group"), "an EC2 security group ARN"),
}
_RDS_ID = _pattern(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}(?<!-)$")
_DB_ID = AttrSpec(
    _RDS_ID,
    "an RDS DB instance identifier",
    key_attrs=("id", "name"),
    derive_from=(("arn", lambda v: parse_arn(v).resource_id),),
)
# Aurora endpoints: <cluster>.cluster-<hash>.<region>.rds.amazonaws.com (writer) and
# <cluster>.cluster-ro-<hash>.<region>.rds.amazonaws.com (reader)
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Overview.Endpoints.html).
_CLUSTER_ID = AttrSpec(
    _RDS_ID,
    "an RDS DB cluster identifier",
    key_attrs=("id", "name"),
    derive_from=(("arn", lambda v: parse_arn(v).resource_id),),
)
_ELB_NAME = _pattern(r"^[A-Za-z0-9](?!.*--)[A-Za-z0-9-]{0,31}$")
_ECS_NAME = _pattern(r"^[A-Za-z0-9_-]{1,255}$")


def _kms_key_id(value: str) -> bool:
    try:
        return not value.startswith("arn:") and normalize.kms_key(value).key_id is not None
    except IdentifierError:
        return False


def _elb_name(value: str) -> str:
    arn = parse_arn(value)
    parts = arn.resource_id.split("/")
    return parts[1] if arn.resource_type == "loadbalancer" else parts[0]


KINDS: dict[str, KindSpec] = {
    "bucket": KindSpec(
        "S3 bucket",
        (("bucket",),),
        {
            "name": AttrSpec(_bucket_name, "an S3 bucket name", derive_from=(("arn", normalize.bucket_name),)),
            "arn": AttrSpec(
                _arn_shape("s3", "", lambda a: not a.account and "/" not in a.resource), "an S3 bucket ARN"
            ),
        },
    ),
    "hosted_zone": KindSpec(
        "Route 53 hosted zone",
        (("hosted", "zone"), ("zone",)),  # ZoneId, PublicZoneId: "zone" alone names it (adjacent "hosted" ranks first)
        {
            "id": AttrSpec(
                _raises_not(normalize.hosted_zone_id),
                "a Route 53 hosted zone ID",
                derive_from=(("arn", normalize.hosted_zone_id),),
            ),
            "name": AttrSpec(_zone_name_shape, "a DNS zone name"),
            "arn": AttrSpec(_arn_shape("route53", "hostedzone"), "a Route 53 hosted zone ARN"),
        },
    ),
    "dns_record": KindSpec(
        "DNS record",
        (("record",), ("dns", "record")),
        {
            "name": AttrSpec(_zone_name_shape, "a DNS name"),
        },
    ),
    "load_balancer": KindSpec(
        "load balancer",
        (("load", "balancer"), ("alb",), ("lb",)),
        {
            "arn": AttrSpec(
                _arn_shape("elasticloadbalancing", "loadbalancer"), "an Elastic Load Balancing load balancer ARN"
            ),
            "dns": AttrSpec(normalize.is_hostname, "a DNS name"),
            "name": AttrSpec(_ELB_NAME, "a load balancer name", derive_from=(("arn", _elb_name),)),
        },
    ),
    "target_group": KindSpec(
        "target group",
        (("target", "group"), ("tg",)),
        {
            "arn": AttrSpec(
                _arn_shape("elasticloadbalancing", "targetgroup"), "an Elastic Load Balancing target group ARN"
            ),
            "name": AttrSpec(_ELB_NAME, "a target group name", derive_from=(("arn", _elb_name),)),
        },
    ),
    "db_instance": KindSpec(
        "RDS DB instance",
        (("db", "instance"), ("database", "instance"), ("db",), ("database",), ("rds",)),
        {
            "id": _DB_ID,
            "name": _DB_ID,
            "arn": AttrSpec(_arn_shape("rds", "db"), "an RDS DB instance ARN"),
            "endpoint": AttrSpec(normalize.is_hostname, "a hostname"),
            "port": AttrSpec(_port, "a port number (1-65535)"),
        },
    ),
    "rds_cluster": KindSpec(
        "RDS DB cluster",
        (("db", "cluster"), ("database", "cluster"), ("rds", "cluster"), ("aurora", "cluster"), ("aurora",)),
        {
            "id": _CLUSTER_ID,
            "identifier": _CLUSTER_ID,
            "arn": AttrSpec(_arn_shape("rds", "cluster"), "an RDS DB cluster ARN"),
            "endpoint": AttrSpec(
                lambda v: normalize.is_hostname(v) and ".cluster-ro-" not in v,
                "a cluster (writer) endpoint hostname, not the reader endpoint",
            ),
            "reader_endpoint": AttrSpec(
                lambda v: normalize.is_hostname(v) and ".cluster-" not in v.replace(".cluster-ro-", ""),
                "a cluster reader endpoint hostname, not the writer endpoint",
            ),
            "port": AttrSpec(_port, "a port number (1-65535)"),
        },
    ),
    "db_secret": KindSpec(
        "database secret",
        (("db", "secret"), ("database", "secret"), ("secret",)),
        {
            "arn": AttrSpec(_arn_shape("secretsmanager", "secret"), "a Secrets Manager secret ARN"),
            "name": AttrSpec(
                lambda v: not v.startswith("arn:") and _raises_not(normalize.secret_name)(v),
                "a secret name",
                derive_from=(("arn", normalize.secret_name),),
            ),
        },
    ),
    "kms_key": KindSpec(
        "KMS key",
        (("kms", "key"), ("kms",), ("encryption", "key")),
        {
            "arn": AttrSpec(_arn_shape("kms", "key"), "a KMS key ARN"),
            "id": AttrSpec(_kms_key_id, "a KMS key ID", derive_from=(("arn", lambda v: parse_arn(v).resource_id),)),
        },
    ),
    "ecs_cluster": KindSpec(
        "ECS cluster",
        (("ecs", "cluster"), ("cluster",)),
        {
            "name": AttrSpec(_ECS_NAME, "an ECS cluster name", derive_from=(("arn", normalize.ecs_cluster_name),)),
            "arn": AttrSpec(_arn_shape("ecs", "cluster"), "an ECS cluster ARN"),
        },
    ),
    "ecs_service": KindSpec(
        "ECS service",
        (("ecs", "service"), ("service",)),
        {
            "name": AttrSpec(
                _ECS_NAME, "an ECS service name", derive_from=(("arn", lambda v: normalize.ecs_service(v).name),)
            ),
            "arn": AttrSpec(_arn_shape("ecs", "service"), "an ECS service ARN"),
        },
    ),
    "task_definition": KindSpec(
        "ECS task definition",
        (("task", "definition"), ("task", "def"), ("taskdef",)),
        {
            "arn": AttrSpec(_arn_shape("ecs", "task-definition"), "an ECS task definition ARN"),
            "name": AttrSpec(
                _ECS_NAME,
                "a task definition family",
                derive_from=(("arn", lambda v: parse_arn(v).resource_id.split(":")[0]),),
            ),
        },
    ),
    "security_group": KindSpec("security group", (("security", "group"), ("sg",)), _SG),
    "service_security_group": KindSpec(
        "service security group", (("service", "security", "group"), ("service", "sg")), _SG
    ),
    "db_security_group": KindSpec(
        "DB security group", (("db", "security", "group"), ("database", "security", "group"), ("db", "sg")), _SG
    ),
    "alb_security_group": KindSpec(
        "load balancer security group",
        (
            ("load", "balancer", "security", "group"),
            ("alb", "security", "group"),
            ("lb", "security", "group"),
            ("alb", "sg"),
        ),
        _SG,
    ),
    "dms_endpoint": KindSpec(
        "DMS endpoint",
        (("dms", "endpoint"),),
        {
            "arn": AttrSpec(_arn_shape("dms", "endpoint"), "a DMS endpoint ARN"),
        },
    ),
    "dms_replication_instance": KindSpec(
        "DMS replication instance",
        (("dms", "replication", "instance"), ("replication", "instance")),
        {
            "arn": AttrSpec(_arn_shape("dms", "rep"), "a DMS replication instance ARN"),
        },
    ),
    "replication_task": KindSpec(
        "DMS replication task",
        (("replication", "task"), ("dms", "task")),
        {
            "arn": AttrSpec(_arn_shape("dms", "task"), "a DMS replication task ARN"),
        },
    ),
    "dms_role": KindSpec(
        "DMS IAM role",
        (("dms", "role"),),
        {
            "arn": AttrSpec(_arn_shape("iam", "role"), "an IAM role ARN"),
            "name": AttrSpec(
                _pattern(r"^[\w+=,.@-]{1,64}$"), "an IAM role name", derive_from=(("arn", normalize.iam_role_name),)
            ),
        },
    ),
    "sns_topic": KindSpec(
        "SNS topic",
        (("sns", "topic"), ("topic",), ("alarm", "topic")),
        {
            "arn": AttrSpec(_arn_shape("sns", ""), "an SNS topic ARN"),
            "name": AttrSpec(
                _pattern(r"^[A-Za-z0-9_-]{1,256}(\.fifo)?$"),
                "an SNS topic name",
                derive_from=(("arn", lambda v: parse_arn(v).resource_id),),
            ),
        },
    ),
    "vpc": KindSpec(
        "VPC",
        (("vpc",),),
        {
            "id": AttrSpec(
                _pattern(r"^vpc-[0-9a-f]{8,17}$"),
                "a VPC ID (vpc-...)",
                derive_from=(("arn", lambda v: parse_arn(v).resource_id),),
            ),
            "arn": AttrSpec(_arn_shape("ec2", "vpc"), "an EC2 VPC ARN"),
        },
    ),
    "log_group": KindSpec(
        "CloudWatch Logs log group",
        (("log", "group"), ("logs", "group")),
        {
            "name": AttrSpec(
                lambda v: not v.startswith("arn:") and _raises_not(normalize.log_group_name)(v),
                "a log group name",
                derive_from=(("arn", normalize.log_group_name),),
            ),
            "arn": AttrSpec(_arn_shape("logs", "log-group"), "a CloudWatch Logs log group ARN"),
        },
    ),
}
"""Resource kinds the resolver knows, by the name ``OutputResolver.get(kind=...)`` takes."""
