"""Amazon S3 identifiers: bucket names, bucket ARNs, object ARNs and access point ARNs."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from stackcheck.aws.arn import is_arn, parse_arn
from stackcheck.aws.ids.match import Match, no, yes
from stackcheck.errors import IdentifierError

__all__ = ["S3Ref", "bucket_name", "is_bucket_name", "s3_ref", "same_bucket"]

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_ACCESS_POINT = re.compile(r"^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$")  # 3-50 characters


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


@dataclass(frozen=True)
class S3Ref:
    """One S3 identifier.

    ``kind`` is ``bucket``, ``object``, ``access_point`` or ``access_point_object``. ``bucket`` is
    the bucket name (None for access points: their ARN does not name the bucket); ``key`` the
    object key; ``access_point`` the access point name. ``partition`` is "" for a bare name;
    ``region`` and ``account`` are "" unless the ARN carries them (only access point ARNs do).
    """

    kind: str
    bucket: str | None = None
    key: str | None = None
    access_point: str | None = None
    partition: str = ""
    region: str = ""
    account: str = ""


def s3_ref(value: str) -> S3Ref:
    """Parse a bucket name, bucket ARN, object ARN or access point ARN into an S3Ref.

    Forms (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html and
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-access-points.html):
    ``name``; ``arn:aws:s3:::name``; ``arn:aws:s3:::name/key`` (an object; the key may hold ``/``);
    ``arn:aws:s3:us-west-2:123456789012:accesspoint/ap``;
    ``arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/key``. Any partition. Raises
    IdentifierError for another service's ARN, a malformed S3 ARN or an invalid bucket name.
    """
    if not isinstance(value, str):
        raise IdentifierError(f"expected an S3 bucket name or ARN, got {type(value).__name__}")
    if not is_arn(value):
        if not is_bucket_name(value):
            raise IdentifierError(f"{value!r} is not a valid S3 bucket name")
        return S3Ref("bucket", bucket=value)
    arn = parse_arn(value)
    if arn.service != "s3":
        raise IdentifierError(f"{value!r} is not an S3 ARN (arn:<partition>:s3:::<bucket>[/<key>])")
    if arn.resource_type == "accesspoint":
        name, _, rest = arn.resource_id.partition("/")
        if not _ACCESS_POINT.match(name) and not name.endswith(".mrap"):
            raise IdentifierError(f"{value!r}: {name!r} is not an access point name")
        if not rest:
            return S3Ref(
                "access_point", access_point=name, partition=arn.partition, region=arn.region, account=arn.account
            )
        marker, _, key = rest.partition("/")
        if marker != "object" or not key:
            raise IdentifierError(f"{value!r}: expected accesspoint/<name>/object/<key>")
        return S3Ref(
            "access_point_object",
            key=key,
            access_point=name,
            partition=arn.partition,
            region=arn.region,
            account=arn.account,
        )
    if arn.account or arn.region:
        raise IdentifierError(f"{value!r} is not an S3 bucket or object ARN (they carry no region or account)")
    bucket, sep, key = arn.resource.partition("/")
    if not is_bucket_name(bucket):
        raise IdentifierError(f"{value!r}: {bucket!r} is not a valid S3 bucket name")
    if sep and not key:
        raise IdentifierError(f"{value!r}: empty object key after the bucket")
    if sep:
        return S3Ref("object", bucket=bucket, key=key, partition=arn.partition)
    return S3Ref("bucket", bucket=bucket, partition=arn.partition)


def bucket_name(value: str) -> str:
    """The bucket name of a bucket name, a bucket ARN or an object ARN (reduced to its bucket).

    ``arn:aws:s3:::tap-logs/AWSLogs/*`` gives ``tap-logs``. An access point ARN does not name its
    bucket (GetAccessPoint returns it), so it raises IdentifierError, as do other services' ARNs
    and invalid names. See ``s3_ref`` for the forms.
    """
    ref = s3_ref(value)
    if ref.bucket is None:
        raise IdentifierError(
            f"{value!r} is an S3 access point ARN; it does not name its bucket (GetAccessPoint returns the bucket)"
        )
    return ref.bucket


def same_bucket(a: str, b: str) -> Match:
    """Whether ``a`` and ``b`` (names, bucket or object ARNs, mixed) name the same bucket.

    Bucket names are unique within a partition, so two ARNs in different partitions never match;
    a bare name matches an ARN of any partition.
    """
    left, right = s3_ref(a), s3_ref(b)
    for ref, raw in ((left, a), (right, b)):
        if ref.bucket is None:
            raise IdentifierError(f"{raw!r} is an S3 access point ARN; it does not name its bucket")
    if left.partition and right.partition and left.partition != right.partition:
        return no(f"partition differs: {left.partition!r} != {right.partition!r}")
    if left.bucket != right.bucket:
        return no(f"bucket {left.bucket!r} != {right.bucket!r}")
    return yes(f"bucket {left.bucket!r}")
