"""CDK's framework custom resources, emulated by their effect instead of by running their Lambda function.

The CDK backs a few constructs with custom resources of its own (a provider Lambda function the
CDK writes into the stack). The emulator cannot run those functions, so each type below is
created by doing what the function would do at Create, through the emulator's own APIs (boto3
against this very server, so the effect is what any client then reads):

- ``Custom::S3BucketNotifications``: PutBucketNotificationConfiguration of ``BucketName`` with
  ``NotificationConfiguration``.
- ``Custom::S3AutoDeleteObjects``: nothing at Create (it empties the bucket at Delete).
- ``Custom::LogRetention``: PutRetentionPolicy of ``LogGroupName`` / ``RetentionInDays``,
  creating the log group first when it is absent; GetAtt ``LogGroupName`` answers the name.
- ``Custom::AWS`` (AwsCustomResource): its ``Create`` SDK call, made with boto3; its response
  fields answer GetAtt. A call moto does not answer fails the resource with moto's error.
- ``Custom::CDKBucketDeployment``: the source archives (file assets published before the stacks)
  unzipped into ``DestinationBucketName`` under ``DestinationBucketKeyPrefix``.

Which resources are CDK's (``framework_kind``) is decided from the template: the type and a
``ServiceToken`` that is the ``Arn`` of the provider function the CDK names (its logical ID
starts with the CDK's fixed prefix). Any other custom resource stays unsupported.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import uuid
import zipfile
from collections.abc import Mapping
from typing import Any

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, patch

__all__ = [
    "FRAMEWORK",
    "FrameworkResource",
    "framework_kind",
    "operation_name",
    "provider_id",
    "service_name",
    "set_endpoint",
]

CUSTOM_RESOURCE_DOC = "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.custom_resources-readme.html"

FRAMEWORK: dict[str, tuple[str, str]] = {
    "Custom::S3BucketNotifications": (
        "BucketNotificationsHandler050a0587b7544547bf325f094a3db834",
        "bucket notification configuration put",
    ),
    "Custom::S3AutoDeleteObjects": (
        "CustomS3AutoDeleteObjectsCustomResourceProviderHandler",
        "nothing to do at create (objects are deleted with the stack)",
    ),
    "Custom::LogRetention": ("LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a", "log group retention policy put"),
    "Custom::AWS": ("AWS679f53fac002430cb0da5b7982bd2287", "its Create SDK call made against the emulator"),
    "Custom::CDKBucketDeployment": (
        "CustomCDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C",
        "the source archives' files copied into the destination bucket",
    ),
}
"""Emulated type → (logical ID prefix of the CDK provider function, what the emulation does)."""

_ENDPOINT: dict[str, str] = {}


def set_endpoint(url: str) -> None:
    """Record the URL this emulator server answers on (``http://127.0.0.1:PORT``); the server calls it once bound."""
    _ENDPOINT["url"] = url


def framework_kind(resource: Mapping[str, Any]) -> str | None:
    """The resource's type when it is one of CDK's framework custom resources emulated here, else None.

    ``resource`` is the template's resource JSON. Its ``ServiceToken`` must be
    ``{"Fn::GetAtt": [<CDK provider logical ID>, "Arn"]}`` (or the ``"Id.Arn"`` string form).
    """
    resource_type = resource.get("Type")
    if resource_type not in FRAMEWORK:
        return None
    provider = provider_id(resource)
    return str(resource_type) if provider and provider.startswith(FRAMEWORK[resource_type][0]) else None


def provider_id(resource: Mapping[str, Any]) -> str | None:
    """The logical ID of the function a custom resource's ``ServiceToken`` names through
    ``{"Fn::GetAtt": [<logical ID>, "Arn"]}`` (or the ``"Id.Arn"`` string form), else None."""
    token = (resource.get("Properties") or {}).get("ServiceToken")
    target = token.get("Fn::GetAtt") if isinstance(token, dict) else None
    if isinstance(target, str):
        target = target.split(".")
    return target[0] if isinstance(target, list) and target and isinstance(target[0], str) else None


def _client(service: str, account_id: str, region_name: str) -> Any:
    import boto3

    from stackcheck.aws.clients import FAKE_CREDENTIALS, use_emulator_account

    if "url" not in _ENDPOINT:
        raise RuntimeError("the emulator's endpoint is not known; set_endpoint was not called")
    client = boto3.session.Session().client(
        service, endpoint_url=_ENDPOINT["url"], region_name=region_name, **FAKE_CREDENTIALS
    )
    use_emulator_account(client.meta.events, account_id)
    return client


class FrameworkResource(ExtensionModel, CloudFormationModel):
    """One CDK framework custom resource, created by its effect (see the module docstring).

    Not registered by type (moto sends every ``Custom::`` type to its own CustomModel); the
    ``resource_class_from_type`` wrapper below sends the types of ``FRAMEWORK`` here.
    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-custom-resources.html
    """

    CFN_TYPE = "Custom::CDKFramework"
    PHYSICAL_ID = "physical_id"

    def __init__(self, physical_id: str, resource_type: str):
        self.physical_id = physical_id
        self.resource_type = resource_type
        self.fields: dict[str, Any] = {}

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> FrameworkResource:
        resource_type = kwargs.get("ResourceType", "")
        props = cloudformation_json.get("Properties") or {}
        physical_id = str(uuid.uuid4())
        if resource_type == "Custom::S3BucketNotifications":
            s3 = _client("s3", account_id, region_name)
            s3.put_bucket_notification_configuration(
                Bucket=props["BucketName"], NotificationConfiguration=_sdk_shape(props.get("NotificationConfiguration"))
            )
            physical_id = f"{props['BucketName']}-notifications"
        elif resource_type == "Custom::LogRetention":
            logs = _client("logs", account_id, region_name)
            name = props["LogGroupName"]
            with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
                logs.create_log_group(logGroupName=name)
            if props.get("RetentionInDays") is not None:
                logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["RetentionInDays"]))
            resource = cls(name, resource_type)
            resource.fields = {"LogGroupName": name}  # the provider's one Data field (LogRetention's GetAtt)
            return resource
        elif resource_type == "Custom::AWS":
            physical_id, fields = _aws_call(props, account_id, region_name, physical_id)
            resource = cls(physical_id, resource_type)
            resource.fields = fields
            return resource
        elif resource_type == "Custom::CDKBucketDeployment":
            _bucket_deployment(props, account_id, region_name)
            physical_id = f"aws.cdk.s3deployment.{uuid.uuid4()}"
        return cls(physical_id, resource_type)

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.fields:
            return self.fields[attribute_name]
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        raise UnformattedGetAttTemplateException()

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True


