"""API Gateway v2 (HTTP and WebSocket APIs) for the emulator: Api, Stage, Integration and Route on moto's backend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model, relies_on

__all__ = ["Api", "Integration", "Route", "Stage"]

DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-{}.html"

relies_on("moto.apigatewayv2.models", "apigatewayv2_backends")
relies_on(
    "moto.apigatewayv2.models",
    "ApiGatewayV2Backend.create_api",
    params=("name", "protocol_type", "description", "route_selection_expression", "tags", "version"),
)
relies_on("moto.apigatewayv2.models", "ApiGatewayV2Backend.create_stage", params=("api_id", "config"))
relies_on(
    "moto.apigatewayv2.models",
    "ApiGatewayV2Backend.create_integration",
    params=("api_id", "integration_type", "integration_uri", "integration_method", "payload_format_version"),
)
relies_on(
    "moto.apigatewayv2.models",
    "ApiGatewayV2Backend.create_route",
    params=("api_id", "route_key", "target", "authorization_type"),
)
relies_on("moto.apigatewayv2.models", "Api.__init__", assigns=("api_id", "api_endpoint"))
relies_on("moto.apigatewayv2.models", "Integration.__init__", assigns=("id",))
relies_on("moto.apigatewayv2.models", "Route.__init__", assigns=("route_id",))


def _backend(account_id: str, region_name: str) -> Any:
    from moto.apigatewayv2.models import apigatewayv2_backends

    return apigatewayv2_backends[account_id][region_name]


def _unknown_attribute() -> Exception:
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

    return UnformattedGetAttTemplateException()


@extended_model
class Api(ExtensionModel, CloudFormationModel):
    """AWS::ApiGatewayV2::Api: an HTTP or WebSocket API (``Name``, ``ProtocolType``, ``Description``,
    ``RouteSelectionExpression``, ``CorsConfiguration``, ``Tags``). Ref is the API id; GetAtt
    ``ApiId`` and ``ApiEndpoint`` (``https://{id}.execute-api.{region}.amazonaws.com``).
    Quick create (``Target``/``RouteKey``) and OpenAPI ``Body`` are not emulated.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-api.html
    """

    CFN_TYPE = "AWS::ApiGatewayV2::Api"
    CFN_NAME_TYPE = "Name"
    PHYSICAL_ID = "api_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"ApiId": "api_id", "ApiEndpoint": "api_endpoint"}

    def __init__(self, api_id: str, api_endpoint: str):
        self.api_id = api_id
        self.api_endpoint = api_endpoint

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> Api:
        p = cloudformation_json.get("Properties") or {}
        api = _backend(account_id, region_name).create_api(
            api_key_selection_expression=p.get("ApiKeySelectionExpression"),
            cors_configuration=p.get("CorsConfiguration"),
            description=p.get("Description", ""),
            disable_schema_validation=p.get("DisableSchemaValidation"),
            disable_execute_api_endpoint=p.get("DisableExecuteApiEndpoint"),
            name=p.get("Name") or resource_name,
            protocol_type=p.get("ProtocolType", "HTTP"),
            route_selection_expression=p.get("RouteSelectionExpression"),
            tags=p.get("Tags") or {},
            version=p.get("Version"),
        )
        return cls(api.api_id, api.api_endpoint)


@extended_model
class Stage(ExtensionModel, CloudFormationModel):
    """AWS::ApiGatewayV2::Stage: ``StageName`` of ``ApiId`` with ``AutoDeploy``, ``Description``,
    ``StageVariables``, ``AccessLogSettings``, ``DefaultRouteSettings`` and ``Tags``. Ref is the stage name.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-stage.html
    """

    CFN_TYPE = "AWS::ApiGatewayV2::Stage"
    CFN_NAME_TYPE = "StageName"
    PHYSICAL_ID = "stage_name"

    def __init__(self, api_id: str, stage_name: str):
        self.api_id = api_id
        self.stage_name = stage_name

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> Stage:
        p = cloudformation_json.get("Properties") or {}
        config = {
            "stageName": p.get("StageName") or resource_name,
            "autoDeploy": p.get("AutoDeploy"),
            "description": p.get("Description"),
            "stageVariables": p.get("StageVariables") or {},
            "accessLogSettings": p.get("AccessLogSettings"),
            "tags": p.get("Tags") or {},
        }
        if p.get("DefaultRouteSettings"):
            config["defaultRouteSettings"] = p["DefaultRouteSettings"]
        stage = _backend(account_id, region_name).create_stage(p["ApiId"], config)
        return cls(p["ApiId"], stage.name)


@extended_model
class Integration(ExtensionModel, CloudFormationModel):
    """AWS::ApiGatewayV2::Integration: ``IntegrationType`` to ``IntegrationUri`` on ``ApiId``
    (method, payload format, timeout, connection, credentials). Ref is the integration id.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-integration.html
    """

    CFN_TYPE = "AWS::ApiGatewayV2::Integration"
    PHYSICAL_ID = "integration_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"IntegrationId": "integration_id"}

    def __init__(self, api_id: str, integration_id: str):
        self.api_id = api_id
        self.integration_id = integration_id

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> Integration:
        p = cloudformation_json.get("Properties") or {}
        timeout = p.get("TimeoutInMillis")
        integration = _backend(account_id, region_name).create_integration(
            api_id=p["ApiId"],
            connection_id=p.get("ConnectionId"),
            connection_type=p.get("ConnectionType", "INTERNET"),
            content_handling_strategy=p.get("ContentHandlingStrategy"),
            credentials_arn=p.get("CredentialsArn"),
            description=p.get("Description", ""),
            integration_method=p.get("IntegrationMethod"),
            integration_subtype=p.get("IntegrationSubtype"),
            integration_type=p["IntegrationType"],
            integration_uri=p.get("IntegrationUri"),
            passthrough_behavior=p.get("PassthroughBehavior"),
            payload_format_version=p.get("PayloadFormatVersion"),
            request_parameters=p.get("RequestParameters"),
            request_templates=p.get("RequestTemplates"),
            response_parameters=p.get("ResponseParameters"),
            template_selection_expression=p.get("TemplateSelectionExpression"),
            timeout_in_millis=str(timeout) if timeout is not None else None,
            tls_config=p.get("TlsConfig"),
        )
        return cls(p["ApiId"], integration.id)


@extended_model
class Route(ExtensionModel, CloudFormationModel):
    """AWS::ApiGatewayV2::Route: ``RouteKey`` (``GET /items``, ``$default``) of ``ApiId`` to ``Target``
    (``integrations/{id}``), with authorization settings. Ref is the route id.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-route.html
    """

    CFN_TYPE = "AWS::ApiGatewayV2::Route"
    PHYSICAL_ID = "route_id"

    def __init__(self, api_id: str, route_id: str):
        self.api_id = api_id
        self.route_id = route_id

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> Route:
        p = cloudformation_json.get("Properties") or {}
        route = _backend(account_id, region_name).create_route(
            api_id=p["ApiId"],
            api_key_required=bool(p.get("ApiKeyRequired", False)),
            authorization_scopes=p.get("AuthorizationScopes") or [],
            authorization_type=p.get("AuthorizationType", "NONE"),
            authorizer_id=p.get("AuthorizerId"),
            model_selection_expression=p.get("ModelSelectionExpression"),
            operation_name=p.get("OperationName"),
            request_models=p.get("RequestModels"),
            request_parameters=p.get("RequestParameters"),
            route_key=p["RouteKey"],
            route_response_selection_expression=p.get("RouteResponseSelectionExpression"),
            target=p.get("Target"),
        )
        return cls(p["ApiId"], route.route_id)
