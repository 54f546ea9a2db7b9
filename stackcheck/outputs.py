"""Stack outputs: write and flatten the cdk CLI's ``--outputs-file`` shape, load outputs files.

The cdk CLI writes ``{"StackName": {"OutputKey": "value", ...}, ...}`` with
``cdk deploy --outputs-file`` (https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-deploy.html).
The flat file post-deploy checks read is ``{"OutputKey": "value", ...}``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

from stackcheck.errors import OutputCollisionError, OutputsError

__all__ = [
    "ALL_OUTPUTS_FILE",
    "FLAT_OUTPUTS_FILE",
    "atomic_write_json",
    "flatten_outputs",
    "write_outputs",
]

ALL_OUTPUTS_FILE = "all-outputs.json"
FLAT_OUTPUTS_FILE = "flat-outputs.json"


def atomic_write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as indented JSON to ``path`` through a temporary file and a rename.

    Readers see the old file or the new one, never half of one. Returns the path written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


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
                f"{source}: outputs of stack {stack!r} must be an object of key -> value, "
                f"got {type(outputs).__name__}"
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


def write_outputs(nested: Mapping[str, Mapping[str, Any]], directory: str | os.PathLike[str] = "cfn-outputs") -> tuple[Path, Path]:
    """Write ``all-outputs.json`` (nested, cdk CLI shape) and ``flat-outputs.json`` into ``directory``.

    Flattening happens first, so an OutputCollisionError leaves both files untouched.
    Returns ``(all_outputs_path, flat_outputs_path)``.
    """
    flat = flatten_outputs(nested)
    out = Path(directory)
    all_path = atomic_write_json(out / ALL_OUTPUTS_FILE, {s: dict(o) for s, o in nested.items()})
    flat_path = atomic_write_json(out / FLAT_OUTPUTS_FILE, flat)
    return all_path, flat_path
