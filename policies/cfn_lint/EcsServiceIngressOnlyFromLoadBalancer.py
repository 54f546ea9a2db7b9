"""E9005: an ECS service behind a load balancer admits traffic only from the load balancer's security groups."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from stackcheck.scan import custom
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict, as_list, balancer_security_groups

SECURITY_GROUP = "AWS::EC2::SecurityGroup"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
# A rule whose source is one of these is never a load balancer's security group, whatever its value.
_NOT_A_GROUP = {"CidrIp": "CIDR range", "CidrIpv6": "IPv6 CIDR range", "SourcePrefixListId": "prefix list"}


def _senders(view: TemplateView, service_id: str, props: Mapping[str, Any]) -> tuple[list[str], set[str], str]:
    """(service security groups, load balancer security groups, why undecided or "") of one ECS service.

    The load balancer security groups are those of the load balancers whose listeners forward
    to the service's target groups.
    """
    awsvpc = (
        (props.get("NetworkConfiguration") or {}).get("AwsvpcConfiguration")
        if isinstance(props.get("NetworkConfiguration"), Mapping)
        else None
    )
    if not isinstance(awsvpc, Mapping):
        return [], set(), ""  # bridge/host networking: the host's security group, not this rule's shape
    nodes = as_list(awsvpc.get("SecurityGroups"))
    groups = [view.target(g) for g in nodes]
    if not nodes or any(view.type_of(g) != SECURITY_GROUP for g in groups):
        return [], set(), "its security groups are not all security groups of this template"
    balancers: set[str] = set()
    for index, entry in enumerate(props["LoadBalancers"]):
        if not isinstance(entry, Mapping):
            return groups, balancers, f"LoadBalancers[{index}] is decided at deploy time"
        if "TargetGroupArn" not in entry:
            return groups, balancers, f"LoadBalancers[{index}] names a Classic Load Balancer"
        target_group = view.target(entry["TargetGroupArn"])
        if view.type_of(target_group) != TARGET_GROUP:
            return groups, balancers, f"LoadBalancers[{index}].TargetGroupArn is not a target group of this template"
        balancer = balancer_security_groups(view, target_group)
        if balancer is None:
            return (
                groups,
                balancers,
                (
                    f"no listener of this template forwards to `{target_group}`, or its load "
                    "balancer's security groups are not in this template"
                ),
            )
        balancers |= balancer
    return groups, balancers, ""


def _rules(view: TemplateView, group: str) -> Iterator[tuple[str, tuple[str | int, ...], Mapping[str, Any]]]:
    """(logical ID, path, rule) of every ingress rule into ``group``: ``SecurityGroupIngress`` resources, then inline."""
    for lid in view.of_type("AWS::EC2::SecurityGroupIngress"):
        props = view.properties(lid)
        if view.target(props.get("GroupId")) == group:
            yield lid, ("Properties",), props
    for index, rule in enumerate(as_list(view.properties(group).get("SecurityGroupIngress"))):
        if isinstance(rule, Mapping):
            yield group, ("Properties", "SecurityGroupIngress", index), rule


def _traffic(view: TemplateView, rule: Mapping[str, Any]) -> str:
    """``tcp 8080``, ``tcp 1024-2048`` or ``all traffic``, for messages."""
    protocol, low, high = (view.value(rule.get(k)) for k in ("IpProtocol", "FromPort", "ToPort"))
    if str(protocol).lower() in ("-1", "all"):
        return "all traffic"
    if isinstance(protocol, Unresolved) or isinstance(low, Unresolved) or isinstance(high, Unresolved):
        return "protocol or ports decided at deploy time"
    ports = f"{low}" if low == high else f"{low}-{high}"
    return f"{protocol} {ports}"


def _verdict(
    view: TemplateView,
    lid: str,
    path: tuple[str | int, ...],
    rule: Mapping[str, Any],
    group: str,
    service: str,
    balancers: set[str],
    own: set[str],
) -> Verdict:
    where = (
        f"Security group ingress `{lid}`"
        if lid != group
        else f"Security group `{group}` SecurityGroupIngress[{path[-1]}]"
    )
    traffic = _traffic(view, rule)
    allowed = balancers | own
    shown = ", ".join(f"`{g}`" for g in sorted(balancers))
    fix = (
        f"remove it: the tasks of ECS service `{service}` take traffic only from the load balancer's security "
        f"group{'s' if len(balancers) != 1 else ''} {shown} (and their own)"
    )
    for key, kind in _NOT_A_GROUP.items():
        if key in rule:
            value = view.value(rule[key])
            shown = f" {value}" if isinstance(value, str) else ""
            return Verdict(
                Outcome.FAILED,
                f"{where}: admits the {kind}{shown} ({traffic}) into `{group}`, bypassing the load balancer; {fix}",
                lid,
                (*path, key),
            )
    if "SourceSecurityGroupId" in rule:
        node = rule["SourceSecurityGroupId"]
        source = view.target(node)
        if source in allowed:
            return Verdict(
                Outcome.PASSED,
                f"{where}: admits only `{source}` ({traffic}), a security group allowed to "
                f"reach ECS service `{service}`",
                lid,
                (*path, "SourceSecurityGroupId"),
            )
        if source is not None:
            return Verdict(
                Outcome.FAILED,
                f"{where}: admits security group `{source}` ({traffic}), which is not the load balancer's; {fix}",
                lid,
                (*path, "SourceSecurityGroupId"),
            )
        value = view.value(node)
        why = value.reason if isinstance(value, Unresolved) else f"`{value}` is not a security group of this template"
        return Verdict(
            Outcome.UNKNOWN,
            f"{where}: its source security group is unknown ({why}); cannot tell whether it is the load balancer's",
            lid,
            (*path, "SourceSecurityGroupId"),
        )
    return Verdict(
        Outcome.UNKNOWN, f"{where}: no source this rule can judge (SourceSecurityGroupName, or none)", lid, path
    )


def check(view: TemplateView) -> Iterator[Verdict]:
    """One verdict per ingress rule into the security groups of every ECS service with target groups.

    A rule from a CIDR range or a prefix list, or from a security group other than the load
    balancers' and the service's own, fails; a rule whose source the template does not decide
    is UNKNOWN. A group whose service's load balancer cannot be traced gives one UNKNOWN.
    """
    allowed: dict[str, set[str]] = {}  # service security group -> load balancer security groups sending to it
    own: dict[str, set[str]] = {}  # service security group -> the security groups of the services using it
    owner: dict[str, str] = {}
    undecided: dict[str, tuple[str, str]] = {}
    for service_id in view.of_type("AWS::ECS::Service"):
        props = view.properties(service_id)
        entries = props.get("LoadBalancers")
        if entries is None or entries == []:
            continue
        if not isinstance(entries, list):
            yield Verdict(
                Outcome.UNKNOWN,
                f"ECS service `{service_id}`: LoadBalancers is decided at deploy time; cannot "
                "tell which security groups may reach it",
                service_id,
                ("Properties", "LoadBalancers"),
            )
            continue
        groups, senders, why = _senders(view, service_id, props)
        if why and not groups:
            yield Verdict(
                Outcome.UNKNOWN,
                f"ECS service `{service_id}`: {why}; cannot check what its security groups admit",
                service_id,
                ("Properties", "NetworkConfiguration"),
            )
            continue
        for group in groups:
            owner.setdefault(group, service_id)
            if why:
                undecided.setdefault(group, (service_id, why))
            else:
                allowed.setdefault(group, set()).update(senders)
                own.setdefault(group, set()).update(groups)
    for group in sorted(set(allowed) | set(undecided)):
        if group in undecided:
            service_id, why = undecided[group]
            if any(True for _ in _rules(view, group)):
                yield Verdict(
                    Outcome.UNKNOWN,
                    f"Security group `{group}` of ECS service `{service_id}`: {why}; cannot "
                    "tell which sources it may admit",
                    group,
                    ("Properties",),
                )
            continue
        for lid, path, rule in _rules(view, group):
            yield _verdict(view, lid, path, rule, group, owner[group], allowed[group], own[group])


class EcsServiceIngressOnlyFromLoadBalancer(custom.TemplateRule):
    """cfn-lint rule E9005; logic in ``check``."""

    id = "E9005"
    shortdesc = (
        "Ensure an ECS service behind a load balancer admits traffic only from the load balancer's security groups"
    )
    description = (
        "Tasks of a service behind an Application Load Balancer should be reachable only through it: a rule "
        "admitting a CIDR range, a prefix list or another security group into the service's security group "
        "lets clients bypass the listener rules, health checks and access logs, and reach the container "
        "directly on ports the cutover never tested."
    )
    source_url = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/networking-inbound.html"
    tags = ["stackcheck", "ecs", "elbv2", "ec2", "network"]
    check = staticmethod(check)
    live_resource_types = ("AWS::ECS::Service",)
