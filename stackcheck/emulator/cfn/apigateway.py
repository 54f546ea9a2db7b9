"""API Gateway (REST) for the emulator: AWS::ApiGateway::Account and AWS::ApiGateway::Stage on moto's backend."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model, patch, relies_on

__all__ = ["Account", "Stage"]

ACCOUNT_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-account.html"
)
DEPLOYMENT_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-deployment.html"
)
STAGE_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-stage.html"

relies_on("moto.apigateway.models", "apigateway_backends")
relies_on(
    "moto.apigateway.models", "APIGatewayBackend.update_stage", params=("function_id", "stage_name", "patch_operations")
)
relies_on("moto.apigateway.models", "APIGatewayBackend.update_account", params=("patch_operations",))
relies_on(
    "moto.apigateway.models",
    "APIGatewayBackend.create_stage",
    params=(
        "function_id",
        "stage_name",
        "deploymentId",
        "variables",
        "description",
        "cacheClusterEnabled",
        "cacheClusterSize",
        "tags",
        "tracing_enabled",
    ),
)
relies_on("moto.apigateway.models", "APIGatewayBackend.get_rest_api", params=("function_id",))
relies_on("moto.apigateway.models", "RestAPI.__init__", assigns=("deployments",))
relies_on("moto.apigateway.exceptions", "DeploymentNotFoundException")
relies_on("moto.apigateway.models", "Deployment.__init__", assigns=("id",))


def _deployment_id(deployment: Any) -> str:
    """Ref of a deployment: its id (moto's Deployment has no physical id, so Ref gave the object and
    a Stage's DeploymentId never matched).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-deployment.html
    """
    return deployment.id


patch(
    "moto.apigateway.models",
    "Deployment.physical_resource_id",
    kind="addition",
    resource_type="AWS::ApiGateway::Deployment",
    adds=("Ref (the deployment id)",),
    doc_url=DEPLOYMENT_DOC,
)(property(_deployment_id))  # type: ignore[arg-type]  # a property, as moto's other models have


def _backend(account_id: str, region_name: str) -> Any:
    from moto.apigateway.models import apigateway_backends

    return apigateway_backends[account_id][region_name]


@extended_model
class Account(ExtensionModel, CloudFormationModel):
    """AWS::ApiGateway::Account: sets the account's ``CloudWatchRoleArn`` (GetAccount answers it).
    Ref is the account-wide physical id CloudFormation also generates.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-account.html
    """

    CFN_TYPE = "AWS::ApiGateway::Account"
    PHYSICAL_ID = "physical_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Id": "physical_id"}

    def __init__(self, physical_id: str, cloudwatch_role_arn: str | None):
        self.physical_id = physical_id
        self.cloudwatch_role_arn = cloudwatch_role_arn

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> Account:
        role_arn = (cloudformation_json.get("Properties") or {}).get("CloudWatchRoleArn")
        if role_arn:
            _backend(account_id, region_name).update_account(
                [{"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}]
            )
        return cls(resource_name, role_arn)


@extended_model
class Stage(ExtensionModel, CloudFormationModel):
    """AWS::ApiGateway::Stage: a stage of ``RestApiId`` pointing at ``DeploymentId`` (GetStage answers
    its name, deployment, variables, description, tracing, cache cluster, tags, method settings and access log
    setting). Ref is the stage name.

    Raises moto's DeploymentNotFoundException when the deployment does not exist, as API Gateway does.
    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-stage.html
    """

    CFN_TYPE = "AWS::ApiGateway::Stage"
    CFN_NAME_TYPE = "StageName"
    PHYSICAL_ID = "stage_name"

    def __init__(self, rest_api_id: str, stage_name: str, deployment_id: str):
        self.rest_api_id = rest_api_id
        self.stage_name = stage_name
        self.deployment_id = deployment_id

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> Stage:
        properties = cloudformation_json.get("Properties") or {}
        rest_api_id = properties["RestApiId"]
        deployment_id = properties["DeploymentId"]
        stage_name = properties.get("StageName") or resource_name
        backend = _backend(account_id, region_name)
        if deployment_id not in backend.get_rest_api(rest_api_id).deployments:
            from moto.apigateway.exceptions import DeploymentNotFoundException

            raise DeploymentNotFoundException()
        tags = {t["Key"]: t["Value"] for t in properties.get("Tags") or []}
        backend.create_stage(
            function_id=rest_api_id,
            stage_name=stage_name,
            deploymentId=deployment_id,
            variables=properties.get("Variables") or {},
            description=properties.get("Description", ""),
            tags=tags or None,
            tracing_enabled=properties.get("TracingEnabled"),
            cacheClusterEnabled=properties.get("CacheClusterEnabled"),
            cacheClusterSize=properties.get("CacheClusterSize"),
        )
        operations = _stage_operations(properties)
        if operations:
            backend.update_stage(rest_api_id, stage_name, operations)
        return cls(rest_api_id, stage_name, deployment_id)


_METHOD_SETTING_PATHS = {
    "MetricsEnabled": "metrics/enabled",
    "LoggingLevel": "logging/loglevel",
    "DataTraceEnabled": "logging/dataTrace",
    "ThrottlingBurstLimit": "throttling/burstLimit",
    "ThrottlingRateLimit": "throttling/rateLimit",
    "CachingEnabled": "caching/enabled",
    "CacheTtlInSeconds": "caching/ttlInSeconds",
    "CacheDataEncrypted": "caching/dataEncrypted",
}
"""``MethodSettings`` item property → the UpdateStage patch path under ``/<resource path>/<HTTP method>/``."""


def _stage_operations(properties: Mapping[str, Any]) -> list[dict[str, str]]:
    """UpdateStage patch operations for a stage's ``MethodSettings`` (``ResourcePath`` ``/*`` as ``*``, ``/~1pets``
    as ``~1pets``, the root ``/`` as ``~1``) and ``AccessLogSetting`` (``DestinationArn``, ``Format``)
    (https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateStage-Patch)."""
    operations: list[dict[str, str]] = []
    for setting in properties.get("MethodSettings") or []:
        path = str(setting.get("ResourcePath", "/*"))
        key = path[1:] if path.startswith("/") else path
        method = str(setting.get("HttpMethod", "*"))
        for name, suffix in _METHOD_SETTING_PATHS.items():
            if setting.get(name) is not None:
                value = setting[name]
                text = str(value).lower() if isinstance(value, bool) else str(value)
                operations.append({"op": "replace", "path": f"/{key or '~1'}/{method}/{suffix}", "value": text})
    access = properties.get("AccessLogSetting") or {}
    for name, field in (("DestinationArn", "destinationArn"), ("Format", "format")):
        if access.get(name):
            operations.append({"op": "replace", "path": f"/accessLogSettings/{field}", "value": str(access[name])})
    return operations


METHOD_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-method.html"
)
relies_on(
    "moto.apigateway.models",
    "APIGatewayBackend.put_method",
    params=(
        "function_id",
        "resource_id",
        "method_type",
        "authorization_type",
        "api_key_required",
        "request_parameters",
        "request_models",
        "operation_name",
        "authorizer_id",
        "authorization_scopes",
        "request_validator_id",
    ),
)
relies_on(
    "moto.apigateway.models",
    "APIGatewayBackend.put_integration",
    params=(
        "function_id",
        "resource_id",
        "method_type",
        "integration_type",
        "uri",
        "integration_method",
        "credentials",
        "request_templates",
        "passthrough_behavior",
        "timeout_in_millis",
        "request_parameters",
        "content_handling",
        "connection_type",
    ),
)
relies_on(
    "moto.apigateway.models",
    "APIGatewayBackend.put_integration_response",
    params=("function_id", "resource_id", "method_type", "status_code", "selection_pattern", "response_templates"),
)
relies_on(
    "moto.apigateway.models",
    "APIGatewayBackend.put_method_response",
    params=("function_id", "resource_id", "method_type", "response_code", "response_models", "response_parameters"),
)


@patch(
    "moto.apigateway.models",
    "Method.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::ApiGateway::Method",
    adds=(
        "AuthorizationType default NONE",
        "Integration: MOCK (no IntegrationHttpMethod/Uri), Credentials, RequestTemplates, RequestParameters, "
        "PassthroughBehavior, TimeoutInMillis, ContentHandling, ConnectionType, IntegrationResponses",
        "MethodResponses",
        "AuthorizerId, AuthorizationScopes, ApiKeyRequired, RequestParameters, RequestModels, OperationName",
        "a method without Integration",
    ),
    doc_url=METHOD_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_method(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto reads ``AuthorizationType``, ``Integration.IntegrationHttpMethod`` and ``Integration.Uri``
    as required (a MOCK integration, CDK's default, has neither: KeyError) and passes PutIntegration
    no ``Credentials`` (an AWS service integration with its role fails with RoleNotSpecified), no
    request templates and no integration or method responses. This makes the method as
    CloudFormation does, through moto's PutMethod, PutIntegration (moto still validates the
    integration), PutIntegrationResponse and PutMethodResponse; AuthorizationType defaults to NONE. Its physical
    ID is ``<RestApiId>|<ResourceId>|<HttpMethod>``, the type's primary identifier.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-method.html
    """
    p = cloudformation_json.get("Properties") or {}
    backend = _backend(account_id, region_name)
    where = {"function_id": p["RestApiId"], "resource_id": p["ResourceId"], "method_type": p["HttpMethod"]}
    method = backend.put_method(
        **where,
        authorization_type=p.get("AuthorizationType", "NONE"),
        api_key_required=p.get("ApiKeyRequired"),
        request_parameters=p.get("RequestParameters"),
        request_models=p.get("RequestModels"),
        operation_name=p.get("OperationName"),
        authorizer_id=p.get("AuthorizerId"),
        authorization_scopes=p.get("AuthorizationScopes"),
        request_validator_id=p.get("RequestValidatorId"),
    )
    # the type's primary identifier (RestApiId, ResourceId, HttpMethod); moto's Method had no physical ID
    method.physical_resource_id = f"{p['RestApiId']}|{p['ResourceId']}|{p['HttpMethod']}"
    for response in p.get("MethodResponses") or []:
        backend.put_method_response(
            **where,
            response_code=str(response["StatusCode"]),
            response_models=response.get("ResponseModels") or {},
            response_parameters=response.get("ResponseParameters") or {},
        )
    integration = p.get("Integration")
    if integration is None:
        return method
    timeout = integration.get("TimeoutInMillis")
    backend.put_integration(
        **where,
        integration_type=integration["Type"],
        uri=integration.get("Uri"),
        integration_method=integration.get("IntegrationHttpMethod"),
        credentials=integration.get("Credentials"),
        request_templates=integration.get("RequestTemplates"),
        passthrough_behavior=integration.get("PassthroughBehavior"),
        timeout_in_millis=str(timeout) if timeout is not None else None,
        request_parameters=integration.get("RequestParameters"),
        content_handling=integration.get("ContentHandling"),
        connection_type=integration.get("ConnectionType"),
    )
    for response in integration.get("IntegrationResponses") or []:
        backend.put_integration_response(
            **where,
            status_code=str(response["StatusCode"]),
            selection_pattern=response.get("SelectionPattern"),
            response_templates=response.get("ResponseTemplates") or {},
            response_parameters=response.get("ResponseParameters") or {},
            content_handling=response.get("ContentHandling"),
        )
    return method


REST_API_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-restapi.html"
)


@patch(
    "moto.apigateway.models",
    "RestAPI.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::ApiGateway::RestApi",
    adds=("EndpointConfiguration as GetRestApi answers it (types, vpcEndpointIds)",),
    doc_url=REST_API_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_rest_api(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto keeps the template's ``EndpointConfiguration`` as CloudFormation spells it (``Types``), so GetRestApi
    answered ``{"Types": [...]}``; this gives moto the API's shape (``types``, ``vpcEndpointIds``), so
    ``endpointConfiguration.types`` is the template's, as on AWS.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-restapi.html
    and https://docs.aws.amazon.com/apigateway/latest/api/API_EndpointConfiguration.html
    """
    properties = cloudformation_json.get("Properties") or {}
    config = properties.get("EndpointConfiguration")
    if isinstance(config, dict):
        shaped = {"types": list(config.get("Types") or [])}
        if config.get("VpcEndpointIds"):
            shaped["vpcEndpointIds"] = list(config["VpcEndpointIds"])
        cloudformation_json = {**cloudformation_json, "Properties": {**properties, "EndpointConfiguration": shaped}}
    return original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
