"""A small CDK app using CDK's framework custom resources: an S3 bucket notifying an SQS queue
(Custom::S3BucketNotifications), emptied on delete (Custom::S3AutoDeleteObjects), a Lambda function
whose log group keeps 7 days of logs (Custom::LogRetention), the ``site`` folder deployed into the
bucket (Custom::CDKBucketDeployment) and an SSM parameter put by an SDK call (Custom::AWS)."""

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from aws_cdk import custom_resources as cr

HERE = Path(__file__).resolve().parent

app = cdk.App()
stack = cdk.Stack(app, "FrameworkCustomApp")
queue = sqs.Queue(stack, "Uploads")
bucket = s3.Bucket(stack, "Inbox", removal_policy=cdk.RemovalPolicy.DESTROY, auto_delete_objects=True)
bucket.add_event_notification(
    s3.EventType.OBJECT_CREATED, s3n.SqsDestination(queue), s3.NotificationKeyFilter(prefix="incoming/")
)
function = lambda_.Function(
    stack,
    "Handler",
    runtime=lambda_.Runtime.PYTHON_3_12,
    handler="index.handler",
    code=lambda_.Code.from_asset(str(HERE / "handler")),
    log_retention=logs.RetentionDays.ONE_WEEK,
)
s3deploy.BucketDeployment(
    stack,
    "Site",
    sources=[s3deploy.Source.asset(str(HERE / "site"))],
    destination_bucket=bucket,
    destination_key_prefix="site",
)
parameter = cr.AwsCustomResource(
    stack,
    "Setting",
    on_create=cr.AwsSdkCall(
        service="SSM",
        action="putParameter",
        parameters={"Name": "/framework-custom/setting", "Value": bucket.bucket_name, "Type": "String"},
        physical_resource_id=cr.PhysicalResourceId.of("framework-custom-setting"),
    ),
    policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE),
)
cdk.CfnOutput(stack, "InboxBucketName", value=bucket.bucket_name)
cdk.CfnOutput(stack, "UploadsQueueArn", value=queue.queue_arn)
cdk.CfnOutput(stack, "HandlerFunctionName", value=function.function_name)
cdk.CfnOutput(stack, "HandlerLogGroupName", value=function.log_group.log_group_name)
cdk.CfnOutput(stack, "SettingVersion", value=parameter.get_response_field("Version"))
app.synth()
