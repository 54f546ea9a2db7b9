"""Outputs files: the cdk CLI's per-stack ``{"StackName": {"OutputKey": "value"}}`` (``cdk deploy --outputs-file``), the flat ``{"OutputKey": "value"}`` post-deploy checks read, and live outputs from DescribeStacks."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackcheck.errors import (
    NextStep,
    OutputCollisionError,
    OutputsError,
)
from stackcheck.files import (
    ALL_OUTPUTS_FILE,
    DEFAULT_OUTPUTS_FILE,
    FLAT_OUTPUTS_FILE,
    OUTPUTS_DIR,
    atomic_write_json,
    read_json,
)


def flatten_outputs(nested: Mapping[str, Mapping[str, Any]], *, source: str = "outputs") -> dict[str, str]:
    """Flatten ``{stack: {key: value}}`` into ``{key: value}``.

    Raises OutputsError when ``nested`` is not that shape (naming ``source``) and
    OutputCollisionError naming both stacks when two stacks declare the same output key.
    Values are returned as strings (the cdk CLI writes numbers for numeric outputs).
    """
    if not isinstance(nested, Mapping):
        raise OutputsError(f"{source}: expected an object of stack name -> outputs, got {type(nested).__name__}")
    flat: dict[str, str] = {}
    owner: dict[str, str] = {}
    for stack, outputs in nested.items():
        if not isinstance(outputs, Mapping):
            raise OutputsError(
                f"{source}: outputs of stack {stack!r} must be an object of key -> value, got {type(outputs).__name__}"
            )
        for key, value in outputs.items():
            if key in owner:
                raise OutputCollisionError(
                    f"{source}: output key {key!r} is declared by both stack {owner[key]!r} and "
                    f"stack {stack!r}; a flat outputs file would lose one. Give the outputs distinct ids."
                )
            if isinstance(value, (dict, list)) or value is None:
                raise OutputsError(f"{source}: output {stack}.{key} must be a string, got {type(value).__name__}")
            owner[key] = stack
            flat[key] = value if isinstance(value, str) else json.dumps(value)
    return flat


def write_outputs(
    nested: Mapping[str, Mapping[str, Any]], directory: str | os.PathLike[str] = OUTPUTS_DIR
) -> tuple[Path, Path]:
    """Write ``all-outputs.json`` (nested, cdk CLI shape) and ``flat-outputs.json`` into ``directory``.

    ``all-outputs.json`` is written first, whatever happens next: a complete deployment's outputs
    are never lost. When two stacks declare the same output key, ``flat-outputs.json`` is not
    written and OutputCollisionError names the key, both stacks and the per-stack file that holds
    them all. Returns ``(all_outputs_path, flat_outputs_path)``.
    """
    out = Path(directory)
    if not isinstance(nested, Mapping):
        flatten_outputs(nested)  # raises OutputsError naming the shape
    all_path = atomic_write_json(out / ALL_OUTPUTS_FILE, {s: dict(o) for s, o in nested.items()})
    try:
        flat = flatten_outputs(nested)
    except OutputCollisionError as exc:
        raise OutputCollisionError(
            f"{exc} Every stack's outputs are in {all_path} (by stack); {FLAT_OUTPUTS_FILE} was not written."
        ) from None
    flat_path = atomic_write_json(out / FLAT_OUTPUTS_FILE, flat)
    return all_path, flat_path


# -- loading -----------------------------------------------------------------------------------


def read_outputs(
    path: str | os.PathLike[str],
    next_step: NextStep | None = NextStep.DEPLOY_LOCAL,
    *,
    repeated_keys: bool = False,
) -> tuple[dict[str, str], dict[str, dict[str, str]] | None]:
    """Read an outputs file, flat or the cdk CLI's nested one: ``(flat, nested)``; ``nested`` is None for a flat file.

    Raises OutputsError naming the file, carrying ``next_step`` (what to do), when it is missing,
    unreadable, not UTF-8, empty, not JSON, not an object or holds non-string values;
    OutputCollisionError when two stacks of a nested file declare the same output key, unless
    ``repeated_keys`` (then ``flat`` holds only the keys one stack declares, ``nested`` them all).
    """
    where = Path(path)
    data = read_json(where, what="outputs file", error=OutputsError, next_step=next_step)
    if not isinstance(data, dict):
        raise OutputsError(
            f"outputs file {where} must hold a JSON object of output key -> value, got {type(data).__name__}",
            next_step=next_step,
        )
    if data and all(isinstance(v, dict) for v in data.values()):
        nested = {stack: dict(values) for stack, values in data.items()}
        if repeated_keys:
            per_stack = {s: flatten_outputs({s: v}, source=f"outputs file {where}") for s, v in nested.items()}
            counts = Counter(k for values in per_stack.values() for k in values)
            flat = {k: v for values in per_stack.values() for k, v in values.items() if counts[k] == 1}
            return flat, per_stack
        flat = flatten_outputs(nested, source=f"outputs file {where}")
        return flat, {stack: {k: flat[k] for k in values} for stack, values in nested.items()}
    bad = sorted(k for k, v in data.items() if not isinstance(v, str))
    if bad:
        raise OutputsError(
            f"outputs file {where}: values of {bad} are not strings; expected a flat file "
            f"{{output key: value}} or the cdk CLI's {{stack: {{output key: value}}}}",
            next_step=next_step,
        )
    return dict(data), None


def load_outputs(path: str | os.PathLike[str] = DEFAULT_OUTPUTS_FILE) -> dict[str, str]:
    """Load stack outputs as ``{output key: value}`` from a flat file or the cdk CLI's nested file.

    The nested ``{stack: {output key: value}}`` shape (``cdk deploy --outputs-file``) is
    flattened with ``flatten_outputs``. Raises OutputsError naming the file and what to do
    when it is missing, empty, not JSON, not an object or holds non-string values;
    OutputCollisionError when two stacks of a nested file declare the same output key.
    """
    return read_outputs(path)[0]


def describe_stack_outputs(cloudformation: Any, stack_names: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Outputs of live stacks as ``{stack name: {output key: value}}``, read with DescribeStacks.

    ``cloudformation`` is a boto3 CloudFormation client; ``stack_names=None`` reads every stack
    through the ``describe_stacks`` paginator
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html:
    ``Stacks[].Outputs[].{OutputKey, OutputValue}``; a stack without outputs has no ``Outputs``).
    A named stack that does not exist raises OutputsError naming it.
    """
    from stackcheck.aws.retry import is_stack_missing

    pages: list[dict[str, Any]] = []
    try:
        if stack_names is None:
            pages.extend(cloudformation.get_paginator("describe_stacks").paginate())
        else:
            for name in stack_names:
                pages.extend(cloudformation.get_paginator("describe_stacks").paginate(StackName=name))
    except Exception as exc:
        if is_stack_missing(exc):
            message = getattr(exc, "response", {}).get("Error", {}).get("Message", str(exc))
            raise OutputsError(message, next_step=NextStep.DEPLOY_LOCAL) from None
        raise
    nested: dict[str, dict[str, str]] = {}
    for page in pages:
        for stack in page.get("Stacks") or []:
            nested[stack["StackName"]] = {
                o["OutputKey"]: str(o.get("OutputValue", "")) for o in stack.get("Outputs") or []
            }
    return nested


