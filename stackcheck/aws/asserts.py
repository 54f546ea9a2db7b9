"""Assertion helpers for post-deploy checks: compare AWS identifiers after normalization, check error codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stackcheck.aws import normalize
from stackcheck.aws.retry import error_code

__all__ = ["COMPARATORS", "IDENTIFIER_KINDS", "assert_error_code", "assert_same_identifier"]

IDENTIFIER_KINDS: dict[str, Callable[[str], Any]] = {
    "bucket": normalize.bucket_name,
    "hosted_zone_id": normalize.hosted_zone_id,
    "change_id": normalize.change_id,
    "delegation_set_id": normalize.delegation_set_id,
    "zone_name": normalize.zone_name,
    "dns_name": normalize.dns_name,
    "endpoint": normalize.rds_endpoint,
    "role": normalize.iam_role,
    "secret": normalize.secret_ref,
    "ecs_cluster": normalize.ecs_cluster_name,
    "ecs_service": normalize.ecs_service,
    "kms_key": normalize.kms_key,
    "log_group": normalize.log_group_name,
}
"""Identifier kinds ``assert_same_identifier`` knows, with the normalizer each is shown by."""

COMPARATORS: dict[str, Callable[..., normalize.Match]] = {
    "bucket": normalize.same_bucket,
    "endpoint": normalize.same_rds_endpoint,
    "role": normalize.same_iam_role,
    "secret": normalize.same_secret,
    "ecs_service": normalize.same_ecs_service,
    "kms_key": normalize.same_kms_key,
}
"""Kinds compared by their family's ``same_*`` (which weighs partition, region, account, path and
cluster and may answer "cannot tell") rather than by equal normalized values."""


def assert_same_identifier(kind: str, actual: Any, expected: Any, **context: Any) -> None:
    """Assert ``actual`` and ``expected`` name the same resource once normalized for ``kind``.

    ``assert_same_identifier("hosted_zone_id", zone["HostedZone"]["Id"], outputs.get(...))``
    passes for ``/hostedzone/Z1`` against ``Z1``. Kinds in COMPARATORS go through their family's
    comparison, with ``context`` passed on (``cluster=`` for ``ecs_service``, ``engine=`` for
    ``endpoint``, ``describe_key=`` / ``region=`` / ``account=`` for ``kms_key``, ``describe=`` for
    ``secret``, ``account=`` for ``role``); a "cannot tell" answer fails with its reason, never
    passes. The failure message shows both raw and normalized values. Raises KeyError for an
    unknown kind and IdentifierError for a value that is not a ``kind`` at all.
    """
    __tracebackhide__ = True
    normalizer = IDENTIFIER_KINDS[kind]
    comparator = COMPARATORS.get(kind)
    if comparator is not None:
        match = comparator(actual, expected, **context)
        if match.same is None:
            raise AssertionError(
                f"{kind}: cannot tell whether {actual!r} and {expected!r} are the same: {match.reason}"
            )
        if not match.same:
            raise AssertionError(f"{kind} differs: {actual!r} != {expected!r}: {match.reason}")
        return
    if context:
        raise TypeError(f"kind {kind!r} takes no context; got {', '.join(sorted(context))}")
    left, right = normalizer(actual), normalizer(expected)
    # An explicit raise keeps the message the same whether or not pytest rewrites this module.
    if left != right:
        raise AssertionError(f"{kind} differs: {actual!r} (-> {left!r}) != {expected!r} (-> {right!r})")


def assert_error_code(error: Any, *codes: str) -> None:
    """Assert a botocore ClientError (or pytest's ExceptionInfo of one) carries one of ``codes``.

    ``with pytest.raises(ClientError) as err: ...`` then ``assert_error_code(err, "NoSuchBucket")``.
    """
    __tracebackhide__ = True
    exc = getattr(error, "value", error)
    code = error_code(exc)
    message = (getattr(exc, "response", None) or {}).get("Error", {}).get("Message", "")
    if code not in codes:
        raise AssertionError(f"expected AWS error code {' or '.join(codes)}, got {code!r}: {message}")
