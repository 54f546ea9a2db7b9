"""E9001: the container port, the target group port and the ALB-to-service ingress port are one port; health check path set."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from stackcheck.scan import custom
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict, as_list, balancer_security_groups

TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
_ALL_PROTOCOLS = {"-1", "all"}
_TCP = {"tcp", "6"}
Port = int | Unresolved
"""A port number, or one the template leaves to deploy time (equal only to the same expression)."""


def check(view: TemplateView) -> Iterator[Verdict]:
    """Verdicts on each ECS service behind a target group, its target groups and the ingress rules from the ALB.

    The container port of the task definition is the reference: the service's
    ``LoadBalancers[].ContainerPort`` must be one of its port mappings, the target group's
    ``Port`` (and ``HealthCheckPort`` unless ``traffic-port``) must equal it, an ingress rule of
    the service's security group from the load balancer's security group must cover it, and
    the target group must set ``HealthCheckPath``. Anything the template does not decide is UNKNOWN.
    """
    for service_id in view.of_type("AWS::ECS::Service"):
        props = view.properties(service_id)
        entries = props.get("LoadBalancers")
        if entries is None:
            continue
        if not isinstance(entries, list):
            yield Verdict(
                Outcome.UNKNOWN,
                f"ECS service `{service_id}`: LoadBalancers is decided at deploy time; cannot compare ports",
                service_id,
                ("Properties", "LoadBalancers"),
            )
            continue
        references: list[tuple[Port, str, str]] = []  # (container port, target group, task definition)
        for index, entry in enumerate(entries):
            verdict, reference = _entry(view, service_id, props, index, entry)
            if verdict:
                yield verdict
            if reference:
                references.append(reference)
                yield from _target_group(view, *reference)
        yield from _ingress(view, service_id, props, references)


def _entry(
    view: TemplateView, service_id: str, props: Mapping[str, Any], index: int, entry: Any
) -> tuple[Verdict | None, tuple[Port, str, str] | None]:
    """The service's verdict on one LoadBalancers entry, and (container port, target group, task definition)."""
    path = ("Properties", "LoadBalancers", index)
    where = f"ECS service `{service_id}`: LoadBalancers[{index}]"
    if not isinstance(entry, Mapping):
        return Verdict(
            Outcome.UNKNOWN, f"{where} is decided at deploy time; cannot compare ports", service_id, path
        ), None
    if "TargetGroupArn" not in entry:
        return None, None  # a Classic Load Balancer: no target group
    target_group = view.target(entry["TargetGroupArn"])
    if view.type_of(target_group) != TARGET_GROUP:
        return Verdict(
            Outcome.UNKNOWN,
            f"{where}.TargetGroupArn is not a target group of this template "
            "(imported or a parameter); cannot compare ports",
            service_id,
            (*path, "TargetGroupArn"),
        ), None
    task = view.target(props.get("TaskDefinition"))
    if view.type_of(task) != "AWS::ECS::TaskDefinition":
        return Verdict(
            Outcome.UNKNOWN,
            f"ECS service `{service_id}`: TaskDefinition is not a task definition of this "
            "template; cannot compare ports",
            service_id,
            ("Properties", "TaskDefinition"),
        ), None
    name, port = view.value(entry.get("ContainerName")), view.value(entry.get("ContainerPort"))
    for label, value in (("ContainerName", name), ("ContainerPort", port)):
        if label == "ContainerPort" and isinstance(value, Unresolved) and value.expr:
            continue  # may still equal a port mapping by construction (both `Ref AppPort`)
        if isinstance(value, Unresolved) or value is None:
            why = value.reason if isinstance(value, Unresolved) else "not set"
            return Verdict(
                Outcome.UNKNOWN, f"{where}.{label} is unknown ({why}); cannot compare ports", service_id, (*path, label)
            ), None
    containers = [c for c in as_list(view.properties(task).get("ContainerDefinitions")) if isinstance(c, Mapping)]
    container = next((c for c in containers if view.value(c.get("Name")) == name), None)
    if container is None:
        names = [view.value(c.get("Name")) for c in containers]
        if any(isinstance(n, Unresolved) for n in names):
            return Verdict(
                Outcome.UNKNOWN,
                f"{where}: the container names of `{task}` are decided at deploy time",
                service_id,
                (*path, "ContainerName"),
            ), None
        return Verdict(
            Outcome.FAILED,
            f"{where}.ContainerName `{name}` is not a container of `{task}`; use one of {sorted(map(str, names))}",
            service_id,
            (*path, "ContainerName"),
        ), None
    ports = [
        view.value(m.get("ContainerPort")) for m in as_list(container.get("PortMappings")) if isinstance(m, Mapping)
    ]
    known = sorted({int(p) for p in ports if _is_port(p)})
    if isinstance(port, Unresolved) and port in ports:
        verdict = Verdict(
            Outcome.PASSED,
            f"{where}.ContainerPort {port} is a port mapping of container `{name}` in `{task}` (the same expression)",
            service_id,
            (*path, "ContainerPort"),
        )
        return verdict, (port, target_group, task)
    if isinstance(port, Unresolved):
        return Verdict(
            Outcome.UNKNOWN,
            f"{where}.ContainerPort is unknown ({port.reason}); cannot compare ports",
            service_id,
            (*path, "ContainerPort"),
        ), None
    if _is_port(port) and int(port) in known:
        verdict = Verdict(
            Outcome.PASSED,
            f"{where}.ContainerPort {port} is a port mapping of container `{name}` in `{task}`",
            service_id,
            (*path, "ContainerPort"),
        )
        return verdict, (int(port), target_group, task)
    if len(known) != len(ports):
        return Verdict(
            Outcome.UNKNOWN,
            f"{where}: the port mappings of container `{name}` in `{task}` are decided at "
            "deploy time; cannot compare ports",
            service_id,
            (*path, "ContainerPort"),
        ), None
    use = f"use {known[0]}" if len(known) == 1 else f"use one of {known}" if known else "add a port mapping"
    verdict = Verdict(
        Outcome.FAILED,
        f"{where}.ContainerPort {port} is not a port mapping of container `{name}` in `{task}` (ports {known}); {use}",
        service_id,
        (*path, "ContainerPort"),
    )
    return verdict, ((known[0], target_group, task) if len(known) == 1 else None)


