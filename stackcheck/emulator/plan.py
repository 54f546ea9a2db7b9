"""Planning an emulator deployment: each stack's template as it will be sent, with unsupported resources (and everything that needs them) left out, in dependency waves."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stackcheck.assembly import CloudAssembly, StackArtifact
from stackcheck.emulator.capabilities import EMULATED, UNSUPPORTED, classify_resource
from stackcheck.errors import UnsupportedResourceError

_SUB_REFERENCE = re.compile(r"\$\{(?!!)([^}]+)\}")


@dataclass
class TemplatePlan:
    """The template to send for one stack and what was left out of it (logical ID → reason);
    ``emulated``: CDK framework custom resources created by their effect (logical ID → what is
    done); ``lost_outputs``: output key → the skipped logical ID (or removed export) it depends on."""

    artifact: StackArtifact
    template: dict[str, Any]
    skipped: dict[str, str] = field(default_factory=dict)
    emulated: dict[str, str] = field(default_factory=dict)
    lost_outputs: dict[str, str] = field(default_factory=dict)

    @property
    def removed_outputs(self) -> list[str]:
        """The output keys left out of ``template`` (they depend on a skipped resource), in template order."""
        return list(self.lost_outputs)


def forecast(assembly: CloudAssembly, native: Mapping[str, str] | None = None) -> list[str]:
    """Before deploying: one line per stack of ``assembly`` (in deployment order), what the emulator
    will do with it: ``Api: declared 8 / to create 6 / emulated 1 / skipped 1 (Stage: unsupported type
    AWS::ApiGateway::Stage); lost outputs: ApiUrl (depend on skipped Stage)``. Resources whose
    condition is false are counted as to create (conditions are evaluated at deploy time).
    ``native``: moto's own types as a running server serves them (see ``plan_templates``)."""
    lines = []
    for wave in plan_templates(assembly, allow_unsupported=True, native=native):
        for plan in wave:
            declared = len(plan.artifact.resources)
            text = (
                f"{plan.artifact.stack_name}: declared {declared} / "
                f"to create {declared - len(plan.skipped) - len(plan.emulated)} / "
                f"emulated {len(plan.emulated)} / skipped {len(plan.skipped)}"
            )
            lines.append(text + skip_details(plan.skipped, plan.lost_outputs))
    return lines


def skip_details(skipped: Mapping[str, str], lost_outputs: Mapping[str, str]) -> str:
    """What a stack's accounting line adds after its counts: `` (Stage: unsupported type
    AWS::ApiGateway::Stage); lost outputs: ApiUrl (depend on skipped Stage)``; "" when nothing
    was skipped. ``skipped``: logical ID → why; ``lost_outputs``: output key → the skipped logical ID."""
    text = f" ({'; '.join(f'{k}: {v}' for k, v in sorted(skipped.items()))})" if skipped else ""
    if lost_outputs:
        by_cause: dict[str, list[str]] = {}
        for key, cause in sorted(lost_outputs.items()):
            by_cause.setdefault(cause, []).append(key)
        text += "; lost outputs: " + "; ".join(
            f"{', '.join(keys)} (depend on skipped {cause})" for cause, keys in sorted(by_cause.items())
        )
    return text


def references(value: Any) -> tuple[set[str], set[str]]:
    """``(logical IDs, export names)`` a template fragment refers to.

    Logical IDs come from Ref, Fn::GetAtt (list or ``"Id.Attr"`` form) and ``${Id}``/
    ``${Id.Attr}`` in Fn::Sub; pseudo parameters (``AWS::...``) are left out. Export names come
    from literal Fn::ImportValue arguments.
    """
    ids: set[str] = set()
    exports: set[str] = set()

    # not cfn-lint's template graph: this walks one fragment (not a whole Template) and also collects Fn::ImportValue export names
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, inner in node.items():
                if key == "Ref" and isinstance(inner, str):
                    ids.add(inner)
                elif key == "Fn::GetAtt":
                    target = inner[0] if isinstance(inner, list) and inner else inner
                    if isinstance(target, str):
                        ids.add(target.split(".")[0])
                elif key == "Fn::Sub":
                    text = inner[0] if isinstance(inner, list) else inner
                    if isinstance(text, str):
                        ids.update(m.split(".")[0] for m in _SUB_REFERENCE.findall(text))
                    if isinstance(inner, list) and len(inner) > 1:
                        walk(inner[1])
                    continue
                elif key == "Fn::ImportValue" and isinstance(inner, str):
                    exports.add(inner)
                walk(inner)
        elif isinstance(node, list):
            for inner in node:
                walk(inner)

    walk(value)
    return {i for i in ids if not i.startswith("AWS::")}, exports


