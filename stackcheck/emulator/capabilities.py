"""Capability matrix: each resource type of a cloud assembly as native (moto's model), extended (ours) or unsupported."""

from __future__ import annotations

import http.client
import json
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stackcheck.assembly import CloudAssembly

__all__ = [
    "EMULATED",
    "EXTENDED",
    "KNOWN_GAPS",
    "NATIVE",
    "UNSUPPORTED",
    "Capability",
    "capability_matrix",
    "classify",
    "classify_resource",
    "format_matrix",
    "served_native_types",
    "unsupported_resources",
]

NATIVE_TYPES_PATH = "/_stackcheck/native-types"
"""The emulator server's answer to ``GET`` here: ``moto_native_types()`` as that server imported them (JSON)."""

NATIVE = "native"
EXTENDED = "extended"
UNSUPPORTED = "unsupported"
EMULATED = "emulated"


@dataclass(frozen=True)
class Capability:
    """One resource type of the assembly: how the emulator creates it and where it is declared.

    ``support`` is NATIVE (moto's own CloudFormation model), EXTENDED (a model of
    ``stackcheck.emulator.cfn``) or UNSUPPORTED; ``detail`` names the model class, and for native
    types the properties/attributes our wrappers restore; ``count`` is the number of resources of
    the type over all stacks, ``stacks`` the artifact ids declaring it.
    """

    resource_type: str
    support: str
    detail: str
    count: int
    stacks: tuple[str, ...]


KNOWN_GAPS = {
    "AWS::CloudFront::CloudFrontOriginAccessIdentity": (
        "no CloudFormation model in moto or in stackcheck.emulator.cfn (the origin access control, "
        "AWS::CloudFront::OriginAccessControl, which CDK uses by default, is emulated)"
    ),
}
"""Unsupported types with the specific reason, where it is more than "no model"."""


def served_native_types(endpoint_url: str, timeout: float = 2.0) -> dict[str, str] | None:
    """The CloudFormation types the emulator server at ``endpoint_url`` creates with moto's own models
    (type → ``module.Class``), as that server answers ``GET /_stackcheck/native-types``: what the
    server really runs, without importing moto's 60-odd model modules here (1.3 s). None when the
    endpoint does not answer that path (not a stackcheck emulator, or an older one) or answers
    anything but a JSON object of ``AWS::`` type names to strings; callers then introspect the local moto.
    """
    try:
        with urllib.request.urlopen(endpoint_url.rstrip("/") + NATIVE_TYPES_PATH, timeout=timeout) as answer:
            found = json.loads(answer.read().decode("utf-8"))
    except (OSError, ValueError, http.client.HTTPException):  # URLError and timeouts are OSErrors
        return None
    if not isinstance(found, dict) or not all(k.startswith("AWS::") and isinstance(v, str) for k, v in found.items()):
        return None
    return found


def classify(resource_type: str, native: Mapping[str, str] | None = None) -> tuple[str, str]:
    """``(support, detail)`` for one CloudFormation type, introspected from moto and the extension.

    ``native``: moto's own types (type → model class), as ``served_native_types`` answers them;
    None introspects the moto installed here (``stackcheck.emulator.cfn.moto_native_types``).
    """
    from stackcheck.emulator import cfn

    if resource_type in cfn.EXTENDED:
        model = cfn.EXTENDED[resource_type]
        return EXTENDED, f"{model.__module__}.{model.__qualname__}"
    if native is None:
        native = cfn.moto_native_types()
    if resource_type in native:
        patches = cfn.patched_types().get(resource_type, [])
        adds = list(dict.fromkeys(a for p in patches for a in p.adds))
        detail = native[resource_type] + (f" + stackcheck: {', '.join(adds)}" if adds else "")
        return NATIVE, detail
    if resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource":
        return UNSUPPORTED, "custom resources need their Lambda function to run; the emulator cannot run it"
    if resource_type in KNOWN_GAPS:
        return UNSUPPORTED, KNOWN_GAPS[resource_type]
    return UNSUPPORTED, "no CloudFormation model in moto or in stackcheck.emulator.cfn"


def classify_resource(resource: dict[str, Any], native: Mapping[str, str] | None = None) -> tuple[str, str]:
    """``(support, detail)`` for one resource of a template: EMULATED for CDK's framework custom
    resources (``stackcheck.emulator.cfn.framework``), a named reason for any other custom
    resource, else ``classify`` of its type (``native`` as there)."""
    from stackcheck.emulator.cfn.framework import FRAMEWORK, framework_kind, provider_id

    resource_type = str(resource.get("Type", "?"))
    kind = framework_kind(resource)
    if kind:
        return EMULATED, f"CDK framework custom resource emulated by its effect: {FRAMEWORK[kind][1]}"
    if resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource":
        provider = provider_id(resource)
        backed = f" (provider {provider})" if provider else ""
        return (
            UNSUPPORTED,
            f"custom resource {resource_type}{backed} needs its Lambda function to run; the emulator cannot run it",
        )
    return classify(resource_type, native)


def capability_matrix(assembly: CloudAssembly, native: Mapping[str, str] | None = None) -> list[Capability]:
    """One Capability per resource type the assembly declares, sorted by type; ``native`` as for ``classify``."""
    counts: dict[tuple[str, str, str], int] = {}
    stacks: dict[tuple[str, str, str], list[str]] = {}
    for artifact in assembly.stacks.values():
        for resource in artifact.resources.values():
            row = (str(resource.get("Type", "?")), *classify_resource(resource, native))
            counts[row] = counts.get(row, 0) + 1
            if artifact.artifact_id not in stacks.setdefault(row, []):
                stacks[row].append(artifact.artifact_id)
    return [Capability(row[0], row[1], row[2], counts[row], tuple(stacks[row])) for row in sorted(counts)]


def unsupported_resources(assembly: CloudAssembly) -> dict[str, list[tuple[str, str]]]:
    """Unsupported type → ``[(artifact id, logical ID), ...]`` of the resources declaring it."""
    found: dict[str, list[tuple[str, str]]] = {}
    for artifact in assembly.stacks.values():
        for logical_id, resource in artifact.resources.items():
            if classify_resource(resource)[0] == UNSUPPORTED:
                found.setdefault(resource.get("Type", "?"), []).append((artifact.artifact_id, logical_id))
    return found


def format_matrix(matrix: list[Capability]) -> str:
    """The matrix as an aligned text table with a totals line."""
    width = max([len(c.resource_type) for c in matrix] + [len("resource type")])
    lines = [f"{'resource type':<{width}}  {'support':<11}  {'count':>5}  model"]
    for c in matrix:
        lines.append(f"{c.resource_type:<{width}}  {c.support:<11}  {c.count:>5}  {c.detail}")
    totals = {s: sum(c.count for c in matrix if c.support == s) for s in (NATIVE, EXTENDED, EMULATED, UNSUPPORTED)}
    lines.append(
        f"{len({c.resource_type for c in matrix})} types, {sum(totals.values())} resources: {totals[NATIVE]} native, "
        f"{totals[EXTENDED]} extended, "
        + (f"{totals[EMULATED]} emulated, " if totals[EMULATED] else "")
        + f"{totals[UNSUPPORTED]} unsupported"
    )
    return "\n".join(lines)