def _target_group(view: TemplateView, port: Port, target_group: str, task: str) -> Iterator[Verdict]:
    props = view.properties(target_group)
    where = f"Target group `{target_group}`"
    failed: list[Verdict] = []
    unknown: list[Verdict] = []
    if view.value(props.get("TargetType")) == "lambda":
        return
    tg_port = view.value(props.get("Port"))
    if tg_port is None:
        failed.append(
            Verdict(
                Outcome.FAILED,
                f"{where}: Port is not set; use {port}, the container port in `{task}`",
                target_group,
                ("Properties",),
            )
        )
    elif tg_port == port:
        pass
    elif isinstance(tg_port, Unresolved) or isinstance(port, Unresolved):
        why = tg_port.reason if isinstance(tg_port, Unresolved) else f"the container port {port!s} is unknown"
        unknown.append(
            Verdict(
                Outcome.UNKNOWN,
                f"{where}: Port is unknown ({why}); cannot compare with container port {port} in `{task}`",
                target_group,
                ("Properties", "Port"),
            )
        )
    elif not _is_port(tg_port) or int(tg_port) != port:
        failed.append(
            Verdict(
                Outcome.FAILED,
                f"{where}: Port {tg_port} differs from container port {port} in `{task}`; use {port}",
                target_group,
                ("Properties", "Port"),
            )
        )
    health_port = view.value(props.get("HealthCheckPort"))
    if health_port == port:
        pass
    elif isinstance(health_port, Unresolved) or (
        health_port not in (None, "traffic-port") and isinstance(port, Unresolved)
    ):
        unknown.append(
            Verdict(
                Outcome.UNKNOWN,
                f"{where}: HealthCheckPort is unknown ({getattr(health_port, 'reason', f'container port {port!s}')})",
                target_group,
                ("Properties", "HealthCheckPort"),
            )
        )
    elif health_port not in (None, "traffic-port") and (not _is_port(health_port) or int(health_port) != port):
        failed.append(
            Verdict(
                Outcome.FAILED,
                f"{where}: HealthCheckPort {health_port} differs from container port {port} "
                f"in `{task}`; use traffic-port",
                target_group,
                ("Properties", "HealthCheckPort"),
            )
        )
    enabled, path = view.value(props.get("HealthCheckEnabled")), view.value(props.get("HealthCheckPath"))
    protocol = view.value(props.get("HealthCheckProtocol", props.get("Protocol")))
    if enabled in (False, "false"):
        failed.append(
            Verdict(
                Outcome.FAILED,
                f"{where}: HealthCheckEnabled is false; enable it and set HealthCheckPath",
                target_group,
                ("Properties", "HealthCheckEnabled"),
            )
        )
    elif isinstance(protocol, str) and protocol.upper() not in ("HTTP", "HTTPS"):
        pass  # TCP/TLS health checks have no path
    elif isinstance(path, Unresolved):
        unknown.append(
            Verdict(
                Outcome.UNKNOWN,
                f"{where}: HealthCheckPath is unknown ({path.reason})",
                target_group,
                ("Properties", "HealthCheckPath"),
            )
        )
    elif not path:
        failed.append(
            Verdict(
                Outcome.FAILED,
                f"{where}: HealthCheckPath is not set; set the path the container in `{task}` answers on (e.g. `/`)",
                target_group,
                ("Properties",),
            )
        )
    if failed or unknown:
        yield from failed or unknown[:1]
        return
    yield Verdict(
        Outcome.PASSED,
        f"{where}: Port {tg_port} equals container port {port} in `{task}`; health check path `{path}`",
        target_group,
        ("Properties", "Port"),
    )