def service_name(service: str) -> str:
    """An AwsCustomResource ``service`` (SDK v2 class ``CloudWatchLogs``, SDK v3 package
    ``@aws-sdk/client-cloudwatch-logs``, or boto3's ``logs``) as boto3's service name, matched on
    botocore's service names, then on each model's ``serviceId`` (``CloudWatch Logs``) with case,
    spaces and hyphens ignored. Unknown names come back normalized (boto3 then names the error)."""
    wanted = _squash(service.removeprefix("@aws-sdk/client-"))
    return _service_names().get(wanted, wanted)


def _squash(name: str) -> str:
    return name.lower().replace("-", "").replace(" ", "")


@functools.cache
def _service_names() -> dict[str, str]:
    import botocore.session

    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    names: dict[str, str] = {}
    for name in session.get_available_services():
        service_id = loader.load_service_model(name, "service-2")["metadata"].get("serviceId", name)
        names.setdefault(_squash(service_id), name)
    names.update({_squash(name): name for name in session.get_available_services()})
    return names


def operation_name(action: str) -> str:
    """An AwsCustomResource ``action`` as boto3's method name: ``putParameter``, ``PutParameter`` or
    the SDK v3 ``PutParameterCommand`` → ``put_parameter``; ``DescribeDBInstances`` →
    ``describe_db_instances`` (botocore's own ``xform_name``)."""
    from botocore import xform_name

    action = action.removesuffix("Command")
    return xform_name(action[:1].upper() + action[1:])


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A response as AwsCustomResource's fields: ``Parameter.Value``, ``Items.0.Id`` → leaf values."""
    if isinstance(value, dict):
        found: dict[str, Any] = {}
        for key, inner in value.items():
            found.update(_flatten(inner, f"{prefix}{key}."))
        return found
    if isinstance(value, list):
        found = {}
        for index, inner in enumerate(value):
            found.update(_flatten(inner, f"{prefix}{index}."))
        return found
    return {prefix[:-1]: value if isinstance(value, str) else json.dumps(value, default=str)}