NESTED_STACK_TYPE = "AWS::CloudFormation::Stack"


@dataclass(frozen=True)
class NestedStackOutputs:
    """A nested stack's outputs: its ``name`` (StackName, as DescribeStacks gives it), the ``parent`` stack
    whose resource it is, that resource's ``logical_id`` and ``outputs`` ``{output key: value}``."""

    name: str
    parent: str
    logical_id: str
    outputs: dict[str, str]


def describe_nested_stack_outputs(cloudformation: Any, stack_name: str) -> list[NestedStackOutputs]:
    """The outputs of every stack nested in ``stack_name``, at any depth, parents before children.

    A CDK NestedStack is an ``AWS::CloudFormation::Stack`` resource of its parent; its outputs are not
    in the cdk CLI's outputs file. Read with the ``list_stack_resources`` paginator
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackResources.html:
    ``StackResourceSummaries[].{LogicalResourceId, PhysicalResourceId, ResourceType, ResourceStatus}``,
    a nested stack's physical ID being its stack ID, an ARN) and DescribeStacks of each physical ID;
    resources without a physical ID or being deleted are passed over. A ``stack_name`` that does not
    exist raises OutputsError naming it; other client errors propagate.
    """
    from stackcheck.aws.retry import is_stack_missing

    found: list[NestedStackOutputs] = []
    pending = [stack_name]
    seen: set[str] = set()
    while pending:
        parent = pending.pop(0)
        try:
            pages = list(cloudformation.get_paginator("list_stack_resources").paginate(StackName=parent))
        except Exception as exc:
            if is_stack_missing(exc):
                message = getattr(exc, "response", {}).get("Error", {}).get("Message", str(exc))
                raise OutputsError(message, next_step=NextStep.DEPLOY_LOCAL) from None
            raise
        for page in pages:
            for resource in page.get("StackResourceSummaries") or []:
                physical = resource.get("PhysicalResourceId")
                status = str(resource.get("ResourceStatus", ""))
                if resource.get("ResourceType") != NESTED_STACK_TYPE or not physical or status.startswith("DELETE"):
                    continue
                for name, outputs in describe_stack_outputs(cloudformation, [physical]).items():
                    if name in seen:
                        continue
                    seen.add(name)
                    found.append(NestedStackOutputs(name, parent, resource["LogicalResourceId"], outputs))
                    pending.append(name)
    return found
