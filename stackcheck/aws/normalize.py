"""Normalize AWS identifiers that arrive in several spellings (ARN or name, prefixed or bare, any case) to one form."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from stackcheck.aws.arn import is_arn, parse_arn
from stackcheck.errors import IdentifierError

__all__ = [
    "EcsServiceRef",
    "KmsKeyRef",
    "bucket_name",
    "change_id",
    "dns_name",
    "ecs_cluster_name",
    "ecs_service",
    "hosted_zone_id",
    "iam_role_name",
    "is_bucket_name",
    "is_hostname",
    "kms_key",
    "log_group_name",
    "same_dns_name",
    "same_ecs_service",
    "same_kms_key",
    "same_secret",
    "secret_name",
    "split_endpoint",
    "zone_name",
]

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_ZONE_ID = re.compile(r"^[A-Z0-9]{1,32}$")
_CHANGE_ID = re.compile(r"^[A-Z0-9]{1,32}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9_*-]{1,63}(?<!-)$")
_OCTAL = re.compile(r"\\([0-7]{3})")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_SECRET_NAME = re.compile(r"^[\w/+=.@-]{1,512}$")
# Secrets Manager appends a hyphen and six random characters to the name in the secret's ARN.
_SECRET_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")
_ECS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_KEY_ID = re.compile(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$")
_ALIAS = re.compile(r"^alias/[\w/-]{1,250}$")
_LOG_GROUP = re.compile(r"^[\w./#-]{1,512}$")


def is_bucket_name(value: object) -> bool:
    """True when ``value`` obeys the S3 general purpose bucket naming rules.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html: 3-63 characters
    of lowercase letters, digits, dots and hyphens; starts and ends with a letter or digit; no two
    adjacent dots; not an IPv4 address; none of the reserved prefixes and suffixes.
    """
    if not isinstance(value, str) or not _BUCKET.match(value) or ".." in value:
        return False
    if value.startswith(_BUCKET_PREFIXES) or value.endswith(_BUCKET_SUFFIXES):
        return False
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return True
    return False


def bucket_name(value: str) -> str:
    """The bucket name of a bucket name or a bucket ARN (``arn:aws:s3:::name``).

    Raises IdentifierError for an object ARN (``arn:aws:s3:::name/key``), another service's ARN,
    or a string that breaks the S3 naming rules.
    """
    if is_arn(value):
        arn = parse_arn(value)
        if arn.service != "s3" or arn.account or "/" in arn.resource:
            raise IdentifierError(f"{value!r} is not an S3 bucket ARN (arn:<partition>:s3:::<bucket>)")
        value = arn.resource
    if not is_bucket_name(value):
        raise IdentifierError(f"{value!r} is not a valid S3 bucket name")
    return value


def hosted_zone_id(value: str) -> str:
    """The bare Route 53 hosted zone ID (``Z0123ABC``) of ``Z0123ABC``, ``/hostedzone/Z0123ABC``
    or ``arn:aws:route53:::hostedzone/Z0123ABC``.

    GetHostedZone and ListHostedZones return ``Id`` as ``/hostedzone/<id>``
    (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZone.html); CloudFormation's
    ``Ref`` on AWS::Route53::HostedZone returns the bare ID. Raises IdentifierError otherwise.
    """
    raw = value
    if is_arn(value, "route53", "hostedzone"):
        value = parse_arn(value).resource_id
    value = value.strip()
    for prefix in ("/hostedzone/", "hostedzone/"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
            break
    value = value.upper()
    if not _ZONE_ID.match(value):
        raise IdentifierError(f"{raw!r} is not a Route 53 hosted zone ID")
    return value


def change_id(value: str) -> str:
    """The bare Route 53 change ID of ``C123`` or ``/change/C123``.

    ChangeResourceRecordSets returns ``ChangeInfo.Id`` as ``/change/<id>``
    (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeInfo.html).
    """
    raw = value
    value = value.strip()
    for prefix in ("/change/", "change/"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
            break
    value = value.upper()
    if not _CHANGE_ID.match(value):
        raise IdentifierError(f"{raw!r} is not a Route 53 change ID")
    return value


def zone_name(value: str) -> str:
    """A DNS name as Route 53 returns it: lowercase, fully qualified with one trailing dot.

    ``Example.COM`` and ``example.com.`` both give ``example.com.``. Route 53 escapes some
    characters as ``\\ddd`` octal (``\\052`` for ``*``) in the names it returns
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html); those are
    decoded. Raises IdentifierError for an empty name or a malformed label.
    """
    raw = value
    value = _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), value.strip()).lower().rstrip(".")
    labels = value.split(".")
    if not value or not all(_LABEL.match(label) for label in labels) or len(value) > 253:
        raise IdentifierError(f"{raw!r} is not a DNS name")
    return value + "."


def is_hostname(value: object) -> bool:
    """True when ``value`` is a DNS hostname with at least two labels (no port, no scheme)."""
    if not isinstance(value, str):
        return False
    try:
        name = zone_name(value)
    except IdentifierError:
        return False
    return name.count(".") >= 2 and "*" not in name


def dns_name(value: str) -> str:
    """A DNS name for comparison: lowercase, no trailing dot, no ``dualstack.`` prefix.

    Route 53 alias records to an Application Load Balancer hold
    ``dualstack.<alb-dns-name>.`` while DescribeLoadBalancers returns ``DNSName`` without it
    (https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html).
    """
    name = zone_name(value).rstrip(".")
    if name.startswith("dualstack."):
        name = name[len("dualstack.") :]
    return name


def same_dns_name(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` name the same host once normalized by ``dns_name``."""
    return dns_name(a) == dns_name(b)


