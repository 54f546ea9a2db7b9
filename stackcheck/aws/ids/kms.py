"""AWS KMS key identifiers: key ID, key ARN, alias name, alias ARN, and canonicalisation through DescribeKey."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from stackcheck.aws.arn import is_arn, parse_arn
from stackcheck.aws.ids.match import Match, no, scope_mismatch, unknown, yes
from stackcheck.errors import IdentifierError

__all__ = ["KmsKeyRef", "kms_key", "kms_key_arn", "same_kms_key"]

_KEY_ID = re.compile(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$")
_ALIAS = re.compile(r"^alias/[\w/-]{1,250}$")


@dataclass(frozen=True)
class KmsKeyRef:
    """A KMS key reference: a ``key_id`` (UUID or ``mrk-`` ID) or an ``alias`` (``alias/name``).

    ``region``, ``account`` and ``partition`` are "" unless the reference was an ARN or was
    canonicalised through DescribeKey (then ``key_id`` is set and ``alias`` keeps the alias given).
    """

    key_id: str | None = None
    alias: str | None = None
    region: str = ""
    account: str = ""
    partition: str = ""

    @property
    def scope(self) -> dict[str, str]:
        """Partition, region and account as a dict ("" where unknown)."""
        return {"partition": self.partition, "region": self.region, "account": self.account}

    @property
    def arn(self) -> str | None:
        """The key or alias ARN when partition, region and account are all known, else None."""
        if not (self.partition and self.region and self.account):
            return None
        resource = f"key/{self.key_id}" if self.key_id else str(self.alias)
        return f"arn:{self.partition}:kms:{self.region}:{self.account}:{resource}"


def kms_key(value: str, describe_key: Mapping[str, Any] | None = None) -> KmsKeyRef:
    """Parse a key ID, key ARN, alias name or alias ARN into a KmsKeyRef.

    The four forms of https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id.
    With ``describe_key``, the DescribeKey answer for ``value``
    (``{"KeyMetadata": {"KeyId": ..., "Arn": ...}}``,
    https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html), the reference is
    canonicalised to that key (key ID, region, account, partition from its ``Arn``). Raises
    IdentifierError for anything else, or when the answer names a key another Region or account
    than an ARN ``value`` carries.
    """
    ref = _parse(value)
    if describe_key is None:
        return ref
    key = _described(describe_key)
    if ref.key_id and ref.key_id != key.key_id:
        raise IdentifierError(f"the DescribeKey answer is for key {key.key_id!r}, not {value!r}")
    mismatch = scope_mismatch(ref.scope, key.scope)
    if mismatch:
        raise IdentifierError(f"the DescribeKey answer does not describe {value!r}: {mismatch}")
    return replace(key, alias=ref.alias)


def _parse(value: str) -> KmsKeyRef:
    if not isinstance(value, str):
        raise IdentifierError(f"expected a KMS key ID, key ARN, alias name or alias ARN, got {type(value).__name__}")
    if is_arn(value):
        arn = parse_arn(value)
        scope = {"region": arn.region, "account": arn.account, "partition": arn.partition}
        if arn.service == "kms" and arn.resource_type == "key" and _KEY_ID.match(arn.resource_id):
            return KmsKeyRef(key_id=arn.resource_id, **scope)
        if arn.service == "kms" and arn.resource_type == "alias" and _ALIAS.match("alias/" + arn.resource_id):
            return KmsKeyRef(alias="alias/" + arn.resource_id, **scope)
        raise IdentifierError(f"{value!r} is not a KMS key ARN or alias ARN")
    if _KEY_ID.match(value):
        return KmsKeyRef(key_id=value)
    if _ALIAS.match(value):
        return KmsKeyRef(alias=value)
    raise IdentifierError(f"{value!r} is not a KMS key ID, key ARN, alias name or alias ARN")


def _described(answer: Mapping[str, Any]) -> KmsKeyRef:
    meta = answer.get("KeyMetadata", answer)
    arn = meta.get("Arn") if isinstance(meta, Mapping) else None
    if not isinstance(arn, str):
        raise IdentifierError("a DescribeKey answer needs KeyMetadata.Arn (the key ARN)")
    key = _parse(arn)
    if key.key_id is None:
        raise IdentifierError(f"DescribeKey's KeyMetadata.Arn {arn!r} is not a key ARN")
    return key


def kms_key_arn(value: str, describe_key: Mapping[str, Any] | None = None) -> str:
    """The key ARN of a key ARN, or of any form with its DescribeKey answer. Raises IdentifierError
    when the ARN cannot be told (an alias or bare key ID without the answer)."""
    ref = kms_key(value, describe_key)
    if ref.key_id and ref.arn:
        return ref.arn
    raise IdentifierError(
        f"the key ARN of {value!r} cannot be told offline; pass DescribeKey(KeyId={value!r})'s answer"
    )


def same_kms_key(
    a: str,
    b: str,
    *,
    describe_key: Mapping[str, Any] | None = None,
    region: str | None = None,
    account: str | None = None,
) -> Match:
    """Whether ``a`` and ``b`` (key IDs, key ARNs, aliases, alias ARNs, mixed) name the same key.

    Partition, region and account must agree where both sides carry them; ``region`` and
    ``account`` (the caller's) fill in for bare IDs and alias names. A key against an alias never
    raises: without ``describe_key`` (the DescribeKey answer for the alias side) the answer is
    "cannot tell without DescribeKey"; with it the alias is replaced by the key it names. Two
    different aliases may point at one key: "cannot tell" too. A bare multi-Region key ID
    (``mrk-``) is the same ID in every Region, so it matches an ARN only where the Region is known.
    """
    left, right = _parse(a), _parse(b)
    if describe_key is not None and (left.alias is None) != (right.alias is None):
        if left.alias is not None:
            left = kms_key(a, describe_key)
        else:
            right = kms_key(b, describe_key)
    fill = {"region": region or "", "account": account or ""}
    lscope = {k: v or fill.get(k, "") for k, v in left.scope.items()}
    rscope = {k: v or fill.get(k, "") for k, v in right.scope.items()}
    mismatch = scope_mismatch(lscope, rscope)
    if left.key_id is None and right.key_id is None:
        if left.alias != right.alias:
            return unknown(
                f"aliases {left.alias!r} and {right.alias!r} may point at the same key; resolve both with DescribeKey"
            )
        return no(mismatch) if mismatch else yes(f"alias {left.alias!r}")
    if left.key_id is None or right.key_id is None:
        alias = a if left.key_id is None else b
        return unknown(
            f"cannot tell without DescribeKey: {alias!r} is an alias; pass describe_key=DescribeKey(KeyId={alias!r})'s answer"
        )
    if left.key_id != right.key_id:
        return no(f"key {left.key_id!r} != {right.key_id!r}")
    if mismatch:
        return no(mismatch)
    if left.key_id.startswith("mrk-") and not (lscope["region"] and rscope["region"]):
        return unknown(
            f"multi-Region key {left.key_id!r} has this ID in every Region; the Region of one side is unknown"
        )
    return yes(f"key {left.key_id!r}")
