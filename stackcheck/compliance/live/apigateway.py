"""Live-state readers for Amazon API Gateway (REST APIs): each reads one resource type's properties through the API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from stackcheck.compliance.live.base import Builder, LiveResource, drop_none

_METHOD_SETTINGS = {
    "loggingLevel": "LoggingLevel",
    "metricsEnabled": "MetricsEnabled",
    "dataTraceEnabled": "DataTraceEnabled",
    "throttlingBurstLimit": "ThrottlingBurstLimit",
    "throttlingRateLimit": "ThrottlingRateLimit",
    "cachingEnabled": "CachingEnabled",
    "cacheTtlInSeconds": "CacheTtlInSeconds",
    "cacheDataEncrypted": "CacheDataEncrypted",
}
"""GetStage ``methodSettings`` fields → AWS::ApiGateway::Stage ``MethodSettings`` property names."""


def _method_setting(key: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """One ``methodSettings`` entry (key ``<resource path>/<HTTP method>``, ``*/*`` for every method) as a
    ``MethodSettings`` item: ``ResourcePath`` with its leading ``/`` (``/*`` for every resource), ``HttpMethod``."""
    path, _, method = key.rpartition("/")
    item = {"ResourcePath": f"/{path}" if not path.startswith("/") else path, "HttpMethod": method}
    item.update({name: settings[field] for field, name in _METHOD_SETTINGS.items() if settings.get(field) is not None})
    return item


def _policy(text: Any) -> Any:
    """GetRestApi's ``policy``: JSON text whose quotes API Gateway answers escaped (``{\\"Version\\": ...}``), as the
    object it holds; the text as it is when it is not JSON."""
    if not isinstance(text, str) or not text:
        return text or None
    for candidate in (text, text.replace('\\"', '"')):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return text


_INTEGRATION_FIELDS = {
    "type": "Type",
    "httpMethod": "IntegrationHttpMethod",
    "uri": "Uri",
    "credentials": "Credentials",
    "passthroughBehavior": "PassthroughBehavior",
    "requestParameters": "RequestParameters",
    "requestTemplates": "RequestTemplates",
    "timeoutInMillis": "TimeoutInMillis",
    "contentHandling": "ContentHandling",
    "connectionType": "ConnectionType",
    "connectionId": "ConnectionId",
    "cacheNamespace": "CacheNamespace",
    "cacheKeyParameters": "CacheKeyParameters",
}
"""GetMethod ``methodIntegration`` fields → AWS::ApiGateway::Method ``Integration`` property names."""


def _templates(answer: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Mapping templates by content type, an empty template (API Gateway answers ``null`` for it) as ``""``, as a
    template gives it; None for none."""
    return {kind: "" if body is None else body for kind, body in answer.items()} if answer else None


def _integration(answer: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A method's integration as CloudFormation takes it (``TimeoutInMillis`` an integer; ``IntegrationResponses``
    one item per status code); None when the method has none."""
    if not answer:
        return None
    integration: dict[str, Any] = {
        name: answer[field]
        for field, name in _INTEGRATION_FIELDS.items()
        if answer.get(field) not in (None, "", {}, [])
    }
    if "RequestTemplates" in integration:
        integration["RequestTemplates"] = _templates(integration["RequestTemplates"])
    if "TimeoutInMillis" in integration:
        integration["TimeoutInMillis"] = int(integration["TimeoutInMillis"])
    responses = [
        drop_none(
            {
                "StatusCode": code,
                "SelectionPattern": item.get("selectionPattern") or None,
                "ResponseTemplates": _templates(item.get("responseTemplates")),
                "ResponseParameters": item.get("responseParameters") or None,
                "ContentHandling": item.get("contentHandling"),
            }
        )
        for code, item in sorted((answer.get("integrationResponses") or {}).items())
    ]
    if responses:
        integration["IntegrationResponses"] = responses
    return integration


class ApiGatewayReaders(Builder):
    """Readers of Amazon API Gateway REST API resources (mixed into the live template builder)."""

    def _rest_api_id(self, resource: LiveResource) -> str:
        """The REST API a resource of it names in ``RestApiId`` (``declared_id``); "" when it names none."""
        return self.declared_id(resource, "RestApiId") or ""

    def rest_api(self, resource: LiveResource) -> dict[str, Any]:
        """REST API (physical ID: its ID): GetRestApi
        (https://docs.aws.amazon.com/apigateway/latest/api/API_GetRestApi.html), as AWS::ApiGateway::RestApi's
        properties: ``Name``, ``Description``, ``EndpointConfiguration.Types``, ``BinaryMediaTypes``,
        ``ApiKeySourceType``, ``MinimumCompressionSize``, ``DisableExecuteApiEndpoint`` and ``Policy`` (the object its
        JSON holds), each where API Gateway gives it."""
        api = self.call(resource, "apigateway", "get_rest_api", restApiId=resource.physical_id)
        policy = _policy(api.get("policy"))
        types = (api.get("endpointConfiguration") or {}).get("types")
        return drop_none(
            {
                "Name": api.get("name"),
                "Description": api.get("description") or None,
                "EndpointConfiguration": {"Types": list(types)} if types else None,
                "BinaryMediaTypes": api.get("binaryMediaTypes") or None,
                "ApiKeySourceType": api.get("apiKeySource"),
                "MinimumCompressionSize": api.get("minimumCompressionSize"),
                "DisableExecuteApiEndpoint": api.get("disableExecuteApiEndpoint"),
                "Policy": policy or None,
            }
        )

    def api_resource(self, resource: LiveResource) -> dict[str, Any]:
        """REST API resource (physical ID: its ID): GetResource
        (https://docs.aws.amazon.com/apigateway/latest/api/API_GetResource.html), of the REST API its ``RestApiId``
        names: ``RestApiId``, ``ParentId`` and ``PathPart``."""
        api = self._rest_api_id(resource)
        found = self.call(resource, "apigateway", "get_resource", restApiId=api, resourceId=resource.physical_id)
        return drop_none({"RestApiId": api, "ParentId": found.get("parentId"), "PathPart": found.get("pathPart")})

    def api_deployment(self, resource: LiveResource) -> dict[str, Any]:
        """REST API deployment (physical ID: its ID): GetDeployment
        (https://docs.aws.amazon.com/apigateway/latest/api/API_GetDeployment.html): ``RestApiId`` and
        ``Description``."""
        api = self._rest_api_id(resource)
        found = self.call(resource, "apigateway", "get_deployment", restApiId=api, deploymentId=resource.physical_id)
        return drop_none({"RestApiId": api, "Description": found.get("description") or None})

    def api_stage(self, resource: LiveResource) -> dict[str, Any]:
        """REST API stage (physical ID: its name): GetStage
        (https://docs.aws.amazon.com/apigateway/latest/api/API_GetStage.html), as AWS::ApiGateway::Stage's
        properties: ``RestApiId``, ``StageName``, ``DeploymentId``, ``Description``, ``TracingEnabled``,
        ``CacheClusterEnabled``, ``CacheClusterSize``, ``Variables``, ``AccessLogSetting`` (``DestinationArn``,
        ``Format``; absent, noted, when access logging is off) and ``MethodSettings`` (one item per
        ``methodSettings`` entry, ``*/*`` as ``ResourcePath`` ``/*`` and ``HttpMethod`` ``*``)."""
        api = self._rest_api_id(resource)
        stage = self.call(resource, "apigateway", "get_stage", restApiId=api, stageName=resource.physical_id)
        logs = stage.get("accessLogSettings") or {}
        if not logs.get("destinationArn"):
            self.note(resource, "GetStage: no accessLogSettings", "AccessLogSetting")
        settings = stage.get("methodSettings") or {}
        return drop_none(
            {
                "RestApiId": api,
                "StageName": stage.get("stageName", resource.physical_id),
                "DeploymentId": stage.get("deploymentId"),
                "Description": stage.get("description") or None,
                "TracingEnabled": bool(stage.get("tracingEnabled", False)),
                "CacheClusterEnabled": bool(stage.get("cacheClusterEnabled", False)),
                "CacheClusterSize": stage.get("cacheClusterSize") if stage.get("cacheClusterEnabled") else None,
                "Variables": stage.get("variables") or None,
                "AccessLogSetting": drop_none({"DestinationArn": logs["destinationArn"], "Format": logs.get("format")})
                if logs.get("destinationArn")
                else None,
                "MethodSettings": [_method_setting(k, v) for k, v in sorted(settings.items())] or None,
            }
        )

    def api_method(self, resource: LiveResource) -> dict[str, Any]:
        """REST API method (physical ID: ``<RestApiId>|<ResourceId>|<HttpMethod>``, the type's primary identifier):
        GetMethod (https://docs.aws.amazon.com/apigateway/latest/api/API_GetMethod.html), as
        AWS::ApiGateway::Method's properties: ``RestApiId``, ``ResourceId``, ``HttpMethod``, ``AuthorizationType``,
        ``AuthorizerId``, ``ApiKeyRequired``, ``OperationName``, ``RequestParameters``, ``RequestModels``,
        ``RequestValidatorId``, ``AuthorizationScopes``, ``MethodResponses`` (one item per status code) and
        ``Integration`` (its type, HTTP method, URI, credentials, passthrough behaviour, request parameters and
        templates, timeout, content handling, connection, cache keys, and ``IntegrationResponses``)."""
        api, resource_id, http_method = [*resource.physical_id.split("|"), "", "", ""][:3]
        method = self.call(
            resource, "apigateway", "get_method", restApiId=api, resourceId=resource_id, httpMethod=http_method
        )
        responses = [
            drop_none(
                {
                    "StatusCode": code,
                    "ResponseParameters": answer.get("responseParameters") or None,
                    "ResponseModels": answer.get("responseModels") or None,
                }
            )
            for code, answer in sorted((method.get("methodResponses") or {}).items())
        ]
        return drop_none(
            {
                "RestApiId": api,
                "ResourceId": resource_id,
                "HttpMethod": method.get("httpMethod", http_method),
                "AuthorizationType": method.get("authorizationType"),
                "AuthorizerId": method.get("authorizerId"),
                "ApiKeyRequired": method.get("apiKeyRequired"),
                "OperationName": method.get("operationName"),
                "RequestParameters": method.get("requestParameters") or None,
                "RequestModels": method.get("requestModels") or None,
                "RequestValidatorId": method.get("requestValidatorId"),
                "AuthorizationScopes": method.get("authorizationScopes") or None,
                "MethodResponses": responses or None,
                "Integration": _integration(method.get("methodIntegration")),
            }
        )

    def api_account(self, resource: LiveResource) -> dict[str, Any]:
        """API Gateway account settings of the region: GetAccount
        (https://docs.aws.amazon.com/apigateway/latest/api/API_GetAccount.html): ``CloudWatchRoleArn``."""
        account = self.call(resource, "apigateway", "get_account")
        return drop_none({"CloudWatchRoleArn": account.get("cloudwatchRoleArn")})
