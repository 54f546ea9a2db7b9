"""SNS for the emulator: AWS::SNS::TopicPolicy and AWS::SNS::Subscription on moto's topics."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model, relies_on

__all__ = ["Subscription", "TopicPolicy"]

TOPIC_POLICY_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topicpolicy.html"
)

relies_on("moto.sns.models", "sns_backends")
relies_on(
    "moto.sns.models", "SNSBackend.set_topic_attribute", params=("topic_arn", "attribute_name", "attribute_value")
)
relies_on("moto.sns.models", "Topic.policy")
relies_on("moto.sns.models", "SNSBackend.subscribe", params=("topic_arn", "endpoint", "protocol"))
relies_on("moto.sns.models", "SNSBackend.set_subscription_attributes", params=("arn", "name", "value"))
relies_on("moto.sns.models", "SNSBackend.unsubscribe", params=("subscription_arn",))
relies_on("moto.sns.models", "Subscription.__init__", assigns=("arn",))

SUBSCRIPTION_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-subscription.html"
)
SUBSCRIPTION_ATTRIBUTES = (
    "DeliveryPolicy",
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "SubscriptionRoleArn",
)


def _backend(account_id: str, region_name: str) -> Any:
    from moto.sns.models import sns_backends

    return sns_backends[account_id][region_name]


@extended_model
class TopicPolicy(ExtensionModel, CloudFormationModel):
    """AWS::SNS::TopicPolicy: sets ``PolicyDocument`` as the Policy attribute of every topic in
    ``Topics``, so GetTopicAttributes answers it. Ref is a generated id.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topicpolicy.html
    """

    CFN_TYPE = "AWS::SNS::TopicPolicy"
    PHYSICAL_ID = "physical_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Id": "physical_id"}

    def __init__(self, physical_id: str, topics: list[str]):
        self.physical_id = physical_id
        self.topics = topics

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> TopicPolicy:
        properties = cloudformation_json.get("Properties", {})
        document = properties["PolicyDocument"]
        text = document if isinstance(document, str) else json.dumps(document)
        topics = list(properties.get("Topics") or [])
        backend = _backend(account_id, region_name)
        for topic_arn in topics:
            backend.set_topic_attribute(topic_arn, "policy", text)
        return cls(resource_name, topics)


@extended_model
class Subscription(ExtensionModel, CloudFormationModel):
    """AWS::SNS::Subscription: ``Protocol`` + ``Endpoint`` subscribed to ``TopicArn`` (moto checks an
    SQS endpoint's queue exists), with ``DeliveryPolicy``, ``FilterPolicy``, ``FilterPolicyScope``,
    ``RawMessageDelivery``, ``RedrivePolicy`` and ``SubscriptionRoleArn`` set as subscription
    attributes. Ref is the subscription ARN; GetAtt ``Arn``.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-subscription.html
    """

    CFN_TYPE = "AWS::SNS::Subscription"
    PHYSICAL_ID = "arn"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Arn": "arn"}

    def __init__(self, arn: str):
        self.arn = arn

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> Subscription:
        properties = cloudformation_json.get("Properties", {})
        backend = _backend(account_id, region_name)
        subscription = backend.subscribe(properties["TopicArn"], properties.get("Endpoint", ""), properties["Protocol"])
        for name in SUBSCRIPTION_ATTRIBUTES:
            if name not in properties:
                continue
            value = properties[name]
            if isinstance(value, dict):
                value = json.dumps(value)
            elif isinstance(value, bool):
                value = str(value).lower()
            backend.set_subscription_attributes(subscription.arn, name, value)
        return cls(subscription.arn)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).unsubscribe(self.arn)
