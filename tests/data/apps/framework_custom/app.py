"""A small CDK app using CDK's framework custom resources: an S3 bucket notifying an SQS queue
(Custom::S3BucketNotifications), emptied on delete (Custom::S3AutoDeleteObjects), and a Lambda
function whose log group keeps 7 days of logs (Custom::LogRetention)."""

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs

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
cdk.CfnOutput(stack, "InboxBucketName", value=bucket.bucket_name)
cdk.CfnOutput(stack, "UploadsQueueArn", value=queue.queue_arn)
cdk.CfnOutput(stack, "HandlerFunctionName", value=function.function_name)
app.synth()