def split_endpoint(value: str, default_port: int | None = None) -> tuple[str, int | None]:
    """Split an endpoint (``host`` or ``host:port``) into ``(lowercase host, port)``.

    RDS reports ``Endpoint.Address`` and ``Endpoint.Port`` apart
    (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Endpoint.html) while
    connection strings join them. ``port`` is ``default_port`` when absent. Raises
    IdentifierError when the host is not a hostname or the port is not 1-65535.
    """
    raw = value
    host, sep, port_text = value.strip().rpartition(":")
    if not sep:
        host, port = port_text, default_port
    elif not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise IdentifierError(f"{raw!r}: port {port_text!r} is not a number from 1 to 65535")
    else:
        port = int(port_text)
    if not is_hostname(host):
        raise IdentifierError(f"{raw!r} is not a hostname (optionally with :port)")
    return host.lower().rstrip("."), port


def iam_role_name(value: str) -> str:
    """The role name of a role name or a role ARN, with or without a path.

    ``arn:aws:iam::123456789012:role/service-role/dms-vpc-role`` gives ``dms-vpc-role``
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns).
    Raises IdentifierError for another kind of ARN or an invalid role name.
    """
    if is_arn(value):
        arn = parse_arn(value)
        if arn.service != "iam" or arn.resource_type != "role":
            raise IdentifierError(f"{value!r} is not an IAM role ARN")
        value = arn.name
    if not _ROLE_NAME.match(value):
        raise IdentifierError(f"{value!r} is not a valid IAM role name")
    return value


def secret_name(value: str) -> str:
    """The secret name of a Secrets Manager secret name or ARN.

    A secret's ARN ends in the name, a hyphen and six random characters
    (``secret:prod/db-AbCdEf``), which are dropped
    (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html
    and https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen).
    A partial ARN (no suffix) whose name itself ends in ``-`` and six letters is ambiguous, as
    AWS documents; it is read as a full ARN. A plain name is returned as given.
    """
    if is_arn(value):
        arn = parse_arn(value)
        if arn.service != "secretsmanager" or arn.resource_type != "secret":
            raise IdentifierError(f"{value!r} is not a Secrets Manager secret ARN")
        value = _SECRET_SUFFIX.sub("", arn.resource_id)
    if not _SECRET_NAME.match(value):
        raise IdentifierError(f"{value!r} is not a valid secret name")
    return value


