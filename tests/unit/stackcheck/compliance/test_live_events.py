"""The EventBridge rule reader on the emulator: each rule's CloudFormation-shaped properties, exactly."""

from __future__ import annotations

import json

import pytest

from tests.unit.stackcheck.compliance.test_live_readers import properties, read
from tests.unit.stackcheck.test_compliance import REPO

pytestmark = pytest.mark.emulator

RULE = "AWS::Events::Rule"


def test_rules_read_schedule_pattern_state_and_targets(deploy):
    live = deploy(
        "events", template=json.loads((REPO / "tests" / "data" / "drift" / "live" / "events.json").read_text())
    )
    template = read(live, RULE)
    assert properties(template, "Nightly") == {
        "Name": "fixture-nightly",
        "Description": "starts the nightly job",
        "EventBusName": "default",
        "ScheduleExpression": "cron(0 2 * * ? *)",
        "State": "ENABLED",
        "Targets": [
            {"Id": "Jobs", "Arn": "arn:aws:sqs:us-east-1:123456789012:fixture-rule-jobs", "Input": '{"job":"nightly"}'}
        ],
    }
    changes = properties(template, "BucketChanges")
    assert changes == {
        "Name": live.physical_id("BucketChanges"),
        "EventBusName": "default",
        "EventPattern": {"source": ["aws.s3"], "detail-type": ["Object Created"]},
        "State": "DISABLED",
        "Targets": [{"Id": "Alerts", "Arn": "arn:aws:sns:us-east-1:123456789012:fixture-rule-alerts"}],
    }
    assert template.resources["Nightly"].operations == ["events:DescribeRule", "events:ListTargetsByRule"]


def test_a_deleted_rule_is_gone(deploy):
    live = deploy(
        "events", template=json.loads((REPO / "tests" / "data" / "drift" / "live" / "events.json").read_text())
    )
    events = live.aws("events")
    events.remove_targets(Rule="fixture-nightly", Ids=["Jobs"])
    events.delete_rule(Name="fixture-nightly")
    assert read(live, RULE).resources["Nightly"].gone is True


def test_a_rule_on_a_bus_of_its_stack_is_read_on_that_bus_and_in_sync(deploy):
    from stackcheck.drift.live import LiveDrift

    template = {
        "Resources": {
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "fixture-orders"}},
            "Forward": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventBusName": {"Ref": "Bus"},
                    "EventPattern": {"source": ["fixture.orders"]},
                    "State": "ENABLED",
                },
            },
        }
    }
    live = deploy("events-bus", template=template)
    read_back = read(live, RULE)
    assert properties(read_back, "Forward") == {
        "Name": live.physical_id("Forward").rpartition("|")[2],
        "EventBusName": "fixture-orders",
        "EventPattern": {"source": ["fixture.orders"]},
        "State": "ENABLED",
        "Targets": [],
    }
    stacks = live.assembly.dependency_order()
    (clean,) = LiveDrift(live.factory()).detect(stacks, stacks)
    assert {r.logical_id: r.status.value for r in clean.resources if r.logical_id == "Forward"} == {
        "Forward": "IN_SYNC"
    }
