"""The API Gateway REST API readers on the emulator: each resource's CloudFormation-shaped properties, exactly, and
the drift an out-of-band change to the stage makes."""

from __future__ import annotations

from typing import Any

import pytest

from stackcheck.drift.live import LiveDrift
from tests.unit.stackcheck.compliance.test_live_readers import properties, read

pytestmark = pytest.mark.emulator

TYPES = (
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Stage",
)


def template() -> dict[str, Any]:
    """A regional REST API with a /orders resource answered by a MOCK method, deployed to stage ``prod`` (tracing on,
    metrics on for every method)."""
    return {
        "Resources": {
            "Api": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {
                    "Name": "fixture-api",
                    "Description": "orders",
                    "EndpointConfiguration": {"Types": ["REGIONAL"]},
                },
            },
            "Orders": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "PathPart": "orders",
                },
            },
            "OrdersGet": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ResourceId": {"Ref": "Orders"},
                    "HttpMethod": "GET",
                    "AuthorizationType": "NONE",
                    "Integration": {"Type": "MOCK"},
                },
            },
            "Deployment": {
                "Type": "AWS::ApiGateway::Deployment",
                "DependsOn": ["OrdersGet"],
                "Properties": {"RestApiId": {"Ref": "Api"}, "Description": "first"},
            },
            "Prod": {
                "Type": "AWS::ApiGateway::Stage",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "DeploymentId": {"Ref": "Deployment"},
                    "StageName": "prod",
                    "TracingEnabled": True,
                    "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True}],
                },
            },
        }
    }


def test_rest_api_resource_deployment_and_stage_read_as_declared(deploy):
    live = deploy("apigateway", template=template())
    read_now = read(live, *TYPES)
    api = live.physical_id("Api")
    assert properties(read_now, "Api") == {
        "Name": "fixture-api",
        "Description": "orders",
        "EndpointConfiguration": {"Types": ["REGIONAL"]},
        "ApiKeySourceType": "HEADER",
        "DisableExecuteApiEndpoint": False,
    }
    root = live.aws("apigateway").get_resources(restApiId=api)["items"]
    (root_id,) = [r["id"] for r in root if r["path"] == "/"]
    assert properties(read_now, "Orders") == {"RestApiId": api, "ParentId": root_id, "PathPart": "orders"}
    assert properties(read_now, "Deployment") == {"RestApiId": api, "Description": "first"}
    assert properties(read_now, "Prod") == {
        "RestApiId": api,
        "StageName": "prod",
        "DeploymentId": live.physical_id("Deployment"),
        "TracingEnabled": True,
        "CacheClusterEnabled": False,
        # GetStage gives every setting of an entry, those the template leaves to API Gateway's defaults too
        "MethodSettings": [
            {
                "ResourcePath": "/*",
                "HttpMethod": "*",
                "MetricsEnabled": True,
                "DataTraceEnabled": False,
                "ThrottlingBurstLimit": 2000,
                "ThrottlingRateLimit": 1000.0,
                "CachingEnabled": False,
                "CacheTtlInSeconds": 300,
                "CacheDataEncrypted": True,
            }
        ],
    }
    assert read_now.resources["Prod"].notes == ["GetStage: no accessLogSettings"]


def test_tracing_turned_off_on_the_stage_out_of_band_is_drift(deploy):
    live = deploy("apigateway", template=template())
    stacks = live.assembly.dependency_order()

    def drift() -> set[tuple[str, str, str]]:
        (stack,) = LiveDrift(live.factory()).detect(stacks, stacks)
        return {(r.logical_id, d.property_path, d.difference_type) for r in stack.resources for d in r.differences}

    assert drift() == set()
    live.aws("apigateway").update_stage(
        restApiId=live.physical_id("Api"),
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/tracingEnabled", "value": "false"}],
    )
    assert drift() == {("Prod", "/TracingEnabled", "NOT_EQUAL")}


