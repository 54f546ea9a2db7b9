"""E9102: weighted cutover records alias load balancers of this cloud assembly, and a record set's weights are not all zero."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from stackcheck.assembly import CloudAssembly
from stackcheck.scan.assembly_rules import AssemblyRule
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict, as_list

LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
_DNS_NAME = re.compile(r"(?:dualstack\.)?\$\{([A-Za-z0-9]+)\.DNSName\}")


def weighted_records(
    view: TemplateView,
) -> Iterator[tuple[str, tuple[str | int, ...], Mapping[str, Any], Mapping[str, Any]]]:
    """(logical ID, path, record, zone/name defaults) of every record with SetIdentifier and Weight."""
    for lid in view.of_type("AWS::Route53::RecordSet"):
        props = view.properties(lid)
        if "SetIdentifier" in props and "Weight" in props:
            yield lid, ("Properties",), props, props
    for lid in view.of_type("AWS::Route53::RecordSetGroup"):
        group = view.properties(lid)
        for index, record in enumerate(as_list(group.get("RecordSets"))):
            if isinstance(record, Mapping) and "SetIdentifier" in record and "Weight" in record:
                yield lid, ("Properties", "RecordSets", index), record, group


def _unwrap(node: Any) -> Any:
    """The intrinsic inside ``Fn::Join ["", ["dualstack.", X]]`` (how CDK prefixes ALB aliases), else ``node``."""
    if isinstance(node, Mapping) and set(node) == {"Fn::Join"}:
        arg = node["Fn::Join"]
        if isinstance(arg, list) and len(arg) == 2 and arg[0] == "" and isinstance(arg[1], list):
            parts = [p for p in arg[1] if p not in ("", "dualstack.")]
            if len(parts) == 1 and not isinstance(parts[0], str):
                return parts[0]
    return node


def trace_load_balancer(
    assembly: CloudAssembly, stack: str, node: Any, follow_imports: bool = True
) -> tuple[Outcome, str]:
    """(PASSED, "load balancer `LB` of `Stack`") when DNS name ``node`` is an ELBv2 load balancer's; else FAILED/UNKNOWN, why.

    ``node`` is an ``AliasTarget.DNSName`` of stack ``stack``; an ``Fn::ImportValue`` is followed
    to the output of the stack that exports it (once: an export of an import is UNKNOWN).
    """
    view = TemplateView(assembly.stacks[stack].template)
    inner = _unwrap(node)
    if isinstance(inner, Mapping) and set(inner) == {"Fn::ImportValue"}:
        if not follow_imports:
            return Outcome.UNKNOWN, "it imports an export that is itself an import"
        name = view.text(inner["Fn::ImportValue"])
        if isinstance(name, Unresolved):
            return Outcome.UNKNOWN, f"its export name is decided at deploy time ({name.reason})"
        for sid, artifact in assembly.stacks.items():
            for _key, output in TemplateView(artifact.template).outputs.items():
                export = output.get("Export")
                exported = (
                    TemplateView(artifact.template).text(export.get("Name")) if isinstance(export, Mapping) else None
                )
                if isinstance(exported, str) and exported.replace("${AWS::StackName}", artifact.stack_name) == name:
                    outcome, detail = trace_load_balancer(assembly, sid, output.get("Value"), follow_imports=False)
                    return outcome, f"{detail} through export `{name}`" if outcome is Outcome.PASSED else detail
        return Outcome.UNKNOWN, f"no stack of the assembly exports `{name}` (E9101 reports the import)"
    text = view.text(inner)
    if isinstance(text, Unresolved):
        return Outcome.UNKNOWN, f"its DNS name is decided at deploy time ({text.reason})"
    match = _DNS_NAME.fullmatch(text)
    if match and view.type_of(match.group(1)) == LOAD_BALANCER:
        return Outcome.PASSED, f"load balancer `{match.group(1)}` of `{stack}`"
    if text.startswith("${") and text.endswith("}") and text[2:-1] in view.parameters:
        return Outcome.UNKNOWN, f"its DNS name is parameter `{text[2:-1]}`"
    return Outcome.FAILED, f"its DNSName `{text}` is not the DNS name of an ELBv2 load balancer of this assembly"


def evaluate(assembly: CloudAssembly) -> Iterator[tuple[str, Verdict]]:
    """(stack, verdict) for every weighted record of the assembly."""
    for sid, artifact in assembly.stacks.items():
        view = TemplateView(artifact.template)
        records = list(weighted_records(view))
        sets: dict[tuple[str, str, str], list[Any]] = {}
        for _, _, record, defaults in records:
            sets.setdefault(_set_key(view, record, defaults), []).append(view.value(record.get("Weight")))
        for lid, path, record, defaults in records:
            identifier = view.value(record.get("SetIdentifier"))
            where = f"Record `{lid}`" + (f" (set `{identifier}`)" if isinstance(identifier, str) else "")
            failed, unknown = [], []
            alias = record.get("AliasTarget")
            if not isinstance(alias, Mapping):
                failed.append(
                    f"{where}: weighted record without AliasTarget; cutover records alias the environments' "
                    "load balancers"
                )
                target = ""
            else:
                outcome, target = trace_load_balancer(assembly, sid, alias.get("DNSName"))
                if outcome is Outcome.FAILED:
                    failed.append(
                        f"{where}: AliasTarget: {target}; alias an ALB of the assembly (its DNSName attribute "
                        "or that attribute's export)"
                    )
                elif outcome is Outcome.UNKNOWN:
                    unknown.append(f"{where}: AliasTarget: {target}")
            key = _set_key(view, record, defaults)
            weights = sets[key]
            name, kind = view.text(record.get("Name")), view.text(record.get("Type"))
            if all(_is_zero(w) for w in weights):
                failed.append(
                    f"{where}: every weighted {kind} record of `{name}` has Weight 0, so Route 53 splits traffic "
                    "evenly; give the live environment a positive weight"
                )
            elif not any(_is_positive(w) for w in weights):
                unknown.append(f"{where}: the weights of `{name}` are decided at deploy time")
            if failed:
                yield sid, Verdict(Outcome.FAILED, "; ".join(failed), lid, path)
            elif unknown:
                yield sid, Verdict(Outcome.UNKNOWN, unknown[0], lid, path)
            else:
                weight = view.value(record.get("Weight"))
                yield sid, Verdict(Outcome.PASSED, f"{where}: Weight {weight} aliases {target}", lid, path)


def _set_key(view: TemplateView, record: Mapping[str, Any], defaults: Mapping[str, Any]) -> tuple[str, str, str]:
    zone_node = record.get(
        "HostedZoneId", record.get("HostedZoneName", defaults.get("HostedZoneId", defaults.get("HostedZoneName")))
    )
    parts = [view.text(zone_node), view.text(record.get("Name")), view.text(record.get("Type"))]
    return tuple(p.lower().rstrip(".") if isinstance(p, str) else repr(p) for p in parts)  # type: ignore[return-value]


def _is_zero(value: Any) -> bool:
    return not isinstance(value, (Unresolved, bool)) and str(value).strip() in ("0", "0.0")


def _is_positive(value: Any) -> bool:
    try:
        return not isinstance(value, (Unresolved, bool)) and int(value) > 0
    except (TypeError, ValueError):
        return False


class Route53WeightedCutover(AssemblyRule):
    """Assembly rule E9102; logic in ``evaluate``."""

    id = "E9102"
    outcome = "Ensure weighted cutover records alias load balancers of this assembly and not every weight is zero"
    description = (
        "Blue/green cutover shifts traffic by the weights of Route 53 records that alias the source and target "
        "ALBs. An alias to a name that is not one of the assembly's load balancers (a typo, a stale literal) "
        "sends customers nowhere; a record set whose weights are all 0 spreads traffic evenly instead of "
        "keeping it on the live environment."
    )
    source_url = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-weighted.html"
    evaluate = staticmethod(evaluate)
