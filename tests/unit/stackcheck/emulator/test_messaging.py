"""SNS subscriptions on the emulator: an SQS subscription with its attributes, and a missing topic refused."""

from __future__ import annotations

import json

import pytest

QUEUE_SUBSCRIPTION = {
    "Resources": {
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Subscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "Topic"},
                "Protocol": "sqs",
                "Endpoint": {"Fn::GetAtt": ["Queue", "Arn"]},
                "RawMessageDelivery": True,
                "FilterPolicy": {"kind": ["order"]},
            },
        },
    },
    "Outputs": {
        "SubscriptionArn": {"Value": {"Ref": "Subscription"}},
        "TopicArn": {"Value": {"Ref": "Topic"}},
        "QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}},
    },
}


@pytest.mark.emulator
def test_an_sqs_subscription_is_created_with_its_attributes(deploy, aws):
    (stack,) = deploy({"Messaging": (QUEUE_SUBSCRIPTION, [])}).stacks
    outputs = stack.outputs
    (subscription,) = aws("sns").list_subscriptions_by_topic(TopicArn=outputs["TopicArn"])["Subscriptions"]
    assert (subscription["SubscriptionArn"], subscription["Protocol"], subscription["Endpoint"]) == (
        outputs["SubscriptionArn"],
        "sqs",
        outputs["QueueArn"],
    )
    attributes = aws("sns").get_subscription_attributes(SubscriptionArn=outputs["SubscriptionArn"])["Attributes"]
    assert (attributes["RawMessageDelivery"], json.loads(attributes["FilterPolicy"])) == ("true", {"kind": ["order"]})


@pytest.mark.emulator
def test_a_subscription_to_a_topic_that_does_not_exist_fails_the_stack(deploy):
    from stackcheck.errors import DeployError

    template = json.loads(json.dumps(QUEUE_SUBSCRIPTION))
    del template["Resources"]["Topic"]
    del template["Outputs"]["TopicArn"]
    template["Resources"]["Subscription"]["Properties"]["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:absent"
    with pytest.raises(DeployError) as err:
        deploy({"Messaging": (template, [])})
    assert "Subscription (AWS::SNS::Subscription)" in str(err.value)