def test_access_logging_removed_out_of_band_is_drift_and_fails_checkovs_check_live(deploy, every_form):
    logged = template()
    destination = "arn:aws:logs:us-east-1:123456789012:log-group:fixture-api-access"
    logged["Resources"]["Prod"]["Properties"]["AccessLogSetting"] = {
        "DestinationArn": destination,
        "Format": "$context.requestId",
    }
    live = deploy("apigateway", template=logged)
    assert properties(read(live, *TYPES), "Prod")["AccessLogSetting"] == {
        "DestinationArn": destination,
        "Format": "$context.requestId",
    }
    checkov_forms = (tuple(f for f in every_form[0] if f.origin == "checkov"), ())
    assert ("CKV_AWS_76", "Prod") not in {
        (f.rule_id, f.logical_id) for f in live.check(forms=checkov_forms).scan.failures()
    }
    live.aws("apigateway").update_stage(
        restApiId=live.physical_id("Api"),
        stageName="prod",
        patchOperations=[{"op": "remove", "path": "/accessLogSettings"}],
    )
    stacks = live.assembly.dependency_order()
    (stack,) = LiveDrift(live.factory()).detect(stacks, stacks)
    assert {(r.logical_id, d.property_path, d.difference_type) for r in stack.resources for d in r.differences} == {
        ("Prod", "/AccessLogSetting", "REMOVE")
    }
    assert ("CKV_AWS_76", "Prod") in {
        (f.rule_id, f.logical_id) for f in live.check(forms=checkov_forms).scan.failures()
    }


def test_a_cache_cluster_is_read_with_its_size(deploy):
    cached = template()
    cached["Resources"]["Prod"]["Properties"] |= {"CacheClusterEnabled": True, "CacheClusterSize": "0.5"}
    live = deploy("apigateway", template=cached)
    stage = properties(read(live, *TYPES), "Prod")
    assert (stage["CacheClusterEnabled"], stage["CacheClusterSize"]) == (True, "0.5")


def test_a_method_reads_its_authorization_responses_and_integration(deploy, every_form):
    declared = template()
    declared["Resources"]["OrdersGet"]["Properties"] |= {
        "MethodResponses": [{"StatusCode": "200"}],
        "Integration": {
            "Type": "MOCK",
            "RequestTemplates": {"application/json": '{"statusCode": 200}'},
            "IntegrationResponses": [{"StatusCode": "200", "ResponseTemplates": {"application/json": ""}}],
        },
    }
    live = deploy("apigateway", template=declared)
    api, orders = live.physical_id("Api"), live.physical_id("Orders")
    assert live.physical_id("OrdersGet") == f"{api}|{orders}|GET"
    method = properties(read(live, "AWS::ApiGateway::Method"), "OrdersGet")
    assert {k: v for k, v in method.items() if k != "ApiKeyRequired"} == {
        "RestApiId": api,
        "ResourceId": orders,
        "HttpMethod": "GET",
        "AuthorizationType": "NONE",
        "MethodResponses": [{"StatusCode": "200"}],
        "Integration": {
            "Type": "MOCK",
            "RequestTemplates": {"application/json": '{"statusCode": 200}'},
            # an empty template: API Gateway answers null for it
            "IntegrationResponses": [{"StatusCode": "200", "ResponseTemplates": {"application/json": ""}}],
        },
    }
    stacks = live.assembly.dependency_order()
    (stack,) = LiveDrift(live.factory()).detect(stacks, stacks)
    assert {r.logical_id: r.status.value for r in stack.resources}["OrdersGet"] == "IN_SYNC"
    # no authorizer and no API key: checkov's CKV_AWS_59 fails the live method as it fails the template
    checkov_forms = (tuple(f for f in every_form[0] if f.origin == "checkov"), ())
    assert ("CKV_AWS_59", "OrdersGet") in {
        (f.rule_id, f.logical_id) for f in live.check(forms=checkov_forms).scan.failures()
    }