def _ingress(
    view: TemplateView, service_id: str, props: Mapping[str, Any], references: list[tuple[Port, str, str]]
) -> Iterator[Verdict]:
    """Verdicts on the rules admitting the load balancers' security groups into the service's."""
    if not references:
        return
    awsvpc = (
        (props.get("NetworkConfiguration") or {}).get("AwsvpcConfiguration")
        if isinstance(props.get("NetworkConfiguration"), Mapping)
        else None
    )
    if not isinstance(awsvpc, Mapping):
        return  # bridge/host networking: the host's security group and dynamic ports, not this rule's shape
    groups = as_list(awsvpc.get("SecurityGroups"))
    service_groups = {view.target(g) for g in groups}
    sg_path = ("Properties", "NetworkConfiguration", "AwsvpcConfiguration", "SecurityGroups")
    if not groups or None in service_groups:
        yield Verdict(
            Outcome.UNKNOWN,
            f"ECS service `{service_id}`: its security groups are not all security groups of "
            "this template; cannot check the ingress from the load balancer",
            service_id,
            sg_path,
        )
        return
    # Which load balancer security groups send to which container port.
    wanted: dict[Port, set[str]] = {}
    for port, target_group, _task in references:
        balancer_groups = balancer_security_groups(view, target_group)
        if balancer_groups is None:
            yield Verdict(
                Outcome.UNKNOWN,
                f"Target group `{target_group}`: no listener of this template forwards to it, "
                "or its load balancer's security groups are not in this template; cannot check the ingress "
                f"into `{service_id}`",
                target_group,
                ("Properties",),
            )
            continue
        if balancer_groups:
            wanted.setdefault(port, set()).update(balancer_groups)
    if not wanted:
        return
    all_sources = set().union(*wanted.values())
    task = references[0][2]
    ports = sorted(wanted, key=str)
    rules = [
        (rule_id, path, source, low, high, why or _undecided(low, high, [p for p in ports if source in wanted[p]]))
        for rule_id, path, source, low, high, why in _ingress_rules(view, service_groups, all_sources)
    ]
    for rule_id, path, source, low, high, why in rules:
        if why:
            yield Verdict(Outcome.UNKNOWN, f"Security group ingress `{rule_id}`: {why}", rule_id, path)
            continue
        covered = [p for p in ports if source in wanted[p] and _covers(low, high, p)]
        shown = f"port {low}" if low == high else f"ports {low}-{high}"
        if covered:
            yield Verdict(
                Outcome.PASSED,
                f"Security group ingress `{rule_id}`: {shown} from `{source}` covers container "
                f"port {covered[0]} in `{task}`",
                rule_id,
                path,
            )
        else:
            expected = [p for p in ports if source in wanted[p]]
            yield Verdict(
                Outcome.FAILED,
                f"Security group ingress `{rule_id}`: {shown} from `{source}` differs from "
                f"container port {expected[0]} in `{task}`; use {expected[0]}",
                rule_id,
                (*path, "FromPort") if path[-1] != "FromPort" else path,
            )
    unknown_sources = any(why for *_, why in rules)
    decided = [(s, low, high) for _, _, s, low, high, why in rules if not why]
    mismatched = {s for s, low, high in decided if not any(_covers(low, high, p) for p in ports if s in wanted[p])}
    for port in ports:
        for source in sorted(wanted[port]):
            if any(s == source and _covers(low, high, port) for s, low, high in decided):
                continue
            if source in mismatched or unknown_sources:
                continue  # the mismatched rule (with the fix) or the unresolved rule is reported above
            group = sorted(service_groups)[0]
            yield Verdict(
                Outcome.FAILED,
                f"Security group `{group}` admits nothing from the load balancer's security group "
                f"`{source}` on container port {port} in `{task}`; add an ingress rule on {port}",
                group,
                ("Properties",),
            )