def _depends_on(resource: Mapping[str, Any]) -> set[str]:
    depends = resource.get("DependsOn") or []
    return {depends} if isinstance(depends, str) else set(depends)


def plan_templates(
    assembly: CloudAssembly, *, allow_unsupported: bool = False, native: Mapping[str, str] | None = None
) -> list[list[TemplatePlan]]:
    """The templates to deploy, grouped in deployment waves.

    ``native``: the types the target server creates with moto's own models
    (``capabilities.served_native_types``); None introspects the moto installed here.

    Without ``allow_unsupported``, raises UnsupportedResourceError naming every unsupported type
    and its resources. With it, each unsupported resource is left out, and so is everything that
    needs it: resources and outputs referring to it (Ref, GetAtt, Sub, DependsOn), transitively,
    and in later stacks whatever imports an export that was left out.
    """
    waves = assembly.deployment_waves()
    unsupported: dict[str, list[str]] = {}
    for artifact in assembly.stacks.values():
        for logical_id, resource in artifact.resources.items():
            if classify_resource(resource, native)[0] == UNSUPPORTED:
                unsupported.setdefault(resource.get("Type", "?"), []).append(f"{artifact.artifact_id}/{logical_id}")
    if unsupported and not allow_unsupported:
        listing = "; ".join(f"{t} ({', '.join(ids)})" for t, ids in sorted(unsupported.items()))
        raise UnsupportedResourceError(
            f"the emulator cannot create these resource types: {listing}. "
            "Run `stackcheck emulator capabilities` for the matrix, or deploy the rest with --allow-unsupported"
        )
    removed_exports: set[str] = set()
    plans: list[list[TemplatePlan]] = []
    for wave in waves:
        wave_plans = []
        for artifact in wave:
            plan = _plan_stack(artifact, removed_exports, native)
            wave_plans.append(plan)
        plans.append(wave_plans)
    return plans


def left_out(assembly: CloudAssembly, native: Mapping[str, str] | None = None) -> dict[str, dict[str, str]]:
    """What ``deploy --allow-unsupported`` leaves out of each stack on a server creating ``native`` (as
    ``plan_templates``): artifact id → logical ID → why (``unsupported type AWS::AppSync::GraphQLApi``,
    ``needs ItemsApi, which was skipped``). Stacks it leaves whole are absent. Resources left out for a false Condition are
    decided at deploy time and not listed."""
    return {
        plan.artifact.artifact_id: dict(plan.skipped)
        for wave in plan_templates(assembly, allow_unsupported=True, native=native)
        for plan in wave
        if plan.skipped
    }


def _plan_stack(
    artifact: StackArtifact, removed_exports: set[str], native: Mapping[str, str] | None = None
) -> TemplatePlan:
    template = copy.deepcopy(artifact.template)
    resources: dict[str, Any] = template.get("Resources", {}) or {}
    skipped: dict[str, str] = {}
    emulated: dict[str, str] = {}
    for logical_id, resource in resources.items():
        support, detail = classify_resource(resource, native)
        if support == EMULATED:
            emulated[logical_id] = detail
        elif support == UNSUPPORTED:
            skipped[logical_id] = (
                detail
                if resource.get("Type", "?").startswith("Custom::")
                else f"unsupported type {resource.get('Type', '?')}"
            )
        else:
            _ids, imports = references(resource)
            gone = sorted(imports & removed_exports)
            if gone:
                skipped[logical_id] = f"imports {gone[0]}, whose resource was skipped"
    root: dict[str, str] = {}  # logical ID skipped for needing another → the first one skipped in that chain
    changed = True
    while changed:
        changed = False
        for logical_id, resource in resources.items():
            if logical_id in skipped:
                continue
            ids, _ = references(resource)
            needed = sorted((ids | _depends_on(resource)) & set(skipped))
            if needed:
                skipped[logical_id] = f"needs {needed[0]}, which was skipped"
                root[logical_id] = root.get(needed[0], needed[0])
                changed = True
    for logical_id in skipped:
        del resources[logical_id]
    lost_outputs: dict[str, str] = {}
    for key, output in list((template.get("Outputs") or {}).items()):
        ids, imports = references(output.get("Value"))
        if ids & set(skipped) or imports & removed_exports:
            gone = sorted(root.get(i, i) for i in ids & set(skipped)) or sorted(imports & removed_exports)
            lost_outputs[key] = gone[0]
            name = (output.get("Export") or {}).get("Name")
            if isinstance(name, str):
                removed_exports.add(name)
            del template["Outputs"][key]
    return TemplatePlan(artifact, template, skipped, emulated, lost_outputs)
