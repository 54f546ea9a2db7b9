"""A small CDK app with a Lambda function whose code is a file asset (Code.from_asset)."""

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

HERE = Path(__file__).resolve().parent

app = cdk.App()
stack = cdk.Stack(app, "LambdaAssetApp")
function = lambda_.Function(
    stack,
    "Handler",
    runtime=lambda_.Runtime.PYTHON_3_12,
    handler="index.handler",
    code=lambda_.Code.from_asset(str(HERE / "handler")),
)
cdk.CfnOutput(stack, "HandlerFunctionName", value=function.function_name)
cdk.CfnOutput(stack, "HandlerFunctionArn", value=function.function_arn)
app.synth()
