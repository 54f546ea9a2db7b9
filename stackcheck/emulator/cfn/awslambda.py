"""Lambda for the emulator: refuse, as Lambda does, a function on a runtime AWS no longer lets you create; AWS::Lambda::Alias.

moto creates a function on any runtime string; Lambda refuses ``CreateFunction`` once a runtime
passes its "block function create" date
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-deprecated). The dates
come from cfn-lint's runtime lifecycle table (``cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json``,
kept with each cfn-lint release), so the emulator and the scan's W2531/E2531 agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model, getatt_attributes, patch, relies_on

__all__ = ["Alias", "blocked_runtime_message"]

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


relies_on(
    "moto.awslambda.models", "LambdaFunction.__init__", assigns=("tracing_config", "kms_key_arn", "architectures")
)


@patch(
    "moto.awslambda.models",
    "LambdaFunction.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::Lambda::Function",
    adds=("Runtime refused past its create-block date", "TracingConfig", "KmsKeyArn", "Layers", "Architectures"),
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
    """Raise Lambda's InvalidParameterValueException for a runtime past its create-block date, else create,
    keeping the ``TracingConfig``, ``KmsKeyArn``, ``Layers`` (layer version ARNs, which must exist, as Lambda
    requires) and ``Architectures`` (one of ``x86_64``, ``arm64``, as Lambda validates it) moto's model drops
    (GetFunction answers them).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html
    (Runtime), https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html and
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-deprecated
    """
    from moto.awslambda.exceptions import InvalidParameterValueException

    runtime = (cloudformation_json.get("Properties") or {}).get("Runtime")
    message = blocked_runtime_message(runtime) if isinstance(runtime, str) else None
    if message:
        raise InvalidParameterValueException(message)
    function = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    properties = cloudformation_json.get("Properties") or {}
    if isinstance(properties.get("TracingConfig"), dict) and properties["TracingConfig"].get("Mode"):
        function.tracing_config = {"Mode": properties["TracingConfig"]["Mode"]}
    if isinstance(properties.get("KmsKeyArn"), str) and properties["KmsKeyArn"]:
        function.kms_key_arn = properties["KmsKeyArn"]
    layers = properties.get("Layers")
    if isinstance(layers, list) and layers and all(isinstance(arn, str) and arn for arn in layers):
        function.layers = function._get_layers_data(layers)  # moto's own reading of CreateFunction's Layers
    architectures = properties.get("Architectures")
    if isinstance(architectures, list) and architectures:
        function.architectures = [str(a) for a in architectures]  # moto's setter validates as Lambda does
    return function


ALIAS_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-alias.html"
relies_on("moto.awslambda.models", "lambda_backends")
relies_on("moto.awslambda.models", "LambdaBackend.get_function", params=("function_name_or_arn", "qualifier"))
relies_on(
    "moto.awslambda.models",
    "LambdaBackend.create_alias",
    params=("name", "function_name", "function_version", "description", "routing_config"),
)
relies_on("moto.awslambda.models", "LambdaBackend.delete_alias", params=("name", "function_name"))
relies_on("moto.awslambda.models", "LambdaAlias.__init__", assigns=("arn",))


@extended_model
class Alias(ExtensionModel, CloudFormationModel):
    """AWS::Lambda::Alias: ``Name`` for ``FunctionVersion`` of ``FunctionName`` (a name or ARN), with
    ``Description`` and ``RoutingConfig``; GetAlias answers it. Ref is the alias ARN, as in AWS.
    The function (and its version) must exist: moto's ResourceNotFoundException otherwise.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-alias.html
    """

    CFN_TYPE = "AWS::Lambda::Alias"
    CFN_NAME_TYPE = "Name"
    PHYSICAL_ID = "arn"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"AliasArn": "arn"}

    def __init__(self, arn: str, name: str, function_name: str):
        self.arn = arn
        self.name = name
        self.function_name = function_name

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> Alias:
        from moto.awslambda.models import lambda_backends

        p = cloudformation_json.get("Properties") or {}
        backend = lambda_backends[account_id][region_name]
        version = str(p["FunctionVersion"])
        # the alias is kept under the function's name: GetAlias by name then finds it, whichever form Ref gave
        function = backend.get_function(p["FunctionName"], None)
        routing = p.get("RoutingConfig") or {}
        weights = {
            str(w["FunctionVersion"]): float(w["FunctionWeight"]) for w in routing.get("AdditionalVersionWeights") or []
        }
        alias = backend.create_alias(
            name=p["Name"],
            function_name=function.function_name,
            function_version=version,
            description=p.get("Description", ""),
            routing_config={"AdditionalVersionWeights": weights} if weights else None,  # type: ignore[arg-type]  # moto annotates str, stores and returns the mapping
        )
        return cls(alias.arn, alias.name, function.function_name)

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.awslambda.models import lambda_backends

        lambda_backends[account_id][region_name].delete_alias(self.name, self.function_name)


VERSION_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-version.html"
relies_on("moto.awslambda.models", "LambdaVersion.__init__", assigns=("version",))


getatt_attributes(
    "moto.awslambda.models",
    "LambdaVersion",
    resource_type="AWS::Lambda::Version",
    attributes={"Version": "version"},
    why="moto's Lambda version has no GetAtt; CDK's current_version on an alias uses Version, the published number",
    doc_url=VERSION_DOC,
)


@patch(
    "moto.awslambda.models",
    "LambdaVersion.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::Lambda::Version",
    adds=("Ref (the version's ARN)",),
    doc_url=VERSION_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_version(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto's Lambda version has no physical id, so Ref gave the model object; keep the version's
    ARN (``<function ARN>:<version>``) for the ``physical_resource_id`` below.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-version.html
    """
    from moto.awslambda.models import lambda_backends

    version = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    function = lambda_backends[account_id][region_name].get_function(
        cloudformation_json["Properties"]["FunctionName"], None
    )
    unqualified = ":".join(function.function_arn.split(":")[:7])  # arn:aws:lambda:<region>:<account>:function:<name>
    version.arn = f"{unqualified}:{version.version}"
    return version


