"""Assertion helpers for post-deploy checks: compare AWS identifiers after normalization, check error codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stackcheck.aws import normalize
from stackcheck.aws.retry import error_code

__all__ = ["IDENTIFIER_KINDS", "assert_error_code", "assert_same_identifier"]

IDENTIFIER_KINDS: dict[str, Callable[[str], Any]] = {
    "bucket": normalize.bucket_name,
    "hosted_zone_id": normalize.hosted_zone_id,
    "change_id": normalize.change_id,
    "zone_name": normalize.zone_name,
    "dns_name": normalize.dns_name,
    "endpoint": normalize.split_endpoint,
    "role": normalize.iam_role_name,
    "secret": normalize.secret_name,
    "ecs_cluster": normalize.ecs_cluster_name,
    "ecs_service": lambda v: normalize.ecs_service(v).name,
    "kms_key": lambda v: normalize.kms_key(v).key_id or normalize.kms_key(v).alias,
    "log_group": normalize.log_group_name,
}
"""Identifier kinds ``assert_same_identifier`` knows, with the normalizer each is compared by."""


def assert_same_identifier(kind: str, actual: str, expected: str) -> None:
    """Assert ``actual`` and ``expected`` name the same resource once normalized for ``kind``.

    ``assert_same_identifier("hosted_zone_id", zone["HostedZone"]["Id"], outputs.get(...))``
    passes for ``/hostedzone/Z1`` against ``Z1``. The failure message shows both raw and
    normalized values. Raises KeyError for an unknown kind and IdentifierError for a value that
    is not a ``kind`` at all.
    """
    __tracebackhide__ = True
    normalizer = IDENTIFIER_KINDS[kind]
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
