"""Live-state readers for AWS Step Functions: each reads one resource type's properties through the API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from stackcheck.compliance.live.base import Builder, LiveResource, drop_none


def _cfn_shape(value: Any) -> Any:
    """An object of the Step Functions API in CloudFormation's spelling: every key's first letter upper case,
    throughout (``cloudWatchLogsLogGroup.logGroupArn`` becomes ``CloudWatchLogsLogGroup.LogGroupArn``)."""
    if isinstance(value, Mapping):
        return {key[:1].upper() + key[1:]: _cfn_shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cfn_shape(item) for item in value]
    return value


class StepFunctionsReaders(Builder):
    """Readers of AWS Step Functions resources (mixed into the live template builder)."""

    def state_machine(self, resource: LiveResource) -> dict[str, Any]:
        """State machine: DescribeStateMachine
        (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeStateMachine.html) of the
        physical ID, its ARN (CloudFormation's Ref), as AWS::StepFunctions::StateMachine's properties:
        ``StateMachineName``, ``StateMachineType``, ``RoleArn``, ``LoggingConfiguration`` (``Level``,
        ``IncludeExecutionData``, ``Destinations``), ``TracingConfiguration`` (``Enabled``),
        ``EncryptionConfiguration`` (``Type``, ``KmsKeyId``, ``KmsDataKeyReusePeriodSeconds``), and the definition:
        as ``Definition`` (the object) where the template declares that, else as ``DefinitionString`` (drift
        compares JSON text as the objects it holds).

        A template with ``DefinitionSubstitutions`` gets no definition read: Step Functions keeps the definition
        with the values substituted, which the declared text with its ``${...}`` placeholders cannot equal, so
        the definition is left unchecked (noted) rather than reported changed.
        """
        machine = self.call(resource, "stepfunctions", "describe_state_machine", stateMachineArn=resource.physical_id)
        declared = self.declared(resource)
        props: dict[str, Any] = drop_none(
            {
                "StateMachineName": machine.get("name"),
                "StateMachineType": machine.get("type"),
                "RoleArn": machine.get("roleArn") or None,
                "LoggingConfiguration": _cfn_shape(machine["loggingConfiguration"])
                if machine.get("loggingConfiguration")
                else None,
                "TracingConfiguration": _cfn_shape(machine["tracingConfiguration"])
                if machine.get("tracingConfiguration")
                else None,
                "EncryptionConfiguration": _cfn_shape(machine["encryptionConfiguration"])
                if machine.get("encryptionConfiguration")
                else None,
            }
        )
        definition = machine.get("definition")
        if declared.get("DefinitionSubstitutions"):
            self.note(resource, "definition not compared: the template substitutes values into it")
        elif isinstance(definition, str) and definition:
            if "Definition" in declared:
                props["Definition"] = json.loads(definition)
            else:
                props["DefinitionString"] = definition
        return props