def same_secret(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` (names or ARNs, mixed) identify the same secret.

    Two full ARNs must be equal; otherwise the names are compared.
    """
    if is_arn(a) and is_arn(b):
        return a == b
    return secret_name(a) == secret_name(b)


@dataclass(frozen=True)
class EcsServiceRef:
    """An ECS service: ``name`` and, when known, its ``cluster`` name."""

    name: str
    cluster: str | None = None


def ecs_cluster_name(value: str) -> str:
    """The cluster name of an ECS cluster name or ARN (``arn:aws:ecs:r:a:cluster/name``)."""
    if is_arn(value):
        arn = parse_arn(value)
        if arn.service != "ecs" or arn.resource_type != "cluster":
            raise IdentifierError(f"{value!r} is not an ECS cluster ARN")
        value = arn.resource_id
    if not _ECS_NAME.match(value):
        raise IdentifierError(f"{value!r} is not a valid ECS cluster name")
    return value


def ecs_service(value: str, cluster: str | None = None) -> EcsServiceRef:
    """An EcsServiceRef of a service name, an old-format ARN (``service/name``) or a new-format
    ARN (``service/cluster/name``).

    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-account-settings.html#ecs-resource-ids
    ``cluster`` (name or ARN) fills in the cluster when ``value`` does not carry one; a conflicting
    cluster raises IdentifierError.
    """
    given = ecs_cluster_name(cluster) if cluster else None
    if is_arn(value):
        arn = parse_arn(value)
        if arn.service != "ecs" or arn.resource_type != "service":
            raise IdentifierError(f"{value!r} is not an ECS service ARN")
        parts = arn.resource_id.split("/")
        if len(parts) == 2:
            found, name = parts
        elif len(parts) == 1:
            found, name = None, parts[0]
        else:
            raise IdentifierError(f"{value!r}: expected service/<name> or service/<cluster>/<name>")
        if found and given and found != given:
            raise IdentifierError(f"{value!r} belongs to cluster {found!r}, not {given!r}")
        given = found or given
        value = name
    if not _ECS_NAME.match(value):
        raise IdentifierError(f"{value!r} is not a valid ECS service name")
    return EcsServiceRef(name=value, cluster=given)


def same_ecs_service(a: str, b: str, cluster: str | None = None) -> bool:
    """True when ``a`` and ``b`` name the same ECS service; clusters must agree where both are known."""
    left, right = ecs_service(a, cluster), ecs_service(b, cluster)
    if left.name != right.name:
        return False
    return left.cluster is None or right.cluster is None or left.cluster == right.cluster


@dataclass(frozen=True)
class KmsKeyRef:
    """A KMS key reference: a ``key_id`` (UUID or ``mrk-`` ID) or an ``alias`` (``alias/name``).

    ``region`` and ``account`` are "" unless the reference was an ARN.
    """

    key_id: str | None = None
    alias: str | None = None
    region: str = ""
    account: str = ""


def kms_key(value: str) -> KmsKeyRef:
    """Parse a key ID, key ARN, alias name or alias ARN into a KmsKeyRef.

    The four forms of https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id.
    Raises IdentifierError for anything else.
    """
    if is_arn(value):
        arn = parse_arn(value)
        if arn.service == "kms" and arn.resource_type == "key" and _KEY_ID.match(arn.resource_id):
            return KmsKeyRef(key_id=arn.resource_id, region=arn.region, account=arn.account)
        if arn.service == "kms" and arn.resource_type == "alias" and _ALIAS.match("alias/" + arn.resource_id):
            return KmsKeyRef(alias="alias/" + arn.resource_id, region=arn.region, account=arn.account)
        raise IdentifierError(f"{value!r} is not a KMS key ARN or alias ARN")
    if _KEY_ID.match(value):
        return KmsKeyRef(key_id=value)
    if _ALIAS.match(value):
        return KmsKeyRef(alias=value)
    raise IdentifierError(f"{value!r} is not a KMS key ID, key ARN, alias name or alias ARN")


def same_kms_key(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` name the same key (both key forms) or the same alias (both alias forms).

    A key and an alias cannot be compared offline (the alias must be resolved with
    DescribeKey); that raises IdentifierError rather than answering False.
    """
    left, right = kms_key(a), kms_key(b)
    if (left.key_id is None) != (right.key_id is None):
        raise IdentifierError(f"cannot compare key {a!r} with alias {b!r} offline; resolve the alias with DescribeKey")
    if left.region and right.region and (left.region, left.account) != (right.region, right.account):
        return False
    return (left.key_id or left.alias) == (right.key_id or right.alias)


def log_group_name(value: str) -> str:
    """The log group name of a name or a log group ARN (with or without the trailing ``:*``)."""
    if is_arn(value):
        arn = parse_arn(value)
        if arn.service != "logs" or arn.resource_type != "log-group":
            raise IdentifierError(f"{value!r} is not a CloudWatch Logs log group ARN")
        value = arn.resource_id.removesuffix(":*")
    if not _LOG_GROUP.match(value):
        raise IdentifierError(f"{value!r} is not a valid log group name")
    return value