def _version_arn(version: Any) -> str:
    """Ref of a Lambda version: its ARN.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-version.html
    """
    return version.arn


patch(
    "moto.awslambda.models",
    "LambdaVersion.physical_resource_id",
    kind="addition",
    resource_type="AWS::Lambda::Version",
    adds=(),
    doc_url=VERSION_DOC,
)(property(_version_arn))  # type: ignore[arg-type]  # a property, as moto's other models have


PERMISSION_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html"
)
_PERMISSION_KEYS = ("Action", "Principal", "SourceArn", "SourceAccount", "PrincipalOrgID", "EventSourceToken")

relies_on("moto.awslambda.models", "lambda_backends")
relies_on("moto.awslambda.models", "LambdaBackend.get_function", params=("function_name_or_arn",))
relies_on("moto.awslambda.models", "LambdaFunction.__init__", assigns=("policy", "function_arn", "function_name"))
relies_on("moto.awslambda.policy", "Policy.add_statement", params=("raw", "qualifier"))


@patch(
    "moto.awslambda.models",
    "Permission.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::Lambda::Permission",
    adds=(
        "a physical ID (<function ARN>|<statement ID>) and a statement Lambda's GetPolicy answers as Lambda writes it",
    ),
    doc_url=PERMISSION_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_permission(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """The permission as an AddPermission of its function: statement ID ``resource_name`` (the name moto makes,
    ``<stack>-<logical ID>-<suffix>``, as CloudFormation makes one), an account ID ``Principal`` as its
    ``arn:aws:iam::<account>:root`` (a service name as ``{"Service": ...}``), ``SourceArn``, ``SourceAccount`` and
    ``PrincipalOrgID`` as conditions, on the alias or version a qualified ``FunctionName`` names (the statement's
    ``Resource`` then ends in ``:<qualifier>``); moto put the template's properties, ``FunctionName`` included, into the
    statement under a random ID, and gave the resource no physical ID. The physical ID is
    ``<function ARN>|<statement ID>``, the resource's primary identifier (``FunctionName``, ``Id``).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html
    and https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html
    """
    import json

    from moto.awslambda.models import Permission, lambda_backends

    properties = cloudformation_json.get("Properties") or {}
    named = str(properties["FunctionName"])
    function = lambda_backends[account_id][region_name].get_function(named)
    # an alias or a version: "name:qualifier", or an ARN of 8 parts (arn:aws:lambda:region:account:function:name:q)
    parts = named.split(":")
    qualifier = parts[7] if named.startswith("arn:") and len(parts) == 8 else parts[1] if len(parts) == 2 else None
    request: dict[str, Any] = {k: properties[k] for k in _PERMISSION_KEYS if properties.get(k) not in (None, "")}
    principal = str(request.get("Principal", ""))
    if principal.isdigit() and len(principal) == 12:
        request["Principal"] = f"arn:aws:iam::{principal}:root"
    request["StatementId"] = resource_name
    function.policy.add_statement(json.dumps(request), qualifier=qualifier)
    permission = Permission(region=region_name)  # type: ignore[abstract]  # moto makes it so too
    # moto answers a qualified name with the version's function, whose ARN ends in that version
    base = f"{function.function_arn.split(':function:', 1)[0]}:function:{function.function_name}"
    target = f"{base}:{qualifier}" if qualifier else base
    permission.physical_resource_id = f"{target}|{resource_name}"  # type: ignore[attr-defined]
    return permission


LAYER_VERSION_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-layerversion.html"
)
relies_on("moto.awslambda.models", "LayerVersion.arn")
relies_on("moto.awslambda.models", "LambdaFunction._get_layers_data", params=("layers_versions_arns",))


def _layer_version_arn(layer_version: Any) -> str:
    """Ref of a layer version: its ARN (``arn:aws:lambda:<region>:<account>:layer:<name>:<version>``). moto's
    LayerVersion has no physical ID, so Ref gave None and a function's ``Layers`` lost it.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-layerversion.html
    """
    return str(layer_version.arn)


patch(
    "moto.awslambda.models",
    "LayerVersion.physical_resource_id",
    kind="addition",
    resource_type="AWS::Lambda::LayerVersion",
    adds=("Ref (the layer version ARN)",),
    doc_url=LAYER_VERSION_DOC,
)(property(_layer_version_arn))  # type: ignore[arg-type]  # a property, as moto's other models have


relies_on("moto.awslambda.models", "LayerVersion.__init__", assigns=("compatible_architectures",))


@patch(
    "moto.awslambda.models",
    "LayerVersion.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::Lambda::LayerVersion",
    adds=("LayerName", "CompatibleArchitectures"),
    doc_url=LAYER_VERSION_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_layer_version(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto publishes the version under the name CloudFormation generated, not the declared ``LayerName``, and
    drops ``CompatibleArchitectures``: this publishes it under ``LayerName`` when declared and keeps the
    architectures, as GetLayerVersion answers them.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-layerversion.html
    and https://docs.aws.amazon.com/lambda/latest/api/API_GetLayerVersion.html
    """
    properties = cloudformation_json.get("Properties") or {}
    name = properties.get("LayerName")
    layer_version = original(
        name if isinstance(name, str) and name else resource_name, cloudformation_json, account_id, region_name
    )
    architectures = properties.get("CompatibleArchitectures")
    if isinstance(architectures, list) and architectures:
        layer_version.compatible_architectures = [str(a) for a in architectures]
    return layer_version
