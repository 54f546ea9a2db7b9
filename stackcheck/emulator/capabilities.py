"""Capability matrix: each resource type of a cloud assembly as native (moto's model), extended (ours) or unsupported."""

from __future__ import annotations

from dataclasses import dataclass

from stackcheck.assembly import CloudAssembly

__all__ = [
    "EXTENDED",
    "NATIVE",
    "UNSUPPORTED",
    "Capability",
    "capability_matrix",
    "classify",
    "format_matrix",
    "unsupported_resources",
]

NATIVE = "native"
EXTENDED = "extended"
UNSUPPORTED = "unsupported"


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


def classify(resource_type: str) -> tuple[str, str]:
    """``(support, detail)`` for one CloudFormation type, introspected from moto and the extension."""
    from stackcheck.emulator import cfn

    if resource_type in cfn.EXTENDED:
        model = cfn.EXTENDED[resource_type]
        return EXTENDED, f"{model.__module__}.{model.__qualname__}"
    native = cfn.moto_native_types()
    if resource_type in native:
        patches = cfn.patched_types().get(resource_type, [])
        adds = list(dict.fromkeys(a for p in patches for a in p.adds))
        detail = native[resource_type] + (f" + stackcheck: {', '.join(adds)}" if adds else "")
        return NATIVE, detail
    if resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource":
        return UNSUPPORTED, "custom resources need their Lambda function to run; the emulator cannot run it"
    return UNSUPPORTED, "no CloudFormation model in moto or in stackcheck.emulator.cfn"


def capability_matrix(assembly: CloudAssembly) -> list[Capability]:
    """One Capability per resource type the assembly declares, sorted by type."""
    counts: dict[str, int] = {}
    stacks: dict[str, list[str]] = {}
    for artifact in assembly.stacks.values():
        for resource_type, count in artifact.resource_types().items():
            counts[resource_type] = counts.get(resource_type, 0) + count
            stacks.setdefault(resource_type, []).append(artifact.artifact_id)
    matrix = []
    for resource_type in sorted(counts):
        support, detail = classify(resource_type)
        matrix.append(Capability(resource_type, support, detail, counts[resource_type], tuple(stacks[resource_type])))
    return matrix


def unsupported_resources(assembly: CloudAssembly) -> dict[str, list[tuple[str, str]]]:
    """Unsupported type → ``[(artifact id, logical ID), ...]`` of the resources declaring it."""
    found: dict[str, list[tuple[str, str]]] = {}
    verdicts: dict[str, str] = {}
    for artifact in assembly.stacks.values():
        for logical_id, resource in artifact.resources.items():
            resource_type = resource.get("Type", "?")
            if resource_type not in verdicts:
                verdicts[resource_type] = classify(resource_type)[0]
            if verdicts[resource_type] == UNSUPPORTED:
                found.setdefault(resource_type, []).append((artifact.artifact_id, logical_id))
    return found


def format_matrix(matrix: list[Capability]) -> str:
    """The matrix as an aligned text table with a totals line."""
    width = max([len(c.resource_type) for c in matrix] + [len("resource type")])
    lines = [f"{'resource type':<{width}}  {'support':<11}  {'count':>5}  model"]
    for c in matrix:
        lines.append(f"{c.resource_type:<{width}}  {c.support:<11}  {c.count:>5}  {c.detail}")
    totals = {s: sum(c.count for c in matrix if c.support == s) for s in (NATIVE, EXTENDED, UNSUPPORTED)}
    lines.append(
        f"{len(matrix)} types, {sum(totals.values())} resources: {totals[NATIVE]} native, "
        f"{totals[EXTENDED]} extended, {totals[UNSUPPORTED]} unsupported"
    )
    return "\n".join(lines)
