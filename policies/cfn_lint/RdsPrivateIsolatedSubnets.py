"""E9004: RDS databases are not publicly accessible and sit only in subnets with no route to an internet or NAT gateway."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stackcheck.scan import custom
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict, as_list

# Route targets that reach the internet: internet gateways (and their IPv6 egress-only kin), NAT, carrier gateways.
_EGRESS_KEYS = {
    "NatGatewayId": "NAT gateway",
    "EgressOnlyInternetGatewayId": "egress-only internet gateway",
    "CarrierGatewayId": "carrier gateway",
}


def subnet_exit(view: TemplateView, subnet: str) -> tuple[Outcome, str]:
    """(FAILED, "routes ... to NAT gateway `N` (route `R`)"), (PASSED, ""), or (UNKNOWN, why) for one subnet."""
    tables = []
    for lid in view.of_type("AWS::EC2::SubnetRouteTableAssociation"):
        props = view.properties(lid)
        if view.target(props.get("SubnetId")) == subnet:
            table = view.target(props.get("RouteTableId"))
            if table is None:
                return Outcome.UNKNOWN, f"its route table association `{lid}` names a route table outside this template"
            tables.append(table)
    if not tables:
        return Outcome.UNKNOWN, "it has no route table association here, so it uses the VPC's main route table"
    unknown = ""
    for lid in view.of_type("AWS::EC2::Route"):
        props = view.properties(lid)
        if view.target(props.get("RouteTableId")) not in tables:
            continue
        destination = view.value(props.get("DestinationCidrBlock", props.get("DestinationIpv6CidrBlock", "?")))
        for key, kind in _EGRESS_KEYS.items():
            if key in props:
                gateway = view.target(props[key]) or view.value(props[key])
                return Outcome.FAILED, f"routes {destination} to {kind} `{gateway}` (route `{lid}`)"
        if "GatewayId" in props:
            gateway = view.target(props["GatewayId"])
            value = view.value(props["GatewayId"])
            if view.type_of(gateway) == "AWS::EC2::InternetGateway" or (
                isinstance(value, str) and value.startswith("igw-")
            ):
                return Outcome.FAILED, f"routes {destination} to internet gateway `{gateway or value}` (route `{lid}`)"
            if gateway is None and isinstance(value, Unresolved):
                unknown = f"route `{lid}` goes to a gateway decided at deploy time"
    if unknown:
        return Outcome.UNKNOWN, unknown
    return Outcome.PASSED, ""


def _subnet_group(view: TemplateView, node: Any) -> str | None:
    target = view.target(node)
    if view.type_of(target) == "AWS::RDS::DBSubnetGroup":
        return target
    name = view.value(node)
    if isinstance(name, str):
        for lid in view.of_type("AWS::RDS::DBSubnetGroup"):
            if str(view.value(view.properties(lid).get("DBSubnetGroupName"))).lower() == name.lower():
                return lid
    return None


def evaluate_database(view: TemplateView, lid: str) -> Iterator[Verdict]:
    """Verdicts on one ``AWS::RDS::DBInstance`` or ``AWS::RDS::DBCluster``."""
    props = view.properties(lid)
    kind = "DB instance" if view.type_of(lid) == "AWS::RDS::DBInstance" else "DB cluster"
    where = f"{kind} `{lid}`"
    cluster = view.target(props.get("DBClusterIdentifier"))
    failed, unknown = [], []
    public = view.value(props.get("PubliclyAccessible"))
    if public is None:
        if kind == "DB instance":
            failed.append(
                Verdict(
                    Outcome.FAILED,
                    f"{where}: PubliclyAccessible is not set, so RDS decides from the "
                    "subnet group's VPC; set PubliclyAccessible: false",
                    lid,
                    ("Properties",),
                )
            )
    elif isinstance(public, Unresolved):
        unknown.append(
            Verdict(
                Outcome.UNKNOWN,
                f"{where}: PubliclyAccessible is unknown ({public.reason})",
                lid,
                ("Properties", "PubliclyAccessible"),
            )
        )
    elif str(public).lower() == "true":
        failed.append(
            Verdict(
                Outcome.FAILED,
                f"{where}: PubliclyAccessible is true; set it to false",
                lid,
                ("Properties", "PubliclyAccessible"),
            )
        )
    node = props.get("DBSubnetGroupName")
    if node is None and kind == "DB instance" and "DBClusterIdentifier" in props:
        if view.type_of(cluster) != "AWS::RDS::DBCluster":
            unknown.append(
                Verdict(
                    Outcome.UNKNOWN,
                    f"{where}: its cluster is not in this template; cannot check its subnets",
                    lid,
                    ("Properties", "DBClusterIdentifier"),
                )
            )
            node = False
        else:
            node = view.properties(cluster).get("DBSubnetGroupName")
    path = ("Properties", "DBSubnetGroupName")
    if node is None:
        failed.append(
            Verdict(
                Outcome.FAILED,
                f"{where}: DBSubnetGroupName is not set, so it goes into the default VPC; "
                "use a DB subnet group of isolated subnets",
                lid,
                ("Properties",),
            )
        )
    elif node is not False:
        group = _subnet_group(view, node)
        if group is None:
            unknown.append(
                Verdict(
                    Outcome.UNKNOWN, f"{where}: DBSubnetGroupName is not a DB subnet group of this template", lid, path
                )
            )
        else:
            subnets = view.properties(group).get("SubnetIds")
            if not isinstance(subnets, list):
                unknown.append(
                    Verdict(Outcome.UNKNOWN, f"{where}: the subnets of `{group}` are decided at deploy time", lid, path)
                )
            for node_subnet in as_list(subnets) if isinstance(subnets, list) else []:
                subnet = view.target(node_subnet)
                if view.type_of(subnet) != "AWS::EC2::Subnet":
                    unknown.append(
                        Verdict(Outcome.UNKNOWN, f"{where}: a subnet of `{group}` is not in this template", lid, path)
                    )
                    continue
                outcome, detail = subnet_exit(view, subnet)
                if outcome is Outcome.FAILED:
                    failed.append(
                        Verdict(
                            Outcome.FAILED,
                            f"{where}: subnet `{subnet}` of `{group}` {detail}; use isolated "
                            "subnets (no route to an internet or NAT gateway)",
                            lid,
                            path,
                        )
                    )
                elif outcome is Outcome.UNKNOWN:
                    unknown.append(
                        Verdict(Outcome.UNKNOWN, f"{where}: subnet `{subnet}` of `{group}`: {detail}", lid, path)
                    )
    if failed or unknown:
        yield from failed or unknown[:1]
        return
    yield Verdict(
        Outcome.PASSED,
        f"{where}: not publicly accessible; every subnet of its subnet group is isolated",
        lid,
        ("Properties",),
    )


def check(view: TemplateView) -> Iterator[Verdict]:
    """Verdicts on every RDS DB instance and DB cluster of the template."""
    for lid in view.of_type("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
        yield from evaluate_database(view, lid)


class RdsPrivateIsolatedSubnets(custom.TemplateRule):
    """cfn-lint rule E9004; logic in ``check``."""

    id = "E9004"
    shortdesc = "Ensure RDS databases are not publicly accessible and use only isolated subnets"
    description = (
        "The payment database must be reachable only from inside the VPC. PubliclyAccessible false keeps "
        "RDS from giving it a public address; subnets without a route to an internet or NAT gateway keep it "
        "from reaching (or being reached from) the internet even if a security group is opened by mistake."
    )
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html"
    tags = ["stackcheck", "rds", "ec2", "network"]
    check = staticmethod(check)
    live_resource_types = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")
