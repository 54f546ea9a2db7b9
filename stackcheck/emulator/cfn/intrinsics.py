"""Template-level fidelity for moto: dynamic references (``{{resolve:...}}``) and ``Fn::GetAZs`` for the stack's region."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from stackcheck.emulator.cfn._registry import patch, relies_on

__all__ = ["availability_zones", "resolve_dynamic_references"]

DYNAMIC_REFERENCES_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html"
GETAZS_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getavailabilityzones.html"

_REFERENCE = re.compile(r"\{\{resolve:(?P<service>secretsmanager|ssm-secure|ssm):(?P<body>[^{}]+?)\}\}")

relies_on("moto.ec2.models.availability_zones_and_regions", "RegionsAndZonesBackend.zones")
relies_on("moto.secretsmanager.models", "secretsmanager_backends")
relies_on(
    "moto.secretsmanager.models",
    "SecretsManagerBackend.get_secret_value",
    params=("secret_id", "version_id", "version_stage"),
)
relies_on("moto.ssm.models", "ssm_backends")
relies_on("moto.ssm.models", "SimpleSystemManagerBackend.get_parameter", params=("name",))
relies_on("moto.cloudformation.exceptions", "ValidationError")


def availability_zones(region: str) -> list[str]:
    """Names of the availability zones moto knows for ``region`` (``["us-east-1a", ...]``), in order.

    As Fn::GetAZs answers: the zones of the given region, or of the stack's region when the
    argument is empty. A region moto does not list gets ``a``, ``b``, ``c``.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getavailabilityzones.html
    """
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend

    zones = RegionsAndZonesBackend.zones.get(region)
    if not zones:
        return [f"{region}{letter}" for letter in "abc"]
    return [zone.name for zone in zones]


def _validation_error(message: str) -> Exception:
    from moto.cloudformation.exceptions import ValidationError

    return ValidationError(message=message)


def _split_secret_reference(body: str) -> tuple[str, list[str]]:
    """``secret-id:SecretString:json-key:version-stage:version-id`` → (secret id, rest); ARNs keep their colons."""
    parts = body.split(":")
    if parts[0] == "arn":
        # arn:partition:secretsmanager:region:account:secret:name-suffix
        return ":".join(parts[:7]), parts[7:]
    return parts[0], parts[1:]


def _resolve_secret(body: str, account_id: str, region: str) -> str:
    from moto.secretsmanager.models import secretsmanager_backends

    secret_id, rest = _split_secret_reference(body)
    rest = rest + [""] * (4 - len(rest))
    _secret_string, json_key, version_stage, version_id = rest[:4]
    backend = secretsmanager_backends[account_id][region]
    try:
        # moto annotates both as str but takes None for "not given", as the API does
        value = backend.get_secret_value(secret_id, version_id or None, version_stage or None)  # type: ignore[arg-type]
    except Exception as exc:  # moto raises its own SecretNotFoundException et al.
        raise _validation_error(
            f"Dynamic reference {{{{resolve:secretsmanager:{body}}}}}: secret {secret_id} cannot be read "
            f"({type(exc).__name__})"
        ) from None
    secret_string = str(value.get("SecretString") or "")
    if not json_key:
        return secret_string
    try:
        data = json.loads(secret_string)
    except (TypeError, ValueError):
        raise _validation_error(
            f"Dynamic reference {{{{resolve:secretsmanager:{body}}}}}: secret {secret_id} is not JSON, "
            f"so key {json_key!r} cannot be read"
        ) from None
    if json_key not in data:
        raise _validation_error(
            f"Dynamic reference {{{{resolve:secretsmanager:{body}}}}}: secret {secret_id} has no key "
            f"{json_key!r}; keys: {sorted(data)}"
        )
    field = data[json_key]
    return field if isinstance(field, str) else json.dumps(field)


def _resolve_parameter(body: str, account_id: str, region: str) -> str:
    from moto.ssm.models import ssm_backends

    name = body.split(":")[0]
    parameter = ssm_backends[account_id][region].get_parameter(name)
    if parameter is None:
        raise _validation_error(f"Dynamic reference {{{{resolve:ssm:{body}}}}}: parameter {name} does not exist")
    return parameter.value


def resolve_dynamic_references(value: str, account_id: str, region: str) -> str:
    """Replace every ``{{resolve:secretsmanager|ssm|ssm-secure:...}}`` in ``value`` with what it names.

    ``{{resolve:secretsmanager:secret-id:SecretString:json-key:version-stage:version-id}}``
    (secret-id may be a name or a full ARN) and ``{{resolve:ssm:name:version}}``. Raises moto's
    CloudFormation ValidationError (the stack fails, as in AWS) when the secret, key or parameter
    does not exist.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html
    """

    def substitute(match: re.Match[str]) -> str:
        if match["service"] == "secretsmanager":
            return _resolve_secret(match["body"], account_id, region)
        return _resolve_parameter(match["body"], account_id, region)

    return _REFERENCE.sub(substitute, value)


@patch(
    "moto.cloudformation.parsing",
    "clean_json",
    kind="function",
    resource_type=None,
    adds=("{{resolve:secretsmanager:...}}", "{{resolve:ssm:...}}", "Fn::GetAZs"),
    doc_url=DYNAMIC_REFERENCES_DOC,
    params=("resource_json", "resources_map"),
)
def clean_json(original: Callable[..., Any], resource_json: Any, resources_map: Any) -> Any:
    """moto resolves intrinsics here (recursively, through this module-level name), so the wrapper
    sees every string after Fn::Join / Fn::Sub have built it: dynamic references made with
    ``Fn::Join`` (what the CDK writes for ``secret.secret_value_from_json``) are resolved whole.
    ``Fn::GetAZs`` answers the stack's region (moto always answers us-east-1).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html
    and https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getavailabilityzones.html
    """
    if isinstance(resource_json, dict) and "Fn::GetAZs" in resource_json and len(resource_json) == 1:
        argument = resource_json["Fn::GetAZs"]
        if isinstance(argument, (dict, list)):
            argument = original(argument, resources_map)
        return availability_zones(argument or resources_map["AWS::Region"])
    result = original(resource_json, resources_map)
    if isinstance(result, str) and "{{resolve:" in result:
        result = resolve_dynamic_references(result, resources_map["AWS::AccountId"], resources_map["AWS::Region"])
    return result
