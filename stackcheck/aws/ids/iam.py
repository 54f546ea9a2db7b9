"""AWS IAM role identifiers: names and ARNs with paths (``role/service-role/name``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stackcheck.aws.arn import is_arn, parse_arn
from stackcheck.aws.ids.match import Match, no, scope_mismatch, yes
from stackcheck.errors import IdentifierError

__all__ = ["IamRoleRef", "iam_role", "iam_role_name", "same_iam_role"]

_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_PATH = re.compile(r"^/([\x21-\x7e]*/)?$")
_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns"


@dataclass(frozen=True)
class IamRoleRef:
    """An IAM role: ``name``, ``path`` (None for a bare name, ``/`` when the ARN has none),
    ``account`` and ``partition`` ("" for a bare name)."""

    name: str
    path: str | None = None
    account: str = ""
    partition: str = ""


def iam_role(value: str) -> IamRoleRef:
    """An IamRoleRef of a role name or role ARN with or without a path, per ``_DOCS``:
    ``arn:aws:iam::123456789012:role/service-role/dms-vpc-role`` has path ``/service-role/``.
    Raises IdentifierError for another kind of ARN or an invalid role name."""
    if not isinstance(value, str):
        raise IdentifierError(f"expected an IAM role name or ARN, got {type(value).__name__}")
    if not is_arn(value):
        if not _ROLE_NAME.match(value):
            raise IdentifierError(f"{value!r} is not a valid IAM role name")
        return IamRoleRef(value)
    arn = parse_arn(value)
    if arn.service != "iam" or arn.resource_type != "role":
        raise IdentifierError(f"{value!r} is not an IAM role ARN")
    if not _ROLE_NAME.match(arn.name) or not _PATH.match(arn.path or "/"):
        raise IdentifierError(f"{value!r}: {arn.name!r} is not a valid IAM role name")
    return IamRoleRef(arn.name, arn.path, arn.account, arn.partition)


def iam_role_name(value: str) -> str:
    """The role name (last path segment) of a role name or a role ARN."""
    return iam_role(value).name


def same_iam_role(a: str, b: str, *, account: str | None = None) -> Match:
    """Whether ``a`` and ``b`` (role names or ARNs) name the same role.

    Partition and account must agree where both carry them (``account``, the caller's, fills in
    for a bare name). Role names are unique within an account whatever the path and "are not
    distinguished by case" (IAM quotas), so names compare case-insensitively; two ARNs that
    differ in path are not the same identifier (one of them is wrong), so they do not match.
    """
    left, right = iam_role(a), iam_role(b)
    fill = account or ""
    mismatch = scope_mismatch(
        {"partition": left.partition, "account": left.account or fill},
        {"partition": right.partition, "account": right.account or fill},
    )
    if mismatch:
        return no(mismatch)
    if left.name.lower() != right.name.lower():
        return no(f"role {left.name!r} != {right.name!r}")
    if left.path is not None and right.path is not None and left.path != right.path:
        return no(f"path differs: {left.path!r} != {right.path!r}")
    return yes(f"role {left.name!r}")