def _aws_call(props: dict[str, Any], account_id: str, region_name: str, default_id: str) -> tuple[str, dict[str, Any]]:
    """AwsCustomResource's ``Create`` call (``{"service", "action", "parameters", "physicalResourceId"}``,
    a JSON string) made with boto3 against the emulator: ``(physical ID, response fields)``; raises
    what the call raises."""
    call = props.get("Create")
    call = json.loads(call) if isinstance(call, str) else (call or {})
    if not call:
        return default_id, {}
    client = _client(service_name(str(call["service"])), account_id, call.get("region") or region_name)
    response = getattr(client, operation_name(str(call["action"])))(**(call.get("parameters") or {}))
    response.pop("ResponseMetadata", None)
    fields = _flatten(response)
    physical = call.get("physicalResourceId") or {}
    physical_id = physical.get("id") or fields.get(physical.get("responsePath", ""), default_id)
    return str(physical_id), fields


def _bucket_deployment(props: dict[str, Any], account_id: str, region_name: str) -> None:
    """BucketDeployment at Create: each source archive (``SourceBucketNames[i]``/``SourceObjectKeys[i]``,
    published with the assets) unzipped into ``DestinationBucketName`` under ``DestinationBucketKeyPrefix``
    (``Extract`` false: the archive itself is copied)."""
    s3 = _client("s3", account_id, region_name)
    destination = props["DestinationBucketName"]
    prefix = str(props.get("DestinationBucketKeyPrefix") or "")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    extract = str(props.get("Extract", "true")).lower() != "false"
    for bucket, key in zip(props.get("SourceBucketNames") or [], props.get("SourceObjectKeys") or [], strict=False):
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        if not extract:
            s3.put_object(Bucket=destination, Key=f"{prefix}{key.rsplit('/', 1)[-1]}", Body=body)
            continue
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for name in archive.namelist():
                if not name.endswith("/"):
                    s3.put_object(Bucket=destination, Key=f"{prefix}{name}", Body=archive.read(name))


def _sdk_shape(value: Any) -> dict[str, Any]:
    """The NotificationConfiguration property (CloudFormation JSON, numbers/booleans possibly strings) for boto3."""
    config = dict(value or {})
    for key in ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations"):
        config.setdefault(key, [])
    return {k: v for k, v in config.items() if v or k != "EventBridgeConfiguration"}


@patch(
    "moto.cloudformation.parsing",
    "resource_class_from_type",
    kind="function",
    resource_type=None,
    adds=tuple(FRAMEWORK),
    doc_url=CUSTOM_RESOURCE_DOC,
    params=("resource_type",),
)
def _framework_class(original: Any, resource_type: str) -> Any:
    """Send CDK's framework custom resource types to FrameworkResource, every other type to moto.

    Follows https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.custom_resources-readme.html
    """
    if resource_type in FRAMEWORK:
        return FrameworkResource
    return original(resource_type)
