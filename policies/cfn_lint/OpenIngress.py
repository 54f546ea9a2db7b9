"""E9006: no security group admits traffic from anywhere (0.0.0.0/0, ::/0), but HTTP/HTTPS into an internet-facing ALB."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from stackcheck.scan import custom
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict, as_list

ANYWHERE = frozenset({"0.0.0.0/0", "::/0"})
WEB_PORTS = frozenset({80, 443})
_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
_INGRESS = "AWS::EC2::SecurityGroupIngress"
_GROUP_TYPES = ("AWS::EC2::SecurityGroup", _INGRESS, "AWS::EC2::SecurityGroupEgress")


def _port(value: Any) -> int | Unresolved | None:
    if isinstance(value, Unresolved) or value is None:
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return Unresolved(f"port {value!r} is not a number")


def _attachment(view: TemplateView, group: str | None) -> tuple[Outcome, str]:
    """(PASSED, "") when ``group`` is attached only to internet-facing load balancers; else FAILED/UNKNOWN and why."""
    if group is None:
        return Outcome.UNKNOWN, "its security group is not in this template, so what it is attached to is unknown"
    users = set()
    for lid in view.resources:
        if view.type_of(lid) in _GROUP_TYPES:  # rules naming the group as a source attach nothing
            continue
        if any(view.target(node) == group for _, node in view.walk(view.properties(lid))):
            users.add(lid)
    if not users:
        return Outcome.FAILED, f"security group `{group}` is attached to no internet-facing load balancer here"
    others = sorted(u for u in users if view.type_of(u) != _BALANCER)
    if others:
        return Outcome.FAILED, f"security group `{group}` is also used by `{others[0]}` ({view.type_of(others[0])})"
    for lid in sorted(users):
        props = view.properties(lid)
        if not any(view.target(g) == group for g in as_list(props.get("SecurityGroups"))):
            return Outcome.FAILED, f"security group `{group}` is referenced by `{lid}` outside its SecurityGroups"
        scheme = view.value(props.get("Scheme", "internet-facing"))
        if isinstance(scheme, Unresolved):
            return Outcome.UNKNOWN, f"the Scheme of load balancer `{lid}` is unknown ({scheme.reason})"
        if scheme != "internet-facing":
            return Outcome.FAILED, f"load balancer `{lid}` is {scheme}, not internet-facing"
    return Outcome.PASSED, ""


def judge_rule(view: TemplateView, rule: Mapping[str, Any], group: str | None) -> tuple[Outcome, str]:
    """(outcome, detail) for one ingress rule (an inline ``SecurityGroupIngress`` entry or its resource form).

    NOT_APPLICABLE when its source is a security group or prefix list; PASSED when its CIDR is
    not 0.0.0.0/0 or ::/0, or it admits TCP 80/443 only into a group attached only to
    internet-facing load balancers; FAILED when it admits anything else from anywhere (IpProtocol
    -1 included); UNKNOWN when the CIDR, the protocol, the ports or the attachment are decided at
    deploy time.
    """
    key = "CidrIp" if "CidrIp" in rule else "CidrIpv6" if "CidrIpv6" in rule else None
    if key is None:
        return Outcome.NOT_APPLICABLE, ""
    cidr = view.value(rule[key])
    if isinstance(cidr, Unresolved):
        return Outcome.UNKNOWN, f"{key} is unknown ({cidr.reason})"
    if str(cidr) not in ANYWHERE:
        return Outcome.PASSED, f"{key} {cidr}"
    protocol = view.value(rule.get("IpProtocol"))
    if isinstance(protocol, Unresolved):
        return Outcome.UNKNOWN, f"{key} {cidr} with IpProtocol unknown ({protocol.reason})"
    protocol = str(protocol).lower()
    if protocol in ("-1", "all"):
        return Outcome.FAILED, f"{key} {cidr} on every protocol and port (IpProtocol -1)"
    low, high = _port(view.value(rule.get("FromPort"))), _port(view.value(rule.get("ToPort")))
    shown = f"{key} {cidr} on {protocol} {low}" + ("" if low == high else f"-{high}")
    if protocol not in ("tcp", "6"):
        return Outcome.FAILED, shown
    for port in (low, high):
        if isinstance(port, Unresolved):
            return Outcome.UNKNOWN, f"{key} {cidr} on tcp with a port unknown ({port.reason})"
    if low != high or low not in WEB_PORTS:
        return Outcome.FAILED, shown
    outcome, why = _attachment(view, group)
    if outcome is Outcome.PASSED:
        return Outcome.PASSED, f"{shown} into an internet-facing load balancer only"
    return outcome, f"{shown}: {why}"


def check(view: TemplateView) -> Iterator[Verdict]:
    """One verdict per security group (its inline ingress) and per ``AWS::EC2::SecurityGroupIngress``."""
    fix = "admit a narrower CIDR or a source security group (80/443 from anywhere only into an internet-facing ALB)"
    targets: list[tuple[str, list[tuple[tuple[str | int, ...], Mapping[str, Any]]], str | None]] = []
    for lid in view.of_type("AWS::EC2::SecurityGroup"):
        rules = view.properties(lid).get("SecurityGroupIngress")
        if isinstance(view.value(rules), Unresolved):
            yield Verdict(
                Outcome.UNKNOWN,
                f"Security group `{lid}`: SecurityGroupIngress is decided at deploy time",
                lid,
                ("Properties", "SecurityGroupIngress"),
            )
            continue
        entries = [
            (("Properties", "SecurityGroupIngress", i), r)
            for i, r in enumerate(as_list(rules) if isinstance(rules, list) else [])
            if isinstance(r, Mapping)
        ]
        targets.append((lid, entries, lid))
    for lid in view.of_type(_INGRESS):
        props = view.properties(lid)
        targets.append((lid, [(("Properties",), props)], view.target(props.get("GroupId"))))
    for lid, entries, group in targets:
        kind = "Security group" if view.type_of(lid) == "AWS::EC2::SecurityGroup" else "Ingress rule"
        failed, unknown = [], []
        for path, rule in entries:
            outcome, detail = judge_rule(view, rule, group)
            if outcome is Outcome.FAILED:
                failed.append(Verdict(Outcome.FAILED, f"{kind} `{lid}`: admits {detail}; {fix}", lid, path))
            elif outcome is Outcome.UNKNOWN:
                unknown.append(Verdict(Outcome.UNKNOWN, f"{kind} `{lid}`: {detail}", lid, path))
        if failed or unknown:
            yield from failed or unknown[:1]
        elif kind == "Security group" or any("CidrIp" in r or "CidrIpv6" in r for _, r in entries):
            yield Verdict(Outcome.PASSED, f"{kind} `{lid}`: no ingress from anywhere beyond what is allowed", lid)


class OpenIngress(custom.TemplateRule):
    """cfn-lint rule E9006; logic in ``check``."""

    id = "E9006"
    shortdesc = "Ensure no security group admits traffic from 0.0.0.0/0 or ::/0 but TCP 80/443 into an internet-facing load balancer"
    description = (
        "An ingress rule from 0.0.0.0/0 or ::/0 exposes whatever listens on the port to the internet; IpProtocol -1 "
        "exposes every port and protocol and is missed by port-based checks. Only HTTP and HTTPS into a security "
        "group used solely by internet-facing load balancers is meant to be public."
    )
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
    tags = ["stackcheck", "ec2", "network"]
    check = staticmethod(check)
    live_resource_types = ("AWS::EC2::SecurityGroup", _BALANCER)
