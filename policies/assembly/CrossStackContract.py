"""E9101: every Fn::ImportValue in the cloud assembly matches an export of a stack the importer depends on."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from stackcheck.assembly import CloudAssembly
from stackcheck.scan.assembly_rules import AssemblyRule
from stackcheck.scan.policy import PSEUDO_PARAMETERS, Outcome, TemplateView, Unresolved, Verdict, placeholders


def export_name(view: TemplateView, node: Any, stack_name: str) -> str | Unresolved:
    """An export or import name as text, ``${AWS::StackName}`` replaced by ``stack_name``.

    Unresolved when it holds a parameter or resource attribute (other pseudo parameters stay as
    ``${AWS::Region}``: importer and exporter share region and account).
    """
    text = view.text(node)
    if isinstance(text, Unresolved):
        return text
    text = text.replace("${AWS::StackName}", stack_name)
    foreign = [p for p in placeholders(text) if p not in PSEUDO_PARAMETERS]
    if foreign:
        return Unresolved(f"the name uses ${{{foreign[0]}}}, known only at deploy time")
    return text


def dependencies(assembly: CloudAssembly, stack: str) -> set[str]:
    """Artifact ids of every stack ``stack`` depends on, directly or transitively."""
    seen: set[str] = set()
    todo = list(assembly.stacks[stack].dependencies)
    while todo:
        current = todo.pop()
        if current in seen or current not in assembly.stacks:
            continue
        seen.add(current)
        todo.extend(assembly.stacks[current].dependencies)
    return seen


def imports(view: TemplateView) -> Iterator[tuple[str | None, tuple[str | int, ...], Any]]:
    """(logical ID or None, path, ImportValue argument) of every Fn::ImportValue in Resources and Outputs."""
    for lid, resource in view.resources.items():
        for path, node in view.walk(resource):
            if isinstance(node, Mapping) and set(node) == {"Fn::ImportValue"}:
                yield lid, path, node["Fn::ImportValue"]
    for key, output in view.outputs.items():
        for path, node in view.walk(output, ("Outputs", key)):
            if isinstance(node, Mapping) and set(node) == {"Fn::ImportValue"}:
                yield None, path, node["Fn::ImportValue"]


def evaluate(assembly: CloudAssembly) -> Iterator[tuple[str, Verdict]]:
    """(stack, verdict) for every import of the assembly; PASSED when exactly one stack it depends on exports the name."""
    views = {sid: TemplateView(a.template) for sid, a in assembly.stacks.items()}
    exports: dict[str, list[tuple[str, str]]] = {}
    undecided_exports: list[tuple[str, str]] = []
    for sid, artifact in assembly.stacks.items():
        for key, output in views[sid].outputs.items():
            export = output.get("Export")
            if not isinstance(export, Mapping) or "Name" not in export:
                continue
            name = export_name(views[sid], export["Name"], artifact.stack_name)
            if isinstance(name, Unresolved):
                undecided_exports.append((sid, key))
            else:
                exports.setdefault(name, []).append((sid, key))
    for sid, artifact in assembly.stacks.items():
        upstream = dependencies(assembly, sid)
        for lid, path, argument in imports(views[sid]):
            where = f"Import in `{lid}`" if lid else f"Import in output `{path[1]}`"
            name = export_name(views[sid], argument, artifact.stack_name)
            if isinstance(name, Unresolved):
                yield sid, Verdict(Outcome.UNKNOWN, f"{where}: {name.reason}; cannot match it to an export", lid, path)
                continue
            exporters = exports.get(name, [])
            if len(exporters) > 1:
                owners = ", ".join(f"`{s}` (output `{k}`)" for s, k in exporters)
                yield (
                    sid,
                    Verdict(
                        Outcome.FAILED,
                        f"{where}: export `{name}` is declared by {owners}; export names are "
                        "unique per account and region, so all but one deployment fails",
                        lid,
                        path,
                    ),
                )
            elif exporters:
                exporter, key = exporters[0]
                if exporter == sid:
                    yield (
                        sid,
                        Verdict(
                            Outcome.FAILED,
                            f"{where}: `{sid}` imports its own export `{name}` (output `{key}`); "
                            "reference the value directly",
                            lid,
                            path,
                        ),
                    )
                elif exporter in upstream:
                    yield (
                        sid,
                        Verdict(
                            Outcome.PASSED,
                            f"{where}: `{name}` is output `{key}` of `{exporter}`, which `{sid}` depends on",
                            lid,
                            path,
                        ),
                    )
                else:
                    yield (
                        sid,
                        Verdict(
                            Outcome.FAILED,
                            f"{where}: `{name}` is exported by `{exporter}` (output `{key}`), "
                            f"which `{sid}` does not depend on; add the stack dependency so `{exporter}` "
                            "deploys first (CDK: add_dependency)",
                            lid,
                            path,
                        ),
                    )
            elif undecided_exports:
                owners = ", ".join(f"`{s}` output `{k}`" for s, k in undecided_exports)
                yield (
                    sid,
                    Verdict(
                        Outcome.UNKNOWN,
                        f"{where}: no literal export `{name}`; {owners} name their export only at deploy time",
                        lid,
                        path,
                    ),
                )
            else:
                yield (
                    sid,
                    Verdict(
                        Outcome.FAILED,
                        f"{where}: no stack of the cloud assembly exports `{name}`; export it "
                        f"from a stack `{sid}` depends on (CDK: CfnOutput export_name) or fix the name",
                        lid,
                        path,
                    ),
                )


class CrossStackContract(AssemblyRule):
    """Assembly rule E9101; logic in ``evaluate``."""

    id = "E9101"
    outcome = "Ensure every Fn::ImportValue matches an export of a stack the importing stack depends on"
    description = (
        "CloudFormation resolves Fn::ImportValue at deploy time: a name no stack exports, or one exported by a "
        "stack that is not deployed first, fails the importing stack's deployment (and CloudFormation then "
        "refuses to change the export while it is imported). Checking the names over the whole cloud assembly "
        "catches a renamed output before the cutover stack is deployed."
    )
    source_url = (
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html"
    )
    evaluate = staticmethod(evaluate)
