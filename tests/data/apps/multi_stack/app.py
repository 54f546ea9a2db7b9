"""A small multi-stack CDK app: a Storage stack with a bucket and an Alerts stack with a topic that
reads the bucket's name across stacks (an export), both declaring an output keyed ``Name``."""

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm

app = cdk.App()
storage = cdk.Stack(app, "MultiStorage")
bucket = s3.Bucket(storage, "Data")
cdk.CfnOutput(storage, "Name", value=bucket.bucket_name)

alerts = cdk.Stack(app, "MultiAlerts")
topic = sns.Topic(alerts, "Alarms")
ssm.StringParameter(alerts, "WatchedBucket", string_value=bucket.bucket_name)
cdk.CfnOutput(alerts, "Name", value=topic.topic_name)
app.synth()
