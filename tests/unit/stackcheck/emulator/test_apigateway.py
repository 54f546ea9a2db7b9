"""API Gateway on the emulator: a CDK REST API (Account, Deployment, Stage) deploys whole; HTTP API types create."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[3] / "data" / "apps"


@pytest.mark.emulator
@pytest.mark.slow
def test_a_rest_api_app_deploys_every_resource_and_its_stage_answers(emulator, emulator_dir, aws, tmp_path):
    from stackcheck.assembly import synthesize
    from stackcheck.emulator.deploy import deploy_assembly

    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    assembly = synthesize(APPS / "rest_api", tmp_path / "cdk.out").assembly
    result = deploy_assembly(assembly, emulator, outputs_dir=tmp_path / "out", log_file=emulator_dir / "emulator.log")
    (stack,) = result.stacks
    assert stack.line() == "RestApiApp  CREATE_COMPLETE  declared 11 / created 11 / emulated 0 / skipped 0"
    outputs = json.loads((tmp_path / "out" / "flat-outputs.json").read_text())
    client = aws("apigateway")
    stage = client.get_stage(restApiId=outputs["ApiId"], stageName=outputs["ApiStageName"])
    deployments = client.get_deployments(restApiId=outputs["ApiId"])["items"]
    assert (stage["stageName"], [stage["deploymentId"]]) == ("prod", [d["id"] for d in deployments])
    assert outputs["ApiUrl"] == f"https://{outputs['ApiId']}.execute-api.{emulator.region}.amazonaws.com/prod/"
    paths = sorted(r["path"] for r in client.get_resources(restApiId=outputs["ApiId"])["items"])
    assert paths == ["/", "/hello"]
    assert client.get_account()["cloudwatchRoleArn"].startswith("arn:aws:iam::123456789012:role/")


@pytest.mark.emulator
def test_a_stage_on_a_missing_deployment_fails_the_stack(deploy):
    from stackcheck.errors import DeployError

    template = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
            "Stage": {
                "Type": "AWS::ApiGateway::Stage",
                "Properties": {"RestApiId": {"Ref": "Api"}, "DeploymentId": "absent", "StageName": "prod"},
            },
        }
    }
    with pytest.raises(DeployError) as err:
        deploy({"Rest": (template, [])})
    assert "Invalid Deployment identifier specified" in str(err.value)


@pytest.mark.emulator
def test_an_http_api_with_integration_route_and_stage_creates_each(deploy, aws):
    template = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "http", "ProtocolType": "HTTP"}},
            "Integration": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {
                    "ApiId": {"Ref": "Api"},
                    "IntegrationType": "HTTP_PROXY",
                    "IntegrationMethod": "GET",
                    "IntegrationUri": "https://example.com",
                    "PayloadFormatVersion": "1.0",
                },
            },
            "Route": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": {"Ref": "Api"},
                    "RouteKey": "GET /items",
                    "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "Integration"}]]},
                },
            },
            "Stage": {
                "Type": "AWS::ApiGatewayV2::Stage",
                "Properties": {"ApiId": {"Ref": "Api"}, "StageName": "$default", "AutoDeploy": True},
            },
        },
        "Outputs": {
            "ApiId": {"Value": {"Ref": "Api"}},
            "Endpoint": {"Value": {"Fn::GetAtt": ["Api", "ApiEndpoint"]}},
            "IntegrationId": {"Value": {"Ref": "Integration"}},
        },
    }
    (stack,) = deploy({"Http": (template, [])}).stacks
    outputs = stack.outputs
    client = aws("apigatewayv2")
    assert outputs["Endpoint"] == f"https://{outputs['ApiId']}.execute-api.us-east-1.amazonaws.com"
    (route,) = client.get_routes(ApiId=outputs["ApiId"])["Items"]
    assert (route["RouteKey"], route["Target"]) == ("GET /items", f"integrations/{outputs['IntegrationId']}")
    integration = client.get_integration(ApiId=outputs["ApiId"], IntegrationId=outputs["IntegrationId"])
    assert (integration["IntegrationType"], integration["IntegrationUri"]) == ("HTTP_PROXY", "https://example.com")
    (stage,) = client.get_stages(ApiId=outputs["ApiId"])["Items"]
    assert (stage["StageName"], stage["AutoDeploy"]) == ("$default", True)


@pytest.mark.emulator
def test_a_mock_method_and_a_method_without_integration_are_created(deploy, aws):
    template = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
            "Any": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "HttpMethod": "ANY",
                    "AuthorizationType": "NONE",
                    "Integration": {"Type": "MOCK"},
                },
            },
            "Items": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "PathPart": "items",
                },
            },
            "Get": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {"RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Items"}, "HttpMethod": "GET"},
            },
        },
        "Outputs": {"ApiId": {"Value": {"Ref": "Api"}}, "ItemsId": {"Value": {"Ref": "Items"}}},
    }
    (stack,) = deploy({"Methods": (template, [])}).stacks
    client = aws("apigateway")
    api, items = stack.outputs["ApiId"], stack.outputs["ItemsId"]
    root = next(r["id"] for r in client.get_resources(restApiId=api)["items"] if r["path"] == "/")
    assert client.get_integration(restApiId=api, resourceId=root, httpMethod="ANY")["type"] == "MOCK"
    get = client.get_method(restApiId=api, resourceId=items, httpMethod="GET")
    assert (get["authorizationType"], "methodIntegration" in get) == ("NONE", False)


@pytest.mark.emulator
def test_an_aws_service_integration_keeps_its_role_templates_and_responses(deploy, aws):
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "apigateway.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                },
            },
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
            "Put": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "HttpMethod": "PUT",
                    "AuthorizationType": "AWS_IAM",
                    "Integration": {
                        "Type": "AWS",
                        "IntegrationHttpMethod": "PUT",
                        "Uri": "arn:aws:apigateway:us-east-1:s3:path/bucket/key",
                        "Credentials": {"Fn::GetAtt": ["Role", "Arn"]},
                        "RequestTemplates": {"application/json": "$input.body"},
                        "IntegrationResponses": [{"StatusCode": "200", "ResponseTemplates": {"application/json": ""}}],
                    },
                    "MethodResponses": [{"StatusCode": "200"}],
                },
            },
        },
        "Outputs": {"ApiId": {"Value": {"Ref": "Api"}}, "RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}}},
    }
    (stack,) = deploy({"Service": (template, [])}).stacks
    client = aws("apigateway")
    api = stack.outputs["ApiId"]
    root = next(r["id"] for r in client.get_resources(restApiId=api)["items"] if r["path"] == "/")
    method = client.get_method(restApiId=api, resourceId=root, httpMethod="PUT")
    integration = method["methodIntegration"]
    assert (method["authorizationType"], integration["credentials"]) == ("AWS_IAM", stack.outputs["RoleArn"])
    assert integration["requestTemplates"] == {"application/json": "$input.body"}
    assert sorted(integration["integrationResponses"]) == ["200"]
    assert sorted(method["methodResponses"]) == ["200"]
