"""A small CDK app with an API Gateway REST API proxying to a Lambda function whose code is a file asset."""

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_

HERE = Path(__file__).resolve().parent

app = cdk.App()
stack = cdk.Stack(app, "RestApiApp")
function = lambda_.Function(
    stack,
    "Handler",
    runtime=lambda_.Runtime.PYTHON_3_12,
    handler="index.handler",
    code=lambda_.Code.from_asset(str(HERE / "handler")),
)
api = apigateway.LambdaRestApi(stack, "Api", handler=function, proxy=False, deploy_options={"stage_name": "prod"})
api.root.add_resource("hello").add_method("GET")
cdk.CfnOutput(stack, "ApiId", value=api.rest_api_id)
cdk.CfnOutput(stack, "ApiStageName", value=api.deployment_stage.stage_name)
cdk.CfnOutput(stack, "ApiUrl", value=api.url)
cdk.CfnOutput(stack, "HandlerFunctionName", value=function.function_name)
app.synth()
