"""Parse Amazon Resource Names (ARNs) of every AWS partition into partition, service, region, account and resource."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stackcheck.errors import IdentifierError

__all__ = ["PARTITIONS", "Arn", "build_arn", "is_arn", "parse_arn", "partition_for_region", "same_arn"]

PARTITIONS: tuple[str, ...] = (
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
)
"""The partitions an ARN may name (botocore's ``endpoints.json`` lists the same set)."""

# Region codes across partitions: us-east-1, cn-north-1, us-gov-west-1, us-isob-east-1, eusc-de-east-1.
_REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")
# 12 digits; "aws" for AWS managed IAM policies (arn:aws:iam::aws:policy/...).
_ACCOUNT = re.compile(r"^(\d{12}|aws)$")
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# Services whose resource part carries no resource type: the whole part is the resource ID.
# S3 only for buckets and objects (no region, no account); access points have a type.
_UNTYPED_SERVICES = {"sns", "sqs"}
# Services whose resources may sit under a path (role/service-role/name).
_PATH_SERVICES = {"iam"}


@dataclass(frozen=True)
class Arn:
    """One parsed ARN.

    Fields follow https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html:
    ``arn:partition:service:region:account-id:resource``, where ``resource`` is
    ``resource-id``, ``resource-type/resource-id`` or ``resource-type:resource-id``.

    ``resource_type`` is None for untyped resources (S3 buckets and objects, SNS topics, SQS
    queues); ``resource_id`` is everything after the type and its separator
    (``app/my-alb/50dc6c495c0c9188`` for a load balancer, ``cluster/name`` for a new-format ECS
    service). For IAM, ``path`` is the path between type and name (``/service-role/``, ``/`` when
    there is none) and ``name`` is the last segment; for other services ``path`` is None and
    ``name`` equals ``resource_id``. ``region`` and ``account`` are "" when the ARN omits them.
    """

    partition: str
    service: str
    region: str
    account: str
    resource: str
    resource_type: str | None
    resource_id: str
    separator: str = ""
    path: str | None = None

    @property
    def name(self) -> str:
        """The resource's own name: last path segment for IAM, else ``resource_id``."""
        if self.path is not None:
            return self.resource_id.rsplit("/", 1)[-1]
        return self.resource_id

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(text: str) -> Arn:
    """Parse ``text`` into an Arn.

    Accepts every partition in PARTITIONS. Raises IdentifierError (a ValueError) naming the text
    and the part at fault when it is not an ARN: wrong prefix, fewer than six ``:``-separated
    parts, unknown partition, malformed service, region or account, or an empty resource.
    """
    if not isinstance(text, str):
        raise IdentifierError(f"expected an ARN string, got {type(text).__name__}")
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise IdentifierError(f"{text!r} is not an ARN: expected arn:partition:service:region:account-id:resource")
    _, partition, service, region, account, resource = parts
    if partition not in PARTITIONS:
        raise IdentifierError(f"{text!r}: unknown partition {partition!r}; known: {', '.join(PARTITIONS)}")
    if not _SERVICE.match(service):
        raise IdentifierError(f"{text!r}: malformed service {service!r}")
    if region and not _REGION.match(region):
        raise IdentifierError(f"{text!r}: malformed region {region!r}")
    if account and not _ACCOUNT.match(account):
        raise IdentifierError(f"{text!r}: malformed account ID {account!r} (expected 12 digits)")
    if not resource:
        raise IdentifierError(f"{text!r}: empty resource")

    if service in _UNTYPED_SERVICES or (service == "s3" and not account):
        return Arn(partition, service, region, account, resource, None, resource)
    cut = min((i for i in (resource.find("/"), resource.find(":")) if i > 0), default=-1)
    if cut < 0:
        return Arn(partition, service, region, account, resource, None, resource)
    resource_type, separator, resource_id = resource[:cut], resource[cut], resource[cut + 1 :]
    if not resource_id:
        raise IdentifierError(f"{text!r}: resource type {resource_type!r} without a resource ID")
    path = None
    if service in _PATH_SERVICES and separator == "/":
        head, _, _ = resource_id.rpartition("/")
        path = f"/{head}/" if head else "/"
    return Arn(partition, service, region, account, resource, resource_type, resource_id, separator, path)


def is_arn(text: object, service: str | None = None, resource_type: str | None = None) -> bool:
    """True when ``text`` parses as an ARN, of ``service`` and ``resource_type`` when given.

    ``resource_type=""`` asks for an untyped resource (an S3 bucket or an SNS topic).
    """
    if not isinstance(text, str):
        return False
    try:
        arn = parse_arn(text)
    except IdentifierError:
        return False
    if service is not None and arn.service != service:
        return False
    return not (resource_type is not None and (arn.resource_type or "") != resource_type)


# Region prefixes of the partitions other than "aws", longest first (us-isob- before us-iso-), after
# botocore's endpoints.json "regionRegex" of each partition.
_PARTITION_PREFIXES: tuple[tuple[str, str], ...] = (
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-gov-", "aws-us-gov"),
    ("eusc-", "aws-eusc"),
    ("cn-", "aws-cn"),
)


def partition_for_region(region: str) -> str:
    """The partition of ``region``: ``cn-north-1`` → ``aws-cn``, ``us-gov-west-1`` → ``aws-us-gov``,
    ``us-iso-east-1`` → ``aws-iso``, ``us-isob-east-1`` → ``aws-iso-b``, any other well-formed region → ``aws``.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html ("partition"); the prefixes are
    those of botocore's ``endpoints.json``. Raises IdentifierError for a malformed region.
    """
    if not isinstance(region, str) or not _REGION.match(region):
        raise IdentifierError(f"{region!r} is not an AWS region code (like us-east-1 or cn-north-1)")
    for prefix, partition in _PARTITION_PREFIXES:
        if region.startswith(prefix):
            return partition
    return "aws"


def build_arn(
    service: str,
    resource: str,
    *,
    region: str = "",
    account: str = "",
    partition: str | None = None,
    home_region: str | None = None,
) -> str:
    """An ARN ``arn:<partition>:<service>:<region>:<account>:<resource>`` in the right partition.

    ``partition`` defaults to the partition of ``region``, or of ``home_region`` for global
    resources that carry no region (IAM roles, S3 buckets): ``build_arn("iam", "role/app",
    account="123456789012", home_region="us-gov-west-1")`` gives ``arn:aws-us-gov:iam::123456789012:role/app``.
    Hard-coding ``arn:aws:`` is the bug this avoids. Raises IdentifierError when no partition can
    be told (no partition, region or home region), when ``partition`` contradicts ``region``, or
    when the result does not parse as an ARN.
    """
    where = region or home_region
    if partition is None:
        if not where:
            raise IdentifierError(
                f"cannot build an ARN for {service}:{resource}: pass partition= or the region (home_region= for global resources)"
            )
        partition = partition_for_region(where)
    elif where and partition_for_region(where) != partition:
        raise IdentifierError(f"region {where!r} is in partition {partition_for_region(where)!r}, not {partition!r}")
    text = f"arn:{partition}:{service}:{region}:{account}:{resource}"
    parse_arn(text)
    return text


def same_arn(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are the same ARN: partition, service, region, account and resource
    (IAM path included) all equal. Raises IdentifierError when either is not an ARN."""
    left, right = parse_arn(a), parse_arn(b)
    return (left.partition, left.service, left.region, left.account, left.resource) == (
        right.partition,
        right.service,
        right.region,
        right.account,
        right.resource,
    )
