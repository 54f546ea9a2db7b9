"""Amazon Route 53 IDs, bare or with the resource prefix the API returns (``/hostedzone/``, ``/change/``, ``/delegationset/``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stackcheck.aws.arn import is_arn, parse_arn
from stackcheck.errors import IdentifierError

__all__ = ["ROUTE53_KINDS", "Route53Id", "change_id", "delegation_set_id", "hosted_zone_id", "route53_id"]

ROUTE53_KINDS: dict[str, str] = {
    "hostedzone": "hosted zone ID",
    "change": "change ID",
    "delegationset": "reusable delegation set ID",
}
"""The prefixed Route 53 ID kinds and what each is called in messages.

Route 53 returns ``HostedZone.Id`` as ``/hostedzone/<id>``
(https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZone.html), ``ChangeInfo.Id``
as ``/change/<id>`` (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeInfo.html)
and ``DelegationSet.Id`` as ``/delegationset/<id>``
(https://docs.aws.amazon.com/Route53/latest/APIReference/API_DelegationSet.html); CloudFormation's
``Ref`` and most request parameters take the bare ID.
"""

_ID = re.compile(r"^[A-Z0-9]{1,32}$")


@dataclass(frozen=True)
class Route53Id:
    """A Route 53 ID: ``kind`` (``hostedzone``, ``change``, ``delegationset``) and the bare ``id``."""

    kind: str
    id: str


def route53_id(value: str, kind: str | None = None) -> Route53Id:
    """Parse ``Z1``, ``/hostedzone/Z1``, ``hostedzone/Z1`` or ``arn:aws:route53:::hostedzone/Z1``
    (and the same for ``change`` and ``delegationset``) into a Route53Id, the ID uppercased.

    A bare ID has the ``kind`` asked for (required then). A prefix naming another kind than
    ``kind`` raises IdentifierError saying which kind it is, as does a malformed ID.
    """
    if kind is not None and kind not in ROUTE53_KINDS:
        raise ValueError(f"unknown Route 53 ID kind {kind!r}; known: {', '.join(ROUTE53_KINDS)}")
    if not isinstance(value, str):
        raise IdentifierError(f"expected a Route 53 ID string, got {type(value).__name__}")
    raw, text, found = value, value.strip(), None
    if is_arn(text):
        arn = parse_arn(text)
        if arn.service != "route53" or arn.resource_type not in ROUTE53_KINDS or arn.separator != "/":
            raise IdentifierError(f"{raw!r} is not a Route 53 {ROUTE53_KINDS.get(kind or '', 'resource')} ARN")
        found, text = arn.resource_type, arn.resource_id
    else:
        for name in ROUTE53_KINDS:
            for prefix in (f"/{name}/", f"{name}/"):
                if text.lower().startswith(prefix):
                    found, text = name, text[len(prefix) :]
                    break
            if found:
                break
    if found and kind and found != kind:
        raise IdentifierError(f"{raw!r} is a Route 53 {ROUTE53_KINDS[found]}, not a {ROUTE53_KINDS[kind]}")
    found = found or kind
    if found is None:
        raise IdentifierError(f"{raw!r} carries no Route 53 prefix; say which kind of ID it is")
    text = text.upper()
    if not _ID.match(text):
        raise IdentifierError(f"{raw!r} is not a Route 53 {ROUTE53_KINDS[found]}")
    return Route53Id(found, text)


def hosted_zone_id(value: str) -> str:
    """The bare hosted zone ID (``Z0123ABC``) of ``Z0123ABC``, ``/hostedzone/Z0123ABC`` or its ARN."""
    return route53_id(value, "hostedzone").id


def change_id(value: str) -> str:
    """The bare change ID of ``C123`` or ``/change/C123`` (GetChange takes the bare ID)."""
    return route53_id(value, "change").id


def delegation_set_id(value: str) -> str:
    """The bare reusable delegation set ID of ``N1PA6795SAMPLE`` or ``/delegationset/N1PA6795SAMPLE``."""
    return route53_id(value, "delegationset").id
