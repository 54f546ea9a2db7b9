"""CDK's framework custom resources on the emulator: emulated by their effect, others skipped by name, lost outputs named."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from stackcheck.emulator.capabilities import EMULATED, UNSUPPORTED, classify_resource
from stackcheck.emulator.cfn.framework import framework_kind, operation_name, provider_id, service_name

from .conftest import lambda_resources, load_template, write_assembly

APPS = Path(__file__).resolve().parents[3] / "data" / "apps"

NOTIFICATIONS = {
    "Type": "Custom::S3BucketNotifications",
    "Properties": {
        "ServiceToken": {"Fn::GetAtt": ["BucketNotificationsHandler050a0587b7544547bf325f094a3db8347ECC3691", "Arn"]},
        "BucketName": {"Ref": "Inbox"},
    },
}


def no_emulator(assembly):
    """``--outputs-dir`` of a folder without an emulator record: the local moto answers, wherever the tests run."""
    return ["--outputs-dir", str(assembly.directory / "no-emulator")]


def test_a_framework_resource_is_known_by_its_type_and_its_cdk_provider():
    assert framework_kind(NOTIFICATIONS) == "Custom::S3BucketNotifications"
    own = {"Type": "Custom::S3BucketNotifications", "Properties": {"ServiceToken": {"Fn::GetAtt": ["Mine", "Arn"]}}}
    assert framework_kind(own) is None
    assert framework_kind({"Type": "AWS::S3::Bucket"}) is None
    assert classify_resource(NOTIFICATIONS) == (
        EMULATED,
        "CDK framework custom resource emulated by its effect: bucket notification configuration put",
    )
    assert classify_resource(own) == (
        UNSUPPORTED,
        "custom resource Custom::S3BucketNotifications (provider Mine) needs its Lambda function to run; "
        "the emulator cannot run it",
    )


@pytest.mark.parametrize(
    ("action", "method"),
    [
        ("putParameter", "put_parameter"),
        ("PutParameter", "put_parameter"),
        ("PutParameterCommand", "put_parameter"),
        ("describeDBInstances", "describe_db_instances"),
        ("ListObjectsV2", "list_objects_v2"),
    ],
)
def test_an_sdk_action_in_any_of_its_spellings_names_the_boto3_method(action, method):
    assert operation_name(action) == method


@pytest.mark.parametrize(
    ("service", "name"),
    [
        ("SSM", "ssm"),
        ("@aws-sdk/client-ssm", "ssm"),
        ("CloudWatchLogs", "logs"),
        ("@aws-sdk/client-cloudwatch-logs", "logs"),
        ("ELBv2", "elbv2"),
        ("ElasticLoadBalancingV2", "elbv2"),
        ("@aws-sdk/client-cognito-identity-provider", "cognito-idp"),
        ("logs", "logs"),
    ],
)
def test_an_sdk_service_in_any_of_its_spellings_names_the_boto3_client(service, name):
    assert service_name(service) == name


def test_the_provider_is_read_from_either_getatt_form():
    assert provider_id({"Properties": {"ServiceToken": {"Fn::GetAtt": "Provider1234.Arn"}}}) == "Provider1234"
    assert provider_id({"Properties": {"ServiceToken": "arn:aws:lambda:us-east-1:1:function:x"}}) is None
    assert provider_id({"Type": "Custom::X"}) is None


@pytest.mark.emulator
@pytest.mark.slow
def test_an_app_with_framework_custom_resources_deploys_with_their_effect(emulator, emulator_dir, aws, tmp_path):
    from stackcheck.assembly import synthesize
    from stackcheck.emulator.deploy import deploy_assembly

    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    assembly = synthesize(APPS / "framework_custom", tmp_path / "cdk.out").assembly
    result = deploy_assembly(assembly, emulator, outputs_dir=tmp_path / "out", log_file=emulator_dir / "emulator.log")
    (stack,) = result.stacks
    assert stack.line() == ("FrameworkCustomApp  CREATE_COMPLETE  declared 26 / created 21 / emulated 5 / skipped 0")
    assert sorted(stack.emulated) == [
        "HandlerLogRetention34184093",
        "InboxAutoDeleteObjectsCustomResourceCDDDF728",
        "InboxNotificationsAC048E36",
        "Setting2E7FC5C3",
        "SiteCustomResourceEFE24676",
    ]
    outputs = json.loads((tmp_path / "out" / "flat-outputs.json").read_text())
    notification = aws("s3").get_bucket_notification_configuration(Bucket=outputs["InboxBucketName"])
    (queue,) = notification["QueueConfigurations"]
    assert (queue["QueueArn"], queue["Events"]) == (outputs["UploadsQueueArn"], ["s3:ObjectCreated:*"])
    assert queue["Filter"] == {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}}
    (group,) = aws("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{outputs['HandlerFunctionName']}")[
        "logGroups"
    ]
    assert (group["logGroupName"], group["retentionInDays"]) == (f"/aws/lambda/{outputs['HandlerFunctionName']}", 7)
    assert outputs["HandlerLogGroupName"] == group["logGroupName"]  # GetAtt LogRetention.LogGroupName
    listed = aws("s3").list_objects_v2(Bucket=outputs["InboxBucketName"], Prefix="site/")["Contents"]
    assert sorted(o["Key"] for o in listed) == ["site/css/site.css", "site/index.html"]
    page = aws("s3").get_object(Bucket=outputs["InboxBucketName"], Key="site/index.html")["Body"].read()
    assert page == b"<h1>inbox</h1>\n"
    setting = aws("ssm").get_parameter(Name="/framework-custom/setting")["Parameter"]
    assert (setting["Value"], outputs["SettingVersion"]) == (outputs["InboxBucketName"], "1")
    policy = json.loads(
        aws("sqs").get_queue_attributes(QueueUrl=aws("sqs").list_queues()["QueueUrls"][0], AttributeNames=["Policy"])[
            "Attributes"
        ]["Policy"]
    )
    assert [st["Action"] for st in policy["Statement"]] == [
        ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    ]


def test_outputs_lost_with_a_skipped_resource_name_the_first_resource_skipped(tmp_path):
    from stackcheck.emulator.plan import plan_templates

    template = load_template("unsupported")
    template["Resources"]["Mine"] = {
        "Type": "Custom::Thing",
        "Properties": {"ServiceToken": {"Fn::GetAtt": ["MyProvider", "Arn"]}},
    }
    template["Outputs"]["ParameterName"] = {"Value": {"Ref": "DistributionDomainParameter"}}
    template["Outputs"]["ThingId"] = {"Value": {"Fn::Sub": "id-${Mine}"}}
    ((plan,),) = plan_templates(write_assembly(tmp_path, {"Edge": (template, [])}), allow_unsupported=True)
    assert plan.skipped == {
        "Distribution": "unsupported type AWS::AppRunner::Service",
        "DistributionDomainParameter": "needs Distribution, which was skipped",
        "Mine": "custom resource Custom::Thing (provider MyProvider) needs its Lambda function to run; "
        "the emulator cannot run it",
    }
    assert plan.lost_outputs == {
        "DistributionDomain": "Distribution",
        "ParameterName": "Distribution",
        "ThingId": "Mine",
    }
    assert plan.emulated == {}


def test_capabilities_answer_per_stack_before_deploying(make_assembly, capsys):
    from stackcheck.cli import main

    template = load_template("storage")
    template["Resources"]["Notifications"] = dict(NOTIFICATIONS, Properties={**NOTIFICATIONS["Properties"]})
    assembly = make_assembly({"Storage": (template, []), "Edge": ("unsupported", [])})
    assert main(["emulator", "capabilities", "--assembly", str(assembly.directory), *no_emulator(assembly)]) == 1
    assert capsys.readouterr().out.splitlines()[-4:] == [
        "5 types, 7 resources: 4 native, 1 extended, 1 emulated, 1 unsupported",
        "stack Edge: declared 3 / to create 1 / emulated 0 / skipped 2 (Distribution: unsupported type "
        "AWS::AppRunner::Service; DistributionDomainParameter: needs Distribution, which was skipped); "
        "lost outputs: DistributionDomain (depend on skipped Distribution)",
        "stack Storage: declared 4 / to create 3 / emulated 1 / skipped 0",
        "assets: none",
    ]


@pytest.mark.emulator
@pytest.mark.slow
def test_a_multi_stack_app_repeating_an_output_key_deploys_whole_and_keeps_both_values(
    emulator, emulator_dir, aws, tmp_path
):
    from stackcheck.assembly import synthesize
    from stackcheck.emulator.deploy import deploy_assembly

    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    assembly = synthesize(APPS / "multi_stack", tmp_path / "cdk.out").assembly
    lines = []
    result = deploy_assembly(
        assembly,
        emulator,
        outputs_dir=tmp_path / "out",
        log_file=emulator_dir / "emulator.log",
        on_stack=lambda r: lines.append(r.line()),
    )
    assert lines == [
        "MultiStorage  CREATE_COMPLETE  declared 1 / created 1 / emulated 0 / skipped 0",
        "MultiAlerts  CREATE_COMPLETE  declared 2 / created 2 / emulated 0 / skipped 0",
    ]
    assert "output key 'Name' is declared by both stack 'MultiStorage' and stack 'MultiAlerts'" in str(
        result.flat_skipped
    )
    nested = json.loads((tmp_path / "out" / "all-outputs.json").read_text())
    assert sorted(nested) == ["MultiAlerts", "MultiStorage"]
    assert aws("s3").head_bucket(Bucket=nested["MultiStorage"]["Name"])["ResponseMetadata"]["HTTPStatusCode"] == 200
    topics = [t["TopicArn"].rsplit(":", 1)[-1] for t in aws("sns").list_topics()["Topics"]]
    assert topics == [nested["MultiAlerts"]["Name"]]


@pytest.mark.emulator
def test_an_sdk_call_the_emulator_refuses_fails_the_stack_naming_the_error(deploy):
    from stackcheck.errors import DeployError

    provider = "AWS679f53fac002430cb0da5b7982bd22872D164C4C"
    template = {
        "Resources": {
            **lambda_resources("python3.12", provider),
            "Lookup": {
                "Type": "Custom::AWS",
                "Properties": {
                    "ServiceToken": {"Fn::GetAtt": [provider, "Arn"]},
                    "Create": json.dumps(
                        {"service": "SSM", "action": "getParameter", "parameters": {"Name": "/absent"}}
                    ),
                },
            },
        }
    }
    with pytest.raises(DeployError) as err:
        deploy({"Sdk": (template, [])})
    assert str(err.value) == (
        "stack Sdk is CREATE_IN_PROGRESS with 2/3 resources; failed: Lookup (Custom::AWS): ParameterNotFound: "
        "An error occurred (ParameterNotFound) when calling the GetParameter operation: Parameter /absent not found.; "
        "missing logical IDs: Lookup"
    )