def _ingress_rules(view: TemplateView, service_groups: set[str], sources: set[str]):
    """(rule logical ID, path, source group, from port, to port, why unknown) of rules from ``sources`` into the service."""
    for lid in view.of_type("AWS::EC2::SecurityGroupIngress"):
        props = view.properties(lid)
        if view.target(props.get("GroupId")) not in service_groups:
            continue
        yield from _rule(view, lid, ("Properties",), props, sources)
    for group in sorted(service_groups):
        for index, rule in enumerate(as_list(view.properties(group).get("SecurityGroupIngress"))):
            if isinstance(rule, Mapping):
                yield from _rule(view, group, ("Properties", "SecurityGroupIngress", index), rule, sources)


def _rule(view: TemplateView, lid: str, path: tuple, rule: Mapping[str, Any], sources: set[str]):
    source_node = rule.get("SourceSecurityGroupId")
    if source_node is None:
        return
    source = view.target(source_node)
    if source is None:
        yield lid, (*path, "SourceSecurityGroupId"), "?", 0, -1, "its source security group is not in this template"
        return
    if source not in sources:
        return
    protocol = view.value(rule.get("IpProtocol"))
    low, high = view.value(rule.get("FromPort")), view.value(rule.get("ToPort"))
    if isinstance(protocol, (int, str)) and str(protocol).lower() in _ALL_PROTOCOLS:
        yield lid, path, source, 0, 65535, None
    elif isinstance(protocol, (int, str)) and str(protocol).lower() not in _TCP:
        return  # UDP/ICMP rules carry no HTTP traffic
    elif isinstance(low, Unresolved) and low.expr and low == high:
        yield lid, (*path, "FromPort"), source, low, high, None  # one port, whatever it is at deploy time
    elif not (_is_port(low) and _is_port(high)):
        yield lid, (*path, "FromPort"), source, 0, -1, f"its ports are decided at deploy time ({low!r}-{high!r})"
    else:
        yield lid, (*path, "FromPort"), source, int(low), int(high), None


def _undecided(low: Port, high: Port, ports: list[Port]) -> str | None:
    """Why ports ``low``-``high`` cannot be compared with ``ports`` before deploy; None when they can."""
    if any(_covers(low, high, p) is None for p in ports):
        return f"its ports {low!s}-{high!s} and the container port are not comparable before deploy"
    return None


def _covers(low: Port, high: Port, port: Port) -> bool | None:
    """Whether ports ``low``-``high`` admit ``port``; None when an unknown port makes it undecidable."""
    if isinstance(port, Unresolved) or isinstance(low, Unresolved) or isinstance(high, Unresolved):
        if low == port == high or (low == 0 and high == 65535):
            return True
        return None
    return low <= port <= high


def _is_port(value: Any) -> bool:
    if isinstance(value, (bool, Unresolved)):
        return False
    try:
        return 0 <= int(value) <= 65535
    except (TypeError, ValueError):
        return False


class EcsAlbPortAlignment(custom.TemplateRule):
    """cfn-lint rule E9001; logic in ``check``."""

    id = "E9001"
    shortdesc = "Ensure the container port equals the target group port and the ALB-to-service ingress port"
    description = (
        "An ECS service behind an ALB only receives traffic when the container's port mapping, the service's "
        "LoadBalancers ContainerPort, the target group port and the service security group's ingress from the "
        "load balancer's security group name the same port, and the target group health-checks a path the "
        "container answers. A mismatch deploys cleanly and then fails every health check during cutover."
    )
    source_url = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb.html"
    tags = ["stackcheck", "ecs", "elbv2", "ec2"]
    check = staticmethod(check)
    live_resource_types = ("AWS::ECS::Service",)
