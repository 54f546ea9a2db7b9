"""The SNS subscription and Lambda event source mapping readers on the emulator: each one's CloudFormation-shaped
properties, exactly, and the drift an out-of-band change makes."""

from __future__ import annotations

from typing import Any

import pytest

from stackcheck.drift.live import LiveDrift
from tests.unit.stackcheck.compliance.test_live_readers import properties, read
from tests.unit.stackcheck.emulator.conftest import lambda_resources

pytestmark = pytest.mark.emulator

ONLY_ORDERS = {"kind": ["order"]}


def template() -> dict[str, Any]:
    """A topic fanning out to a queue (raw delivery, a filter policy), the queue feeding a function (batch of 5)."""
    resources = lambda_resources("python3.12")
    resources |= {
        "Events": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "fixture-events"}},
        "Orders": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "fixture-orders"}},
        "OrdersFromEvents": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "Protocol": "sqs",
                "Endpoint": {"Fn::GetAtt": ["Orders", "Arn"]},
                "TopicArn": {"Ref": "Events"},
                "RawMessageDelivery": True,
                "FilterPolicy": ONLY_ORDERS,
            },
        },
        "OrdersToFunction": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": {"Fn::GetAtt": ["Orders", "Arn"]},
                "FunctionName": {"Ref": "Function"},
                "BatchSize": 5,
            },
        },
    }
    return {"Resources": resources}


def test_a_subscription_and_an_event_source_mapping_read_as_declared(deploy):
    live = deploy("messaging", template=template())
    read_now = read(live, "AWS::SNS::Subscription", "AWS::Lambda::EventSourceMapping")
    assert properties(read_now, "OrdersFromEvents") == {
        "Protocol": "sqs",
        "Endpoint": "arn:aws:sqs:us-east-1:123456789012:fixture-orders",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:fixture-events",
        "RawMessageDelivery": True,
        "FilterPolicy": ONLY_ORDERS,
        "FilterPolicyScope": "MessageAttributes",
    }
    assert read_now.resources["OrdersFromEvents"].notes == ["GetSubscriptionAttributes: no RedrivePolicy"]
    mapping = properties(read_now, "OrdersToFunction")
    assert {k: mapping[k] for k in ("EventSourceArn", "FunctionName", "Enabled", "BatchSize")} == {
        "EventSourceArn": "arn:aws:sqs:us-east-1:123456789012:fixture-orders",
        "FunctionName": live.physical_id("Function"),
        "Enabled": True,
        "BatchSize": 5,
    }
    assert read_now.resources["OrdersToFunction"].operations == ["lambda:GetEventSourceMapping"]


def test_raw_delivery_off_filter_dropped_and_batch_size_changed_out_of_band_are_drift(deploy):
    live = deploy("messaging", template=template())
    stacks = live.assembly.dependency_order()

    def drift() -> set[tuple[str, str, str]]:
        (stack,) = LiveDrift(live.factory()).detect(stacks, stacks)
        return {(r.logical_id, d.property_path, d.difference_type) for r in stack.resources for d in r.differences}

    assert drift() == set()
    sns = live.aws("sns")
    arn = live.physical_id("OrdersFromEvents")
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RawMessageDelivery", AttributeValue="false")
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue="")
    # Enabled is not declared, so turning the mapping off is no drift (as CloudFormation's); its batch size is
    live.aws("lambda").update_event_source_mapping(
        UUID=live.physical_id("OrdersToFunction"), Enabled=False, BatchSize=10
    )
    assert drift() == {
        ("OrdersFromEvents", "/RawMessageDelivery", "NOT_EQUAL"),
        ("OrdersFromEvents", "/FilterPolicy", "REMOVE"),
        ("OrdersToFunction", "/BatchSize", "NOT_EQUAL"),
    }
