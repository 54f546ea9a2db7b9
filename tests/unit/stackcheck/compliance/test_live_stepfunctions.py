"""The Step Functions state machine reader on the emulator: each machine's CloudFormation-shaped properties, exactly."""

from __future__ import annotations

import json

import pytest

from tests.unit.stackcheck.compliance.test_live_readers import properties, read
from tests.unit.stackcheck.test_compliance import REPO

pytestmark = pytest.mark.emulator

MACHINE = "AWS::StepFunctions::StateMachine"
TEMPLATE = REPO / "tests" / "data" / "drift" / "live" / "stepfunctions.json"
ROLE = "arn:aws:iam::123456789012:role/fixture-sfn-role"
LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:fixture-sfn-logs:*"


def test_machines_read_type_role_logging_tracing_and_definition(deploy):
    live = deploy("stepfunctions", template=json.loads(TEMPLATE.read_text()))
    template = read(live, MACHINE)
    nightly = properties(template, "Nightly")
    assert json.loads(nightly.pop("DefinitionString")) == {
        "StartAt": "Wait",
        "States": {"Wait": {"Type": "Wait", "Seconds": 30, "Next": "Done"}, "Done": {"Type": "Succeed"}},
    }
    assert nightly == {
        "StateMachineName": "fixture-nightly-job",
        "StateMachineType": "EXPRESS",
        "RoleArn": ROLE,
        "LoggingConfiguration": {
            "Level": "ALL",
            "IncludeExecutionData": True,
            "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": LOGS}}],
        },
        "TracingConfiguration": {"Enabled": True},
        "EncryptionConfiguration": {"Type": "AWS_OWNED_KEY"},
    }
    (stack,) = live.aws("cloudformation").describe_stacks(StackName="Fixture")["Stacks"]
    assert stack["Outputs"] == [{"OutputKey": "NightlyArn", "OutputValue": live.physical_id("Nightly")}]  # GetAtt Arn
    assert properties(template, "Poller") == {
        "StateMachineName": live.physical_id("Poller").rsplit(":", 1)[1],
        "StateMachineType": "STANDARD",
        "RoleArn": ROLE,
        "Definition": {
            "Comment": "polls until done",
            "StartAt": "Check",
            "States": {"Check": {"Type": "Pass", "End": True}},
        },
        "LoggingConfiguration": {"Level": "OFF"},
        "TracingConfiguration": {"Enabled": False},
        "EncryptionConfiguration": {"Type": "AWS_OWNED_KEY"},
    }
    substituted = template.resources["Substituted"]
    assert "DefinitionString" not in properties(template, "Substituted")
    assert substituted.notes == ["definition not compared: the template substitutes values into it"]
    assert substituted.operations == ["stepfunctions:DescribeStateMachine"]
    described = live.aws("stepfunctions").describe_state_machine(stateMachineArn=live.physical_id("Substituted"))
    assert json.loads(described["definition"])["States"]["Send"]["Result"] == LOGS  # made with the value substituted


def test_a_deleted_machine_is_gone(deploy):
    live = deploy("stepfunctions", template=json.loads(TEMPLATE.read_text()))
    live.aws("stepfunctions").delete_state_machine(stateMachineArn=live.physical_id("Poller"))
    assert read(live, MACHINE).resources["Poller"].gone is True
