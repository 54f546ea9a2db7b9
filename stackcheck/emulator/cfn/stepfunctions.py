"""Step Functions for the emulator: what moto's AWS::StepFunctions::StateMachine model ignores.

moto 5.2.5 creates a state machine from ``StateMachineName``, ``DefinitionString``, ``RoleArn`` and ``Tags``
only: a ``Definition`` object leaves it no definition, ``DefinitionSubstitutions`` are not made, and
``StateMachineType``, ``LoggingConfiguration``, ``TracingConfiguration`` and ``EncryptionConfiguration`` are
dropped, so DescribeStateMachine answers a STANDARD machine with logging and tracing off whatever the template
says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from stackcheck.emulator.cfn._registry import patch, relies_on
from stackcheck.emulator.cfn._values import camel_keys, cfn_bool

__all__ = [
    "create_state_machine",
    "definition_text",
    "has_state_machine_attribute",
    "state_machine_attribute",
]

relies_on(
    "moto.stepfunctions.models",
    "StateMachineInstance",  # StateMachine's base, which sets what DescribeStateMachine answers
    assigns=("type", "loggingConfiguration", "tracingConfiguration", "encryptionConfiguration"),
)

STATE_MACHINE_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html"
_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def definition_text(properties: Mapping[str, Any]) -> str | None:
    """The definition a state machine's properties give, as the text DescribeStateMachine answers: ``Definition``
    (an object) as JSON, else ``DefinitionString``; each ``${key}`` of ``DefinitionSubstitutions`` replaced by its
    value, as CloudFormation does. None when neither is given (``DefinitionS3Location``)."""
    definition = properties.get("Definition")
    text = json.dumps(definition) if isinstance(definition, Mapping) else properties.get("DefinitionString")
    if not isinstance(text, str):
        return None
    substitutions = properties.get("DefinitionSubstitutions") or {}
    if not isinstance(substitutions, Mapping) or not substitutions:
        return text
    return _PLACEHOLDER.sub(lambda m: str(substitutions.get(m.group(1), m.group(0))), text)


@patch(
    "moto.stepfunctions.models",
    "StateMachine.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::StepFunctions::StateMachine",
    adds=(
        "Definition",
        "DefinitionSubstitutions",
        "StateMachineType",
        "LoggingConfiguration",
        "TracingConfiguration",
        "EncryptionConfiguration",
    ),
    doc_url=STATE_MACHINE_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_state_machine(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto creates the state machine with the definition ``definition_text`` gives, then this sets what it
    ignores as DescribeStateMachine answers it: ``type`` (``StateMachineType``, STANDARD by default),
    ``loggingConfiguration``, ``tracingConfiguration`` and ``encryptionConfiguration`` (``camel_keys`` of the
    declared objects; ``includeExecutionData`` false unless declared, as the API answers it).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html
    and https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeStateMachine.html
    """
    properties = dict(cloudformation_json.get("Properties") or {})
    text = definition_text(properties)
    if text is not None:
        properties["DefinitionString"] = text
    machine = original(resource_name, {**cloudformation_json, "Properties": properties}, account_id, region_name)
    if properties.get("StateMachineType"):
        machine.type = str(properties["StateMachineType"])
    logging = properties.get("LoggingConfiguration")
    if isinstance(logging, Mapping):
        shaped = camel_keys(logging)
        shaped["includeExecutionData"] = cfn_bool(shaped.get("includeExecutionData"))
        machine.loggingConfiguration = {"level": "OFF", **shaped}
    tracing = properties.get("TracingConfiguration")
    if isinstance(tracing, Mapping):
        machine.tracingConfiguration = {"enabled": cfn_bool(tracing.get("Enabled"))}
    encryption = properties.get("EncryptionConfiguration")
    if isinstance(encryption, Mapping):
        machine.encryptionConfiguration = camel_keys(encryption)
    return machine


@patch(
    "moto.stepfunctions.models",
    "StateMachine.get_cfn_attribute",
    kind="method",
    resource_type="AWS::StepFunctions::StateMachine",
    adds=("Arn",),
    doc_url=STATE_MACHINE_DOC,
    params=("attribute_name",),
)
def state_machine_attribute(original: Callable[..., Any], machine: Any, attribute_name: str) -> Any:
    """``GetAtt StateMachine.Arn``, which moto's model lacks (it answers ``Name``, ``DefinitionString``,
    ``RoleArn``, ``StateMachineName`` and ``Tags``): the state machine's ARN, as its Ref.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html
    """
    if attribute_name == "Arn":
        return machine.arn
    return original(attribute_name)


@patch(
    "moto.stepfunctions.models",
    "StateMachine.has_cfn_attr",
    kind="classmethod",
    resource_type="AWS::StepFunctions::StateMachine",
    adds=(),
    doc_url=STATE_MACHINE_DOC,
    params=("attr",),
)
def has_state_machine_attribute(original: Callable[..., Any], attr: str) -> bool:
    """The GetAtt attributes a state machine answers: moto's, and ``Arn``.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html
    """
    return attr == "Arn" or bool(original(attr))
