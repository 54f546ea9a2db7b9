"""Lambda for the emulator: refuse, as Lambda does, a function on a runtime AWS no longer lets you create.

moto creates a function on any runtime string; Lambda refuses ``CreateFunction`` once a runtime
passes its "block function create" date
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-deprecated). The dates
come from cfn-lint's runtime lifecycle table (``cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json``,
kept with each cfn-lint release), so the emulator and the scan's W2531/E2531 agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from stackcheck.emulator.cfn._registry import patch

__all__ = ["blocked_runtime_message"]

FUNCTION_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html"
)


@lru_cache(maxsize=1)
def _lifecycle() -> dict[str, dict[str, Any]]:
    from cfnlint.data import AdditionalSpecs
    from cfnlint.helpers import load_resource

    return load_resource(AdditionalSpecs, "LmbdRuntimeLifecycle.json")


def blocked_runtime_message(runtime: str, today: dt.date | None = None) -> str | None:
    """Lambda's InvalidParameterValueException message for creating a function on ``runtime`` on ``today``
    (default: the current UTC date), or None while the runtime may still be used to create functions."""
    entry = _lifecycle().get(runtime)
    blocked = entry.get("create-block") if entry else None
    if not blocked or dt.date.fromisoformat(blocked) > (today or dt.datetime.now(dt.UTC).date()):
        return None
    successor = entry.get("successor") if entry else None
    advice = (
        f" We recommend you use the new runtime ({successor}) while creating or updating functions."
        if successor
        else ""
    )
    return f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda functions.{advice}"


@patch(
    "moto.awslambda.models",
    "LambdaFunction.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::Lambda::Function",
    adds=("Runtime refused past its create-block date",),
    doc_url=FUNCTION_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_function(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """Raise Lambda's InvalidParameterValueException for a runtime past its create-block date, else create.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html
    (Runtime), https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html and
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-deprecated
    """
    from moto.awslambda.exceptions import InvalidParameterValueException

    runtime = (cloudformation_json.get("Properties") or {}).get("Runtime")
    message = blocked_runtime_message(runtime) if isinstance(runtime, str) else None
    if message:
        raise InvalidParameterValueException(message)
    return original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
