"""Why an AWS API cannot be used at a target at all (not implemented there, unreachable, no credentials, refused), as opposed to a failure of one call."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stackcheck.aws.retry import error_code

__all__ = ["NO_CREDENTIALS", "Unavailable", "unavailable_reason"]

_NOT_IMPLEMENTED_CODES = frozenset(
    {
        "NotImplemented",
        "NotImplementedException",
        "InvalidAction",
        "UnknownOperationException",
        "UnsupportedOperation",
        "UnsupportedOperationException",
        "OperationNotSupportedException",
    }
)
_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "ExpiredToken",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "AuthFailure",
    }
)
NO_CREDENTIALS = (
    "no AWS credentials found; configure credentials for the account the stacks are deployed in "
    "(AWS_PROFILE, `aws configure`, `aws sso login`, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
)


@dataclass(frozen=True)
class Unavailable:
    """Why an API call says drift detection cannot run at this target.

    ``kind``: ``not_implemented`` (the endpoint does not implement the operation: an error code
    such as NotImplemented or InvalidAction, HTTP 501, or an answer botocore cannot parse as a
    CloudFormation response, which is how moto's server answers an action it lacks),
    ``unreachable``, ``credentials`` (none found) or ``denied`` (refused or not authorized).
    """

    kind: str
    detail: str


def unavailable_reason(exc: BaseException) -> Unavailable | None:
    """Classify an exception from a CloudFormation call: an Unavailable when it means drift
    detection cannot run at this target at all, None when it concerns one stack or is transient."""
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return Unavailable("credentials", NO_CREDENTIALS)
    if isinstance(exc, ResponseParserError):
        title = re.search(r"<title>(.*?)</title>", str(exc), re.IGNORECASE | re.DOTALL)
        what = f"an HTML page ({title.group(1).strip()})" if title else "a body botocore cannot parse"
        return Unavailable("not_implemented", f"{what}, not a CloudFormation response")
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError)):
        return Unavailable("unreachable", str(exc))
    code = error_code(exc)
    if code is None:
        return None
    response = getattr(exc, "response", {}) or {}
    message = (response.get("Error") or {}).get("Message", "")
    http = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    if code in _NOT_IMPLEMENTED_CODES or http == 501:
        return Unavailable("not_implemented", f"{code}: {message}".rstrip(": "))
    if code in _DENIED_CODES:
        return Unavailable("denied", f"{code}: {message}".rstrip(": "))
    return None
