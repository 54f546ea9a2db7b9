"""Stack outputs: write, flatten and load outputs files, read live outputs, and resolve them by role, kind and attribute.

The cdk CLI writes ``{"StackName": {"OutputKey": "value", ...}, ...}`` with
``cdk deploy --outputs-file`` (https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-deploy.html).
The flat file post-deploy checks read is ``{"OutputKey": "value", ...}``.
"""

from __future__ import annotations

from stackcheck.files import ALL_OUTPUTS_FILE, DEFAULT_OUTPUTS_FILE, FLAT_OUTPUTS_FILE
from stackcheck.outputs.files import (
    NestedStackOutputs,
    describe_nested_stack_outputs,
    describe_stack_outputs,
    flatten_outputs,
    load_outputs,
    read_outputs,
    write_outputs,
)
from stackcheck.outputs.kinds import ATTR_WORDS, KINDS, ROLE_WORDS, AttrSpec, KindSpec, key_words
from stackcheck.outputs.registry import (
    ENTRY_POINT_GROUP,
    RegistryError,
    entry_point_registries,
    parse_registry,
    project_registry,
)
from stackcheck.outputs.resolver import OutputEntry, OutputMatch, OutputResolver

__all__ = [
    "ALL_OUTPUTS_FILE",
    "ATTR_WORDS",
    "DEFAULT_OUTPUTS_FILE",
    "ENTRY_POINT_GROUP",
    "FLAT_OUTPUTS_FILE",
    "KINDS",
    "ROLE_WORDS",
    "AttrSpec",
    "KindSpec",
    "NestedStackOutputs",
    "OutputEntry",
    "OutputMatch",
    "OutputResolver",
    "RegistryError",
    "describe_nested_stack_outputs",
    "describe_stack_outputs",
    "entry_point_registries",
    "flatten_outputs",
    "key_words",
    "load_outputs",
    "parse_registry",
    "project_registry",
    "read_outputs",
    "write_outputs",
]
